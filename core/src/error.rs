//! `ServiceError`: the one error type of Hirekey's services, with the status code, the short
//! `error` kind and the `Retry-After` seconds each variant is answered with; and
//! `ProviderError`, a provider failure already mapped. The REST API (`server`'s `http::error`)
//! and the server functions (`app::api::error`) turn them into the `{"error", "message"}` body;
//! services never see HTTP.
use types::provider::Provider;

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
    /// A move of an application that someone else moved first: 409 with where the card is now.
    #[error("{message}")]
    StaleStage {
        message: String,
        stage_id: uuid::Uuid,
        stage: String,
        stage_version: i64,
    },
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// A workspace's limit on its team key: 429 `{"error": "Team rate limit reached"}`.
    #[error("{message}")]
    TeamRateLimited { message: String, retry_after: u64 },
    /// A budget would be passed: 402 `{"error": "Budget exceeded"}`, nothing sent.
    #[error("{0}")]
    BudgetExceeded(String),
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

impl ServiceError {
    /// The HTTP status code the REST API and the server functions answer this error with.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized | Self::InvalidCredentials => 401,
            Self::Forbidden(_) | Self::InviteRequired(_) | Self::ApiKeyRequired { .. } => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) | Self::StaleStage { .. } => 409,
            Self::Validation(_) => 422,
            Self::PayloadTooLarge(_) => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::TooManyRequests { .. } | Self::TeamRateLimited { .. } => 429,
            Self::BudgetExceeded(_) => 402,
            Self::Provider(p) => match p {
                ProviderError::InvalidKey(_)
                | ProviderError::ModelNotFound { .. }
                | ProviderError::BlockedAddress(_) => 422,
                ProviderError::NoCredit(_) => 402,
                ProviderError::RateLimited { .. } => 429,
                ProviderError::Timeout(_) => 504,
                _ => 502,
            },
            Self::Unavailable => 503,
            Self::Internal(_) => 500,
        }
    }

    /// The short `error` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "Bad request",
            Self::Unauthorized | Self::InvalidCredentials => "Unauthorized",
            Self::Forbidden(_) => "Forbidden",
            Self::NotFound(_) => "Not found",
            Self::Conflict(_) | Self::StaleStage { .. } => "Conflict",
            Self::Validation(_) => "Validation failed",
            Self::PayloadTooLarge(_) => "Payload too large",
            Self::UnsupportedMediaType(_) => "Unsupported media type",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::TeamRateLimited { .. } => "Team rate limit reached",
            Self::BudgetExceeded(_) => "Budget exceeded",
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
            Self::TooManyRequests { retry_after, .. }
            | Self::TeamRateLimited { retry_after, .. } => Some(*retry_after),
            Self::Provider(ProviderError::RateLimited { retry_after, .. }) => {
                Some(retry_after.unwrap_or(60))
            }
            _ => None,
        }
    }
}

/// A provider failure, already mapped; never carries the provider's raw body or the key.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
pub enum ProviderError {
    #[error("Your {} API key was rejected", .0.label())]
    InvalidKey(Provider),
    #[error("Your {} account has no credit left", .0.label())]
    NoCredit(Provider),
    #[error("The model '{model}' is not available on {}", .provider.label())]
    ModelNotFound { provider: Provider, model: String },
    #[error("Rate limited by {}, try again in {}s", .provider.label(), .retry_after.unwrap_or(60))]
    RateLimited {
        provider: Provider,
        retry_after: Option<u64>,
    },
    #[error("{} did not answer in time", .0.label())]
    Timeout(Provider),
    #[error("Could not reach {}: check the network or the base URL", .0.label())]
    Unreachable(Provider),
    #[error("{} failed with status {status}", .provider.label())]
    Upstream { provider: Provider, status: u16 },
    #[error("{} sent an answer Hirekey could not read", .0.label())]
    BadResponse(Provider),
    #[error("The answer from {} was cut off mid-way", .0.label())]
    StreamCut(Provider),
    #[error("The base URL points to a private or local address; an administrator can allow it with HIREKEY_ALLOWED_PROVIDER_HOSTS")]
    BlockedAddress(Provider),
}

impl ProviderError {
    /// Short kind for usage rows and the `error` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidKey(_) => "invalid_key",
            Self::NoCredit(_) => "no_credit",
            Self::ModelNotFound { .. } => "model_not_found",
            Self::RateLimited { .. } => "rate_limited",
            Self::Timeout(_) => "timeout",
            Self::Unreachable(_) => "unreachable",
            Self::Upstream { .. } => "upstream_error",
            Self::BadResponse(_) => "bad_response",
            Self::StreamCut(_) => "stream_cut",
            Self::BlockedAddress(_) => "blocked_address",
        }
    }
}
