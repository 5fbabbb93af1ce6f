//! The Dashboard: candidate counts by analysis status (one aggregate query), the five most
//! recent candidates, the key an AI call would use now and the week's usage.
use std::collections::HashMap;

use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use types::{
    candidates::AnalysisStatus,
    dashboard::{CandidateCounts, DashboardSummary, RecentCandidate},
    profile::KeySource,
};
use uuid::Uuid;

use super::{chat, keys, usage};
use crate::{
    entities::{candidates, resumes},
    error::ServiceResult,
    session::Member,
    state::AppState,
};

/// How many recent candidates the Dashboard lists.
const RECENT: u64 = 5;

#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn summary(state: &AppState, auth: &Member) -> ServiceResult<DashboardSummary> {
    let counts = counts(state, auth.workspace_id).await?;
    let recent = recent(state, auth.workspace_id).await?;
    let key = chat::key_status(state, auth).await?;
    let settings = keys::settings(state, auth.id).await?;
    // The expiry matters when the personal key is in use, or was until it expired.
    let personal = key.key_source == Some(KeySource::Personal) || settings.expired;
    let usage = usage::summary(state, auth.id, 7).await?;
    Ok(DashboardSummary {
        counts,
        recent,
        key,
        key_expires_at: settings.expires_at.filter(|_| personal),
        key_expired: personal && settings.expired,
        key_expires_soon: personal && settings.expires_soon,
        usage,
    })
}

/// One `GROUP BY analysis_status` over the workspace's candidates.
async fn counts(state: &AppState, workspace: Uuid) -> ServiceResult<CandidateCounts> {
    let rows: Vec<(String, i64)> = candidates::Entity::find()
        .select_only()
        .column(candidates::Column::AnalysisStatus)
        .column_as(Expr::col(candidates::Column::Id).count(), "n")
        .filter(candidates::Column::WorkspaceId.eq(workspace))
        .group_by(candidates::Column::AnalysisStatus)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut counts = CandidateCounts::default();
    for (status, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        counts.total += n;
        match AnalysisStatus::from_stored(&status) {
            AnalysisStatus::Done => counts.analysed += n,
            AnalysisStatus::Failed => counts.failed += n,
            AnalysisStatus::Pending => counts.pending += n,
        }
    }
    Ok(counts)
}

type RecentRow = (
    Uuid,
    Option<String>,
    Option<String>,
    String,
    String,
    chrono::DateTime<chrono::Utc>,
);

/// The newest candidates, without their resume text; the file name stands in for a name the
/// analysis has not found (yet).
async fn recent(state: &AppState, workspace: Uuid) -> ServiceResult<Vec<RecentCandidate>> {
    let rows: Vec<RecentRow> = candidates::Entity::find()
        .select_only()
        .columns([
            candidates::Column::Id,
            candidates::Column::Name,
            candidates::Column::CurrentTitle,
            candidates::Column::Skills,
            candidates::Column::AnalysisStatus,
            candidates::Column::CreatedAt,
        ])
        .filter(candidates::Column::WorkspaceId.eq(workspace))
        .order_by_desc(candidates::Column::CreatedAt)
        .order_by_desc(candidates::Column::Id)
        .limit(RECENT)
        .into_tuple()
        .all(&state.db)
        .await?;
    let unnamed: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.1.as_deref().is_none_or(|n| n.trim().is_empty()))
        .map(|r| r.0)
        .collect();
    let file_names: HashMap<Uuid, String> = if unnamed.is_empty() {
        HashMap::new()
    } else {
        resumes::Entity::find()
            .select_only()
            .columns([resumes::Column::CandidateId, resumes::Column::FileName])
            .filter(resumes::Column::CandidateId.is_in(unnamed))
            .into_tuple::<(Uuid, String)>()
            .all(&state.db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|(id, name, title, skills, status, created_at)| {
            let name = name
                .filter(|n| !n.trim().is_empty())
                .or_else(|| file_names.get(&id).cloned())
                .unwrap_or_else(|| "Unnamed candidate".to_owned());
            RecentCandidate {
                id: id.to_string(),
                name,
                current_title: title.filter(|t| !t.trim().is_empty()),
                skills: serde_json::from_str(&skills).unwrap_or_default(),
                analysis_status: AnalysisStatus::from_stored(&status).as_str().to_owned(),
                created_at: created_at.into(),
            }
        })
        .collect())
}
