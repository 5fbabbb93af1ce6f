//! The Admin page's server functions (shapes in `types::admin`).
use leptos::prelude::*;

pub use types::admin::*;

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::services::{admin, invites};
use types::profile::TestAiKeyResponse;

#[server(prefix = "/sfn")]
pub async fn get_admin_users() -> Result<Vec<AdminUser>, AppError> {
    let (call, user) = super::context::signed_in().await?;
    let admin = admin::require_admin(&call.state, &user).await?;
    Ok(admin::list_users(&call.state, &admin).await?)
}

#[server(prefix = "/sfn")]
pub async fn get_admin_ai_config() -> Result<AdminAiConfig, AppError> {
    let (call, user) = super::context::signed_in().await?;
    let admin = admin::require_admin(&call.state, &user).await?;
    Ok(admin::ai_config(&call.state, &admin).await?)
}

#[server(prefix = "/sfn")]
pub async fn test_system_ai_key() -> Result<TestAiKeyResponse, AppError> {
    let (call, user) = super::context::signed_in().await?;
    let admin = admin::require_admin(&call.state, &user).await?;
    Ok(admin::test_system_key(&call.state, &admin, &call.client()).await?)
}

/// The Admin page's policy form: an unchecked checkbox is absent, so it works without WASM.
#[server(prefix = "/sfn")]
pub async fn save_admin_settings(
    require_personal_key: Option<String>,
) -> Result<AdminAiConfig, AppError> {
    let (call, user) = super::context::signed_in().await?;
    let settings = AdminSettings {
        require_personal_key: require_personal_key.is_some_and(|v| v == "on" || v == "true"),
    };
    let admin = admin::require_admin(&call.state, &user).await?;
    Ok(admin::update_settings(&call.state, &admin, &call.client(), settings).await?)
}

/// The admin page's usage section, rendered (`components/reports.rs` `AdminUsage`).
#[server(prefix = "/sfn")]
pub async fn get_admin_usage_html(days: u32) -> Result<String, AppError> {
    use crate::components::{reports::AdminUsage, server_html::render};
    let (call, user) = super::context::signed_in().await?;
    let admin = admin::require_admin(&call.state, &user).await?;
    let usage = admin::usage(&call.state, &admin, days).await?;
    Ok(render(move || leptos::view! { <AdminUsage usage /> }))
}

#[server(prefix = "/sfn")]
pub async fn get_invites() -> Result<Vec<Invite>, AppError> {
    let (call, user) = super::context::signed_in().await?;
    let admin = admin::require_admin(&call.state, &user).await?;
    Ok(invites::list(&call.state, &admin).await?)
}

/// The Admin page's invite form: an empty email means anyone; the expiry comes from a menu.
#[server(prefix = "/sfn")]
pub async fn create_invite(
    email: Option<String>,
    expires_in_days: Option<String>,
) -> Result<CreatedInvite, AppError> {
    let (call, user) = super::context::signed_in().await?;
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
    let admin = admin::require_admin(&call.state, &user).await?;
    Ok(invites::create(
        &call.state,
        &admin,
        request,
        &super::session::link_origin(&call.state.config),
        &call.client(),
    )
    .await?)
}

#[server(prefix = "/sfn")]
pub async fn revoke_invite(id: String) -> Result<(), AppError> {
    let (call, user) = super::context::signed_in().await?;
    let id = super::parse_id(&id, "Invite")?;
    let admin = admin::require_admin(&call.state, &user).await?;
    Ok(invites::revoke(&call.state, &admin, id, &call.client()).await?)
}

/// Sets a user's monthly budget on the system key (a plain form on the admin page; empty
/// removes it), then goes back to the page.
#[server(prefix = "/sfn")]
pub async fn set_user_budget(user_id: String, monthly_usd: Option<String>) -> Result<(), AppError> {
    let (call, user) = super::context::signed_in().await?;
    let admin = admin::require_admin(&call.state, &user).await?;
    let id = super::parse_id(&user_id, "User")?;
    let monthly = monthly_usd
        .map(|t| t.trim().trim_start_matches('$').trim().to_owned())
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<f64>().map_err(|_| {
                AppError::new(
                    422,
                    "Validation failed",
                    "A budget is a number of dollars, such as 5 or 12.50, or empty for none",
                )
            })
        })
        .transpose()?;
    hirekey_core::services::budgets::set_system(&call.state, &admin, id, monthly).await?;
    leptos_axum::redirect("/admin#users");
    Ok(())
}
