//! The bodies only the OpenAPI document names: the REST routes' own response types, where the
//! shared DTOs of `app::api` do not serve.
use serde::Serialize;
use utoipa::ToSchema;

use super::super::ai_routes;
use crate::providers::ChatMessage;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// With `detail=true` on PostgreSQL: the listener for changes made on other instances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications: Option<crate::services::notify::ListenerHealth>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: String,
}

// The response bodies below list their fields in alphabetical order of their JSON keys, the
// order these bodies had when they were built with `json!`.

/// `GET /api/user/api-key` (second seed).
#[derive(Serialize, ToSchema)]
pub struct UserApiKeyStatus {
    /// The key masked as `sk-***...abc123`; null without a key.
    #[serde(rename = "apiKey")]
    pub api_key: Option<String>,
    #[serde(rename = "hasApiKey")]
    pub has_api_key: bool,
}

/// `POST /api/user/api-key` (second seed).
#[derive(Serialize, ToSchema)]
pub struct UserApiKeyUpdated {
    pub message: String,
    pub user: UserSummary,
}

#[derive(Serialize, ToSchema)]
pub struct UserSummary {
    pub email: String,
    pub id: uuid::Uuid,
    pub name: String,
}

/// `POST /api/ai/chat` without streaming.
#[derive(Serialize, ToSchema)]
pub struct ChatResponse {
    pub message: ChatMessage,
    pub meta: ai_routes::AnswerMeta,
}

#[derive(Serialize, ToSchema)]
pub struct CodeCompletionResponse {
    pub completion: String,
    pub language: String,
    pub meta: ai_routes::AnswerMeta,
}

#[derive(Serialize, ToSchema)]
pub struct GenerateCodeResponse {
    pub code: String,
    pub language: String,
    pub meta: ai_routes::AnswerMeta,
}

/// A resume upload: `multipart/form-data` with the file in the part named `file`.
#[derive(ToSchema)]
pub struct ResumeUpload {
    /// PDF, DOCX or plain text, at most `HIREKEY_MAX_UPLOAD_MB` (10 MB by default).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}
