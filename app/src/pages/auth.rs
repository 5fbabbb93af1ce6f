//! Log in and register.
use leptos::{prelude::*, server_fn::ServerFn};

use crate::api::{
    auth::{Login, Register},
    AppError,
};
use crate::components::error_view::ErrorMessage;
use crate::components::form::dispatch_on_submit;

/// The error a submitted form came back with, if any.
fn error_of<T>(result: Option<Result<T, AppError>>) -> Option<AppError> {
    match result {
        Some(Err(e)) => Some(e),
        _ => None,
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || error_of(login.value().get());
    // The page that sent the visitor here (`/login?next=/candidates?q=python`).
    let next = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("next"))
        .filter(|n| crate::words::local_path(n).is_some());
    view! {
        <main class="auth">
            <section class="card">
                <h1>"Log in to Hirekey"</h1>
                <form method="post" action=Login::url() on:submit=dispatch_on_submit(login, None, |f| Login {
                    email: f.text("email"),
                    password: f.text("password"),
                    next: f.get("next"),
                })>
                    {next.map(|next| view! { <input type="hidden" name="next" value=next /> })}
                    <label>"Email" <input type="email" name="email" required autocomplete="username" /></label>
                    <label>"Password" <input type="password" name="password" required autocomplete="current-password" /></label>
                    <button type="submit" class="primary" disabled=move || login.pending().get()>"Log in"</button>
                </form>
                {move || error().map(|error| view! { <ErrorMessage error /> })}
                // `rel="external"`: a full load, so the server renders the register page with
                // what it knows (whether sign-up needs an invite).
                <p>"New here? " <a href="/register" rel="external">"Create an account"</a></p>
            </section>
        </main>
    }
}

/// Registration. An invite link (`/register?invite=...`) carries the invite in a hidden field;
/// without one, and when sign-up is by invite, the page offers an invite-code field, which may
/// stay empty for the first account. With open sign-up there is no invite field.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let error = move || error_of(register.value().get());
    let query = leptos_router::hooks::use_query_map();
    let invite = query
        .with_untracked(|q| q.get("invite"))
        .unwrap_or_default();
    let invited = !invite.is_empty();
    // Whether sign-up needs an invite, as the server knows it. The page is rendered by the
    // server (it loads no WASM); rendered in the browser it offers the field, which may stay
    // empty.
    #[cfg(feature = "ssr")]
    let open = use_context::<hirekey_core::state::AppState>().is_some_and(|s| {
        matches!(
            s.config.registration,
            hirekey_core::config::Registration::Open
        )
    });
    #[cfg(not(feature = "ssr"))]
    let open = false;
    view! {
        <main class="auth">
            <section class="card">
                <h1>"Create your Hirekey account"</h1>
                {invited.then(|| view! {
                    <p class="muted" data-testid="invited">"You have been invited: your invite is filled in below."</p>
                })}
                <form method="post" action=Register::url() on:submit=dispatch_on_submit(register, None, |f| Register {
                    email: f.text("email"),
                    password: f.text("password"),
                    name: f.text("name"),
                    invite: f.get("invite"),
                })>
                    <label>"Name" <input type="text" name="name" required autocomplete="name" /></label>
                    <label>"Email" <input type="email" name="email" required autocomplete="username" /></label>
                    <label>"Password"
                        <input type="password" name="password" required minlength="8" autocomplete="new-password"
                            aria-describedby="password-hint" />
                    </label>
                    <p class="hint" id="password-hint">"At least 8 characters."</p>
                    {if invited {
                        Some(view! { <input type="hidden" name="invite" value=invite /> }.into_any())
                    } else if open {
                        None
                    } else {
                        Some(view! {
                            <label>"Invite code"
                                <input type="text" name="invite" autocomplete="off" spellcheck="false"
                                    aria-describedby="invite-hint" data-testid="invite-field" />
                            </label>
                            <p class="hint" id="invite-hint">"From your invite link. The server's first account needs none."</p>
                        }.into_any())
                    }}
                    <button type="submit" class="primary" disabled=move || register.pending().get()>"Create account"</button>
                </form>
                {move || error().map(|error| view! { <ErrorMessage error /> })}
                <p>"Already have an account? " <a href="/login">"Log in"</a></p>
            </section>
        </main>
    }
}

/// `/login` and `/register` as one page component, so they are one WASM chunk: each is small,
/// and every extra chunk boundary splits the code shared across pages into more, smaller
/// files, which compress worse.
#[component]
pub fn AuthPage() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    if location.pathname.get_untracked().starts_with("/register") {
        view! { <RegisterPage /> }.into_any()
    } else {
        view! { <LoginPage /> }.into_any()
    }
}
