//! The usage and audit reports' server functions (shapes in `types::usage`).
use leptos::prelude::*;

pub use types::usage::*;

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::{audit, services::usage};

/// My Profile's usage section, rendered (`components/reports.rs`, `components/server_html.rs`).
#[server(prefix = "/sfn")]
pub async fn get_usage_html(days: u32) -> Result<String, AppError> {
    use crate::components::{reports::UsageSummaryView, server_html::render};
    let (call, user) = super::context::signed_in().await?;
    let usage = usage::summary(&call.state, user.id, days)
        .await
        .map_err(hirekey_core::error::ServiceError::from)?;
    Ok(render(move || leptos::view! { <UsageSummaryView usage /> }))
}

/// My Profile's activity section, rendered.
#[server(prefix = "/sfn")]
pub async fn get_audit_html() -> Result<String, AppError> {
    use crate::components::{reports::AuditLog, server_html::render};
    let (call, user) = super::context::signed_in().await?;
    let entries = audit::list(&call.state.db, user.id, 200)
        .await
        .map_err(hirekey_core::error::ServiceError::from)?;
    Ok(render(move || leptos::view! { <AuditLog entries /> }))
}

/// My Profile's budget and balance: the budget on the caller's own keys and the month's spend,
/// the OpenRouter key's credit, and the last rate-limit headroom a provider reported.
#[server(prefix = "/sfn")]
pub async fn get_budget_html() -> Result<String, AppError> {
    use crate::components::{reports::BudgetView, server_html::render};
    use hirekey_core::services::{budgets, keys};
    let (call, user) = super::context::signed_in().await?;
    let setting = budgets::personal(&call.state, &user).await?;
    let credit = keys::openrouter_credit(&call.state, user.id).await?;
    let usage = usage::summary(&call.state, user.id, 1)
        .await
        .map_err(hirekey_core::error::ServiceError::from)?;
    let headroom = usage.headroom;
    Ok(render(move || {
        leptos::view! { <BudgetView setting credit headroom /> }
    }))
}

/// Sets the monthly budget on the caller's own keys, in dollars; empty removes it.
#[server(prefix = "/sfn")]
pub async fn set_budget(monthly_usd: String) -> Result<(), AppError> {
    let (call, user) = super::context::signed_in().await?;
    let text = monthly_usd.trim().trim_start_matches('$').trim();
    let monthly = if text.is_empty() {
        None
    } else {
        Some(text.parse::<f64>().map_err(|_| {
            AppError::new(
                422,
                "Validation failed",
                "A budget is a number of dollars, such as 5 or 12.50; leave it empty for none",
            )
        })?)
    };
    hirekey_core::services::budgets::set_personal(&call.state, &user, monthly).await?;
    Ok(())
}

/// Orders the fallback across the caller's saved keys (a plain form of up to three choices;
/// empty choices are left out, none turns fallback off).
#[server(prefix = "/sfn")]
pub async fn set_fallback_order(
    first: Option<String>,
    second: Option<String>,
    third: Option<String>,
) -> Result<(), AppError> {
    let (call, user) = super::context::signed_in().await?;
    let providers = [first, second, third]
        .into_iter()
        .flatten()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    hirekey_core::services::keys::set_fallback(
        &call.state,
        &user,
        types::profile::FallbackOrder { providers },
    )
    .await?;
    Ok(())
}
