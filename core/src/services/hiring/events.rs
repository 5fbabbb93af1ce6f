//! Each candidate's timeline: one append-only table (`candidate_events`). Every change the
//! hiring loop makes to a candidate writes its event in the same transaction; the timeline
//! reads them back with who caused each, including the events of candidates merged into this
//! one (`candidate_merges`).
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use types::hiring::{Activity, ActivityEvent};
use uuid::Uuid;

use crate::{
    entities::{candidate_events, candidate_merges, candidates, users},
    error::ServiceResult,
    session::Member,
    state::AppState,
};

/// The newest events a timeline shows.
const TIMELINE_LIMIT: u64 = 500;

/// What happened to a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Uploaded,
    NewVersion,
    Analysed,
    Merged,
    AddedToJob,
    StageMoved,
    NoteAdded,
    NoteEdited,
    NoteDeleted,
    VersionDeleted,
    Corrected,
    Screened,
    ScreeningReviewed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploaded => "uploaded",
            Self::NewVersion => "new_version",
            Self::Analysed => "analysed",
            Self::Merged => "merged",
            Self::AddedToJob => "added_to_job",
            Self::StageMoved => "stage_moved",
            Self::NoteAdded => "note_added",
            Self::NoteEdited => "note_edited",
            Self::NoteDeleted => "note_deleted",
            Self::VersionDeleted => "version_deleted",
            Self::Corrected => "corrected",
            Self::Screened => "screened",
            Self::ScreeningReviewed => "screening_reviewed",
        }
    }
}

/// One event about to be written.
pub struct Event<'a> {
    pub workspace_id: Uuid,
    pub candidate_id: Uuid,
    /// Who caused it; `None` for Hirekey itself (a background analysis).
    pub actor_id: Option<Uuid>,
    pub kind: EventKind,
    pub detail: &'a [(&'a str, String)],
    pub at: DateTime<Utc>,
}

/// Appends the event, inside the caller's transaction.
pub async fn record(db: &impl ConnectionTrait, event: Event<'_>) -> Result<(), DbErr> {
    let detail: BTreeMap<&str, &str> = event.detail.iter().map(|(k, v)| (*k, v.as_str())).collect();
    candidate_events::ActiveModel {
        id: Set(Uuid::new_v4()),
        workspace_id: Set(event.workspace_id),
        candidate_id: Set(event.candidate_id),
        actor_id: Set(event.actor_id),
        kind: Set(event.kind.as_str().to_owned()),
        detail: Set(serde_json::to_string(&detail).unwrap_or_else(|_| "{}".into())),
        created_at: Set(event.at),
    }
    .insert(db)
    .await?;
    candidates::Entity::update_many()
        .col_expr(
            candidates::Column::LastActivityAt,
            sea_orm::sea_query::Expr::value(event.at),
        )
        .filter(candidates::Column::Id.eq(event.candidate_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The candidate and every candidate merged into it.
pub async fn merged_ids(db: &impl ConnectionTrait, candidate_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    let mut ids: Vec<Uuid> = candidate_merges::Entity::find()
        .select_only()
        .column(candidate_merges::Column::MergedId)
        .filter(candidate_merges::Column::IntoId.eq(candidate_id))
        .into_tuple()
        .all(db)
        .await?;
    ids.push(candidate_id);
    Ok(ids)
}

/// `GET /api/v1/candidates/{id}/activity`: newest first.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn activity(
    state: &AppState,
    member: &Member,
    candidate_id: Uuid,
) -> ServiceResult<Activity> {
    super::candidate_in(&state.db, member.workspace_id, candidate_id).await?;
    let ids = merged_ids(&state.db, candidate_id).await?;
    let rows = candidate_events::Entity::find()
        .filter(candidate_events::Column::CandidateId.is_in(ids))
        .filter(candidate_events::Column::WorkspaceId.eq(member.workspace_id))
        .order_by_desc(candidate_events::Column::CreatedAt)
        .order_by_desc(candidate_events::Column::Id)
        .limit(TIMELINE_LIMIT)
        .all(&state.db)
        .await?;
    let actors: Vec<Uuid> = rows.iter().filter_map(|r| r.actor_id).collect();
    let emails = emails(&state.db, &actors).await?;
    Ok(Activity {
        items: rows.into_iter().map(|r| to_dto(r, &emails)).collect(),
    })
}

fn to_dto(row: candidate_events::Model, emails: &HashMap<Uuid, String>) -> ActivityEvent {
    let detail: BTreeMap<String, String> = serde_json::from_str(&row.detail).unwrap_or_default();
    ActivityEvent {
        id: row.id,
        summary: summary(&row.kind, &detail),
        kind: row.kind,
        actor_id: row.actor_id,
        actor_email: row.actor_id.and_then(|id| emails.get(&id).cloned()),
        detail,
        at: row.created_at.into(),
    }
}

/// The one line a person reads.
fn summary(kind: &str, d: &BTreeMap<String, String>) -> String {
    let get = |k: &str| d.get(k).map_or("", String::as_str);
    match kind {
        "uploaded" => format!("Uploaded {}", get("file_name")),
        "new_version" => match d.get("matched_on") {
            Some(on) => format!(
                "Uploaded {} again: the same {on} as this candidate, kept as a new resume version",
                get("file_name")
            ),
            None => format!("Uploaded {} as a new resume version", get("file_name")),
        },
        "analysed" => match d.get("model") {
            Some(model) => format!("Analysed with the {} key, model {model}", get("key_source")),
            None => format!("Analysis failed: {}", get("error")),
        },
        "merged" => format!(
            "Merged with duplicate {}",
            d.get("other_name").map_or("(unnamed)", String::as_str)
        ),
        "added_to_job" => format!("Added to {} in {}", get("job_title"), get("stage")),
        "stage_moved" => {
            let mut line = format!(
                "Moved from {} to {} in {}",
                get("from"),
                get("to"),
                get("job_title")
            );
            if let Some(reason) = d.get("rejection_reason") {
                line.push_str(&format!(" (reason: {reason})"));
            }
            line
        }
        "note_added" => "Wrote a note".into(),
        "note_edited" => "Edited a note".into(),
        "note_deleted" => "Deleted a note".into(),
        "version_deleted" => format!("Deleted resume version {}", get("file_name")),
        "corrected" => format!("Corrected {}", get("fields")),
        other => other.replace('_', " "),
    }
}

/// Who each of `ids` is, by email.
pub(crate) async fn emails(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, String>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Email)
        .filter(users::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
