//! Screening runs: starting one ([`start`]: the run and one `screening_items` row per
//! application in one transaction, answered at once with its estimate), its progress, and
//! cancelling it. The items are worked by every instance's runner (`worker`), on the queue in
//! `queue`.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use types::screening::{
    Criterion, RunState, ScreeningEstimate, ScreeningProgress, ScreeningStarted, StartScreening,
};
use uuid::Uuid;

use super::{
    criteria_of, prompt,
    queue::{end_run, Status},
};
use crate::{
    entities::{applications, screening_items, screening_runs},
    error::{ServiceError, ServiceResult},
    providers::Usage,
    services::{
        ai::{self},
        busy, costs,
        hiring::job_in,
    },
    session::Member,
    state::AppState,
};

/// Applications one run screens at most.
pub const MAX_RUN: usize = 5_000;

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
    let statement = crate::services::pacing::statement(
        state.db.get_database_backend(),
        sql,
        vec![job_id.into()],
    );
    let lengths: std::collections::HashMap<Uuid, i64> = Length::find_by_statement(statement)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|l| (l.candidate_id, l.chars.unwrap_or(0)))
        .collect();
    let fixed = prompt::estimate_tokens(&prompt::screening_prompt(criteria, ""), 0);
    let answer = prompt::ANSWER_TOKENS_PER_CRITERION * criteria.len() as i64;
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
