//! How a `ServiceError` is answered over REST: `ApiError` carries it to axum, which writes its
//! status code, the `{"error": "...", "message": "..."}` body and, when the error has one, the
//! `Retry-After` header. The status and the kind are `ServiceError`'s own (`hirekey_core::error`).
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use hirekey_core::error::ServiceError;
use types::{hiring::StageConflict, ErrorBody};

/// A service error on its way out of a REST handler or extractor.
#[derive(Debug)]
pub struct ApiError(pub ServiceError);

/// What a REST handler returns.
pub type ApiResult<T> = Result<T, ApiError>;

/// Anything a service error comes from (`ServiceError` itself, `ProviderError`, `DbErr`) is
/// answered as that service error, so `?` works in handlers as it does in services.
impl<E: Into<ServiceError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let ServiceError::Internal(e) = &error {
            tracing::error!(error = %format!("{e:#}"), "request failed");
        }
        let mut response = match &error {
            ServiceError::StaleStage {
                stage_id,
                stage,
                stage_version,
                ..
            } => (
                status,
                Json(StageConflict {
                    error: error.kind().to_owned(),
                    message: error.to_string(),
                    current_stage_id: *stage_id,
                    current_stage: stage.clone(),
                    stage_version: *stage_version,
                }),
            )
                .into_response(),
            _ => (
                status,
                Json(ErrorBody::new(error.kind(), error.to_string())),
            )
                .into_response(),
        };
        if let Some(seconds) = error.retry_after() {
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}
