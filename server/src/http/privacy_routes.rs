//! Candidates' personal data over REST: the export (`/api/v1/candidates/{id}/export`), the
//! processing log (`/api/v1/candidates/{id}/processing`), retention (a candidate's "keep
//! until", the workspace's period, the erasures due). Erasure is `DELETE
//! /api/v1/candidates/{id}?erase=true` (`resume_routes.rs`). The work is in
//! `services::privacy`.
use axum::{extract::State, response::Response, Json};
use hirekey_core::{
    services::privacy::{export, processing, retention},
    session::{ClientInfo, Member},
    state::AppState,
};
use types::privacy::{
    CandidateRetention, DueForErasure, KeepUntil, ProcessingLog, RetentionSettings,
};
use types::ErrorBody;
use uuid::Uuid;

use super::{
    extractors::{ApiJson, ApiPath},
    resume_routes::attachment,
    ApiRoute,
};
use crate::http::error::ApiResult;

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        export_candidate,
        processing_log,
        get_candidate_retention,
        put_candidate_retention,
        delete_candidate_retention,
        get_workspace_retention,
        put_workspace_retention,
        due_for_erasure
    ),
    components(schemas(types::privacy::CandidateExport))
)]
pub struct Doc;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::get("/v1/candidates/{id}/export", export_candidate),
        ApiRoute::get("/v1/candidates/{id}/processing", processing_log),
        ApiRoute::get("/v1/candidates/{id}/retention", get_candidate_retention),
        ApiRoute::put("/v1/candidates/{id}/retention", put_candidate_retention),
        ApiRoute::delete("/v1/candidates/{id}/retention", delete_candidate_retention),
        ApiRoute::get("/v1/workspace/retention", get_workspace_retention),
        ApiRoute::put("/v1/workspace/retention", put_workspace_retention),
        ApiRoute::get("/v1/retention/due", due_for_erasure),
    ]
}

/// Export a candidate's data
///
/// A zip: `candidate.json` (the `CandidateExport` schema: every field, notes with their
/// history, applications, the timeline with stage moves, screening results, the processing
/// log and retention) and every original file, byte for byte, under `files/`. Audited.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/export", tag = "personal data",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The zip", body = [u8], content_type = "application/zip"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
        (status = 413, description = "The candidate's files come to more than 256 MB together", body = ErrorBody),
    ))]
async fn export_candidate(
    State(state): State<AppState>,
    member: Member,
    client: ClientInfo,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let zip = export::export(&state, &member, &client, id).await?;
    Ok(attachment(&zip.file_name, "application/zip", zip.bytes))
}

/// A candidate's processing log
///
/// Every AI call that carried the candidate's data (analysis, a chat or search answer whose
/// retrieval included them, a screening): when, who, whose key, which provider and model.
/// Newest first.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/processing", tag = "personal data",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The log", body = ProcessingLog),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
    ))]
async fn processing_log(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ProcessingLog>> {
    Ok(Json(processing::list(&state, &member, id).await?))
}

/// A candidate's retention
///
/// The "keep until" date and its reason, if set, and when retention would erase the
/// candidate (null when the workspace keeps candidates).
#[utoipa::path(get, path = "/api/v1/candidates/{id}/retention", tag = "personal data",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The candidate's retention", body = CandidateRetention),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
    ))]
async fn get_candidate_retention(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CandidateRetention>> {
    Ok(Json(
        retention::candidate_retention(&state, &member, id).await?,
    ))
}

/// Keep a candidate until a date
///
/// Overrides the workspace's retention period until `keep_until` (in the future, at most ten
/// years ahead), with the reason (consent given, in process, ...).
#[utoipa::path(put, path = "/api/v1/candidates/{id}/retention", tag = "personal data",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    request_body = KeepUntil,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The candidate's retention", body = CandidateRetention),
        (status = 400, description = "A malformed body", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer, or a cookie session from another site", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "A date not in the future or beyond ten years, or no reason", body = ErrorBody),
    ))]
async fn put_candidate_retention(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(keep): ApiJson<KeepUntil>,
) -> ApiResult<Json<CandidateRetention>> {
    Ok(Json(
        retention::keep_until(&state, &member, id, keep).await?,
    ))
}

/// Remove a candidate's "keep until"
///
/// The workspace's retention period applies again.
#[utoipa::path(delete, path = "/api/v1/candidates/{id}/retention", tag = "personal data",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The candidate's retention", body = CandidateRetention),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer, or a cookie session from another site", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
    ))]
async fn delete_candidate_retention(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CandidateRetention>> {
    Ok(Json(
        retention::clear_keep_until(&state, &member, id).await?,
    ))
}

/// The workspace's retention period
///
/// Candidates with no activity for `retention_days` are erased; null keeps them (the default).
#[utoipa::path(get, path = "/api/v1/workspace/retention", tag = "personal data",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The setting", body = RetentionSettings),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn get_workspace_retention(
    State(state): State<AppState>,
    member: Member,
) -> ApiResult<Json<RetentionSettings>> {
    Ok(Json(retention::settings(&state, &member).await?))
}

/// Set the workspace's retention period
///
/// Owners and admins: 30 to 3,650 days, or null to keep candidates. Audited.
#[utoipa::path(put, path = "/api/v1/workspace/retention", tag = "personal data",
    request_body = RetentionSettings,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The setting", body = RetentionSettings),
        (status = 400, description = "A malformed body", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Not the workspace's owner or an admin, or a cookie session from another site", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "A period outside 30 to 3,650 days", body = ErrorBody),
    ))]
async fn put_workspace_retention(
    State(state): State<AppState>,
    member: Member,
    client: ClientInfo,
    ApiJson(wanted): ApiJson<RetentionSettings>,
) -> ApiResult<Json<RetentionSettings>> {
    Ok(Json(
        retention::set_settings(&state, &member, &client, wanted).await?,
    ))
}

/// Candidates due for erasure
///
/// Those retention erases within the next 14 days, soonest first, so nothing disappears
/// unannounced.
#[utoipa::path(get, path = "/api/v1/retention/due", tag = "personal data",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The candidates and when", body = DueForErasure),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
async fn due_for_erasure(
    State(state): State<AppState>,
    member: Member,
) -> ApiResult<Json<DueForErasure>> {
    Ok(Json(retention::due(&state, &member).await?))
}
