//! Sessions: HS256 JWTs in an HttpOnly cookie (browser) or an `Authorization: Bearer` header
//! (API clients), and the `AuthUser` extractor every protected route takes.
use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts, HeaderMap},
};

use crate::{
    config::Config,
    error::ServiceError,
    services::sessions,
    session::{AuthUser, ClientInfo, JwtKeys, VerifiedToken, TOKEN_LIFETIME_SECS},
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

/// Reads and verifies a request's token (signature and expiry; the session generation is
/// checked by [`authenticate`] and the server-function adapter). A cookie session that
/// changes state must come from this site's origin (`Origin` or `Referer`, scheme included),
/// which stops cross-site request forgery; bearer tokens are not sent by browsers on their own
/// and need no such check. (`http::guard` applies the same rule to every request first.)
pub fn authenticate_parts(
    parts: &Parts,
    jwt: &JwtKeys,
    config: &Config,
) -> Result<VerifiedToken, ServiceError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let text = value.to_str().map_err(|_| ServiceError::Unauthorized)?;
        let token = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
            .ok_or(ServiceError::Unauthorized)?;
        return jwt.verify(token.trim());
    }
    let token = session_cookie_value(&parts.headers).ok_or(ServiceError::Unauthorized)?;
    let verified = jwt.verify(&token)?;
    if !parts.method.is_safe() && !same_origin(&parts.headers, config) {
        return Err(ServiceError::Forbidden("Cross-site request refused".into()));
    }
    Ok(verified)
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
    if let Err(ServiceError::Unauthorized) = authenticate(&parts, &state).await {
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

/// The caller, if the token is good and its session has not been ended (logout everywhere, a
/// password change): 401 otherwise.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<AuthUser, ServiceError> {
    let verified = authenticate_parts(parts, &state.jwt, &state.config)?;
    sessions::ensure_current(state, verified.user.id, verified.generation).await?;
    Ok(verified.user)
}

/// The origin of the links Hirekey hands out (an invite's URL): `HIREKEY_PUBLIC_URL`, else the
/// listen address (`https` when the session cookie is `Secure`). Never the request's `Host`,
/// which the client (or a proxy that passes it on) chooses.
pub fn link_origin(config: &Config) -> String {
    config.public_url.clone().unwrap_or_else(|| {
        let scheme = if config.cookie_secure {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", config.site_addr)
    })
}

/// This server's origin (`https://hirekey.example`): `HIREKEY_PUBLIC_URL` when it is set.
/// Otherwise as the request's client sees it: the `Host` header, and `https` when the session
/// cookie is `Secure`; behind a proxy the operator trusts (`HIREKEY_TRUST_PROXY_HEADERS`),
/// `X-Forwarded-Proto` and `X-Forwarded-Host` win. `None` without a usable host.
pub fn site_origin(headers: &HeaderMap, config: &Config) -> Option<String> {
    if let Some(public) = &config.public_url {
        return Some(public.clone());
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let forwarded = |name: &str| {
        if config.trust_proxy_headers {
            header(name)
        } else {
            None
        }
    };
    let scheme = forwarded("x-forwarded-proto")
        .filter(|p| p == "http" || p == "https")
        .unwrap_or_else(|| {
            if config.cookie_secure {
                "https"
            } else {
                "http"
            }
            .to_owned()
        });
    let host = forwarded("x-forwarded-host")
        .or_else(|| header(header::HOST.as_str()))
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })?;
    super::guard::origin_of(&format!("{scheme}://{host}"))
}

/// Whether the request's `Origin` (else `Referer`) is this server's origin, scheme and port
/// included. Neither header, or `null`, is not.
pub fn same_origin(headers: &HeaderMap, config: &Config) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(super::guard::origin_of);
    claimed.is_some() && claimed == site_origin(headers, config)
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
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
        authenticate(parts, state).await
    }
}
