//! SQLite only: the full-text index of candidates is rewritten when one of the columns it holds
//! changes, not on every update of the row. Before, an update of any column (a timeline event's
//! `last_activity_at`, an analysis's status) deleted and re-inserted the candidate's FTS row, and
//! the delete looks the row up by `candidate_id`, which FTS5 cannot index: a scan of the whole
//! index, about 13 ms at 100,000 candidates, on every stage move.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "DROP TRIGGER IF EXISTS candidates_fts_update",
    "CREATE TRIGGER IF NOT EXISTS candidates_fts_update
        AFTER UPDATE OF id, name, current_title, skills, summary, search_text ON candidates BEGIN
        DELETE FROM candidates_fts WHERE candidate_id = old.id;
        INSERT INTO candidates_fts (candidate_id, name, current_title, skills, summary, search_text)
        VALUES (new.id, new.name, new.current_title, new.skills, new.summary, new.search_text);
    END",
];

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS candidates_fts_update",
    "CREATE TRIGGER IF NOT EXISTS candidates_fts_update AFTER UPDATE ON candidates BEGIN
        DELETE FROM candidates_fts WHERE candidate_id = old.id;
        INSERT INTO candidates_fts (candidate_id, name, current_title, skills, summary, search_text)
        VALUES (new.id, new.name, new.current_title, new.skills, new.summary, new.search_text);
    END",
];

async fn run(manager: &SchemaManager<'_>, sql: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return Ok(());
    }
    for statement in sql {
        manager
            .get_connection()
            .execute_unprepared(statement)
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}
