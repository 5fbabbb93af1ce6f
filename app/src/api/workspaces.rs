//! The layout's workspace bar: whether the caller's role lets them work (the navigation offers
//! Upload and AI Chat only then) and the workspace switcher, rendered by the server so the
//! pages' WASM carries neither its view nor the workspace shapes (`components/server_html.rs`
//! explains the pattern). The REST routes, in `server`, cover the rest of workspaces.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::services::workspaces;

/// What the layout needs of the caller's workspaces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceBar {
    /// Uploads and AI calls are open to the caller's role in the current workspace.
    pub can_work: bool,
    /// The switcher's HTML, for members of more than one workspace.
    pub switcher: Option<String>,
}

#[server(prefix = "/sfn")]
pub async fn get_workspace_bar() -> Result<WorkspaceBar, AppError> {
    let (call, member) = super::context::member().await?;
    let list = workspaces::list(&call.state, &member).await?;
    let switcher = (list.workspaces.len() > 1)
        .then(|| crate::components::server_html::render(move || switcher_view(list.workspaces)));
    Ok(WorkspaceBar {
        can_work: member.role.can_work(),
        switcher,
    })
}

/// A plain form: it posts without WASM, and the server function answers with a redirect.
#[cfg(feature = "ssr")]
fn switcher_view(list: Vec<types::workspaces::Workspace>) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    let options = list
        .into_iter()
        .map(|w| {
            let label = if w.personal {
                format!("{} (personal)", w.name)
            } else {
                w.name
            };
            view! { <option value=w.id.to_string() selected=w.current>{label}</option> }
        })
        .collect_view();
    view! {
        <form method="post" action=SwitchWorkspace::url() class="workspace-switcher inline"
            data-testid="workspace-switcher">
            <label for="workspace-select" class="visually-hidden">"Workspace"</label>
            <select id="workspace-select" name="workspace_id">{options}</select>
            <button type="submit" class="link-button">"Switch"</button>
        </form>
    }
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
