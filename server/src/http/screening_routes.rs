//! AI screening over REST: a job's criteria (`/api/v1/jobs/{id}/criteria`), screening runs
//! (`/api/v1/jobs/{id}/screenings`, `/api/v1/screenings/{id}`) and each application's checked
//! verdicts (`/api/v1/applications/{id}/screening`). The handlers only translate HTTP; the
//! work is in `services::screening`.
use axum::{extract::State, http::StatusCode, Json};
use hirekey_core::{
    services::screening::{self, runs},
    session::Member,
    state::AppState,
};
use types::screening::{
    ApplicationScreening, CriteriaList, JobScreening, ScreeningProgress, ScreeningStarted,
    StartScreening,
};
use types::ErrorBody;
use uuid::Uuid;

use super::{
    extractors::{ApiJson, ApiPath},
    ApiRoute,
};
use crate::http::error::ApiResult;

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    get_criteria,
    put_criteria,
    draft_criteria,
    start_screening,
    job_screening,
    get_run,
    cancel_run,
    application_screening,
    review_screening
))]
pub struct Doc;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::get("/v1/jobs/{id}/criteria", get_criteria),
        ApiRoute::put("/v1/jobs/{id}/criteria", put_criteria),
        ApiRoute::post("/v1/jobs/{id}/criteria/draft", draft_criteria),
        ApiRoute::post("/v1/jobs/{id}/screenings", start_screening),
        ApiRoute::get("/v1/jobs/{id}/screening", job_screening),
        ApiRoute::get("/v1/screenings/{id}", get_run),
        ApiRoute::post("/v1/screenings/{id}/cancel", cancel_run),
        ApiRoute::get("/v1/applications/{id}/screening", application_screening),
        ApiRoute::post("/v1/applications/{id}/screening/review", review_screening),
    ]
}

/// A job's screening criteria
///
/// In order; each is a short statement, `must` or `nice`.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/criteria", tag = "screening",
    params(("id" = Uuid, Path, description = "The job's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The criteria", body = CriteriaList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
    ))]
async fn get_criteria(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CriteriaList>> {
    Ok(Json(screening::get_criteria(&state, &member, id).await?))
}

/// Save a job's criteria
///
/// The whole list, in order, replaces the job's criteria: at most 20, each at most 300
/// characters of plain text.
#[utoipa::path(put, path = "/api/v1/jobs/{id}/criteria", tag = "screening",
    params(("id" = Uuid, Path, description = "The job's id")),
    request_body = CriteriaList,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The criteria as saved", body = CriteriaList),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
        (status = 422, description = "More than 20 criteria, or one empty, too long or listed twice", body = ErrorBody),
    ))]
async fn put_criteria(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CriteriaList>,
) -> ApiResult<Json<CriteriaList>> {
    Ok(Json(
        screening::put_criteria(&state, &member, id, req).await?,
    ))
}

/// Draft criteria with AI
///
/// The model proposes criteria from the job's description, on the caller's key. Nothing is
/// saved: edit the draft, then save it with `PUT`.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/criteria/draft", tag = "screening",
    params(("id" = Uuid, Path, description = "The job's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The proposed criteria", body = CriteriaList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 402, description = "The key's budget would be passed, or the provider says the key has no credit", body = ErrorBody),
        (status = 403, description = "No API key to use, or a viewer", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
        (status = 422, description = "The job has no description, or the provider refused the key or model", body = ErrorBody),
        (status = 429, description = "A rate limit was reached", body = ErrorBody),
        (status = 502, description = "The provider failed or answered with no usable criteria", body = ErrorBody),
        (status = 504, description = "The provider timed out", body = ErrorBody),
    ))]
async fn draft_criteria(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CriteriaList>> {
    Ok(Json(screening::draft_criteria(&state, &member, id).await?))
}

/// Screen a job's applicants
///
/// Every application of the job, or those in `application_ids`, against the job's criteria,
/// on the caller's key, in the background. `blind` redacts who the candidate is before any
/// text reaches the model. The answer gives the run's id and what it is expected to use.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/screenings", tag = "screening",
    params(("id" = Uuid, Path, description = "The job's id")),
    request_body = StartScreening,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 202, description = "The run started", body = ScreeningStarted),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "No API key to use, or a viewer", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
        (status = 422, description = "The job has no criteria or no applicants, or an application is not in the job", body = ErrorBody),
    ))]
async fn start_screening(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<StartScreening>,
) -> ApiResult<(StatusCode, Json<ScreeningStarted>)> {
    let started = runs::start(&state, &member, id, req).await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// A job's applicants by screening score
///
/// The criteria, the newest run's progress and the applicants, highest score first. A
/// screening of a resume that addresses a model has no score here until a person confirms it.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/screening", tag = "screening",
    params(("id" = Uuid, Path, description = "The job's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The job's screening", body = JobScreening),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such job in the current workspace", body = ErrorBody),
    ))]
async fn job_screening(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<JobScreening>> {
    Ok(Json(screening::job_screening(&state, &member, id).await?))
}

/// A screening run's progress
#[utoipa::path(get, path = "/api/v1/screenings/{id}", tag = "screening",
    params(("id" = Uuid, Path, description = "The run's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Its progress", body = ScreeningProgress),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such run in the current workspace", body = ErrorBody),
    ))]
async fn get_run(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ScreeningProgress>> {
    Ok(Json(runs::progress(&state, &member, id).await?))
}

/// Cancel a screening run
///
/// No further application is sent to the model; those already sent finish and keep their
/// result. Cancelling a finished run changes nothing.
#[utoipa::path(post, path = "/api/v1/screenings/{id}/cancel", tag = "screening",
    params(("id" = Uuid, Path, description = "The run's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The run's progress after cancelling", body = ScreeningProgress),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such run in the current workspace", body = ErrorBody),
    ))]
async fn cancel_run(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ScreeningProgress>> {
    Ok(Json(runs::cancel(&state, &member, id).await?))
}

/// An application's screening
///
/// The newest: each criterion's verdict with the quotes found in the resume, the quotes
/// dropped, the score Hirekey computed, the model, the key's source and whether it was blind.
#[utoipa::path(get, path = "/api/v1/applications/{id}/screening", tag = "screening",
    params(("id" = Uuid, Path, description = "The application's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The screening", body = ApplicationScreening),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "Not screened yet, or no such application in the current workspace", body = ErrorBody),
    ))]
async fn application_screening(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ApplicationScreening>> {
    Ok(Json(
        screening::application_screening(&state, &member, id).await?,
    ))
}

/// Confirm a screening held for review
///
/// A person read the screening of a resume that addresses a model; its score then ranks.
#[utoipa::path(post, path = "/api/v1/applications/{id}/screening/review", tag = "screening",
    params(("id" = Uuid, Path, description = "The application's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The screening, confirmed", body = ApplicationScreening),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "Not screened yet, or no such application in the current workspace", body = ErrorBody),
    ))]
async fn review_screening(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ApplicationScreening>> {
    Ok(Json(screening::confirm(&state, &member, id).await?))
}
