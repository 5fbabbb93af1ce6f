//! Who is calling, read from a request's parts: the one session check that REST routes (through
//! `server`'s `AuthUser` extractor) and server functions (through [`super::context`]) share.
//! Sessions are HS256 JWTs in an HttpOnly cookie (browser) or an `Authorization: Bearer` header
//! (API clients); the token's signature and expiry are checked here, its session generation by
//! `hirekey_core::services::sessions`.
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use hirekey_core::{
    config::Config,
    error::ServiceError,
    services::{sessions, workspaces},
    session::{AuthUser, ClientInfo, Member, VerifiedToken, TOKEN_LIFETIME_SECS},
    state::AppState,
};
use http::{header, request::Parts, HeaderMap};

pub const SESSION_COOKIE: &str = "hirekey_session";

/// The caller, if the token is good and its session has not been ended (logout everywhere, a
/// password change): 401 otherwise. A cookie session that changes state must come from this
/// site's origin (`Origin` or `Referer`, scheme included), which stops cross-site request
/// forgery; bearer tokens are not sent by browsers on their own and need no such check.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<AuthUser, ServiceError> {
    let verified = verify_token(parts, state)?;
    sessions::ensure_current(state, verified.user.id, verified.generation).await?;
    Ok(verified.user)
}

/// The header an API client names a workspace with for one request.
pub const WORKSPACE_HEADER: &str = "x-workspace-id";

/// The caller and the workspace the request acts on: the `X-Workspace-Id` header's when given
/// (404 when the caller is not a member, or the value is not an id), else the one they last
/// switched to.
pub async fn authenticate_member(parts: &Parts, state: &AppState) -> Result<Member, ServiceError> {
    let user = authenticate(parts, state).await?;
    let requested = match parts.headers.get(WORKSPACE_HEADER) {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
                .ok_or(ServiceError::NotFound("Workspace"))?,
        ),
        None => None,
    };
    workspaces::resolve(state, user, requested).await
}

/// The request's token, with its signature and expiry checked (not its generation).
fn verify_token(parts: &Parts, state: &AppState) -> Result<VerifiedToken, ServiceError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let text = value.to_str().map_err(|_| ServiceError::Unauthorized)?;
        let token = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
            .ok_or(ServiceError::Unauthorized)?;
        return state.jwt.verify(token.trim());
    }
    let token = session_cookie_value(&parts.headers).ok_or(ServiceError::Unauthorized)?;
    let verified = state.jwt.verify(&token)?;
    if !parts.method.is_safe() && !same_origin(&parts.headers, &state.config) {
        return Err(ServiceError::Forbidden("Cross-site request refused".into()));
    }
    Ok(verified)
}

/// Where the request came from, for the audit trail: the peer address (or, behind a proxy the
/// operator trusts, `X-Forwarded-For`) and the user agent.
pub fn client_info(parts: &Parts, trust_proxy_headers: bool) -> ClientInfo {
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
    ClientInfo { ip, user_agent }
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
    origin_of(&format!("{scheme}://{host}"))
}

/// Whether the request's `Origin` (else `Referer`) is this server's origin, scheme and port
/// included. Neither header, or `null`, is not.
pub fn same_origin(headers: &HeaderMap, config: &Config) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .and_then(origin_of);
    claimed.is_some() && claimed == site_origin(headers, config)
}

/// `scheme://host[:port]` of an absolute http(s) URL, default port dropped, lower-cased; `None`
/// for anything else (`null`, a bare host, another scheme).
pub fn origin_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    Some(url.origin().ascii_serialization())
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

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_are_compared_whole() {
        assert_eq!(
            origin_of("http://127.0.0.1:3000/login?x=1").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(
            origin_of("HTTPS://Hirekey.Example:443/").as_deref(),
            Some("https://hirekey.example")
        );
        // A bare host, `null` and other schemes are no origin at all.
        for bad in [
            "127.0.0.1:3000",
            "null",
            "",
            "file:///etc",
            "ftp://h.example",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }
}
