//! Candidates: the searchable list and the detail page.
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::{
    components::Form,
    hooks::{use_params_map, use_query_map},
};

use crate::api::candidates::{
    get_candidate, list_candidates, AnalysisStatus, CandidateDetail, CandidateWarning,
    DeleteCandidate, ReanalyzeCandidate,
};
use crate::api::codec::resource;
use crate::components::form::dispatch_on_submit;
use crate::components::loaded::loaded;
use crate::pages::upload::CandidateSummary;

#[component]
pub fn CandidatesPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let page = resource(q, |q| {
        list_candidates((!q.is_empty()).then_some(q), Some(1), None)
    });
    view! {
        <h1>"Candidates"</h1>
        <section class="card">
            <Form method="GET" action="">
                <div class="row">
                    <input type="search" name="q" placeholder="Search name, skills or resume text" value=q aria-label="Search candidates" />
                    <button type="submit" class="primary">"Search"</button>
                </div>
            </Form>
        </section>
        {loaded("Loading candidates…", move || async move {
                    page.await.map(|p| if p.items.is_empty() {
                        view! {
                            <p class="muted">"No candidates yet. " <a href="/upload">"Upload a resume"</a></p>
                        }.into_any()
                    } else {
                        view! {
                            <p class="muted">{p.total} " candidates"</p>
                            <ul class="candidate-list">
                                {p.items.into_iter().map(|c| view! {
                                    <li class="card" data-testid="candidate-card"><CandidateSummary candidate=c /></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    })
        })}
    }
}

#[component]
pub fn CandidateDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let reanalyze = ServerAction::<ReanalyzeCandidate>::new();
    let delete = ServerAction::<DeleteCandidate>::new();
    let tick = RwSignal::new(0u32);
    let detail = resource(
        move || (id(), reanalyze.version().get(), tick.get()),
        |(id, _, _)| get_candidate(id),
    );
    // While the analysis job is still at work, look again every 2 s until it has ended. In
    // the browser only (effects do not run while rendering on the server).
    Effect::new(move |_| {
        let pending = detail.with(
            |d| matches!(d, Some(Ok(d)) if d.candidate.analysis_status == AnalysisStatus::Pending),
        );
        #[cfg(feature = "hydrate")]
        if pending {
            let refresh = move || tick.update(|t| *t = t.wrapping_add(1));
            let handle = set_timeout_with_handle(refresh, std::time::Duration::from_secs(2)).ok();
            on_cleanup(move || {
                if let Some(h) = handle {
                    h.clear();
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = pending;
    });
    view! {
        {loaded("Loading…", move || async move {
            detail.await.map(|d| view! { <CandidateDetailView detail=d reanalyze delete /> }.into_any())
        })}
    }
}

/// A candidate's analysis, their resume and what can be done with them.
/// What reading the resume found: hidden text and text addressed to the model, each with the
/// text itself, so the recruiter sees the attempt.
#[component]
fn ReadingWarnings(warnings: Vec<CandidateWarning>) -> impl IntoView {
    view! {
        <section class="banner error" role="alert" data-testid="reading-warnings">
            <h2>"Check this resume"</h2>
            <ul>
                {warnings.into_iter().map(|w| view! {
                    <li data-code=w.code.clone()>
                        <p>{w.message}</p>
                        <blockquote class="excerpt">{w.excerpt}</blockquote>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn CandidateDetailView(
    detail: CandidateDetail,
    reanalyze: ServerAction<ReanalyzeCandidate>,
    delete: ServerAction<DeleteCandidate>,
) -> impl IntoView {
    // Plain forms (they post without WASM too) whose submits the client turns into the actions.
    let id = detail.candidate.id.to_string();
    let reanalyse_submit =
        dispatch_on_submit(reanalyze, None, |f| ReanalyzeCandidate { id: f.text("id") });
    let delete_submit = dispatch_on_submit(
        delete,
        Some("Delete this candidate and their resume?"),
        |f| DeleteCandidate { id: f.text("id") },
    );
    let d = detail;
    let c = d.candidate.clone();
    let a = c.analysis.clone();
    let warnings = c.warnings.clone();
    view! {
        <h1>{a.name.clone().unwrap_or_else(|| c.file_name.clone())}</h1>
        {(!warnings.is_empty()).then(|| view! { <ReadingWarnings warnings /> })}
        <section class="card">
            <p><span class="badge muted" data-testid="analysis-status">{c.analysis_status.as_str()}</span></p>
            {c.analysis_error.clone().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <dl class="facts">
                <dt>"Title"</dt><dd>{a.current_title.clone().unwrap_or_default()}</dd>
                <dt>"Seniority"</dt><dd>{a.seniority.clone().unwrap_or_default()}</dd>
                <dt>"Experience"</dt><dd>{a.years_experience.map(|y| format!("{y} years")).unwrap_or_default()}</dd>
                <dt>"Email"</dt><dd>{a.email.clone().unwrap_or_default()}</dd>
                <dt>"Phone"</dt><dd>{a.phone.clone().unwrap_or_default()}</dd>
                <dt>"Location"</dt><dd>{a.location.clone().unwrap_or_default()}</dd>
                <dt>"Education"</dt><dd>{a.education.join("; ")}</dd>
            </dl>
            <div class="chips">{a.skills.iter().map(|s| view! { <span class="chip">{s.clone()}</span> }).collect_view()}</div>
            {a.summary.clone().map(|s| view! { <p>{s}</p> })}
            {a.truncated.then(|| view! { <p class="muted">"The resume was long; the analysis read its beginning."</p> })}
            <div class="row">
                <a href=c.download_url.clone() download>"⬇ Download " {c.file_name.clone()}</a>
                <form method="post" action=ReanalyzeCandidate::url() class="inline" on:submit=reanalyse_submit>
                    <input type="hidden" name="id" value=id.clone() />
                    <button type="submit" disabled=move || reanalyze.pending().get()>"Re-analyse"</button>
                </form>
                <form method="post" action=DeleteCandidate::url() class="inline" on:submit=delete_submit>
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="danger">"Delete"</button>
                </form>
            </div>
        </section>
        <section class="card">
            <h2>"Resume text"</h2>
            <pre class="resume-text">{d.resume_text.clone()}</pre>
        </section>
    }
}
