//! Working a screening run's items: every instance runs one runner ([`spawn_runner`]) that
//! claims due items from the queue (`queue`) and works each beside its lease's heartbeat.
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
//!    there ("Budget exceeded"), once the run's other calls in flight have settled. A 429
//!    never fails an item: it goes back to the queue for when the provider said to come back,
//!    its attempt not counted. Other faults retry with backoff, up to [`jobs::MAX_ATTEMPTS`].
//! 5. Checks the verdicts (`evidence`), computes the score, and writes the result, the item's
//!    end and the candidate's timeline event in one transaction, fenced on the claim. The run
//!    is done when no item is left.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set};
use types::{
    screening::{Criterion, RunState},
    workspaces::Role,
};
use uuid::Uuid;

use super::{
    evidence, prompt,
    queue::{self, end_run, finish_if_complete, heartbeat, held, holder, Status},
    redact,
};
use crate::{
    entities::{
        applications, candidates, resumes, screening_items, screening_results, screening_runs,
        users,
    },
    error::{ServiceError, ServiceResult},
    providers::{ChatMessage, ProviderError},
    services::{
        ai::{self, Feature},
        busy, durable,
        hiring::events::{self, Event, EventKind},
        pacing,
        privacy::processing::{self, Purpose},
        resumes::jobs,
        workspaces,
    },
    session::{AuthUser, Member},
    state::AppState,
};

/// Items one instance's runner works on at once; pacing decides how many calls go out.
const RUNNER_SLOTS: usize = 8;
/// How soon an item that found the budget full while others were in flight tries again.
const BUDGET_RECHECK: Duration = Duration::from_millis(500);
/// How often a waiting item looks whether its run was cancelled.
const CANCEL_POLL: Duration = Duration::from_secs(1);

fn later(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60))
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
    // What the call is expected to use: the prompt and a short answer per criterion (the
    // answer's ceiling would hold a key's token window for far more than a call takes).
    let tokens = prompt::estimate_tokens(&messages, 0)
        + prompt::ANSWER_TOKENS_PER_CRITERION * work.criteria.len() as i64;
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
    let reached = match &answer {
        Ok(a) => Some((a.source, a.provider, a.model.clone())),
        Err(ServiceError::Provider(_)) => Some((
            resolved.source,
            resolved.target.provider,
            resolved.target.model.clone(),
        )),
        Err(_) => None,
    };
    if let Some((source, provider, model)) = reached {
        let call = processing::Call {
            workspace_id: item.workspace_id,
            user_id: Some(member.id),
            purpose: Purpose::Screening,
            key_source: source.as_str(),
            provider,
            model: &model,
        };
        processing::record(state, call, &[item.candidate_id]).await;
    }
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
    durable::spawn_runner(
        state,
        span,
        RUNNER_SLOTS,
        jobs::POLL,
        "a screening item",
        |state| async move { queue::claim_next(&state).await },
        |state, item| async move { run_logged(&state, item).await },
    );
}
