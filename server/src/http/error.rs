//! How a `ServiceError` is answered over HTTP: its status code, the short `error` kind and the
//! `{"error": "...", "message": "..."}` body (REST and server functions alike).
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use types::ErrorBody;

use crate::{error::ServiceError, providers::ProviderError};

impl ServiceError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::InviteRequired(_) | Self::ApiKeyRequired { .. } => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Provider(p) => match p {
                ProviderError::InvalidKey(_)
                | ProviderError::ModelNotFound { .. }
                | ProviderError::BlockedAddress(_) => StatusCode::UNPROCESSABLE_ENTITY,
                ProviderError::NoCredit(_) => StatusCode::PAYMENT_REQUIRED,
                ProviderError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                ProviderError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::BAD_GATEWAY,
            },
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The short `error` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "Bad request",
            Self::Unauthorized | Self::InvalidCredentials => "Unauthorized",
            Self::Forbidden(_) => "Forbidden",
            Self::NotFound(_) => "Not found",
            Self::Conflict(_) => "Conflict",
            Self::Validation(_) => "Validation failed",
            Self::PayloadTooLarge(_) => "Payload too large",
            Self::UnsupportedMediaType(_) => "Unsupported media type",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::ApiKeyRequired { .. } => "API key required",
            Self::InviteRequired(_) => "Invite required",
            Self::Provider(p) => match p {
                ProviderError::InvalidKey(_) => "Invalid API key",
                ProviderError::NoCredit(_) => "No credit",
                ProviderError::ModelNotFound { .. } => "Model not found",
                ProviderError::RateLimited { .. } => "Rate limited",
                ProviderError::Timeout(_) => "Provider timeout",
                ProviderError::StreamCut(_) => "Stream interrupted",
                ProviderError::BlockedAddress(_) => "Address not allowed",
                _ => "Provider error",
            },
            Self::Unavailable => "Service unavailable",
            Self::Internal(_) => "Internal error",
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after, .. } => Some(*retry_after),
            Self::Provider(ProviderError::RateLimited { retry_after, .. }) => {
                Some(retry_after.unwrap_or(60))
            }
            _ => None,
        }
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let Self::Internal(e) = &self {
            tracing::error!(error = %format!("{e:#}"), "request failed");
        }
        let mut response =
            (status, Json(ErrorBody::new(self.kind(), self.to_string()))).into_response();
        if let Some(seconds) = self.retry_after() {
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

impl From<ServiceError> for app::api::AppError {
    fn from(e: ServiceError) -> Self {
        if let ServiceError::Internal(inner) = &e {
            tracing::error!(error = %format!("{inner:#}"), "server function failed");
        }
        app::api::AppError::new(e.status().as_u16(), e.kind(), e.to_string())
    }
}
