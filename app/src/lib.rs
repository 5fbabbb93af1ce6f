//! Hirekey's pages, components, routes and server functions.
#![recursion_limit = "512"]
pub mod api;
mod components;
mod pages;
pub mod provider;
pub mod time;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
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
                // Every signed-in page sits in the layout, which stays while they change.
                <ParentRoute path=path!("") view=components::layout::Layout>
                    <Route path=path!("/") view=pages::dashboard::DashboardPage />
                    <Route path=path!("/profile") view=pages::profile::ProfilePage />
                    <Route path=path!("/upload") view=pages::upload::UploadPage />
                    <Route path=path!("/candidates") view=pages::candidates::CandidatesPage />
                    <Route path=path!("/candidates/:id") view=pages::candidates::CandidateDetailPage />
                    <Route path=path!("/admin") view=pages::admin::AdminPage />
                    <Route path=path!("/chat/:id?") view=pages::chat::ChatPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
