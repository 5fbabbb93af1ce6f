//! Screening runs on the durable `screening_items` queue.
//!
//! [`start`] writes the run and one item per application in one transaction and answers at
//! once; every instance runs one runner ([`spawn_runner`]) that claims due items, as the
//! analysis jobs do (`resumes::jobs`): a claim sets `running` under a lease of
//! [`jobs::LEASE`] renewed by a heartbeat, on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so an
//! instance that dies mid-run leaves its items to the others once their leases lapse, and
//! every write of the holder is fenced on its claim.
//!
//! An item's attempt ([`run_item`]):
//! 1. Stops at once if its run was cancelled or stopped.
//! 2. Works as the member who started the run, on the key that member's calls use now. A
//!    member who left, or a key that is gone or refused (401, 402), stops the whole run, with
//!    the reason on it: every other item would fail the same way.
//! 3. Builds the prompt from the resume text (the text every prompt reads: hidden text is not
//!    in it), redacted first in a blind run, and takes a pacing slot on the key
//!    (`services::pacing`), waiting for the key's window to reset when it has no room.
//! 4. Calls the model under the key's budget. A budget that would be passed stops the run
//!    there ("Budget exceeded"). A 429 never fails an item: it goes back to the queue for when
//!    the provider said to come back, its attempt not counted. Other faults retry with backoff,
//!    up to [`jobs::MAX_ATTEMPTS`].
//! 5. Checks the verdicts (`evidence`), computes the score, and writes the result, the item's
//!    end and the candidate's timeline event in one transaction. The run is done when no item
//!    is left.
use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use tokio::{sync::Semaphore, time::Instant};
use tracing::Instrument;
use types::{
    screening::{
        Criterion, RunState, ScreeningEstimate, ScreeningProgress, ScreeningStarted, StartScreening,
    },
    workspaces::Role,
};
use uuid::Uuid;

use super::{criteria_of, evidence, prompt, redact};
use crate::{
    entities::{
        applications, candidates, resumes, screening_items, screening_results, screening_runs,
        users,
    },
    error::{ServiceError, ServiceResult},
    providers::{ChatMessage, ProviderError, Usage},
    services::{
        ai::{self, Feature},
        busy, costs,
        hiring::{
            events::{self, Event, EventKind},
            job_in,
        },
        pacing,
        resumes::jobs,
        workspaces,
    },
    session::{AuthUser, Member},
    state::AppState,
};

/// Applications one run screens at most.
pub const MAX_RUN: usize = 5_000;
/// Items one instance's runner works on at once; pacing decides how many calls go out.
const RUNNER_SLOTS: usize = 8;
/// The answer a screening is expected to take per criterion, for the estimate.
const ANSWER_TOKENS_PER_CRITERION: i64 = 60;
/// How soon an item that found the budget full while others were in flight tries again.
const BUDGET_RECHECK: Duration = Duration::from_millis(500);
/// How often a waiting item looks whether its run was cancelled.
const CANCEL_POLL: Duration = Duration::from_secs(1);

/// An item's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

static SQLITE_CLAIMS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn holder(state: &AppState) -> &str {
    state.notifications.instance()
}

fn lease_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(jobs::LEASE).unwrap_or(chrono::Duration::seconds(30))
}

fn later(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60))
}

/// `POST /api/v1/jobs/{id}/screenings`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn start(
    state: &AppState,
    member: &Member,
    job_id: Uuid,
    req: StartScreening,
) -> ServiceResult<ScreeningStarted> {
    member.ensure_can_work()?;
    job_in(&state.db, member.workspace_id, job_id).await?;
    let criteria = criteria_of(state, job_id).await?;
    if criteria.is_empty() {
        return Err(ServiceError::Validation(
            "Add the job's criteria first: a screening checks each applicant against them".into(),
        ));
    }
    // The key is resolved now, so a missing one is said at once, not by every item.
    let resolved = ai::resolve_ai_key(state, member).await?;
    let mut apps: Vec<(Uuid, Uuid)> = applications::Entity::find()
        .select_only()
        .column(applications::Column::Id)
        .column(applications::Column::CandidateId)
        .filter(applications::Column::JobId.eq(job_id))
        .filter(applications::Column::WorkspaceId.eq(member.workspace_id))
        .order_by_asc(applications::Column::CreatedAt)
        .into_tuple()
        .all(&state.db)
        .await?;
    if let Some(ids) = &req.application_ids {
        if ids.is_empty() {
            return Err(ServiceError::Validation(
                "application_ids is empty; leave it out to screen every applicant".into(),
            ));
        }
        if let Some(missing) = ids.iter().find(|id| !apps.iter().any(|(a, _)| a == *id)) {
            return Err(ServiceError::Validation(format!(
                "Application {missing} is not in this job"
            )));
        }
        apps.retain(|(a, _)| ids.contains(a));
    }
    if apps.is_empty() {
        return Err(ServiceError::Validation(
            "The job has no applicants to screen".into(),
        ));
    }
    if apps.len() > MAX_RUN {
        return Err(ServiceError::Validation(format!(
            "A screening takes at most {MAX_RUN} applications; choose fewer"
        )));
    }
    let estimate = estimate(state, job_id, &apps, &criteria, &resolved.target).await?;
    let now = state.clock.now();
    let run_id = Uuid::new_v4();
    let run = screening_runs::ActiveModel {
        id: Set(run_id),
        workspace_id: Set(member.workspace_id),
        job_id: Set(job_id),
        started_by: Set(member.id),
        blind: Set(req.blind),
        state: Set(RunState::Running.as_str().to_owned()),
        stop_reason: Set(None),
        total: Set(apps.len() as i32),
        criteria: Set(
            serde_json::to_string(&criteria).map_err(|e| ServiceError::Internal(e.into()))?
        ),
        estimate_tokens: Set(estimate.tokens),
        estimate_micro_usd: Set(estimate.cost_usd.map(|usd| (usd * 1e6).round() as i64)),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    };
    let items: Vec<screening_items::ActiveModel> = apps
        .iter()
        .map(
            |(application_id, candidate_id)| screening_items::ActiveModel {
                id: Set(Uuid::new_v4()),
                run_id: Set(run_id),
                workspace_id: Set(member.workspace_id),
                application_id: Set(*application_id),
                candidate_id: Set(*candidate_id),
                status: Set(Status::Queued.as_str().to_owned()),
                attempts: Set(0),
                run_after: Set(now),
                lease_until: Set(None),
                locked_by: Set(None),
                last_error: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            },
        )
        .collect();
    busy::retry_if_busy(|| {
        let run = run.clone();
        let items = items.clone();
        async move {
            let txn = busy::begin_write(&state.db).await?;
            screening_runs::Entity::insert(run)
                .exec_without_returning(&txn)
                .await?;
            for chunk in items.chunks(500) {
                screening_items::Entity::insert_many(chunk.to_vec())
                    .exec_without_returning(&txn)
                    .await?;
            }
            txn.commit().await
        }
    })
    .await?;
    tracing::info!(run_id = %run_id, total = apps.len(), blind = req.blind, "screening run started");
    Ok(ScreeningStarted {
        id: run_id,
        total: apps.len() as i32,
        estimate,
    })
}

/// Tokens (and money, when the model's price is known) a run is expected to use: each
/// resume's length as sent, the criteria and instructions, and a short answer per criterion.
async fn estimate(
    state: &AppState,
    job_id: Uuid,
    apps: &[(Uuid, Uuid)],
    criteria: &[Criterion],
    target: &crate::providers::Target,
) -> ServiceResult<ScreeningEstimate> {
    #[derive(FromQueryResult)]
    struct Length {
        candidate_id: Uuid,
        chars: Option<i64>,
    }
    let sql = "SELECT r.candidate_id AS candidate_id, CAST(LENGTH(r.text) AS BIGINT) AS chars \
               FROM resumes r JOIN applications a ON a.candidate_id = r.candidate_id \
               WHERE a.job_id = $1";
    let backend = state.db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    let lengths: std::collections::HashMap<Uuid, i64> = Length::find_by_statement(
        Statement::from_sql_and_values(backend, sql, [job_id.into()]),
    )
    .all(&state.db)
    .await?
    .into_iter()
    .map(|l| (l.candidate_id, l.chars.unwrap_or(0)))
    .collect();
    let fixed = prompt::estimate_tokens(&prompt::screening_prompt(criteria, ""), 0);
    let answer = ANSWER_TOKENS_PER_CRITERION * criteria.len() as i64;
    let mut prompt_tokens = 0i64;
    for (_, candidate) in apps {
        let chars = lengths
            .get(candidate)
            .copied()
            .unwrap_or(0)
            .min(prompt::RESUME_MAX_CHARS as i64);
        prompt_tokens += fixed + chars / 4;
    }
    let completion_tokens = answer * apps.len() as i64;
    let price = costs::price_for(state, target).await;
    let cost = price.as_ref().and_then(|p| {
        costs::cost_micro_usd(
            Some(p),
            Usage {
                prompt_tokens,
                completion_tokens,
            },
        )
    });
    Ok(ScreeningEstimate {
        tokens: prompt_tokens + completion_tokens,
        cost_usd: cost.map(|micro| micro as f64 / 1e6),
    })
}

async fn run_in(
    state: &AppState,
    member: &Member,
    run_id: Uuid,
) -> ServiceResult<screening_runs::Model> {
    screening_runs::Entity::find_by_id(run_id)
        .filter(screening_runs::Column::WorkspaceId.eq(member.workspace_id))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Screening"))
}

async fn progress_of(
    state: &AppState,
    run: screening_runs::Model,
) -> ServiceResult<ScreeningProgress> {
    let counts: Vec<(String, i64)> = screening_items::Entity::find()
        .select_only()
        .column(screening_items::Column::Status)
        .column_as(screening_items::Column::Id.count(), "n")
        .filter(screening_items::Column::RunId.eq(run.id))
        .group_by(screening_items::Column::Status)
        .into_tuple()
        .all(&state.db)
        .await?;
    let count = |status: Status| {
        counts
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| *n as i32)
    };
    Ok(ScreeningProgress {
        id: run.id,
        job_id: run.job_id,
        state: RunState::from_stored(&run.state),
        blind: run.blind,
        total: run.total,
        done: count(Status::Done),
        failed: count(Status::Failed),
        cancelled: count(Status::Cancelled),
        stop_reason: run.stop_reason,
        estimate: ScreeningEstimate {
            tokens: run.estimate_tokens,
            cost_usd: run.estimate_micro_usd.map(|m| m as f64 / 1e6),
        },
        created_at: run.created_at.into(),
        finished_at: run.finished_at.map(Into::into),
    })
}

/// `GET /api/v1/screenings/{id}`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn progress(
    state: &AppState,
    member: &Member,
    run_id: Uuid,
) -> ServiceResult<ScreeningProgress> {
    let run = run_in(state, member, run_id).await?;
    progress_of(state, run).await
}

/// A job's newest run, if any.
pub async fn latest(
    state: &AppState,
    member: &Member,
    job_id: Uuid,
) -> ServiceResult<Option<ScreeningProgress>> {
    let run = screening_runs::Entity::find()
        .filter(screening_runs::Column::JobId.eq(job_id))
        .filter(screening_runs::Column::WorkspaceId.eq(member.workspace_id))
        .order_by_desc(screening_runs::Column::CreatedAt)
        .one(&state.db)
        .await?;
    match run {
        Some(run) => Ok(Some(progress_of(state, run).await?)),
        None => Ok(None),
    }
}

/// Ends a running run as `state` with `reason`, and gives up its items not yet begun. Items
/// already calling the model finish and keep their result.
async fn end_run(
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

/// `POST /api/v1/screenings/{id}/cancel`: no further application is sent; those in flight
/// finish. Cancelling a finished run changes nothing.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn cancel(
    state: &AppState,
    member: &Member,
    run_id: Uuid,
) -> ServiceResult<ScreeningProgress> {
    member.ensure_can_work()?;
    run_in(state, member, run_id).await?;
    let now = state.clock.now();
    busy::retry_if_busy(|| async {
        let txn = busy::begin_write(&state.db).await?;
        end_run(&txn, run_id, RunState::Cancelled, None, now).await?;
        txn.commit().await
    })
    .await?;
    progress(state, member, run_id).await
}

/// Marks the run done when none of its items is left to run.
async fn finish_if_complete(
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

// ---------------------------------------------------------------------------------------
// The queue.

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

fn held(item: &screening_items::Model, holder: &str) -> Condition {
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
            let sql = "UPDATE screening_items \
                SET status = 'running', attempts = attempts + 1, lease_until = $2, \
                    locked_by = $3, updated_at = $1 \
                WHERE id = (SELECT id FROM screening_items \
                    WHERE (status = 'queued' AND run_after <= $1) \
                       OR (status = 'running' AND lease_until < $1) \
                    ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED) \
                RETURNING *";
            let statement = Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                sql,
                [
                    now.into(),
                    lease_end(now).into(),
                    holder(state).to_owned().into(),
                ],
            );
            Ok(screening_items::Entity::find()
                .from_raw_sql(statement)
                .one(&state.db)
                .await?)
        }
        _ => {
            let _turn = SQLITE_CLAIMS.lock().await;
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
async fn heartbeat(state: &AppState, item: &screening_items::Model) {
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

/// How an attempt ends.
enum Step {
    Done(Box<screening_results::ActiveModel>, i32),
    /// Back to the queue at this time; `counted` says whether the attempt counts.
    Again {
        at: DateTime<Utc>,
        counted: bool,
        error: String,
    },
    Failed(String),
    /// The run ends here: a budget, the key or the member.
    StopRun(String),
    /// The run was cancelled or stopped before this item was sent.
    Cancelled,
}

/// Writes the end of the attempt, fenced on the holder; `false` if the item is no longer ours.
async fn finish(
    state: &AppState,
    item: &screening_items::Model,
    step: &Step,
) -> ServiceResult<bool> {
    use screening_items::Column;
    let holder = holder(state).to_owned();
    let now = state.clock.now();
    busy::retry_service_if_busy(|| async {
        let txn = busy::begin_write(&state.db).await?;
        if !matches!(step, Step::Again { .. }) {
            // The run's row first: the ends of a run's last items then take turns, so the one
            // that ends last sees the others' ends and marks the run done.
            screening_runs::Entity::update_many()
                .col_expr(screening_runs::Column::UpdatedAt, Expr::value(now))
                .filter(screening_runs::Column::Id.eq(item.run_id))
                .exec(&txn)
                .await?;
        }
        let (status, error) = match step {
            Step::Done(..) => (Status::Done, None),
            Step::Again { error, .. } => (Status::Queued, Some(error.clone())),
            Step::Failed(e) => (Status::Failed, Some(e.clone())),
            Step::StopRun(_) | Step::Cancelled => (Status::Cancelled, None),
        };
        let mut update = screening_items::Entity::update_many()
            .col_expr(Column::Status, Expr::value(status.as_str()))
            .col_expr(
                Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(Column::LastError, Expr::value(error))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(held(item, &holder));
        if let Step::Again { at, counted, .. } = step {
            update = update
                .col_expr(Column::RunAfter, Expr::value(*at))
                .col_expr(Column::LockedBy, Expr::value(Option::<String>::None));
            if !counted {
                update = update.col_expr(Column::Attempts, Expr::value(item.attempts - 1));
            }
        }
        if update.exec(&txn).await?.rows_affected != 1 {
            return Ok(false);
        }
        match step {
            Step::Done(result, score) => {
                screening_results::Entity::delete_by_id(item.application_id)
                    .exec(&txn)
                    .await?;
                screening_results::Entity::insert((**result).clone())
                    .exec_without_returning(&txn)
                    .await?;
                events::record(
                    &txn,
                    Event {
                        workspace_id: item.workspace_id,
                        candidate_id: item.candidate_id,
                        actor_id: None,
                        kind: EventKind::Screened,
                        detail: &[("score", score.to_string())],
                        at: now,
                    },
                )
                .await?;
            }
            Step::StopRun(reason) => {
                end_run(
                    &txn,
                    item.run_id,
                    RunState::Stopped,
                    Some(reason.clone()),
                    now,
                )
                .await?;
            }
            _ => {}
        }
        if !matches!(step, Step::Again { .. }) {
            finish_if_complete(&txn, item.run_id, now).await?;
        }
        txn.commit().await?;
        Ok(true)
    })
    .await
}

/// What an item works on.
struct Work {
    run: screening_runs::Model,
    criteria: Vec<Criterion>,
    member: Member,
    candidate: candidates::Model,
    text: String,
}

enum Loaded {
    Work(Box<Work>),
    End(Step),
}

async fn load(state: &AppState, item: &screening_items::Model) -> ServiceResult<Loaded> {
    let Some(run) = screening_runs::Entity::find_by_id(item.run_id)
        .one(&state.db)
        .await?
    else {
        return Ok(Loaded::End(Step::Cancelled));
    };
    if RunState::from_stored(&run.state) != RunState::Running {
        return Ok(Loaded::End(Step::Cancelled));
    }
    let application = applications::Entity::find_by_id(item.application_id)
        .filter(applications::Column::WorkspaceId.eq(item.workspace_id))
        .one(&state.db)
        .await?;
    let candidate = candidates::Entity::find_by_id(item.candidate_id)
        .filter(candidates::Column::WorkspaceId.eq(item.workspace_id))
        .one(&state.db)
        .await?;
    let text: Option<String> = resumes::Entity::find()
        .select_only()
        .column(resumes::Column::Text)
        .filter(resumes::Column::CandidateId.eq(item.candidate_id))
        .into_tuple()
        .one(&state.db)
        .await?;
    let (Some(_), Some(candidate), Some(text)) = (application, candidate, text) else {
        return Ok(Loaded::End(Step::Failed(
            "The application or its candidate was removed".into(),
        )));
    };
    if text.trim().is_empty() {
        return Ok(Loaded::End(Step::Failed(
            "The resume has no text to screen".into(),
        )));
    }
    let Some(user) = users::Entity::find_by_id(run.started_by)
        .one(&state.db)
        .await?
    else {
        return Ok(Loaded::End(Step::StopRun(
            "The person who started this screening no longer has an account".into(),
        )));
    };
    let user = AuthUser {
        id: user.id,
        email: user.email,
        name: user.name,
        is_admin: user.is_admin,
    };
    let member = match workspaces::resolve(state, user, Some(run.workspace_id)).await {
        Ok(member) if member.role != Role::Viewer => member,
        Ok(_) | Err(ServiceError::NotFound(_)) => {
            return Ok(Loaded::End(Step::StopRun(
                "The person who started this screening can no longer use AI in this workspace"
                    .into(),
            )))
        }
        Err(e) => return Err(e),
    };
    let criteria: Vec<Criterion> = serde_json::from_str(&run.criteria).unwrap_or_default();
    Ok(Loaded::Work(Box::new(Work {
        run,
        criteria,
        member,
        candidate,
        text,
    })))
}

/// What the model is sent about the candidate: the resume text, redacted in a blind run.
pub fn text_for(candidate: &candidates::Model, text: &str, blind: bool) -> String {
    if !blind {
        return prompt::resume_for_prompt(text);
    }
    let email_local = candidate
        .email
        .as_deref()
        .and_then(|e| e.split('@').next())
        .unwrap_or("");
    let names: Vec<&str> = [candidate.name.as_deref().unwrap_or(""), email_local]
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect();
    prompt::resume_for_prompt(&redact::redact(text, &names).text)
}

/// Whether the candidate's resume carries text addressed to a model.
fn addresses_the_model(candidate: &candidates::Model) -> bool {
    candidate
        .warnings
        .as_deref()
        .is_some_and(|w| w.contains("\"prompt_injection\""))
}

/// Waits for a pacing slot on the key; `false` if the run ended meanwhile.
async fn wait_for_slot(
    state: &AppState,
    run_id: Uuid,
    key: &str,
    tokens: i64,
) -> ServiceResult<bool> {
    loop {
        match pacing::acquire(state, key, tokens).await? {
            Ok(()) => return Ok(true),
            Err(wait) => {
                tokio::time::sleep(wait.min(CANCEL_POLL)).await;
                let running = screening_runs::Entity::find_by_id(run_id)
                    .one(&state.db)
                    .await?
                    .is_some_and(|r| r.state == RunState::Running.as_str());
                if !running {
                    return Ok(false);
                }
            }
        }
    }
}

/// The checked verdicts and score of one answer, as the result row to store.
pub fn judge(
    work_text: &str,
    criteria: &[Criterion],
    answer: &str,
) -> Result<(Vec<types::screening::Verdict>, i32, i32), String> {
    let claims = prompt::parse_verdicts(answer, criteria.len())?;
    let text = evidence::Normalized::new(work_text);
    let verdicts: Vec<_> = criteria
        .iter()
        .zip(claims)
        .map(|(c, claim)| evidence::check(&text, &c.text, c.kind, claim))
        .collect();
    let score = evidence::score(&verdicts);
    let dropped = verdicts.iter().map(|v| v.dropped_quotes).sum();
    Ok((verdicts, score, dropped))
}

/// Whether other items of `item`'s run are being worked on now.
async fn others_in_flight(state: &AppState, item: &screening_items::Model) -> ServiceResult<bool> {
    Ok(screening_items::Entity::find()
        .select_only()
        .column(screening_items::Column::Id)
        .filter(screening_items::Column::RunId.eq(item.run_id))
        .filter(screening_items::Column::Status.eq(Status::Running.as_str()))
        .filter(screening_items::Column::Id.ne(item.id))
        .into_tuple::<Uuid>()
        .one(&state.db)
        .await?
        .is_some())
}

/// The step after a failed call.
fn after_failure(item: &screening_items::Model, e: ServiceError, now: DateTime<Utc>) -> Step {
    let retry_at = |wait: Duration| later(now, wait);
    match e {
        ServiceError::BudgetExceeded(message) => {
            Step::StopRun(format!("Budget exceeded: {message}"))
        }
        ServiceError::ApiKeyRequired { .. } => Step::StopRun(format!("API key required: {e}")),
        ServiceError::Provider(ProviderError::RateLimited { retry_after, .. }) => Step::Again {
            at: retry_at(Duration::from_secs(retry_after.unwrap_or(10).clamp(1, 600))),
            counted: false,
            error: "Rate limited by the provider; waiting for its limit to reset".into(),
        },
        ServiceError::TooManyRequests { retry_after, .. }
        | ServiceError::TeamRateLimited { retry_after, .. } => Step::Again {
            at: retry_at(Duration::from_secs(retry_after.clamp(1, 600))),
            counted: false,
            error: format!("{}: {e}", e.kind()),
        },
        ServiceError::Provider(
            p @ (ProviderError::InvalidKey(_)
            | ProviderError::NoCredit(_)
            | ProviderError::ModelNotFound { .. }
            | ProviderError::BlockedAddress(_)),
        ) => {
            let e = ServiceError::Provider(p);
            Step::StopRun(format!("{}: {e}", e.kind()))
        }
        e if item.attempts < jobs::MAX_ATTEMPTS => Step::Again {
            at: retry_at(jobs::backoff(item.attempts)),
            counted: true,
            error: format!("{}: {e}", e.kind()),
        },
        e => Step::Failed(format!("{}: {e}", e.kind())),
    }
}

/// One attempt of an item this instance claimed, to its end.
#[tracing::instrument(skip_all, fields(item_id = %item.id, run_id = %item.run_id, attempt = item.attempts))]
pub async fn run_item(state: &AppState, item: screening_items::Model) -> ServiceResult<()> {
    let step = tokio::select! {
        step = attempt(state, &item) => step?,
        () = heartbeat(state, &item) => {
            tracing::warn!("the screening item was taken over; its outcome is dropped");
            return Ok(());
        }
    };
    if !finish(state, &item, &step).await? {
        tracing::warn!("the screening item was taken over; its outcome is dropped");
    }
    Ok(())
}

async fn attempt(state: &AppState, item: &screening_items::Model) -> ServiceResult<Step> {
    let work = match load(state, item).await? {
        Loaded::Work(work) => work,
        Loaded::End(step) => return Ok(step),
    };
    if item.attempts > jobs::MAX_ATTEMPTS {
        return Ok(Step::Failed(
            "Screening interrupted: the server stopped during every attempt".into(),
        ));
    }
    let started = std::time::Instant::now();
    let member = &work.member;
    let now = state.clock.now();
    let resolved = match ai::resolve_ai_key(state, member).await {
        Ok(resolved) => resolved,
        Err(e) => return Ok(after_failure(item, e, now)),
    };
    if let Err(e) = ai::check_quota(state, member, &resolved).await {
        return Ok(after_failure(item, e, now));
    }
    let text = text_for(&work.candidate, &work.text, work.run.blind);
    let messages: Vec<ChatMessage> = prompt::screening_prompt(&work.criteria, &text);
    let tokens = prompt::estimate_tokens(&messages, prompt::SCREENING_MAX_TOKENS);
    let key = pacing::pace_key(&resolved.target);
    if !wait_for_slot(state, work.run.id, &key, tokens).await? {
        return Ok(Step::Cancelled);
    }
    let answer = ai::complete_with(
        state,
        member,
        Feature::Screening,
        &resolved,
        &messages,
        Some(prompt::SCREENING_MAX_TOKENS),
        started,
    )
    .await;
    let now = state.clock.now();
    let answer = match answer {
        Ok(answer) => answer,
        // Calls of this run still in flight hold their worst case against the budget; once
        // they settle (for less) there may be room again.
        Err(ServiceError::BudgetExceeded(_)) if others_in_flight(state, item).await? => {
            return Ok(Step::Again {
                at: later(now, BUDGET_RECHECK),
                counted: false,
                error: "Waiting for the run's calls in flight to settle against the budget".into(),
            })
        }
        Err(e) => return Ok(after_failure(item, e, now)),
    };
    let (verdicts, score, dropped) = match judge(&text, &work.criteria, &answer.content) {
        Ok(judged) => judged,
        Err(reason) => {
            tracing::warn!(reason, "the model's screening answer was unusable");
            let e = ServiceError::Provider(ProviderError::BadResponse(answer.provider));
            return Ok(after_failure(item, e, now));
        }
    };
    let result = screening_results::ActiveModel {
        application_id: Set(item.application_id),
        workspace_id: Set(item.workspace_id),
        job_id: Set(work.run.job_id),
        candidate_id: Set(item.candidate_id),
        run_id: Set(work.run.id),
        verdicts: Set(
            serde_json::to_string(&verdicts).map_err(|e| ServiceError::Internal(e.into()))?
        ),
        dropped_quotes: Set(dropped),
        score: Set(score),
        provider: Set(answer.provider.as_str().to_owned()),
        model: Set(answer.model.clone()),
        key_source: Set(answer.source.as_str().to_owned()),
        blind: Set(work.run.blind),
        needs_review: Set(addresses_the_model(&work.candidate)),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        created_at: Set(now),
    };
    Ok(Step::Done(Box::new(result), score))
}

async fn run_logged(state: &AppState, item: screening_items::Model) {
    let id = item.id;
    if let Err(e) = run_item(state, item).await {
        // The lease lapses and any instance takes the item again.
        tracing::warn!(item_id = %id, error = %e, "a screening item failed to run");
    }
}

/// Starts this instance's runner: whenever a slot is free it claims a due item and runs it on
/// a task of its own; with nothing due it looks again after [`jobs::POLL`].
pub fn spawn_runner(state: AppState) {
    let span = tracing::info_span!("screening_runner", instance = %holder(&state));
    tokio::spawn(
        async move {
            let slots = Arc::new(Semaphore::new(RUNNER_SLOTS));
            loop {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                match claim_next(&state).await {
                    Ok(Some(item)) => {
                        let state = state.clone();
                        tokio::spawn(
                            async move {
                                run_logged(&state, item).await;
                                drop(slot);
                            }
                            .in_current_span(),
                        );
                        continue;
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "claiming a screening item failed"),
                }
                drop(slot);
                tokio::time::sleep(jobs::POLL).await;
            }
        }
        .instrument(span),
    );
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
