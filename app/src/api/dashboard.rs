//! The Dashboard's server function (shapes in `types::dashboard`).
use leptos::prelude::*;

pub use types::dashboard::*;

use super::AppError;

#[server(prefix = "/sfn")]
pub async fn get_dashboard() -> Result<DashboardSummary, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.dashboard(&user).await
}
