//! The hiring loop: jobs and their pipeline stages (here), applications moving through them
//! (`applications`), notes (`notes`), each candidate's timeline (`events`), resume versions
//! (`versions`), and duplicate candidates, matched on upload and merged on request
//! (`duplicates`, with the matching keys in `keys`). Everything belongs to a workspace: a
//! job, application or note of another workspace is "not found".
pub mod applications;
pub mod duplicates;
pub mod events;
pub mod keys;
pub mod notes;
pub mod versions;

use std::collections::HashMap;

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use types::hiring::{
    CreateJob, Job, JobList, JobStatus, Stage, StageKind, UpdateJob, UpdateStages,
};
use uuid::Uuid;

use crate::{
    entities::{
        applications as apps, candidate_events, candidate_merges, candidates, job_stages, jobs,
        note_revisions, notes as note_rows, resume_versions,
    },
    error::{ServiceError, ServiceResult},
    services::{busy, screening::rows as screening_rows},
    session::Member,
    state::AppState,
};

/// A new job's pipeline; the last is the rejected stage.
pub const DEFAULT_STAGES: [&str; 5] = ["Applied", "Screening", "Interview", "Offer", "Hired"];
pub const REJECTED_STAGE: &str = "Rejected";
/// Stages per job, the rejected one included.
const MAX_STAGES: usize = 20;
/// Jobs a list shows, newest first.
const MAX_JOBS_LISTED: u64 = 500;

/// The workspace's candidate, or "not found".
pub(crate) async fn candidate_in(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> ServiceResult<candidates::Model> {
    candidates::Entity::find_by_id(id)
        .filter(candidates::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("Candidate"))
}

/// The workspace's job, or "not found".
pub(crate) async fn job_in(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> ServiceResult<jobs::Model> {
    jobs::Entity::find_by_id(id)
        .filter(jobs::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("Job"))
}

/// A job's stages in board order.
pub(crate) async fn stages_of(
    db: &impl ConnectionTrait,
    job_id: Uuid,
) -> Result<Vec<job_stages::Model>, DbErr> {
    job_stages::Entity::find()
        .filter(job_stages::Column::JobId.eq(job_id))
        .order_by_asc(job_stages::Column::Position)
        .all(db)
        .await
}

fn clean(field: &str, value: &str, max: usize, required: bool) -> ServiceResult<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(ServiceError::Validation(format!(
            "{field} must not be empty"
        )));
    }
    if value.chars().count() > max {
        return Err(ServiceError::Validation(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(value.to_owned())
}

fn clean_optional(field: &str, value: Option<&str>, max: usize) -> ServiceResult<Option<String>> {
    Ok(match value {
        Some(v) => Some(clean(field, v, max, false)?).filter(|v| !v.is_empty()),
        None => None,
    })
}

/// `POST /api/v1/jobs`: a job with the default pipeline.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn create(state: &AppState, member: &Member, req: CreateJob) -> ServiceResult<Job> {
    member.ensure_can_work()?;
    let title = clean("title", &req.title, 200, true)?;
    let description = clean("description", &req.description, 20_000, false)?;
    let location = clean_optional("location", req.location.as_deref(), 200)?;
    let employment_type = clean_optional("employment_type", req.employment_type.as_deref(), 60)?;
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let txn = busy::begin_write(&state.db).await?;
    jobs::ActiveModel {
        id: Set(id),
        workspace_id: Set(member.workspace_id),
        title: Set(title),
        description: Set(description),
        location: Set(location),
        employment_type: Set(employment_type),
        status: Set(req.status.as_str().to_owned()),
        created_by: Set(member.id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let names = DEFAULT_STAGES
        .iter()
        .map(|n| (*n, StageKind::Active))
        .chain([(REJECTED_STAGE, StageKind::Rejected)]);
    for (position, (name, kind)) in names.enumerate() {
        job_stages::ActiveModel {
            id: Set(Uuid::new_v4()),
            job_id: Set(id),
            name: Set(name.to_owned()),
            position: Set(position as i32),
            kind: Set(kind.as_str().to_owned()),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    get(state, member, id).await
}

/// `GET /api/v1/jobs`: newest first, each with its stages' counts.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn list(state: &AppState, member: &Member) -> ServiceResult<JobList> {
    let rows = jobs::Entity::find()
        .filter(jobs::Column::WorkspaceId.eq(member.workspace_id))
        .order_by_desc(jobs::Column::CreatedAt)
        .order_by_desc(jobs::Column::Id)
        .limit(MAX_JOBS_LISTED)
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|j| j.id).collect();
    let mut stages = stages_by_job(&state.db, &ids).await?;
    let counts = stage_counts(&state.db, &ids).await?;
    Ok(JobList {
        items: rows
            .into_iter()
            .map(|j| {
                let s = stages.remove(&j.id).unwrap_or_default();
                to_dto(j, s, &counts)
            })
            .collect(),
    })
}

/// `GET /api/v1/jobs/{id}`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn get(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<Job> {
    let job = job_in(&state.db, member.workspace_id, id).await?;
    let stages = stages_of(&state.db, id).await?;
    let counts = stage_counts(&state.db, &[id]).await?;
    Ok(to_dto(job, stages, &counts))
}

/// `PATCH /api/v1/jobs/{id}`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn update(
    state: &AppState,
    member: &Member,
    id: Uuid,
    req: UpdateJob,
) -> ServiceResult<Job> {
    member.ensure_can_work()?;
    let job = job_in(&state.db, member.workspace_id, id).await?;
    let mut active: jobs::ActiveModel = job.into();
    if let Some(title) = &req.title {
        active.title = Set(clean("title", title, 200, true)?);
    }
    if let Some(description) = &req.description {
        active.description = Set(clean("description", description, 20_000, false)?);
    }
    if let Some(location) = &req.location {
        active.location = Set(clean_optional("location", location.as_deref(), 200)?);
    }
    if let Some(kind) = &req.employment_type {
        active.employment_type = Set(clean_optional("employment_type", kind.as_deref(), 60)?);
    }
    if let Some(status) = req.status {
        active.status = Set(status.as_str().to_owned());
    }
    active.updated_at = Set(state.clock.now());
    busy::retry_if_busy(|| {
        let active = active.clone();
        async move {
            let txn = busy::begin_write(&state.db).await?;
            active.update(&txn).await?;
            txn.commit().await
        }
    })
    .await?;
    get(state, member, id).await
}

/// `DELETE /api/v1/jobs/{id}`: the job, its stages and its applications. The candidates stay,
/// and their timelines keep what happened in the job.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn delete(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<()> {
    member.ensure_can_work()?;
    job_in(&state.db, member.workspace_id, id).await?;
    let txn = busy::begin_write(&state.db).await?;
    screening_rows::delete_for_job(&txn, id).await?;
    apps::Entity::delete_many()
        .filter(apps::Column::JobId.eq(id))
        .exec(&txn)
        .await?;
    job_stages::Entity::delete_many()
        .filter(job_stages::Column::JobId.eq(id))
        .exec(&txn)
        .await?;
    jobs::Entity::delete_many()
        .filter(jobs::Column::Id.eq(id))
        .filter(jobs::Column::WorkspaceId.eq(member.workspace_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// `PUT /api/v1/jobs/{id}/stages`: renames, reorders, adds and removes stages in one go. A
/// stage left out that still holds applications stops it all with a 409 naming how many.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn put_stages(
    state: &AppState,
    member: &Member,
    id: Uuid,
    req: UpdateStages,
) -> ServiceResult<Job> {
    member.ensure_can_work()?;
    job_in(&state.db, member.workspace_id, id).await?;
    if req.stages.is_empty() || req.stages.len() > MAX_STAGES {
        return Err(ServiceError::Validation(format!(
            "a job has 1 to {MAX_STAGES} stages"
        )));
    }
    let mut names: Vec<String> = Vec::with_capacity(req.stages.len());
    for s in &req.stages {
        let name = clean("stage name", &s.name, 60, true)?;
        if names
            .iter()
            .any(|n| n.to_lowercase() == name.to_lowercase())
        {
            return Err(ServiceError::Validation(format!(
                "two stages are named \"{name}\""
            )));
        }
        names.push(name);
    }
    let txn = busy::begin_write(&state.db).await?;
    let existing = stages_of(&txn, id).await?;
    let mut seen: Vec<Uuid> = Vec::new();
    for s in &req.stages {
        if let Some(sid) = s.id {
            if !existing.iter().any(|e| e.id == sid) {
                return Err(ServiceError::Validation(format!(
                    "stage {sid} is not one of this job's stages"
                )));
            }
            if seen.contains(&sid) {
                return Err(ServiceError::Validation(format!(
                    "stage {sid} is listed twice"
                )));
            }
            seen.push(sid);
        }
    }
    let removed: Vec<&job_stages::Model> =
        existing.iter().filter(|e| !seen.contains(&e.id)).collect();
    if removed
        .iter()
        .any(|r| StageKind::from_stored(&r.kind) == StageKind::Rejected)
    {
        return Err(ServiceError::Validation(
            "The rejected stage cannot be removed (it may be renamed)".into(),
        ));
    }
    let rejected_id = existing
        .iter()
        .find(|e| StageKind::from_stored(&e.kind) == StageKind::Rejected)
        .map(|e| e.id);
    if req
        .stages
        .iter()
        .all(|s| s.id.is_some() && s.id == rejected_id)
    {
        return Err(ServiceError::Validation(
            "a job needs at least one stage besides the rejected one".into(),
        ));
    }
    for r in &removed {
        let held = apps::Entity::find()
            .filter(apps::Column::StageId.eq(r.id))
            .count(&txn)
            .await?;
        if held > 0 {
            return Err(ServiceError::Conflict(format!(
                "Stage \"{}\" still holds {held} application{}; move {} to another stage first",
                r.name,
                if held == 1 { "" } else { "s" },
                if held == 1 { "it" } else { "them" },
            )));
        }
    }
    for r in &removed {
        // Only while it is still empty: a card moved in meanwhile keeps its stage.
        let gone = job_stages::Entity::delete_many()
            .filter(job_stages::Column::Id.eq(r.id))
            .filter(
                Expr::col(job_stages::Column::Id).not_in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(apps::Column::StageId)
                        .from(apps::Entity)
                        .and_where(apps::Column::JobId.eq(id))
                        .to_owned(),
                ),
            )
            .exec(&txn)
            .await?;
        if gone.rows_affected == 0 {
            return Err(ServiceError::Conflict(format!(
                "Stage \"{}\" received an application meanwhile; try again",
                r.name
            )));
        }
    }
    // Active stages in the order given, the rejected stage last.
    let mut position = 0;
    let mut rejected: Option<(Uuid, String)> = None;
    for (s, name) in req.stages.iter().zip(names) {
        match s.id {
            Some(sid) if Some(sid) == rejected_id => rejected = Some((sid, name)),
            Some(sid) => {
                set_stage(&txn, sid, &name, position).await?;
                position += 1;
            }
            None => {
                job_stages::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    job_id: Set(id),
                    name: Set(name),
                    position: Set(position),
                    kind: Set(StageKind::Active.as_str().to_owned()),
                }
                .insert(&txn)
                .await?;
                position += 1;
            }
        }
    }
    if let Some((sid, name)) = rejected {
        set_stage(&txn, sid, &name, position).await?;
    }
    jobs::Entity::update_many()
        .col_expr(jobs::Column::UpdatedAt, Expr::value(state.clock.now()))
        .filter(jobs::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    get(state, member, id).await
}

async fn set_stage(
    db: &impl ConnectionTrait,
    id: Uuid,
    name: &str,
    position: i32,
) -> Result<(), DbErr> {
    job_stages::Entity::update_many()
        .col_expr(job_stages::Column::Name, Expr::value(name))
        .col_expr(job_stages::Column::Position, Expr::value(position))
        .filter(job_stages::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

async fn stages_by_job(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<job_stages::Model>>, DbErr> {
    let mut by_job: HashMap<Uuid, Vec<job_stages::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_job);
    }
    for s in job_stages::Entity::find()
        .filter(job_stages::Column::JobId.is_in(ids.iter().copied()))
        .order_by_asc(job_stages::Column::Position)
        .all(db)
        .await?
    {
        by_job.entry(s.job_id).or_default().push(s);
    }
    Ok(by_job)
}

/// Applications per stage of the jobs `ids`.
async fn stage_counts(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, u64>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, i64)> = apps::Entity::find()
        .select_only()
        .column(apps::Column::StageId)
        .column_as(apps::Column::Id.count(), "n")
        .filter(apps::Column::JobId.is_in(ids.iter().copied()))
        .group_by(apps::Column::StageId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, n.max(0) as u64))
        .collect())
}

fn to_dto(job: jobs::Model, stages: Vec<job_stages::Model>, counts: &HashMap<Uuid, u64>) -> Job {
    let stages: Vec<Stage> = stages
        .into_iter()
        .map(|s| Stage {
            count: counts.get(&s.id).copied().unwrap_or(0),
            id: s.id,
            name: s.name,
            position: s.position.max(0) as u32,
            kind: StageKind::from_stored(&s.kind),
        })
        .collect();
    Job {
        total: stages.iter().map(|s| s.count).sum(),
        id: job.id,
        title: job.title,
        description: job.description,
        location: job.location,
        employment_type: job.employment_type,
        status: JobStatus::from_stored(&job.status),
        stages,
        created_at: job.created_at.into(),
        updated_at: job.updated_at.into(),
    }
}

/// What goes with a deleted candidate besides its row and current resume: its earlier
/// versions, applications, notes with their history, timeline and merge records. Inside the
/// caller's transaction.
pub async fn delete_candidate_rows(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<(), DbErr> {
    let merged = events::merged_ids(db, candidate_id).await?;
    screening_rows::delete_for_candidate(db, candidate_id).await?;
    resume_versions::Entity::delete_many()
        .filter(resume_versions::Column::CandidateId.eq(candidate_id))
        .exec(db)
        .await?;
    apps::Entity::delete_many()
        .filter(apps::Column::CandidateId.eq(candidate_id))
        .exec(db)
        .await?;
    delete_notes(db, note_rows::Column::CandidateId.eq(candidate_id)).await?;
    candidate_events::Entity::delete_many()
        .filter(candidate_events::Column::CandidateId.is_in(merged))
        .exec(db)
        .await?;
    candidate_merges::Entity::delete_many()
        .filter(
            candidate_merges::Column::IntoId
                .eq(candidate_id)
                .or(candidate_merges::Column::MergedId.eq(candidate_id)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The notes `which` selects, with their earlier bodies.
async fn delete_notes(
    db: &impl ConnectionTrait,
    which: sea_orm::sea_query::SimpleExpr,
) -> Result<(), DbErr> {
    note_revisions::Entity::delete_many()
        .filter(
            Expr::col(note_revisions::Column::NoteId).in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(note_rows::Column::Id)
                    .from(note_rows::Entity)
                    .and_where(which.clone())
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    note_rows::Entity::delete_many()
        .filter(which)
        .exec(db)
        .await?;
    Ok(())
}

/// What goes with a deleted workspace besides its candidates: its jobs and everything of the
/// hiring loop. Inside the caller's transaction, before the candidates are deleted.
pub async fn delete_workspace_rows(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<(), DbErr> {
    let of_workspace = || {
        sea_orm::sea_query::Query::select()
            .column(candidates::Column::Id)
            .from(candidates::Entity)
            .and_where(candidates::Column::WorkspaceId.eq(workspace_id))
            .to_owned()
    };
    screening_rows::delete_for_workspace(db, workspace_id).await?;
    resume_versions::Entity::delete_many()
        .filter(Expr::col(resume_versions::Column::CandidateId).in_subquery(of_workspace()))
        .exec(db)
        .await?;
    delete_notes(db, note_rows::Column::WorkspaceId.eq(workspace_id)).await?;
    apps::Entity::delete_many()
        .filter(apps::Column::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    job_stages::Entity::delete_many()
        .filter(
            Expr::col(job_stages::Column::JobId).in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(jobs::Column::Id)
                    .from(jobs::Entity)
                    .and_where(jobs::Column::WorkspaceId.eq(workspace_id))
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    jobs::Entity::delete_many()
        .filter(jobs::Column::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    candidate_events::Entity::delete_many()
        .filter(candidate_events::Column::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    candidate_merges::Entity::delete_many()
        .filter(candidate_merges::Column::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    Ok(())
}
