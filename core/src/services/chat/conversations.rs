//! Conversations and their messages: the caller's list, one with its messages, rename and
//! delete, and storing a turn's question and answer in order.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use types::chat::{CandidateHit, ConversationDetail, ConversationSummary, Role, StoredMessage};
use uuid::Uuid;

use crate::{
    entities::{conversations, messages},
    error::{ServiceError, ServiceResult},
    services::busy,
    session::Member,
    state::AppState,
};

const MAX_TITLE_CHARS: usize = 120;

pub(super) fn conversation_id(raw: &str) -> ServiceResult<Uuid> {
    Uuid::parse_str(raw.trim()).map_err(|_| ServiceError::NotFound("Conversation"))
}

pub(super) async fn find_conversation(
    db: &DatabaseConnection,
    auth: &Member,
    id: Uuid,
) -> ServiceResult<conversations::Model> {
    conversations::Entity::find_by_id(id)
        .filter(conversations::Column::UserId.eq(auth.id))
        .filter(conversations::Column::WorkspaceId.eq(auth.workspace_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("Conversation"))
}

async fn message_count(db: &DatabaseConnection, id: Uuid) -> ServiceResult<u64> {
    Ok(messages::Entity::find()
        .filter(messages::Column::ConversationId.eq(id))
        .count(db)
        .await?)
}

fn summary(c: &conversations::Model, message_count: u64) -> ConversationSummary {
    ConversationSummary {
        id: c.id,
        title: c.title.clone(),
        message_count,
        created_at: c.created_at.into(),
        updated_at: c.updated_at.into(),
    }
}

/// The caller's conversations, most recently active first.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn list(state: &AppState, auth: &Member) -> ServiceResult<Vec<ConversationSummary>> {
    let rows = conversations::Entity::find()
        .filter(conversations::Column::UserId.eq(auth.id))
        .filter(conversations::Column::WorkspaceId.eq(auth.workspace_id))
        .order_by_desc(conversations::Column::UpdatedAt)
        .limit(500)
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    let counts: Vec<(Uuid, i64)> = messages::Entity::find()
        .select_only()
        .column(messages::Column::ConversationId)
        .column_as(Expr::col(messages::Column::Id).count(), "n")
        .filter(messages::Column::ConversationId.is_in(ids))
        .group_by(messages::Column::ConversationId)
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(rows
        .iter()
        .map(|c| {
            let n = counts
                .iter()
                .find(|(id, _)| *id == c.id)
                .map_or(0, |(_, n)| (*n).max(0) as u64);
            summary(c, n)
        })
        .collect())
}

fn stored_message(m: messages::Model) -> StoredMessage {
    StoredMessage {
        id: m.id,
        role: if m.role == Role::Assistant.as_str() {
            Role::Assistant
        } else {
            Role::User
        },
        content: m.content,
        candidates: m
            .candidates
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default(),
        incomplete: m.incomplete,
        error: m.error,
        created_at: m.created_at.into(),
    }
}

pub(super) async fn messages_of(
    db: &DatabaseConnection,
    id: Uuid,
) -> ServiceResult<Vec<messages::Model>> {
    Ok(messages::Entity::find()
        .filter(messages::Column::ConversationId.eq(id))
        .order_by_asc(messages::Column::CreatedAt)
        .all(db)
        .await?)
}

/// One conversation of the caller's, with its messages, oldest first.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn get(state: &AppState, auth: &Member, id: Uuid) -> ServiceResult<ConversationDetail> {
    let conversation = find_conversation(&state.db, auth, id).await?;
    let messages = messages_of(&state.db, conversation.id).await?;
    Ok(ConversationDetail {
        conversation: summary(&conversation, messages.len() as u64),
        messages: messages.into_iter().map(stored_message).collect(),
    })
}

fn clean_title(raw: &str) -> String {
    let one_line = crate::services::text::clean_label(raw)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut title: String = one_line.chars().take(MAX_TITLE_CHARS).collect();
    if one_line.chars().count() > MAX_TITLE_CHARS {
        title.push('…');
    }
    title
}

#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn rename(
    state: &AppState,
    auth: &Member,
    id: Uuid,
    title: &str,
) -> ServiceResult<ConversationSummary> {
    let title = clean_title(title);
    if title.is_empty() {
        return Err(ServiceError::Validation("title must not be empty".into()));
    }
    let conversation = find_conversation(&state.db, auth, id).await?;
    let mut active = conversation.into_active_model();
    active.title = Set(title);
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&state.db).await?;
    let n = message_count(&state.db, updated.id).await?;
    Ok(summary(&updated, n))
}

/// Deletes a conversation and its messages (the foreign key cascades).
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn delete(state: &AppState, auth: &Member, id: Uuid) -> ServiceResult<()> {
    let conversation = find_conversation(&state.db, auth, id).await?;
    let txn = state.db.begin().await?;
    messages::Entity::delete_many()
        .filter(messages::Column::ConversationId.eq(conversation.id))
        .exec(&txn)
        .await?;
    conversations::Entity::delete_by_id(conversation.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The time of the next message: now, but never at or before the conversation's last one,
/// so messages keep their order however coarse the clock.
async fn next_message_time(
    db: &impl sea_orm::ConnectionTrait,
    now: DateTime<Utc>,
    conversation: Uuid,
) -> ServiceResult<DateTime<Utc>> {
    let last = messages::Entity::find()
        .filter(messages::Column::ConversationId.eq(conversation))
        .order_by_desc(messages::Column::CreatedAt)
        .one(db)
        .await?;
    Ok(match last {
        Some(m) if m.created_at >= now => m.created_at + Duration::milliseconds(1),
        _ => now,
    })
}

/// `title`, or with a number after it ("Python developers (2)") when the user has a
/// conversation of that title already, so the list tells the conversations apart.
async fn unique_title(
    db: &DatabaseConnection,
    auth: &Member,
    title: String,
) -> ServiceResult<String> {
    // One query: the user's titles that start as this one does (a `%` or `_` in the title only
    // widens the match; the exact comparison is below).
    let titles: std::collections::HashSet<String> = conversations::Entity::find()
        .select_only()
        .column(conversations::Column::Title)
        .filter(conversations::Column::UserId.eq(auth.id))
        .filter(conversations::Column::WorkspaceId.eq(auth.workspace_id))
        .filter(conversations::Column::Title.starts_with(&title))
        .limit(500)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    if !titles.contains(&title) {
        return Ok(title);
    }
    Ok((2..)
        .map(|n| format!("{title} ({n})"))
        .find(|t| !titles.contains(t))
        .unwrap_or(title))
}

/// Stores the question of a chat turn: in `existing`, touched, or in a new conversation titled
/// after the question. Returns the conversation.
pub(super) async fn store_question(
    state: &AppState,
    auth: &Member,
    existing: Option<conversations::Model>,
    question: String,
) -> ServiceResult<conversations::Model> {
    let now = state.clock.now();
    let (user_id, workspace_id) = (auth.id, auth.workspace_id);
    let title = match existing {
        Some(_) => String::new(),
        None => unique_title(&state.db, auth, clean_title(&question)).await?,
    };
    // Run again from the start if SQLite reports itself busy (`busy.rs`).
    busy::retry_service_if_busy(|| {
        let (existing, question, title) = (existing.clone(), question.clone(), title.clone());
        async move {
            // The conversation row is written first, so the transaction holds the write lock
            // before it reads (see `store_answer`).
            let txn = state.db.begin().await?;
            let conversation = match existing {
                Some(c) => {
                    let mut active = c.into_active_model();
                    active.updated_at = Set(now);
                    active.update(&txn).await?
                }
                None => {
                    conversations::ActiveModel {
                        id: Set(Uuid::new_v4()),
                        user_id: Set(user_id),
                        workspace_id: Set(workspace_id),
                        title: Set(title),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(&txn)
                    .await?
                }
            };
            messages::ActiveModel {
                id: Set(Uuid::new_v4()),
                conversation_id: Set(conversation.id),
                role: Set(Role::User.as_str().into()),
                content: Set(question),
                candidates: Set(None),
                incomplete: Set(false),
                error: Set(None),
                created_at: Set(next_message_time(&txn, now, conversation.id).await?),
            }
            .insert(&txn)
            .await?;
            txn.commit().await?;
            Ok(conversation)
        }
    })
    .await
}

/// Stores an assistant message and touches its conversation; returns the message id.
pub(super) async fn store_answer(
    state: &AppState,
    conversation: Uuid,
    content: &str,
    hits: &[CandidateHit],
    error: Option<String>,
) -> ServiceResult<Uuid> {
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let candidates = serde_json::to_string(hits).ok();
    // Run again from the start if SQLite reports itself busy (`busy.rs`): the answer the user
    // waited for is not lost to a momentary lock.
    busy::retry_service_if_busy(|| {
        let (candidates, error) = (candidates.clone(), error.clone());
        async move {
            // Write before reading: on SQLite a transaction that reads first cannot take the
            // write lock once another connection (the usage recorder, say) has written meanwhile.
            let txn = state.db.begin().await?;
            conversations::Entity::update_many()
                .col_expr(conversations::Column::UpdatedAt, Expr::value(now))
                .filter(conversations::Column::Id.eq(conversation))
                .exec(&txn)
                .await?;
            messages::ActiveModel {
                id: Set(id),
                conversation_id: Set(conversation),
                role: Set(Role::Assistant.as_str().into()),
                content: Set(content.to_owned()),
                candidates: Set(candidates),
                incomplete: Set(error.is_some()),
                error: Set(error),
                created_at: Set(next_message_time(&txn, now, conversation).await?),
            }
            .insert(&txn)
            .await?;
            txn.commit().await?;
            Ok(id)
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_bounded_line() {
        assert_eq!(clean_title("  Find\n Python   devs "), "Find Python devs");
        assert_eq!(
            clean_title(&"x".repeat(500)).chars().count(),
            MAX_TITLE_CHARS + 1
        );
    }
}
