//! The AI Chat page's server functions (shapes in `types::chat`).
use leptos::prelude::*;

pub use types::chat::*;

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::services::chat;

#[server(prefix = "/sfn")]
pub async fn list_conversations() -> Result<Vec<ConversationSummary>, AppError> {
    let (call, user) = super::context::member().await?;
    Ok(chat::conversations::list(&call.state, &user).await?)
}

#[server(prefix = "/sfn")]
pub async fn get_conversation(id: String) -> Result<ConversationDetail, AppError> {
    let (call, user) = super::context::member().await?;
    Ok(chat::conversations::get(&call.state, &user, super::parse_id(&id, "Conversation")?).await?)
}

#[server(prefix = "/sfn")]
pub async fn rename_conversation(
    id: String,
    title: String,
) -> Result<ConversationSummary, AppError> {
    let (call, user) = super::context::member().await?;
    Ok(chat::conversations::rename(
        &call.state,
        &user,
        super::parse_id(&id, "Conversation")?,
        &title,
    )
    .await?)
}

#[server(prefix = "/sfn")]
pub async fn delete_conversation(id: String) -> Result<(), AppError> {
    let (call, user) = super::context::member().await?;
    Ok(
        chat::conversations::delete(&call.state, &user, super::parse_id(&id, "Conversation")?)
            .await?,
    )
}

#[server(prefix = "/sfn")]
pub async fn chat_key_status() -> Result<AiKeyStatus, AppError> {
    let (call, user) = super::context::member().await?;
    Ok(chat::key_status(&call.state, &user).await?)
}
