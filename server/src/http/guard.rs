//! What every request passes before its route:
//! - a request that changes state must come from this site: its `Origin` (else `Referer`)
//!   must be this server's origin, scheme included; without either, only an API client's
//!   request passes (no session cookie, or a bearer token), never a server function's;
//! - a request body that stalls for [`BODY_FRAME_TIMEOUT`] is cut off;
//! - requests with a body and without a valid token (sign-in, registration) are read at most
//!   [`ANONYMOUS_BODIES`] at a time, and a server function's body is at most
//!   [`SERVER_FN_BODY_LIMIT`];
//! - text with control characters is refused (422) in a query string or a server function's
//!   arguments (REST bodies are checked by `ApiJson`);
//! - a server function's error is answered with its own status, not 500.
use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use tokio::sync::Semaphore;
use tower_http::timeout::TimeoutBody;

use app::api::session::{same_origin, session_cookie_value};
use hirekey_core::{error::ServiceError, services::text, state::AppState};

/// The path prefix of every server function (`#[server(prefix = "/sfn")]` in `app::api`).
pub const SERVER_FN_PREFIX: &str = "/sfn/";

/// The longest pause allowed between two pieces of a request body.
pub const BODY_FRAME_TIMEOUT: Duration = Duration::from_secs(20);

/// A server function's arguments are a few form fields or a small JSON object.
pub const SERVER_FN_BODY_LIMIT: usize = 256 * 1024;

/// Bodies read at once for callers without a valid token: sign-in and registration forms.
pub const ANONYMOUS_BODIES: usize = 32;

/// How long an anonymous request waits for one of the [`ANONYMOUS_BODIES`] slots.
const ANONYMOUS_WAIT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct Guard {
    state: AppState,
    anonymous: Arc<Semaphore>,
}

impl Guard {
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            anonymous: Arc::new(Semaphore::new(ANONYMOUS_BODIES)),
        }
    }
}

/// The middleware (`axum::middleware::from_fn_with_state`).
pub async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let server_fn = request.uri().path().starts_with(SERVER_FN_PREFIX);
    let refuse = |e: ServiceError| refusal(e, server_fn);
    if !request.method().is_safe() && !from_this_site(request.headers(), &guard, server_fn) {
        return refuse(ServiceError::Forbidden("Cross-site request refused".into()));
    }
    if let Some(query) = request.uri().query() {
        let decoded = url::form_urlencoded::parse(query.as_bytes());
        if let Err(e) = decoded
            .into_iter()
            .try_for_each(|(k, v)| text::refuse_control(&k).and(text::refuse_control(&v)))
        {
            return refuse(e);
        }
    }
    let _slot = if has_body(request.headers()) && !has_valid_token(&request, &guard.state) {
        match tokio::time::timeout(ANONYMOUS_WAIT, guard.anonymous.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Some(slot),
            _ => {
                return refuse(ServiceError::TooManyRequests {
                    message: "The server is busy; try again in a moment".into(),
                    retry_after: 1,
                })
            }
        }
    } else {
        None
    };
    let request = request.map(|body| Body::new(TimeoutBody::new(BODY_FRAME_TIMEOUT, body)));
    if !server_fn {
        return next.run(request).await;
    }
    let request = match checked_server_fn_body(request).await {
        Ok(request) => request,
        Err(e) => return refuse(e),
    };
    with_real_status(next.run(request).await).await
}

/// Whether a request that changes state comes from this site (see the module's doc).
fn from_this_site(headers: &HeaderMap, guard: &Guard, server_fn: bool) -> bool {
    match headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
    {
        Some(_) => same_origin(headers, &guard.state.config),
        // Browsers send `Origin` with every POST, PUT, PATCH and DELETE they make; a request
        // without it is an API client's, which may not ride on a session cookie.
        None => {
            !server_fn
                && (headers.contains_key(header::AUTHORIZATION)
                    || session_cookie_value(headers).is_none())
        }
    }
}

fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|len| len > 0)
}

/// A token whose signature and expiry hold (the session generation is checked by the route):
/// its holder is known, so their body is not an anonymous one.
fn has_valid_token(request: &Request, state: &AppState) -> bool {
    let headers = request.headers();
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
        .or_else(|| session_cookie_value(headers));
    token.is_some_and(|t| state.jwt.verify(&t).is_ok())
}

/// Reads a server function's arguments (at most [`SERVER_FN_BODY_LIMIT`]) and refuses control
/// characters in them; the request goes on with the same bytes.
async fn checked_server_fn_body(request: Request) -> Result<Request, ServiceError> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, SERVER_FN_BODY_LIMIT)
        .await
        .map_err(|_| {
            ServiceError::PayloadTooLarge(
                "The request body is too large, or was not sent in time".into(),
            )
        })?;
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        for (k, v) in url::form_urlencoded::parse(&bytes) {
            text::refuse_control(&k)?;
            text::refuse_control(&v)?;
        }
    } else if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        text::refuse_control_in_json(&value)?;
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Server functions answer every error with 500 and the real status in the body's `status`
/// (`app::api::AppError`); the status line says it too, so a bad key is a 422, not a fault.
async fn with_real_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Body::empty()).into_response();
    };
    #[derive(serde::Deserialize)]
    struct Status {
        status: u16,
    }
    if let Ok(Status { status }) = serde_json::from_slice(&bytes) {
        if let Ok(status) = StatusCode::from_u16(status) {
            if status.is_client_error() || status.is_server_error() {
                parts.status = status;
            }
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The refusal in the caller's shape: a server function's client reads `status` too.
fn refusal(error: ServiceError, server_fn: bool) -> Response {
    if !server_fn {
        return super::error::ApiError(error).into_response();
    }
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        Json(app::api::AppError::new(
            status.as_u16(),
            error.kind(),
            error.to_string(),
        )),
    )
        .into_response();
    if let Some(seconds) = error.retry_after() {
        if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}
