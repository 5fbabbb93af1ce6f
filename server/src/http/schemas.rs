//! The REST routes' own response types, where the shared shapes of `types` do not serve. The
//! routes and the OpenAPI document both name them; they name neither.
use serde::Serialize;
use utoipa::ToSchema;

use hirekey_core::providers::{ChatMessage, Usage};

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// With `detail=true` on PostgreSQL: the listener for changes made on other instances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications: Option<hirekey_core::services::notify::ListenerHealth>,
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
    pub meta: AnswerMeta,
}

#[derive(Serialize, ToSchema)]
pub struct CodeCompletionResponse {
    pub completion: String,
    pub language: String,
    pub meta: AnswerMeta,
}

#[derive(Serialize, ToSchema)]
pub struct GenerateCodeResponse {
    pub code: String,
    pub language: String,
    pub meta: AnswerMeta,
}

/// A resume upload: `multipart/form-data` with the file in the part named `file`.
#[derive(ToSchema)]
pub struct ResumeUpload {
    /// PDF, DOCX or plain text, at most `HIREKEY_MAX_UPLOAD_MB` (10 MB by default).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Which key, provider and model answered, and the tokens used.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AnswerMeta {
    /// 80 % or more of the key's monthly budget is used: what to tell the user; else null.
    pub budget_warning: Option<String>,
    pub key_source: &'static str,
    pub model: String,
    pub provider: &'static str,
    pub usage: Usage,
}
