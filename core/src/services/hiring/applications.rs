//! Applications: a candidate in a job, in one stage. A move is one conditional `UPDATE` on
//! the card's `stage_version`, so of two people moving one card at the same moment one wins
//! and the other is told where the card is now; nothing is lost or written twice. A job's
//! cards are paged by `(created_at, id)`, which a move does not change: paging a column while
//! cards move returns each card that stays in it exactly once.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set,
};
use types::hiring::{
    Application, ApplicationList, ApplicationPage, ApplicationQuery, CardCandidate,
    MoveApplication, StageKind,
};
use uuid::Uuid;

use super::{
    candidate_in,
    events::{self, Event, EventKind},
    job_in, stages_of,
};
use crate::{
    entities::{applications as apps, candidates, job_stages, jobs},
    error::{ServiceError, ServiceResult},
    services::busy,
    session::Member,
    state::AppState,
};

const DEFAULT_PER_PAGE: u64 = 25;
const MAX_PER_PAGE: u64 = 100;
/// Skills a card shows.
const CARD_SKILLS: usize = 5;
/// Applications a candidate's page lists.
const MAX_PER_CANDIDATE: u64 = 200;

/// `POST /api/v1/jobs/{id}/applications`: the candidate into the job's first stage. The same
/// candidate twice in one job is a 409.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn add(
    state: &AppState,
    member: &Member,
    job_id: Uuid,
    candidate_id: Uuid,
) -> ServiceResult<Application> {
    member.ensure_can_work()?;
    let job = job_in(&state.db, member.workspace_id, job_id).await?;
    candidate_in(&state.db, member.workspace_id, candidate_id).await?;
    let stages = stages_of(&state.db, job_id).await?;
    let first = stages
        .iter()
        .find(|s| StageKind::from_stored(&s.kind) == StageKind::Active)
        .ok_or_else(|| ServiceError::Conflict("This job has no stages".into()))?;
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let txn = busy::begin_write(&state.db).await?;
    let already = apps::Entity::find()
        .filter(apps::Column::JobId.eq(job_id))
        .filter(apps::Column::CandidateId.eq(candidate_id))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Err(already_in(&job.title));
    }
    let inserted = apps::ActiveModel {
        id: Set(id),
        workspace_id: Set(member.workspace_id),
        job_id: Set(job_id),
        candidate_id: Set(candidate_id),
        stage_id: Set(first.id),
        stage_version: Set(0),
        rejection_reason: Set(None),
        stage_entered_at: Set(now),
        created_by: Set(member.id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    if let Err(e) = inserted {
        // The unique index: someone added them at the same moment.
        return Err(match e {
            DbErr::Query(_) | DbErr::Exec(_) => already_in(&job.title),
            other => other.into(),
        });
    }
    events::record(
        &txn,
        Event {
            workspace_id: member.workspace_id,
            candidate_id,
            actor_id: Some(member.id),
            kind: EventKind::AddedToJob,
            detail: &[
                ("job_id", job_id.to_string()),
                ("job_title", job.title.clone()),
                ("stage", first.name.clone()),
            ],
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    one(state, member, id).await
}

fn already_in(title: &str) -> ServiceError {
    ServiceError::Conflict(format!("This candidate is already in \"{title}\""))
}

/// `PATCH /api/v1/applications/{id}`: moves the card to `stage` (its id or name). With
/// `stage_version`, a card moved meanwhile by someone else is a 409 with its current stage.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn move_to(
    state: &AppState,
    member: &Member,
    id: Uuid,
    req: MoveApplication,
) -> ServiceResult<Application> {
    member.ensure_can_work()?;
    let card = find(&state.db, member.workspace_id, id).await?;
    let stages = stages_of(&state.db, card.job_id).await?;
    let target = stage_named(&stages, &req.stage)?;
    let reason = match StageKind::from_stored(&target.kind) {
        StageKind::Rejected => {
            let reason = req.rejection_reason.as_deref().unwrap_or("").trim();
            if reason.is_empty() {
                return Err(ServiceError::Validation(
                    "rejection_reason is required to move an application to the rejected stage"
                        .into(),
                ));
            }
            if reason.chars().count() > 500 {
                return Err(ServiceError::Validation(
                    "rejection_reason must be at most 500 characters".into(),
                ));
            }
            Some(reason.to_owned())
        }
        StageKind::Active => None,
    };
    let seen = req.stage_version.unwrap_or(card.stage_version);
    if card.stage_version != seen {
        return Err(stale(&stages, &card));
    }
    if card.stage_id == target.id && card.rejection_reason == reason {
        return one(state, member, id).await;
    }
    let from = stages
        .iter()
        .find(|s| s.id == card.stage_id)
        .map_or_else(String::new, |s| s.name.clone());
    let job_title = job_in(&state.db, member.workspace_id, card.job_id)
        .await?
        .title;
    let now = state.clock.now();
    let txn = busy::begin_write(&state.db).await?;
    let moved = apps::Entity::update_many()
        .col_expr(apps::Column::StageId, Expr::value(target.id))
        .col_expr(
            apps::Column::StageVersion,
            Expr::col(apps::Column::StageVersion).add(1),
        )
        .col_expr(apps::Column::RejectionReason, Expr::value(reason.clone()))
        .col_expr(apps::Column::StageEnteredAt, Expr::value(now))
        .col_expr(apps::Column::UpdatedAt, Expr::value(now))
        .filter(apps::Column::Id.eq(id))
        .filter(apps::Column::WorkspaceId.eq(member.workspace_id))
        .filter(apps::Column::StageVersion.eq(seen))
        // The stage must still exist (it may have been removed since it was read).
        .filter(
            Expr::col(apps::Column::JobId).in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(job_stages::Column::JobId)
                    .from(job_stages::Entity)
                    .and_where(job_stages::Column::Id.eq(target.id))
                    .to_owned(),
            ),
        )
        .exec(&txn)
        .await?;
    if moved.rows_affected == 0 {
        drop(txn);
        let now_card = find(&state.db, member.workspace_id, id).await?;
        let stages = stages_of(&state.db, now_card.job_id).await?;
        if !stages.iter().any(|s| s.id == target.id) {
            return Err(ServiceError::Conflict(format!(
                "Stage \"{}\" was removed meanwhile",
                target.name
            )));
        }
        return Err(stale(&stages, &now_card));
    }
    let mut detail = vec![
        ("job_id", card.job_id.to_string()),
        ("job_title", job_title),
        ("from", from),
        ("to", target.name.clone()),
    ];
    if let Some(reason) = &reason {
        detail.push(("rejection_reason", reason.clone()));
    }
    events::record(
        &txn,
        Event {
            workspace_id: member.workspace_id,
            candidate_id: card.candidate_id,
            actor_id: Some(member.id),
            kind: EventKind::StageMoved,
            detail: &detail,
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    one(state, member, id).await
}

/// The 409 of a move that lost: where the card is now.
fn stale(stages: &[job_stages::Model], card: &apps::Model) -> ServiceError {
    let stage = stages
        .iter()
        .find(|s| s.id == card.stage_id)
        .map_or_else(String::new, |s| s.name.clone());
    ServiceError::StaleStage {
        message: format!(
            "Someone else moved this card meanwhile: it is now in \"{stage}\". Look again and move it from there."
        ),
        stage_id: card.stage_id,
        stage,
        stage_version: card.stage_version,
    }
}

/// A stage of the job by id or by name (case-insensitive).
fn stage_named<'a>(
    stages: &'a [job_stages::Model],
    wanted: &str,
) -> ServiceResult<&'a job_stages::Model> {
    let wanted = wanted.trim();
    let by_id = Uuid::parse_str(wanted).ok();
    stages
        .iter()
        .find(|s| Some(s.id) == by_id || s.name.to_lowercase() == wanted.to_lowercase())
        .ok_or_else(|| {
            ServiceError::Validation(format!(
                "\"{}\" is not a stage of this job; its stages are {}",
                wanted.chars().take(60).collect::<String>(),
                stages
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

async fn find(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> ServiceResult<apps::Model> {
    apps::Entity::find_by_id(id)
        .filter(apps::Column::WorkspaceId.eq(workspace_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("Application"))
}

/// `GET /api/v1/applications/{id}`.
pub async fn one(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<Application> {
    let card = find(&state.db, member.workspace_id, id).await?;
    let mut out = to_dtos(&state.db, vec![card]).await?;
    out.pop().ok_or(ServiceError::NotFound("Application"))
}

/// Where a page of a job's cards ends: the last card's creation time and id, as 48 hex
/// digits.
fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    let nanos = at.timestamp_nanos_opt().unwrap_or(i64::MAX);
    format!("{:016x}{}", nanos as u64, id.simple())
}

fn decode_cursor(text: &str) -> Option<(DateTime<Utc>, Uuid)> {
    if text.len() != 48 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let nanos = u64::from_str_radix(text.get(..16)?, 16).ok()? as i64;
    let id = Uuid::parse_str(text.get(16..)?).ok()?;
    Some((DateTime::from_timestamp_nanos(nanos), id))
}

/// `GET /api/v1/jobs/{id}/applications?stage=&cursor=`: oldest application first.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn page(
    state: &AppState,
    member: &Member,
    job_id: Uuid,
    query: ApplicationQuery,
) -> ServiceResult<ApplicationPage> {
    job_in(&state.db, member.workspace_id, job_id).await?;
    let per_page = query.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(ServiceError::Validation(format!(
            "per_page must be between 1 and {MAX_PER_PAGE}"
        )));
    }
    let mut select = apps::Entity::find()
        .filter(apps::Column::JobId.eq(job_id))
        .filter(apps::Column::WorkspaceId.eq(member.workspace_id));
    if let Some(stage) = query.stage.as_deref().filter(|s| !s.trim().is_empty()) {
        let stages = stages_of(&state.db, job_id).await?;
        select = select.filter(apps::Column::StageId.eq(stage_named(&stages, stage)?.id));
    }
    if let Some(cursor) = query.cursor.as_deref() {
        let (at, id) = decode_cursor(cursor).ok_or_else(|| {
            ServiceError::Validation("cursor must be a next_cursor of this list".into())
        })?;
        select = select.filter(
            Condition::any().add(apps::Column::CreatedAt.gt(at)).add(
                Condition::all()
                    .add(apps::Column::CreatedAt.eq(at))
                    .add(apps::Column::Id.gt(id)),
            ),
        );
    }
    let mut rows = select
        .order_by_asc(apps::Column::CreatedAt)
        .order_by_asc(apps::Column::Id)
        .limit(per_page + 1)
        .all(&state.db)
        .await?;
    let more = rows.len() as u64 > per_page;
    rows.truncate(per_page as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| encode_cursor(r.created_at, r.id)))
        .flatten();
    Ok(ApplicationPage {
        items: to_dtos(&state.db, rows).await?,
        next_cursor,
    })
}

/// `GET /api/v1/candidates/{id}/applications`: the candidate in every job, newest first.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn for_candidate(
    state: &AppState,
    member: &Member,
    candidate_id: Uuid,
) -> ServiceResult<ApplicationList> {
    candidate_in(&state.db, member.workspace_id, candidate_id).await?;
    let rows = apps::Entity::find()
        .filter(apps::Column::CandidateId.eq(candidate_id))
        .filter(apps::Column::WorkspaceId.eq(member.workspace_id))
        .order_by_desc(apps::Column::CreatedAt)
        .limit(MAX_PER_CANDIDATE)
        .all(&state.db)
        .await?;
    Ok(ApplicationList {
        items: to_dtos(&state.db, rows).await?,
    })
}

#[derive(FromQueryResult)]
struct CardRow {
    id: Uuid,
    name: Option<String>,
    current_title: Option<String>,
    skills: String,
}

/// The cards of `rows`, with their jobs', stages' and candidates' names in three queries.
async fn to_dtos(
    db: &impl ConnectionTrait,
    rows: Vec<apps::Model>,
) -> ServiceResult<Vec<Application>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let job_ids: Vec<Uuid> = rows.iter().map(|r| r.job_id).collect();
    let candidate_ids: Vec<Uuid> = rows.iter().map(|r| r.candidate_id).collect();
    let titles: HashMap<Uuid, String> = jobs::Entity::find()
        .select_only()
        .column(jobs::Column::Id)
        .column(jobs::Column::Title)
        .filter(jobs::Column::Id.is_in(job_ids.iter().copied()))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let stage_names: HashMap<Uuid, String> = job_stages::Entity::find()
        .select_only()
        .column(job_stages::Column::Id)
        .column(job_stages::Column::Name)
        .filter(job_stages::Column::JobId.is_in(job_ids.iter().copied()))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let cards: HashMap<Uuid, CardRow> = candidates::Entity::find()
        .select_only()
        .column(candidates::Column::Id)
        .column(candidates::Column::Name)
        .column(candidates::Column::CurrentTitle)
        .column(candidates::Column::Skills)
        .filter(candidates::Column::Id.is_in(candidate_ids))
        .into_model::<CardRow>()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let card = cards.get(&r.candidate_id);
            Application {
                id: r.id,
                job_id: r.job_id,
                job_title: titles.get(&r.job_id).cloned().unwrap_or_default(),
                candidate: CardCandidate {
                    id: r.candidate_id,
                    name: card.and_then(|c| c.name.clone()),
                    current_title: card.and_then(|c| c.current_title.clone()),
                    skills: card
                        .and_then(|c| serde_json::from_str::<Vec<String>>(&c.skills).ok())
                        .unwrap_or_default()
                        .into_iter()
                        .take(CARD_SKILLS)
                        .collect(),
                },
                stage_id: r.stage_id,
                stage: stage_names.get(&r.stage_id).cloned().unwrap_or_default(),
                stage_version: r.stage_version,
                rejection_reason: r.rejection_reason,
                stage_entered_at: r.stage_entered_at.into(),
                created_at: r.created_at.into(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let at = DateTime::from_timestamp_nanos(1_765_000_000_123_456_789);
        let id = Uuid::new_v4();
        assert_eq!(decode_cursor(&encode_cursor(at, id)), Some((at, id)));
        assert_eq!(decode_cursor("zz"), None);
    }
}
