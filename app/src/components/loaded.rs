//! Data that loads: a placeholder while it does, then its view, or the error.
//!
//! Every page shows loading data the same way, a `<Transition>` around an `<ErrorBoundary>`
//! around a `Suspend`. Written out at each place, each would be its own copy of that machinery
//! in the WASM (they are generic over the future and the view inside). Here the future and the
//! view are boxed, so there is one copy for the whole app, and each place adds only its own
//! code: what it awaits and what it shows.
//!
//! ```ignore
//! {loaded("Loading…", move || async move { data.await.map(|d| view! { <Data d /> }.into_any()) })}
//! ```
use std::{future::Future, pin::Pin, sync::Arc};

use leptos::prelude::*;

use crate::api::AppError;
use crate::components::error_view::error_fallback;

type Content<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Load<T> = Arc<dyn Fn() -> Content<T> + Send + Sync>;

/// `placeholder` (a "loading" line; none when empty) until the future `load` makes resolves,
/// then its view, or its error through [`error_fallback`] (which sets the response status on
/// the server). `load` runs again whenever a resource it awaited changes; the old view stays
/// until the new one is ready.
pub fn loaded<F>(placeholder: &'static str, load: impl Fn() -> F + Send + Sync + 'static) -> AnyView
where
    F: Future<Output = Result<AnyView, AppError>> + Send + 'static,
{
    with_errors(placeholder, Arc::new(move || Box::pin(load())))
}

/// As [`loaded`], for a view that shows its errors itself (no error boundary).
pub fn loaded_view<F>(
    placeholder: &'static str,
    load: impl Fn() -> F + Send + Sync + 'static,
) -> AnyView
where
    F: Future<Output = AnyView> + Send + 'static,
{
    without_errors(placeholder, Arc::new(move || Box::pin(load())))
}

fn placeholder_view(text: &'static str) -> impl IntoView {
    (!text.is_empty()).then(|| view! { <p class="loading">{text}</p> })
}

fn with_errors(placeholder: &'static str, load: Load<Result<AnyView, AppError>>) -> AnyView {
    view! {
        <Transition fallback=move || placeholder_view(placeholder)>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(load())}
            </ErrorBoundary>
        </Transition>
    }
    .into_any()
}

fn without_errors(placeholder: &'static str, load: Load<AnyView>) -> AnyView {
    view! {
        <Transition fallback=move || placeholder_view(placeholder)>
            {move || Suspend::new(load())}
        </Transition>
    }
    .into_any()
}
