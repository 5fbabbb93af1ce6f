//! The hiring loop's pages: Jobs, a Job's board, and the candidate page's hiring section
//! (applications, notes, duplicates, resume versions and the timeline). As on the Team page,
//! the server renders them (`jobs_html`, `job_html`, `candidate_hiring_html`, with Leptos
//! components escaping every value) and their forms are plain HTML forms posting to the
//! functions below, which do the work through the same services as the REST routes and come
//! back with a notice or an error in the query. So each works without JavaScript, and the
//! pages' WASM carries none of these shapes; the Job page's script only adds drag and drop,
//! which submits the card's own form.
use leptos::prelude::*;

use super::AppError;

/// The Jobs page's body.
#[server(prefix = "/sfn")]
pub async fn jobs_html() -> Result<String, AppError> {
    let (call, member) = super::context::member().await?;
    let list = hirekey_core::services::hiring::list(&call.state, &member).await?;
    let can_work = member.role.can_work();
    Ok(crate::components::server_html::render(move || {
        view::jobs(list, can_work)
    }))
}

/// The Job page's body: the job and its board. `more` is `<stage id>.<cursor>`: that column
/// continues from the cursor.
#[server(prefix = "/sfn")]
pub async fn job_html(id: String, more: Option<String>) -> Result<String, AppError> {
    let (call, member) = super::context::member().await?;
    let id = super::parse_id(&id, "Job")?;
    let board = view::load_board(&call.state, &member, id, more.as_deref()).await?;
    Ok(crate::components::server_html::render(move || {
        view::board(board)
    }))
}

/// The candidate page's hiring section.
#[server(prefix = "/sfn")]
pub async fn candidate_hiring_html(id: String) -> Result<String, AppError> {
    let (call, member) = super::context::member().await?;
    let id = super::parse_id(&id, "Candidate")?;
    let section = view::load_candidate(&call.state, &member, id).await?;
    Ok(crate::components::server_html::render(move || {
        view::candidate(section)
    }))
}

#[cfg(feature = "ssr")]
mod act {
    //! Each form's work, then the redirect back to its page.
    use super::AppError;

    /// Goes to `path` with `key=value` in the query (and `#anchor`).
    pub(super) fn back(path: &str, key: &str, value: &str, anchor: Option<&str>) {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair(key, value)
            .finish();
        let anchor = anchor.map(|a| format!("#{a}")).unwrap_or_default();
        leptos_axum::redirect(&format!("{path}?{query}{anchor}"));
    }

    /// Runs a form's work: success goes to the path it gives with its notice, failure back to
    /// `path` with the error's message.
    pub(super) async fn run<F>(path: &str, work: F) -> Result<(), AppError>
    where
        F: std::future::Future<Output = Result<(String, String, Option<String>), AppError>>,
    {
        match work.await {
            Ok((to, notice, anchor)) => back(&to, "notice", &notice, anchor.as_deref()),
            Err(e) if e.status == 401 => return Err(e),
            Err(e) => back(path, "error", &e.message, None),
        }
        Ok(())
    }

    pub(super) fn text(value: Option<String>) -> Option<String> {
        value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }
}

#[server(prefix = "/sfn")]
pub async fn job_create(
    title: String,
    description: Option<String>,
    location: Option<String>,
    employment_type: Option<String>,
    status: Option<String>,
) -> Result<(), AppError> {
    act::run("/jobs", async {
        let (call, member) = super::context::member().await?;
        let status = match status.as_deref() {
            Some("on_hold") => types::hiring::JobStatus::OnHold,
            Some("closed") => types::hiring::JobStatus::Closed,
            _ => types::hiring::JobStatus::Open,
        };
        let request = types::hiring::CreateJob {
            title,
            description: description.unwrap_or_default(),
            location: act::text(location),
            employment_type: act::text(employment_type),
            status,
        };
        let job = hirekey_core::services::hiring::create(&call.state, &member, request).await?;
        Ok((
            format!("/jobs/{}", job.id),
            format!("Job \"{}\" created.", job.title),
            None,
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn job_set_status(job_id: String, status: String) -> Result<(), AppError> {
    let path = format!("/jobs/{}", job_id.trim());
    act::run(&path, async {
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&job_id, "Job")?;
        let status = types::hiring::JobStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == status)
            .ok_or_else(|| AppError::new(422, "Validation failed", "Unknown job status"))?;
        let request = types::hiring::UpdateJob {
            status: Some(status),
            ..Default::default()
        };
        hirekey_core::services::hiring::update(&call.state, &member, id, request).await?;
        Ok((
            format!("/jobs/{id}"),
            format!("The job is {} now.", status.label().to_lowercase()),
            None,
        ))
    })
    .await
}

/// A card's "Move to…" form (and what a drop on a column submits).
#[server(prefix = "/sfn")]
pub async fn job_move(
    job_id: String,
    application_id: String,
    stage: String,
    stage_version: Option<String>,
    rejection_reason: Option<String>,
) -> Result<(), AppError> {
    let path = format!("/jobs/{}", job_id.trim());
    act::run(&path, async {
        use hirekey_core::services::hiring::applications;
        let (call, member) = super::context::member().await?;
        let id = super::parse_id(&application_id, "Application")?;
        let request = types::hiring::MoveApplication {
            stage,
            rejection_reason: act::text(rejection_reason),
            stage_version: stage_version.and_then(|v| v.trim().parse().ok()),
        };
        let moved = applications::move_to(&call.state, &member, id, request).await?;
        let name = moved
            .candidate
            .name
            .clone()
            .unwrap_or_else(|| "The candidate".into());
        Ok((
            format!("/jobs/{}", moved.job_id),
            format!("Moved {name} to {}.", moved.stage),
            Some(format!("card-{}", moved.id)),
        ))
    })
    .await
}

/// The candidate page's "Add to job" form.
#[server(prefix = "/sfn")]
pub async fn job_add_candidate(candidate_id: String, job_id: String) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    act::run(&path, async {
        use hirekey_core::services::hiring::applications;
        let (call, member) = super::context::member().await?;
        let candidate = super::parse_id(&candidate_id, "Candidate")?;
        let job = super::parse_id(&job_id, "Job")?;
        let added = applications::add(&call.state, &member, job, candidate).await?;
        Ok((
            format!("/candidates/{candidate}"),
            format!("Added to {} in {}.", added.job_title, added.stage),
            Some("hiring".into()),
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn note_create(candidate_id: String, body: String) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    act::run(&path, async {
        let (call, member) = super::context::member().await?;
        let candidate = super::parse_id(&candidate_id, "Candidate")?;
        hirekey_core::services::hiring::notes::create(&call.state, &member, candidate, &body)
            .await?;
        Ok((
            format!("/candidates/{candidate}"),
            "Note saved.".into(),
            Some("notes".into()),
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn note_edit(
    candidate_id: String,
    note_id: String,
    body: String,
) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    act::run(&path, async {
        let (call, member) = super::context::member().await?;
        let candidate = super::parse_id(&candidate_id, "Candidate")?;
        let note = super::parse_id(&note_id, "Note")?;
        hirekey_core::services::hiring::notes::edit(&call.state, &member, note, &body).await?;
        Ok((
            format!("/candidates/{candidate}"),
            "Note updated; the earlier text is kept.".into(),
            Some("notes".into()),
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn note_delete(candidate_id: String, note_id: String) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    act::run(&path, async {
        let (call, member) = super::context::member().await?;
        let candidate = super::parse_id(&candidate_id, "Candidate")?;
        let note = super::parse_id(&note_id, "Note")?;
        hirekey_core::services::hiring::notes::delete(&call.state, &member, note).await?;
        Ok((
            format!("/candidates/{candidate}"),
            "Note deleted.".into(),
            Some("notes".into()),
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn candidate_merge(candidate_id: String, other_id: String) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    act::run(&path, async {
        let (call, member) = super::context::member().await?;
        let candidate = super::parse_id(&candidate_id, "Candidate")?;
        let other = super::parse_id(&other_id, "Candidate")?;
        let merged = hirekey_core::services::hiring::duplicates::merge(
            &call.state,
            &member,
            candidate,
            other,
        )
        .await?;
        Ok((
            format!("/candidates/{candidate}"),
            format!(
                "Merged: {} resume{}, {} application{} and {} note{} moved here.",
                merged.resumes,
                if merged.resumes == 1 { "" } else { "s" },
                merged.applications,
                if merged.applications == 1 { "" } else { "s" },
                merged.notes,
                if merged.notes == 1 { "" } else { "s" },
            ),
            Some("hiring".into()),
        ))
    })
    .await
}

#[server(prefix = "/sfn")]
pub async fn version_delete(candidate_id: String, version_id: String) -> Result<(), AppError> {
    let path = format!("/candidates/{}", candidate_id.trim());
    act::run(&path, async {
        let (call, member) = super::context::member().await?;
        let candidate = super::parse_id(&candidate_id, "Candidate")?;
        let version = super::parse_id(&version_id, "Resume version")?;
        hirekey_core::services::hiring::versions::delete(&call.state, &member, candidate, version)
            .await?;
        Ok((
            format!("/candidates/{candidate}"),
            "Resume version deleted.".into(),
            Some("versions".into()),
        ))
    })
    .await
}

#[cfg(feature = "ssr")]
mod view {
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
        applications: ApplicationList,
        jobs: JobList,
        notes: NoteList,
        duplicates: DuplicateList,
        versions: ResumeVersionList,
        activity: Activity,
        me: uuid::Uuid,
        can_work: bool,
    }

    pub async fn load_candidate(
        state: &AppState,
        member: &Member,
        id: uuid::Uuid,
    ) -> Result<CandidateSection, AppError> {
        Ok(CandidateSection {
            id,
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
}
