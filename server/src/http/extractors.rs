//! Extractors whose rejections speak Hirekey's JSON error shape.
use crate::http::error::ApiError;
use axum::{
    body::Bytes,
    extract::{rejection::JsonRejection, FromRequest, FromRequestParts, Request},
    http::{request::Parts, StatusCode},
};
use serde::de::DeserializeOwned;

use hirekey_core::{error::ServiceError, services::text};

/// `axum::Json`, with malformed JSON, a wrong content type or an oversized body answered as
/// 400/415/413 JSON errors, and a string holding a control character as 422. Every request body Hirekey reads is a JSON object, so anything else
/// (an array, a number) is refused rather than read field by field.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ServiceError::UnsupportedMediaType(
                "Send the body as JSON with Content-Type: application/json".into(),
            )
            .into());
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ServiceError::PayloadTooLarge("The request body is too large".into())
            } else {
                ServiceError::BadRequest(rejection.body_text())
            }
        })?;
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {}
            Some(_) => {
                return Err(ServiceError::Validation(
                    "Invalid request body: it must be a JSON object".into(),
                )
                .into())
            }
            None => {
                return Err(
                    ServiceError::BadRequest("The request body is not valid JSON".into()).into(),
                )
            }
        }
        // Control characters are refused in any string before the body is read as `T`
        // (`services::text`); malformed JSON is left to `T`'s reader, which says where.
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            text::refuse_control_in_json(&value)?;
        }
        axum::Json::<T>::from_bytes(&bytes)
            .map(|axum::Json(value)| Self(value))
            .map_err(|e| json_rejection(e).into())
    }
}

/// `application/json` or any `+json` type, as axum's own `Json` accepts.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn json_rejection(rejection: JsonRejection) -> ServiceError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ServiceError::UnsupportedMediaType(
            "Send the body as JSON with Content-Type: application/json".into(),
        ),
        JsonRejection::JsonDataError(e) => {
            ServiceError::Validation(format!("Invalid request body: {}", e.body_text()))
        }
        JsonRejection::JsonSyntaxError(_) => {
            ServiceError::BadRequest("The request body is not valid JSON".into())
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ServiceError::PayloadTooLarge("The request body is too large".into())
        }
        other => ServiceError::BadRequest(other.body_text()),
    }
}

/// `axum::extract::Path` with a JSON 400 on bad input (for example a malformed id).
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(|e| ServiceError::BadRequest(e.body_text()).into())
    }
}

/// An id from a path that is kept as text so that a malformed one answers 404 like an unknown
/// one (`/conversations/not-an-id` names nothing).
pub fn path_id(raw: &str, what: &'static str) -> Result<uuid::Uuid, ServiceError> {
    uuid::Uuid::parse_str(raw.trim()).map_err(|_| ServiceError::NotFound(what))
}

/// `axum::extract::Query` with a JSON 400 on bad input.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Self(v))
            .map_err(|e| ServiceError::BadRequest(e.body_text()).into())
    }
}
