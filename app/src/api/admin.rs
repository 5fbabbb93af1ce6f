//! The Admin page's server functions (shapes in `types::admin`).
use leptos::prelude::*;

pub use types::admin::*;

use super::AppError;
use types::{profile::TestAiKeyResponse, usage::UsageSummary};

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
