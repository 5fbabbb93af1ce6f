//! The candidate pages' server functions (shapes in `types::candidates`).
use leptos::prelude::*;

pub use types::candidates::*;

use super::AppError;

#[server(prefix = "/sfn")]
pub async fn list_candidates(
    q: Option<String>,
    page: Option<u64>,
    cursor: Option<String>,
) -> Result<CandidatePage, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend
        .list_candidates(
            &user,
            CandidateQuery {
                page,
                per_page: Some(50),
                q,
                cursor,
            },
        )
        .await
}

#[server(prefix = "/sfn")]
pub async fn get_candidate(id: String) -> Result<CandidateDetail, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend
        .get_candidate(&user, super::parse_id(&id, "Candidate")?)
        .await
}

#[server(prefix = "/sfn")]
pub async fn reanalyze_candidate(id: String) -> Result<Candidate, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend
        .reanalyze_candidate(&user, super::parse_id(&id, "Candidate")?)
        .await
}

/// A person confirms a candidate flagged `not_a_resume` is a resume: the flag goes. Without
/// JavaScript the browser comes back to the candidate's page.
#[server(prefix = "/sfn")]
pub async fn keep_candidate(id: String) -> Result<(), AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    let candidate = super::parse_id(&id, "Candidate")?;
    backend.keep_candidate(&user, candidate).await?;
    leptos_axum::redirect(&format!("/candidates/{candidate}"));
    Ok(())
}

#[server(prefix = "/sfn")]
pub async fn delete_candidate(id: String) -> Result<(), AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend
        .delete_candidate(&user, super::parse_id(&id, "Candidate")?)
        .await?;
    leptos_axum::redirect("/candidates");
    Ok(())
}
