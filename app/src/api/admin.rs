//! The admin area: the shapes of `/api/v1/admin/*` and the Admin page's server functions.
//! Nothing here ever carries a key or a key preview of a user.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::Timestamp;

use super::profile::TestAiKeyResponse;
use super::usage::UsageSummary;
use super::AppError;

/// `GET /api/v1/admin/users`: one user, with whether they have a personal key but never the
/// key or its preview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub created_at: Timestamp,
    /// A key is stored for the user's active provider.
    pub has_personal_key: bool,
    /// The user's active provider.
    pub provider: String,
    /// When that key expires (RFC 3339); null when it does not or there is no key.
    pub expires_at: Option<Timestamp>,
}

/// `GET /api/v1/admin/ai-config`: the system AI configuration, its key masked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminAiConfig {
    /// A system key is configured (`AI_PROVIDER` and its `*_API_KEY`).
    pub configured: bool,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    /// The masked key, e.g. `gsk_...wxyz`.
    pub key_preview: Option<String>,
    /// In force now: calls never fall back to the system key.
    pub require_personal_key: bool,
    /// `HIREKEY_REQUIRE_PERSONAL_KEY=true` forces it; the run-time setting cannot turn it off.
    pub require_personal_key_env: bool,
    /// `HIREKEY_ALLOWED_PROVIDER_HOSTS`: local `host:port`s a custom provider may call.
    #[serde(default)]
    pub allowed_provider_hosts: Vec<String>,
}

/// `PUT /api/v1/admin/settings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminSettings {
    pub require_personal_key: bool,
}

#[server(prefix = "/sfn")]
pub async fn get_admin_users() -> Result<Vec<AdminUser>, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.admin_users(&user).await
}

#[server(prefix = "/sfn")]
pub async fn get_admin_ai_config() -> Result<AdminAiConfig, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.admin_ai_config(&user).await
}

#[server(prefix = "/sfn")]
pub async fn test_system_ai_key() -> Result<TestAiKeyResponse, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.admin_test_system_key(&user).await
}

/// The Admin page's policy form: an unchecked checkbox is absent, so it works without WASM.
#[server(prefix = "/sfn")]
pub async fn save_admin_settings(
    require_personal_key: Option<String>,
) -> Result<AdminAiConfig, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    let settings = AdminSettings {
        require_personal_key: require_personal_key.is_some_and(|v| v == "on" || v == "true"),
    };
    backend.admin_update_settings(&user, settings).await
}

#[server(prefix = "/sfn")]
pub async fn get_admin_usage(days: u32) -> Result<UsageSummary, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.admin_usage(&user, days).await
}
