//! Notes on a candidate: any member who can work writes one; only its author edits or deletes
//! it, and an edit keeps the earlier body (`note_revisions`). Each is on the timeline.
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use types::hiring::{Note, NoteHistory, NoteList, NoteRevision};
use uuid::Uuid;

use super::{
    candidate_in,
    events::{self, emails, Event, EventKind},
};
use crate::{
    entities::{note_revisions, notes},
    error::{ServiceError, ServiceResult},
    services::busy,
    session::Member,
    state::AppState,
};

const MAX_BODY: usize = 20_000;
const MAX_LISTED: u64 = 500;

fn body_of(text: &str) -> ServiceResult<String> {
    let body = text.trim();
    if body.is_empty() {
        return Err(ServiceError::Validation("body must not be empty".into()));
    }
    if body.chars().count() > MAX_BODY {
        return Err(ServiceError::Validation(format!(
            "body must be at most {MAX_BODY} characters"
        )));
    }
    Ok(body.to_owned())
}

/// `POST /api/v1/candidates/{id}/notes`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn create(
    state: &AppState,
    member: &Member,
    candidate_id: Uuid,
    body: &str,
) -> ServiceResult<Note> {
    member.ensure_can_work()?;
    let body = body_of(body)?;
    candidate_in(&state.db, member.workspace_id, candidate_id).await?;
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let txn = busy::begin_write(&state.db).await?;
    let note = notes::ActiveModel {
        id: Set(id),
        workspace_id: Set(member.workspace_id),
        candidate_id: Set(candidate_id),
        author_id: Set(member.id),
        body: Set(body),
        edits: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    note_event(&txn, member, candidate_id, EventKind::NoteAdded, id, now).await?;
    txn.commit().await?;
    Ok(to_dto(note, member.email.clone()))
}

/// `GET /api/v1/candidates/{id}/notes`: newest first.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn list(
    state: &AppState,
    member: &Member,
    candidate_id: Uuid,
) -> ServiceResult<NoteList> {
    candidate_in(&state.db, member.workspace_id, candidate_id).await?;
    let rows = notes::Entity::find()
        .filter(notes::Column::CandidateId.eq(candidate_id))
        .filter(notes::Column::WorkspaceId.eq(member.workspace_id))
        .order_by_desc(notes::Column::CreatedAt)
        .order_by_desc(notes::Column::Id)
        .limit(MAX_LISTED)
        .all(&state.db)
        .await?;
    let authors: Vec<Uuid> = rows.iter().map(|n| n.author_id).collect();
    let emails = emails(&state.db, &authors).await?;
    Ok(NoteList {
        items: rows
            .into_iter()
            .map(|n| {
                let email = emails.get(&n.author_id).cloned().unwrap_or_default();
                to_dto(n, email)
            })
            .collect(),
    })
}

async fn own_note(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<notes::Model> {
    let note = notes::Entity::find_by_id(id)
        .filter(notes::Column::WorkspaceId.eq(member.workspace_id))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Note"))?;
    if note.author_id != member.id {
        return Err(ServiceError::Forbidden(
            "Only the author of a note may edit or delete it".into(),
        ));
    }
    Ok(note)
}

/// `PATCH /api/v1/notes/{id}`: the author's new body; the old one is kept.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn edit(state: &AppState, member: &Member, id: Uuid, body: &str) -> ServiceResult<Note> {
    member.ensure_can_work()?;
    let body = body_of(body)?;
    let note = own_note(state, member, id).await?;
    if note.body == body {
        return Ok(to_dto(note, member.email.clone()));
    }
    let now = state.clock.now();
    let txn = busy::begin_write(&state.db).await?;
    note_revisions::ActiveModel {
        id: Set(Uuid::new_v4()),
        note_id: Set(id),
        body: Set(note.body.clone()),
        written_at: Set(note.updated_at),
    }
    .insert(&txn)
    .await?;
    let candidate_id = note.candidate_id;
    let mut active: notes::ActiveModel = note.clone().into();
    active.body = Set(body);
    active.edits = Set(note.edits.saturating_add(1));
    active.updated_at = Set(now);
    let note = active.update(&txn).await?;
    note_event(&txn, member, candidate_id, EventKind::NoteEdited, id, now).await?;
    txn.commit().await?;
    Ok(to_dto(note, member.email.clone()))
}

/// `DELETE /api/v1/notes/{id}`: the author's note and its history.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn delete(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<()> {
    member.ensure_can_work()?;
    let note = own_note(state, member, id).await?;
    let now = state.clock.now();
    let txn = busy::begin_write(&state.db).await?;
    note_revisions::Entity::delete_many()
        .filter(note_revisions::Column::NoteId.eq(id))
        .exec(&txn)
        .await?;
    notes::Entity::delete_by_id(id).exec(&txn).await?;
    note_event(
        &txn,
        member,
        note.candidate_id,
        EventKind::NoteDeleted,
        id,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `GET /api/v1/notes/{id}/history`: the note and its earlier bodies, oldest first. Any
/// member may read it.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn history(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<NoteHistory> {
    let note = notes::Entity::find_by_id(id)
        .filter(notes::Column::WorkspaceId.eq(member.workspace_id))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Note"))?;
    let revisions = note_revisions::Entity::find()
        .filter(note_revisions::Column::NoteId.eq(id))
        .order_by_asc(note_revisions::Column::WrittenAt)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| NoteRevision {
            body: r.body,
            written_at: r.written_at.into(),
        })
        .collect();
    let email = emails(&state.db, &[note.author_id])
        .await?
        .remove(&note.author_id)
        .unwrap_or_default();
    Ok(NoteHistory {
        note: to_dto(note, email),
        revisions,
    })
}

/// A note's event on its candidate's timeline, inside the caller's transaction.
async fn note_event(
    txn: &sea_orm::DatabaseTransaction,
    member: &Member,
    candidate_id: Uuid,
    kind: EventKind,
    note_id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    events::record(
        txn,
        Event {
            workspace_id: member.workspace_id,
            candidate_id,
            actor_id: Some(member.id),
            kind,
            detail: &[("note_id", note_id.to_string())],
            at,
        },
    )
    .await
}

fn to_dto(n: notes::Model, author_email: String) -> Note {
    Note {
        id: n.id,
        candidate_id: n.candidate_id,
        author_id: n.author_id,
        author_email,
        body: n.body,
        edits: n.edits.max(0) as u32,
        created_at: n.created_at.into(),
        updated_at: n.updated_at.into(),
    }
}
