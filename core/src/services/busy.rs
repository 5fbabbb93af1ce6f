//! SQLite's "database is locked" (`SQLITE_BUSY`): avoided where it can be, tried again where
//! it cannot.
//!
//! SQLite has one writer at a time. The busy timeout (`startup.rs`, 10 s) makes a writer wait
//! for the lock, but only a transaction that has not read yet: one that asks for the lock after
//! reading is answered `SQLITE_BUSY` at once (waiting could deadlock it with the writer). A
//! write to `candidates` is such a case even as a transaction's first statement: its full-text
//! triggers read the FTS5 tables before the write lock is taken. So write transactions start
//! with [`begin_write`], which takes the lock first (what `BEGIN IMMEDIATE` does). What is
//! left (a writer holding the lock beyond the busy timeout, a connection meeting another one's
//! clean-up) changed nothing, so the transaction is run again from the start
//! ([`retry_if_busy`]).
use std::{future::Future, time::Duration};

use sea_orm::{
    sqlx, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    RuntimeErr, TransactionTrait,
};

/// A write that changes nothing but takes SQLite's write lock, waiting for it under the busy
/// timeout. Any table does: the lock is the database's; the migrations table always exists.
const TAKE_WRITE_LOCK: &str = "DELETE FROM seaql_migrations WHERE 0";

/// Begins a transaction that will write. On SQLite it holds the write lock from its start, as
/// `BEGIN IMMEDIATE` would (SeaORM only issues a deferred `BEGIN`): a writer already at work
/// is waited for under the busy timeout, and the transaction's later reads and writes cannot
/// meet `SQLITE_BUSY`. On PostgreSQL it is an ordinary transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        txn.execute_unprepared(TAKE_WRITE_LOCK).await?;
    }
    Ok(txn)
}

use crate::error::{ServiceError, ServiceResult};

/// Runs `attempt` again, up to four more times with a growing pause (20 ms to about half a
/// second), while it fails with SQLite's busy error; any other result is returned as it is.
pub async fn retry_if_busy<T, F, Fut>(attempt: F) -> Result<T, DbErr>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, DbErr>>,
{
    retry(attempt, is_busy).await
}

/// As [`retry_if_busy`], for work that answers a [`ServiceError`] (a database error inside it
/// is an internal one).
pub async fn retry_service_if_busy<T, F, Fut>(attempt: F) -> ServiceResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ServiceResult<T>>,
{
    retry(attempt, is_busy_service).await
}

/// SQLite's busy error, as a service answers it (an internal error holding the `DbErr`).
pub fn is_busy_service(e: &ServiceError) -> bool {
    match e {
        ServiceError::Internal(e) => e.downcast_ref::<DbErr>().is_some_and(is_busy),
        _ => false,
    }
}

async fn retry<T, E, F, Fut>(mut attempt: F, busy: impl Fn(&E) -> bool) -> Result<T, E>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut pause = Duration::from_millis(20);
    for _ in 0..4 {
        match attempt().await {
            Err(e) if busy(&e) => {
                tracing::warn!(error = %e, "the database was busy; trying the transaction again");
                tokio::time::sleep(pause).await;
                pause *= 3;
            }
            other => return other,
        }
    }
    attempt().await
}

/// SQLite's `SQLITE_BUSY` (primary code 5, with any extended code), as sqlx reports it.
pub fn is_busy(e: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = e
    else {
        return false;
    };
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
        && db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| c & 0xff == 5)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn other_errors_are_not_tried_again() {
        let calls = AtomicU32::new(0);
        let result: Result<(), DbErr> = retry_if_busy(|| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(DbErr::RecordNotUpdated) }
        })
        .await;
        assert!(matches!(result, Err(DbErr::RecordNotUpdated)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn other_service_errors_are_not_tried_again() {
        assert!(!is_busy_service(&ServiceError::from(
            DbErr::RecordNotUpdated
        )));
        let calls = AtomicU32::new(0);
        let result: ServiceResult<()> = retry_service_if_busy(|| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Err(ServiceError::NotFound("Candidate")) }
        })
        .await;
        assert!(matches!(result, Err(ServiceError::NotFound(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    /// A real busy error: a second connection, with no busy timeout to wait it out, writes
    /// while the first holds the write lock.
    #[tokio::test]
    async fn a_locked_database_is_recognised_and_tried_again(
    ) -> Result<(), Box<dyn std::error::Error>> {
        use sea_orm::{ConnectOptions, ConnectionTrait, Database, TransactionTrait};
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("busy.db").display());
        let connect = |url: &str| {
            let mut options = ConnectOptions::new(url.to_owned());
            options
                .max_connections(1)
                .map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::ZERO));
            Database::connect(options)
        };
        let holder = connect(&url).await?;
        for sql in ["PRAGMA journal_mode=WAL", "CREATE TABLE t (x INTEGER)"] {
            holder.execute_unprepared(sql).await?;
        }
        let other = connect(&url).await?;
        let txn = holder.begin().await?;
        txn.execute_unprepared("INSERT INTO t VALUES (1)").await?;
        let err = other
            .execute_unprepared("INSERT INTO t VALUES (2)")
            .await
            .err();
        assert!(err.as_ref().is_some_and(is_busy), "{err:?}");
        // And as a service answers it.
        let err = err.map(ServiceError::from);
        assert!(err.as_ref().is_some_and(is_busy_service), "{err:?}");

        // Tried again, it gets through once the holder has committed.
        let tries = AtomicU32::new(0);
        let commit = async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            txn.commit().await
        };
        let retried = retry_if_busy(|| {
            tries.fetch_add(1, Ordering::SeqCst);
            other.execute_unprepared("INSERT INTO t VALUES (3)")
        });
        let (committed, retried) = tokio::join!(commit, retried);
        committed?;
        retried?;
        assert!(tries.load(Ordering::SeqCst) >= 2);
        Ok(())
    }

    /// A write through a full-text trigger (as `candidates` has) in a deferred transaction
    /// meets a writer's lock with `SQLITE_BUSY` at once, the busy timeout notwithstanding;
    /// begun with [`begin_write`], the same transaction waits for the writer and succeeds.
    #[tokio::test]
    async fn a_write_transaction_waits_for_the_lock_instead_of_failing(
    ) -> Result<(), Box<dyn std::error::Error>> {
        use sea_orm::{ConnectOptions, ConnectionTrait, Database, TransactionTrait};
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("lock.db").display());
        let mut options = ConnectOptions::new(url);
        options.max_connections(2).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
        });
        let db = Database::connect(options).await?;
        for sql in [
            "CREATE TABLE seaql_migrations (version TEXT PRIMARY KEY, applied_at INTEGER)",
            "CREATE TABLE t (x TEXT)",
            "CREATE VIRTUAL TABLE t_fts USING fts5(x)",
            "CREATE TRIGGER t_fts_insert AFTER INSERT ON t BEGIN \
                INSERT INTO t_fts(x) VALUES (new.x); END",
        ] {
            db.execute_unprepared(sql).await?;
        }
        // Holds the write lock for a moment while `write` runs on the other connection.
        async fn against_a_writer<F: Future<Output = Result<(), DbErr>>>(
            db: &sea_orm::DatabaseConnection,
            write: impl FnOnce() -> F,
        ) -> Result<Result<(), DbErr>, DbErr> {
            let holder = db.begin().await?;
            holder
                .execute_unprepared("INSERT INTO t VALUES ('a')")
                .await?;
            let release = async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                holder.commit().await
            };
            let (written, released) = tokio::join!(write(), release);
            released?;
            Ok(written)
        }

        let deferred = against_a_writer(&db, || async {
            let txn = db.begin().await?;
            txn.execute_unprepared("INSERT INTO t VALUES ('b')").await?;
            txn.commit().await
        })
        .await?;
        assert!(deferred.as_ref().err().is_some_and(is_busy), "{deferred:?}");

        let immediate = against_a_writer(&db, || async {
            let txn = begin_write(&db).await?;
            txn.execute_unprepared("INSERT INTO t VALUES ('c')").await?;
            txn.commit().await
        })
        .await?;
        assert!(immediate.is_ok(), "{immediate:?}");
        Ok(())
    }
}
