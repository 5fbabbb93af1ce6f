//! The REST API's side of sessions: the `AuthUser` and `ClientInfo` extractors (the session
//! check itself is `app::api::session::authenticate`, which server functions call too), the
//! router's state, and the redirect of a signed-out browser to the login page.
use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts},
};
use hirekey_core::{
    error::ServiceError,
    session::{AuthUser, ClientInfo, Member},
    state::AppState,
};
use leptos::prelude::LeptosOptions;

use super::error::ApiError;
use app::api::session;

/// The router's state: the services' `AppState` and the options Leptos renders pages with.
/// Handlers take `State<AppState>`.
#[derive(Clone)]
pub struct WebState {
    pub app: AppState,
    pub leptos: LeptosOptions,
}

impl FromRef<WebState> for AppState {
    fn from_ref(state: &WebState) -> Self {
        state.app.clone()
    }
}

impl FromRef<WebState> for LeptosOptions {
    fn from_ref(state: &WebState) -> Self {
        state.leptos.clone()
    }
}

impl FromRequestParts<WebState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        Ok(session::authenticate(parts, &state.app).await?)
    }
}

impl FromRequestParts<WebState> for Member {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        Ok(session::authenticate_member(parts, &state.app).await?)
    }
}

impl FromRequestParts<WebState> for ClientInfo {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        Ok(session::client_info(
            parts,
            state.app.config.trust_proxy_headers,
        ))
    }
}

/// A signed-out browser asking for a signed-in page (`app::needs_sign_in`) goes to the login
/// page, with the page it asked for as `next`, before anything is rendered: with or without
/// JavaScript it comes back there after logging in. A database fault is left to the page.
pub async fn login_first(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if request.method() != axum::http::Method::GET || !app::needs_sign_in(request.uri().path()) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    if let Err(ServiceError::Unauthorized) = session::authenticate(&parts, &state).await {
        let asked = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let location = match app::words::local_path(asked) {
            Some(page) if page != "/" => format!("/login?next={}", app::words::encode(page)),
            _ => "/login".to_owned(),
        };
        return (
            axum::http::StatusCode::SEE_OTHER,
            [(header::LOCATION, location)],
        )
            .into_response();
    }
    next.run(axum::extract::Request::from_parts(parts, body))
        .await
}
