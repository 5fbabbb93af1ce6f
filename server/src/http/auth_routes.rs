//! `/api/v1/auth/*`.
use crate::http::error::ApiResult;
use app::api::session::{clear_cookie_header, session_cookie_header};
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use types::auth::{AuthResponse, ChangePasswordRequest, LoginRequest, RegisterRequest, UserDto};
use types::ErrorBody;

use super::{extractors::ApiJson, schemas::MessageResponse};
use hirekey_core::{
    services::users::{self, NewAccount},
    session::{AuthUser, ClientInfo},
    state::AppState,
};

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(register, login, logout, logout_all, change_password, me))]
pub struct Doc;

fn with_session(status: StatusCode, state: &AppState, token: String, user: &AuthUser) -> Response {
    let cookie = session_cookie_header(&token, state.config.cookie_secure);
    let body = AuthResponse {
        token,
        user: user.into(),
    };
    (status, [(header::SET_COOKIE, cookie)], Json(body)).into_response()
}

/// Register
///
/// Creates an account (the first one is an admin) and starts a session: the token in the body
/// for API clients, and an HttpOnly session cookie for browsers. With
/// `HIREKEY_REGISTRATION=invite` (the default), every account after the first needs `invite`,
/// an unused, unexpired, unrevoked invite token from an admin (bound to one email address if
/// the admin said so); the registration uses it up, also when the email already has an account
/// (then the answer is a used invite's, which tells an account holder to log in). Attempts are
/// throttled per client address.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and logged in", body = AuthResponse),
        (status = 400, description = "The body is not valid JSON", body = ErrorBody),
        (status = 403, description = "`Invite required`: no invite, or one that is unknown, used (or just spent on an email that has an account), revoked, expired or for another email", body = ErrorBody),
        (status = 409, description = "Open sign-up: the email is already registered", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid email, name or too weak a password", body = ErrorBody),
        (status = 429, description = "Too many registration attempts from this address; see Retry-After", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<Response> {
    let (user, token) = users::register(
        &state,
        NewAccount {
            email: &req.email,
            password: req.password,
            name: &req.name,
            invite: req.invite.as_deref(),
        },
        &client,
    )
    .await?;
    Ok(with_session(StatusCode::CREATED, &state, token, &user))
}

/// Log in
///
/// Answers a token and sets the session cookie. Failed attempts are throttled per account and
/// client address (10 in 15 minutes), per address (50 in 15 minutes) and per account from
/// every address (100 in an hour); a successful login counts against none of them.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = AuthResponse),
        (status = 401, description = "Invalid email or password", body = ErrorBody),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let (user, token) = users::login(&state, &req.email, req.password, &client).await?;
    Ok(with_session(StatusCode::OK, &state, token, &user))
}

/// Log out
///
/// Clears the session cookie. A bearer token stays valid until it expires; to end it, and
/// every other session, use `POST /api/v1/auth/logout-all`.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 200, description = "Logged out", body = MessageResponse)))]
pub async fn logout(State(state): State<AppState>) -> Response {
    (
        [(
            header::SET_COOKIE,
            clear_cookie_header(state.config.cookie_secure),
        )],
        Json(MessageResponse {
            message: "Logged out".into(),
        }),
    )
        .into_response()
}

/// Log out everywhere
///
/// Ends every session of the caller, this one included: every token issued so far answers 401
/// from now on (on other instances within 2 seconds), and the session cookie is cleared.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Every session ended", body = MessageResponse),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A cookie session from another site", body = ErrorBody),
    ))]
pub async fn logout_all(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
) -> ApiResult<Response> {
    users::logout_all(&state, &user, &client).await?;
    Ok((
        [(
            header::SET_COOKIE,
            clear_cookie_header(state.config.cookie_secure),
        )],
        Json(MessageResponse {
            message: "Every session has ended; log in again".into(),
        }),
    )
        .into_response())
}

/// Change the password
///
/// Checks `current_password`, applies the registration rules to `new_password` (at least 8
/// characters), stores it and ends every other session of the caller. The answer carries a new
/// token (and sets the session cookie), so the caller stays logged in. A wrong current password
/// is 422, not 401: the session itself is fine. Throttled like login (per user and per
/// address).
#[utoipa::path(put, path = "/api/v1/auth/password", tag = "auth",
    request_body = ChangePasswordRequest,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Changed; the new session", body = AuthResponse),
        (status = 400, description = "The body is not valid JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A cookie session from another site", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "Wrong current password, or a new password that is too weak, too long or unchanged", body = ErrorBody),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> ApiResult<Response> {
    let (user, token) = users::change_password(
        &state,
        &user,
        req.current_password,
        req.new_password,
        &client,
    )
    .await?;
    Ok(with_session(StatusCode::OK, &state, token, &user))
}

/// The current user
///
/// As stored now: a changed name or admin flag shows at once, not at the next login.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The user behind the token or cookie", body = UserDto),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn me(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<UserDto>> {
    let user = users::current(&state, &user).await?;
    Ok(Json((&user).into()))
}
