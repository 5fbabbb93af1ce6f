//! Log in and register.
use leptos::prelude::*;

use crate::api::auth::{Login, Register};

fn error_text<T>(result: Option<Result<T, crate::api::AppError>>) -> Option<String> {
    match result {
        Some(Err(e)) => Some(e.message),
        _ => None,
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = move || error_text(login.value().get());
    view! {
        <main class="auth">
            <section class="card">
                <h1>"Log in to Hirekey"</h1>
                <ActionForm action=login>
                    <label>"Email" <input type="email" name="email" required autocomplete="username" /></label>
                    <label>"Password" <input type="password" name="password" required autocomplete="current-password" /></label>
                    <button type="submit" class="primary" disabled=move || login.pending().get()>"Log in"</button>
                </ActionForm>
                {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <p>"New here? " <a href="/register">"Create an account"</a></p>
            </section>
        </main>
    }
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let register = ServerAction::<Register>::new();
    let error = move || error_text(register.value().get());
    view! {
        <main class="auth">
            <section class="card">
                <h1>"Create your Hirekey account"</h1>
                <ActionForm action=register>
                    <label>"Name" <input type="text" name="name" required autocomplete="name" /></label>
                    <label>"Email" <input type="email" name="email" required autocomplete="username" /></label>
                    <label>"Password" <input type="password" name="password" required minlength="8" autocomplete="new-password" /></label>
                    <button type="submit" class="primary" disabled=move || register.pending().get()>"Create account"</button>
                </ActionForm>
                {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <p>"Already have an account? " <a href="/login">"Log in"</a></p>
            </section>
        </main>
    }
}
