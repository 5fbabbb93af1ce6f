//! The server-rendered views of the hiring loop's pages (see the parent module).
use chrono::Utc;
use hirekey_core::{
    services::hiring::{self, applications, duplicates, events, notes, versions},
    session::Member,
    state::AppState,
};
use leptos::server_fn::ServerFn;
use types::hiring::{
    Activity, Application, ApplicationList, ApplicationQuery, DuplicateList, Job, JobList,
    JobStatus, NoteList, ResumeVersionList, Stage, StageKind,
};

use super::*;
use crate::components::markdown::Markdown;
use crate::components::time::RelativeTime;

/// Cards a column shows at once.
const COLUMN_PAGE: u64 = 25;

fn stage_counts(job: &Job) -> String {
    job.stages
        .iter()
        .map(|s| format!("{} {}", s.name, s.count))
        .collect::<Vec<_>>()
        .join(" · ")
}

pub fn jobs(list: JobList, can_work: bool) -> impl IntoView {
    let empty = list.items.is_empty();
    view! {
        {can_work.then(|| view! {
            <section class="card" data-testid="job-create">
                <h2>"Open a job"</h2>
                <form method="post" action=JobCreate::url() class="stack-form">
                    <label for="job-title">"Title"</label>
                    <input id="job-title" name="title" type="text" required maxlength="200" placeholder="e.g. Backend engineer" />
                    <label for="job-location">"Location"</label>
                    <input id="job-location" name="location" type="text" maxlength="200" placeholder="e.g. Berlin or remote" />
                    <label for="job-type">"Employment type"</label>
                    <input id="job-type" name="employment_type" type="text" maxlength="60" placeholder="e.g. full-time" />
                    <label for="job-status">"Status"</label>
                    <select id="job-status" name="status">
                        {JobStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                    <label for="job-description">"Description"</label>
                    <textarea id="job-description" name="description" rows="4" maxlength="20000"></textarea>
                    <button type="submit" class="primary">"Create job"</button>
                </form>
            </section>
        })}
        <section class="card" data-testid="job-list">
            <h2>"Jobs"</h2>
            {if empty {
                view! { <p class="muted">"No jobs yet."</p> }.into_any()
            } else {
                view! {
                    <table class="stack">
                        <thead><tr>
                            <th scope="col">"Job"</th><th scope="col">"Status"</th>
                            <th scope="col">"Applications"</th><th scope="col">"By stage"</th>
                        </tr></thead>
                        <tbody>
                            {list.items.into_iter().map(|j| view! {
                                <tr data-testid="job-row">
                                    <td data-label="Job"><a href=format!("/jobs/{}", j.id)>{j.title.clone()}</a>
                                        {j.location.clone().map(|l| view! { <span class="muted">" · " {l}</span> })}</td>
                                    <td data-label="Status">{j.status.label()}</td>
                                    <td data-label="Applications">{j.total}</td>
                                    <td data-label="By stage" class="muted">{stage_counts(&j)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// One column of the board.
pub struct Column {
    stage: Stage,
    cards: Vec<Application>,
    next: Option<String>,
    /// This column continues from a cursor (a "more" page).
    continued: bool,
}

pub struct Board {
    job: Job,
    columns: Vec<Column>,
    can_work: bool,
}

pub async fn load_board(
    state: &AppState,
    member: &Member,
    id: uuid::Uuid,
    more: Option<&str>,
) -> Result<Board, AppError> {
    let job = hiring::get(state, member, id).await?;
    let (more_stage, more_cursor) = match more.and_then(|m| m.split_once('.')) {
        Some((stage, cursor)) => (Some(stage.to_owned()), Some(cursor.to_owned())),
        None => (None, None),
    };
    let mut columns = Vec::with_capacity(job.stages.len());
    for stage in &job.stages {
        let continued = more_stage.as_deref() == Some(stage.id.to_string().as_str());
        let page = applications::page(
            state,
            member,
            id,
            ApplicationQuery {
                stage: Some(stage.id.to_string()),
                cursor: if continued { more_cursor.clone() } else { None },
                per_page: Some(COLUMN_PAGE),
            },
        )
        .await?;
        columns.push(Column {
            stage: stage.clone(),
            cards: page.items,
            next: page.next_cursor,
            continued,
        });
    }
    Ok(Board {
        job,
        columns,
        can_work: member.role.can_work(),
    })
}

fn days_in_stage(card: &Application) -> String {
    let days = (Utc::now() - card.stage_entered_at.0).num_days();
    match days {
        d if d < 1 => "today".into(),
        1 => "1 day".into(),
        d => format!("{d} days"),
    }
}

#[component]
fn Card(
    card: Application,
    stages: Vec<Stage>,
    job_id: uuid::Uuid,
    can_work: bool,
) -> impl IntoView {
    let name = card
        .candidate
        .name
        .clone()
        .unwrap_or_else(|| "Unnamed candidate".into());
    let select_id = format!("move-{}", card.id);
    let reason_id = format!("reason-{}", card.id);
    view! {
        <li class="board-card" id=format!("card-{}", card.id) data-card=card.id.to_string()
            draggable=can_work.then_some("true") data-testid="board-card">
            <p><a href=format!("/candidates/{}", card.candidate.id) data-testid="card-name">{name.clone()}</a></p>
            {card.candidate.current_title.clone().map(|t| view! { <p class="muted">{t}</p> })}
            <div class="chips">{card.candidate.skills.iter().map(|s| view! { <span class="chip">{s.clone()}</span> }).collect_view()}</div>
            <p class="muted small">"In this stage: " {days_in_stage(&card)}
                " (since " <RelativeTime t=card.stage_entered_at exact=true /> ")"</p>
            {card.rejection_reason.clone().map(|r| view! { <p class="muted small">"Reason: " {r}</p> })}
            {can_work.then(|| view! {
                <form method="post" action=JobMove::url() class="move-form" data-move-form="">
                    <input type="hidden" name="job_id" value=job_id.to_string() />
                    <input type="hidden" name="application_id" value=card.id.to_string() />
                    <input type="hidden" name="stage_version" value=card.stage_version.to_string() />
                    <label for=select_id.clone()>"Move " {name.clone()} " to…"</label>
                    <select id=select_id name="stage" data-testid="move-select">
                        {stages.iter().map(|s| view! {
                            <option value=s.id.to_string() selected=s.id == card.stage_id>{s.name.clone()}</option>
                        }).collect_view()}
                    </select>
                    <label for=reason_id.clone() class="small">"Reason, if rejecting"</label>
                    <input id=reason_id name="rejection_reason" type="text" maxlength="500" />
                    <button type="submit" class="secondary" data-testid="move-button">"Move"</button>
                </form>
            })}
        </li>
    }
}

pub fn board(b: Board) -> impl IntoView {
    let job = b.job;
    let id = job.id;
    let stages = job.stages.clone();
    let can_work = b.can_work;
    view! {
        <section class="card" data-testid="job-header">
            <h2>{job.title.clone()}</h2>
            <p class="muted">
                {job.status.label()}
                {job.location.clone().map(|l| format!(" · {l}"))}
                {job.employment_type.clone().map(|t| format!(" · {t}"))}
                " · " {job.total} " applications"
            </p>
            {(!job.description.is_empty()).then(|| view! { <p class="pre-line">{job.description.clone()}</p> })}
            {can_work.then(|| view! {
                <form method="post" action=JobSetStatus::url() class="row">
                    <input type="hidden" name="job_id" value=id.to_string() />
                    <label for="job-status-change">"Status"</label>
                    <select id="job-status-change" name="status">
                        {JobStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=s == job.status>{s.label()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="secondary">"Save status"</button>
                </form>
            })}
            <p class="muted small">"Add candidates from their page (“Add to job”). Move a card with its “Move to…” form, or drag it to another column."</p>
        </section>
        <div class="board" data-testid="board" data-job=id.to_string()>
            {b.columns.into_iter().map(|col| {
                let stage_id = col.stage.id;
                let heading = format!("column-{stage_id}");
                let labelled_by = heading.clone();
                let rejected = col.stage.kind == StageKind::Rejected;
                view! {
                    <section class="board-column" data-column=stage_id.to_string() data-rejected=rejected.then_some("true")
                        aria-labelledby=labelled_by data-testid="board-column">
                        <h3 id=heading>{col.stage.name.clone()} " "<span class="badge muted">{col.stage.count}</span></h3>
                        {col.continued.then(|| view! { <p><a href=format!("/jobs/{id}")>"↑ Back to the first cards"</a></p> })}
                        <ul class="board-cards">
                            {col.cards.into_iter().map(|card| view! {
                                <Card card stages=stages.clone() job_id=id can_work />
                            }).collect_view()}
                        </ul>
                        {col.next.map(|cursor| view! {
                            <p><a href=format!("/jobs/{id}?more={stage_id}.{cursor}") data-testid="column-more">"More cards →"</a></p>
                        })}
                    </section>
                }
            }).collect_view()}
        </div>
    }
}

/// The candidate page's hiring section.
pub struct CandidateSection {
    id: uuid::Uuid,
    analysis: types::candidates::ResumeAnalysis,
    pub(super) applications: ApplicationList,
    jobs: JobList,
    notes: NoteList,
    duplicates: DuplicateList,
    versions: ResumeVersionList,
    activity: Activity,
    me: uuid::Uuid,
    pub(super) can_work: bool,
}

pub async fn load_candidate(
    state: &AppState,
    member: &Member,
    id: uuid::Uuid,
) -> Result<CandidateSection, AppError> {
    let analysis = hirekey_core::services::resumes::get(state, member, id)
        .await?
        .candidate
        .analysis;
    Ok(CandidateSection {
        id,
        analysis,
        applications: applications::for_candidate(state, member, id).await?,
        jobs: hiring::list(state, member).await?,
        notes: notes::list(state, member, id).await?,
        duplicates: duplicates::possible(state, member, id).await?,
        versions: versions::list(state, member, id).await?,
        activity: events::activity(state, member, id).await?,
        me: member.id,
        can_work: member.role.can_work(),
    })
}

fn hidden(name: &'static str, value: uuid::Uuid) -> impl IntoView {
    view! { <input type="hidden" name=name value=value.to_string() /> }
}

pub fn candidate(s: CandidateSection) -> impl IntoView {
    let id = s.id;
    let in_jobs: Vec<uuid::Uuid> = s.applications.items.iter().map(|a| a.job_id).collect();
    let open_jobs: Vec<Job> = s
        .jobs
        .items
        .into_iter()
        .filter(|j| !in_jobs.contains(&j.id))
        .collect();
    let can_work = s.can_work;
    let me = s.me;
    view! {
        <section class="card" id="hiring" data-testid="candidate-jobs">
            <h2>"Jobs"</h2>
            {if s.applications.items.is_empty() {
                view! { <p class="muted">"Not in any job yet."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {s.applications.items.into_iter().map(|a| view! {
                            <li data-testid="candidate-application"><a href=format!("/jobs/{}#card-{}", a.job_id, a.id)>{a.job_title.clone()}</a>
                                ": " <strong>{a.stage.clone()}</strong>
                                {a.rejection_reason.clone().map(|r| format!(" ({r})"))}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(can_work && !open_jobs.is_empty()).then(|| view! {
                <form method="post" action=JobAddCandidate::url() class="row">
                    {hidden("candidate_id", id)}
                    <label for="add-to-job">"Add to job"</label>
                    <select id="add-to-job" name="job_id" data-testid="add-to-job">
                        {open_jobs.into_iter().map(|j| view! { <option value=j.id.to_string()>{j.title.clone()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="secondary" data-testid="add-to-job-button">"Add"</button>
                </form>
            })}
        </section>
        {(!s.duplicates.items.is_empty()).then(|| view! {
            <section class="card" data-testid="possible-duplicates">
                <h2>"Possible duplicates"</h2>
                <p class="muted">"The same name, and no email that says otherwise. Merging moves their resumes, jobs, notes and timeline here."</p>
                <ul>
                    {s.duplicates.items.into_iter().map(|d| view! {
                        <li>
                            <a href=format!("/candidates/{}", d.id)>{d.name.clone().unwrap_or_default()}</a>
                            {d.current_title.clone().map(|t| format!(" — {t}"))}
                            {d.email.clone().map(|e| format!(" · {e}"))}
                            {can_work.then(|| view! {
                                <form method="post" action=CandidateMerge::url() class="inline">
                                    {hidden("candidate_id", id)}
                                    {hidden("other_id", d.id)}
                                    <button type="submit" class="secondary">"Merge into this candidate"</button>
                                </form>
                            })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <section class="card" id="notes" data-testid="candidate-notes">
            <h2>"Notes"</h2>
            {can_work.then(|| view! {
                <form method="post" action=NoteCreate::url() class="stack-form">
                    {hidden("candidate_id", id)}
                    <label for="note-body">"New note (Markdown)"</label>
                    <textarea id="note-body" name="body" rows="3" required maxlength="20000" data-testid="note-body"></textarea>
                    <button type="submit" class="primary" data-testid="note-save">"Save note"</button>
                </form>
            })}
            <ul class="notes">
                {s.notes.items.into_iter().map(|n| {
                    let mine = can_work && n.author_id == me;
                    let edit_id = format!("note-edit-{}", n.id);
                    view! {
                        <li class="note" data-testid="note">
                            <p class="muted small">{n.author_email.clone()} " · " <RelativeTime t=n.created_at />
                                {(n.edits > 0).then(|| format!(" · edited {}×", n.edits))}</p>
                            <div class="note-body"><Markdown text=n.body.clone() candidates=Vec::new() /></div>
                            {mine.then(|| view! {
                                <details>
                                    <summary>"Edit or delete"</summary>
                                    <form method="post" action=NoteEdit::url() class="stack-form">
                                        {hidden("candidate_id", id)}
                                        {hidden("note_id", n.id)}
                                        <label for=edit_id.clone()>"Text"</label>
                                        <textarea id=edit_id name="body" rows="3" required maxlength="20000">{n.body.clone()}</textarea>
                                        <button type="submit" class="secondary">"Save changes"</button>
                                    </form>
                                    <form method="post" action=NoteDelete::url() class="inline">
                                        {hidden("candidate_id", id)}
                                        {hidden("note_id", n.id)}
                                        <button type="submit" class="danger">"Delete note"</button>
                                    </form>
                                </details>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        {can_work.then(|| {
            let a = s.analysis.clone();
            view! {
                <details class="card" data-testid="corrections">
                    <summary>"Correct details"</summary>
                    <p class="muted">"Fix what the analysis got wrong. A new analysis keeps your corrections; an empty field clears it."</p>
                    <form method="post" action=crate::api::candidates::SaveCorrections::url() class="stack-form">
                        <input type="hidden" name="id" value=id.to_string() />
                        <label for="fix-name">"Name"</label>
                        <input id="fix-name" name="name" type="text" maxlength="200" value=a.name.unwrap_or_default() />
                        <label for="fix-email">"Email"</label>
                        <input id="fix-email" name="email" type="email" maxlength="320" value=a.email.unwrap_or_default() />
                        <label for="fix-phone">"Phone"</label>
                        <input id="fix-phone" name="phone" type="tel" maxlength="50" value=a.phone.unwrap_or_default() />
                        <label for="fix-title">"Title"</label>
                        <input id="fix-title" name="current_title" type="text" maxlength="200" value=a.current_title.unwrap_or_default() />
                        <label for="fix-location">"Location"</label>
                        <input id="fix-location" name="location" type="text" maxlength="200" value=a.location.unwrap_or_default() />
                        <button type="submit" class="secondary" data-testid="save-corrections">"Save corrections"</button>
                    </form>
                </details>
            }
        })}
        <section class="card" id="versions" data-testid="resume-versions">
            <h2>"Resume versions"</h2>
            <ul>
                {s.versions.items.into_iter().map(|v| view! {
                    <li data-testid="resume-version">
                        <a href=v.download_url.clone() download>{v.file_name.clone()}</a>
                        " · " <RelativeTime t=v.uploaded_at />
                        {v.current.then_some(" · current")}
                        {(can_work && !v.current).then(|| view! {
                            <form method="post" action=VersionDelete::url() class="inline">
                                {hidden("candidate_id", id)}
                                {hidden("version_id", v.id)}
                                <button type="submit" class="link-button">"Delete this version"</button>
                            </form>
                        })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section class="card" data-testid="timeline">
            <h2>"Timeline"</h2>
            <ol class="timeline">
                {s.activity.items.into_iter().map(|e| view! {
                    <li data-kind=e.kind.clone() data-testid="timeline-event">
                        <RelativeTime t=e.at />
                        " · " {e.summary.clone()}
                        {e.actor_email.clone().map(|who| view! { <span class="muted">" — " {who}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}
