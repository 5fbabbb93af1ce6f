//! A provider's failures as [`ProviderError`]s: transport errors, error statuses (logged with a
//! known error code at most, never the body) and bodies read up to a cap.
use reqwest::StatusCode;

use super::redact::reveals_key;
use crate::{
    error::ProviderError,
    providers::{outbound, Provider},
    vault::Secret,
};

/// A response's body, refused as unreadable past `cap` bytes (read as it arrives, so a huge
/// body is never held whole).
pub(super) async fn read_capped(
    provider: Provider,
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, ProviderError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(provider, &e))?
    {
        if body.len() + chunk.len() > cap {
            return Err(ProviderError::BadResponse(provider));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub(super) fn transport_error(provider: Provider, e: &reqwest::Error) -> ProviderError {
    if outbound::is_blocked(e) {
        ProviderError::BlockedAddress(provider)
    } else if e.is_timeout() {
        ProviderError::Timeout(provider)
    } else {
        ProviderError::Unreachable(provider)
    }
}

/// Maps an error status to a [`ProviderError`]. The body is never logged nor passed on: an
/// upstream may echo the key in it, in any format. The debug log gets the status and the
/// provider's error code, when it is a known one that does not give the key away.
pub(super) async fn check_status(
    provider: Provider,
    model: Option<&str>,
    key: &Secret,
    response: reqwest::Response,
) -> Result<reqwest::Response, ProviderError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|s| s.ceil() as u64);
    let body = response.text().await.unwrap_or_default();
    let code = provider_error_code(&body).filter(|code| !reveals_key(code, key.expose()));
    tracing::debug!(
        provider = provider.as_str(),
        %status,
        code = code.unwrap_or("-"),
        "provider error"
    );
    Err(match (status, model) {
        (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _) => {
            ProviderError::InvalidKey(provider)
        }
        (StatusCode::PAYMENT_REQUIRED, _) => ProviderError::NoCredit(provider),
        (StatusCode::NOT_FOUND, Some(model)) => ProviderError::ModelNotFound {
            provider,
            // The model name is the user's; it is repeated unless it carries the key.
            model: if reveals_key(model, key.expose()) {
                "[redacted]".to_owned()
            } else {
                model.to_owned()
            },
        },
        (StatusCode::TOO_MANY_REQUESTS, _) => ProviderError::RateLimited {
            provider,
            retry_after: retry_after.or_else(|| retry_seconds_from_message(&body)),
        },
        (StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT, _) => {
            ProviderError::Timeout(provider)
        }
        (s, _) => ProviderError::Upstream {
            provider,
            status: s.as_u16(),
        },
    })
}

/// The provider's error code from an OpenAI-style body (`{"error": {"code": ...}}`, else its
/// `type`), as one of the codes providers are known to send, else `other`: never upstream text.
fn provider_error_code(body: &str) -> Option<&'static str> {
    use serde_json::Value;
    let value: Value = serde_json::from_str(body).ok()?;
    let error = value.get("error")?;
    let code = match (error.get("code"), error.get("type")) {
        (Some(Value::Number(n)), _) => n.to_string(),
        (Some(Value::String(s)), _) | (_, Some(Value::String(s))) => s.clone(),
        _ => return None,
    };
    let known = KNOWN_ERROR_CODES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(&code));
    Some(known.copied().unwrap_or("other"))
}

/// The error codes and types OpenAI-compatible providers send.
const KNOWN_ERROR_CODES: &[&str] = &[
    "invalid_api_key",
    "invalid_request_error",
    "authentication_error",
    "permission_error",
    "insufficient_quota",
    "rate_limit_exceeded",
    "model_not_found",
    "model_decommissioned",
    "context_length_exceeded",
    "internal_server_error",
    "server_error",
    "service_unavailable",
    "overloaded_error",
    "api_error",
    "requests",
    "tokens",
    "400",
    "401",
    "402",
    "403",
    "404",
    "408",
    "429",
    "500",
    "502",
    "503",
];

/// Groq says "Please try again in 7.5s" in the message when the header is missing.
fn retry_seconds_from_message(body: &str) -> Option<u64> {
    let at = body.find("try again in ")? + "try again in ".len();
    let number: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse::<f64>().ok().map(|s| s.ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_error_codes_are_logged() {
        let code = |body: &str| provider_error_code(body);
        assert_eq!(
            code(r#"{"error":{"message":"Invalid API Key hk-1","code":"invalid_api_key"}}"#),
            Some("invalid_api_key")
        );
        assert_eq!(code(r#"{"error":{"message":"x","code":402}}"#), Some("402"));
        assert_eq!(
            code(r#"{"error":{"message":"x","type":"internal_server_error"}}"#),
            Some("internal_server_error")
        );
        assert_eq!(
            code(r#"{"error":{"code":"hk-custom-0123456789abcdef"}}"#),
            Some("other")
        );
        assert_eq!(code("Incorrect API key provided: hk-custom-0123"), None);
    }

    #[test]
    fn retry_from_message() {
        assert_eq!(
            retry_seconds_from_message("Please try again in 7.5s."),
            Some(8)
        );
    }
}
