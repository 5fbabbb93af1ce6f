//! The candidate pages' server functions (shapes in `types::candidates`).
use leptos::prelude::*;

pub use types::candidates::*;

use super::AppError;
#[cfg(feature = "ssr")]
use hirekey_core::services::resumes;

#[server(prefix = "/sfn")]
pub async fn list_candidates(
    q: Option<String>,
    page: Option<u64>,
    cursor: Option<String>,
) -> Result<CandidatePage, AppError> {
    let (call, user) = super::context::member().await?;
    Ok(resumes::list(
        &call.state,
        &user,
        CandidateQuery {
            page,
            per_page: Some(50),
            q,
            cursor,
        },
    )
    .await?)
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
