//! The pages as lazy routes: with `cargo leptos build --release --split` each page's view code
//! is WASM of its own (one file per route once `make build` has merged the route's chunks,
//! `scripts/merge-routes.mjs`), fetched when its route is first shown (on a direct load, before
//! the page hydrates), so the login page does not pay for the chat or the admin pages. Without
//! `--split` (the server, `cargo check`) they are ordinary async views.
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages;

/// A lazy route that renders one page component.
macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_page! {
    Auth => pages::auth::AuthPage,
    Dashboard => pages::dashboard::DashboardPage,
    Profile => pages::profile::ProfilePage,
    Upload => pages::upload::UploadPage,
    Candidates => pages::candidates::CandidatesPage,
    CandidateDetail => pages::candidates::CandidateDetailPage,
    Admin => pages::admin::AdminPage,
    Chat => pages::chat::ChatPage,
    Team => pages::team::TeamPage,
    Jobs => pages::jobs::JobsRoute,
}
