//! `GET /api/v1/profile/usage?days=N` and `GET /api/v1/profile/audit`.
use crate::http::error::ApiResult;
use axum::{extract::State, Json};
use serde::Deserialize;
use types::usage::{AuditEntry, UsageSummary};
use types::ErrorBody;

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_usage, get_audit))]
pub struct Doc;

use super::{extractors::ApiQuery, ApiRoute};
use hirekey_core::{
    audit, error::ServiceError, services::usage, session::AuthUser, state::AppState,
};

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::get("/v1/profile/usage", get_usage),
        ApiRoute::get("/v1/profile/audit", get_audit),
    ]
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UsageQuery {
    /// How many days back, 1 to 365; 30 when absent.
    #[param(minimum = 1, maximum = 365)]
    days: Option<u32>,
}

impl UsageQuery {
    /// The window asked for, within the bounds the document declares.
    pub(crate) fn days(&self) -> ApiResult<u32> {
        match self.days {
            None => Ok(30),
            Some(days @ 1..=365) => Ok(days),
            Some(_) => {
                Err(ServiceError::Validation("days must be between 1 and 365".into()).into())
            }
        }
    }
}

/// The caller's AI usage
///
/// Calls, errors, tokens and latency of the last `days` days, per day and by key source,
/// provider, model and feature, with the personal key's last seen rate-limit headroom.
#[utoipa::path(get, path = "/api/v1/profile/usage", tag = "usage",
    params(UsageQuery),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The usage summary", body = UsageSummary),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "days is outside 1 to 365", body = ErrorBody),
    ))]
async fn get_usage(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> ApiResult<Json<UsageSummary>> {
    Ok(Json(usage::summary(&state, user.id, q.days()?).await?))
}

/// The caller's key activity
///
/// Key events (created, replaced, tested, enabled, disabled, expired, deleted), newest first,
/// at most 200. They never hold a key.
#[utoipa::path(get, path = "/api/v1/profile/audit", tag = "usage",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Key events, newest first", body = Vec<AuditEntry>),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn get_audit(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(audit::list(&state.db, user.id, 200).await?))
}
