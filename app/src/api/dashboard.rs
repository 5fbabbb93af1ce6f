//! The Dashboard's server function (shapes in `types::dashboard`).
use leptos::prelude::*;

pub use types::dashboard::*;

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::services::dashboard;

#[server(prefix = "/sfn")]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    let (call, user) = super::context::member().await?;
    Ok(dashboard::summary(&call.state, &user).await?)
}
