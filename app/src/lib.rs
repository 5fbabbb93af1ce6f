//! Hirekey's pages, components, routes and server functions.
#![recursion_limit = "512"]
pub mod api;
mod components;
mod pages;
mod routes;
pub use types::{provider, time};
pub mod words;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy, SsrMode,
};

/// The Content-Security-Policy. Scripts load only from this origin, or inline with this
/// response's nonce (the hydration and streaming scripts Leptos writes carry it); WASM may be
/// compiled. Without a nonce (API answers, files) no inline script runs at all.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let inline = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Pages that are complete as server-rendered forms: they post to their server functions and
/// show the answer (an error, or a redirect) without any client code, so a direct load of one
/// fetches no WASM at all. Reached by client-side navigation from a hydrated page (after
/// logging out, say), they still render from the router as every page does.
pub const FORM_ONLY_PAGES: [&str; 2] = ["/login", "/register"];

/// The pages only a signed-in user sees (`/candidates/...` and `/chat/...` included): the server
/// sends a signed-out browser asking for one to the login page, with the page to come back to.
pub const SIGNED_IN_PAGES: [&str; 8] = [
    "/",
    "/profile",
    "/upload",
    "/candidates",
    "/jobs",
    "/team",
    "/admin",
    "/chat",
];

/// Whether `path` is one of [`SIGNED_IN_PAGES`] or below one of them.
pub fn needs_sign_in(path: &str) -> bool {
    SIGNED_IN_PAGES.iter().any(|page| {
        path == *page
            || (*page != "/"
                && path
                    .strip_prefix(page)
                    .is_some_and(|rest| rest.starts_with('/')))
    })
}

/// Whether a direct load of `path` is hydrated (fetches the WASM).
pub fn hydrates(path: &str) -> bool {
    let path = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    !FORM_ONLY_PAGES.contains(&path)
}

/// The HTML document around the app; the server renders it for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The nonce is fresh for every response; the header that names it goes with the page.
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = http::HeaderValue::from_str(&content_security_policy(Some(&nonce))) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    #[cfg(feature = "ssr")]
    let hydrate = use_context::<http::request::Parts>()
        .map(|parts| hydrates(parts.uri.path()))
        .unwrap_or(true);
    #[cfg(not(feature = "ssr"))]
    let hydrate = true;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                // `hirekey.<hash>.css` after `make build` (the bundles' hashed names).
                <HashedStylesheet options=options.clone() id="leptos" />
                {hydrate.then(|| view! { <HydrationScripts options /> })}
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
        <Title text="Hirekey" />
        <Router>
            <Routes fallback=|| view! { <pages::NotFound /> }>
                <Route path=path!("/login") view={Lazy::<routes::Auth>::new()} ssr=SsrMode::InOrder />
                <Route path=path!("/register") view={Lazy::<routes::Auth>::new()} ssr=SsrMode::InOrder />
                // Every signed-in page sits in the layout, which stays while they change. Pages
                // stream in order: each page's data is in the HTML where it belongs, so the first
                // paint shows it and the page works without JavaScript (out-of-order streaming
                // needs a script to put each part in place).
                <ParentRoute path=path!("") view=components::layout::Layout ssr=SsrMode::InOrder>
                    <Route path=path!("/") view={Lazy::<routes::Dashboard>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/profile") view={Lazy::<routes::Profile>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/upload") view={Lazy::<routes::Upload>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/candidates") view={Lazy::<routes::Candidates>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/candidates/:id") view={Lazy::<routes::CandidateDetail>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/admin") view={Lazy::<routes::Admin>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/team") view={Lazy::<routes::Team>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/jobs/:id?") view={Lazy::<routes::Jobs>::new()} ssr=SsrMode::InOrder />
                    <Route path=path!("/chat/:id?") view={Lazy::<routes::Chat>::new()} ssr=SsrMode::InOrder />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    use super::hydrates;

    #[test]
    fn signed_in_pages_are_known_by_their_paths() {
        use super::needs_sign_in;
        for path in [
            "/",
            "/profile",
            "/candidates",
            "/candidates/abc",
            "/chat/x",
            "/admin",
        ] {
            assert!(needs_sign_in(path), "{path}");
        }
        for path in [
            "/login",
            "/register",
            "/candidatesx",
            "/api/v1/x",
            "/pkg/a.wasm",
            "/healthz",
        ] {
            assert!(!needs_sign_in(path), "{path}");
        }
    }

    #[test]
    fn only_the_form_pages_skip_the_wasm() {
        for path in ["/login", "/register", "/login/"] {
            assert!(!hydrates(path), "{path}");
        }
        for path in [
            "/",
            "/profile",
            "/chat/abc",
            "/candidates",
            "/loginx",
            "/admin",
        ] {
            assert!(hydrates(path), "{path}");
        }
    }
}
