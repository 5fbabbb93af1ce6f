//! AI screening against a job, on the caller's key.
//!
//! - Criteria per job (here): drafted by the model from the job's description
//!   ([`draft_criteria`]), edited and saved by a person ([`put_criteria`]).
//! - Runs (`runs`): every application of a job, or a chosen few, screened on the durable
//!   `screening_items` queue, paced on the key's own rate limits (`services::pacing`), held to
//!   the key's budget, cancellable.
//! - Verdicts (`evidence`): the model's quotes are kept only when found in the resume text,
//!   and the score is Hirekey's, from the verdicts, never the model's.
//! - Blind runs (`redact`): who the candidate is leaves the text before it reaches the model.
//! - A resume that addresses a model is screened, then held for a person's review
//!   ([`confirm`]) before its score ranks.
pub mod evidence;
pub mod prompt;
pub mod queue;
pub mod redact;
pub mod rows;
pub mod runs;
pub mod worker;

use std::collections::HashMap;

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use types::screening::{
    ApplicationScreening, CriteriaList, Criterion, CriterionKind, JobScreening, RankedApplication,
    Verdict, MAX_CRITERIA, MAX_CRITERION_CHARS,
};
use uuid::Uuid;

use crate::{
    entities::{applications, candidates, job_criteria, job_stages, screening_results},
    error::{ServiceError, ServiceResult},
    providers::ProviderError,
    services::{
        ai::{self, Feature},
        busy,
        hiring::{
            self,
            events::{self, Event, EventKind},
            job_in,
        },
        text::clean_label,
    },
    session::Member,
    state::AppState,
};

/// Applicants a job's screening list shows.
const MAX_RANKED: u64 = 1_000;

/// A criterion's text, trimmed and free of control characters; empty or too long is refused.
pub fn clean_criterion(text: &str) -> ServiceResult<String> {
    let text = clean_label(text);
    if text.is_empty() {
        return Err(ServiceError::Validation(
            "A criterion must not be empty".into(),
        ));
    }
    if text.chars().count() > MAX_CRITERION_CHARS {
        return Err(ServiceError::Validation(format!(
            "A criterion must be at most {MAX_CRITERION_CHARS} characters"
        )));
    }
    Ok(text)
}

/// A job's criteria in order.
pub(crate) async fn criteria_of(state: &AppState, job_id: Uuid) -> ServiceResult<Vec<Criterion>> {
    Ok(job_criteria::Entity::find()
        .filter(job_criteria::Column::JobId.eq(job_id))
        .order_by_asc(job_criteria::Column::Position)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|row| Criterion {
            text: row.text,
            kind: CriterionKind::from_stored(&row.kind),
        })
        .collect())
}

/// `GET /api/v1/jobs/{id}/criteria`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn get_criteria(
    state: &AppState,
    member: &Member,
    job_id: Uuid,
) -> ServiceResult<CriteriaList> {
    job_in(&state.db, member.workspace_id, job_id).await?;
    Ok(CriteriaList {
        criteria: criteria_of(state, job_id).await?,
    })
}

/// `PUT /api/v1/jobs/{id}/criteria`: the whole list, in order, replaces the job's criteria.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn put_criteria(
    state: &AppState,
    member: &Member,
    job_id: Uuid,
    req: CriteriaList,
) -> ServiceResult<CriteriaList> {
    member.ensure_can_work()?;
    job_in(&state.db, member.workspace_id, job_id).await?;
    if req.criteria.len() > MAX_CRITERIA {
        return Err(ServiceError::Validation(format!(
            "A job has at most {MAX_CRITERIA} criteria"
        )));
    }
    let mut criteria: Vec<Criterion> = Vec::with_capacity(req.criteria.len());
    for c in req.criteria {
        let text = clean_criterion(&c.text)?;
        if criteria
            .iter()
            .any(|seen| seen.text.eq_ignore_ascii_case(&text))
        {
            return Err(ServiceError::Validation(format!(
                "The criterion \"{text}\" is listed twice"
            )));
        }
        criteria.push(Criterion { text, kind: c.kind });
    }
    let now = state.clock.now();
    let rows: Vec<job_criteria::ActiveModel> = criteria
        .iter()
        .enumerate()
        .map(|(i, c)| job_criteria::ActiveModel {
            id: Set(Uuid::new_v4()),
            job_id: Set(job_id),
            workspace_id: Set(member.workspace_id),
            position: Set(i as i32),
            kind: Set(c.kind.as_str().to_owned()),
            text: Set(c.text.clone()),
            created_at: Set(now),
        })
        .collect();
    busy::retry_if_busy(|| {
        let rows = rows.clone();
        async move {
            let txn = busy::begin_write(&state.db).await?;
            job_criteria::Entity::delete_many()
                .filter(job_criteria::Column::JobId.eq(job_id))
                .exec(&txn)
                .await?;
            if !rows.is_empty() {
                job_criteria::Entity::insert_many(rows)
                    .exec_without_returning(&txn)
                    .await?;
            }
            txn.commit().await
        }
    })
    .await?;
    Ok(CriteriaList { criteria })
}

/// `POST /api/v1/jobs/{id}/criteria/draft`: the model proposes criteria from the job's
/// description, on the caller's key. Nothing is saved: the person edits, then saves.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn draft_criteria(
    state: &AppState,
    member: &Member,
    job_id: Uuid,
) -> ServiceResult<CriteriaList> {
    member.ensure_can_work()?;
    let job = job_in(&state.db, member.workspace_id, job_id).await?;
    if job.description.trim().is_empty() {
        return Err(ServiceError::Validation(
            "Write the job's description first: the criteria are drafted from it".into(),
        ));
    }
    let messages = prompt::draft_prompt(&job.title, &job.description);
    let answer = ai::complete(
        state,
        member,
        Feature::ScreeningCriteria,
        &messages,
        Some(prompt::DRAFT_MAX_TOKENS),
    )
    .await?;
    let criteria = prompt::parse_draft(&answer.content).map_err(|reason| {
        tracing::warn!(reason, "the model's criteria draft was unusable");
        ServiceError::Provider(ProviderError::BadResponse(answer.provider))
    })?;
    Ok(CriteriaList { criteria })
}

fn to_dto(row: screening_results::Model) -> ApplicationScreening {
    let verdicts: Vec<Verdict> = serde_json::from_str(&row.verdicts).unwrap_or_default();
    ApplicationScreening {
        application_id: row.application_id,
        candidate_id: row.candidate_id,
        run_id: row.run_id,
        verdicts,
        score: row.score,
        dropped_quotes: row.dropped_quotes,
        provider: row.provider,
        model: row.model,
        key_source: row.key_source,
        blind: row.blind,
        needs_review: row.needs_review && row.reviewed_at.is_none(),
        reviewed_at: row.reviewed_at.map(Into::into),
        screened_at: row.created_at.into(),
    }
}

async fn result_in(
    state: &AppState,
    member: &Member,
    application_id: Uuid,
) -> ServiceResult<screening_results::Model> {
    screening_results::Entity::find_by_id(application_id)
        .filter(screening_results::Column::WorkspaceId.eq(member.workspace_id))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Screening"))
}

/// `GET /api/v1/applications/{id}/screening`: the application's latest screening.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn application_screening(
    state: &AppState,
    member: &Member,
    application_id: Uuid,
) -> ServiceResult<ApplicationScreening> {
    Ok(to_dto(result_in(state, member, application_id).await?))
}

/// The latest screening of each of a candidate's applications in the workspace.
pub async fn candidate_screenings(
    state: &AppState,
    member: &Member,
    candidate_id: Uuid,
) -> ServiceResult<Vec<ApplicationScreening>> {
    Ok(screening_results::Entity::find()
        .filter(screening_results::Column::WorkspaceId.eq(member.workspace_id))
        .filter(screening_results::Column::CandidateId.eq(candidate_id))
        .order_by_desc(screening_results::Column::CreatedAt)
        .limit(50)
        .all(&state.db)
        .await?
        .into_iter()
        .map(to_dto)
        .collect())
}

/// `POST /api/v1/applications/{id}/screening/review`: a person read the screening of a resume
/// that addresses a model and confirms it; its score then ranks.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn confirm(
    state: &AppState,
    member: &Member,
    application_id: Uuid,
) -> ServiceResult<ApplicationScreening> {
    member.ensure_can_work()?;
    let row = result_in(state, member, application_id).await?;
    let now = state.clock.now();
    let mut active: screening_results::ActiveModel = row.into();
    active.reviewed_by = Set(Some(member.id));
    active.reviewed_at = Set(Some(now));
    let row = busy::retry_if_busy(|| {
        let active = active.clone();
        async move {
            let txn = busy::begin_write(&state.db).await?;
            let row = sea_orm::ActiveModelTrait::update(active, &txn).await?;
            events::record(
                &txn,
                Event {
                    workspace_id: member.workspace_id,
                    candidate_id: row.candidate_id,
                    actor_id: Some(member.id),
                    kind: EventKind::ScreeningReviewed,
                    detail: &[("score", row.score.to_string())],
                    at: now,
                },
            )
            .await?;
            txn.commit().await?;
            Ok(row)
        }
    })
    .await?;
    Ok(to_dto(row))
}

/// `GET /api/v1/jobs/{id}/screening`: the job's criteria, its latest run, and its applicants
/// by score (highest first; held for review, then unscreened, last).
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn job_screening(
    state: &AppState,
    member: &Member,
    job_id: Uuid,
) -> ServiceResult<JobScreening> {
    job_in(&state.db, member.workspace_id, job_id).await?;
    let criteria = criteria_of(state, job_id).await?;
    let latest_run = runs::latest(state, member, job_id).await?;
    let apps = applications::Entity::find()
        .filter(applications::Column::JobId.eq(job_id))
        .filter(applications::Column::WorkspaceId.eq(member.workspace_id))
        .order_by_asc(applications::Column::CreatedAt)
        .limit(MAX_RANKED)
        .all(&state.db)
        .await?;
    let results: HashMap<Uuid, screening_results::Model> = screening_results::Entity::find()
        .filter(screening_results::Column::JobId.eq(job_id))
        .filter(screening_results::Column::WorkspaceId.eq(member.workspace_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| (r.application_id, r))
        .collect();
    let candidate_ids: Vec<Uuid> = apps.iter().map(|a| a.candidate_id).collect();
    let mut names: HashMap<Uuid, Option<String>> = HashMap::new();
    for chunk in candidate_ids.chunks(500) {
        let rows: Vec<(Uuid, Option<String>)> = candidates::Entity::find()
            .select_only()
            .column(candidates::Column::Id)
            .column(candidates::Column::Name)
            .filter(candidates::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(&state.db)
            .await?;
        names.extend(rows);
    }
    let stages: HashMap<Uuid, String> = job_stages::Entity::find()
        .filter(job_stages::Column::JobId.eq(job_id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut ranked: Vec<RankedApplication> = apps
        .into_iter()
        .map(|a| {
            let result = results.get(&a.id);
            let needs_review = result.is_some_and(|r| r.needs_review && r.reviewed_at.is_none());
            RankedApplication {
                application_id: a.id,
                candidate_id: a.candidate_id,
                candidate_name: names.get(&a.candidate_id).cloned().flatten(),
                stage: stages.get(&a.stage_id).cloned().unwrap_or_default(),
                score: result.filter(|_| !needs_review).map(|r| r.score),
                needs_review,
                screened: result.is_some(),
            }
        })
        .collect();
    // Ranked by score; then held for review; then not screened. Stable: ties keep the order
    // the applications came in.
    ranked.sort_by_key(|r| match (r.score, r.needs_review) {
        (Some(score), _) => (0, -score),
        (None, true) => (1, 0),
        (None, false) => (2, 0),
    });
    Ok(JobScreening {
        criteria,
        latest_run,
        applications: ranked,
    })
}

/// The text a screening's quotes were checked against (the redacted text of a blind run, as
/// the model read it), cut into pieces for showing: `(piece, Some(i))` is where quote `i` (in
/// the order of the verdicts) was found, `(piece, None)` the text around it. Quotes that
/// overlap an earlier one are not marked again.
pub async fn quoted_text(
    state: &AppState,
    member: &Member,
    screening: &ApplicationScreening,
) -> ServiceResult<Vec<(String, Option<usize>)>> {
    let candidate =
        hiring::candidate_in(&state.db, member.workspace_id, screening.candidate_id).await?;
    let text: Option<String> = crate::entities::resumes::Entity::find()
        .select_only()
        .column(crate::entities::resumes::Column::Text)
        .filter(crate::entities::resumes::Column::CandidateId.eq(candidate.id))
        .into_tuple()
        .one(&state.db)
        .await?;
    let text = worker::text_for(&candidate, &text.unwrap_or_default(), screening.blind);
    let normalized = evidence::Normalized::new(&text);
    let mut found: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
    let quotes = screening.verdicts.iter().flat_map(|v| v.quotes.iter());
    for (i, quote) in quotes.enumerate() {
        if let Some(range) = normalized.find(quote) {
            if !found
                .iter()
                .any(|(r, _)| r.start < range.end && range.start < r.end)
            {
                found.push((range, i));
            }
        }
    }
    found.sort_by_key(|(r, _)| r.start);
    let nfc = &normalized.nfc;
    let mut pieces = Vec::with_capacity(found.len() * 2 + 1);
    let mut at = 0;
    for (range, i) in found {
        if let (Some(before), Some(quoted)) = (nfc.get(at..range.start), nfc.get(range.clone())) {
            pieces.push((before.to_owned(), None));
            pieces.push((quoted.to_owned(), Some(i)));
            at = range.end;
        }
    }
    pieces.push((nfc.get(at..).unwrap_or_default().to_owned(), None));
    Ok(pieces)
}
