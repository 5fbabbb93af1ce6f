//! Candidates at scale: substring search through an index on both engines, and an index for
//! keyset pagination.
//!
//! - SQLite: an FTS5 table with the `trigram` tokenizer over `search_text` (SQLite ≥ 3.34; the
//!   bundled one is 3.46), kept in step by triggers like `candidates_fts`. A quoted phrase of
//!   three or more characters matches any substring, case-insensitively.
//! - PostgreSQL: a `pg_trgm` GIN index on `search_text`, which `LIKE '%…%'` uses. The extension
//!   is created when the role may; otherwise the index is skipped and the same `LIKE` scans
//!   (correct, only slower).
//! - Both: `(owner_id, created_at, id)`, the order of the list and of its cursors.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE IF NOT EXISTS candidates_trigram USING fts5(
        candidate_id UNINDEXED, search_text, tokenize = 'trigram')",
    "CREATE TRIGGER IF NOT EXISTS candidates_trigram_insert AFTER INSERT ON candidates BEGIN
        INSERT INTO candidates_trigram (candidate_id, search_text) VALUES (new.id, new.search_text);
    END",
    "CREATE TRIGGER IF NOT EXISTS candidates_trigram_delete AFTER DELETE ON candidates BEGIN
        DELETE FROM candidates_trigram WHERE candidate_id = old.id;
    END",
    "CREATE TRIGGER IF NOT EXISTS candidates_trigram_update AFTER UPDATE OF id, search_text
        ON candidates BEGIN
        DELETE FROM candidates_trigram WHERE candidate_id = old.id;
        INSERT INTO candidates_trigram (candidate_id, search_text) VALUES (new.id, new.search_text);
    END",
    "INSERT INTO candidates_trigram (candidate_id, search_text)
        SELECT id, search_text FROM candidates",
    "CREATE INDEX IF NOT EXISTS idx_candidates_owner_created_id
        ON candidates (owner_id, created_at, id)",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_candidates_owner_created_id",
    "DROP TRIGGER IF EXISTS candidates_trigram_update",
    "DROP TRIGGER IF EXISTS candidates_trigram_delete",
    "DROP TRIGGER IF EXISTS candidates_trigram_insert",
    "DROP TABLE IF EXISTS candidates_trigram",
];

/// `DO` blocks: an exception inside one (no permission to create the extension, or no
/// `pg_trgm` installed) rolls back only that block, not the migration's transaction.
const POSTGRES_UP: &[&str] = &[
    "DO $$ BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%); candidate search scans instead', SQLERRM;
    END $$",
    "DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
            EXECUTE 'CREATE INDEX IF NOT EXISTS idx_candidates_search_trgm
                ON candidates USING GIN (search_text gin_trgm_ops)';
        END IF;
    END $$",
    "CREATE INDEX IF NOT EXISTS idx_candidates_owner_created_id
        ON candidates (owner_id, created_at, id)",
];

/// The extension stays: other databases' objects may use it.
const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_candidates_owner_created_id",
    "DROP INDEX IF EXISTS idx_candidates_search_trgm",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_UP,
            DatabaseBackend::Postgres => POSTGRES_UP,
            DatabaseBackend::MySql => {
                return Err(DbErr::Migration("MySQL is not supported".into()))
            }
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => SQLITE_DOWN,
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            DatabaseBackend::MySql => return Ok(()),
        };
        let db = manager.get_connection();
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
