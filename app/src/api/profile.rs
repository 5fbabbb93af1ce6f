//! The Profile page's server functions (shapes in `types::profile`).
use leptos::prelude::*;

pub use types::profile::*;

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::services::{guide, keys};

#[server(prefix = "/sfn")]
pub async fn get_ai_settings() -> Result<PersonalAiSettings, AppError> {
    let (call, user) = super::context::signed_in().await?;
    Ok(keys::settings(&call.state, user.id).await?)
}

/// My Profile's "Current Status" section, rendered (`components/reports.rs`).
#[server(prefix = "/sfn")]
pub async fn get_key_status_html() -> Result<String, AppError> {
    use crate::components::{reports::KeyStatus, server_html::render};
    let settings = get_ai_settings().await?;
    Ok(render(move || leptos::view! { <KeyStatus settings /> }))
}

/// The banners across the app, rendered (`components/reports.rs` `Banners`): a budget of the
/// key the user's calls use that is 80 % or more spent, and a personal key that has expired or
/// expires soon. Empty when there is nothing to say.
#[cfg(feature = "ssr")]
pub(crate) async fn banners_html(
    state: &hirekey_core::state::AppState,
    member: &hirekey_core::session::Member,
) -> Result<String, AppError> {
    use crate::components::{reports::Banners, server_html::render};
    let settings = keys::settings(state, member.id).await?;
    let budget = hirekey_core::services::ai::budget_banner(state, member).await?;
    if budget.is_none() && !settings.expired && !settings.expires_soon {
        return Ok(String::new());
    }
    Ok(render(
        move || leptos::view! { <Banners settings budget /> },
    ))
}

/// My Profile's setup guide for a provider, rendered (`components/reports.rs`).
#[server(prefix = "/sfn")]
pub async fn get_setup_guide_html(provider: Option<String>) -> Result<String, AppError> {
    use crate::components::{reports::GuideBody, server_html::render};
    let (call, _) = super::context::signed_in().await?;
    let guide = guide::for_request(&call.state.config.providers, provider.as_deref())?;
    Ok(render(move || leptos::view! { <GuideBody guide /> }))
}

/// The Profile form's Save: one call carries the whole form, so it works without WASM.
#[server(prefix = "/sfn")]
pub async fn save_ai_settings(
    provider: String,
    api_key: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    use_personal_ai_key: Option<String>,
    expires_in_days: Option<String>,
) -> Result<PersonalAiSettings, AppError> {
    let (call, user) = super::context::signed_in().await?;
    let non_empty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let expires_in_days = match non_empty(expires_in_days).as_deref() {
        None | Some("keep") => None,
        Some("never") => Some(0),
        Some(days) => Some(days.parse::<u32>().map_err(|_| {
            AppError::new(422, "Invalid expiry", "Choose never, 1, 7, 30 or 90 days")
        })?),
    };
    let request = UpdatePersonalAiSettings {
        api_key: non_empty(api_key),
        use_personal_ai_key: Some(use_personal_ai_key.is_some_and(|v| v == "on" || v == "true")),
        provider: Some(provider),
        model: non_empty(model),
        base_url: non_empty(base_url),
        expires_at: None,
        expires_in_days,
    };
    Ok(keys::update(&call.state, &user, request, &call.client()).await?)
}

#[server(prefix = "/sfn")]
pub async fn test_ai_key(
    provider: String,
    api_key: String,
    base_url: Option<String>,
) -> Result<TestAiKeyResponse, AppError> {
    let (call, user) = super::context::signed_in().await?;
    let request = TestAiKeyRequest {
        api_key,
        provider: Some(provider),
        base_url: base_url.filter(|s| !s.trim().is_empty()),
    };
    Ok(keys::test(&call.state, &user, request, &call.client()).await?)
}

#[server(prefix = "/sfn")]
pub async fn remove_ai_key(provider: Option<String>) -> Result<PersonalAiSettings, AppError> {
    let (call, user) = super::context::signed_in().await?;
    Ok(keys::delete(
        &call.state,
        &user,
        (provider.filter(|p| !p.is_empty())).as_deref(),
        &call.client(),
    )
    .await?)
}
