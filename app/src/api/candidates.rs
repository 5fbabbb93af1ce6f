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
