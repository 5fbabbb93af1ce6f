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
    /// `HIREKEY_REGISTRATION=open`: anyone who reaches the server may sign up; otherwise
    /// (`invite`, the default) only with an invite once the first account exists.
    #[serde(default)]
    pub registration_open: bool,
}

/// `PUT /api/v1/admin/settings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminSettings {
    pub require_personal_key: bool,
}

/// `POST /api/v1/admin/invites`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateInviteRequest {
    /// When set, only this address may register with the invite.
    #[serde(default)]
    pub email: Option<String>,
    /// Days until the invite expires: 1 to 90, 7 when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 90))]
    pub expires_in_days: Option<u32>,
}

/// The answer to creating an invite: the only time its token is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedInvite {
    pub id: Uuid,
    /// The secret to register with (`"invite"` in `POST /api/v1/auth/register`). Only its
    /// hash is stored; it cannot be shown again.
    pub token: String,
    /// The sign-up page with the invite filled in: `<origin>/register?invite=<token>`.
    pub url: String,
    pub expires_at: Timestamp,
    /// The only address that may use it; null for anyone.
    pub email: Option<String>,
}

/// Where an invite stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum InviteStatus {
    /// Can still be used.
    Pending,
    Used,
    Revoked,
    Expired,
}

impl InviteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Used => "used",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
}

/// `GET /api/v1/admin/invites`: one invite, never its token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Invite {
    pub id: Uuid,
    /// The only address that may use it; null for anyone.
    pub email: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub status: InviteStatus,
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

#[server(prefix = "/sfn")]
pub async fn get_invites() -> Result<Vec<Invite>, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.admin_invites(&user).await
}

/// The Admin page's invite form: an empty email means anyone; the expiry comes from a menu.
#[server(prefix = "/sfn")]
pub async fn create_invite(
    email: Option<String>,
    expires_in_days: Option<String>,
) -> Result<CreatedInvite, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    let expires_in_days = match expires_in_days.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(days) => Some(days.parse().map_err(|_| {
            AppError::new(
                422,
                "Validation failed",
                "The expiry must be a whole number of days",
            )
        })?),
    };
    let request = CreateInviteRequest {
        email: email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty()),
        expires_in_days,
    };
    backend.admin_create_invite(&user, request, &parts).await
}

#[server(prefix = "/sfn")]
pub async fn revoke_invite(id: String) -> Result<(), AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    let id = super::parse_id(&id, "Invite")?;
    backend.admin_revoke_invite(&user, id, &parts).await
}
