//! The server-rendered screening sections: the Job page's (criteria, runs, applicants by
//! score) and the candidate page's (each verdict with its quotes, which link to where they
//! stand in the resume text: the `:target` style highlights the one clicked).
use hirekey_core::{services::screening, session::Member, state::AppState};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use types::screening::{
    ApplicationScreening, Criterion, CriterionKind, JobScreening, RunState, ScreeningProgress,
    VerdictKind, MAX_CRITERIA,
};

use super::screening::{
    CriteriaDraft, CriteriaSave, ScreeningCancel, ScreeningConfirm, ScreeningStart,
};
use super::AppError;
use crate::components::time::RelativeTime;

/// Blank rows the criteria editor adds after the criteria it shows.
const BLANK_ROWS: usize = 3;

/// What the Job page's screening section shows.
pub struct JobSection {
    pub job_id: uuid::Uuid,
    pub screening: JobScreening,
    /// The model's unsaved draft, when the page came back from "Draft with AI".
    pub draft: Option<Vec<Criterion>>,
    pub can_work: bool,
}

pub async fn load_job(
    state: &AppState,
    member: &Member,
    job_id: uuid::Uuid,
    draft: Option<&str>,
) -> Result<JobSection, AppError> {
    let screening = screening::job_screening(state, member, job_id).await?;
    let draft = draft.map(|d| {
        d.lines()
            .filter_map(|line| {
                let (kind, text) = line.split_once('|')?;
                Some(Criterion {
                    text: text.to_owned(),
                    kind: CriterionKind::from_stored(kind),
                })
            })
            .take(MAX_CRITERIA)
            .collect()
    });
    Ok(JobSection {
        job_id,
        screening,
        draft,
        can_work: member.role.can_work(),
    })
}

fn kind_select(i: usize, kind: CriterionKind) -> impl IntoView {
    let id = format!("criterion-kind-{i}");
    view! {
        <label for=id.clone() class="visually-hidden">{format!("Criterion {} kind", i + 1)}</label>
        <select id=id name=format!("kind[{i}]") data-testid="criterion-kind">
            {[CriterionKind::Must, CriterionKind::Nice].into_iter().map(|k| view! {
                <option value=k.as_str() selected=k == kind>{k.label()}</option>
            }).collect_view()}
        </select>
    }
}

fn progress_view(job_id: uuid::Uuid, run: ScreeningProgress, can_work: bool) -> impl IntoView {
    let finished = run.done + run.failed + run.cancelled;
    let running = run.state == RunState::Running;
    let state_text = match run.state {
        RunState::Running => "Running",
        RunState::Done => "Finished",
        RunState::Cancelled => "Cancelled",
        RunState::Stopped => "Stopped",
    };
    let summary = format!(
        "{state_text}: {} of {} screened{}{}",
        run.done,
        run.total,
        if run.failed > 0 {
            format!(", {} could not be screened", run.failed)
        } else {
            String::new()
        },
        if run.cancelled > 0 {
            format!(", {} left out", run.cancelled)
        } else {
            String::new()
        },
    );
    let run_id = run.id;
    view! {
        <div class="screening-run" data-testid="screening-run" data-run=run_id.to_string()
            data-run-state=run.state.as_str()>
            <label for="screening-progress">{if run.blind { "Latest run (blind)" } else { "Latest run" }}</label>
            <progress id="screening-progress" max=run.total.max(1) value=finished data-testid="screening-progress"></progress>
            <p class="small" data-run-text="" data-testid="screening-summary">{summary}</p>
            {run.stop_reason.map(|r| view! { <p class="error" data-testid="screening-stop">{r}</p> })}
            <p class="muted small">"Started " <RelativeTime t=run.created_at exact=true />
                {format!(" · estimated {} tokens", run.estimate.tokens)}
                {run.estimate.cost_usd.map(|c| format!(", ${c:.4}"))}</p>
            {(running && can_work).then(|| view! {
                <form method="post" action=ScreeningCancel::url() class="inline">
                    <input type="hidden" name="job_id" value=job_id.to_string() />
                    <input type="hidden" name="run_id" value=run_id.to_string() />
                    <button type="submit" class="secondary" data-testid="screening-cancel">"Cancel screening"</button>
                </form>
            })}
        </div>
    }
}

pub fn job_section(s: JobSection) -> impl IntoView {
    let job_id = s.job_id;
    let can_work = s.can_work;
    let drafted = s.draft.is_some();
    let rows = s.draft.unwrap_or_else(|| s.screening.criteria.clone());
    let has_criteria = !s.screening.criteria.is_empty();
    let total = s.screening.applications.len();
    let running = s
        .screening
        .latest_run
        .as_ref()
        .is_some_and(|r| r.state == RunState::Running);
    let blank = (rows.len()..(rows.len() + BLANK_ROWS).min(MAX_CRITERIA)).collect::<Vec<_>>();
    view! {
        <section class="card" id="screening" data-testid="screening">
            <h2>"AI screening"</h2>
            <p class="muted small">"Each applicant's resume is checked against the criteria on your AI key. A verdict counts only with a quote found in the resume. Score: must-haves weigh 2, nice-to-haves 1; met earns full weight, partly met half; a missing must-have caps the score at 40."</p>
            <h3>"Criteria"</h3>
            {drafted.then(|| view! { <p class="muted" data-testid="criteria-draft">"Drafted by AI, not saved yet."</p> })}
            {if can_work {
                view! {
                    <form method="post" action=CriteriaSave::url() class="stack-form" data-testid="criteria-form">
                        <input type="hidden" name="job_id" value=job_id.to_string() />
                        <ol class="criteria">
                            {rows.into_iter().enumerate().map(|(i, c)| {
                                let id = format!("criterion-{i}");
                                view! {
                                    <li class="row">
                                        <label for=id.clone() class="visually-hidden">{format!("Criterion {}", i + 1)}</label>
                                        <input id=id name=format!("text[{i}]") type="text" maxlength="300" value=c.text.clone() data-testid="criterion-text" />
                                        {kind_select(i, c.kind)}
                                    </li>
                                }
                            }).collect_view()}
                            {blank.into_iter().map(|i| {
                                let id = format!("criterion-{i}");
                                view! {
                                    <li class="row">
                                        <label for=id.clone() class="visually-hidden">{format!("Criterion {}", i + 1)}</label>
                                        <input id=id name=format!("text[{i}]") type="text" maxlength="300" placeholder="e.g. Five years of Rust" data-testid="criterion-text" />
                                        {kind_select(i, CriterionKind::Nice)}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        <button type="submit" class="primary" data-testid="criteria-save">"Save criteria"</button>
                    </form>
                    <form method="post" action=CriteriaDraft::url() class="inline">
                        <input type="hidden" name="job_id" value=job_id.to_string() />
                        <button type="submit" class="secondary" data-testid="criteria-draft-button">"Draft criteria with AI"</button>
                    </form>
                }.into_any()
            } else if rows.is_empty() {
                view! { <p class="muted">"No criteria yet."</p> }.into_any()
            } else {
                view! {
                    <ol>{rows.into_iter().map(|c| view! { <li>{c.text} " (" {c.kind.label()} ")"</li> }).collect_view()}</ol>
                }.into_any()
            }}
            <h3>"Runs"</h3>
            {s.screening.latest_run.map(|run| progress_view(job_id, run, can_work))}
            {(can_work && has_criteria && total > 0 && !running).then(|| view! {
                <form method="post" action=ScreeningStart::url() class="row" data-testid="screening-start-form">
                    <input type="hidden" name="job_id" value=job_id.to_string() />
                    <input id="screening-blind" name="blind" type="checkbox" value="on" data-testid="screening-blind" />
                    <label for="screening-blind">"Blind: hide names, contact details, addresses, age, gender, nationality and marital status from the model"</label>
                    <button type="submit" class="primary" data-testid="screening-start">{format!("Screen {total} applicants")}</button>
                </form>
            })}
            {(!has_criteria).then(|| view! { <p class="muted">"Save criteria to screen applicants."</p> })}
            <h3>"Applicants by score"</h3>
            {if total == 0 {
                view! { <p class="muted">"No applicants yet."</p> }.into_any()
            } else {
                view! {
                    <table class="stack" data-testid="ranked">
                        <thead><tr><th scope="col">"Candidate"</th><th scope="col">"Stage"</th><th scope="col">"Score"</th></tr></thead>
                        <tbody>
                            {s.screening.applications.into_iter().map(|a| {
                                let name = a.candidate_name.clone().unwrap_or_else(|| "Unnamed candidate".into());
                                let score = match (a.score, a.needs_review, a.screened) {
                                    (Some(score), _, _) => score.to_string(),
                                    (None, true, _) => "Needs review".to_owned(),
                                    _ => "Not screened".to_owned(),
                                };
                                view! {
                                    <tr data-testid="ranked-row">
                                        <td><a href=format!("/candidates/{}#screening", a.candidate_id)>{name}</a></td>
                                        <td>{a.stage}</td>
                                        <td data-testid="ranked-score">{score}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// One screening on the candidate page, with the text its quotes point into.
pub struct Screened {
    pub job_title: String,
    pub screening: ApplicationScreening,
    pub pieces: Vec<(String, Option<usize>)>,
}

pub async fn load_candidate(
    state: &AppState,
    member: &Member,
    candidate_id: uuid::Uuid,
    job_titles: &[(uuid::Uuid, String)],
) -> Result<Vec<Screened>, AppError> {
    let mut out = Vec::new();
    for s in screening::candidate_screenings(state, member, candidate_id).await? {
        let pieces = screening::quoted_text(state, member, &s).await?;
        let job_title = job_titles
            .iter()
            .find(|(app, _)| *app == s.application_id)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| "A job".into());
        out.push(Screened {
            job_title,
            screening: s,
            pieces,
        });
    }
    Ok(out)
}

fn verdict_class(v: VerdictKind) -> &'static str {
    match v {
        VerdictKind::Met => "chip verdict-met",
        VerdictKind::Partly => "chip verdict-partly",
        VerdictKind::NotMet => "chip verdict-not-met",
        VerdictKind::InsufficientEvidence => "chip verdict-unknown",
    }
}

pub fn candidate_section(
    candidate_id: uuid::Uuid,
    screened: Vec<Screened>,
    can_work: bool,
) -> impl IntoView {
    (!screened.is_empty()).then(|| view! {
        <section class="card" id="screening" data-testid="candidate-screening">
            <h2>"AI screening"</h2>
            {screened.into_iter().enumerate().map(|(n, s)| {
                let sc = s.screening;
                let application_id = sc.application_id;
                let mut quote_no = 0usize;
                let anchor = move |i: usize| format!("quote-{n}-{i}");
                view! {
                    <article class="screening" data-testid="screening-result">
                        <h3>{s.job_title} ": " <span data-testid="screening-score">{if sc.needs_review { "needs review".to_owned() } else { format!("score {}", sc.score) }}</span></h3>
                        <p class="muted small">{format!("{} · {} key · {}{}", sc.model, sc.key_source, if sc.blind { "blind · " } else { "" },
                            if sc.dropped_quotes > 0 { format!("{} quotes not found in the resume were dropped · ", sc.dropped_quotes) } else { String::new() })}
                            <RelativeTime t=sc.screened_at exact=true /></p>
                        {sc.needs_review.then(|| view! {
                            <p class="error">"This resume contains text addressed to an AI. Read the verdicts and the resume before you rely on the score."</p>
                            {can_work.then(|| view! {
                                <form method="post" action=ScreeningConfirm::url() class="inline">
                                    <input type="hidden" name="candidate_id" value=candidate_id.to_string() />
                                    <input type="hidden" name="application_id" value=application_id.to_string() />
                                    <button type="submit" class="secondary" data-testid="screening-confirm">"I reviewed it: let the score rank"</button>
                                </form>
                            })}
                        })}
                        <ul class="verdicts">
                            {sc.verdicts.into_iter().map(|v| {
                                let quotes: Vec<(usize, String)> = v.quotes.into_iter().map(|q| { let i = quote_no; quote_no += 1; (i, q) }).collect();
                                view! {
                                    <li data-testid="verdict">
                                        <span class=verdict_class(v.verdict)>{v.verdict.label()}</span> " "
                                        <strong>{v.criterion}</strong> " (" {v.kind.label()} ")"
                                        {v.model_verdict.map(|m| view! { <span class="muted small">{format!(" · the model said {}, without a quote found in the resume", m.label().to_lowercase())}</span> })}
                                        <ul>
                                            {quotes.into_iter().map(|(i, q)| view! {
                                                <li><a href=format!("#{}", anchor(i)) rel="external" class="quote-link" data-testid="quote-link">{format!("“{q}”")}</a></li>
                                            }).collect_view()}
                                        </ul>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <details open=true>
                            <summary>{if sc.blind { "The resume text the model read (redacted)" } else { "The resume text the model read" }}</summary>
                            <pre class="resume-text" tabindex="0" data-testid="resume-text">
                                {s.pieces.into_iter().map(|(text, quote)| match quote {
                                    Some(i) => view! { <mark id=anchor(i) tabindex="-1" data-testid="quote-mark">{text}</mark> }.into_any(),
                                    None => text.into_any(),
                                }).collect_view()}
                            </pre>
                        </details>
                    </article>
                }
            }).collect_view()}
        </section>
    })
}
