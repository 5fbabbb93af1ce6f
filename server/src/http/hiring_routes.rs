//! The hiring loop over REST: jobs and their stages (`/api/v1/jobs`), applications
//! (`/api/v1/applications`), and a candidate's notes, timeline, resume versions and duplicates.
//! The handlers only translate HTTP; the work is in `services::hiring`.
use axum::{extract::State, http::StatusCode, response::Response, Json};
use hirekey_core::{
    services::hiring::{self, applications, duplicates, events, notes, versions},
    session::Member,
    state::AppState,
};
use types::hiring::{
    Activity, Application, ApplicationList, ApplicationPage, ApplicationQuery, CreateApplication,
    CreateJob, DuplicateList, Job, JobList, MergeCandidates, MergeResult, MoveApplication, Note,
    NoteHistory, NoteInput, NoteList, ResumeVersionList, StageConflict, UpdateJob, UpdateStages,
};
use types::ErrorBody;
use uuid::Uuid;

use super::{
    extractors::{ApiJson, ApiPath, ApiQuery},
    resume_routes::attachment,
    ApiRoute,
};
use crate::http::error::ApiResult;

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_jobs,
    create_job,
    get_job,
    update_job,
    delete_job,
    put_stages,
    list_applications,
    create_application,
    get_application,
    move_application,
    candidate_applications,
    list_notes,
    create_note,
    edit_note,
    delete_note,
    note_history,
    activity,
    list_versions,
    download_version,
    delete_version,
    possible_duplicates,
    merge
))]
pub struct Doc;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::get("/v1/jobs", list_jobs),
        ApiRoute::post("/v1/jobs", create_job),
        ApiRoute::get("/v1/jobs/{id}", get_job),
        ApiRoute::patch("/v1/jobs/{id}", update_job),
        ApiRoute::delete("/v1/jobs/{id}", delete_job),
        ApiRoute::put("/v1/jobs/{id}/stages", put_stages),
        ApiRoute::get("/v1/jobs/{id}/applications", list_applications),
        ApiRoute::post("/v1/jobs/{id}/applications", create_application),
        ApiRoute::get("/v1/applications/{id}", get_application),
        ApiRoute::patch("/v1/applications/{id}", move_application),
        ApiRoute::get("/v1/candidates/{id}/applications", candidate_applications),
        ApiRoute::get("/v1/candidates/{id}/notes", list_notes),
        ApiRoute::post("/v1/candidates/{id}/notes", create_note),
        ApiRoute::patch("/v1/notes/{id}", edit_note),
        ApiRoute::delete("/v1/notes/{id}", delete_note),
        ApiRoute::get("/v1/notes/{id}/history", note_history),
        ApiRoute::get("/v1/candidates/{id}/activity", activity),
        ApiRoute::get("/v1/candidates/{id}/resumes", list_versions),
        ApiRoute::get("/v1/candidates/{id}/resumes/{version}", download_version),
        ApiRoute::delete("/v1/candidates/{id}/resumes/{version}", delete_version),
        ApiRoute::get("/v1/candidates/{id}/duplicates", possible_duplicates),
        ApiRoute::post("/v1/candidates/{id}/merge", merge),
    ]
}

/// The workspace's jobs
///
/// Newest first, each with its pipeline and the number of applications in each stage.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The jobs", body = JobList),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn list_jobs(State(state): State<AppState>, member: Member) -> ApiResult<Json<JobList>> {
    Ok(Json(hiring::list(&state, &member).await?))
}

/// Create a job
///
/// `status` is `open`, `on_hold` or `closed`. The job starts with the pipeline Applied,
/// Screening, Interview, Offer, Hired and Rejected.
#[utoipa::path(post, path = "/api/v1/jobs", tag = "jobs",
    request_body = CreateJob,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The job", body = Job),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 422, description = "A field is missing, empty or too long", body = ErrorBody),
    ))]
async fn create_job(
    State(state): State<AppState>,
    member: Member,
    ApiJson(req): ApiJson<CreateJob>,
) -> ApiResult<(StatusCode, Json<Job>)> {
    let job = hiring::create(&state, &member, req).await?;
    Ok((StatusCode::CREATED, Json(job)))
}

/// A job
///
/// With its stages and their counts.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "The job's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The job", body = Job),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
    ))]
async fn get_job(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Job>> {
    Ok(Json(hiring::get(&state, &member, id).await?))
}

/// Edit a job
///
/// The fields given change.
#[utoipa::path(patch, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "The job's id")),
    request_body = UpdateJob,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The job after the change", body = Job),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
        (status = 422, description = "A field is missing, empty or too long", body = ErrorBody),
    ))]
async fn update_job(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateJob>,
) -> ApiResult<Json<Job>> {
    Ok(Json(hiring::update(&state, &member, id, req).await?))
}

/// Delete a job
///
/// The job, its stages and its applications; the candidates stay, and their timelines keep what
/// happened.
#[utoipa::path(delete, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "The job's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
    ))]
async fn delete_job(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    hiring::delete(&state, &member, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rename, reorder, add and remove stages
///
/// The whole pipeline in order: a stage with `id` is kept (renamed and moved), one without is
/// added, one left out is removed. Removing a stage that holds applications is a 409 naming how
/// many. The rejected stage stays last and cannot be removed.
#[utoipa::path(put, path = "/api/v1/jobs/{id}/stages", tag = "jobs",
    params(("id" = Uuid, Path, description = "The job's id")),
    request_body = UpdateStages,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The job with its new pipeline", body = Job),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
        (status = 409, description = "A stage left out still holds applications", body = ErrorBody),
        (status = 422, description = "No stages, more than 20, a name empty, too long or used twice, an unknown stage id, or the rejected stage left out", body = ErrorBody),
    ))]
async fn put_stages(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateStages>,
) -> ApiResult<Json<Job>> {
    Ok(Json(hiring::put_stages(&state, &member, id, req).await?))
}

/// A job's applications
///
/// One page, oldest application first, of one stage (`stage`: its id or name) or the whole job.
/// Pass `next_cursor` as `cursor` for the next page: each card that stays in the stage comes
/// exactly once while cards move.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/applications", tag = "jobs",
    params(("id" = Uuid, Path, description = "The job's id"), ApplicationQuery),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "One page of cards", body = ApplicationPage),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
        (status = 422, description = "An unknown stage, a cursor not from this list, or per_page out of range", body = ErrorBody),
    ))]
async fn list_applications(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ApplicationQuery>,
) -> ApiResult<Json<ApplicationPage>> {
    Ok(Json(applications::page(&state, &member, id, query).await?))
}

/// Add a candidate to a job
///
/// Into the job's first stage.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/applications", tag = "jobs",
    params(("id" = Uuid, Path, description = "The job's id")),
    request_body = CreateApplication,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The application", body = Application),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such job or candidate in the current workspace", body = ErrorBody),
        (status = 409, description = "The candidate is already in this job", body = ErrorBody),
    ))]
async fn create_application(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CreateApplication>,
) -> ApiResult<(StatusCode, Json<Application>)> {
    let app = applications::add(&state, &member, id, req.candidate_id).await?;
    Ok((StatusCode::CREATED, Json(app)))
}

/// An application
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "The application's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The application", body = Application),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such application in the current workspace", body = ErrorBody),
    ))]
async fn get_application(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Application>> {
    Ok(Json(applications::one(&state, &member, id).await?))
}

/// Move an application to another stage
///
/// `stage` is a stage's id or name. The rejected stage needs `rejection_reason`. Send the
/// `stage_version` you saw: if someone moved the card meanwhile, the answer is 409 with its
/// current stage and version, and nothing changes.
#[utoipa::path(patch, path = "/api/v1/applications/{id}", tag = "jobs",
    params(("id" = Uuid, Path, description = "The application's id")),
    request_body = MoveApplication,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The application after the move", body = Application),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such application in the current workspace", body = ErrorBody),
        (status = 409, description = "Someone else moved the card first: its current stage and version", body = StageConflict),
        (status = 422, description = "Not a stage of this job, or a rejection without a reason", body = ErrorBody),
    ))]
async fn move_application(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<MoveApplication>,
) -> ApiResult<Json<Application>> {
    Ok(Json(applications::move_to(&state, &member, id, req).await?))
}

/// A candidate's applications
///
/// The candidate in every job of the workspace, newest first.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/applications", tag = "jobs",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The applications", body = ApplicationList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
    ))]
async fn candidate_applications(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ApplicationList>> {
    Ok(Json(
        applications::for_candidate(&state, &member, id).await?,
    ))
}

/// A candidate's notes
///
/// Newest first. The body is Markdown, which the pages show as text.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/notes", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The notes", body = NoteList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
    ))]
async fn list_notes(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<NoteList>> {
    Ok(Json(notes::list(&state, &member, id).await?))
}

/// Write a note on a candidate
///
/// Up to 20,000 characters of Markdown. It goes on the candidate's timeline.
#[utoipa::path(post, path = "/api/v1/candidates/{id}/notes", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    request_body = NoteInput,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The note", body = Note),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
        (status = 422, description = "A field is missing, empty or too long", body = ErrorBody),
    ))]
async fn create_note(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<NoteInput>,
) -> ApiResult<(StatusCode, Json<Note>)> {
    let note = notes::create(&state, &member, id, &req.body).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

/// Edit a note
///
/// Its author only; the earlier body is kept (`GET /api/v1/notes/{id}/history`).
#[utoipa::path(patch, path = "/api/v1/notes/{id}", tag = "candidates",
    params(("id" = Uuid, Path, description = "The note's id")),
    request_body = NoteInput,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The note after the edit", body = Note),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the note's author, or a viewer", body = ErrorBody),
        (status = 404, description = "No such note in the current workspace", body = ErrorBody),
        (status = 422, description = "A field is missing, empty or too long", body = ErrorBody),
    ))]
async fn edit_note(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<NoteInput>,
) -> ApiResult<Json<Note>> {
    Ok(Json(notes::edit(&state, &member, id, &req.body).await?))
}

/// Delete a note
///
/// Its author only.
#[utoipa::path(delete, path = "/api/v1/notes/{id}", tag = "candidates",
    params(("id" = Uuid, Path, description = "The note's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the note's author, or a viewer", body = ErrorBody),
        (status = 404, description = "No such note in the current workspace", body = ErrorBody),
    ))]
async fn delete_note(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    notes::delete(&state, &member, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A note's earlier bodies
///
/// Oldest first.
#[utoipa::path(get, path = "/api/v1/notes/{id}/history", tag = "candidates",
    params(("id" = Uuid, Path, description = "The note's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The note and its earlier bodies", body = NoteHistory),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such note in the current workspace", body = ErrorBody),
    ))]
async fn note_history(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<NoteHistory>> {
    Ok(Json(notes::history(&state, &member, id).await?))
}

/// A candidate's timeline
///
/// Newest first: uploads and new resume versions, analyses (key source and model), merges, jobs
/// joined, stage moves, notes and deleted versions, each with who caused it.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/activity", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The timeline", body = Activity),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
    ))]
async fn activity(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Activity>> {
    Ok(Json(events::activity(&state, &member, id).await?))
}

/// A candidate's resume versions
///
/// Newest first; the current one (which analysis, search and chat read) is marked.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/resumes", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The versions", body = ResumeVersionList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
    ))]
async fn list_versions(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ResumeVersionList>> {
    Ok(Json(versions::list(&state, &member, id).await?))
}

/// Download a resume version
///
/// The original bytes, as an attachment.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/resumes/{version}", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id"), ("version" = Uuid, Path, description = "The version's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The file as uploaded, with the content type of what it is (a PDF, a .docx, a .txt, or a JPEG, PNG or TIFF scan)", content(([u8] = "application/pdf"), ([u8] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), ([u8] = "text/plain; charset=utf-8"), ([u8] = "image/jpeg"), ([u8] = "image/png"), ([u8] = "image/tiff"), ([u8] = "application/octet-stream"))),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate or version", body = ErrorBody),
    ))]
async fn download_version(
    State(state): State<AppState>,
    member: Member,
    ApiPath((id, version)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let file = versions::download(&state, &member, id, version).await?;
    Ok(attachment(&file.file_name, &file.content_type, file.bytes))
}

/// Delete an earlier resume version
///
/// The current version goes only with the candidate (409).
#[utoipa::path(delete, path = "/api/v1/candidates/{id}/resumes/{version}", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id"), ("version" = Uuid, Path, description = "The version's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such candidate or version", body = ErrorBody),
        (status = 409, description = "It is the current version", body = ErrorBody),
    ))]
async fn delete_version(
    State(state): State<AppState>,
    member: Member,
    ApiPath((id, version)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    versions::delete(&state, &member, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Possible duplicates of a candidate
///
/// Candidates of the workspace with the same name once case, accents and the order of the names
/// are set aside, and no conflicting email. (An upload with the same email or phone number as a
/// candidate becomes their new resume version instead.)
#[utoipa::path(get, path = "/api/v1/candidates/{id}/duplicates", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The possible duplicates", body = DuplicateList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
    ))]
async fn possible_duplicates(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<DuplicateList>> {
    Ok(Json(duplicates::possible(&state, &member, id).await?))
}

/// Merge a duplicate into a candidate
///
/// `other_id` is merged into `{id}` in one transaction: its resumes become earlier versions,
/// its applications, notes and timeline move (two applications to one job keep the one at the
/// later stage), and the merge is on the timeline. `other_id` then no longer exists.
#[utoipa::path(post, path = "/api/v1/candidates/{id}/merge", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    request_body = MergeCandidates,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "What moved", body = MergeResult),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such candidate (either) in the current workspace", body = ErrorBody),
        (status = 422, description = "A candidate merged with itself", body = ErrorBody),
    ))]
async fn merge(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<MergeCandidates>,
) -> ApiResult<Json<MergeResult>> {
    Ok(Json(
        duplicates::merge(&state, &member, id, req.other_id).await?,
    ))
}
