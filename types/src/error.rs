//! The body of every Hirekey API error: `{"error": "<kind>", "message": "<sentence>"}`.
use serde::{Deserialize, Serialize};

/// The body of every API error, as the server writes it and a client reads it:
/// `{"error": "<kind>", "message": "<sentence for the user>"}`. The server always writes both;
/// a client reads either as possibly absent.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Short kind, e.g. `API key required`, `Forbidden`, `Validation failed`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub error: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub message: String,
}

impl ErrorBody {
    pub fn new(error: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            message: message.into(),
        }
    }
}
