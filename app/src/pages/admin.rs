//! Admin: the system AI configuration and its test, the "require a personal key" policy, sign-up
//! invites, the users (whether each has a key, never the key) and everyone's usage by key
//! source.
use leptos::{prelude::*, server_fn::ServerFn};

use crate::components::time::RelativeTime;

use crate::components::test_result::TestResult;

use crate::api::admin::SetUserBudget;
use crate::api::admin::{
    get_admin_ai_config, get_admin_usage_html, get_admin_users, get_invites, AdminAiConfig,
    AdminUser, CreateInvite, CreatedInvite, Invite, InviteStatus, RevokeInvite, SaveAdminSettings,
    TestSystemAiKey,
};
use crate::api::codec::{resource, Loaded};
use crate::components::error_view::ErrorMessage;
use crate::components::form::dispatch_on_submit;
use crate::components::layout::CurrentUser;
use crate::components::loaded::loaded;
use crate::components::server_html::ServerHtml;

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
    let config = resource(move || save.version().get(), |_| get_admin_ai_config());
    let users = resource(|| (), |_| get_admin_users());
    let usage = resource(|| (), |_| get_admin_usage_html(30));
    let create_invite = ServerAction::<CreateInvite>::new();
    let revoke_invite = ServerAction::<RevokeInvite>::new();
    let invites = resource(
        move || (create_invite.version().get(), revoke_invite.version().get()),
        |_| get_invites(),
    );
    view! {
        <h1>"Admin"</h1>
        {loaded("Loading the configuration…", move || async move {
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
        <InvitesSection invites create=create_invite revoke=revoke_invite />
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
                    <table class="stack">
                        <tbody>
                            <tr><th>"Provider"</th><td>{config.provider.clone().unwrap_or_else(dash)}</td></tr>
                            <tr><th>"Model"</th><td>{config.model.clone().unwrap_or_else(dash)}</td></tr>
                            <tr><th>"Base URL"</th><td><code>{config.base_url.clone().unwrap_or_else(dash)}</code></td></tr>
                            <tr><th>"Key"</th><td><code data-testid="system-key-preview">{config.key_preview.clone().unwrap_or_else(dash)}</code></td></tr>
                        </tbody>
                    </table>
                    <form method="post" action=TestSystemAiKey::url() class="inline"
                        on:submit=dispatch_on_submit(test, None, |_| TestSystemAiKey {})>
                        <button type="submit" class="secondary" disabled=move || test.pending().get()>"🧪 Test system key"</button>
                        {move || test.pending().get().then(|| view! { <span class="loading">"Testing…"</span> })}
                    </form>
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
            <form method="post" action=SaveAdminSettings::url()
                on:submit=dispatch_on_submit(save, None, |f| SaveAdminSettings { require_personal_key: f.get("require_personal_key") })>
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
            </form>
            <h3>"Sign-up"</h3>
            <p data-testid="signup-mode">{if config.registration_open {
                "Sign-up is open: anyone who can reach this server can create an account (HIREKEY_REGISTRATION=open)."
            } else {
                "Sign-up is by invite only: after the first account, people need an invite link (set HIREKEY_REGISTRATION=open to let anyone sign up)."
            }}</p>
            <h3>"Local model servers"</h3>
            <p class="muted" data-testid="allowed-hosts">{if config.allowed_provider_hosts.is_empty() {
                "A custom provider may only call public addresses. Allow a local server (such as Ollama) with HIREKEY_ALLOWED_PROVIDER_HOSTS=host:port.".to_owned()
            } else {
                format!("A custom provider may also call: {}.", config.allowed_provider_hosts.join(", "))
            }}</p>
        </section>
    }
}

/// Sign-up invites: create one (optionally for one email, with an expiry), copy its link, and
/// revoke the ones not used yet.
#[component]
fn InvitesSection(
    invites: Loaded<Vec<Invite>>,
    create: ServerAction<CreateInvite>,
    revoke: ServerAction<RevokeInvite>,
) -> impl IntoView {
    view! {
        <section class="card" data-testid="invites">
            <h2>"Invites"</h2>
            <p class="muted">"Each invite link works once."</p>
            <form method="post" action=CreateInvite::url() class="invite-form"
                on:submit=dispatch_on_submit(create, None, |f| CreateInvite {
                    email: f.get("email"),
                    expires_in_days: f.get("expires_in_days"),
                })>
                <label>"Invitee email (optional)"
                    <input type="email" name="email" placeholder="Anyone with the link" autocomplete="off" />
                </label>
                <label>"Link expires"
                    <select name="expires_in_days">
                        <option value="1">"In 1 day"</option>
                        <option value="7" selected>"In 7 days"</option>
                        <option value="30">"In 30 days"</option>
                        <option value="90">"In 90 days"</option>
                    </select>
                </label>
                <div class="row">
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"✉️ Create invite"</button>
                </div>
            </form>
            {move || create.value().get().map(|r| match r {
                Ok(invite) => view! { <NewInvite invite /> }.into_any(),
                Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
            })}
            {move || revoke.value().get().and_then(Result::err).map(|e| view! { <ErrorMessage error=e /> })}
            {loaded("Loading invites…", move || async move {
                invites.await.map(|list| if list.is_empty() {
                    view! { <p class="muted">"No invites yet."</p> }.into_any()
                } else {
                    view! { <InvitesTable invites=list revoke /> }.into_any()
                })
            })}
        </section>
    }
}

/// A new invite's link: shown once, with a button that copies it.
#[component]
fn NewInvite(invite: CreatedInvite) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let url = invite.url.clone();
    let copy = move |_| copied.set(Some(copy_to_clipboard(&url)));
    let select_all = |ev: leptos::ev::FocusEvent| select_target(&ev);
    view! {
        <div class="test-result success" role="status" data-testid="new-invite">
            <p>{match &invite.email {
                Some(email) => format!("Invite for {email} created; it expires "),
                None => "Invite created; it expires ".to_owned(),
            }} <RelativeTime t=invite.expires_at /> "." " This link is shown only now:"</p>
            <div class="row">
                <input type="text" readonly class="invite-link" value=invite.url.clone()
                    aria-label="Invite link" data-testid="invite-url" on:focus=select_all />
                <button type="button" class="secondary" on:click=copy>"📋 Copy link"</button>
                {move || copied.get().map(|ok| if ok {
                    view! { <span class="success">"Copied."</span> }.into_any()
                } else {
                    view! { <span class="muted">"Select the link and copy it (Ctrl+C)."</span> }.into_any()
                })}
            </div>
        </div>
    }
}

/// Puts `text` on the clipboard; false where the page cannot (no secure context, or no WASM).
fn copy_to_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let window = window();
        // `navigator.clipboard` exists only in secure contexts (HTTPS, or loopback).
        if window.is_secure_context() {
            let _ = window.navigator().clipboard().write_text(text);
            return true;
        }
        false
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// Selects the text of the input an event came from, so the link is easy to copy by hand.
fn select_target(ev: &leptos::ev::FocusEvent) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

#[component]
fn InvitesTable(invites: Vec<Invite>, revoke: ServerAction<RevokeInvite>) -> impl IntoView {
    view! {
        <table class="stack" data-testid="invite-list">
            <thead>
                <tr><th>"For"</th><th>"Status"</th><th>"Created"</th><th>"Expires"</th><th>"Used"</th><th></th></tr>
            </thead>
            <tbody>
                {invites.into_iter().map(|i| {
                    let badge = match i.status {
                        InviteStatus::Pending => "badge ok",
                        InviteStatus::Used => "badge muted",
                        InviteStatus::Revoked | InviteStatus::Expired => "badge warn",
                    };
                    view! {
                        <tr>
                            <td data-label="For">{i.email.clone().unwrap_or_else(|| "anyone".into())}</td>
                            <td data-label="Status"><span class=badge>{i.status.as_str()}</span></td>
                            <td data-label="Created"><RelativeTime t=i.created_at /></td>
                            <td data-label="Expires"><RelativeTime t=i.expires_at /></td>
                            <td data-label="Used">{match i.used_at {
                                Some(t) => view! { <RelativeTime t /> }.into_any(),
                                None => "—".into_any(),
                            }}</td>
                            <td>{(i.status == InviteStatus::Pending).then(|| view! {
                                <form method="post" action=RevokeInvite::url() class="inline"
                                    on:submit=dispatch_on_submit(revoke, None, |f| RevokeInvite { id: f.text("id") })>
                                    <input type="hidden" name="id" value=i.id.to_string() />
                                    <button type="submit" class="link-button danger-link">"Revoke"</button>
                                </form>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn UsersSection(users: Loaded<Vec<AdminUser>>) -> impl IntoView {
    view! {
        <section class="card" data-testid="admin-users">
            <h2>"Users"</h2>
            {loaded("Loading users…", move || async move {
                users.await.map(|list| view! { <UsersTable users=list /> }.into_any())
            })}
        </section>
    }
}

#[component]
fn UsersTable(users: Vec<AdminUser>) -> impl IntoView {
    view! {
        <table class="stack">
            <thead>
                <tr><th>"Email"</th><th>"Name"</th><th>"Role"</th><th>"Registered"</th><th>"Personal key"</th><th>"Provider"</th><th>"Key expires"</th><th>"AI cost this month"</th><th>"System-key budget"</th></tr>
            </thead>
            <tbody>
                {users.into_iter().map(|u| {
                    let budget_label = format!("Monthly system-key budget for {}, in US dollars", u.email);
                    view! {
                    <tr>
                        <td data-label="Email">{u.email}</td>
                        <td data-label="Name">{u.name}</td>
                        <td data-label="Role">{if u.is_admin { "admin" } else { "user" }}</td>
                        <td data-label="Registered"><RelativeTime t=u.created_at /></td>
                        <td data-label="Personal key">{if u.has_personal_key {
                            view! { <span class="badge ok">"yes"</span> }.into_any()
                        } else {
                            view! { <span class="badge muted">"no"</span> }.into_any()
                        }}</td>
                        <td data-label="Provider">{u.provider}</td>
                        <td data-label="Key expires">{match u.expires_at {
                            Some(t) => view! { <RelativeTime t /> }.into_any(),
                            None => (if u.has_personal_key { "never" } else { "—" }).into_any(),
                        }}</td>
                        <td data-label="AI cost this month">{types::usage::format_cost(u.month_cost_usd, u.month_unpriced_calls)}</td>
                        <td data-label="System-key budget">
                            <form method="post" action=SetUserBudget::url() class="inline">
                                <input type="hidden" name="user_id" value=u.id.to_string() />
                                <input type="number" name="monthly_usd" min="0" step="0.01" class="narrow"
                                    aria-label=budget_label
                                    value=u.system_budget_usd.map(types::usage::format_amount).unwrap_or_default() />
                                <button type="submit" class="link-button">"Save"</button>
                            </form>
                        </td>
                    </tr>
                }}).collect_view()}
            </tbody>
        </table>
    }
}

/// Everyone's usage by key source, with its cost: rendered by the server
/// (`components/reports.rs` `AdminUsage`), so this page's WASM carries no usage shapes.
#[component]
fn UsageBySourceSection(usage: Loaded<String>) -> impl IntoView {
    view! {
        <section class="card" data-testid="admin-usage">
            <h2>"Usage by key source (all users, last 30 days)"</h2>
            {loaded("Loading usage…", move || async move {
                usage.await.map(|html| view! { <ServerHtml html /> }.into_any())
            })}
        </section>
    }
}
