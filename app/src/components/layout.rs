//! The frame around every signed-in page: the main navigation and the session check.
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};

use crate::api::auth::{current_user, Logout, UserDto};
use crate::api::profile::get_ai_settings;

/// The signed-in user, for pages inside the layout.
#[derive(Clone)]
pub struct CurrentUser(pub UserDto);

#[component]
pub fn Layout(children: ChildrenFn) -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    let logout = ServerAction::<Logout>::new();
    let children = StoredValue::new(children);
    let key_state = Resource::new(|| (), |_| get_ai_settings());
    view! {
        <div class="app">
            <header class="topbar">
                <a class="brand" href="/">"Hirekey"</a>
                <nav class="main-nav" aria-label="Main">
                    <A href="/">"Dashboard"</A>
                    <A href="/upload">"Upload Resume"</A>
                    <A href="/candidates">"Candidates"</A>
                    <A href="/chat">"AI Chat"</A>
                    <A href="/profile">"My Profile"</A>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            user.await.ok().flatten().filter(|u| u.is_admin)
                                .map(|_| view! { <A href="/admin">"Admin"</A> })
                        })}
                    </Transition>
                </nav>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        user.await.ok().flatten().map(|u| view! {
                            <div class="session">
                                <span class="user-name" data-testid="user-name">{u.name.clone()}</span>
                                <ActionForm action=logout attr:class="inline">
                                    <button type="submit" class="link-button">"Log out"</button>
                                </ActionForm>
                            </div>
                        })
                    })}
                </Transition>
            </header>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    key_state.await.ok().and_then(|s| {
                        if s.expired {
                            Some(view! {
                                <div class="banner error" role="alert" data-testid="key-banner">
                                    "Your personal API key has expired and is no longer used. "
                                    <a href="/profile">"Renew it in My Profile"</a>
                                </div>
                            }.into_any())
                        } else if s.expires_soon {
                            Some(view! {
                                <div class="banner" role="status" data-testid="key-banner">
                                    "Your personal API key expires on " {s.expires_at.clone().unwrap_or_default()} ". "
                                    <a href="/profile">"Manage it in My Profile"</a>
                                </div>
                            }.into_any())
                        } else {
                            None
                        }
                    })
                })}
            </Transition>
            <main class="content">
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(u)) => {
                                provide_context(CurrentUser(u));
                                children.with_value(|c| c()).into_any()
                            }
                            Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                            Err(e) => view! { <p class="error">{e.message}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </main>
        </div>
    }
}
