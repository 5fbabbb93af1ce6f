//! The candidate page's "Personal data" section: keep the candidate until a date (with a
//! reason), remove that date, and erase the candidate behind a typed confirmation. Plain forms
//! posting here, as the rest of the hiring sections; the export is a link to the REST route
//! (`GET /api/v1/candidates/{id}/export`). The view is in `privacy_view`.
use leptos::prelude::*;

use super::AppError;

/// What the erase form wants typed, so a stray click erases nothing.
pub const ERASE_WORD: &str = "ERASE";

#[server(prefix = "/sfn")]
pub async fn candidate_keep(
    candidate_id: String,
    keep_until: String,
    reason: String,
) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    super::act::run(&path, async {
        let (call, member) = crate::api::context::member().await?;
        let id = crate::api::parse_id(&candidate_id, "Candidate")?;
        // A date field's value: the candidate is kept through that whole day (UTC).
        let until = chrono::NaiveDate::parse_from_str(keep_until.trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .map(|t| t.and_utc())
            .ok_or_else(|| {
                AppError::new(
                    422,
                    "Validation failed",
                    "Choose the date to keep the candidate until",
                )
            })?;
        let kept = hirekey_core::services::privacy::retention::keep_until(
            &call.state,
            &member,
            id,
            types::privacy::KeepUntil {
                keep_until: until.into(),
                reason,
            },
        )
        .await?;
        let date = kept
            .keep_until
            .map(|t| t.0.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        Ok((
            format!("/candidates/{id}"),
            format!("Kept until {date}."),
            Some("personal-data".to_owned()),
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn candidate_keep_clear(candidate_id: String) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    super::act::run(&path, async {
        let (call, member) = crate::api::context::member().await?;
        let id = crate::api::parse_id(&candidate_id, "Candidate")?;
        hirekey_core::services::privacy::retention::clear_keep_until(&call.state, &member, id)
            .await?;
        Ok((
            format!("/candidates/{id}"),
            "The workspace's retention period applies again.".to_owned(),
            Some("personal-data".to_owned()),
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn candidate_erase(candidate_id: String, confirm: String) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    super::act::run(&path, async {
        let (call, member) = crate::api::context::member().await?;
        let id = crate::api::parse_id(&candidate_id, "Candidate")?;
        if confirm.trim() != ERASE_WORD {
            return Err(AppError::new(
                422,
                "Validation failed",
                format!("Type {ERASE_WORD} to confirm the erasure; nothing was erased"),
            ));
        }
        hirekey_core::services::privacy::erase::erase(&call.state, &member, &call.client(), id)
            .await?;
        Ok((
            "/candidates".to_owned(),
            "The candidate was erased, with their files, notes, applications, screening results and processing log; chat answers that named them now say [erased candidate].".to_owned(),
            None,
        ))
    })
    .await
}
