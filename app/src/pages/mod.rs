pub mod admin;
pub mod auth;
pub mod candidates;
pub mod chat;
pub mod dashboard;
pub mod jobs;
pub mod profile;
pub mod team;
pub mod upload;

use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    crate::components::error_view::set_response_status(404);
    view! {
        <main class="content narrow">
            <h1>"Page not found"</h1>
            <p><a href="/">"Back to the dashboard"</a></p>
        </main>
    }
}
