//! Fields the analysis got wrong, corrected by a person: a template's "YOUR NAME HERE", a
//! missing email. The correction is stored apart from the analysis (`candidates.corrections`),
//! laid over every later analysis (`apply`, from `analysis::store_outcome`), and on the
//! timeline.
use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, Set};
use types::candidates::{Candidate, CorrectCandidate, ResumeAnalysis};
use uuid::Uuid;

use super::{analysis_json, find_owned, not_found_if_gone, resume_facts, search_text, to_dto};
use crate::{
    error::{ServiceError, ServiceResult},
    services::{
        busy,
        hiring::{
            events::{self, Event, EventKind},
            keys,
        },
    },
    session::Member,
    state::AppState,
};

/// The fields a person may correct, as named in `CorrectCandidate` and the stored JSON.
const FIELDS: [&str; 5] = ["name", "email", "phone", "current_title", "location"];

fn slot<'a>(analysis: &'a mut ResumeAnalysis, field: &str) -> Option<&'a mut Option<String>> {
    match field {
        "name" => Some(&mut analysis.name),
        "email" => Some(&mut analysis.email),
        "phone" => Some(&mut analysis.phone),
        "current_title" => Some(&mut analysis.current_title),
        "location" => Some(&mut analysis.location),
        _ => None,
    }
}

/// Lays stored corrections over an analysis (`""` means "none").
pub fn apply(analysis: &mut ResumeAnalysis, corrections: Option<&str>) {
    let Some(json) = corrections else { return };
    let map: BTreeMap<String, String> = serde_json::from_str(json).unwrap_or_default();
    for (field, value) in map {
        if let Some(slot) = slot(analysis, &field) {
            *slot = (!value.is_empty()).then_some(value);
        }
    }
}

/// `PATCH /api/v1/candidates/{id}`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn correct(
    state: &AppState,
    member: &Member,
    id: Uuid,
    req: CorrectCandidate,
) -> ServiceResult<Candidate> {
    member.ensure_can_work()?;
    let given = [
        ("name", req.name, 200),
        ("email", req.email, 320),
        ("phone", req.phone, 50),
        ("current_title", req.current_title, 200),
        ("location", req.location, 200),
    ];
    let mut changes: BTreeMap<String, String> = BTreeMap::new();
    for (field, value, max) in given {
        let Some(value) = value else { continue };
        let value = value.trim().to_owned();
        if value.chars().count() > max {
            return Err(ServiceError::Validation(format!(
                "{field} must be at most {max} characters"
            )));
        }
        if field == "email" && !value.is_empty() && keys::email_key(&value).is_none() {
            return Err(ServiceError::Validation(
                "email must be an email address".into(),
            ));
        }
        changes.insert(field.to_owned(), value);
    }
    if changes.is_empty() {
        return Err(ServiceError::Validation(format!(
            "name at least one field to correct: {}",
            FIELDS.join(", ")
        )));
    }
    let candidate = find_owned(state, member, id).await?;
    let mut analysis: ResumeAnalysis = candidate
        .analysis
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    // Only what differs from the analysis is a correction: a form sends every field, and a
    // field left as the analysis read it must follow the next analysis.
    changes.retain(|field, value| {
        slot(&mut analysis, field).is_some_and(|current| current.as_deref().unwrap_or("") != value)
    });
    if changes.is_empty() {
        let facts = resume_facts(state, &[id]).await?;
        return Ok(to_dto(super::CandidateRow::from(candidate), facts.first()));
    }
    let mut stored: BTreeMap<String, String> = candidate
        .corrections
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default();
    stored.extend(changes.clone());
    let stored_json =
        serde_json::to_string(&stored).map_err(|e| ServiceError::Internal(e.into()))?;
    apply(&mut analysis, Some(&stored_json));
    let text = super::resume_text(state, id).await?;
    let now = state.clock.now();
    let mut active: crate::entities::candidates::ActiveModel = candidate.into();
    active.name = Set(analysis.name.clone());
    active.email = Set(analysis.email.clone());
    active.current_title = Set(analysis.current_title.clone());
    active.analysis = Set(Some(analysis_json(&analysis)?));
    active.search_text = Set(search_text(&analysis, &text));
    active.email_key = Set(analysis.email.as_deref().and_then(keys::email_key));
    active.phone_key = Set(analysis.phone.as_deref().and_then(keys::phone_key));
    active.name_key = Set(analysis.name.as_deref().and_then(keys::name_key));
    active.corrections = Set(Some(stored_json));
    active.updated_at = Set(now);
    let fields = changes.keys().cloned().collect::<Vec<_>>().join(", ");
    let txn = busy::begin_write(&state.db).await?;
    let updated = active.update(&txn).await.map_err(not_found_if_gone)?;
    let mut detail: Vec<(&str, String)> = vec![("fields", fields)];
    for (field, value) in &changes {
        if let Some(name) = FIELDS.iter().find(|f| **f == field.as_str()) {
            detail.push((name, value.clone()));
        }
    }
    events::record(
        &txn,
        Event {
            workspace_id: member.workspace_id,
            candidate_id: id,
            actor_id: Some(member.id),
            kind: EventKind::Corrected,
            detail: &detail,
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    let facts = resume_facts(state, &[id]).await?;
    Ok(to_dto(super::CandidateRow::from(updated), facts.first()))
}
