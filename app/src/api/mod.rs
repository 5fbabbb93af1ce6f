//! The server functions, one module per feature, each re-exporting its feature's shapes from
//! `types`. Under `ssr` they call `hirekey_core`'s services directly (`context.rs`), after the
//! session check the REST API makes too (`session.rs`).
pub mod admin;
pub mod auth;
pub mod candidate_list;
pub mod candidates;
pub mod chat;
pub mod codec;
pub mod dashboard;
pub mod error;
pub mod jobs;
pub mod profile;
pub mod team;
pub mod usage;

pub use error::AppError;

#[cfg(feature = "ssr")]
mod context;
#[cfg(feature = "ssr")]
pub mod session;

/// An id from a URL or a form. A malformed one names nothing, so it is "not found", as an
/// unknown id is.
#[cfg(feature = "ssr")]
pub(crate) fn parse_id(raw: &str, what: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw.trim())
        .map_err(|_| AppError::new(404, "Not found", format!("{what} not found")))
}
