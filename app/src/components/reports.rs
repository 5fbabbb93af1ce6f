//! The read-only reports the server renders for My Profile (`components/server_html.rs`): the
//! key's current status, the setup guide, the usage tables and chart, and the key and account
//! activity.
use leptos::prelude::*;

use crate::components::time::RelativeTime;
use crate::provider::Provider;
use crate::words::count;
use types::profile::{PersonalAiSettings, SetupGuide};
use types::usage::{AuditEntry, UsageSummary};

/// The provider's name as the menu shows it, for a stored provider id.
fn provider_label(id: &str) -> &'static str {
    Provider::parse(id).map_or("Custom", |p| p.spec().menu_label)
}

/// My Profile's current status: whether a personal key is set, which key AI features use, its expiry and last test.
#[component]
pub fn KeyStatus(settings: PersonalAiSettings) -> impl IntoView {
    let s = settings;
    let expiry_note = s.expires_at.map(|t| {
        if s.expired {
            view! { "Expired " <RelativeTime t /> }.into_any()
        } else {
            view! { "Expires " <RelativeTime t /> }.into_any()
        }
    });
    view! {
            {if s.has_personal_key {
                // What is true of the stored key: in use, stored but switched off, or expired.
                let (class, badge) = if s.expired {
                    ("badge error", "Personal key expired")
                } else if !s.use_personal_ai_key {
                    ("badge warn", "Personal key stored, not in use")
                } else if s.key_source == types::profile::KeySource::Personal {
                    ("badge ok", "Personal key in use")
                } else {
                    ("badge warn", "Personal key on, not usable")
                };
                view! {
                    <p>
                        <span class=class data-testid="key-badge">{badge}</span>
                        " "
                        <code data-testid="key-preview">{s.key_preview.clone().unwrap_or_default()}</code>
                        " · " {provider_label(&s.provider)}
                    </p>
                }.into_any()
            } else {
                view! { <p><span class="badge muted">"No personal API key"</span></p> }.into_any()
            }}
            {s.stored_but_off().then(|| view! {
                <p class="muted" data-testid="key-off-note">"Your key is saved but switched off. Tick “Use my personal API key” and save to use it."</p>
            })}
            <p data-testid="key-source">{match s.key_source.as_str() {
                "personal" => format!("AI features use your {} key.", provider_label(&s.provider)),
                "system" => "AI features use the system key.".to_owned(),
                _ if s.has_personal_key && s.expired => "AI features are unavailable until you renew your key.".to_owned(),
                _ if s.has_personal_key => "AI features are unavailable until you turn your key on.".to_owned(),
                _ => "AI features are unavailable until you add an API key.".to_owned(),
            }}</p>
            {expiry_note.map(|n| view! { <p class=if s.expired { "error" } else { "muted" } data-testid="key-expiry">{n}</p> })}
            {s.last_test_ok.map(|ok| view! {
                <p class="muted" data-testid="key-last-test">{if ok { "Last test passed" } else { "Last test failed" }}
                    {s.last_tested_at.map(|t| view! { " (" <RelativeTime t /> ")" })}</p>
            })}
    }
}

/// The setup guide for one provider: the steps with their links, the benefits, the model.
#[component]
pub fn GuideBody(guide: SetupGuide) -> impl IntoView {
    view! {
        <div data-testid="setup-guide">
            <h3>{guide.title}</h3>
            <ol class="steps">
                {guide.steps.into_iter().map(|s| view! {
                    <li>
                        <strong>{s.title}</strong> " — " {s.description}
                        {s.url.map(|u| view! { " " <a href=u.clone() target="_blank" rel="noopener noreferrer">{u.clone()}</a> })}
                    </li>
                }).collect_view()}
            </ol>
            <h4>"Benefits"</h4>
            <ul class="benefits">
                {guide.benefits.into_iter().map(|b| view! { <li>{b}</li> }).collect_view()}
            </ul>
            <h4>"Model"</h4>
            <p class="model-info">
                {guide.model_info.name} " · " {guide.model_info.speed} " · " {guide.model_info.context}
            </p>
        </div>
    }
}

/// The usage of the last days: totals, rate-limit headroom, the chart and the breakdowns.
#[component]
pub fn UsageSummaryView(usage: UsageSummary) -> impl IntoView {
    use crate::components::usage_chart::UsageChart;
    use types::usage::{format_cost, UsageBreakdown};
    fn table(title: &'static str, rows: Vec<UsageBreakdown>) -> impl IntoView {
        (!rows.is_empty()).then(|| view! {
            <h4>{title}</h4>
            <table class="stack">
                <thead><tr><th>"Name"</th><th>"Calls"</th><th>"Errors"</th><th>"Tokens"</th><th>"Cost"</th><th>"Avg ms"</th><th>"p95 ms"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr><td data-label="Name">{r.name}</td><td data-label="Calls">{r.calls}</td><td data-label="Errors">{r.errors}</td>
                            <td data-label="Tokens">{r.tokens}</td><td data-label="Cost">{format_cost(r.cost_usd, r.unpriced_calls)}</td><td data-label="Avg ms">{r.avg_latency_ms}</td><td data-label="p95 ms">{r.p95_latency_ms}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        })
    }
    let u = usage;
    view! {
        <p>
            <strong>{u.total_calls}</strong> {if u.total_calls == 1 { " call · " } else { " calls · " }}
            <strong>{u.total_errors}</strong> {if u.total_errors == 1 { " error · " } else { " errors · " }}
            {count(u.prompt_tokens + u.completion_tokens, "token", "tokens")} " · average " {u.avg_latency_ms} " ms · p95 " {u.p95_latency_ms} " ms · cost "
            <strong data-testid="usage-cost">{format_cost(u.cost_usd, u.unpriced_calls)}</strong>
        </p>
        {u.budget.clone().map(|b| view! {
            <p class=if b.exceeded { "badge error" } else if b.warning { "badge warn" } else { "muted" } data-testid="usage-budget">
                "This month: " {types::usage::format_usd(Some(b.spent_usd))} " of a "
                {types::usage::format_usd(Some(b.monthly_usd))} " budget."
            </p>
        })}
        {u.headroom.clone().map(|h| {
            let text = format!(
                "{}: {} of {} requests left, resets in {}",
                h.provider,
                h.remaining_requests.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
                h.limit_requests.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
                h.reset_requests.clone().unwrap_or_else(|| "unknown".into()),
            );
            view! {
                <p class=if h.low { "badge warn" } else { "muted" } data-testid="headroom">
                    {if h.low { "⚠️ Low rate-limit headroom. " } else { "" }} {text}
                </p>
            }
        })}
        <UsageChart days=u.per_day.clone() />
        {table("By key source", u.by_key_source)}
        {table("By provider", u.by_provider)}
        {table("By model", u.by_model)}
        {table("By feature", u.by_feature)}
        {table("Fell back from (key: reason)", u.by_fallback)}
    }
}

/// The budget on the user's own keys with the month's spend, the OpenRouter key's credit, and
/// the last rate-limit headroom a provider reported.
#[component]
pub fn BudgetView(
    setting: types::usage::BudgetSetting,
    credit: Option<types::profile::KeyCredit>,
    headroom: Option<types::usage::RateLimitHeadroom>,
) -> impl IntoView {
    use types::usage::format_usd;
    let s = setting;
    let spent = format_usd(Some(s.spent_usd));
    let line = match s.monthly_usd {
        Some(limit) => format!(
            "{spent} of {} spent this month on your own keys.",
            format_usd(Some(limit))
        ),
        None => format!("{spent} spent this month on your own keys. No budget is set."),
    };
    let class = if s.exceeded {
        "badge error"
    } else if s.warning {
        "badge warn"
    } else {
        "muted"
    };
    view! {
        <p data-testid="budget-line">{line}</p>
        {(s.monthly_usd.is_some()).then(|| view! {
            <p class=class data-testid="budget-state">
                {if s.exceeded {
                    "⛔ The budget is spent: AI calls on your own keys are refused until it resets or you raise it. "
                } else if s.warning {
                    "⚠️ 80 % or more of the budget is spent. "
                } else {
                    ""
                }}
                "It resets " <time datetime=s.resets_at.to_string()>{s.resets_at.to_string()}</time> "."
            </p>
        })}
        {credit.map(|c| {
            let text = match (c.limit_usd, c.remaining_usd) {
                (Some(limit), Some(left)) => format!(
                    "OpenRouter says this key has used {} of its {} credit limit; {} is left.",
                    format_usd(Some(c.usage_usd)), format_usd(Some(limit)), format_usd(Some(left))
                ),
                _ => format!(
                    "OpenRouter says this key has used {} and has no credit limit.",
                    format_usd(Some(c.usage_usd))
                ),
            };
            view! { <p data-testid="openrouter-credit">{text}</p> }
        })}
        {headroom.map(|h| {
            let text = format!(
                "Rate-limit headroom ({}): {} of {} requests and {} of {} tokens left; requests reset in {}.",
                h.provider,
                h.remaining_requests.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
                h.limit_requests.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
                h.remaining_tokens.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
                h.limit_tokens.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
                h.reset_requests.clone().unwrap_or_else(|| "unknown".into()),
            );
            view! { <p class=if h.low { "badge warn" } else { "muted" } data-testid="key-headroom">{text}</p> }
        })}
    }
}

/// The banners across the app: a spent or nearly spent budget, an expired or expiring key.
#[component]
pub fn Banners(settings: PersonalAiSettings, budget: Option<(String, bool)>) -> impl IntoView {
    let budget = budget.map(|(text, spent)| view! {
        <div class=if spent { "banner error" } else { "banner" } role="status" data-testid="budget-banner">
            {text} " " <a href="/profile">"See My Profile"</a>
        </div>
    });
    let key = if settings.expired {
        Some(
            view! {
                <div class="banner error" role="alert" data-testid="key-banner">
                    "Your personal API key has expired and is no longer used. "
                    <a href="/profile">"Renew it in My Profile"</a>
                </div>
            }
            .into_any(),
        )
    } else if settings.expires_soon {
        Some(view! {
            <div class="banner" role="status" data-testid="key-banner">
                "Your personal API key expires on "
                {settings.expires_at.map(|t| {
                    let text = t.to_string();
                    let shown = format!("{} {} UTC", text.get(..10).unwrap_or(&text), text.get(11..16).unwrap_or(""));
                    view! { <time datetime=text>{shown}</time> }
                })}
                ". "
                <a href="/profile">"Manage it in My Profile"</a>
            </div>
        }.into_any())
    } else {
        None
    };
    view! { {budget} {key} }
}

/// Everyone's usage by key source, with its cost, for the admin page.
#[component]
pub fn AdminUsage(usage: UsageSummary) -> impl IntoView {
    use types::usage::format_cost;
    if usage.by_key_source.is_empty() {
        return view! { <p class="muted">"No AI calls yet."</p> }.into_any();
    }
    view! {
        <p data-testid="admin-usage-cost">"Cost: " {format_cost(usage.cost_usd, usage.unpriced_calls)}</p>
        <table class="stack">
            <thead><tr><th>"Key source"</th><th>"Calls"</th><th>"Errors"</th><th>"Tokens"</th><th>"Cost"</th><th>"Avg ms"</th><th>"p95 ms"</th></tr></thead>
            <tbody>
                {usage.by_key_source.into_iter().map(|r| view! {
                    <tr><td data-label="Key source">{r.name}</td><td data-label="Calls">{r.calls}</td><td data-label="Errors">{r.errors}</td>
                        <td data-label="Tokens">{r.tokens}</td><td data-label="Cost">{format_cost(r.cost_usd, r.unpriced_calls)}</td><td data-label="Avg ms">{r.avg_latency_ms}</td><td data-label="p95 ms">{r.p95_latency_ms}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The activity log, newest first, or a line saying there is none.
#[component]
pub fn AuditLog(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        view! { <p class="muted">"No activity yet."</p> }.into_any()
    } else {
        view! { <AuditTable entries /> }.into_any()
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    view! {
        <table class="stack">
            <thead><tr><th>"When"</th><th>"Event"</th><th>"Provider"</th><th>"Detail"</th><th>"IP"</th></tr></thead>
            <tbody>
                {entries.into_iter().take(50).map(|e| view! {
                    <tr>
                        <td data-label="When"><RelativeTime t=e.created_at /></td><td data-label="Event">{e.event}</td>
                        <td data-label="Provider">{e.provider.unwrap_or_default()}</td>
                        <td data-label="Detail">{e.detail.unwrap_or_default()}</td><td data-label="IP">{e.ip.unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
