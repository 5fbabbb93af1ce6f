//! The landing page after login: where things stand, from one server function.
use leptos::prelude::*;

use crate::api::candidates::AnalysisStatus;
use crate::api::codec::resource;
use crate::api::dashboard::{get_dashboard, CandidateCounts, DashboardSummary, RecentCandidate};
use crate::api::profile::KeySource;
use crate::api::team::due_html;
use crate::components::error_view::ErrorMessage;
use crate::components::layout::CurrentUser;
use crate::components::loaded::{loaded, loaded_view};
use crate::components::server_html::ServerHtml;
use crate::components::time::RelativeTime;
use crate::components::usage_chart::UsageChart;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let user = use_context::<CurrentUser>();
    let name = user.map(|u| u.0.name).unwrap_or_default();
    let summary = resource(|| (), |_| get_dashboard());
    let due = resource(|| (), |_| due_html());
    view! {
        <section class="card">
            <h1>"Dashboard"</h1>
            <p>"Welcome, " {name} "."</p>
            <ul class="quick-links">
                <li><a href="/upload">"Upload a resume"</a>" and let AI analyse it on your own key."</li>
                <li><a href="/chat">"Ask the AI"</a>" about your candidates."</li>
            </ul>
        </section>
        {loaded("Loading the dashboard…", move || async move {
            summary.await.map(|s| view! { <DashboardBody summary=s /> }.into_any())
        })}
        {loaded_view("", move || async move {
            match due.await {
                Ok(html) => view! { <ServerHtml html /> }.into_any(),
                Err(error) => view! { <ErrorMessage error /> }.into_any(),
            }
        })}
    }
}

#[component]
fn DashboardBody(summary: DashboardSummary) -> impl IntoView {
    let s = summary;
    let recent = s.recent.clone();
    view! {
        <Counts counts=s.counts />
        <section class="card" data-testid="dashboard-recent">
            <h2>"Recent candidates"</h2>
            {if recent.is_empty() {
                view! { <p class="muted">"No candidates yet: upload a resume to start."</p> }.into_any()
            } else {
                view! {
                    <ul class="recent-candidates">
                        {recent.into_iter().map(|c| view! { <RecentRow c /> }).collect_view()}
                    </ul>
                    <p><a href="/candidates">"All candidates"</a></p>
                }.into_any()
            }}
        </section>
        <KeyCard summary=s.clone() />
        <section class="card" data-testid="dashboard-usage">
            <h2>"AI usage this week"</h2>
            <p>
                <strong data-testid="dashboard-calls">{s.usage.total_calls}</strong>
                {if s.usage.total_calls == 1 { " call · " } else { " calls · " }}
                <strong data-testid="dashboard-errors">{s.usage.total_errors}</strong>
                {if s.usage.total_errors == 1 { " error · " } else { " errors · " }}
                <strong data-testid="dashboard-tokens">{s.usage.prompt_tokens + s.usage.completion_tokens}</strong>
                {if s.usage.prompt_tokens + s.usage.completion_tokens == 1 { " token · " } else { " tokens · " }}
                <strong data-testid="dashboard-cost">{types::usage::format_cost(s.usage.cost_usd, s.usage.unpriced_calls)}</strong>
            </p>
            {s.usage.budget.clone().map(|b| view! {
                <p class=if b.exceeded { "badge error" } else if b.warning { "badge warn" } else { "muted" } data-testid="dashboard-budget">
                    "This month: " {types::usage::format_usd(Some(b.spent_usd))} " of a "
                    {types::usage::format_usd(Some(b.monthly_usd))} " budget."
                </p>
            })}
            <UsageChart days=s.usage.per_day.clone() />
        </section>
    }
}

#[component]
fn Counts(counts: CandidateCounts) -> impl IntoView {
    let c = counts;
    view! {
        <section class="card" data-testid="dashboard-counts">
            <h2>"Candidates"</h2>
            <dl class="stats">
                <div><dt>"Candidates"</dt><dd data-testid="count-total">{c.total}</dd></div>
                <div><dt>"Analysed"</dt><dd data-testid="count-analysed">{c.analysed}</dd></div>
                <div><dt>"Pending"</dt><dd data-testid="count-pending">{c.pending}</dd></div>
                <div><dt>"Failed"</dt><dd data-testid="count-failed">{c.failed}</dd></div>
            </dl>
            {(c.failed > 0).then(|| view! {
                <p class="error">
                    {if c.failed == 1 { "1 analysis failed. ".to_owned() } else { format!("{} analyses failed. ", c.failed) }}
                    <a href="/candidates" data-testid="retry-failed">"Open the candidates to retry them"</a>
                </p>
            })}
        </section>
    }
}

#[component]
fn RecentRow(c: RecentCandidate) -> impl IntoView {
    let href = format!("/candidates/{}", c.id);
    view! {
        <li data-testid="recent-candidate">
            <a href=href>{c.name}</a>
            {c.current_title.map(|t| view! { " · " <span class="title">{t}</span> })}
            " · " <span class="muted">"added " <RelativeTime t=c.created_at /></span>
            {(c.analysis_status != "done").then(|| {
                let status = AnalysisStatus::from_stored(&c.analysis_status);
                view! {
                    " " <span class=if status == AnalysisStatus::Failed { "badge error" } else { "badge muted" }>{status.label()}</span>
                }
            })}
            {(!c.skills.is_empty()).then(|| view! {
                <div class="chips">{c.skills.into_iter().take(8).map(|s| view! { <span class="chip">{s}</span> }).collect_view()}</div>
            })}
        </li>
    }
}

#[component]
fn KeyCard(summary: DashboardSummary) -> impl IntoView {
    let s = summary;
    let model = s
        .key
        .model
        .clone()
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    let line = match s.key.key_source {
        Some(KeySource::Personal) => view! {
            <p data-testid="dashboard-key">"AI runs on your personal " <strong>{s.key.provider.clone()}</strong> " key" {model} "."</p>
        }.into_any(),
        Some(KeySource::Team) => view! {
            <p data-testid="dashboard-key">"AI runs on the team's " <strong>{s.key.provider.clone()}</strong> " key" {model} "."</p>
        }.into_any(),
        Some(_) => view! {
            <p data-testid="dashboard-key">"AI runs on the system " <strong>{s.key.provider.clone()}</strong> " key" {model} "."</p>
        }.into_any(),
        None => view! {
            <p data-testid="dashboard-key">
                <span class="badge warn">"API key required"</span> " "
                {s.key.message.clone().unwrap_or_default()} " "
                <a href="/profile">"Add your API key"</a>
            </p>
        }.into_any(),
    };
    let expiry = s.key_expires_at.map(|t| {
        if s.key_expired {
            view! {
                <p class="error" data-testid="dashboard-key-expiry">"Your personal key expired " <RelativeTime t /> ". "
                    <a href="/profile">"Renew your key"</a></p>
            }.into_any()
        } else if s.key_expires_soon {
            view! {
                <p class="error" data-testid="dashboard-key-expiry">"Your personal key expires " <RelativeTime t /> ". "
                    <a href="/profile">"Manage your key"</a></p>
            }.into_any()
        } else {
            view! {
                <p class="muted" data-testid="dashboard-key-expiry">"Your personal key expires " <RelativeTime t /> "."</p>
            }.into_any()
        }
    });
    let on_system_key = matches!(s.key.key_source, Some(k) if k != KeySource::Personal);
    view! {
        <section class="card" data-testid="dashboard-key-card">
            <h2>"AI key"</h2>
            {line}
            {expiry}
            {on_system_key.then(|| view! {
                <p data-testid="dashboard-key-setup"><a href="/profile">"Set up your personal AI key"</a>" in My Profile: AI features then run on your own account."</p>
            })}
        </section>
    }
}
