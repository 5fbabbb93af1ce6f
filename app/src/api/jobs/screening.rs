//! AI screening on the Job page and the candidate page: the job's criteria (saved, or drafted
//! by the model and then edited), starting a run (blind or not), its progress and cancelling
//! it, and a screening held for review confirmed. Plain forms posting here, as the rest of the
//! hiring pages; the Job page's script only polls a running run's progress
//! ([`screening_progress`]). The views are in `screening_view`.
use leptos::prelude::*;

use super::AppError;

/// A running run's progress for the Job page's bar: (finished, total, state).
#[server(prefix = "/sfn")]
pub async fn screening_progress(run_id: String) -> Result<(i32, i32, String), AppError> {
    let (call, member) = crate::api::context::member().await?;
    let id = crate::api::parse_id(&run_id, "Screening")?;
    let p = hirekey_core::services::screening::runs::progress(&call.state, &member, id).await?;
    Ok((
        p.done + p.failed + p.cancelled,
        p.total,
        p.state.as_str().to_owned(),
    ))
}

/// The criteria editor's rows: `text[i]` with `kind[i]`; empty rows are left out.
#[server(prefix = "/sfn")]
pub async fn criteria_save(
    job_id: String,
    #[server(default)] text: Vec<String>,
    #[server(default)] kind: Vec<String>,
) -> Result<(), AppError> {
    use types::screening::{CriteriaList, Criterion, CriterionKind};
    let path = format!("/jobs/{}", job_id.trim());
    super::act::run(&path, async {
        let (call, member) = crate::api::context::member().await?;
        let id = crate::api::parse_id(&job_id, "Job")?;
        let criteria = text
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.trim().is_empty())
            .map(|(i, t)| Criterion {
                text: t.clone(),
                kind: match kind.get(i).map(String::as_str) {
                    Some("nice") => CriterionKind::Nice,
                    _ => CriterionKind::Must,
                },
            })
            .collect();
        let saved = hirekey_core::services::screening::put_criteria(
            &call.state,
            &member,
            id,
            CriteriaList { criteria },
        )
        .await?;
        Ok((
            format!("/jobs/{id}"),
            format!("{} criteria saved.", saved.criteria.len()),
            Some("screening".to_owned()),
        ))
    })
    .await
}

/// "Draft with AI": the model's proposal comes back in the editor (`draft` in the query),
/// unsaved.
#[server(prefix = "/sfn")]
pub async fn criteria_draft(job_id: String) -> Result<(), AppError> {
    let path = format!("/jobs/{}", job_id.trim());
    let (call, member) = crate::api::context::member().await?;
    let id = crate::api::parse_id(&job_id, "Job")?;
    match hirekey_core::services::screening::draft_criteria(&call.state, &member, id).await {
        Ok(draft) => {
            let lines: Vec<String> = draft
                .criteria
                .iter()
                .map(|c| format!("{}|{}", c.kind.as_str(), c.text))
                .collect();
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("draft", &lines.join("\n"))
                .append_pair(
                    "notice",
                    "The model proposed these criteria. Edit them, then save.",
                )
                .finish();
            leptos_axum::redirect(&format!("{path}?{query}#screening"));
            Ok(())
        }
        Err(e) => {
            let e = AppError::from(e);
            if e.status == 401 {
                return Err(e);
            }
            super::act::back(&path, "error", &e.message, Some("screening"));
            Ok(())
        }
    }
}

#[server(prefix = "/sfn")]
pub async fn screening_start(job_id: String, blind: Option<String>) -> Result<(), AppError> {
    let path = format!("/jobs/{}", job_id.trim());
    super::act::run(&path, async {
        let (call, member) = crate::api::context::member().await?;
        let id = crate::api::parse_id(&job_id, "Job")?;
        let request = types::screening::StartScreening {
            application_ids: None,
            blind: blind.is_some(),
        };
        let started =
            hirekey_core::services::screening::runs::start(&call.state, &member, id, request)
                .await?;
        let cost = started
            .estimate
            .cost_usd
            .map(|usd| format!(", about ${usd:.4}"))
            .unwrap_or_default();
        Ok((
            format!("/jobs/{id}"),
            format!(
                "Screening {} applicants (about {} tokens{cost}).",
                started.total, started.estimate.tokens
            ),
            Some("screening".to_owned()),
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn screening_cancel(job_id: String, run_id: String) -> Result<(), AppError> {
    let path = format!("/jobs/{}", job_id.trim());
    super::act::run(&path, async {
        let (call, member) = crate::api::context::member().await?;
        let run = crate::api::parse_id(&run_id, "Screening")?;
        hirekey_core::services::screening::runs::cancel(&call.state, &member, run).await?;
        Ok((
            path.clone(),
            "Screening cancelled: no further applicant is sent.".to_owned(),
            Some("screening".to_owned()),
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn screening_confirm(
    candidate_id: String,
    application_id: String,
) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    super::act::run(&path, async {
        let (call, member) = crate::api::context::member().await?;
        let id = crate::api::parse_id(&application_id, "Application")?;
        hirekey_core::services::screening::confirm(&call.state, &member, id).await?;
        Ok((
            path.clone(),
            "Screening confirmed: its score now ranks.".to_owned(),
            Some("screening".to_owned()),
        ))
    })
    .await
}
