//! `/api/v1/auth/*`.
use app::api::auth::{AuthResponse, LoginRequest, RegisterRequest, UserDto};
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

use super::{
    auth::{clear_cookie_header, session_cookie_header},
    extract::ApiJson,
    openapi::{ErrorBody, MessageResponse},
};
use crate::{
    error::ServiceResult,
    services::users,
    session::{AuthUser, ClientInfo},
    state::AppState,
};

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
/// for API clients, and an HttpOnly session cookie for browsers.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered and logged in", body = AuthResponse),
        (status = 409, description = "The email is already registered", body = ErrorBody),
        (status = 422, description = "Invalid email, name or too weak a password", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ServiceResult<Response> {
    let (user, token) = users::register(&state, &req.email, req.password, &req.name).await?;
    Ok(with_session(StatusCode::CREATED, &state, token, &user))
}

/// Log in
///
/// Answers a token and sets the session cookie. Failed attempts are throttled.
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
) -> ServiceResult<Response> {
    let (user, token) = users::login(&state, &req.email, req.password, &client).await?;
    Ok(with_session(StatusCode::OK, &state, token, &user))
}

/// Log out
///
/// Clears the session cookie. A bearer token stays valid until it expires.
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

/// The current user
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The user behind the token or cookie", body = UserDto),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn me(user: AuthUser) -> Json<UserDto> {
    Json((&user).into())
}
