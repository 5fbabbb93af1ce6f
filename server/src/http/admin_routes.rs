//! `/api/v1/admin/*`: admins only (401 without a session, 403 for everyone else). The handlers
//! only translate HTTP; the work is in `services::admin`.
use crate::http::auth::WebState;
use crate::http::error::{ApiError, ApiResult};
use app::api::session::link_origin;
use axum::{
    extract::{FromRequestParts, State},
    http::{request::Parts, StatusCode},
    Json,
};
use types::ErrorBody;
use types::{
    admin::{AdminAiConfig, AdminSettings, AdminUser, CreateInviteRequest, CreatedInvite, Invite},
    profile::TestAiKeyResponse,
    usage::UsageSummary,
};

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_users,
    get_ai_config,
    test_system_key,
    put_settings,
    get_usage,
    create_invite,
    list_invites,
    revoke_invite
))]
pub struct Doc;

use super::{
    extractors::{path_id, ApiJson, ApiPath, ApiQuery},
    usage_routes::UsageQuery,
    ApiRoute,
};
use hirekey_core::{
    services::{
        admin::{self, Admin},
        invites,
    },
    session::{AuthUser, ClientInfo},
    state::AppState,
};

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::get("/v1/admin/users", list_users),
        ApiRoute::get("/v1/admin/ai-config", get_ai_config),
        ApiRoute::post("/v1/admin/ai-config/test", test_system_key),
        ApiRoute::put("/v1/admin/settings", put_settings),
        ApiRoute::get("/v1/admin/usage", get_usage),
        ApiRoute::post("/v1/admin/invites", create_invite),
        ApiRoute::get("/v1/admin/invites", list_invites),
        ApiRoute::delete("/v1/admin/invites/{id}", revoke_invite),
    ]
}

/// The admin check runs before the body is read, so a non-admin always gets 403.
impl FromRequestParts<WebState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        Ok(admin::require_admin(&state.app, &user).await?)
    }
}

/// List every user
///
/// Each user's id, email, name, admin flag and creation time, and whether they have a personal
/// key for their active provider, with its expiry. Never a key or a key preview.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Every user, oldest first", body = Vec<AdminUser>),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ))]
async fn list_users(
    State(state): State<AppState>,
    admin: Admin,
) -> ApiResult<Json<Vec<AdminUser>>> {
    Ok(Json(admin::list_users(&state, &admin).await?))
}

/// The system AI configuration
///
/// Provider, model, base URL and the masked system key, and whether a personal key is
/// required (by the environment or the run-time setting).
#[utoipa::path(get, path = "/api/v1/admin/ai-config", tag = "admin",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The configuration, the key masked", body = AdminAiConfig),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ))]
async fn get_ai_config(
    State(state): State<AppState>,
    admin: Admin,
) -> ApiResult<Json<AdminAiConfig>> {
    Ok(Json(admin::ai_config(&state, &admin).await?))
}

/// Test the system key
///
/// Calls the system provider's `GET /models` with the system key; no tokens are spent. The
/// outcome is in the body, as for a personal key test.
#[utoipa::path(post, path = "/api/v1/admin/ai-config/test", tag = "admin",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Whether the system key works, and its models", body = TestAiKeyResponse),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ))]
async fn test_system_key(
    State(state): State<AppState>,
    admin: Admin,
    client: ClientInfo,
) -> ApiResult<Json<TestAiKeyResponse>> {
    Ok(Json(admin::test_system_key(&state, &admin, &client).await?))
}

/// Change the key policy
///
/// Stores whether every AI call needs the caller's own key (no system fallback). It applies
/// at once on this instance and within seconds on the others.
#[utoipa::path(put, path = "/api/v1/admin/settings", tag = "admin",
    request_body = AdminSettings,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The configuration with the new policy", body = AdminAiConfig),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "Invalid body", body = ErrorBody),
    ))]
async fn put_settings(
    State(state): State<AppState>,
    admin: Admin,
    client: ClientInfo,
    ApiJson(request): ApiJson<AdminSettings>,
) -> ApiResult<Json<AdminAiConfig>> {
    Ok(Json(
        admin::update_settings(&state, &admin, &client, request).await?,
    ))
}

/// Everyone's AI usage
///
/// All users' calls of the last `days` days (30 when absent), by key source, provider, model,
/// feature and day.
#[utoipa::path(get, path = "/api/v1/admin/usage", tag = "admin",
    params(UsageQuery),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The usage summary of all users", body = UsageSummary),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "days is outside 1 to 365", body = ErrorBody),
    ))]
async fn get_usage(
    State(state): State<AppState>,
    admin: Admin,
    ApiQuery(q): ApiQuery<UsageQuery>,
) -> ApiResult<Json<UsageSummary>> {
    Ok(Json(admin::usage(&state, &admin, q.days()?).await?))
}

/// Create a sign-up invite
///
/// A single-use invite to register (needed once the first account exists, unless the server
/// runs with `HIREKEY_REGISTRATION=open`). `email` binds it to one address; it expires after
/// `expires_in_days` (1 to 90, 7 when absent). The token and the link are shown this once:
/// only the token's SHA-256 is stored.
#[utoipa::path(post, path = "/api/v1/admin/invites", tag = "admin",
    request_body = CreateInviteRequest,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The invite, with its token and link", body = CreatedInvite),
        (status = 400, description = "The body is not valid JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin, or a cookie session from another site", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "An invalid email, or an expiry outside 1 to 90 days", body = ErrorBody),
    ))]
async fn create_invite(
    State(state): State<AppState>,
    admin: Admin,
    client: ClientInfo,
    ApiJson(request): ApiJson<CreateInviteRequest>,
) -> ApiResult<(StatusCode, Json<CreatedInvite>)> {
    let origin = link_origin(&state.config);
    let created = invites::create(&state, &admin, request, &origin, &client).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// List sign-up invites
///
/// The newest 500 invites with their status (`pending`, `used`, `revoked`, `expired`), never
/// their tokens.
#[utoipa::path(get, path = "/api/v1/admin/invites", tag = "admin",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Invites, newest first", body = Vec<Invite>),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    ))]
async fn list_invites(State(state): State<AppState>, admin: Admin) -> ApiResult<Json<Vec<Invite>>> {
    Ok(Json(invites::list(&state, &admin).await?))
}

/// Revoke a sign-up invite
///
/// The invite can no longer be used. Revoking a revoked invite changes nothing; a used one
/// cannot be revoked (409).
#[utoipa::path(delete, path = "/api/v1/admin/invites/{id}", tag = "admin",
    params(("id" = Uuid, Path, description = "The invite's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not an admin, or a cookie session from another site", body = ErrorBody),
        (status = 404, description = "No such invite", body = ErrorBody),
        (status = 409, description = "The invite has been used", body = ErrorBody),
    ))]
async fn revoke_invite(
    State(state): State<AppState>,
    admin: Admin,
    client: ClientInfo,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    invites::revoke(&state, &admin, path_id(&id, "Invite")?, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
