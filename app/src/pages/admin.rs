//! Admin: the system AI configuration and its test, the "require a personal key" policy, the
//! users (whether each has a key, never the key) and everyone's usage by key source.
use leptos::prelude::*;

use crate::components::test_result::TestResult;

use crate::api::{
    admin::{
        get_admin_ai_config, get_admin_usage, get_admin_users, AdminAiConfig, AdminUser,
        SaveAdminSettings, TestSystemAiKey,
    },
    usage::UsageSummary,
    AppError,
};
use crate::components::error_view::{error_fallback, ErrorMessage};
use crate::components::layout::CurrentUser;

#[component]
pub fn AdminPage() -> impl IntoView {
    let is_admin = use_context::<CurrentUser>().is_some_and(|u| u.0.is_admin);
    if !is_admin {
        return view! { <AdminsOnly /> }.into_any();
    }
    let save = ServerAction::<SaveAdminSettings>::new();
    let test = ServerAction::<TestSystemAiKey>::new();
    // Every resource is made here and read by sibling Transitions: a Transition nested inside
    // another's resolved content does not hydrate in Leptos 0.8.
    let config = Resource::new(move || save.version().get(), |_| get_admin_ai_config());
    let users = Resource::new(|| (), |_| get_admin_users());
    let usage = Resource::new(|| (), |_| get_admin_usage(30));
    view! {
        <h1>"Admin"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading the configuration…"</p> }>
            <ErrorBoundary fallback=error_fallback>
                {move || Suspend::new(async move {
                    match config.await {
                        Ok(c) => Ok(view! {
                            <SystemConfigSection config=c.clone() test />
                            <PolicySection config=c save />
                        }.into_any()),
                        // The server's 403 decides when the session and the database disagree.
                        Err(e) if e.status == 403 => Ok(view! { <AdminsOnly /> }.into_any()),
                        Err(e) => Err(e),
                    }
                })}
            </ErrorBoundary>
        </Transition>
        <UsersSection users />
        <UsageBySourceSection usage />
    }
    .into_any()
}

#[component]
fn AdminsOnly() -> impl IntoView {
    view! {
        <section class="card" data-testid="admins-only">
            <h1>"403: admins only"</h1>
            <p>"This page is for administrators. "<a href="/">"Back to the dashboard"</a></p>
        </section>
    }
}

#[component]
fn SystemConfigSection(
    config: AdminAiConfig,
    test: ServerAction<TestSystemAiKey>,
) -> impl IntoView {
    let dash = || "—".to_owned();
    view! {
        <section class="card" data-testid="system-config">
            <h2>"System AI configuration"</h2>
            {if config.configured {
                view! {
                    <table>
                        <tbody>
                            <tr><th>"Provider"</th><td>{config.provider.clone().unwrap_or_else(dash)}</td></tr>
                            <tr><th>"Model"</th><td>{config.model.clone().unwrap_or_else(dash)}</td></tr>
                            <tr><th>"Base URL"</th><td><code>{config.base_url.clone().unwrap_or_else(dash)}</code></td></tr>
                            <tr><th>"Key"</th><td><code data-testid="system-key-preview">{config.key_preview.clone().unwrap_or_else(dash)}</code></td></tr>
                        </tbody>
                    </table>
                    <ActionForm action=test attr:class="inline">
                        <button type="submit" class="secondary" disabled=move || test.pending().get()>"🧪 Test system key"</button>
                        {move || test.pending().get().then(|| view! { <span class="loading">"Testing…"</span> })}
                    </ActionForm>
                    {move || test.value().get().map(|r| view! { <TestResult result=r testid="system-test-result" /> })}
                }.into_any()
            } else {
                view! {
                    <p><span class="badge muted">"No system key"</span>
                        " Set AI_PROVIDER and its API key (e.g. GROQ_API_KEY) to give users without a key of their own a fallback."</p>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn PolicySection(config: AdminAiConfig, save: ServerAction<SaveAdminSettings>) -> impl IntoView {
    let forced = config.require_personal_key_env;
    view! {
        <section class="card" data-testid="key-policy">
            <h2>"Key policy"</h2>
            <p data-testid="policy-state">{if config.require_personal_key {
                "Every AI call needs the user's own key; the system key is never used."
            } else {
                "Users without a usable personal key fall back to the system key."
            }}</p>
            <ActionForm action=save>
                <label class="toggle">
                    <input type="checkbox" name="require_personal_key" value="on"
                        checked=config.require_personal_key disabled=forced />
                    "Require a personal API key for AI features"
                </label>
                {forced.then(|| view! {
                    <p class="muted">"HIREKEY_REQUIRE_PERSONAL_KEY=true is set, so this stays on."</p>
                })}
                <div class="row">
                    <button type="submit" class="primary" disabled=move || forced || save.pending().get()>"💾 Save policy"</button>
                </div>
                {move || save.value().get().map(|r| match r {
                    Ok(_) => view! { <p class="success" role="status">"Policy saved; it applies now."</p> }.into_any(),
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                })}
            </ActionForm>
            <h3>"Local model servers"</h3>
            <p class="muted" data-testid="allowed-hosts">{if config.allowed_provider_hosts.is_empty() {
                "A custom provider may only call public addresses. Allow a local server (such as Ollama) with HIREKEY_ALLOWED_PROVIDER_HOSTS=host:port.".to_owned()
            } else {
                format!("A custom provider may also call: {}.", config.allowed_provider_hosts.join(", "))
            }}</p>
        </section>
    }
}

#[component]
fn UsersSection(users: Resource<Result<Vec<AdminUser>, AppError>>) -> impl IntoView {
    view! {
        <section class="card" data-testid="admin-users">
            <h2>"Users"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading users…"</p> }>
                <ErrorBoundary fallback=error_fallback>
                    {move || Suspend::new(async move {
                        users.await.map(|list| view! { <UsersTable users=list /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn UsersTable(users: Vec<AdminUser>) -> impl IntoView {
    view! {
        <table>
            <thead>
                <tr><th>"Email"</th><th>"Name"</th><th>"Role"</th><th>"Registered"</th><th>"Personal key"</th><th>"Provider"</th><th>"Key expires"</th></tr>
            </thead>
            <tbody>
                {users.into_iter().map(|u| view! {
                    <tr>
                        <td>{u.email}</td>
                        <td>{u.name}</td>
                        <td>{if u.is_admin { "admin" } else { "user" }}</td>
                        <td>{u.created_at.to_string()}</td>
                        <td>{if u.has_personal_key {
                            view! { <span class="badge ok">"yes"</span> }.into_any()
                        } else {
                            view! { <span class="badge muted">"no"</span> }.into_any()
                        }}</td>
                        <td>{u.provider}</td>
                        <td>{u.expires_at.map(|t| t.to_string()).unwrap_or_else(|| if u.has_personal_key { "never".into() } else { "—".into() })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn UsageBySourceSection(usage: Resource<Result<UsageSummary, AppError>>) -> impl IntoView {
    view! {
        <section class="card" data-testid="admin-usage">
            <h2>"Usage by key source (all users, last 30 days)"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading usage…"</p> }>
                <ErrorBoundary fallback=error_fallback>
                    {move || Suspend::new(async move {
                        usage.await.map(|u| if u.by_key_source.is_empty() {
                            view! { <p class="muted">"No AI calls yet."</p> }.into_any()
                        } else {
                            view! {
                                <table>
                                    <thead><tr><th>"Key source"</th><th>"Calls"</th><th>"Errors"</th><th>"Tokens"</th><th>"Avg ms"</th><th>"p95 ms"</th></tr></thead>
                                    <tbody>
                                        {u.by_key_source.into_iter().map(|r| view! {
                                            <tr><td>{r.name}</td><td>{r.calls}</td><td>{r.errors}</td><td>{r.tokens}</td><td>{r.avg_latency_ms}</td><td>{r.p95_latency_ms}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
