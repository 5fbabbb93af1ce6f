//! Each form's work, then the redirect back to the page.
use hirekey_core::error::ServiceError;

use super::AppError;

/// Where a form goes back to, with `key=value` in the query.
pub(super) fn back(key: &str, value: &str) {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(key, value)
        .finish();
    leptos_axum::redirect(&format!("/team?{query}"));
}

/// Runs a form's work: success goes back with `notice`, failure with the error's message.
pub(super) async fn run<F>(notice: &str, work: F) -> Result<(), AppError>
where
    F: std::future::Future<Output = Result<(), AppError>>,
{
    match work.await {
        Ok(()) => back("notice", notice),
        Err(e) if e.status == 401 => return Err(e),
        Err(e) => back("error", &e.message),
    }
    Ok(())
}

pub(super) fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

pub(super) fn service(e: ServiceError) -> AppError {
    e.into()
}

/// Saves or changes the team key of the workspace the form names.
pub(super) async fn update_key(
    workspace_id: &str,
    request: types::workspaces::UpdateTeamAiSettings,
) -> Result<(), AppError> {
    let (call, member) = super::super::context::member().await?;
    let id = super::super::parse_id(workspace_id, "Workspace")?;
    hirekey_core::services::keys::team::update(&call.state, &member, id, request, &call.client())
        .await?;
    Ok(())
}
