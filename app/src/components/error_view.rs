//! How an [`AppError`] is shown: one line with the message, for the user.
//!
//! [`ErrorMessage`] is the line itself, for errors shown inline (a form's result).
//! [`ErrorView`] is what an `<ErrorBoundary>` shows when page data fails to load; on the server
//! it also answers with the error's HTTP status. Pages get it through
//! [`loaded`](crate::components::loaded::loaded), whose boundary uses [`error_fallback`].
use leptos::{error::Errors, prelude::*};

use crate::api::AppError;

/// An error as one line.
#[component]
pub fn ErrorMessage(error: AppError) -> impl IntoView {
    view! { <p class="error" role="alert">{error.message}</p> }
}

/// The fallback of an `<ErrorBoundary>`: `<ErrorBoundary fallback=error_fallback>`.
pub fn error_fallback(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! { <ErrorView errors /> }
}

/// The errors an `<ErrorBoundary>` caught, one line per distinct message. On the server the
/// response gets the highest status among the [`AppError`]s caught.
#[component]
pub fn ErrorView(errors: ArcRwSignal<Errors>) -> impl IntoView {
    set_response_status(errors.with_untracked(status_of));
    // Distinct and sorted: while hydrating, the boundary may hold the server's copy of an error
    // (only its message survives the trip) next to the one the client has just thrown again,
    // and both sides must render the same lines.
    move || {
        errors
            .with(messages_of)
            .into_iter()
            .map(|message| view! { <p class="error" role="alert">{message}</p> })
            .collect_view()
    }
}

fn messages_of(errors: &Errors) -> Vec<String> {
    let mut messages: Vec<String> = errors.iter().map(|(_, e)| e.to_string()).collect();
    messages.sort();
    messages.dedup();
    messages
}

/// The highest status among the [`AppError`]s caught; 500 when none is one.
fn status_of(errors: &Errors) -> u16 {
    errors
        .iter()
        .filter_map(|(_, e)| e.downcast_ref::<AppError>().map(|a| a.status))
        .max()
        .unwrap_or(500)
}

/// Sets the status the server answers the page with; nothing in the browser.
pub fn set_response_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}
