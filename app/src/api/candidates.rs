//! The candidate pages' server functions (shapes in `types::candidates`).
use leptos::prelude::*;

pub use types::candidates::*;

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::services::resumes;

/// The Candidates page's list: its search, filters and order as in the page's address.
#[server(prefix = "/sfn")]
pub async fn list_candidates(query: CandidateQuery) -> Result<CandidatePage, AppError> {
    let (call, user) = super::context::member().await?;
    let query = CandidateQuery {
        per_page: Some(50),
        ..query
    };
    Ok(resumes::list(&call.state, &user, query).await?)
}

/// The workspace's jobs with their stages, for the list's filters and bulk actions.
#[server(prefix = "/sfn")]
pub async fn job_options() -> Result<Vec<types::hiring::JobOption>, AppError> {
    let (call, user) = super::context::member().await?;
    let list = hirekey_core::services::hiring::list(&call.state, &user).await?;
    Ok(list
        .items
        .into_iter()
        .map(|j| types::hiring::JobOption {
            id: j.id,
            title: j.title,
            stages: j.stages.into_iter().map(|s| s.name).collect(),
        })
        .collect())
}

/// The Candidates page's bulk actions (`action`: `add_to_job`, `move_to_stage`, `delete`).
#[server(prefix = "/sfn")]
pub async fn bulk_candidates(
    action: String,
    ids: Vec<String>,
    job_id: Option<String>,
    stage: Option<String>,
) -> Result<BulkResult, AppError> {
    let (call, user) = super::context::member().await?;
    let action = match action.as_str() {
        "add_to_job" => BulkAction::AddToJob,
        "move_to_stage" => BulkAction::MoveToStage,
        "delete" => BulkAction::Delete,
        _ => return Err(AppError::new(422, "Validation failed", "Unknown action")),
    };
    let ids = ids
        .iter()
        .map(|id| super::parse_id(id, "Candidate"))
        .collect::<Result<Vec<_>, _>>()?;
    let job_id = match job_id.as_deref().map(str::trim).filter(|j| !j.is_empty()) {
        Some(j) => Some(super::parse_id(j, "Job")?),
        None => None,
    };
    let request = BulkRequest {
        action,
        ids,
        job_id,
        stage,
        rejection_reason: None,
    };
    Ok(resumes::bulk(&call.state, &user, request).await?)
}

/// The candidate page's "Correct" form: fields the analysis got wrong. Comes back to the page
/// with a notice, without JavaScript too.
#[server(prefix = "/sfn")]
pub async fn save_corrections(
    id: String,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    current_title: Option<String>,
    location: Option<String>,
) -> Result<(), AppError> {
    let (call, user) = super::context::member().await?;
    let candidate = super::parse_id(&id, "Candidate")?;
    let request = types::candidates::CorrectCandidate {
        name,
        email,
        phone,
        current_title,
        location,
    };
    let back = |key: &str, value: &str| {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(key, value)
            .finish();
        leptos_axum::redirect(&format!("/candidates/{candidate}?{query}"));
    };
    match resumes::correct(&call.state, &user, candidate, request).await {
        Ok(_) => back("notice", "Corrections saved; a new analysis keeps them."),
        Err(e) => {
            let e = AppError::from(e);
            if e.status == 401 {
                return Err(e);
            }
            back("error", &e.message);
        }
    }
    Ok(())
}

#[server(prefix = "/sfn")]
pub async fn get_candidate(id: String) -> Result<CandidateDetail, AppError> {
    let (call, user) = super::context::member().await?;
    Ok(resumes::get(&call.state, &user, super::parse_id(&id, "Candidate")?).await?)
}

#[server(prefix = "/sfn")]
pub async fn reanalyze_candidate(id: String) -> Result<Candidate, AppError> {
    let (call, user) = super::context::member().await?;
    Ok(resumes::reanalyze(&call.state, &user, super::parse_id(&id, "Candidate")?).await?)
}

/// A person confirms a candidate flagged `not_a_resume` is a resume: the flag goes. Without
/// JavaScript the browser comes back to the candidate's page.
#[server(prefix = "/sfn")]
pub async fn keep_candidate(id: String) -> Result<(), AppError> {
    let (call, user) = super::context::member().await?;
    let candidate = super::parse_id(&id, "Candidate")?;
    resumes::keep_as_resume(&call.state, &user, candidate).await?;
    leptos_axum::redirect(&format!("/candidates/{candidate}"));
    Ok(())
}

#[server(prefix = "/sfn")]
pub async fn delete_candidate(id: String) -> Result<(), AppError> {
    let (call, user) = super::context::member().await?;
    resumes::delete(&call.state, &user, super::parse_id(&id, "Candidate")?).await?;
    leptos_axum::redirect("/candidates");
    Ok(())
}
