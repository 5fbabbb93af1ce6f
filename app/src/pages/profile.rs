//! My Profile: the personal AI key, in the seed's seven sections, then usage, the account's
//! security (password, sessions) and its activity.
use leptos::{html, prelude::*, server_fn::ServerFn};

use crate::api::codec::resource;
use crate::components::error_view::ErrorMessage;
use crate::components::form::dispatch_on_submit;
use crate::components::layout::KeyBanner;
use crate::components::loaded::loaded;
use crate::components::server_html::ServerHtml;
use crate::components::test_result::TestResult;
use crate::provider::Provider;

use crate::api::auth::{ChangePassword, LogoutEverywhere};
use crate::api::profile::{
    get_ai_settings, get_key_status_html, get_setup_guide_html, PersonalAiSettings, RemoveAiKey,
    SaveAiSettings, TestAiKey,
};

#[component]
pub fn ProfilePage() -> impl IntoView {
    let save = ServerAction::<SaveAiSettings>::new();
    let remove = ServerAction::<RemoveAiKey>::new();
    let test = ServerAction::<TestAiKey>::new();
    // The form reloads after a save or a removal (a test must not wipe the key being typed);
    // the status and the activity list follow every action, a test included.
    let settings = resource(
        move || (save.version().get(), remove.version().get()),
        |_| get_ai_settings(),
    );
    let changes =
        Memo::new(move |_| save.version().get() + remove.version().get() + test.version().get());
    let status = resource(move || changes.get(), |_| get_key_status_html());
    // The layout stays across pages: have its key banner follow a saved or removed key.
    if let Some(banner) = use_context::<KeyBanner>() {
        Effect::new(move |seen: Option<(usize, usize)>| {
            let versions = (save.version().get(), remove.version().get());
            if seen.is_some_and(|seen| seen != versions) {
                banner.refresh();
            }
            versions
        });
    }
    view! {
        <h1>"My Profile"</h1>
        // 1. Current status, rendered by the server (`components/reports.rs`)
        <section class="card status" data-testid="key-status">
            <h2>"Current Status"</h2>
            {loaded("Loading your key status…", move || async move {
                status.await.map(|html| view! { <ServerHtml html /> }.into_any())
            })}
        </section>
        {loaded("Loading your AI settings…", move || async move {
            settings.await.map(|s| view! { <ProfileSections settings=s save remove test /> }.into_any())
        })}
        // Siblings, not children, of the settings Transition: nested Transitions do not hydrate.
        <BudgetSection />
        <UsageSection />
        <SecuritySection />
        <AuditSection changes />
    }
}

/// The seed's seven sections, around the provider the form has chosen.
#[component]
fn ProfileSections(
    settings: PersonalAiSettings,
    save: ServerAction<SaveAiSettings>,
    remove: ServerAction<RemoveAiKey>,
    test: ServerAction<TestAiKey>,
) -> impl IntoView {
    let provider = RwSignal::new(settings.provider.clone());
    view! {
        // 2. Setup guide
        <SetupGuideSection provider />

        // 3-6. Key input, test results, toggle, actions
        <section class="card">
            <h2>"API Key"</h2>
            <KeyForm settings=settings.clone() provider save test />
            <RemoveKey settings=settings.clone() remove />
        </section>
        <FallbackSection settings />

        // 7. Information
        <InfoSection />
    }
}

/// The order in which the user's saved keys answer when the active one is rate limited, fails
/// or cannot be reached: a plain form of up to three choices.
#[component]
fn FallbackSection(settings: PersonalAiSettings) -> impl IntoView {
    use crate::api::usage::SetFallbackOrder;
    let set = ServerAction::<SetFallbackOrder>::new();
    let submit = dispatch_on_submit(set, None, |f| {
        let choice = |name: &str| Some(f.text(name)).filter(|v| !v.is_empty());
        SetFallbackOrder {
            first: choice("first"),
            second: choice("second"),
            third: choice("third"),
        }
    });
    let saved: Vec<String> = settings
        .providers
        .iter()
        .map(|p| p.provider.clone())
        .collect();
    let order = settings.fallback_providers.clone();
    let select = move |name: &'static str, label: &'static str, i: usize| {
        let chosen = order.get(i).cloned().unwrap_or_default();
        let options = saved
            .iter()
            .map(|p| {
                let name = Provider::parse(p).map_or(p.clone(), |v| v.spec().label.to_owned());
                view! { <option value=p.clone() selected=*p == chosen>{name}</option> }
            })
            .collect_view();
        view! {
            <label>{label}
                <select name=name>
                    <option value="" selected=chosen.is_empty()>"—"</option>
                    {options}
                </select>
            </label>
        }
    };
    view! {
        <section class="card" data-testid="fallback">
            <h2>"Fallback across your keys"</h2>
            {if settings.providers.len() < 2 {
                view! { <p class="muted">"Save keys for two or more providers to have a call that is rate limited, fails or cannot connect on one answered by the next."</p> }.into_any()
            } else {
                view! {
                    <p class="muted">"When your active key answers 429 or a server error, times out or cannot connect, the next key in this order answers instead (a streamed answer only before its first word). A rejected key or one without credit never falls back."</p>
                    <form method="post" action=SetFallbackOrder::url() class="row" on:submit=submit>
                        {select("first", "First", 0)}
                        {select("second", "Then", 1)}
                        {select("third", "Then", 2)}
                        <button type="submit" disabled=move || set.pending().get()>"Save order"</button>
                    </form>
                    {move || set.value().get().map(|r| match r {
                        Ok(()) => view! { <p class="success" role="status">"Fallback order saved."</p> }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    })}
                }.into_any()
            }}
        </section>
    }
}

/// 3-6. The key form: provider, key and its test, base URL, model, expiry, toggle, save.
#[component]
fn KeyForm(
    settings: PersonalAiSettings,
    provider: RwSignal<String>,
    save: ServerAction<SaveAiSettings>,
    test: ServerAction<TestAiKey>,
) -> impl IntoView {
    let key_input = NodeRef::<html::Input>::new();
    let base_url_input = NodeRef::<html::Input>::new();
    let run_test = move |_| {
        let api_key = key_input.get().map(|i| i.value()).unwrap_or_default();
        let base_url = base_url_input.get().map(|i| i.value());
        test.dispatch(TestAiKey {
            provider: provider.get_untracked(),
            api_key,
            base_url,
        });
    };
    let initial_provider = settings.provider.clone();
    let submit = dispatch_on_submit(save, None, |f| SaveAiSettings {
        provider: f.text("provider"),
        api_key: f.get("api_key"),
        model: f.get("model"),
        base_url: f.get("base_url"),
        use_personal_ai_key: f.get("use_personal_ai_key"),
        expires_in_days: f.get("expires_in_days"),
    });
    view! {
        <form method="post" action=SaveAiSettings::url() class="key-form" on:submit=submit>
            <label>"Provider"
                <select name="provider" on:change=move |ev| provider.set(event_target_value(&ev))>
                    {Provider::ALL.iter().map(|p| p.spec()).map(|spec| { let initial_provider = initial_provider.clone(); view! {
                        <option value=spec.id selected=initial_provider == spec.id>{spec.menu_label}</option>
                    }}).collect_view()}
                </select>
            </label>
            <label>"API key"
                <input node_ref=key_input type="password" name="api_key" autocomplete="off"
                    placeholder=move || Provider::parse(&provider.get()).map_or("Paste your key", |p| p.spec().key_placeholder) />
            </label>
            <div class="row">
                <button type="button" class="secondary" on:click=run_test disabled=move || test.pending().get()>
                    "🧪 Test"
                </button>
                {move || test.pending().get().then(|| view! { <span class="loading">"Testing…"</span> })}
            </div>
            // 4. Test results
            {move || test.value().get().map(|r| view! { <TestResult result=r testid="test-result" /> })}
            <label class:hidden=move || provider.get() != "custom">"Base URL"
                <input node_ref=base_url_input type="url" name="base_url" placeholder="http://127.0.0.1:11434/v1"
                    value=settings.base_url.clone().unwrap_or_default() />
            </label>
            <ModelField settings=settings.clone() test />
            <ExpiryField />
            // 5. Toggle
            <label class="toggle">
                <input type="checkbox" name="use_personal_ai_key" value="on" checked=settings.use_personal_ai_key />
                "Use my personal API key"
            </label>
            // 6. Actions
            <div class="row">
                <button type="submit" class="primary" disabled=move || save.pending().get()>"💾 Save Settings"</button>
                {move || save.pending().get().then(|| view! { <span class="loading">"Saving…"</span> })}
            </div>
            {move || save.value().get().map(|r| match r {
                Ok(s) if s.stored_but_off() => view! {
                    <p class="success" role="status">"Settings saved. Your key is stored but not in use: "
                        {match s.key_source {
                            crate::api::profile::KeySource::System | crate::api::profile::KeySource::Team => format!("AI features use {}.", s.key_source.describe()),
                            _ => "AI features stay off until a key is in use.".to_owned(),
                        }}</p>
                }.into_any(),
                Ok(_) => view! { <p class="success" role="status">"Settings saved."</p> }.into_any(),
                Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
            })}
        </form>
        <UseKeyOffer save />
    }
}

/// After a save that left a stored key switched off: the offer to turn it on, most wanted when
/// the key has just passed its test.
#[component]
fn UseKeyOffer(save: ServerAction<SaveAiSettings>) -> impl IntoView {
    let submit = dispatch_on_submit(save, None, |f| SaveAiSettings {
        provider: f.text("provider"),
        api_key: None,
        model: None,
        base_url: None,
        use_personal_ai_key: f.get("use_personal_ai_key"),
        expires_in_days: None,
    });
    move || {
        save.value().get().and_then(Result::ok).filter(|s| s.stored_but_off()).map(|s| view! {
            <form method="post" action=SaveAiSettings::url() class="row use-key-offer" on:submit=submit data-testid="use-key-offer">
                <input type="hidden" name="provider" value=s.provider.clone() />
                <input type="hidden" name="use_personal_ai_key" value="on" />
                <span>{if s.last_test_ok == Some(true) { "Your key passed its test. Use it for AI features now?" } else { "Use your stored key for AI features now?" }}</span>
                <button type="submit" class="primary">"Use my key"</button>
            </form>
        })
    }
}

/// The model field; a passed key test offers the provider's models.
#[component]
fn ModelField(settings: PersonalAiSettings, test: ServerAction<TestAiKey>) -> impl IntoView {
    let models = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        if let Some(Ok(result)) = test.value().get() {
            models.set(result.available_models);
        }
    });
    let s = settings;
    // Only a model the user chose is prefilled; the provider's default shows as the placeholder.
    let current_model = s
        .providers
        .iter()
        .find(|p| p.provider == s.provider)
        .and_then(|p| p.model.clone())
        .unwrap_or_default();
    let default_model = s.model.clone().unwrap_or_default();
    view! {
        <label>"Model"
            <input type="text" name="model" list="model-options" value=current_model
                placeholder=default_model />
            <datalist id="model-options">
                {move || models.get().into_iter().map(|m| view! { <option value=m.clone()>{m.clone()}</option> }).collect_view()}
            </datalist>
        </label>
    }
}

#[component]
fn ExpiryField() -> impl IntoView {
    view! {
        <label>"Key expires"
            <select name="expires_in_days">
                <option value="keep">"Keep current setting"</option>
                <option value="never">"Never"</option>
                <option value="1">"In 1 day"</option>
                <option value="7">"In 7 days"</option>
                <option value="30">"In 30 days"</option>
                <option value="90">"In 90 days"</option>
            </select>
        </label>
    }
}

/// The remove button (with a confirmation), when a personal key is set, and its outcome.
#[component]
fn RemoveKey(settings: PersonalAiSettings, remove: ServerAction<RemoveAiKey>) -> impl IntoView {
    let question = "Remove your personal API key? AI features will use the system key, if any.";
    view! {
        {settings.has_personal_key.then(|| view! {
            <form method="post" action=RemoveAiKey::url() class="remove-form"
                on:submit=dispatch_on_submit(remove, Some(question), |f| RemoveAiKey { provider: f.get("provider") })>
                <input type="hidden" name="provider" value=settings.provider.clone() />
                <button type="submit" class="danger">"🗑️ Remove Key"</button>
            </form>
        })}
        {move || remove.value().get().map(|r| match r {
            Ok(_) => view! { <p class="success" role="status">"Key removed."</p> }.into_any(),
            Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
        })}
    }
}

/// 7. How the key is kept and used.
#[component]
fn InfoSection() -> impl IntoView {
    view! {
        <section class="card info">
            <h2>"Security and usage"</h2>
            <ul>
                <li>"Your key is encrypted at rest (XChaCha20-Poly1305) and never shown again; only a masked preview is."</li>
                <li>"Keys are tested against the provider before they are saved."</li>
                <li>"Your key is used only for your own requests: resume analysis, AI chat and search."</li>
                <li>"With the toggle off, your key stays stored but unused; remove it to delete it."</li>
                <li>"Usage counts against your own provider rate limits (Groq free tier: 30 requests/min, 14,400/day)."</li>
            </ul>
        </section>
    }
}

#[component]
fn SetupGuideSection(provider: RwSignal<String>) -> impl IntoView {
    let open = RwSignal::new(false);
    // The guide is read-only text: the server renders it (`components/reports.rs`).
    let guide = resource(move || provider.get(), |p| get_setup_guide_html(Some(p)));
    view! {
        <section class="card guide">
            <button type="button" class="secondary" on:click=move |_| open.update(|o| *o = !*o)
                aria-expanded=move || open.get().to_string()>
                "📖 Setup Guide"
            </button>
            <Show when=move || open.get()>
                {loaded("Loading the guide…", move || async move {
                    guide.await.map(|html| view! { <ServerHtml html /> }.into_any())
                })}
            </Show>
        </section>
    }
}

/// The budget on the user's own keys (set here), the month's spend, and what the provider says
/// about the key: OpenRouter's credit, the rate-limit headroom. The server renders the report.
#[component]
pub fn BudgetSection() -> impl IntoView {
    use crate::api::usage::{get_budget_html, SetBudget};
    let set = ServerAction::<SetBudget>::new();
    let report = resource(move || set.version().get(), |_| get_budget_html());
    // The layout's banner follows a saved budget.
    if let Some(banner) = use_context::<KeyBanner>() {
        Effect::new(move |seen: Option<usize>| {
            let version = set.version().get();
            if seen.is_some_and(|seen| seen != version) {
                banner.refresh();
            }
            version
        });
    }
    let submit = dispatch_on_submit(set, None, |f| SetBudget {
        monthly_usd: f.text("monthly_usd"),
    });
    view! {
        <section class="card" data-testid="budget">
            <h2>"Budget and balance"</h2>
            {loaded("Loading your budget…", move || async move {
                report.await.map(|html| view! { <ServerHtml html /> }.into_any())
            })}
            <form method="post" action=SetBudget::url() class="row" on:submit=submit>
                <label>"Monthly budget for your own keys, in US dollars (empty for none)"
                    <input type="number" name="monthly_usd" min="0" step="0.01" inputmode="decimal" data-testid="budget-input" />
                </label>
                <button type="submit" disabled=move || set.pending().get()>"Save budget"</button>
            </form>
            {move || set.value().get().map(|r| match r {
                Ok(()) => view! { <p class="success" role="status">"Budget saved."</p> }.into_any(),
                Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
            })}
        </section>
    }
}

/// Usage dashboard: the last 30 days, split by key source, provider, model and feature. The
/// server renders it (`components/reports.rs`); the page shows its HTML.
#[component]
pub fn UsageSection() -> impl IntoView {
    use crate::api::usage::get_usage_html;
    let usage = resource(|| (), |_| get_usage_html(30));
    view! {
        <section class="card" data-testid="usage">
            <h2>"Usage (last 30 days)"</h2>
            {loaded("Loading usage…", move || async move {
                usage.await.map(|html| view! { <ServerHtml html /> }.into_any())
            })}
        </section>
    }
}

/// The account's security: change the password (every other session ends; this one goes on)
/// and sign out everywhere (every session ends, this one too).
#[component]
pub fn SecuritySection() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let everywhere = ServerAction::<LogoutEverywhere>::new();
    let submit_change = dispatch_on_submit(change, None, |f| ChangePassword {
        current_password: f.text("current_password"),
        new_password: f.text("new_password"),
        repeat_password: f.text("repeat_password"),
    });
    let submit_everywhere = dispatch_on_submit(
        everywhere,
        Some("Sign out everywhere? Every session ends, this one too; you will log in again."),
        |_| LogoutEverywhere {},
    );
    view! {
        <section class="card" data-testid="security">
            <h2>"Security"</h2>
            <h3>"Change password"</h3>
            <form method="post" action=ChangePassword::url() class="password-form" on:submit=submit_change>
                <label>"Current password"
                    <input type="password" name="current_password" required autocomplete="current-password" />
                </label>
                <label>"New password"
                    <input type="password" name="new_password" required minlength="8" autocomplete="new-password" />
                </label>
                <label>"Repeat the new password"
                    <input type="password" name="repeat_password" required minlength="8" autocomplete="new-password" />
                </label>
                <div class="row">
                    <button type="submit" class="primary" disabled=move || change.pending().get()>"🔑 Change password"</button>
                    {move || change.pending().get().then(|| view! { <span class="loading">"Changing…"</span> })}
                </div>
                {move || change.value().get().map(|r| match r {
                    Ok(()) => view! {
                        <p class="success" role="status">"Password changed. Every other session has ended; this one goes on."</p>
                    }.into_any(),
                    Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                })}
            </form>
            <h3>"Sessions"</h3>
            <p class="muted">"Signed in somewhere you no longer use, or lost a device? End every session at once, this one included."</p>
            <form method="post" action=LogoutEverywhere::url() on:submit=submit_everywhere>
                <button type="submit" class="danger" disabled=move || everywhere.pending().get()>"🚪 Sign out everywhere"</button>
            </form>
            {move || everywhere.value().get().and_then(Result::err).map(|e| view! { <ErrorMessage error=e /> })}
        </section>
    }
}

/// The key's audit trail; it reloads whenever `changes` does (an action on the page). The
/// server renders it (`components/reports.rs`); the page shows its HTML.
#[component]
pub fn AuditSection(#[prop(optional, into)] changes: Option<Signal<usize>>) -> impl IntoView {
    use crate::api::usage::get_audit_html;
    let audit = resource(move || changes.map(|c| c.get()), |_| get_audit_html());
    view! {
        <section class="card" data-testid="audit">
            <h2>"Key and account activity"</h2>
            {loaded("Loading…", move || async move {
                audit.await.map(|html| view! { <ServerHtml html /> }.into_any())
            })}
        </section>
    }
}
