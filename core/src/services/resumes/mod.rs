//! Resumes and candidates: upload (extract, store with its analysis job, then run the job),
//! re-analysis, listing and search, download and deletion. Every query is scoped to the
//! caller, so another user's candidate is simply "not found".
//!
//! The analysis itself (prompt, AI call, retry and reading the model's JSON) is in
//! `analysis`, the job queue that runs it (claims, leases, retries) in `jobs`, the email and
//! phone scanners in `contacts`, and the uploaded file's limits and cleaned name in `files`.
pub(crate) mod analysis;
mod bulk;
pub(crate) mod contacts;
mod corrections;
mod files;
mod filtered;
pub mod jobs;
pub mod ocr;
mod store;

use store::PendingUpload;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Alias, Expr, Func},
    ColumnTrait, ConnectionTrait, DbErr, DerivePartialModel, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QuerySelect,
};
use types::candidates::{
    AnalysisStatus, Candidate, CandidateDetail, CandidatePage, CandidateQuery, CandidateWarning,
    ListOrder, OcrStatus, ResumeAnalysis,
};
use uuid::Uuid;

pub use self::{
    analysis::{
        keep_as_resume, parse_analysis, repair_json, validate_analysis, ANALYSIS_MAX_CHARS,
    },
    bulk::{bulk, export_csv},
    contacts::{find_email, find_phone, merge_contacts},
    corrections::correct,
    files::{clean_file_name, max_upload_bytes, too_large, ResumeDownload, UploadFile},
};
use crate::{
    entities::{analysis_jobs, candidates, resumes},
    error::{ServiceError, ServiceResult},
    services::{
        ai::KeySource,
        busy,
        extract::{self, DocumentKind, Engine, Reading},
        hiring, search,
    },
    session::Member,
    state::AppState,
};

const DEFAULT_PER_PAGE: u64 = 20;
const MAX_PER_PAGE: u64 = 100;
/// The bounds the API declares: a larger `per_page` counts as [`MAX_PER_PAGE`]; past these the
/// request is refused (an offset that large would overflow the database's integer).
const MAX_PER_PAGE_ASKED: u64 = 10_000;
const MAX_PAGE: u64 = 100_000;
/// Findings kept per resume.
const MAX_WARNINGS: usize = 10;

/// Stores a resume and analyses it. `replace` names an existing candidate of the caller whose
/// resume is replaced; otherwise a new candidate is created. The file, its text and the
/// analysis job are committed in one transaction before the AI call, so a failed analysis loses
/// nothing. The request then runs its job and answers once it has ended (`done`, or `failed`
/// with the reason) or after `HIREKEY_ANALYSIS_WAIT_SECS` with the candidate still `pending`
/// (the job goes on, here or on any instance).
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn upload(
    state: &AppState,
    auth: &Member,
    file: UploadFile,
    replace: Option<Uuid>,
) -> ServiceResult<Candidate> {
    auth.ensure_can_work()?;
    if file.bytes.len() > max_upload_bytes(&state.config) {
        return Err(too_large(&state.config));
    }
    // The target must be the caller's before any work is done.
    let existing = match replace {
        Some(id) => Some(find_owned(state, auth, id).await?),
        None => None,
    };
    let kind = DocumentKind::detect(&file.file_name, &file.content_type, &file.bytes)?;
    // A scan is stored at once with what its text layer held, if anything; OCR reads it on
    // the analysis job (`ocr.rs`), and the answer does not wait for it.
    let (extracted, scan) = match extract::read_upload(auth.id, kind, file.bytes.clone()).await? {
        Reading::Text(extracted) => (extracted, false),
        Reading::Scan { layer } => {
            let mut read = layer.unwrap_or(extract::Extracted {
                text: String::new(),
                hidden: Vec::new(),
                engine: Engine::Ocr,
                pages: 0,
                scan_images: 0,
            });
            read.engine = Engine::Ocr;
            (read, true)
        }
    };
    let warnings = reading_warnings(&extracted);
    let text_engine = extracted.engine.as_str();
    let text = extracted.text;
    let file_name = clean_file_name(&file.file_name, kind);
    let id = existing.as_ref().map_or_else(Uuid::new_v4, |c| c.id);
    let now = state.clock.now();
    // What the pattern finds is known even if the AI call fails.
    let known = ResumeAnalysis {
        email: find_email(&text),
        phone: find_phone(&text),
        ..Default::default()
    };

    let pending = PendingUpload {
        id,
        email_key: known.email.as_deref().and_then(hiring::keys::email_key),
        phone_key: known.phone.as_deref().and_then(hiring::keys::phone_key),
        owner_id: auth.id,
        workspace_id: auth.workspace_id,
        replaces: existing.as_ref(),
        email: known.email.clone(),
        analysis: analysis_json(&known)?,
        search_text: search_text(&known, &text),
        warnings: warnings_json(&warnings)?,
        text: &text,
        text_engine,
        file_name: &file_name,
        kind,
        bytes: &file.bytes,
        now,
    };
    let (candidate, job, duplicate_of) = busy::retry_if_busy(|| pending.store(state))
        .await
        .map_err(not_found_if_gone)?;

    if scan {
        jobs::start(state, job);
    } else {
        jobs::run_and_wait(state, job).await;
    }
    let candidate = find_owned(state, auth, candidate.id).await?;
    let facts = resume_facts(state, &[candidate.id]).await?;
    let mut dto = to_dto(CandidateRow::from(candidate), facts.first());
    dto.duplicate_of = duplicate_of;
    Ok(dto)
}

/// Runs the analysis again on the stored text with the caller's current key: the candidate is
/// set `pending` and a job queued in one transaction (replacing an unfinished one), then
/// answered as on upload: finished (done, or failed with the reason) or still `pending`.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn reanalyze(state: &AppState, auth: &Member, id: Uuid) -> ServiceResult<Candidate> {
    auth.ensure_can_work()?;
    find_owned(state, auth, id).await?;
    let now = state.clock.now();
    let (owner_id, workspace_id) = (auth.id, auth.workspace_id);
    // The candidate marked pending and its job queued, or nothing (`None`: it went meanwhile).
    let queued = busy::retry_if_busy(|| async move {
        let txn = busy::begin_write(&state.db).await?;
        let marked = candidates::Entity::update_many()
            .col_expr(
                candidates::Column::AnalysisStatus,
                Expr::value(AnalysisStatus::Pending.as_str()),
            )
            .col_expr(
                candidates::Column::AnalysisError,
                Expr::value(Option::<String>::None),
            )
            .col_expr(candidates::Column::UpdatedAt, Expr::value(now))
            .filter(candidates::Column::Id.eq(id))
            .filter(candidates::Column::WorkspaceId.eq(workspace_id))
            .exec(&txn)
            .await?;
        if marked.rows_affected == 0 {
            return Ok(None);
        }
        let job = jobs::enqueue(&txn, id, owner_id, workspace_id, now).await?;
        txn.commit().await?;
        Ok(Some(job))
    })
    .await?;
    let job = queued.ok_or(ServiceError::NotFound("Candidate"))?;
    jobs::run_and_wait(state, job).await;
    let candidate = find_owned(state, auth, id).await?;
    let facts = resume_facts(state, &[id]).await?;
    Ok(to_dto(CandidateRow::from(candidate), facts.first()))
}

/// One page of the workspace's candidates, newest first, optionally filtered by `q`.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn list(
    state: &AppState,
    auth: &Member,
    query: CandidateQuery,
) -> ServiceResult<CandidatePage> {
    let page = query.page.unwrap_or(1);
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(ServiceError::Validation(format!(
            "page must be between 1 and {MAX_PAGE}"
        )));
    }
    let per_page = query.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PER_PAGE_ASKED).contains(&per_page) {
        return Err(ServiceError::Validation(format!(
            "per_page must be between 1 and {MAX_PER_PAGE_ASKED}"
        )));
    }
    let per_page = per_page.min(MAX_PER_PAGE);
    if query.is_filtered() {
        let (ids, total) = filtered::page(state, auth, &query, page, per_page).await?;
        let paging = Paging {
            page,
            per_page,
            next_cursor: None,
            order: ListOrder::Newest,
            total_estimated: false,
        };
        return finish_list(state, auth, ids, total, paging).await;
    }
    let cursor = match query.cursor.as_deref() {
        Some(text) => Some(search::ListCursor::decode(text).ok_or_else(|| {
            ServiceError::Validation("cursor must be a next_cursor of this list".into())
        })?),
        None => None,
    };
    let terms = search::list_terms(query.q.as_deref().unwrap_or_default());
    let offset = page.saturating_sub(1).saturating_mul(per_page);
    let found = search::list_page(
        &state.db,
        auth.workspace_id,
        &terms,
        cursor,
        offset,
        per_page,
    )
    .await?;
    let total = match found.total {
        Some(total) => total,
        None if terms.is_empty() => {
            candidates::Entity::find()
                .filter(candidates::Column::WorkspaceId.eq(auth.workspace_id))
                .count(&state.db)
                .await?
        }
        None => search::count_matches(&state.db, auth.workspace_id, &terms).await?,
    };
    let next_cursor = found
        .more
        .then(|| found.rows.last().map(search::ListCursor::encode))
        .flatten();
    let ids: Vec<Uuid> = found.rows.iter().map(|r| r.id).collect();
    finish_list(
        state,
        auth,
        ids,
        total,
        Paging {
            page,
            per_page,
            next_cursor,
            order: found.order,
            total_estimated: found.total_estimated,
        },
    )
    .await
}

/// Where a page of the list is, besides its rows.
struct Paging {
    page: u64,
    per_page: u64,
    next_cursor: Option<String>,
    order: ListOrder,
    total_estimated: bool,
}

/// The page of `ids`, in that order.
async fn finish_list(
    state: &AppState,
    auth: &Member,
    ids: Vec<Uuid>,
    total: u64,
    paging: Paging,
) -> ServiceResult<CandidatePage> {
    let mut rows: HashMap<Uuid, CandidateRow> = candidates::Entity::find()
        .filter(candidates::Column::WorkspaceId.eq(auth.workspace_id))
        .filter(candidates::Column::Id.is_in(ids.iter().copied()))
        .into_partial_model::<CandidateRow>()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let facts = resume_facts(state, &ids).await?;
    let items = ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .map(|row| {
            let f = facts.iter().find(|f| f.candidate_id == row.id);
            to_dto(row, f)
        })
        .collect();
    Ok(CandidatePage {
        items,
        total,
        total_estimated: paging.total_estimated,
        page: paging.page,
        per_page: paging.per_page,
        order: paging.order,
        next_cursor: paging.next_cursor,
    })
}

/// One of the workspace's candidates with its resume text.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn get(state: &AppState, auth: &Member, id: Uuid) -> ServiceResult<CandidateDetail> {
    let candidate = find_owned(state, auth, id).await?;
    let facts = resume_facts(state, &[id]).await?;
    let resume = resume_text_row(state, id).await?;
    Ok(CandidateDetail {
        candidate: to_dto(CandidateRow::from(candidate), facts.first()),
        resume_text: resume.text,
        text_engine: resume.text_engine,
    })
}

/// The original file, as uploaded.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn download(state: &AppState, auth: &Member, id: Uuid) -> ServiceResult<ResumeDownload> {
    find_owned(state, auth, id).await?;
    let resume = resumes::Entity::find()
        .filter(resumes::Column::CandidateId.eq(id))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Resume"))?;
    Ok(ResumeDownload {
        file_name: resume.file_name,
        content_type: resume.content_type,
        bytes: resume.bytes,
    })
}

/// Deletes the candidate, its resume and its analysis jobs (a running one, fenced out, writes
/// nothing). `DELETE ...?erase=true` is `privacy::erase`, which also clears their traces.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn delete(state: &AppState, auth: &Member, id: Uuid) -> ServiceResult<()> {
    auth.ensure_can_work()?;
    let txn = busy::begin_write(&state.db).await?;
    if !delete_rows(&txn, auth.workspace_id, id).await? {
        return Err(ServiceError::NotFound("Candidate"));
    }
    txn.commit().await?;
    Ok(())
}

/// The candidate's rows, inside the caller's transaction: the candidate, resume, analysis jobs
/// and everything of the hiring loop (`hiring::delete_candidate_rows`). `false` when the
/// workspace has no such candidate.
pub async fn delete_rows(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let deleted = candidates::Entity::delete_many()
        .filter(candidates::Column::Id.eq(id))
        .filter(candidates::Column::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Ok(false);
    }
    // The foreign key cascades too; deleting explicitly does not depend on SQLite's pragma.
    resumes::Entity::delete_many()
        .filter(resumes::Column::CandidateId.eq(id))
        .exec(db)
        .await?;
    analysis_jobs::Entity::delete_many()
        .filter(analysis_jobs::Column::CandidateId.eq(id))
        .exec(db)
        .await?;
    hiring::delete_candidate_rows(db, id).await?;
    Ok(true)
}

async fn find_owned(state: &AppState, auth: &Member, id: Uuid) -> ServiceResult<candidates::Model> {
    candidates::Entity::find_by_id(id)
        .filter(candidates::Column::WorkspaceId.eq(auth.workspace_id))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Candidate"))
}

#[derive(DerivePartialModel, FromQueryResult)]
#[sea_orm(entity = "resumes::Entity")]
struct ResumeTextRow {
    text: String,
    text_engine: Option<String>,
}

async fn resume_text_row(state: &AppState, candidate_id: Uuid) -> ServiceResult<ResumeTextRow> {
    resumes::Entity::find()
        .filter(resumes::Column::CandidateId.eq(candidate_id))
        .into_partial_model::<ResumeTextRow>()
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Resume"))
}

async fn resume_text(state: &AppState, candidate_id: Uuid) -> ServiceResult<String> {
    Ok(resume_text_row(state, candidate_id).await?.text)
}

/// A candidate row without `search_text`, which holds the whole resume text.
#[derive(DerivePartialModel, FromQueryResult)]
#[sea_orm(entity = "candidates::Entity")]
struct CandidateRow {
    id: Uuid,
    analysis: Option<String>,
    analysis_status: String,
    analysis_error: Option<String>,
    key_source: Option<String>,
    warnings: Option<String>,
    not_a_resume: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<candidates::Model> for CandidateRow {
    fn from(c: candidates::Model) -> Self {
        Self {
            id: c.id,
            analysis: c.analysis,
            analysis_status: c.analysis_status,
            analysis_error: c.analysis_error,
            key_source: c.key_source,
            warnings: c.warnings,
            not_a_resume: c.not_a_resume,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// What the candidate DTO says about the stored file, without loading the file.
#[derive(Debug, FromQueryResult)]
struct ResumeFacts {
    candidate_id: Uuid,
    file_name: String,
    content_type: String,
    text_length: i64,
    file_size: i64,
    text_engine: Option<String>,
    ocr_confidence: Option<f64>,
    ocr_pages: Option<i32>,
    ocr_pages_done: Option<i32>,
    ocr_languages: Option<String>,
}

async fn resume_facts(state: &AppState, ids: &[Uuid]) -> ServiceResult<Vec<ResumeFacts>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // LENGTH of a blob/bytea counts bytes on both databases; the casts keep the integer type
    // the same on both.
    let bigint = || Alias::new("BIGINT");
    Ok(resumes::Entity::find()
        .select_only()
        .column(resumes::Column::CandidateId)
        .column(resumes::Column::FileName)
        .column(resumes::Column::ContentType)
        .column(resumes::Column::TextEngine)
        .column(resumes::Column::OcrConfidence)
        .column(resumes::Column::OcrPages)
        .column(resumes::Column::OcrPagesDone)
        .column(resumes::Column::OcrLanguages)
        .column_as(
            Expr::expr(Func::char_length(Expr::col(resumes::Column::Text))).cast_as(bigint()),
            "text_length",
        )
        .column_as(
            Expr::expr(Func::cust(Alias::new("LENGTH")).arg(Expr::col(resumes::Column::Bytes)))
                .cast_as(bigint()),
            "file_size",
        )
        .filter(resumes::Column::CandidateId.is_in(ids.iter().copied()))
        .into_model::<ResumeFacts>()
        .all(&state.db)
        .await?)
}

fn to_dto(row: CandidateRow, facts: Option<&ResumeFacts>) -> Candidate {
    let analysis = row
        .analysis
        .as_deref()
        .and_then(|json| serde_json::from_str::<ResumeAnalysis>(json).ok())
        .unwrap_or_default();
    Candidate {
        id: row.id,
        analysis,
        analysis_status: AnalysisStatus::from_stored(&row.analysis_status),
        analysis_error: row.analysis_error,
        key_source: row.key_source.as_deref().and_then(KeySource::from_stored),
        text_length: facts.map_or(0, |f| f.text_length.max(0) as u64),
        file_name: facts.map(|f| f.file_name.clone()).unwrap_or_default(),
        content_type: facts.map(|f| f.content_type.clone()).unwrap_or_default(),
        file_size: facts.map_or(0, |f| f.file_size.max(0) as u64),
        download_url: format!("/api/v1/candidates/{}/resume", row.id),
        created_at: row.created_at.into(),
        updated_at: row.updated_at.into(),
        warnings: row
            .warnings
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default(),
        not_a_resume: row.not_a_resume,
        duplicate_of: None,
        ocr: facts.and_then(|f| ocr_status(f, &row.analysis_status)),
    }
}

/// A scan's OCR progress or outcome; `None` for a file with a text layer.
fn ocr_status(facts: &ResumeFacts, analysis_status: &str) -> Option<OcrStatus> {
    if facts.text_engine.as_deref() != Some(Engine::Ocr.as_str()) {
        return None;
    }
    let state = match (facts.ocr_confidence, analysis_status) {
        (Some(_), _) => "done",
        (None, "failed") => "failed",
        (None, _) => "reading",
    };
    Some(OcrStatus {
        state: state.into(),
        pages_done: facts.ocr_pages_done.unwrap_or(0).max(0) as u32,
        pages: facts.ocr_pages.unwrap_or(0).max(0) as u32,
        confidence: facts.ocr_confidence,
        low_confidence: facts
            .ocr_confidence
            .is_some_and(|c| c < ocr::LOW_CONFIDENCE),
        languages: facts
            .ocr_languages
            .as_deref()
            .map(|l| {
                l.split('+')
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// What the reader of a resume should know about its text: runs hidden from readers (already
/// kept out of the text every prompt is built from), and visible lines that address a model.
fn reading_warnings(extracted: &extract::Extracted) -> Vec<CandidateWarning> {
    let hidden = extracted
        .hidden
        .iter()
        .take(MAX_WARNINGS)
        .map(|run| CandidateWarning {
            code: "hidden_text".into(),
            message: "This resume contains text a reader cannot see (invisible, white, tiny or \
                  off the page). It was left out of the AI analysis, chat and search."
                .into(),
            excerpt: run.clone(),
        });
    let addressed = extract::addresses_the_model(&extracted.text, MAX_WARNINGS)
        .into_iter()
        .map(|line| CandidateWarning {
            code: "prompt_injection".into(),
            message: "This resume contains text addressed to an AI rather than to a reader; \
                      treat its AI analysis with care."
                .into(),
            excerpt: line,
        });
    hidden.chain(addressed).take(MAX_WARNINGS).collect()
}

fn warnings_json(warnings: &[CandidateWarning]) -> ServiceResult<Option<String>> {
    if warnings.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(warnings)
        .map(Some)
        .map_err(|e| ServiceError::Internal(e.into()))
}

fn analysis_json(analysis: &ResumeAnalysis) -> ServiceResult<String> {
    serde_json::to_string(analysis).map_err(|e| ServiceError::Internal(e.into()))
}

/// Lower-cased name, title, skills, summary, contacts and resume text, searched with LIKE.
fn search_text(analysis: &ResumeAnalysis, text: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    parts.extend(analysis.name.as_deref());
    parts.extend(analysis.current_title.as_deref());
    parts.extend(analysis.skills.iter().map(String::as_str));
    parts.extend(analysis.summary.as_deref());
    parts.extend(analysis.location.as_deref());
    parts.extend(analysis.email.as_deref());
    parts.push(text);
    parts.join("\n").to_lowercase()
}

/// Escapes LIKE's wildcards and the escape character itself (`\`).
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An update that matched no row: the candidate was deleted meanwhile (for example while the
/// AI was answering).
fn not_found_if_gone(e: DbErr) -> ServiceError {
    match e {
        DbErr::RecordNotUpdated => ServiceError::NotFound("Candidate"),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
