//! Retention: a workspace's period (`workspace_retention`), a candidate's "keep until" date
//! (`candidate_retention`, which wins), the dashboard's list of erasures due in the next 14
//! days, and the background erasure. Every instance sweeps now and then
//! (`HIREKEY_RETENTION_SWEEP_SECS`) and queues each candidate whose time has come in
//! `erasure_jobs`, once (the table is unique per candidate); the queue's runner claims a job
//! like the other durable queues (`services::durable`), checks again that the candidate is
//! still due, and erases them ([`super::erase`]).
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use types::privacy::{
    CandidateRetention, DueCandidate, DueForErasure, KeepUntil, RetentionSettings, DUE_NOTICE_DAYS,
    MAX_RETENTION_DAYS, MIN_RETENTION_DAYS,
};
use uuid::Uuid;

use super::erase::{self, Why};
use crate::{
    audit::{self, AuditEvent},
    entities::{candidate_retention, candidates, erasure_jobs, workspace_retention},
    error::{ServiceError, ServiceResult},
    services::{busy, durable, hiring},
    session::{ClientInfo, Member},
    state::AppState,
};

/// A claimed erasure may run this long before another instance may take it.
const LEASE: Duration = Duration::from_secs(120);
/// How often an idle runner looks for queued erasures.
const POLL: Duration = Duration::from_secs(2);
/// Candidates queued per workspace per sweep (the next sweep queues more).
const SWEEP_BATCH: u64 = 500;
/// Longest "keep until", from now.
const MAX_KEEP_DAYS: i64 = 3650;
/// Candidates the dashboard lists at most.
const DUE_LIST_MAX: u64 = 200;

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

/// When the candidate last did anything (or anything was done to them).
fn activity(c: &candidates::Model) -> DateTime<Utc> {
    c.last_activity_at.unwrap_or(c.created_at).max(c.created_at)
}

/// When retention erases `c`: its activity plus the period, but never before its "keep until".
fn erase_after(c: &candidates::Model, period: i64, keep: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let by_period = activity(c) + days(period);
    keep.map_or(by_period, |k| k.max(by_period))
}

async fn period_of(
    db: &impl sea_orm::ConnectionTrait,
    workspace_id: Uuid,
) -> Result<Option<i64>, DbErr> {
    Ok(workspace_retention::Entity::find_by_id(workspace_id)
        .one(db)
        .await?
        .map(|r| i64::from(r.retention_days)))
}

/// `GET /api/v1/workspace/retention`.
pub async fn settings(state: &AppState, member: &Member) -> ServiceResult<RetentionSettings> {
    Ok(RetentionSettings {
        retention_days: period_of(&state.db, member.workspace_id)
            .await?
            .and_then(|d| u32::try_from(d).ok()),
    })
}

/// `PUT /api/v1/workspace/retention`: owners and admins; audited.
pub async fn set_settings(
    state: &AppState,
    member: &Member,
    client: &ClientInfo,
    wanted: RetentionSettings,
) -> ServiceResult<RetentionSettings> {
    if !member.role.can_manage() {
        return Err(ServiceError::Forbidden(
            "Only the workspace's owner or an admin can change its retention period".into(),
        ));
    }
    if let Some(d) = wanted.retention_days {
        if !(MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&d) {
            return Err(ServiceError::Validation(format!(
                "retention_days must be between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS}, or null to keep candidates"
            )));
        }
    }
    let now = state.clock.now();
    let txn = busy::begin_write(&state.db).await?;
    workspace_retention::Entity::delete_by_id(member.workspace_id)
        .exec(&txn)
        .await?;
    if let Some(d) = wanted.retention_days {
        workspace_retention::Entity::insert(workspace_retention::ActiveModel {
            workspace_id: Set(member.workspace_id),
            retention_days: Set(i32::try_from(d).unwrap_or(i32::MAX)),
            updated_by: Set(member.id),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Some(member.id),
        AuditEvent::RetentionChanged,
        None,
        Some(match wanted.retention_days {
            Some(d) => format!("workspace {}: {d} days", member.workspace_id),
            None => format!("workspace {}: off", member.workspace_id),
        }),
        client,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(wanted)
}

/// `GET /api/v1/candidates/{id}/retention`.
pub async fn candidate_retention(
    state: &AppState,
    member: &Member,
    id: Uuid,
) -> ServiceResult<CandidateRetention> {
    let c = hiring::candidate_in(&state.db, member.workspace_id, id).await?;
    let keep = candidate_retention::Entity::find_by_id(id)
        .one(&state.db)
        .await?;
    let period = period_of(&state.db, member.workspace_id).await?;
    Ok(CandidateRetention {
        keep_until: keep.as_ref().map(|k| k.keep_until.into()),
        reason: keep.as_ref().map(|k| k.reason.clone()),
        last_activity_at: activity(&c).into(),
        erase_after: period.map(|p| erase_after(&c, p, keep.map(|k| k.keep_until)).into()),
    })
}

/// `PUT /api/v1/candidates/{id}/retention`: keep the candidate until a date, with a reason.
pub async fn keep_until(
    state: &AppState,
    member: &Member,
    id: Uuid,
    wanted: KeepUntil,
) -> ServiceResult<CandidateRetention> {
    member.ensure_can_work()?;
    let reason = wanted.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ServiceError::Validation(
            "reason must say why the candidate is kept (at most 200 characters), e.g. \"consent given\"".into(),
        ));
    }
    let now = state.clock.now();
    let until = wanted.keep_until.0;
    if until <= now || until > now + days(MAX_KEEP_DAYS) {
        return Err(ServiceError::Validation(
            "keep_until must be a date in the future, at most ten years ahead".into(),
        ));
    }
    hiring::candidate_in(&state.db, member.workspace_id, id).await?;
    candidate_retention::Entity::insert(candidate_retention::ActiveModel {
        candidate_id: Set(id),
        workspace_id: Set(member.workspace_id),
        keep_until: Set(until),
        reason: Set(reason.to_owned()),
        updated_by: Set(member.id),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(candidate_retention::Column::CandidateId)
            .update_columns([
                candidate_retention::Column::KeepUntil,
                candidate_retention::Column::Reason,
                candidate_retention::Column::UpdatedBy,
                candidate_retention::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(&state.db)
    .await?;
    candidate_retention(state, member, id).await
}

/// `DELETE /api/v1/candidates/{id}/retention`: the workspace's period applies again.
pub async fn clear_keep_until(
    state: &AppState,
    member: &Member,
    id: Uuid,
) -> ServiceResult<CandidateRetention> {
    member.ensure_can_work()?;
    hiring::candidate_in(&state.db, member.workspace_id, id).await?;
    candidate_retention::Entity::delete_by_id(id)
        .exec(&state.db)
        .await?;
    candidate_retention(state, member, id).await
}

/// `GET /api/v1/retention/due`: who retention erases within the next 14 days.
pub async fn due(state: &AppState, member: &Member) -> ServiceResult<DueForErasure> {
    let Some(period) = period_of(&state.db, member.workspace_id).await? else {
        return Ok(DueForErasure::default());
    };
    let horizon = state.clock.now() + days(i64::from(DUE_NOTICE_DAYS));
    let rows = stale(
        state,
        member.workspace_id,
        horizon - days(period),
        DUE_LIST_MAX,
    )
    .await?;
    let keeps = keeps_of(state, &rows).await?;
    let mut items: Vec<DueCandidate> = rows
        .iter()
        .filter_map(|c| {
            let at = erase_after(c, period, keeps.get(&c.id).copied());
            (at <= horizon).then(|| DueCandidate {
                id: c.id,
                name: c.name.clone().unwrap_or_else(|| "Unnamed candidate".into()),
                last_activity_at: activity(c).into(),
                erase_after: at.into(),
            })
        })
        .collect();
    items.sort_by_key(|d| d.erase_after.0);
    Ok(DueForErasure {
        retention_days: u32::try_from(period).ok(),
        items,
    })
}

/// The workspace's candidates with no activity since `before`, oldest first.
async fn stale(
    state: &AppState,
    workspace_id: Uuid,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<candidates::Model>, DbErr> {
    use candidates::Column as C;
    candidates::Entity::find()
        .filter(C::WorkspaceId.eq(workspace_id))
        .filter(
            Condition::any().add(C::LastActivityAt.lt(before)).add(
                Condition::all()
                    .add(C::LastActivityAt.is_null())
                    .add(C::CreatedAt.lt(before)),
            ),
        )
        .order_by_asc(C::LastActivityAt)
        .limit(limit)
        .all(&state.db)
        .await
}

async fn keeps_of(
    state: &AppState,
    rows: &[candidates::Model],
) -> Result<std::collections::HashMap<Uuid, DateTime<Utc>>, DbErr> {
    Ok(candidate_retention::Entity::find()
        .filter(candidate_retention::Column::CandidateId.is_in(rows.iter().map(|c| c.id)))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|k| (k.candidate_id, k.keep_until))
        .collect())
}

/// Queues every candidate whose retention has run out, in every workspace that has a period.
/// Returns how many were queued now (a candidate already queued is not counted).
pub async fn sweep(state: &AppState) -> ServiceResult<u64> {
    let now = state.clock.now();
    let mut queued = 0;
    for ws in workspace_retention::Entity::find().all(&state.db).await? {
        let period = i64::from(ws.retention_days);
        let rows = stale(state, ws.workspace_id, now - days(period), SWEEP_BATCH).await?;
        let keeps = keeps_of(state, &rows).await?;
        let due: Vec<erasure_jobs::ActiveModel> = rows
            .iter()
            .filter(|c| erase_after(c, period, keeps.get(&c.id).copied()) <= now)
            .map(|c| erasure_jobs::ActiveModel {
                id: Set(Uuid::new_v4()),
                candidate_id: Set(c.id),
                workspace_id: Set(c.workspace_id),
                status: Set("queued".into()),
                attempts: Set(0),
                run_after: Set(now),
                lease_until: Set(None),
                locked_by: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .collect();
        for job in due {
            let inserted = erasure_jobs::Entity::insert(job)
                .on_conflict(
                    OnConflict::column(erasure_jobs::Column::CandidateId)
                        .do_nothing()
                        .to_owned(),
                )
                .do_nothing()
                .exec(&state.db)
                .await?;
            if matches!(inserted, sea_orm::TryInsertResult::Inserted(_)) {
                queued += 1;
            }
        }
    }
    Ok(queued)
}

fn holder(state: &AppState) -> &str {
    state.notifications.instance()
}

/// Claims the erasure that has waited longest (or one whose holder's lease lapsed).
async fn claim_next(state: &AppState) -> ServiceResult<Option<erasure_jobs::Model>> {
    use erasure_jobs::Column as C;
    let now = state.clock.now();
    let lease = now + chrono::Duration::from_std(LEASE).unwrap_or(days(0));
    if state.db.get_database_backend() == DatabaseBackend::Postgres {
        let statement = durable::claim_next_statement("erasure_jobs", now, lease, holder(state));
        return Ok(erasure_jobs::Entity::find()
            .from_raw_sql(statement)
            .one(&state.db)
            .await?);
    }
    let _turn = durable::SQLITE_CLAIMS.lock().await;
    let claimable = Condition::any()
        .add(
            Condition::all()
                .add(C::Status.eq("queued"))
                .add(C::RunAfter.lte(now)),
        )
        .add(
            Condition::all()
                .add(C::Status.eq("running"))
                .add(C::LeaseUntil.lt(now)),
        );
    let Some(next) = erasure_jobs::Entity::find()
        .filter(claimable.clone())
        .order_by_asc(C::RunAfter)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let claimed = erasure_jobs::Entity::update_many()
        .col_expr(C::Status, Expr::value("running"))
        .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
        .col_expr(C::LeaseUntil, Expr::value(lease))
        .col_expr(C::LockedBy, Expr::value(holder(state).to_owned()))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(next.id))
        .filter(claimable)
        .exec(&state.db)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(None);
    }
    Ok(erasure_jobs::Entity::find_by_id(next.id)
        .one(&state.db)
        .await?)
}

/// Erases the job's candidate if they are still due (activity since, or a new "keep until",
/// cancels it), then drops the job.
async fn run(state: &AppState, job: erasure_jobs::Model) -> ServiceResult<()> {
    let now = state.clock.now();
    let candidate = candidates::Entity::find_by_id(job.candidate_id)
        .one(&state.db)
        .await?;
    let period = period_of(&state.db, job.workspace_id).await?;
    if let (Some(c), Some(period)) = (candidate, period) {
        let keep = candidate_retention::Entity::find_by_id(c.id)
            .one(&state.db)
            .await?
            .map(|k| k.keep_until);
        if erase_after(&c, period, keep) <= now {
            // Deletes this job in the erasure's transaction.
            erase::erase_candidate(state, c, None, Why::Retention, &ClientInfo::default()).await?;
            return Ok(());
        }
    }
    erasure_jobs::Entity::delete_many()
        .filter(erasure_jobs::Column::Id.eq(job.id))
        .filter(erasure_jobs::Column::LockedBy.eq(holder(state)))
        .exec(&state.db)
        .await?;
    Ok(())
}

/// Starts this instance's sweep and the erasure queue's runner.
pub fn spawn(state: AppState) {
    let span = tracing::info_span!("retention", instance = %holder(&state));
    let every = state.config.retention_sweep;
    let sweeper = state.clone();
    tokio::spawn(tracing::Instrument::instrument(
        async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match sweep(&sweeper).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(queued = n, "candidates queued for erasure by retention")
                    }
                    Err(e) => tracing::warn!(error = %e, "the retention sweep failed"),
                }
            }
        },
        span.clone(),
    ));
    durable::spawn_runner(
        state,
        span,
        1,
        POLL,
        "a retention erasure",
        |state| async move { claim_next(&state).await },
        |state, job| async move {
            let id = job.id;
            if let Err(e) = run(&state, job).await {
                // The lease lapses and any instance takes the job again.
                tracing::warn!(job_id = %id, error = %e, "a retention erasure failed");
            }
        },
    );
}
