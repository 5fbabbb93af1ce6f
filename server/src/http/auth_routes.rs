//! `/api/v1/auth/*`.
use app::api::auth::{AuthResponse, LoginRequest, RegisterRequest, UserDto};
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use super::{
    auth::{clear_cookie_header, session_cookie_header, AuthUser, ClientInfo},
    error::ApiResult,
    extract::ApiJson,
};
use crate::{services::users, state::AppState};

fn with_session(status: StatusCode, state: &AppState, token: String, user: &AuthUser) -> Response {
    let cookie = session_cookie_header(&token, state.config.cookie_secure);
    let body = AuthResponse {
        token,
        user: user.into(),
    };
    (status, [(header::SET_COOKIE, cookie)], Json(body)).into_response()
}

pub async fn register(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> ApiResult<Response> {
    let (user, token) = users::register(&state, &req.email, req.password, &req.name).await?;
    Ok(with_session(StatusCode::CREATED, &state, token, &user))
}

pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<Response> {
    let (user, token) = users::login(&state, &req.email, req.password, &client).await?;
    Ok(with_session(StatusCode::OK, &state, token, &user))
}

pub async fn logout(State(state): State<AppState>) -> Response {
    (
        [(
            header::SET_COOKIE,
            clear_cookie_header(state.config.cookie_secure),
        )],
        Json(json!({"message": "Logged out"})),
    )
        .into_response()
}

pub async fn me(user: AuthUser) -> Json<UserDto> {
    Json((&user).into())
}
