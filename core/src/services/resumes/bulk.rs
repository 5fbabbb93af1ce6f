//! Acting on many candidates at once from the Candidates page: add them to a job, move their
//! applications in a job to a stage, delete them; and export them as CSV. Each candidate is
//! done on its own, so one that fails (already in the job, gone meanwhile) stops nothing and
//! is reported with its reason.
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use types::{
    candidates::{BulkAction, BulkFailure, BulkRequest, BulkResult, ResumeAnalysis},
    hiring::MoveApplication,
};
use uuid::Uuid;

use crate::{
    entities::{applications, candidates},
    error::{ServiceError, ServiceResult},
    services::hiring::applications as apps,
    session::Member,
    state::AppState,
};

/// Candidates one bulk action or export takes.
pub const MAX_BULK: usize = 500;

/// `POST /api/v1/candidates/bulk`.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn bulk(
    state: &AppState,
    member: &Member,
    req: BulkRequest,
) -> ServiceResult<BulkResult> {
    member.ensure_can_work()?;
    if req.ids.is_empty() || req.ids.len() > MAX_BULK {
        return Err(ServiceError::Validation(format!(
            "ids must name 1 to {MAX_BULK} candidates"
        )));
    }
    let needs_job = matches!(req.action, BulkAction::AddToJob | BulkAction::MoveToStage);
    let job = match (needs_job, req.job_id) {
        (true, None) => {
            return Err(ServiceError::Validation(
                "job_id is required for this action".into(),
            ))
        }
        (_, job) => job,
    };
    if req.action == BulkAction::MoveToStage
        && req.stage.as_deref().is_none_or(|s| s.trim().is_empty())
    {
        return Err(ServiceError::Validation(
            "stage is required to move to a stage".into(),
        ));
    }
    if let Some(job) = job {
        // An unknown job is one error, not one per candidate.
        crate::services::hiring::get(state, member, job).await?;
    }
    let mut ids = req.ids.clone();
    ids.sort();
    ids.dedup();
    let mut result = BulkResult::default();
    for id in ids {
        let outcome = match req.action {
            BulkAction::AddToJob => match job {
                Some(job) => apps::add(state, member, job, id).await.map(|_| ()),
                None => Ok(()),
            },
            BulkAction::MoveToStage => move_one(state, member, job, id, &req).await,
            BulkAction::Delete => super::delete(state, member, id).await,
        };
        match outcome {
            Ok(()) => result.done += 1,
            Err(ServiceError::Internal(e)) => return Err(ServiceError::Internal(e)),
            Err(ServiceError::Unavailable) => return Err(ServiceError::Unavailable),
            Err(e) => result.failed.push(BulkFailure {
                id,
                message: e.to_string(),
            }),
        }
    }
    Ok(result)
}

async fn move_one(
    state: &AppState,
    member: &Member,
    job: Option<Uuid>,
    candidate: Uuid,
    req: &BulkRequest,
) -> ServiceResult<()> {
    let Some(job) = job else { return Ok(()) };
    let application = applications::Entity::find()
        .filter(applications::Column::JobId.eq(job))
        .filter(applications::Column::CandidateId.eq(candidate))
        .filter(applications::Column::WorkspaceId.eq(member.workspace_id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ServiceError::Conflict("This candidate is not in that job".into()))?;
    apps::move_to(
        state,
        member,
        application.id,
        MoveApplication {
            stage: req.stage.clone().unwrap_or_default(),
            rejection_reason: req.rejection_reason.clone(),
            stage_version: None,
        },
    )
    .await?;
    Ok(())
}

/// A CSV cell: quoted, with a leading `=`, `+`, `-`, `@`, tab or carriage return defused by an
/// apostrophe, so a spreadsheet never runs a formula from a resume.
fn cell(value: &str) -> String {
    let defused = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

/// `GET /api/v1/candidates/export?ids=...`: the candidates' analysed fields as CSV, in the
/// order asked; ids of no candidate of the workspace are left out.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn export_csv(state: &AppState, member: &Member, ids: &[Uuid]) -> ServiceResult<String> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(ServiceError::Validation(format!(
            "ids must name 1 to {MAX_BULK} candidates"
        )));
    }
    let rows = candidates::Entity::find()
        .filter(candidates::Column::WorkspaceId.eq(member.workspace_id))
        .filter(candidates::Column::Id.is_in(ids.iter().copied()))
        .all(&state.db)
        .await?;
    let mut out = String::from(
        "id,name,email,phone,location,current_title,seniority,years_experience,skills,analysis_status,created_at\r\n",
    );
    for id in ids {
        let Some(c) = rows.iter().find(|c| c.id == *id) else {
            continue;
        };
        let a: ResumeAnalysis = c
            .analysis
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default();
        let fields = [
            c.id.to_string(),
            a.name.unwrap_or_default(),
            a.email.unwrap_or_default(),
            a.phone.unwrap_or_default(),
            a.location.unwrap_or_default(),
            a.current_title.unwrap_or_default(),
            a.seniority.unwrap_or_default(),
            a.years_experience
                .map(|y| y.to_string())
                .unwrap_or_default(),
            a.skills.join("; "),
            c.analysis_status.clone(),
            types::time::format_rfc3339(&c.created_at, false),
        ];
        out.push_str(&fields.iter().map(|f| cell(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_quotes_doubled() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("Ana"), "\"Ana\"");
        assert_eq!(cell("-1"), "\"'-1\"");
    }
}
