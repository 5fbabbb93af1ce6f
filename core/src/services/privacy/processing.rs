//! The processing log: which AI call carried which candidate's data, on whose key, to which
//! provider and model. Written by the callers of `ai` that send candidates' data (analysis,
//! chat, search, screening), read by the candidate page, the export and
//! `GET /api/v1/candidates/{id}/processing`.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use types::privacy::{ProcessingEntry, ProcessingLog};
use uuid::Uuid;

use crate::{
    entities::{processing_log, users},
    error::ServiceResult,
    providers::Provider,
    services::{busy, hiring},
    session::Member,
    state::AppState,
};

/// Why a candidate's data went to a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Analysis,
    Chat,
    Search,
    Screening,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Analysis => "analysis",
            Self::Chat => "chat",
            Self::Search => "search",
            Self::Screening => "screening",
        }
    }
}

/// One call: who made it, in which workspace, on whose key, to which provider and model.
#[derive(Clone, Debug)]
pub struct Call<'a> {
    pub workspace_id: Uuid,
    pub user_id: Option<Uuid>,
    pub purpose: Purpose,
    pub key_source: &'a str,
    pub provider: Provider,
    pub model: &'a str,
}

/// Records `call` for each candidate whose data it carried. A failure to write is logged, not
/// returned: the call has happened, and its answer must not be lost for it.
pub async fn record(state: &AppState, call: Call<'_>, candidates: &[Uuid]) {
    if candidates.is_empty() {
        return;
    }
    let now = state.clock.now();
    let rows: Vec<processing_log::ActiveModel> = candidates
        .iter()
        .map(|candidate_id| processing_log::ActiveModel {
            id: Set(Uuid::new_v4()),
            workspace_id: Set(call.workspace_id),
            candidate_id: Set(*candidate_id),
            user_id: Set(call.user_id),
            purpose: Set(call.purpose.as_str().to_owned()),
            key_source: Set(call.key_source.to_owned()),
            provider: Set(call.provider.as_str().to_owned()),
            model: Set(call.model.chars().take(200).collect()),
            created_at: Set(now),
        })
        .collect();
    let written = busy::retry_if_busy(|| {
        let rows = rows.clone();
        async move {
            processing_log::Entity::insert_many(rows)
                .exec(&state.db)
                .await
                .map(|_| ())
        }
    })
    .await;
    if let Err(e) = written {
        tracing::error!(error = %e, purpose = call.purpose.as_str(), "could not write the processing log");
    }
}

/// The candidate's log, newest first.
pub async fn list(
    state: &AppState,
    member: &Member,
    candidate_id: Uuid,
) -> ServiceResult<ProcessingLog> {
    hiring::candidate_in(&state.db, member.workspace_id, candidate_id).await?;
    Ok(ProcessingLog {
        items: entries(&state.db, candidate_id).await?,
    })
}

/// The entries of one candidate, newest first, with each caller's e-mail.
pub(super) async fn entries(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<Vec<ProcessingEntry>, DbErr> {
    let rows = processing_log::Entity::find()
        .filter(processing_log::Column::CandidateId.eq(candidate_id))
        .order_by_desc(processing_log::Column::CreatedAt)
        .all(db)
        .await?;
    let mut ids: Vec<Uuid> = rows.iter().filter_map(|r| r.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let emails: HashMap<Uuid, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| ProcessingEntry {
            at: r.created_at.into(),
            purpose: r.purpose,
            user_email: r.user_id.and_then(|u| emails.get(&u).cloned()),
            user_id: r.user_id,
            key_source: r.key_source,
            provider: r.provider,
            model: r.model,
        })
        .collect())
}

/// Deletes the candidate's log (inside the erasure's transaction).
pub(super) async fn delete_for(db: &impl ConnectionTrait, candidate_id: Uuid) -> Result<(), DbErr> {
    processing_log::Entity::delete_many()
        .filter(processing_log::Column::CandidateId.eq(candidate_id))
        .exec(db)
        .await?;
    Ok(())
}
