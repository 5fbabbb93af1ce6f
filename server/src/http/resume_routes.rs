//! Resume upload and the candidate API: `/api/v1/resumes/upload[/{candidate_id}]` and
//! `/api/v1/candidates[/{id}[/resume|/analyze]]`. The handlers only translate HTTP; the work is
//! in `services::resumes`.
use crate::http::auth::WebState;
use crate::http::error::{ApiError, ApiResult};
use std::convert::Infallible;
use types::ErrorBody;

use axum::{
    extract::{
        multipart::{MultipartError, MultipartRejection},
        DefaultBodyLimit, FromRequest, Multipart, Request, State,
    },
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use bytes::BytesMut;
use tower::{Layer, ServiceExt};
use types::candidates::{
    BulkRequest, BulkResult, Candidate, CandidateDetail, CandidatePage, CandidateQuery,
    CorrectCandidate,
};
use types::privacy::DeleteQuery;
use uuid::Uuid;

use super::{
    extractors::{ApiJson, ApiPath, ApiQuery},
    schemas::ResumeUpload,
    ApiRoute,
};
use hirekey_core::{
    error::ServiceError,
    services::{
        privacy,
        resumes::{self, max_upload_bytes, too_large, UploadFile},
        text,
    },
    session::{ClientInfo, Member},
    state::AppState,
};

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    upload_new,
    upload_replace,
    list,
    get_one,
    correct,
    delete,
    download,
    analyze,
    bulk,
    export
))]
pub struct Doc;

/// Room for the multipart boundaries and part headers around the file.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::post("/v1/resumes/upload", upload_new),
        ApiRoute::post("/v1/resumes/upload/{candidate_id}", upload_replace),
        ApiRoute::get("/v1/candidates", list),
        ApiRoute::get("/v1/candidates/{id}", get_one),
        ApiRoute::patch("/v1/candidates/{id}", correct),
        ApiRoute::post("/v1/candidates/bulk", bulk),
        ApiRoute::get("/v1/candidates/export", export),
        ApiRoute::delete("/v1/candidates/{id}", delete),
        ApiRoute::get("/v1/candidates/{id}/resume", download),
        ApiRoute::post("/v1/candidates/{id}/analyze", analyze),
    ]
}

/// The `file` part of a `multipart/form-data` body, at most `HIREKEY_MAX_UPLOAD_MB`.
pub struct UploadForm(pub UploadFile);

impl FromRequest<WebState> for UploadForm {
    type Rejection = ApiError;

    async fn from_request(req: Request, web: &WebState) -> Result<Self, Self::Rejection> {
        let state = &web.app;
        let max_file = max_upload_bytes(&state.config);
        let max_body = max_file.saturating_add(MULTIPART_OVERHEAD);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|len| len > max_body) {
            return Err(too_large(&state.config).into());
        }
        let req = with_body_limit(req, max_body).await;
        let mut multipart = Multipart::from_request(req, web)
            .await
            .map_err(multipart_rejection)?;
        while let Some(mut field) = multipart
            .next_field()
            .await
            .map_err(|e| field_error(e, state))?
        {
            if field.name() != Some("file") {
                continue;
            }
            let file_name = text::clean_label(field.file_name().unwrap_or_default());
            let content_type = field.content_type().unwrap_or_default().to_owned();
            let mut bytes = BytesMut::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| field_error(e, state))? {
                if bytes.len() + chunk.len() > max_file {
                    return Err(too_large(&state.config).into());
                }
                bytes.extend_from_slice(&chunk);
            }
            return Ok(Self(UploadFile {
                file_name,
                content_type,
                bytes: bytes.freeze(),
            }));
        }
        Err(ServiceError::BadRequest(
            "Send the resume as multipart/form-data in a field named 'file'".into(),
        )
        .into())
    }
}

/// Applies axum's `DefaultBodyLimit` to this one request: the API's 1 MB default is set when
/// the router is built, the upload limit comes from the configuration, and the innermost
/// limit wins.
async fn with_body_limit(req: Request, limit: usize) -> Request {
    let pass_through = tower::service_fn(|req: Request| async move { Ok::<_, Infallible>(req) });
    match DefaultBodyLimit::max(limit)
        .layer(pass_through)
        .oneshot(req)
        .await
    {
        Ok(req) => req,
        Err(never) => match never {},
    }
}

fn multipart_rejection(rejection: MultipartRejection) -> ServiceError {
    match rejection {
        MultipartRejection::InvalidBoundary(_) => ServiceError::UnsupportedMediaType(
            "Send the resume as multipart/form-data in a field named 'file'".into(),
        ),
        other => ServiceError::BadRequest(other.body_text()),
    }
}

fn field_error(e: MultipartError, state: &AppState) -> ServiceError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(&state.config)
    } else {
        ServiceError::BadRequest(format!("The upload could not be read: {}", e.body_text()))
    }
}

/// Upload a resume
///
/// `POST /api/v1/resumes/upload`: 201 with the new candidate. PDF, DOCX, plain text, or a scan or photo (JPEG, PNG, TIFF), at most
/// `HIREKEY_MAX_UPLOAD_MB`. The file, the candidate and its analysis job are stored together
/// before the AI call, so the file is kept whatever the analysis does. The answer waits for
/// the analysis up to `HIREKEY_ANALYSIS_WAIT_SECS` (by default the provider timeout plus 5 s):
/// when it has ended, the candidate is `analysis_status: "done"` with the analysis, or
/// `"failed"` with the reason in `analysis_error`; otherwise it is `"pending"` (same 201) and
/// the job goes on in the background (retrying provider faults that pass, with backoff), and
/// `GET /api/v1/candidates/{id}` shows the outcome once it has ended. A browser's plain form
/// post (`Accept: text/html`, the Upload page without JavaScript) is answered 303 to the
/// candidate's page, or back to the Upload page with the reason.
#[utoipa::path(post, path = "/api/v1/resumes/upload", tag = "candidates",
    request_body(content = ResumeUpload, content_type = "multipart/form-data"),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The new candidate; `Location` points at it. `analysis_status` is `done` or `failed` when the analysis ended within `HIREKEY_ANALYSIS_WAIT_SECS`, `pending` while its job is still at work. A scan or photo (JPEG, PNG, TIFF, or a PDF without a text layer) is answered at once, `pending` with `ocr.state` `reading`: OCR and then the analysis run on its job", body = Candidate),
        (status = 303, description = "A browser form post (`Accept: text/html`): to the candidate's page, or to `/upload?error=...`"),
        (status = 400, description = "No `file` part", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes and no AI calls", body = ErrorBody),
        (status = 413, description = "The file is too large", body = ErrorBody),
        (status = 415, description = "Not a PDF, DOCX, text file, JPEG, PNG or TIFF (HEIC, WebP and the like are refused with what to send instead)", body = ErrorBody),
        (status = 422, description = "The file could not be read: encrypted or damaged, an image over 40 megapixels, a scan of more than 5 pages", body = ErrorBody),
    ))]
async fn upload_new(
    State(web): State<WebState>,
    headers: HeaderMap,
    user: Result<Member, ApiError>,
    request: Request,
) -> ApiResult<Response> {
    let state = web.app.clone();
    let outcome = async {
        // Who is asking is settled before a byte of the body is read: a stranger's upload is
        // answered 401 at once and costs no memory.
        let user = user.map_err(|ApiError(e)| e)?;
        let UploadForm(file) = UploadForm::from_request(request, &web)
            .await
            .map_err(|ApiError(e)| e)?;
        resumes::upload(&state, &user, file, None).await
    }
    .await;
    if asks_for_a_page(&headers) {
        // The Upload page's own form, posted by a browser without JavaScript: answer with the
        // page to show next, the candidate or the form again with the reason.
        return Ok(match outcome {
            Ok(candidate) => see_other(&format!("/candidates/{}", candidate.id)),
            Err(ServiceError::Unauthorized) => see_other("/login"),
            Err(e) => {
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("error", &e.to_string())
                    .finish();
                see_other(&format!("/upload?{query}"))
            }
        });
    }
    let candidate = outcome?;
    let location = HeaderValue::from_str(&format!("/api/v1/candidates/{}", candidate.id))
        .unwrap_or(HeaderValue::from_static("/api/v1/candidates"));
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(candidate),
    )
        .into_response())
}

/// A browser's own form submission asks for HTML first; API clients and the page's script ask
/// for JSON or anything.
fn asks_for_a_page(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.trim_start().starts_with("text/html"))
}

/// 303: the browser follows with a GET of `location` (a path of this site).
fn see_other(location: &str) -> Response {
    let location = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/upload"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// Replace a candidate's resume
///
/// `POST /api/v1/resumes/upload/{candidate_id}`: 200 with the candidate, its resume replaced
/// and analysed again; as on upload, `analysis_status` is `pending` when the analysis has not
/// ended within `HIREKEY_ANALYSIS_WAIT_SECS`.
#[utoipa::path(post, path = "/api/v1/resumes/upload/{candidate_id}", tag = "candidates",
    params(("candidate_id" = Uuid, Path, description = "The candidate's id")),
    request_body(content = ResumeUpload, content_type = "multipart/form-data"),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The candidate, re-analysed", body = Candidate),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes and no AI calls", body = ErrorBody),
        (status = 404, description = "No such candidate of the caller's", body = ErrorBody),
        (status = 413, description = "The file is too large", body = ErrorBody),
        (status = 415, description = "Not a PDF, DOCX, text file, JPEG, PNG or TIFF", body = ErrorBody),
        (status = 422, description = "The file could not be read: encrypted or damaged, an image over 40 megapixels, a scan of more than 5 pages", body = ErrorBody),
    ))]
async fn upload_replace(
    State(state): State<AppState>,
    user: Member,
    ApiPath(candidate_id): ApiPath<Uuid>,
    UploadForm(file): UploadForm,
) -> ApiResult<Json<Candidate>> {
    Ok(Json(
        resumes::upload(&state, &user, file, Some(candidate_id)).await?,
    ))
}

/// Analyse a candidate's resume again
///
/// `POST /api/v1/candidates/{id}/analyze`: queues a new analysis job for the stored text and
/// answers 200 with the candidate; like an upload, a failed analysis is reported in it
/// (`analysis_status: "failed"`, `analysis_error`), not as an error status, because the request
/// did its job: the outcome is recorded and the data is intact. An analysis that has not ended
/// within `HIREKEY_ANALYSIS_WAIT_SECS` is answered `pending` and goes on in the background.
#[utoipa::path(post, path = "/api/v1/candidates/{id}/analyze", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The candidate with the new analysis or its failure, or `pending` while its job is still at work", body = Candidate),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes and no AI calls", body = ErrorBody),
        (status = 404, description = "No such candidate of the caller's", body = ErrorBody),
    ))]
async fn analyze(
    State(state): State<AppState>,
    user: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Candidate>> {
    Ok(Json(resumes::reanalyze(&state, &user, id).await?))
}

/// List candidates
///
/// The caller's candidates, newest first, one page at a time, optionally filtered by `q`
/// (every word of `q` found as a substring, most relevant first; newest first when an
/// estimated 5,000 or more match, with `total` then estimated: `order` and `total_estimated`
/// say which). Page on with `cursor` (the previous page's `next_cursor`, which keeps its
/// order); `page` still works. Filters (`skill`, `seniority`, `min_years`, `job`, `stage`)
/// and the orders `name` and `activity` (`sort`) page by `page` alone.
#[utoipa::path(get, path = "/api/v1/candidates", tag = "candidates",
    params(CandidateQuery),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "One page of candidates", body = CandidatePage),
        (status = 400, description = "A malformed query string (an unknown sort, a min_years that is not a number)", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "job names no job of the workspace", body = ErrorBody),
        (status = 422, description = "page or per_page is outside its bounds, cursor is not 64 lower-case hex digits, min_years is outside 0 to 80, job is not an id, stage is given without job or is not a stage of it", body = ErrorBody),
    ))]
async fn list(
    State(state): State<AppState>,
    user: Member,
    ApiQuery(query): ApiQuery<CandidateQuery>,
) -> ApiResult<Json<CandidatePage>> {
    Ok(Json(resumes::list(&state, &user, query).await?))
}

/// Get a candidate
///
/// The candidate and the text extracted from their resume.
#[utoipa::path(get, path = "/api/v1/candidates/{id}", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The candidate", body = CandidateDetail),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate of the caller's", body = ErrorBody),
    ))]
async fn get_one(
    State(state): State<AppState>,
    user: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CandidateDetail>> {
    Ok(Json(resumes::get(&state, &user, id).await?))
}

/// Delete or erase a candidate
///
/// The candidate, every resume version with its file and text, notes, applications and
/// screening results. With `erase=true` the erasure leaves nothing behind: chat answers that
/// named them show `[erased candidate]`, their processing log goes, the search indexes and
/// (on SQLite) the database files are compacted, and the erasure is audited (the id, who and
/// when).
#[utoipa::path(delete, path = "/api/v1/candidates/{id}", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id"), DeleteQuery),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes and no AI calls", body = ErrorBody),
        (status = 404, description = "No such candidate of the caller's", body = ErrorBody),
    ))]
async fn delete(
    State(state): State<AppState>,
    user: Member,
    client: ClientInfo,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<DeleteQuery>,
) -> ApiResult<StatusCode> {
    if query.erase {
        privacy::erase::erase(&state, &user, &client, id).await?;
    } else {
        resumes::delete(&state, &user, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Download a resume
///
/// `GET /api/v1/candidates/{id}/resume`: the original bytes, always as an attachment.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/resume", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The file as uploaded, with the content type of what it is (a PDF, a .docx, a .txt, or a JPEG, PNG or TIFF scan)", content(([u8] = "application/pdf"), ([u8] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), ([u8] = "text/plain; charset=utf-8"), ([u8] = "image/jpeg"), ([u8] = "image/png"), ([u8] = "image/tiff"), ([u8] = "application/octet-stream"))),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such candidate of the caller's", body = ErrorBody),
    ))]
async fn download(
    State(state): State<AppState>,
    user: Member,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let file = resumes::download(&state, &user, id).await?;
    Ok(attachment(&file.file_name, &file.content_type, file.bytes))
}

/// A stored file as an attachment, never cached.
pub fn attachment(file_name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&content_disposition(file_name))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `attachment` with an ASCII `filename` for old clients and the exact name as RFC 5987
/// `filename*`; nothing from the name can end the header value or add a parameter.
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " ._-()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_is_safe() {
        assert_eq!(
            content_disposition("Lebenslauf Müller.pdf"),
            "attachment; filename=\"Lebenslauf M_ller.pdf\"; filename*=UTF-8''Lebenslauf%20M%C3%BCller.pdf"
        );
        let hostile = content_disposition("a\";b=c\r\n.pdf");
        assert!(!hostile.contains('\r') && !hostile.contains('\n'));
        assert!(hostile.starts_with("attachment; filename=\"a__b_c__.pdf\";"));
    }
}

/// Correct a candidate's fields
///
/// `name`, `email`, `phone`, `current_title` and `location`, as a person corrects what the
/// analysis got wrong (a template's "YOUR NAME HERE", a missing email); an empty string clears
/// the field. The correction is kept when the resume is analysed again, and goes on the
/// timeline.
#[utoipa::path(patch, path = "/api/v1/candidates/{id}", tag = "candidates",
    params(("id" = Uuid, Path, description = "The candidate's id")),
    request_body = CorrectCandidate,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The candidate after the correction", body = Candidate),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "No such candidate in the current workspace", body = ErrorBody),
        (status = 422, description = "No field given, a field too long, or an email that is not one", body = ErrorBody),
    ))]
async fn correct(
    State(state): State<AppState>,
    user: Member,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CorrectCandidate>,
) -> ApiResult<Json<Candidate>> {
    Ok(Json(resumes::correct(&state, &user, id, req).await?))
}

/// Act on many candidates
///
/// `add_to_job` (into `job_id`'s first stage), `move_to_stage` (their application in `job_id`
/// to `stage`, a stage's id or name) or `delete`, for 1 to 500 `ids`. Each candidate is done on
/// its own: the answer counts what was done and lists each failure with its reason.
#[utoipa::path(post, path = "/api/v1/candidates/bulk", tag = "candidates",
    request_body = BulkRequest,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "What was done, and each failure", body = BulkResult),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "A viewer in the current workspace: viewers make no changes", body = ErrorBody),
        (status = 404, description = "job_id names no job of the workspace", body = ErrorBody),
        (status = 422, description = "No ids or more than 500, or job_id or stage missing for the action", body = ErrorBody),
    ))]
async fn bulk(
    State(state): State<AppState>,
    user: Member,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<Json<BulkResult>> {
    Ok(Json(resumes::bulk(&state, &user, req).await?))
}

/// `GET /api/v1/candidates/export?ids=a,b,c`.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Candidate ids, comma-separated (1 to 500).
    ids: String,
}

/// Export candidates as CSV
///
/// The candidates' analysed fields, one row each in the order asked (ids of no candidate of the
/// workspace are left out). Cells that a spreadsheet would run as a formula are defused with a
/// leading apostrophe.
#[utoipa::path(get, path = "/api/v1/candidates/export", tag = "candidates",
    params(ExportQuery),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The CSV file", body = String, content_type = "text/csv"),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "ids is empty, has more than 500 ids or one that is not an id", body = ErrorBody),
    ))]
async fn export(
    State(state): State<AppState>,
    user: Member,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let ids = query
        .ids
        .split(',')
        .map(|id| id.trim().parse::<Uuid>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            ServiceError::Validation("ids must be candidate ids separated by commas".into())
        })?;
    let csv = resumes::export_csv(&state, &user, &ids).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"candidates.csv\""),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        csv,
    )
        .into_response())
}
