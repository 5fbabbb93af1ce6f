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
