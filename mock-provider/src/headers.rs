//! Reading a request's headers, and the Groq-style rate-limit headers every answer carries.
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};

use crate::{REQUEST_LIMIT, TOKEN_LIMIT};

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

pub(crate) fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    header_str(headers, name)?.parse().ok()
}

pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = header_str(headers, header::AUTHORIZATION.as_str())?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// Groq-style rate-limit headers, sent on every provider answer.
pub(crate) fn rate_limit_headers(remaining_requests: u32, tokens_used: u64) -> HeaderMap {
    let pairs = [
        ("x-ratelimit-limit-requests", REQUEST_LIMIT.to_string()),
        (
            "x-ratelimit-remaining-requests",
            remaining_requests.to_string(),
        ),
        ("x-ratelimit-limit-tokens", TOKEN_LIMIT.to_string()),
        (
            "x-ratelimit-remaining-tokens",
            TOKEN_LIMIT.saturating_sub(tokens_used).to_string(),
        ),
        ("x-ratelimit-reset-requests", "2m59.56s".to_owned()),
        ("x-ratelimit-reset-tokens", "7.66s".to_owned()),
    ];
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        // All values are ASCII digits or fixed ASCII text, so they always parse.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    headers
}
