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
/// `draft` is a criteria draft to show in the screening section's editor (`kind|text` lines).
#[server(prefix = "/sfn")]
pub async fn job_html(
    id: String,
    more: Option<String>,
    draft: Option<String>,
) -> Result<String, AppError> {
    let (call, member) = super::context::member().await?;
    let id = super::parse_id(&id, "Job")?;
    let board = view::load_board(&call.state, &member, id, more.as_deref()).await?;
    let screening = screening_view::load_job(&call.state, &member, id, draft.as_deref()).await?;
    Ok(crate::components::server_html::render(move || {
        leptos::prelude::view! {
            {view::board(board)}
            {screening_view::job_section(screening)}
        }
    }))
}

/// The candidate page's hiring section.
#[server(prefix = "/sfn")]
pub async fn candidate_hiring_html(id: String) -> Result<String, AppError> {
    let (call, member) = super::context::member().await?;
    let id = super::parse_id(&id, "Candidate")?;
    let section = view::load_candidate(&call.state, &member, id).await?;
    let titles: Vec<(uuid::Uuid, String)> = section
        .applications
        .items
        .iter()
        .map(|a| (a.id, a.job_title.clone()))
        .collect();
    let can_work = section.can_work;
    let screened = screening_view::load_candidate(&call.state, &member, id, &titles).await?;
    let personal = privacy_view::load(&call.state, &member, id).await?;
    Ok(crate::components::server_html::render(move || {
        leptos::prelude::view! {
            {screening_view::candidate_section(id, screened, can_work)}
            {view::candidate(section)}
            {privacy_view::section(personal)}
        }
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

pub mod privacy;
#[cfg(feature = "ssr")]
mod privacy_view;
pub mod screening;
#[cfg(feature = "ssr")]
mod screening_view;
#[cfg(feature = "ssr")]
mod view;
