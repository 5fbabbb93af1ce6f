//! `ServiceError`: the one error type of Hirekey's services. The HTTP boundary (`http::error`)
//! maps each variant to its status code and the `{"error", "message"}` body; services never see
//! HTTP.
use crate::providers::ProviderError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    BadRequest(String),
    #[error("Please log in to continue")]
    Unauthorized,
    #[error("Invalid email or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// Sign-up without a usable invite: 403 `{"error": "Invite required"}`.
    #[error("{0}")]
    InviteRequired(String),
    /// No usable key: 403 `{"error": "API key required"}`.
    #[error("Please set up your {provider} API key in settings to use AI features")]
    ApiKeyRequired { provider: &'static str },
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("The database is not available right now; try again shortly")]
    Unavailable,
    #[error("Something went wrong on our side")]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ServiceError {
    fn from(e: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        match &e {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::Unavailable
            }
            _ => Self::Internal(anyhow::Error::new(e)),
        }
    }
}

impl From<types::provider::UnknownProvider> for ServiceError {
    fn from(e: types::provider::UnknownProvider) -> Self {
        Self::Validation(e.to_string())
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
