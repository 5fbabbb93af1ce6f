//! Hirekey's pages, components, routes and server functions.
#![recursion_limit = "512"]
pub mod api;
mod components;
mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around the app; the server renders it for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/hirekey.css" />
        <Title text="Hirekey" />
        <Router>
            <Routes fallback=|| view! { <pages::NotFound /> }>
                <Route path=path!("/login") view=pages::auth::LoginPage />
                <Route path=path!("/register") view=pages::auth::RegisterPage />
                <Route path=path!("/") view=|| view! { <components::layout::Layout><pages::dashboard::DashboardPage /></components::layout::Layout> } />
                <Route path=path!("/profile") view=|| view! { <components::layout::Layout><pages::profile::ProfilePage /></components::layout::Layout> } />
                <Route path=path!("/upload") view=|| view! { <components::layout::Layout><pages::upload::UploadPage /></components::layout::Layout> } />
                <Route path=path!("/candidates") view=|| view! { <components::layout::Layout><pages::candidates::CandidatesPage /></components::layout::Layout> } />
                <Route path=path!("/candidates/:id") view=|| view! { <components::layout::Layout><pages::candidates::CandidateDetailPage /></components::layout::Layout> } />
                <Route path=path!("/admin") view=|| view! { <components::layout::Layout><pages::admin::AdminPage /></components::layout::Layout> } />
                <Route path=path!("/chat/:id?") view=|| view! { <components::layout::Layout><pages::chat::ChatPage /></components::layout::Layout> } />
            </Routes>
        </Router>
    }
}
