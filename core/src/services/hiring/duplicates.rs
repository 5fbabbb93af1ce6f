//! Duplicate candidates. An upload with the email or the phone number of an existing candidate
//! of the workspace is that person (`same_person`, used by the upload). Candidates with the same
//! name and no conflicting email may be the same person: they are listed (`possible`), and a
//! person merges them (`merge`), which moves every resume, application, note and timeline
//! event onto the kept candidate in one transaction.
use std::collections::HashMap;

use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use types::hiring::{DuplicateList, MergeResult, PossibleDuplicate, StageKind};
use uuid::Uuid;

use super::{
    candidate_in,
    events::{self, merged_ids, Event, EventKind},
    versions,
};
use crate::{
    entities::{
        analysis_jobs, applications as apps, candidate_events, candidate_merges, candidates,
        job_stages, notes, resume_versions,
    },
    error::{ServiceError, ServiceResult},
    services::{busy, screening::rows as screening_rows},
    session::Member,
    state::AppState,
};

/// Possible duplicates listed per candidate.
const MAX_POSSIBLE: u64 = 20;

/// What an upload matched an existing candidate on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchedOn {
    Email,
    Phone,
}

impl MatchedOn {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
        }
    }
}

/// The workspace's candidate with this email, else with this phone number.
pub async fn same_person(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    email_key: Option<&str>,
    phone_key: Option<&str>,
) -> Result<Option<(candidates::Model, MatchedOn)>, DbErr> {
    for (key, column, matched) in [
        (email_key, candidates::Column::EmailKey, MatchedOn::Email),
        (phone_key, candidates::Column::PhoneKey, MatchedOn::Phone),
    ] {
        let Some(key) = key else { continue };
        let found = candidates::Entity::find()
            .filter(candidates::Column::WorkspaceId.eq(workspace_id))
            .filter(column.eq(key))
            .one(db)
            .await?;
        if let Some(c) = found {
            return Ok(Some((c, matched)));
        }
    }
    Ok(None)
}

/// `GET /api/v1/candidates/{id}/duplicates`: candidates with the same name (without case,
/// accents or order) and no conflicting email.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn possible(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<DuplicateList> {
    let me = candidate_in(&state.db, member.workspace_id, id).await?;
    let Some(name_key) = me.name_key.clone() else {
        return Ok(DuplicateList::default());
    };
    let mut query = candidates::Entity::find()
        .filter(candidates::Column::WorkspaceId.eq(member.workspace_id))
        .filter(candidates::Column::NameKey.eq(name_key))
        .filter(candidates::Column::Id.ne(id));
    if let Some(mine) = &me.email_key {
        // Two different emails are two people.
        query = query.filter(
            Condition::any()
                .add(candidates::Column::EmailKey.is_null())
                .add(candidates::Column::EmailKey.eq(mine.clone())),
        );
    }
    let rows = query.limit(MAX_POSSIBLE).all(&state.db).await?;
    Ok(DuplicateList {
        items: rows
            .into_iter()
            .map(|c| PossibleDuplicate {
                id: c.id,
                name: c.name,
                email: c.email,
                current_title: c.current_title,
                reason: "name".into(),
            })
            .collect(),
    })
}

/// Where a stage ranks when two applications to one job meet: later stages higher, the
/// rejected stage below them all.
fn rank(stages: &HashMap<Uuid, job_stages::Model>, stage_id: Uuid) -> i64 {
    match stages.get(&stage_id) {
        Some(s) if StageKind::from_stored(&s.kind) == StageKind::Rejected => -1,
        Some(s) => i64::from(s.position),
        None => -2,
    }
}

/// `POST /api/v1/candidates/{id}/merge`: `other` into `id`, in one transaction. Every resume of
/// `other` becomes an earlier version of `id`'s; applications move (two in one job keep the one
/// at the later stage); notes move; the timeline keeps `other`'s events (read through
/// `candidate_merges`); `id` takes `other`'s email and phone where it has none.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn merge(
    state: &AppState,
    member: &Member,
    id: Uuid,
    other: Uuid,
) -> ServiceResult<MergeResult> {
    member.ensure_can_work()?;
    if id == other {
        return Err(ServiceError::Validation(
            "A candidate cannot be merged with itself".into(),
        ));
    }
    let now = state.clock.now();
    let ws = member.workspace_id;
    let txn = busy::begin_write(&state.db).await?;
    let kept = candidate_in(&txn, ws, id).await?;
    let gone = candidate_in(&txn, ws, other).await?;

    // Resumes: the merged candidate's current one and its earlier ones become earlier versions.
    let backend = txn.get_database_backend();
    let moved_current = txn
        .execute(sea_orm::Statement::from_sql_and_values(
            backend,
            "INSERT INTO resume_versions
                (id, candidate_id, file_name, content_type, bytes, text, text_engine, created_at, superseded_at)
             SELECT id, $1, file_name, content_type, bytes, text, text_engine, created_at, $3
             FROM resumes WHERE candidate_id = $2",
            [id.into(), other.into(), now.into()],
        ))
        .await?
        .rows_affected();
    versions::delete_current(&txn, other).await?;
    let moved_earlier = resume_versions::Entity::update_many()
        .col_expr(resume_versions::Column::CandidateId, Expr::value(id))
        .filter(resume_versions::Column::CandidateId.eq(other))
        .exec(&txn)
        .await?
        .rows_affected;

    // Applications.
    let theirs = apps::Entity::find()
        .filter(apps::Column::CandidateId.eq(other))
        .all(&txn)
        .await?;
    let mine: HashMap<Uuid, apps::Model> = apps::Entity::find()
        .filter(apps::Column::CandidateId.eq(id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| (a.job_id, a))
        .collect();
    let job_ids: Vec<Uuid> = theirs.iter().map(|a| a.job_id).collect();
    let stages: HashMap<Uuid, job_stages::Model> = job_stages::Entity::find()
        .filter(job_stages::Column::JobId.is_in(job_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let (mut moved_apps, mut dropped) = (0u64, Vec::new());
    for app in theirs {
        if let Some(existing) = mine.get(&app.job_id) {
            let drop_id = if rank(&stages, app.stage_id) > rank(&stages, existing.stage_id) {
                existing.id
            } else {
                app.id
            };
            let keep_id = if drop_id == app.id {
                existing.id
            } else {
                app.id
            };
            apps::Entity::delete_by_id(drop_id).exec(&txn).await?;
            apps::Entity::update_many()
                .col_expr(apps::Column::CandidateId, Expr::value(id))
                .filter(apps::Column::Id.eq(keep_id))
                .exec(&txn)
                .await?;
            let stage = |sid: Uuid| stages.get(&sid).map_or("", |s| s.name.as_str()).to_owned();
            let dropped_stage = if drop_id == app.id {
                stage(app.stage_id)
            } else {
                stage(existing.stage_id)
            };
            dropped.push(dropped_stage);
        } else {
            apps::Entity::update_many()
                .col_expr(apps::Column::CandidateId, Expr::value(id))
                .filter(apps::Column::Id.eq(app.id))
                .exec(&txn)
                .await?;
            moved_apps += 1;
        }
    }

    screening_rows::after_merge(&txn, other, id).await?;

    let moved_notes = notes::Entity::update_many()
        .col_expr(notes::Column::CandidateId, Expr::value(id))
        .filter(notes::Column::CandidateId.eq(other))
        .exec(&txn)
        .await?
        .rows_affected;
    let their_events = candidate_events::Entity::find()
        .filter(candidate_events::Column::CandidateId.is_in(merged_ids(&txn, other).await?))
        .count(&txn)
        .await?;
    // The timeline of `id` reads the events of everything merged into it, directly or not.
    candidate_merges::Entity::update_many()
        .col_expr(candidate_merges::Column::IntoId, Expr::value(id))
        .filter(candidate_merges::Column::IntoId.eq(other))
        .exec(&txn)
        .await?;
    candidate_merges::ActiveModel {
        merged_id: Set(other),
        into_id: Set(id),
        workspace_id: Set(ws),
        merged_by: Set(member.id),
        merged_at: Set(now),
    }
    .insert(&txn)
    .await?;
    analysis_jobs::Entity::delete_many()
        .filter(analysis_jobs::Column::CandidateId.eq(other))
        .exec(&txn)
        .await?;

    // Contacts the kept candidate lacks.
    let mut active: candidates::ActiveModel = kept.clone().into();
    if kept.email_key.is_none() && gone.email_key.is_some() {
        active.email = Set(gone.email.clone());
        active.email_key = Set(gone.email_key.clone());
    }
    if kept.phone_key.is_none() && gone.phone_key.is_some() {
        active.phone_key = Set(gone.phone_key.clone());
    }
    active.updated_at = Set(now);
    active.update(&txn).await?;
    candidates::Entity::delete_by_id(other).exec(&txn).await?;

    let resumes = moved_current + moved_earlier;
    let mut detail = vec![
        ("other_id", other.to_string()),
        ("resumes", resumes.to_string()),
        ("applications", moved_apps.to_string()),
        ("notes", moved_notes.to_string()),
    ];
    if let Some(name) = &gone.name {
        detail.push(("other_name", name.clone()));
    }
    if !dropped.is_empty() {
        detail.push(("applications_dropped", dropped.join(", ")));
    }
    events::record(
        &txn,
        Event {
            workspace_id: ws,
            candidate_id: id,
            actor_id: Some(member.id),
            kind: EventKind::Merged,
            detail: &detail,
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(MergeResult {
        id,
        merged_id: other,
        resumes,
        applications: moved_apps + dropped.len() as u64,
        applications_dropped: dropped.len() as u64,
        notes: moved_notes,
        events: their_events,
    })
}
