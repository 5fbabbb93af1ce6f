//! What the two durable queues share (`resumes::jobs`' analysis jobs and `screening::queue`'s
//! screening items): the same columns (`status`, `attempts`, `run_after`, `lease_until`,
//! `locked_by`, `updated_at`), PostgreSQL's claim of the next due row, SQLite's turn for
//! claims, and one runner per instance per queue.
use std::{future::Future, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseBackend, Statement};
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::{error::ServiceResult, state::AppState};

/// SQLite has one writer and one process: claims take turns here instead of `SKIP LOCKED`.
pub static SQLITE_CLAIMS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// PostgreSQL's claim of the row of `table` that has waited longest among the due ones (queued
/// and due, or running with a lapsed lease): one `UPDATE ... WHERE id = (SELECT ... FOR UPDATE
/// SKIP LOCKED) RETURNING *`, so instances never wait on each other nor take the same row.
pub fn claim_next_statement(
    table: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    holder: &str,
) -> Statement {
    let sql = format!(
        "UPDATE {table} \
         SET status = 'running', attempts = attempts + 1, lease_until = $2, \
             locked_by = $3, updated_at = $1 \
         WHERE id = (SELECT id FROM {table} \
             WHERE (status = 'queued' AND run_after <= $1) \
                OR (status = 'running' AND lease_until < $1) \
             ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING *"
    );
    Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        sql,
        [now.into(), lease_until.into(), holder.to_owned().into()],
    )
}

/// Starts a runner (in `span`): whenever one of its `slots` is free it claims a due row
/// (`claim`) and works it (`run`) on a task of its own; with nothing due it looks again after
/// `poll`. `what` names the rows in the log.
pub fn spawn_runner<T, C, CF, R, RF>(
    state: AppState,
    span: tracing::Span,
    slots: usize,
    poll: Duration,
    what: &'static str,
    claim: C,
    run: R,
) where
    T: Send + 'static,
    C: Fn(AppState) -> CF + Send + 'static,
    CF: Future<Output = ServiceResult<Option<T>>> + Send,
    R: Fn(AppState, T) -> RF + Send + Sync + 'static,
    RF: Future<Output = ()> + Send + 'static,
{
    let run = Arc::new(run);
    tokio::spawn(
        async move {
            let slots = Arc::new(Semaphore::new(slots));
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                match claim(state.clone()).await {
                    Ok(Some(row)) => {
                        let work = run(state.clone(), row);
                        tokio::spawn(
                            async move {
                                work.await;
                                drop(slot);
                            }
                            .in_current_span(),
                        );
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "claiming {what} failed"),
                }
                drop(slot);
                tokio::time::sleep(poll).await;
            }
        }
        .instrument(span),
    );
}
