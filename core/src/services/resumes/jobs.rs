//! Durable analysis jobs: the `analysis_jobs` table as a queue that every instance works on.
//!
//! An upload or a "Re-analyse" queues a job in the transaction that stores what it analyses
//! ([`enqueue`]), so a committed resume always has its analysis ahead of it. The request then
//! claims its own job ([`claim`]) and runs it on a task of its own, and each instance runs one
//! runner ([`spawn_runner`]) that claims whatever is due ([`claim_next`]): queued jobs whose
//! `run_after` has come, and running jobs whose lease lapsed because their instance died.
//!
//! - A claim sets `running`, counts an attempt and takes a lease of [`LEASE`] for this instance
//!   (`locked_by`). On PostgreSQL the runner's claim is one `UPDATE ... WHERE id = (SELECT ...
//!   FOR UPDATE SKIP LOCKED) RETURNING *`, so instances never wait on each other nor take the
//!   same job; a claim by id is a conditional `UPDATE`, which PostgreSQL re-checks after any
//!   concurrent claim commits. On SQLite (one process) the same conditional updates run under
//!   an in-process mutex.
//! - While the AI call runs, a heartbeat renews the lease every [`HEARTBEAT`]. Every write of
//!   the holder (renewal, finish) is fenced on `running`, `locked_by` and `attempts`: a holder
//!   that lost its job (lease lapsed and taken, or the job replaced) stops and writes nothing.
//! - The end of an attempt and the candidate's outcome are written in one transaction: done;
//!   queued again after a backoff ([`backoff`]) for a fault worth retrying
//!   (`analysis::worth_retrying`); or, after [`MAX_ATTEMPTS`] or for any other fault, failed,
//!   with the reason on the candidate as `analysis_error`.
//! - On SQLite that transaction takes the write lock first (`busy::begin_write`) and is run
//!   again while the database stays busy; a holder that still cannot write gives its job back
//!   to the queue, due at once and its attempt not counted ([`release`]), so a busy database
//!   delays an analysis by moments, never by a lease, and never fails it.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use tokio::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

use super::{
    analysis::{self, Failure},
    ocr::Scanned,
};
use crate::{
    entities::{analysis_jobs, candidates, users},
    error::{ServiceError, ServiceResult},
    services::{busy, durable, workspaces},
    session::{AuthUser, Member},
    state::AppState,
};
use types::workspaces::Role;

/// How long a claim holds a job without a heartbeat. An instance that dies mid-analysis holds
/// its job at most this long; then any instance takes it. Longer than [`HEARTBEAT`] by enough
/// for two renewals to fail (a slow database) before the lease lapses.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often the holder renews its lease while the analysis runs.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// Attempts per job, the first included: with [`backoff`], retries after 2 s, 4 s and 8 s.
pub const MAX_ATTEMPTS: i32 = 4;
/// The wait before the first retry; each further one waits twice as long, at most
/// [`BACKOFF_MAX`].
pub const BACKOFF_FIRST: Duration = Duration::from_secs(2);
pub const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// How often an idle runner looks for due jobs.
pub const POLL: Duration = Duration::from_secs(1);
/// Jobs one instance's runner runs at once (requests run their own jobs besides).
const RUNNER_SLOTS: usize = 4;
/// How often a request waiting for its job's end looks at it.
const WAIT_POLL: Duration = Duration::from_millis(200);
/// Finished jobs are kept this long (for inspection), then pruned by the housekeeping.
const FINISHED_KEPT_DAYS: i64 = 7;
/// The reason a job that kept losing its instance ends with.
const ABANDONED: &str =
    "Analysis interrupted: the server stopped during every attempt; try Analyze again";
/// The reason a job whose uploader left the workspace before it ran ends with: their key is
/// not used for a workspace they no longer belong to.
const UPLOADER_LEFT: &str =
    "The person who uploaded this resume has left the workspace; try Analyze again";

/// A job's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// Queues an analysis of `candidate_id` inside `txn`, so it is committed with what it analyses
/// or not at all. An unfinished job of the same candidate is dropped: it would analyse what is
/// being replaced, and its holder, fenced out, writes nothing.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    candidate_id: Uuid,
    owner_id: Uuid,
    workspace_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    analysis_jobs::Entity::delete_many()
        .filter(analysis_jobs::Column::CandidateId.eq(candidate_id))
        .filter(
            analysis_jobs::Column::Status
                .is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]),
        )
        .exec(txn)
        .await?;
    let id = Uuid::new_v4();
    analysis_jobs::Entity::insert(analysis_jobs::ActiveModel {
        id: Set(id),
        candidate_id: Set(candidate_id),
        owner_id: Set(owner_id),
        workspace_id: Set(workspace_id),
        status: Set(JobStatus::Queued.as_str().into()),
        attempts: Set(0),
        max_attempts: Set(MAX_ATTEMPTS),
        run_after: Set(now),
        lease_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(id)
}

/// What may be claimed at `now`: queued and due, or running with a lapsed lease.
fn claimable(now: DateTime<Utc>) -> Condition {
    use analysis_jobs::Column;
    Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq(JobStatus::Queued.as_str()))
                .add(Column::RunAfter.lte(now)),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq(JobStatus::Running.as_str()))
                .add(Column::LeaseUntil.lt(now)),
        )
}

/// The job as held by `holder` for this attempt: what every write of the holder is fenced on.
fn held(job: &analysis_jobs::Model, holder: &str) -> Condition {
    use analysis_jobs::Column;
    Condition::all()
        .add(Column::Id.eq(job.id))
        .add(Column::Status.eq(JobStatus::Running.as_str()))
        .add(Column::LockedBy.eq(holder))
        .add(Column::Attempts.eq(job.attempts))
}

fn lease_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::seconds(30))
}

/// This instance's name in `locked_by`.
fn holder(state: &AppState) -> &str {
    state.notifications.instance()
}

/// Claims job `id` if it is claimable: the request that queued it runs it at once.
pub async fn claim(state: &AppState, id: Uuid) -> ServiceResult<Option<analysis_jobs::Model>> {
    let _turn = match state.db.get_database_backend() {
        DatabaseBackend::Sqlite => Some(durable::SQLITE_CLAIMS.lock().await),
        _ => None,
    };
    Ok(claim_by_id(state, id, state.clock.now()).await?)
}

async fn claim_by_id(
    state: &AppState,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<analysis_jobs::Model>, DbErr> {
    use analysis_jobs::Column;
    let claimed = analysis_jobs::Entity::update_many()
        .col_expr(Column::Status, Expr::value(JobStatus::Running.as_str()))
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
    analysis_jobs::Entity::find_by_id(id).one(&state.db).await
}

/// Claims the job that has waited longest among the claimable ones, if any.
pub async fn claim_next(state: &AppState) -> ServiceResult<Option<analysis_jobs::Model>> {
    let now = state.clock.now();
    match state.db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let statement =
                durable::claim_next_statement("analysis_jobs", now, lease_end(now), holder(state));
            Ok(analysis_jobs::Entity::find()
                .from_raw_sql(statement)
                .one(&state.db)
                .await?)
        }
        _ => {
            let _turn = durable::SQLITE_CLAIMS.lock().await;
            let next = analysis_jobs::Entity::find()
                .filter(claimable(now))
                .order_by_asc(analysis_jobs::Column::RunAfter)
                .one(&state.db)
                .await?;
            match next {
                Some(job) => Ok(claim_by_id(state, job.id, now).await?),
                None => Ok(None),
            }
        }
    }
}

/// Renews the lease; `false` when the job is no longer this holder's.
async fn renew(state: &AppState, job: &analysis_jobs::Model) -> Result<bool, DbErr> {
    let now = state.clock.now();
    let renewed = analysis_jobs::Entity::update_many()
        .col_expr(
            analysis_jobs::Column::LeaseUntil,
            Expr::value(lease_end(now)),
        )
        .col_expr(analysis_jobs::Column::UpdatedAt, Expr::value(now))
        .filter(held(job, holder(state)))
        .exec(&state.db)
        .await?;
    Ok(renewed.rows_affected == 1)
}

/// Renews the lease every [`HEARTBEAT`]; returns only when the job is no longer ours.
async fn heartbeat(state: &AppState, job: &analysis_jobs::Model) {
    let mut tick = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        tick.tick().await;
        match renew(state, job).await {
            Ok(true) => {}
            Ok(false) => return,
            // The lease still runs; the next beat tries again.
            Err(e) => tracing::warn!(job_id = %job.id, error = %e, "renewing a job's lease failed"),
        }
    }
}

/// The wait before retry number `attempt` (1 after the first attempt): 2 s, 4 s, 8 s, ...
/// at most [`BACKOFF_MAX`].
pub fn backoff(attempt: i32) -> Duration {
    let doublings = attempt.saturating_sub(1).clamp(0, 16) as u32;
    BACKOFF_FIRST
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(BACKOFF_MAX)
}

/// How an attempt ends, for the job row.
enum Step {
    Done,
    Retry(DateTime<Utc>),
    /// A budget stopped it: queued again for when the budget resets (or sooner, when it is
    /// raised: `budgets::set` makes it due), the attempt not counted, the candidate still
    /// `pending`.
    WaitForBudget(DateTime<Utc>),
    Failed,
}

/// Writes the end of this attempt on the job, fenced on the holder; `false` if the job is no
/// longer ours (then nothing is written, and the caller rolls back).
async fn finish(
    txn: &impl ConnectionTrait,
    job: &analysis_jobs::Model,
    holder: &str,
    step: &Step,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use analysis_jobs::Column;
    let (status, run_after) = match step {
        Step::Done => (JobStatus::Done, None),
        Step::Retry(at) | Step::WaitForBudget(at) => (JobStatus::Queued, Some(*at)),
        Step::Failed => (JobStatus::Failed, None),
    };
    let mut update = analysis_jobs::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status.as_str()))
        .col_expr(
            Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::LastError, Expr::value(error.map(str::to_owned)))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(held(job, holder));
    if let Some(at) = run_after {
        update = update
            .col_expr(Column::RunAfter, Expr::value(at))
            .col_expr(Column::LockedBy, Expr::value(Option::<String>::None));
    }
    if let Step::WaitForBudget(_) = step {
        update = update.col_expr(Column::Attempts, Expr::value(job.attempts - 1));
    }
    Ok(update.exec(txn).await?.rows_affected == 1)
}

/// Inside `txn`: whether the job is still this holder's attempt (its `updated_at` is touched,
/// so a write made with it is fenced like the finish).
async fn still_held(
    txn: &impl ConnectionTrait,
    job: &analysis_jobs::Model,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let touched = analysis_jobs::Entity::update_many()
        .col_expr(analysis_jobs::Column::UpdatedAt, Expr::value(now))
        .filter(held(job, holder))
        .exec(txn)
        .await?;
    Ok(touched.rows_affected == 1)
}

/// Gives a job this holder could not finish back to the queue, due now and its attempt not
/// counted: the database was busy, which says nothing about the analysis. `false` if the job
/// is no longer ours.
async fn release(state: &AppState, job: &analysis_jobs::Model) -> Result<bool, DbErr> {
    use analysis_jobs::Column;
    let now = state.clock.now();
    let released = busy::retry_if_busy(|| {
        analysis_jobs::Entity::update_many()
            .col_expr(Column::Status, Expr::value(JobStatus::Queued.as_str()))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).sub(1))
            .col_expr(Column::RunAfter, Expr::value(now))
            .col_expr(
                Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(held(job, holder(state)))
            .exec(&state.db)
    })
    .await?;
    Ok(released.rows_affected == 1)
}

/// What an analysis works on, read when its attempt starts.
struct Work {
    candidate: candidates::Model,
    auth: Member,
    /// The uploader still belongs to the candidate's workspace.
    still_member: bool,
    text: String,
}

async fn load(state: &AppState, job: &analysis_jobs::Model) -> ServiceResult<Option<Work>> {
    let candidate = candidates::Entity::find_by_id(job.candidate_id)
        .filter(candidates::Column::WorkspaceId.eq(job.workspace_id))
        .one(&state.db)
        .await?;
    let user = users::Entity::find_by_id(job.owner_id)
        .one(&state.db)
        .await?;
    let (Some(candidate), Some(user)) = (candidate, user) else {
        return Ok(None);
    };
    let text = super::resume_text(state, candidate.id).await?;
    let user = AuthUser {
        id: user.id,
        email: user.email,
        name: user.name,
        is_admin: user.is_admin,
    };
    let (auth, still_member) =
        match workspaces::resolve(state, user.clone(), Some(job.workspace_id)).await {
            Ok(member) => (member, true),
            Err(ServiceError::NotFound(_)) => (
                Member {
                    user,
                    workspace_id: job.workspace_id,
                    role: Role::Viewer,
                },
                false,
            ),
            Err(e) => return Err(e),
        };
    Ok(Some(Work {
        candidate,
        auth,
        still_member,
        text,
    }))
}

/// Runs one attempt of a job this instance claimed, to its end: the analysis beside the
/// heartbeat, then the job's next state and the candidate's outcome in one transaction.
#[tracing::instrument(skip_all, fields(job_id = %job.id, user_id = %job.owner_id, attempt = job.attempts))]
pub async fn run(state: &AppState, job: analysis_jobs::Model) -> ServiceResult<()> {
    let holder = holder(state).to_owned();
    let work = match load(state, &job).await? {
        Some(work) if !work.still_member => {
            let failure = Failure::permanent(UPLOADER_LEFT);
            return conclude(state, &job, &holder, work, None, Err(failure)).await;
        }
        Some(work) if job.attempts <= job.max_attempts => work,
        Some(work) => {
            // Claimed again after the last attempt's instance died: it will not get better.
            let failure = Failure::permanent(ABANDONED);
            return conclude(state, &job, &holder, work, None, Err(failure)).await;
        }
        None => {
            // The candidate went (the job normally goes with it).
            let now = state.clock.now();
            busy::retry_if_busy(|| async {
                let txn = busy::begin_write(&state.db).await?;
                finish(&txn, &job, &holder, &Step::Failed, None, now).await?;
                txn.commit().await
            })
            .await?;
            return Ok(());
        }
    };
    // A scan is read by OCR first (`ocr.rs`), beside the heartbeat: it takes seconds.
    let scanned = tokio::select! {
        scanned = super::ocr::read_if_scanned(state, &job, work.text.clone()) => scanned?,
        () = heartbeat(state, &job) => Scanned::Lost,
    };
    let mut work = work;
    match scanned {
        Scanned::Text(text) => work.text = text,
        Scanned::Read(read) => {
            let now = state.clock.now();
            let ours = busy::retry_service_if_busy(|| async {
                let txn = busy::begin_write(&state.db).await?;
                if !still_held(&txn, &job, &holder, now).await?
                    || !super::ocr::store(&txn, job.candidate_id, &read, now).await?
                {
                    return Ok(false);
                }
                txn.commit().await?;
                Ok(true)
            })
            .await?;
            if !ours {
                tracing::warn!("the job was taken over or replaced; its scan's reading is dropped");
                return Ok(());
            }
            work.text = read.text;
            // What the OCR step wrote on the candidate (contacts, warnings) stays.
            if let Some(candidate) = candidates::Entity::find_by_id(work.candidate.id)
                .one(&state.db)
                .await?
            {
                work.candidate = candidate;
            }
        }
        Scanned::Failed(failure) => {
            return conclude(state, &job, &holder, work, None, Err(failure)).await;
        }
        Scanned::Lost => {
            tracing::warn!("the job was taken over or replaced while its scan was read");
            return Ok(());
        }
    }
    let (source, outcome) = tokio::select! {
        done = analysis::analyse(state, &work.auth, work.candidate.id, &work.text) => done,
        () = heartbeat(state, &job) => {
            tracing::warn!("the job was taken over or replaced; its analysis is dropped");
            return Ok(());
        }
    };
    conclude(state, &job, &holder, work, source, outcome).await
}

async fn conclude(
    state: &AppState,
    job: &analysis_jobs::Model,
    holder: &str,
    work: Work,
    source: Option<crate::services::ai::KeySource>,
    outcome: Result<types::candidates::ResumeAnalysis, Failure>,
) -> ServiceResult<()> {
    let now = state.clock.now();
    let step = match &outcome {
        Ok(_) => Step::Done,
        Err(f) if f.budget => Step::WaitForBudget(crate::state::clock::next_month_start(now)),
        Err(f) if f.retry && job.attempts < job.max_attempts => {
            let wait = chrono::Duration::from_std(backoff(job.attempts))
                .unwrap_or(chrono::Duration::seconds(60));
            Step::Retry(now + wait)
        }
        Err(_) => Step::Failed,
    };
    let error = outcome.as_ref().err().map(|f| f.message.clone());
    if let Step::Retry(at) = step {
        tracing::info!(error = error.as_deref().unwrap_or_default(), retry_at = %at, "analysis attempt failed; retrying");
    }
    let ours = busy::retry_service_if_busy(|| async {
        let txn = busy::begin_write(&state.db).await?;
        // The candidate before the job: the order in which uploads and re-analyses lock them.
        if matches!(step, Step::Done | Step::Failed) {
            // Each run of the transaction stores its own copy of the outcome.
            let outcome = match &outcome {
                Ok(analysis) => Ok(analysis.clone()),
                Err(f) => Err(Failure {
                    message: f.message.clone(),
                    retry: f.retry,
                    budget: f.budget,
                }),
            };
            let candidate = work.candidate.clone();
            analysis::store_outcome(&txn, candidate, source, outcome, &work.text, now).await?;
        } else if let Step::WaitForBudget(_) = step {
            // Still pending, with the reason it waits.
            candidates::Entity::update_many()
                .col_expr(
                    candidates::Column::AnalysisError,
                    Expr::value(error.clone()),
                )
                .col_expr(candidates::Column::UpdatedAt, Expr::value(now))
                .filter(candidates::Column::Id.eq(work.candidate.id))
                .filter(candidates::Column::AnalysisStatus.eq("pending"))
                .exec(&txn)
                .await?;
        }
        if !finish(&txn, job, holder, &step, error.as_deref(), now).await? {
            return Ok(false);
        }
        txn.commit().await?;
        Ok(true)
    })
    .await?;
    if !ours {
        tracing::warn!("the job was taken over or replaced; its outcome is dropped");
    }
    Ok(())
}

/// Claims and runs job `id` on a task of its own (which outlives a client that goes away),
/// then waits until the job has ended (done or failed, also by another instance or after
/// retries) or `HIREKEY_ANALYSIS_WAIT_SECS` have passed, whichever comes first.
pub(super) async fn run_and_wait(state: &AppState, id: Uuid) {
    let deadline = Instant::now() + state.config.analysis_wait;
    let mut own = start(state, id);
    if tokio::time::timeout_at(deadline, &mut own).await.is_err() {
        return;
    }
    loop {
        match analysis_jobs::Entity::find_by_id(id).one(&state.db).await {
            Ok(Some(job))
                if job.status == JobStatus::Queued.as_str()
                    || job.status == JobStatus::Running.as_str() => {}
            // Ended, or replaced by a newer job, or unreadable: answer with what is stored.
            _ => return,
        }
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        tokio::time::sleep(WAIT_POLL.min(deadline - now)).await;
    }
}

/// Claims and runs job `id` on a task of its own, which outlives the request; the answer does
/// not wait for it (a scan, whose OCR takes seconds, answers at once).
pub(super) fn start(state: &AppState, id: Uuid) -> tokio::task::JoinHandle<()> {
    let task_state = state.clone();
    // The task logs under the request's span (its request id and user).
    tokio::spawn(
        async move {
            match claim(&task_state, id).await {
                Ok(Some(job)) => run_logged(&task_state, job).await,
                // Another instance's runner was first; it runs the job.
                Ok(None) => {}
                Err(e) => tracing::warn!(job_id = %id, error = %e, "claiming a new job failed"),
            }
        }
        .instrument(tracing::Span::current()),
    )
}

async fn run_logged(state: &AppState, job: analysis_jobs::Model) {
    let (id, owner) = (job.id, job.owner_id);
    let Err(e) = run(state, job.clone()).await else {
        return;
    };
    if busy::is_busy_service(&e) {
        // The database stayed busy through every try: the job goes back to the queue at once,
        // for this instance's runner (or any other) to take again within a poll.
        match release(state, &job).await {
            Ok(true) => {
                tracing::warn!(job_id = %id, user_id = %owner, error = %e, "the database was busy; the analysis job is queued again");
                return;
            }
            // Taken over or replaced meanwhile: its new holder finishes it.
            Ok(false) => return,
            Err(released) => {
                tracing::warn!(job_id = %id, user_id = %owner, error = %released, "giving back an analysis job failed");
            }
        }
    }
    // The lease lapses and any instance takes the job again.
    tracing::warn!(job_id = %id, user_id = %owner, error = %e, "an analysis job failed to run");
}

/// Starts this instance's runner: whenever a slot is free it claims a due job and runs it on a
/// task of its own; with nothing due it looks again after [`POLL`].
pub fn spawn_runner(state: AppState) {
    let span = tracing::info_span!("analysis_runner", instance = %holder(&state));
    durable::spawn_runner(
        state,
        span,
        RUNNER_SLOTS,
        POLL,
        "an analysis job",
        |state| async move { claim_next(&state).await },
        |state, job| async move { run_logged(&state, job).await },
    );
}

/// SQLite, at start-up: no other process can hold a job, so every `running` one was cut off by
/// the last stop; its lease is ended so the runner takes it again at once.
pub async fn release_interrupted(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let released = analysis_jobs::Entity::update_many()
        .col_expr(analysis_jobs::Column::LeaseUntil, Expr::value(now))
        .filter(analysis_jobs::Column::Status.eq(JobStatus::Running.as_str()))
        .exec(db)
        .await?;
    Ok(released.rows_affected)
}

/// Drops jobs finished more than a week ago.
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let pruned = analysis_jobs::Entity::delete_many()
        .filter(
            analysis_jobs::Column::Status
                .is_in([JobStatus::Done.as_str(), JobStatus::Failed.as_str()]),
        )
        .filter(
            analysis_jobs::Column::UpdatedAt.lt(now - chrono::Duration::days(FINISHED_KEPT_DAYS)),
        )
        .exec(db)
        .await?;
    Ok(pruned.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let waits: Vec<u64> = (1..=7).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(i32::MAX), BACKOFF_MAX);
        assert_eq!(backoff(0), BACKOFF_FIRST);
    }

    #[test]
    fn the_lease_outlasts_two_missed_heartbeats() {
        assert!(LEASE > HEARTBEAT * 2);
    }
}
