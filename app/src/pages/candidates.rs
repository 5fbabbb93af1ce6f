//! Candidates: the searchable list and the detail page.
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::{
    components::Form,
    hooks::{use_params_map, use_query_map},
};

use crate::api::candidates::{
    get_candidate, job_options, list_candidates, AnalysisStatus, BulkCandidates, CandidateDetail,
    CandidatePage, CandidateQuery, CandidateWarning, DeleteCandidate, KeepCandidate, ListOrder,
    ListSort, ReanalyzeCandidate, SaveCorrections,
};
use crate::api::codec::resource;
use crate::api::jobs::candidate_hiring_html;
use crate::components::error_view::ErrorMessage;
use crate::components::form::dispatch_on_submit;
use crate::components::loaded::{loaded, loaded_view};
use crate::components::server_html::ServerHtml;
use crate::pages::jobs::FormOutcome;
use crate::pages::upload::CandidateSummary;
use crate::words::{count, encode};
use types::hiring::JobOption;

/// The list's search, filters and order, as in its address.
fn query_of(m: &leptos_router::params::ParamsMap) -> CandidateQuery {
    let text = |name: &str| {
        m.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    CandidateQuery {
        page: m
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .filter(|p| (1..=100_000).contains(p)),
        per_page: None,
        q: text("q"),
        cursor: text("cursor"),
        skill: text("skill"),
        seniority: text("seniority"),
        min_years: text("min_years")
            .and_then(|y| y.parse::<f64>().ok())
            .filter(|y| (0.0..=80.0).contains(y)),
        job: text("job"),
        stage: text("stage").filter(|_| text("job").is_some()),
        sort: text("sort").and_then(|s| ListSort::parse(&s)),
    }
}

/// The list's address for a query, with `page` and `cursor` replaced.
fn list_href(query: &CandidateQuery, page: u64, cursor: Option<&str>) -> String {
    let mut parts = Vec::new();
    let mut push = |name: &str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            parts.push(format!("{name}={}", encode(&v)));
        }
    };
    push("q", query.q.clone());
    push("skill", query.skill.clone());
    push("seniority", query.seniority.clone());
    push("min_years", query.min_years.map(|y| y.to_string()));
    push("job", query.job.clone());
    push("stage", query.stage.clone());
    push(
        "sort",
        query
            .sort
            .filter(|s| *s != ListSort::Newest)
            .map(|s| s.as_str().to_owned()),
    );
    if page > 1 {
        push("page", Some(page.to_string()));
    }
    push("cursor", cursor.map(str::to_owned));
    if parts.is_empty() {
        "/candidates".to_owned()
    } else {
        format!("/candidates?{}", parts.join("&"))
    }
}

/// The list, 50 to a page. The search, filters, order, page and cursor are in the address, so
/// back, reload and a shared link show the same page, with or without JavaScript.
#[component]
pub fn CandidatesPage() -> impl IntoView {
    let params = use_query_map();
    let args = move || params.with(query_of);
    let page = resource(args, list_candidates);
    let jobs = resource(|| (), |_| job_options());
    let bulk = ServerAction::<BulkCandidates>::new();
    view! {
        <h1>"Candidates"</h1>
        <section class="card">
            {loaded_view("", move || async move {
                let options = jobs.await.unwrap_or_default();
                view! { <Filters query=args() jobs=options /> }.into_any()
            })}
        </section>
        {loaded("Loading candidates…", move || async move {
            let query = args();
            let options = jobs.await.unwrap_or_default();
            page.await.map(|p| view! { <CandidateListView list=p query jobs=options bulk /> }.into_any())
        })}
    }
}

/// The search and filter form: a plain GET form, so the filters live in the address.
#[component]
fn Filters(query: CandidateQuery, jobs: Vec<JobOption>) -> impl IntoView {
    let mut stage_names: Vec<String> = jobs.iter().flat_map(|j| j.stages.clone()).collect();
    stage_names.sort();
    stage_names.dedup();
    let q = query.q.clone().unwrap_or_default();
    let skill = query.skill.clone().unwrap_or_default();
    let seniority = query.seniority.clone().unwrap_or_default();
    let years = query.min_years.map(|y| y.to_string()).unwrap_or_default();
    let job = query.job.clone().unwrap_or_default();
    let stage = query.stage.clone().unwrap_or_default();
    let sort = query.sort.unwrap_or_default();
    view! {
        <Form method="GET" action="">
            <div class="row">
                <input type="search" name="q" placeholder="Search name, skills or resume text" value=q aria-label="Search candidates" />
                <button type="submit" class="primary">"Search"</button>
            </div>
            <div class="row filters" data-testid="filters">
                <label>"Skill " <input type="text" name="skill" value=skill size="12" /></label>
                <label>"Seniority "
                    <select name="seniority">
                        <option value="">"Any"</option>
                        {["junior", "mid", "senior", "lead"].into_iter().map(|s| view! {
                            <option value=s selected={seniority == s}>{s}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Years at least " <input type="number" name="min_years" min="0" max="80" step="1" value=years class="narrow-input" /></label>
                <label>"Job "
                    <select name="job">
                        <option value="">"Any"</option>
                        {jobs.into_iter().map(|j| {
                            let id = j.id.to_string();
                            let selected = id == job;
                            view! { <option value=id selected=selected>{j.title}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Stage "
                    <select name="stage">
                        <option value="">"Any"</option>
                        {stage_names.into_iter().map(|n| {
                            let selected = n.eq_ignore_ascii_case(&stage);
                            view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Sort "
                    <select name="sort">
                        {ListSort::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected={s == sort}>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="secondary">"Apply"</button>
                {query.is_filtered().then(|| view! { <a href="/candidates" data-testid="clear-filters">"Clear"</a> })}
            </div>
        </Form>
    }
}

#[component]
fn CandidateListView(
    list: CandidatePage,
    query: CandidateQuery,
    jobs: Vec<JobOption>,
    bulk: ServerAction<BulkCandidates>,
) -> impl IntoView {
    let p = list;
    let number = query.page.unwrap_or(1);
    let q = query.q.clone().unwrap_or_default();
    if p.items.is_empty() {
        return if number > 1 {
            view! {
                <p class="muted" data-testid="list-empty">"No more candidates. "
                    <a href=list_href(&query, 1, None)>"Back to the first page"</a></p>
            }
            .into_any()
        } else if !q.is_empty() || query.is_filtered() {
            view! {
                <p class="muted" data-testid="list-empty">"No candidates match. "
                    <a href="/candidates" data-testid="clear-search">"Clear the search"</a></p>
            }
            .into_any()
        } else {
            view! {
                <p class="muted" data-testid="list-empty">"No candidates yet. " <a href="/upload">"Upload a resume"</a></p>
            }
            .into_any()
        };
    }
    let first = (number - 1) * p.per_page + 1;
    let last = first + p.items.len() as u64 - 1;
    let about = if p.total_estimated { "about " } else { "" };
    let noun = if q.is_empty() && !query.is_filtered() {
        ("candidate", "candidates")
    } else {
        ("match", "matches")
    };
    let newest = !q.is_empty() && p.order == ListOrder::Newest && !query.is_filtered();
    let next = match &p.next_cursor {
        Some(c) => Some(list_href(&query, number + 1, Some(c))),
        None if query.is_filtered() && last < p.total => Some(list_href(&query, number + 1, None)),
        None => None,
    };
    let selected = RwSignal::new(Vec::<String>::new());
    view! {
        <p class="muted" data-testid="list-count">
            {if first == 1 && next.is_none() {
                count(p.total, noun.0, noun.1)
            } else {
                format!("{first}–{last} of {about}{}", count(p.total, noun.0, noun.1))
            }}
            {newest.then_some(", newest first")}
        </p>
        <BulkBar selected jobs bulk />
        <ul class="candidate-list">
            {p.items.into_iter().map(|c| {
                let id = c.id.to_string();
                let label = format!("Select {}", c.analysis.name.clone().unwrap_or_else(|| c.file_name.clone()));
                let toggle_id = id.clone();
                let checked_id = id.clone();
                view! {
                    <li class="card selectable" data-testid="candidate-card">
                        <input type="checkbox" class="select-box" aria-label=label data-testid="select-candidate"
                            prop:checked=move || selected.with(|s| s.contains(&checked_id))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let id = toggle_id.clone();
                                selected.update(|s| {
                                    s.retain(|x| *x != id);
                                    if on { s.push(id); }
                                });
                            } />
                        <CandidateSummary candidate=c />
                    </li>
                }
            }).collect_view()}
        </ul>
        {(number > 1 || next.is_some()).then(|| view! {
            <nav class="pager row" aria-label="Pages">
                {(number > 1).then(|| view! { <a href=list_href(&query, 1, None) data-testid="first-page">"← First page"</a> })}
                {next.map(|href| view! { <a href=href rel="next" data-testid="next-page">"Next page →"</a> })}
            </nav>
        })}
    }
    .into_any()
}

/// What can be done to the selected candidates: add to a job, move to a stage, export as CSV,
/// delete (confirmed once). Each candidate is done on its own; the outcome says what failed.
#[component]
fn BulkBar(
    selected: RwSignal<Vec<String>>,
    jobs: Vec<JobOption>,
    bulk: ServerAction<BulkCandidates>,
) -> impl IntoView {
    let job = RwSignal::new(jobs.first().map(|j| j.id.to_string()).unwrap_or_default());
    let stage = RwSignal::new(String::new());
    let stages = {
        let jobs = jobs.clone();
        move || {
            jobs.iter()
                .find(|j| j.id.to_string() == job.get())
                .map(|j| j.stages.clone())
                .unwrap_or_default()
        }
    };
    let run = move |action: &'static str| {
        let ids = selected.get_untracked();
        if ids.is_empty() {
            return;
        }
        if action == "delete" {
            #[cfg(feature = "hydrate")]
            {
                let question = format!(
                    "Delete {} and their resumes?",
                    count(ids.len() as u64, "candidate", "candidates")
                );
                let ok = leptos::prelude::window()
                    .confirm_with_message(&question)
                    .unwrap_or(false);
                if !ok {
                    return;
                }
            }
        }
        bulk.dispatch(BulkCandidates {
            action: action.to_owned(),
            ids,
            job_id: Some(job.get_untracked()).filter(|j| !j.is_empty()),
            stage: Some(stage.get_untracked()).filter(|s| !s.is_empty()),
        });
    };
    let export_href = move || format!("/api/v1/candidates/export?ids={}", selected.get().join(","));
    let none = move || selected.with(Vec::is_empty);
    let has_jobs = !jobs.is_empty();
    view! {
        <section class="card bulk-bar row" aria-label="Selected candidates" data-testid="bulk-bar">
            <span data-testid="bulk-count">{move || format!("{} selected", selected.with(Vec::len))}</span>
            {has_jobs.then(|| view! {
                <label>"Job "
                    <select on:change=move |ev| { job.set(event_target_value(&ev)); stage.set(String::new()); } data-testid="bulk-job">
                        {jobs.into_iter().map(|j| view! { <option value=j.id.to_string()>{j.title}</option> }).collect_view()}
                    </select>
                </label>
                <button type="button" class="secondary" disabled=none on:click=move |_| run("add_to_job") data-testid="bulk-add">"Add to job"</button>
                <label>"Stage "
                    <select on:change=move |ev| stage.set(event_target_value(&ev)) data-testid="bulk-stage">
                        <option value="">"Choose…"</option>
                        {move || stages().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <button type="button" class="secondary" disabled=move || none() || stage.with(String::is_empty) on:click=move |_| run("move_to_stage") data-testid="bulk-move">"Move to stage"</button>
            })}
            <a href=export_href class="button-link" class:disabled=none download="candidates.csv" data-testid="bulk-export">"Export CSV"</a>
            <button type="button" class="danger" disabled=none on:click=move |_| run("delete") data-testid="bulk-delete">"Delete"</button>
            <span role="status" data-testid="bulk-status">{move || {
                if bulk.pending().get() {
                    return Some("Working…".to_owned());
                }
                bulk.value().get().map(|r| match r {
                    Ok(r) if r.failed.is_empty() => format!("Done for {}.", count(r.done, "candidate", "candidates")),
                    Ok(r) => format!(
                        "Done for {}; not done for {}: {}",
                        count(r.done, "candidate", "candidates"),
                        r.failed.len(),
                        r.failed.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; ")
                    ),
                    Err(e) => e.message,
                })
            }}</span>
        </section>
    }
}

#[component]
pub fn CandidateDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let reanalyze = ServerAction::<ReanalyzeCandidate>::new();
    let delete = ServerAction::<DeleteCandidate>::new();
    let keep = ServerAction::<KeepCandidate>::new();
    let tick = RwSignal::new(0u32);
    let detail = resource(
        move || {
            (
                id(),
                reanalyze.version().get(),
                keep.version().get(),
                tick.get(),
            )
        },
        |(id, ..)| get_candidate(id),
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
    // Jobs, notes, duplicates, versions and the timeline: rendered by the server, with forms
    // that post without JavaScript and come back here with a notice.
    let hiring = resource(
        move || (id(), reanalyze.version().get(), keep.version().get()),
        |(id, ..)| candidate_hiring_html(id),
    );
    view! {
        <FormOutcome />
        {loaded("Loading…", move || async move {
            detail.await.map(|d| view! { <CandidateDetailView detail=d reanalyze delete keep /> }.into_any())
        })}
        {loaded_view("", move || async move {
            match hiring.await {
                Ok(html) => view! { <ServerHtml html /> }.into_any(),
                Err(error) => view! { <ErrorMessage error /> }.into_any(),
            }
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

/// One fact of the analysis, left out when the analysis did not find it.
fn fact(label: &'static str, value: Option<String>) -> impl IntoView {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| view! { <dt>{label}</dt><dd>{v}</dd> })
}

#[component]
fn CandidateDetailView(
    detail: CandidateDetail,
    reanalyze: ServerAction<ReanalyzeCandidate>,
    delete: ServerAction<DeleteCandidate>,
    keep: ServerAction<KeepCandidate>,
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
    let keep_submit = dispatch_on_submit(keep, None, |f| KeepCandidate { id: f.text("id") });
    let d = detail;
    let c = d.candidate.clone();
    let a = c.analysis.clone();
    let warnings = c.warnings.clone();
    let status = c.analysis_status;
    let education = (!a.education.is_empty()).then(|| a.education.join("; "));
    view! {
        <h1>{a.name.clone().unwrap_or_else(|| c.file_name.clone())}</h1>
        {(!warnings.is_empty()).then(|| view! { <ReadingWarnings warnings /> })}
        {c.not_a_resume.then(|| view! {
            <section class="banner error" role="alert" data-testid="not-a-resume">
                <p><strong>"This document may not be a resume."</strong>
                    " It has no contact details or work history the analysis could find. Keep it if it is one, or delete it."</p>
                <form method="post" action=KeepCandidate::url() class="inline" on:submit=keep_submit>
                    <input type="hidden" name="id" value=id.clone() />
                    <button type="submit" disabled=move || keep.pending().get()>"It is a resume: keep it"</button>
                </form>
            </section>
        })}
        <section class="card">
            <p><span class=match status {
                    AnalysisStatus::Done => "badge ok",
                    AnalysisStatus::Failed => "badge error",
                    AnalysisStatus::Pending => "badge muted",
                } data-testid="analysis-status">{status.label()}</span></p>
            {c.analysis_error.clone().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <dl class="facts">
                {fact("Title", a.current_title.clone())}
                {fact("Seniority", a.seniority.clone())}
                {fact("Experience", a.years_experience.map(|y| if y == 1.0 { "1 year".to_owned() } else { format!("{y} years") }))}
                {fact("Email", a.email.clone())}
                {fact("Phone", a.phone.clone())}
                {fact("Location", a.location.clone())}
                {fact("Education", education)}
            </dl>
            <div class="chips">{a.skills.iter().map(|s| view! { <span class="chip">{s.clone()}</span> }).collect_view()}</div>
            {a.summary.clone().map(|s| view! { <p>{s}</p> })}
            {a.truncated.then(|| view! { <p class="muted">"The resume was long; the analysis read its beginning."</p> })}
            <div class="row actions">
                <a href=c.download_url.clone() download>"⬇ Download " {c.file_name.clone()}</a>
                <form method="post" action=ReanalyzeCandidate::url() class="inline" on:submit=reanalyse_submit>
                    <input type="hidden" name="id" value=id.clone() />
                    <button type="submit" disabled=move || reanalyze.pending().get()>"Re-analyse"</button>
                </form>
                <form method="post" action=DeleteCandidate::url() class="inline" on:submit=delete_submit>
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="danger">"Delete"</button>
                </form>
                <span role="status" data-testid="action-status">{move || {
                    if reanalyze.pending().get() {
                        Some("Starting the analysis…".to_owned())
                    } else if delete.pending().get() {
                        Some("Deleting…".to_owned())
                    } else {
                        match (reanalyze.value().get(), delete.value().get()) {
                            (_, Some(Err(e))) | (Some(Err(e)), _) => Some(e.message),
                            (Some(Ok(_)), _) => Some("Analysis started".to_owned()),
                            _ => None,
                        }
                    }
                }}</span>
            </div>
        </section>
        <details class="card" data-testid="corrections">
            <summary>"Correct details"</summary>
            <p class="muted">"Fix what the analysis got wrong. A new analysis keeps your corrections; an empty field clears it."</p>
            <form method="post" action=SaveCorrections::url() class="stack-form">
                <input type="hidden" name="id" value=c.id.to_string() />
                <label for="fix-name">"Name"</label>
                <input id="fix-name" name="name" type="text" maxlength="200" value=a.name.clone().unwrap_or_default() />
                <label for="fix-email">"Email"</label>
                <input id="fix-email" name="email" type="email" maxlength="320" value=a.email.clone().unwrap_or_default() />
                <label for="fix-phone">"Phone"</label>
                <input id="fix-phone" name="phone" type="tel" maxlength="50" value=a.phone.clone().unwrap_or_default() />
                <label for="fix-title">"Title"</label>
                <input id="fix-title" name="current_title" type="text" maxlength="200" value=a.current_title.clone().unwrap_or_default() />
                <label for="fix-location">"Location"</label>
                <input id="fix-location" name="location" type="text" maxlength="200" value=a.location.clone().unwrap_or_default() />
                <button type="submit" class="secondary" data-testid="save-corrections">"Save corrections"</button>
            </form>
        </details>
        <section class="card">
            <h2>"Resume text"</h2>
            <pre class="resume-text">{d.resume_text.clone()}</pre>
        </section>
    }
}
