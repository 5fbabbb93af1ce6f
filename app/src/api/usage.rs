//! The usage and audit reports' server functions (shapes in `types::usage`).
use leptos::prelude::*;

pub use types::usage::*;

use super::AppError;

/// My Profile's usage section, rendered (`components/reports.rs`, `components/server_html.rs`).
#[server(prefix = "/sfn")]
pub async fn get_usage_html(days: u32) -> Result<String, AppError> {
    use crate::components::{reports::UsageSummaryView, server_html::render};
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    let usage = backend.usage(&user, days).await?;
    Ok(render(move || leptos::view! { <UsageSummaryView usage /> }))
}

/// My Profile's activity section, rendered.
#[server(prefix = "/sfn")]
pub async fn get_audit_html() -> Result<String, AppError> {
    use crate::components::{reports::AuditLog, server_html::render};
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    let entries = backend.audit(&user).await?;
    Ok(render(move || leptos::view! { <AuditLog entries /> }))
}
