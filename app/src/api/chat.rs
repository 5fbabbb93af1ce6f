//! The AI Chat page's server functions (shapes in `types::chat`).
use leptos::prelude::*;

pub use types::chat::*;

use super::AppError;

#[server(prefix = "/sfn")]
pub async fn list_conversations() -> Result<Vec<ConversationSummary>, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.list_conversations(&user).await
}

#[server(prefix = "/sfn")]
pub async fn get_conversation(id: String) -> Result<ConversationDetail, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend
        .get_conversation(&user, super::parse_id(&id, "Conversation")?)
        .await
}

#[server(prefix = "/sfn")]
pub async fn rename_conversation(
    id: String,
    title: String,
) -> Result<ConversationSummary, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend
        .rename_conversation(&user, super::parse_id(&id, "Conversation")?, title)
        .await
}

#[server(prefix = "/sfn")]
pub async fn delete_conversation(id: String) -> Result<(), AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend
        .delete_conversation(&user, super::parse_id(&id, "Conversation")?)
        .await
}

#[server(prefix = "/sfn")]
pub async fn chat_key_status() -> Result<AiKeyStatus, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.chat_key_status(&user).await
}
