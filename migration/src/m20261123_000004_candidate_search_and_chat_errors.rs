//! Full-text search over candidates, one index per engine behind `services::search`:
//! SQLite gets an FTS5 table kept in step by triggers, PostgreSQL a generated, weighted
//! `tsvector` column with a GIN index. Chat messages get the reason an answer is incomplete,
//! and conversations an index for the per-user list.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The FTS5 table holds its own copy of the searchable text and the candidate's id (not the
/// rowid, which SQLite may renumber on VACUUM). Porter stemming makes "developers" find
/// "developer".
const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE IF NOT EXISTS candidates_fts USING fts5(
        candidate_id UNINDEXED, name, current_title, skills, summary, search_text,
        tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS candidates_fts_insert AFTER INSERT ON candidates BEGIN
        INSERT INTO candidates_fts (candidate_id, name, current_title, skills, summary, search_text)
        VALUES (new.id, new.name, new.current_title, new.skills, new.summary, new.search_text);
    END",
    "CREATE TRIGGER IF NOT EXISTS candidates_fts_delete AFTER DELETE ON candidates BEGIN
        DELETE FROM candidates_fts WHERE candidate_id = old.id;
    END",
    "CREATE TRIGGER IF NOT EXISTS candidates_fts_update AFTER UPDATE ON candidates BEGIN
        DELETE FROM candidates_fts WHERE candidate_id = old.id;
        INSERT INTO candidates_fts (candidate_id, name, current_title, skills, summary, search_text)
        VALUES (new.id, new.name, new.current_title, new.skills, new.summary, new.search_text);
    END",
    "INSERT INTO candidates_fts (candidate_id, name, current_title, skills, summary, search_text)
        SELECT id, name, current_title, skills, summary, search_text FROM candidates",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS candidates_fts_update",
    "DROP TRIGGER IF EXISTS candidates_fts_delete",
    "DROP TRIGGER IF EXISTS candidates_fts_insert",
    "DROP TABLE IF EXISTS candidates_fts",
];

/// Name, title and skills weigh most (A), the summary next (B), the whole resume text least
/// (C). The resume text is cut so one huge resume cannot exceed tsvector's 1 MB limit.
const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE candidates ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(current_title, '') || ' ' || skills), 'A') ||
        setweight(to_tsvector('english', coalesce(summary, '')), 'B') ||
        setweight(to_tsvector('english', left(search_text, 200000)), 'C')
    ) STORED",
    "CREATE INDEX IF NOT EXISTS idx_candidates_search_vector ON candidates USING GIN (search_vector)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_candidates_search_vector",
    "ALTER TABLE candidates DROP COLUMN IF EXISTS search_vector",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_UP,
            DatabaseBackend::Postgres => POSTGRES_UP,
            DatabaseBackend::MySql => {
                return Err(DbErr::Migration("MySQL is not supported".into()))
            }
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .add_column(ColumnDef::new(Messages::Error).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_conversations_user_updated")
                    .table(Conversations::Table)
                    .col(Conversations::UserId)
                    .col(Conversations::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_messages_conversation_created")
                    .table(Messages::Table)
                    .col(Messages::ConversationId)
                    .col(Messages::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_messages_conversation_created")
                    .table(Messages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_conversations_user_updated")
                    .table(Conversations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Messages::Table)
                    .drop_column(Messages::Error)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_DOWN,
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            DatabaseBackend::MySql => return Ok(()),
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    ConversationId,
    Error,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    UserId,
    UpdatedAt,
}
