//! Sessions: HS256 JWTs in an HttpOnly cookie (browser) or an `Authorization: Bearer` header
//! (API clients), and the `AuthUser` extractor every protected route takes.
use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts, Method},
};

use crate::{
    error::ServiceError,
    session::{AuthUser, ClientInfo, JwtKeys, TOKEN_LIFETIME_SECS},
    state::AppState,
};

pub const SESSION_COOKIE: &str = "hirekey_session";

impl ClientInfo {
    pub fn from_parts(parts: &Parts, trust_proxy_headers: bool) -> Self {
        let forwarded = trust_proxy_headers
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(',').next())
                    .map(|v| v.trim().to_owned())
            })
            .flatten();
        let ip = forwarded.or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_string())
        });
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(300).collect());
        Self { ip, user_agent }
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = ServiceError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts, state.config.trust_proxy_headers))
    }
}

/// Authenticates a request. A cookie session that changes state must come from this origin
/// (Origin or Referer), which stops cross-site request forgery; bearer tokens are not sent
/// by browsers on their own and need no such check.
pub fn authenticate_parts(parts: &Parts, jwt: &JwtKeys) -> Result<AuthUser, ServiceError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let text = value.to_str().map_err(|_| ServiceError::Unauthorized)?;
        let token = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
            .ok_or(ServiceError::Unauthorized)?;
        return jwt.verify(token.trim());
    }
    let token = session_cookie(parts).ok_or(ServiceError::Unauthorized)?;
    let user = jwt.verify(&token)?;
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) && !same_origin(parts)
    {
        return Err(ServiceError::Forbidden("Cross-site request refused".into()));
    }
    Ok(user)
}

fn session_cookie(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

fn same_origin(parts: &Parts) -> bool {
    let Some(host) = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let source = parts
        .headers
        .get(header::ORIGIN)
        .or_else(|| parts.headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match source {
        Some(url) => {
            let without_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
            let authority = without_scheme.split('/').next().unwrap_or("");
            authority.eq_ignore_ascii_case(host)
        }
        None => false,
    }
}

pub fn session_cookie_header(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={TOKEN_LIFETIME_SECS}{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie_header(secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ServiceError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate_parts(parts, &state.jwt)
    }
}
