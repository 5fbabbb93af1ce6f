//! The landing page after login.
use leptos::prelude::*;

use crate::components::layout::CurrentUser;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let user = use_context::<CurrentUser>();
    let name = user.map(|u| u.0.name).unwrap_or_default();
    view! {
        <section class="card">
            <h1>"Dashboard"</h1>
            <p>"Welcome, " {name} "."</p>
            <ul class="quick-links">
                <li><a href="/upload">"Upload a resume"</a>" and let AI analyse it on your own key."</li>
                <li><a href="/chat">"Ask the AI"</a>" about your candidates."</li>
                <li><a href="/profile">"Set up your personal AI key"</a>" in My Profile."</li>
            </ul>
        </section>
    }
}
