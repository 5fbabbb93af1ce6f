//! The first step of a scanned resume's analysis job: reading the scan by OCR
//! (`extract::read_scan`, in a sandboxed worker), with the pages read written as they are
//! (the candidate page's progress), then the text, its confidence and what the text shows
//! (e-mail, phone, lines addressed to a model, a low-confidence warning) stored by the job in
//! one transaction fenced on it ([`store`], from `jobs.rs`), before the analysis runs on it. A scan already read is not
//! read again (a retried analysis starts from the stored text); a job taken over mid-read (its
//! instance died) reads it again from the start.
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use types::candidates::{CandidateWarning, ResumeAnalysis};

use super::{
    analysis::Failure, analysis_json, find_email, find_phone, reading_warnings, search_text,
    warnings_json,
};
use crate::{
    entities::{analysis_jobs, candidates, resumes},
    error::ServiceResult,
    services::{
        extract::{self, Engine, ExtractError, Extracted},
        hiring,
    },
    state::AppState,
};

/// Under this mean word confidence a reading is flagged for a person to check. Measured on the
/// scanned corpus (README, "Scanned resumes"): its scans read at 83 to 96, the phone photo at
/// 96, the deliberately poor scan at 59 with about a third of its words wrong.
pub const LOW_CONFIDENCE: f64 = 75.0;
/// The scan's warning on the candidate.
pub const LOW_CONFIDENCE_CODE: &str = "low_ocr_confidence";

/// What the OCR step left for the analysis.
pub(super) enum Scanned {
    /// Not a scan, or read before: the stored text.
    Text(String),
    /// Read now: the reading, to be stored with the job's fence.
    Read(Box<ScanRead>),
    /// Could not be read: the reason, for the candidate.
    Failed(Failure),
    /// The job is no longer this holder's (taken over while the scan was read).
    Lost,
}

/// Reads the candidate's resume by OCR if it is a scan not read yet.
pub(super) async fn read_if_scanned(
    state: &AppState,
    job: &analysis_jobs::Model,
    stored_text: String,
) -> ServiceResult<Scanned> {
    let resume = resumes::Entity::find()
        .filter(resumes::Column::CandidateId.eq(job.candidate_id))
        .one(&state.db)
        .await?;
    let Some(resume) = resume else {
        return Ok(Scanned::Text(stored_text));
    };
    if resume.text_engine.as_deref() != Some(Engine::Ocr.as_str())
        || resume.ocr_confidence.is_some()
    {
        return Ok(Scanned::Text(stored_text));
    }
    let resume_id = resume.id;
    let bytes = bytes::Bytes::from(resume.bytes);
    let layer = resume.text;
    let (progress_tx, mut progress_rx) = tokio::sync::watch::channel((0u32, 0u32));
    let read = extract::read_scan(bytes, move |done, pages| {
        progress_tx.send_replace((done, pages));
    });
    // The pages read so far, written as they come (best effort: a failed write only delays
    // the progress shown).
    let show_progress = async {
        while progress_rx.changed().await.is_ok() {
            let (done, pages) = *progress_rx.borrow_and_update();
            let _ = resumes::Entity::update_many()
                .col_expr(resumes::Column::OcrPages, Expr::value(pages as i32))
                .col_expr(resumes::Column::OcrPagesDone, Expr::value(done as i32))
                .filter(resumes::Column::Id.eq(resume_id))
                .exec(&state.db)
                .await;
        }
    };
    let (reading, ()) = tokio::join!(read, show_progress);
    let reading = match reading {
        Ok(reading) => reading,
        Err(e) => return Ok(Scanned::Failed(failure(&e))),
    };
    // A text layer that held more than OCR read stays (OCR found next to nothing).
    let text = if letters(&reading.text) >= letters(&layer) {
        reading.text.clone()
    } else {
        layer
    };
    let low = reading.confidence < LOW_CONFIDENCE;
    let known = ResumeAnalysis {
        email: find_email(&text),
        phone: find_phone(&text),
        ..Default::default()
    };
    let mut warnings = reading_warnings(&Extracted {
        text: text.clone(),
        hidden: Vec::new(),
        engine: Engine::Ocr,
        pages: reading.pages,
        scan_images: 0,
    });
    if low {
        warnings.insert(
            0,
            CandidateWarning {
                code: LOW_CONFIDENCE_CODE.into(),
                message: format!(
                    "This resume was read from a scan with low confidence ({:.0} out of 100): \
                     check the name, contact details and dates against the original file.",
                    reading.confidence
                ),
                excerpt: String::new(),
            },
        );
    }
    tracing::info!(
        pages = reading.pages,
        words = reading.words,
        confidence = reading.confidence,
        languages = %reading.languages.join("+"),
        "scan read by OCR"
    );
    Ok(Scanned::Read(Box::new(ScanRead {
        resume_id,
        text,
        reading,
        warnings,
        known,
    })))
}

/// A scan's reading, to be stored ([`store`]) in the transaction fenced on its job.
pub(super) struct ScanRead {
    resume_id: uuid::Uuid,
    pub(super) text: String,
    reading: extract::OcrReading,
    warnings: Vec<CandidateWarning>,
    known: ResumeAnalysis,
}

/// Writes a scan's reading inside `txn`: the resume's text, confidence, pages and languages,
/// and on the candidate what the text shows (contacts, their matching keys, the warnings,
/// the search text). `false` when the candidate went meanwhile.
pub(super) async fn store(
    txn: &DatabaseTransaction,
    candidate_id: uuid::Uuid,
    read: &ScanRead,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let Some(candidate) = candidates::Entity::find_by_id(candidate_id)
        .one(txn)
        .await?
    else {
        return Ok(false);
    };
    let known = &read.known;
    // Text hidden in the PDF's own layer (an attempt, even though OCR's text replaces the
    // layer's) stays flagged.
    let hidden = candidate
        .warnings
        .as_deref()
        .and_then(|json| serde_json::from_str::<Vec<CandidateWarning>>(json).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|w| w.code == "hidden_text");
    let all: Vec<CandidateWarning> = read.warnings.iter().cloned().chain(hidden).collect();
    let mut active = candidate.into_active_model();
    active.email = Set(known.email.clone());
    active.analysis = Set(Some(analysis_json(known)?));
    active.search_text = Set(search_text(known, &read.text));
    active.warnings = Set(warnings_json(&all)?);
    if let Some(key) = known.email.as_deref().and_then(hiring::keys::email_key) {
        active.email_key = Set(Some(key));
    }
    if let Some(key) = known.phone.as_deref().and_then(hiring::keys::phone_key) {
        active.phone_key = Set(Some(key));
    }
    active.updated_at = Set(now);
    active.update(txn).await?;
    let reading = &read.reading;
    resumes::Entity::update_many()
        .col_expr(resumes::Column::Text, Expr::value(read.text.clone()))
        .col_expr(
            resumes::Column::OcrConfidence,
            Expr::value(reading.confidence),
        )
        .col_expr(resumes::Column::OcrPages, Expr::value(reading.pages as i32))
        .col_expr(
            resumes::Column::OcrPagesDone,
            Expr::value(reading.pages as i32),
        )
        .col_expr(
            resumes::Column::OcrLanguages,
            Expr::value(reading.languages.join("+")),
        )
        .filter(resumes::Column::Id.eq(read.resume_id))
        .exec(txn)
        .await?;
    Ok(true)
}

fn letters(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphanumeric()).count()
}

/// What a scan that could not be read means for the job: a worker that could not start is
/// tried again; anything about the file is the candidate's reason.
fn failure(e: &ExtractError) -> Failure {
    match e {
        ExtractError::WorkerUnavailable | ExtractError::Busy => Failure {
            message: "The scan could not be read right now; it will be tried again".into(),
            retry: true,
            budget: false,
        },
        ExtractError::NoText => {
            Failure::permanent("No text could be read from the scan: upload a sharper scan or photo, or a PDF with selectable text")
        }
        other => Failure::permanent(format!("The scan could not be read: {other}")),
    }
}
