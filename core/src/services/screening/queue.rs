//! The `screening_items` queue: claiming an item (as `resumes::jobs` claims analysis jobs:
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, an in-process turn on SQLite), its lease and
//! heartbeat, and the run's end once its items are.
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use tokio::time::Instant;
use types::screening::RunState;
use uuid::Uuid;

use crate::{
    entities::{screening_items, screening_runs},
    error::ServiceResult,
    services::{durable, resumes::jobs},
    state::AppState,
};

/// An item's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

pub(super) fn holder(state: &AppState) -> &str {
    state.notifications.instance()
}

fn lease_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(jobs::LEASE).unwrap_or(chrono::Duration::seconds(30))
}

/// Ends a running run as `state` with `reason`, and gives up its items not yet begun. Items
/// already calling the model finish and keep their result.
pub(super) async fn end_run(
    db: &impl ConnectionTrait,
    run_id: Uuid,
    state: RunState,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let ended = screening_runs::Entity::update_many()
        .col_expr(screening_runs::Column::State, Expr::value(state.as_str()))
        .col_expr(screening_runs::Column::StopReason, Expr::value(reason))
        .col_expr(screening_runs::Column::UpdatedAt, Expr::value(now))
        .col_expr(screening_runs::Column::FinishedAt, Expr::value(Some(now)))
        .filter(screening_runs::Column::Id.eq(run_id))
        .filter(screening_runs::Column::State.eq(RunState::Running.as_str()))
        .exec(db)
        .await?;
    screening_items::Entity::update_many()
        .col_expr(
            screening_items::Column::Status,
            Expr::value(Status::Cancelled.as_str()),
        )
        .col_expr(screening_items::Column::UpdatedAt, Expr::value(now))
        .filter(screening_items::Column::RunId.eq(run_id))
        .filter(screening_items::Column::Status.eq(Status::Queued.as_str()))
        .exec(db)
        .await?;
    Ok(ended.rows_affected == 1)
}

/// Marks the run done when none of its items is left to run.
pub(super) async fn finish_if_complete(
    db: &impl ConnectionTrait,
    run_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let left = screening_items::Entity::find()
        .select_only()
        .column(screening_items::Column::Id)
        .filter(screening_items::Column::RunId.eq(run_id))
        .filter(
            screening_items::Column::Status
                .is_in([Status::Queued.as_str(), Status::Running.as_str()]),
        )
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    if left.is_none() {
        end_run(db, run_id, RunState::Done, None, now).await?;
    }
    Ok(())
}

fn claimable(now: DateTime<Utc>) -> Condition {
    use screening_items::Column;
    Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Queued.as_str()))
                .add(Column::RunAfter.lte(now)),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq(Status::Running.as_str()))
                .add(Column::LeaseUntil.lt(now)),
        )
}

pub(super) fn held(item: &screening_items::Model, holder: &str) -> Condition {
    use screening_items::Column;
    Condition::all()
        .add(Column::Id.eq(item.id))
        .add(Column::Status.eq(Status::Running.as_str()))
        .add(Column::LockedBy.eq(holder))
        .add(Column::Attempts.eq(item.attempts))
}

async fn claim_by_id(
    state: &AppState,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<screening_items::Model>, DbErr> {
    use screening_items::Column;
    let claimed = screening_items::Entity::update_many()
        .col_expr(Column::Status, Expr::value(Status::Running.as_str()))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::LeaseUntil, Expr::value(lease_end(now)))
        .col_expr(Column::LockedBy, Expr::value(holder(state)))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(claimable(now))
        .exec(&state.db)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(None);
    }
    screening_items::Entity::find_by_id(id).one(&state.db).await
}

/// Claims the item that has waited longest among the claimable ones, if any.
pub async fn claim_next(state: &AppState) -> ServiceResult<Option<screening_items::Model>> {
    let now = state.clock.now();
    match state.db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let statement = durable::claim_next_statement(
                "screening_items",
                now,
                lease_end(now),
                holder(state),
            );
            Ok(screening_items::Entity::find()
                .from_raw_sql(statement)
                .one(&state.db)
                .await?)
        }
        _ => {
            let _turn = durable::SQLITE_CLAIMS.lock().await;
            let next = screening_items::Entity::find()
                .filter(claimable(now))
                .order_by_asc(screening_items::Column::RunAfter)
                .one(&state.db)
                .await?;
            match next {
                Some(item) => Ok(claim_by_id(state, item.id, now).await?),
                None => Ok(None),
            }
        }
    }
}

async fn renew(state: &AppState, item: &screening_items::Model) -> Result<bool, DbErr> {
    let now = state.clock.now();
    let renewed = screening_items::Entity::update_many()
        .col_expr(
            screening_items::Column::LeaseUntil,
            Expr::value(lease_end(now)),
        )
        .col_expr(screening_items::Column::UpdatedAt, Expr::value(now))
        .filter(held(item, holder(state)))
        .exec(&state.db)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Renews the lease every [`jobs::HEARTBEAT`]; returns only when the item is no longer ours.
pub(super) async fn heartbeat(state: &AppState, item: &screening_items::Model) {
    let mut tick = tokio::time::interval_at(Instant::now() + jobs::HEARTBEAT, jobs::HEARTBEAT);
    loop {
        tick.tick().await;
        match renew(state, item).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(item_id = %item.id, error = %e, "renewing a screening lease failed")
            }
        }
    }
}

/// SQLite, at start-up: no other process can hold an item, so every `running` one was cut off
/// by the last stop; its lease is ended so the runner takes it again at once.
pub async fn release_interrupted(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let released = screening_items::Entity::update_many()
        .col_expr(
            screening_items::Column::LeaseUntil,
            Expr::value(Some(now - chrono::Duration::seconds(1))),
        )
        .filter(screening_items::Column::Status.eq(Status::Running.as_str()))
        .exec(db)
        .await?;
    Ok(released.rows_affected)
}
