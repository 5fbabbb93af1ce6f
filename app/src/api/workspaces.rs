//! The header's workspace switcher (shapes in `types::workspaces`; the REST routes, in
//! `server`, cover the rest of workspaces).
use leptos::prelude::*;

pub use types::workspaces::*;

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::services::workspaces;

/// The caller's workspaces, the current one marked.
#[server(prefix = "/sfn")]
pub async fn list_workspaces() -> Result<WorkspaceList, AppError> {
    let (call, member) = super::context::member().await?;
    Ok(workspaces::list(&call.state, &member).await?)
}

/// Makes `workspace_id` the current workspace, then shows its Dashboard (a page of the other
/// workspace's would not be found in this one).
#[server(prefix = "/sfn")]
pub async fn switch_workspace(workspace_id: String) -> Result<(), AppError> {
    let (call, user) = super::context::signed_in().await?;
    let id = super::parse_id(&workspace_id, "Workspace")?;
    workspaces::switch(&call.state, &user, id).await?;
    leptos_axum::redirect("/");
    Ok(())
}
