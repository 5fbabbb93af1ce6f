//! The hiring loop.
//!
//! - `jobs` (a workspace's openings) and `job_stages` (each job's ordered pipeline; one stage of
//!   kind `rejected`, last).
//! - `applications`: a candidate in a job, in one stage. `stage_version` goes up at every move,
//!   so two people moving one card cannot overwrite each other unseen. One per candidate and
//!   job (unique). The board pages a stage by `(created_at, id)`.
//! - `notes`, and `note_revisions`: a note's earlier bodies, kept when it is edited.
//! - `candidate_events`: each candidate's timeline, append-only (rows are only inserted, and
//!   deleted with the candidate).
//! - `candidate_merges`: which candidate was merged into which, so the kept candidate's
//!   timeline also reads the events written under the merged one's id.
//! - `resume_versions`: a candidate's earlier resumes. `resumes` keeps the current one (one per
//!   candidate, as before), which analysis, search and chat read.
//! - `candidates.email_key` and `phone_key`: the email and phone number normalised, the keys an
//!   upload of the same person is matched on; `name_key`: the name normalised, for possible
//!   duplicates. Existing emails are filled in here; the rest when a candidate is next analysed.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .uuid()
        .not_null()
        .to_owned()
}

fn pk(name: &str) -> ColumnDef {
    id(name).primary_key().to_owned()
}

fn at(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn text(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .text()
        .not_null()
        .to_owned()
}

fn short(name: &str, len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .string_len(len)
        .not_null()
        .to_owned()
}

fn short_null(name: &str, len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .string_len(len)
        .null()
        .to_owned()
}

fn table(name: &str, cols: Vec<ColumnDef>) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(Alias::new(name)).if_not_exists();
    for mut c in cols {
        t.col(&mut c);
    }
    t.to_owned()
}

fn index(name: &str, on: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(Alias::new(on)).if_not_exists();
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

const CANDIDATE_KEYS: [&str; 3] = ["email_key", "phone_key", "name_key"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            table(
                "jobs",
                vec![
                    pk("id"),
                    id("workspace_id"),
                    short("title", 200),
                    text("description"),
                    short_null("location", 200),
                    short_null("employment_type", 60),
                    short("status", 16),
                    id("created_by"),
                    at("created_at"),
                    at("updated_at"),
                ],
            ),
            table(
                "job_stages",
                vec![
                    pk("id"),
                    id("job_id"),
                    short("name", 60),
                    ColumnDef::new(Alias::new("position"))
                        .integer()
                        .not_null()
                        .to_owned(),
                    short("kind", 16),
                ],
            ),
            table(
                "applications",
                vec![
                    pk("id"),
                    id("workspace_id"),
                    id("job_id"),
                    id("candidate_id"),
                    id("stage_id"),
                    ColumnDef::new(Alias::new("stage_version"))
                        .big_integer()
                        .not_null()
                        .default(0)
                        .to_owned(),
                    ColumnDef::new(Alias::new("rejection_reason"))
                        .text()
                        .null()
                        .to_owned(),
                    at("stage_entered_at"),
                    id("created_by"),
                    at("created_at"),
                    at("updated_at"),
                ],
            ),
            table(
                "notes",
                vec![
                    pk("id"),
                    id("workspace_id"),
                    id("candidate_id"),
                    id("author_id"),
                    text("body"),
                    ColumnDef::new(Alias::new("edits"))
                        .integer()
                        .not_null()
                        .default(0)
                        .to_owned(),
                    at("created_at"),
                    at("updated_at"),
                ],
            ),
            table(
                "note_revisions",
                vec![pk("id"), id("note_id"), text("body"), at("written_at")],
            ),
            table(
                "candidate_events",
                vec![
                    pk("id"),
                    id("workspace_id"),
                    id("candidate_id"),
                    ColumnDef::new(Alias::new("actor_id"))
                        .uuid()
                        .null()
                        .to_owned(),
                    short("kind", 32),
                    text("detail"),
                    at("created_at"),
                ],
            ),
            table(
                "candidate_merges",
                vec![
                    pk("merged_id"),
                    id("into_id"),
                    id("workspace_id"),
                    id("merged_by"),
                    at("merged_at"),
                ],
            ),
            table(
                "resume_versions",
                vec![
                    pk("id"),
                    id("candidate_id"),
                    ColumnDef::new(Alias::new("file_name"))
                        .string()
                        .not_null()
                        .to_owned(),
                    ColumnDef::new(Alias::new("content_type"))
                        .string()
                        .not_null()
                        .to_owned(),
                    ColumnDef::new(Alias::new("bytes"))
                        .binary()
                        .not_null()
                        .to_owned(),
                    text("text"),
                    ColumnDef::new(Alias::new("text_engine"))
                        .string()
                        .null()
                        .to_owned(),
                    at("created_at"),
                    at("superseded_at"),
                ],
            ),
        ];
        for t in tables {
            manager.create_table(t).await?;
        }
        // SQLite adds one column per ALTER.
        for column in CANDIDATE_KEYS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("candidates"))
                        .add_column(short_null(column, 320))
                        .to_owned(),
                )
                .await?;
        }
        let indexes = [
            index(
                "idx_jobs_workspace",
                "jobs",
                &["workspace_id", "created_at"],
                false,
            ),
            index(
                "idx_job_stages_job",
                "job_stages",
                &["job_id", "position"],
                false,
            ),
            index(
                "idx_applications_job_candidate",
                "applications",
                &["job_id", "candidate_id"],
                true,
            ),
            index(
                "idx_applications_board",
                "applications",
                &["job_id", "stage_id", "created_at", "id"],
                false,
            ),
            index(
                "idx_applications_candidate",
                "applications",
                &["candidate_id"],
                false,
            ),
            index(
                "idx_notes_candidate",
                "notes",
                &["candidate_id", "created_at"],
                false,
            ),
            index(
                "idx_note_revisions_note",
                "note_revisions",
                &["note_id"],
                false,
            ),
            index(
                "idx_candidate_events_candidate",
                "candidate_events",
                &["candidate_id", "created_at"],
                false,
            ),
            index(
                "idx_candidate_merges_into",
                "candidate_merges",
                &["into_id"],
                false,
            ),
            index(
                "idx_resume_versions_candidate",
                "resume_versions",
                &["candidate_id", "created_at"],
                false,
            ),
            index(
                "idx_candidates_email_key",
                "candidates",
                &["workspace_id", "email_key"],
                false,
            ),
            index(
                "idx_candidates_phone_key",
                "candidates",
                &["workspace_id", "phone_key"],
                false,
            ),
            index(
                "idx_candidates_name_key",
                "candidates",
                &["workspace_id", "name_key"],
                false,
            ),
        ];
        for i in indexes {
            manager.create_index(i).await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE candidates SET email_key = LOWER(TRIM(email)) \
                 WHERE email IS NOT NULL AND TRIM(email) <> ''",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_candidates_email_key",
            "idx_candidates_phone_key",
            "idx_candidates_name_key",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Alias::new("candidates"))
                        .to_owned(),
                )
                .await?;
        }
        for column in CANDIDATE_KEYS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("candidates"))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        for name in [
            "resume_versions",
            "candidate_merges",
            "candidate_events",
            "note_revisions",
            "notes",
            "applications",
            "job_stages",
            "jobs",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(name)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
