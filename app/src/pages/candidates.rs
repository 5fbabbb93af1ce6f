//! Candidates: the searchable list and the detail page.
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

use crate::api::candidate_list::candidates_html;
use crate::api::candidates::{
    get_candidate, AnalysisStatus, CandidateDetail, CandidateWarning, DeleteCandidate,
    KeepCandidate, OcrStatus, ReanalyzeCandidate,
};
use crate::api::codec::resource;
use crate::api::jobs::candidate_hiring_html;
use crate::components::error_view::ErrorMessage;
use crate::components::form::dispatch_on_submit;
use crate::components::loaded::{loaded, loaded_view};
use crate::components::server_html::ServerHtml;
use crate::pages::jobs::FormOutcome;

/// The list, 50 to a page, with its search, filters and bulk actions: rendered by the server
/// (`api/candidate_list.rs`), its forms plain forms, so it works the same without JavaScript.
/// The search, filters, order, page and cursor are in the address, so back, reload and a
/// shared link show the same page.
#[component]
pub fn CandidatesPage() -> impl IntoView {
    // The address's query string as it is: the server reads the search, filters and page from
    // it (so the browser carries no parser for them).
    let location = leptos_router::hooks::use_location();
    let html = resource(
        move || location.search.get(),
        |search| candidates_html(search.trim_start_matches('?').to_owned()),
    );
    view! {
        <h1>"Candidates"</h1>
        <FormOutcome />
        {loaded_view("Loading candidates…", move || async move {
            match html.await {
                Ok(html) => view! { <ServerHtml html /> }.into_any(),
                Err(error) => view! { <ErrorMessage error /> }.into_any(),
            }
        })}
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
    // While the analysis job is still at work, look again every 2 s until it has ended; when
    // it ends (a scan's OCR and analysis take seconds after the page opened), load the
    // server-rendered sections again, so the processing log and timeline show it. In the
    // browser only: effects do not run while rendering on the server, so no resource there
    // waits on another.
    let ended = RwSignal::new(0u32);
    Effect::new(move |before: Option<Option<bool>>| {
        let pending = detail.with(|d| match d {
            Some(Ok(d)) => Some(d.candidate.analysis_status == AnalysisStatus::Pending),
            _ => None,
        });
        let before = before.flatten();
        #[cfg(feature = "hydrate")]
        {
            if before == Some(true) && pending == Some(false) {
                ended.update(|e| *e = e.wrapping_add(1));
            }
            if pending == Some(true) {
                let refresh = move || tick.update(|t| *t = t.wrapping_add(1));
                let handle =
                    set_timeout_with_handle(refresh, std::time::Duration::from_secs(2)).ok();
                on_cleanup(move || {
                    if let Some(h) = handle {
                        h.clear();
                    }
                });
            }
        }
        // The last state known, kept while the candidate loads again.
        pending.or(before)
    });
    // Jobs, notes, duplicates, versions and the timeline: rendered by the server, with forms
    // that post without JavaScript and come back here with a notice.
    let hiring = resource(
        move || {
            (
                id(),
                reanalyze.version().get(),
                keep.version().get(),
                ended.get(),
            )
        },
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
                        {(!w.excerpt.is_empty()).then(|| view! { <blockquote class="excerpt">{w.excerpt}</blockquote> })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// A scan's OCR: the pages read while it is read, then how sure the reading is.
fn ocr_line(ocr: OcrStatus) -> impl IntoView {
    match ocr.state.as_str() {
        "reading" => {
            let pages = if ocr.pages == 0 {
                "counting pages".to_owned()
            } else {
                format!(
                    "page {} of {}",
                    (ocr.pages_done + 1).min(ocr.pages),
                    ocr.pages
                )
            };
            view! {
                <p role="status" data-testid="ocr-progress">
                    "Reading scanned resume… " {pages} " "
                    <progress max=ocr.pages.max(1) value=ocr.pages_done aria-label="Pages read"></progress>
                </p>
            }
            .into_any()
        }
        "done" => view! {
            <p class="muted" data-testid="ocr-done">
                {format!(
                    "Read from a scan by OCR ({} page{}, confidence {:.0} out of 100, {}).",
                    ocr.pages,
                    if ocr.pages == 1 { "" } else { "s" },
                    ocr.confidence.unwrap_or(0.0),
                    ocr.languages.join(", "),
                )}
            </p>
        }
        .into_any(),
        _ => ().into_any(),
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
            {c.ocr.clone().map(ocr_line)}
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
        <section class="card">
            <h2>"Resume text"</h2>
            <pre class="resume-text">{d.resume_text.clone()}</pre>
        </section>
    }
}
