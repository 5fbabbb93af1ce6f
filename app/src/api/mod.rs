//! Server functions and the DTOs both sides see, one module per feature.
pub mod admin;
pub mod auth;
pub mod candidates;
pub mod chat;
pub mod codec;
pub mod dashboard;
pub mod error;
pub mod profile;
pub mod usage;

pub use error::AppError;

#[cfg(feature = "ssr")]
mod backend;
#[cfg(feature = "ssr")]
pub use backend::Backend;

#[cfg(feature = "ssr")]
pub(crate) fn backend() -> Result<std::sync::Arc<dyn Backend>, AppError> {
    leptos::prelude::use_context::<std::sync::Arc<dyn Backend>>()
        .ok_or_else(|| AppError::new(500, "Internal error", "The backend is not available"))
}

/// An id from a URL or a form. A malformed one names nothing, so it is "not found", as an
/// unknown id is.
#[cfg(feature = "ssr")]
pub(crate) fn parse_id(raw: &str, what: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw.trim())
        .map_err(|_| AppError::new(404, "Not found", format!("{what} not found")))
}

#[cfg(feature = "ssr")]
pub(crate) fn request_parts() -> Result<http::request::Parts, AppError> {
    leptos::prelude::use_context::<http::request::Parts>()
        .ok_or_else(|| AppError::new(500, "Internal error", "The request is not available"))
}

#[cfg(feature = "ssr")]
pub(crate) fn set_cookie(cookie: &str) {
    if let (Some(opts), Ok(value)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(cookie),
    ) {
        opts.append_header(http::header::SET_COOKIE, value);
    }
}
