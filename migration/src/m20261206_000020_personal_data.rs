//! Candidates' personal data.
//!
//! - `processing_log`: one row per AI call that carried a candidate's data (analysis, a chat
//!   answer whose retrieval included them, a screening): who, when, whose key, which provider
//!   and model. Erased with the candidate.
//! - `workspace_retention`: a workspace's retention period (no row: candidates are kept).
//! - `candidate_retention`: a candidate's "keep until" date and its reason, which overrides the
//!   workspace's period.
//! - `erasure_jobs`: the durable queue of retention erasures, claimed and leased like
//!   `analysis_jobs`; one row per candidate at most, so two instances sweeping at once queue it
//!   once.
//! - `audit_events` gains its chain: `seq` (unique: appends are serialised by it), the previous
//!   row's hash and the row's own.
use sea_orm_migration::prelude::*;

use crate::columns::{at, big, id, index, int, string, table};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 4] = [
    "processing_log",
    "workspace_retention",
    "candidate_retention",
    "erasure_jobs",
];

const CHAIN_COLUMNS: [&str; 3] = ["seq", "prev_hash", "hash"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            table(
                "processing_log",
                vec![
                    id("id").primary_key().to_owned(),
                    id("workspace_id"),
                    id("candidate_id"),
                    ColumnDef::new(Alias::new("user_id"))
                        .uuid()
                        .null()
                        .to_owned(),
                    string("purpose", 24, false),
                    string("key_source", 16, false),
                    string("provider", 40, false),
                    string("model", 200, false),
                    at("created_at", false),
                ],
            ),
            table(
                "workspace_retention",
                vec![
                    id("workspace_id").primary_key().to_owned(),
                    int("retention_days"),
                    id("updated_by"),
                    at("updated_at", false),
                ],
            ),
            table(
                "candidate_retention",
                vec![
                    id("candidate_id").primary_key().to_owned(),
                    id("workspace_id"),
                    at("keep_until", false),
                    string("reason", 200, false),
                    id("updated_by"),
                    at("updated_at", false),
                ],
            ),
            table(
                "erasure_jobs",
                vec![
                    id("id").primary_key().to_owned(),
                    id("candidate_id"),
                    id("workspace_id"),
                    string("status", 16, false),
                    int("attempts"),
                    at("run_after", false),
                    at("lease_until", true),
                    string("locked_by", 100, true),
                    at("created_at", false),
                    at("updated_at", false),
                ],
            ),
        ];
        for t in tables {
            manager.create_table(t).await?;
        }
        for i in [
            index(
                "idx_processing_log_candidate",
                "processing_log",
                &["candidate_id", "created_at"],
            ),
            index(
                "idx_erasure_jobs_due",
                "erasure_jobs",
                &["status", "run_after"],
            ),
            index(
                "idx_erasure_jobs_candidate",
                "erasure_jobs",
                &["candidate_id"],
            )
            .unique()
            .to_owned(),
        ] {
            manager.create_index(i).await?;
        }
        // SQLite adds one column per ALTER TABLE.
        for col in [
            big("seq", true),
            string("prev_hash", 64, true),
            string("hash", 64, true),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("audit_events"))
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                index("idx_audit_events_seq", "audit_events", &["seq"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_audit_events_seq")
                    .table(Alias::new("audit_events"))
                    .to_owned(),
            )
            .await?;
        for name in CHAIN_COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("audit_events"))
                        .drop_column(Alias::new(name))
                        .to_owned(),
                )
                .await?;
        }
        for name in TABLES.iter().rev() {
            manager
                .drop_table(
                    Table::drop()
                        .table(Alias::new(*name))
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
