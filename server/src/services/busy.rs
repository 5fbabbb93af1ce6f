//! SQLite's "database is locked" (`SQLITE_BUSY`), tried again.
//!
//! SQLite has one writer at a time. The busy timeout (`startup.rs`, 10 s) makes a writer wait
//! for the lock, but in WAL mode some contention is reported at once instead: a transaction
//! whose read snapshot another writer has just made stale, or a connection meeting another
//! one's clean-up. Under load (an upload while analysis jobs and usage rows are being written)
//! that surfaced as a 500 on a valid upload. A transaction that fails that way changed
//! nothing, so it is run again from the start.
use std::{future::Future, time::Duration};

use sea_orm::{sqlx, DbErr, RuntimeErr};

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
fn is_busy_service(e: &ServiceError) -> bool {
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
}
