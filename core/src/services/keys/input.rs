//! Reading and checking the parts of a key request (provider, custom base URL, model, expiry)
//! and where a provider is called; shared by personal keys, the team key and the live test.
use chrono::{DateTime, Duration, Utc};

use crate::{
    error::{ServiceError, ServiceResult},
    providers::{Provider, UrlSource},
    state::AppState,
};

pub(super) fn parse_provider(raw: Option<&str>, fallback: Provider) -> ServiceResult<Provider> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => Provider::parse(p).map_err(ServiceError::from),
        None => Ok(fallback),
    }
}

pub(super) fn check_base_url(
    provider: Provider,
    base_url: Option<&str>,
) -> ServiceResult<Option<String>> {
    if provider != Provider::Custom {
        return Ok(None);
    }
    let url = base_url
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ServiceError::Validation(
                "A custom provider needs its base URL, e.g. http://127.0.0.1:11434/v1".into(),
            )
        })?;
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| ServiceError::Validation("The base URL is not a valid URL".into()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ServiceError::Validation(
            "The base URL must start with http:// or https://".into(),
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.query().is_some() {
        return Err(ServiceError::Validation(
            "Put the key in the key field, not in the URL".into(),
        ));
    }
    Ok(Some(url.trim_end_matches('/').to_owned()))
}

/// A base URL in the form two spellings of it are compared in: as the URL parser writes it
/// (scheme and host in lower case, default port dropped), without trailing slashes.
pub(super) fn comparable_url(url: &str) -> String {
    let url = url.trim();
    match reqwest::Url::parse(url) {
        Ok(parsed) => parsed.as_str().trim_end_matches('/').to_owned(),
        Err(_) => url.trim_end_matches('/').to_owned(),
    }
}

/// A stored key is sent only to the base URL it was saved for: naming another one needs the
/// key again, so that whoever holds the session cannot send the key to a server of their
/// choosing.
pub(super) fn require_key_for_new_url(
    stored_url: Option<&str>,
    requested: Option<&str>,
) -> ServiceResult<()> {
    let Some(requested) = requested.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(());
    };
    let same = stored_url.is_some_and(|saved| comparable_url(saved) == comparable_url(requested));
    if same {
        Ok(())
    } else {
        Err(ServiceError::Validation(
            "The stored key was saved for another base URL; enter the API key again to use it with this one"
                .into(),
        ))
    }
}

/// Where a provider is called: the configured URL, else the user's own (a custom provider's),
/// which the outbound policy guards.
pub(super) fn base_url_for(
    state: &AppState,
    provider: Provider,
    custom: Option<&str>,
) -> ServiceResult<(String, UrlSource)> {
    match state.config.providers.base_url(provider) {
        Some(url) => Ok((url.to_owned(), UrlSource::Operator)),
        None => custom
            .map(|url| (url.to_owned(), UrlSource::User))
            .ok_or_else(|| ServiceError::Validation("A custom provider needs a base URL".into())),
    }
}

pub(super) fn resolve_expiry(
    now: DateTime<Utc>,
    expires_at: Option<Option<String>>,
    expires_in_days: Option<u32>,
) -> ServiceResult<Option<Option<DateTime<Utc>>>> {
    if let Some(days) = expires_in_days {
        if days > 3650 {
            return Err(ServiceError::Validation(
                "An expiry can be at most ten years away".into(),
            ));
        }
        return Ok(Some((days > 0).then(|| now + Duration::days(days.into()))));
    }
    match expires_at {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(text)) => {
            let t = DateTime::parse_from_rfc3339(text.trim())
                .map_err(|_| {
                    ServiceError::Validation(
                        "expires_at must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z".into(),
                    )
                })?
                .with_timezone(&Utc);
            if t <= now {
                return Err(ServiceError::Validation(
                    "expires_at must be in the future".into(),
                ));
            }
            Ok(Some(Some(t)))
        }
    }
}

pub(super) fn parse_model(raw: Option<&str>) -> ServiceResult<Option<String>> {
    let model = raw.map(str::trim).filter(|m| !m.is_empty());
    if model.is_some_and(|m| m.len() > 200) {
        return Err(ServiceError::Validation(
            "The model name is too long".into(),
        ));
    }
    Ok(model.map(str::to_owned))
}
