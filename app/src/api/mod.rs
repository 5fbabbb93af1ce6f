//! Server functions and the DTOs both sides see, one module per feature.
pub mod admin;
pub mod auth;
pub mod candidates;
pub mod chat;
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
