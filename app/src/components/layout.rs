//! The frame around every signed-in page: the main navigation, the session check and the key
//! banner. It is the view of the parent route, so it loads once and stays while the pages
//! inside it (the `<Outlet/>`) change.
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::{Outlet, Redirect, A};

use crate::api::auth::{current_user, Logout, UserDto};
use crate::api::codec::{resource, Loaded};
use crate::components::error_view::{set_response_status, ErrorMessage};
use crate::components::form::dispatch_on_submit;
use crate::components::loaded::loaded_view;

/// The signed-in user, for pages inside the layout.
#[derive(Clone)]
pub struct CurrentUser(pub UserDto);

/// Lets a page that changed the personal key or a budget take the layout's banners down.
#[derive(Clone, Copy)]
pub struct KeyBanner(RwSignal<u32>);

impl KeyBanner {
    pub fn refresh(self) {
        self.0.update(|v| *v = v.wrapping_add(1));
    }
}

/// The user, the header's workspace bar and the banners (HTML the server rendered).
type UserResource = Loaded<Option<(UserDto, String, String)>>;

#[component]
pub fn Layout() -> impl IntoView {
    let user: UserResource = resource(|| (), |_| current_user());
    let banner_version = RwSignal::new(0u32);
    provide_context(KeyBanner(banner_version));
    // Narrow screens' menu (a checkbox, `main.css`): a click on a link in it closes it.
    let menu = NodeRef::<leptos::html::Input>::new();
    view! {
        <div class="app">
            <header class="topbar">
                <a class="brand" href="/">"Hirekey"</a>
                // Narrow screens show the navigation behind this menu button (`main.css`).
                <input type="checkbox" id="nav-toggle" class="nav-toggle visually-hidden" node_ref=menu />
                <label for="nav-toggle" class="nav-toggle-label" data-testid="menu-button">"☰ Menu"</label>
                <MainNav user menu />
                <Session user />
            </header>
            <BannerLine user banner_version />
            <main class="content">
                // The session check stays a plain match (no ErrorBoundary): an ErrorBoundary
                // around the Outlet would, on the server, hold back every page's own
                // Transitions until all of them had loaded.
                {loaded_view("Loading…", move || async move {
                        match user.await {
                            Ok(Some((u, _, _))) => {
                                // Provided here, on the owner the Outlet is made in, so every
                                // page below it sees the user.
                                provide_context(CurrentUser(u));
                                view! { <Outlet /> }.into_any()
                            }
                            Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                            Err(e) => {
                                set_response_status(e.status);
                                view! { <ErrorMessage error=e /> }.into_any()
                            }
                        }
                })}
            </main>
        </div>
    }
}

/// The main navigation; the Admin link for admins only.
#[component]
fn MainNav(user: UserResource, menu: NodeRef<leptos::html::Input>) -> impl IntoView {
    let close_menu = move |_| {
        if let Some(toggle) = menu.get_untracked() {
            toggle.set_checked(false);
        }
    };
    view! {
        <nav class="main-nav" aria-label="Main" on:click=close_menu>
            <A href="/">"Dashboard"</A>
            <A href="/upload">"Upload Resume"</A>
            <A href="/candidates">"Candidates"</A>
            <A href="/jobs">"Jobs"</A>
            <A href="/chat">"AI Chat"</A>
            <A href="/team">"Team"</A>
            <A href="/profile">"My Profile"</A>
            {loaded_view("", move || async move {
                user.await.ok().flatten().filter(|(u, _, _)| u.is_admin)
                    .map(|_| view! { <A href="/admin">"Admin"</A> })
                    .into_any()
            })}
        </nav>
    }
}

/// The signed-in user's name and the log-out button.
#[component]
fn Session(user: UserResource) -> impl IntoView {
    // A plain form (it posts without WASM too) whose submit the client turns into the action.
    let logout = ServerAction::<Logout>::new();
    let submit = dispatch_on_submit(logout, None, |_| Logout {});
    view! {
        {loaded_view("", move || async move {
            user.await.ok().flatten().map(|(u, bar, _)| view! {
                <div class="workspace-bar" inner_html=bar></div>
                <div class="session">
                    <span class="user-name" data-testid="user-name">{u.name.clone()}</span>
                    <form method="post" action=Logout::url() class="inline" on:submit=submit>
                        <button type="submit" class="link-button">"Log out"</button>
                    </form>
                </div>
            })
            .into_any()
        })}
    }
}

/// The banners across the app (a spent budget, an expired or expiring personal key), as the
/// server rendered them with the page (`api/auth.rs` `current_user`). A page that changes the
/// key or a budget (`KeyBanner::refresh`) takes them down; the next page load says anew what
/// still holds.
#[component]
fn BannerLine(user: UserResource, banner_version: RwSignal<u32>) -> impl IntoView {
    view! {
        {loaded_view("", move || async move {
            let html = user.await.ok().flatten().map(|(_, _, html)| html).unwrap_or_default();
            (!html.is_empty()).then(|| view! {
                <div class="banners" hidden=move || { banner_version.get() != 0 } inner_html=html></div>
            })
            .into_any()
        })}
    }
}
