//! Monthly budgets: a user's on their own keys (`/api/v1/profile/budget`), an owner's on the
//! team key (`/api/v1/workspaces/{id}/budget`) and the admin's on a user's use of the system
//! key (`/api/v1/admin/users/{id}/budget`). Each answers the limit and the month's spend.
use axum::{extract::State, Json};
use hirekey_core::{
    services::{admin::Admin, budgets},
    session::{AuthUser, Member},
    state::AppState,
};
use types::usage::{BudgetSetting, BudgetUpdate};
use types::ErrorBody;

use super::{
    extractors::{path_id, ApiJson, ApiPath},
    ApiRoute,
};
use crate::http::error::ApiResult;

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(get_personal, put_personal, get_team, put_team, get_system, put_system))]
pub struct Doc;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::get("/v1/profile/budget", get_personal),
        ApiRoute::put("/v1/profile/budget", put_personal),
        ApiRoute::get("/v1/workspaces/{id}/budget", get_team),
        ApiRoute::put("/v1/workspaces/{id}/budget", put_team),
        ApiRoute::get("/v1/admin/users/{id}/budget", get_system),
        ApiRoute::put("/v1/admin/users/{id}/budget", put_system),
    ]
}

/// My budget for my own keys
///
/// The monthly limit on what calls on the caller's personal keys may cost (`null`: none), and
/// this month's spend on them.
#[utoipa::path(get, path = "/api/v1/profile/budget", tag = "usage",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The budget and this month's spend", body = BudgetSetting),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn get_personal(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<BudgetSetting>> {
    Ok(Json(budgets::personal(&state, &user).await?))
}

/// Set my budget for my own keys
///
/// `{"monthly_usd": 5.00}`; `null` removes it. At 80 % a warning is given; at 100 % calls on
/// the caller's own keys are refused with 402 before anything is sent, until the month ends or
/// the budget is raised (which also lets analyses waiting on it run).
#[utoipa::path(put, path = "/api/v1/profile/budget", tag = "usage",
    request_body = BudgetUpdate,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The budget after the change", body = BudgetSetting),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "monthly_usd is not a number of dollars from 0 to 1,000,000", body = ErrorBody),
    ))]
async fn put_personal(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<BudgetUpdate>,
) -> ApiResult<Json<BudgetSetting>> {
    Ok(Json(
        budgets::set_personal(&state, &user, req.monthly_usd).await?,
    ))
}

/// The team key's budget
///
/// Any member may read it.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/budget", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The budget and this month's spend on the team key", body = BudgetSetting),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
    ))]
async fn get_team(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<BudgetSetting>> {
    let id = path_id(&id, "Workspace")?;
    Ok(Json(budgets::team(&state, &member, id).await?))
}

/// Set the team key's budget
///
/// Owners only. `null` removes it.
#[utoipa::path(put, path = "/api/v1/workspaces/{id}/budget", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    request_body = BudgetUpdate,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The budget after the change", body = BudgetSetting),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller is not an owner of the workspace", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
        (status = 422, description = "monthly_usd is not a number of dollars from 0 to 1,000,000", body = ErrorBody),
    ))]
async fn put_team(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<BudgetUpdate>,
) -> ApiResult<Json<BudgetSetting>> {
    let id = path_id(&id, "Workspace")?;
    Ok(Json(
        budgets::set_team(&state, &member, id, req.monthly_usd).await?,
    ))
}

/// A user's budget on the system key
///
/// Admins only.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}/budget", tag = "admin",
    params(("id" = Uuid, Path, description = "The user's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The budget and this month's spend on the system key", body = BudgetSetting),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ))]
async fn get_system(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<BudgetSetting>> {
    let id = path_id(&id, "User")?;
    Ok(Json(budgets::system(&state, &admin, id).await?))
}

/// Set a user's budget on the system key
///
/// Admins only. `null` removes it.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/budget", tag = "admin",
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body = BudgetUpdate,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The budget after the change", body = BudgetSetting),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 422, description = "monthly_usd is not a number of dollars from 0 to 1,000,000", body = ErrorBody),
    ))]
async fn put_system(
    State(state): State<AppState>,
    admin: Admin,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<BudgetUpdate>,
) -> ApiResult<Json<BudgetSetting>> {
    let id = path_id(&id, "User")?;
    Ok(Json(
        budgets::set_system(&state, &admin, id, req.monthly_usd).await?,
    ))
}
