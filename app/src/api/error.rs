//! The one error shape every Hirekey API speaks: `{"error", "message"}` plus the HTTP status.
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// An error as the browser and API clients see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// HTTP status code the error is answered with.
    pub status: u16,
    /// Short machine-readable kind, e.g. "API key required".
    pub error: String,
    /// Sentence for the user.
    pub message: String,
}

pub use types::ErrorBody;

impl AppError {
    pub fn new(status: u16, error: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            error: error.into(),
            message: message.into(),
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Please log in to continue")
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(m) => Self::new(
                503,
                "Network error",
                format!("Could not reach the server: {m}"),
            ),
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                Self::new(400, "Bad request", m)
            }
            other => Self::new(500, "Internal error", other.to_string()),
        }
    }
}

/// A service's error as a server function answers it: the status and kind the REST API gives
/// the same error (`ServiceError::status`, `ServiceError::kind`).
#[cfg(feature = "ssr")]
impl From<hirekey_core::error::ServiceError> for AppError {
    fn from(e: hirekey_core::error::ServiceError) -> Self {
        if let hirekey_core::error::ServiceError::Internal(inner) = &e {
            tracing::error!(error = %format!("{inner:#}"), "server function failed");
        }
        AppError::new(e.status(), e.kind(), e.to_string())
    }
}
