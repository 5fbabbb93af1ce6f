//! `GET /api/v1/profile/usage?days=N` and `GET /api/v1/profile/audit`.
use app::api::usage::{AuditEntry, UsageSummary};
use axum::{extract::State, routing::get, Json, Router};
use serde::Deserialize;

use super::{auth::AuthUser, error::ApiResult, extract::ApiQuery};
use crate::{
    services::{audit, usage},
    state::AppState,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/profile/usage", get(get_usage))
        .route("/v1/profile/audit", get(get_audit))
}

#[derive(Deserialize)]
struct UsageQuery {
    days: Option<u32>,
}

async fn get_usage(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> ApiResult<Json<UsageSummary>> {
    Ok(Json(
        usage::summary(&state, user.id, q.days.unwrap_or(30)).await?,
    ))
}

async fn get_audit(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(audit::list(&state.db, user.id, 200).await?))
}
