//! Candidates and their resumes: the shapes of `/api/v1/resumes/*` and `/api/v1/candidates/*`,
//! shared by the REST API and the pages.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::profile::KeySource;
use crate::time::Timestamp;

/// Where a candidate's AI analysis stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AnalysisStatus {
    #[default]
    Pending,
    Done,
    Failed,
}

impl AnalysisStatus {
    /// As stored in the database and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// As the pages show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Analysing…",
            Self::Done => "Analysed",
            Self::Failed => "Analysis failed",
        }
    }

    /// Reads a stored status; anything unknown counts as pending.
    pub fn from_stored(value: &str) -> Self {
        match value {
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// What the AI read from a resume (the prompt's JSON keys), plus what Hirekey knows about the
/// analysis itself. Email and phone found in the text by pattern take precedence.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResumeAnalysis {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    pub years_experience: Option<f64>,
    #[serde(default)]
    pub education: Vec<String>,
    pub current_title: Option<String>,
    /// As the model put it, lower-cased (usually junior, mid, senior or lead).
    pub seniority: Option<String>,
    pub summary: Option<String>,
    /// The resume text was cut to fit the prompt before the analysis.
    #[serde(default)]
    pub truncated: bool,
    /// The model judged the text not a resume; carried to the candidate's `not_a_resume` flag,
    /// not part of the stored analysis.
    #[serde(skip)]
    pub not_a_resume: bool,
    /// The model that answered, for the candidate's timeline; not part of the stored analysis.
    #[serde(skip)]
    pub model: Option<String>,
}

/// A candidate as every endpoint returns it: the analysis fields (flattened, so the JSON is
/// one flat object), the state of the analysis and facts about the stored file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    pub id: Uuid,
    #[serde(flatten)]
    pub analysis: ResumeAnalysis,
    /// `pending`, `done` or `failed`.
    pub analysis_status: AnalysisStatus,
    /// Why the analysis failed (a mapped message, never a provider's raw answer).
    pub analysis_error: Option<String>,
    /// Whose key ran the last analysis: `personal`, `system`, or null when there was no key.
    pub key_source: Option<KeySource>,
    /// Characters of extracted text.
    pub text_length: u64,
    pub file_name: String,
    pub content_type: String,
    pub file_size: u64,
    /// `GET` this for the original file.
    pub download_url: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// What reading the resume found that the recruiter should know: `hidden_text` (text a
    /// reader cannot see, kept out of every prompt) and `prompt_injection` (visible text that
    /// addresses the model).
    #[serde(default)]
    pub warnings: Vec<CandidateWarning>,
    /// The analysis judged the upload plainly not a resume (no contact details, no work
    /// history): kept, for a person to confirm or delete.
    #[serde(default)]
    pub not_a_resume: bool,
    /// On an upload's answer: the upload was the same person as this existing candidate (same
    /// email, or same phone number), so it became their newest resume version instead of a new
    /// candidate. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<Uuid>,
    /// A scan or photo read by OCR: its progress, then the reading's confidence. Absent for a
    /// file with a text layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr: Option<OcrStatus>,
}

/// How far OCR has read a scanned resume, and how sure it is of what it read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OcrStatus {
    /// `reading` (waiting for a worker or under way), `done`, or `failed` (the reason is the
    /// candidate's `analysis_error`).
    pub state: String,
    /// Pages read so far.
    pub pages_done: u32,
    /// Pages of the scan; 0 until they are counted.
    pub pages: u32,
    /// Tesseract's mean word confidence, 0 to 100, once read.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// The confidence is low: a person should check the fields against the original.
    #[serde(default)]
    pub low_confidence: bool,
    /// The Tesseract languages it was read with (`eng`, `deu`, `chi_sim`, ...).
    #[serde(default)]
    pub languages: Vec<String>,
}

/// A finding about a resume's text, with the text it is about.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateWarning {
    /// `hidden_text` or `prompt_injection`.
    pub code: String,
    pub message: String,
    pub excerpt: String,
}

/// `GET /api/v1/candidates/{id}`: the candidate and the text extracted from the resume.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateDetail {
    #[serde(flatten)]
    pub candidate: Candidate,
    pub resume_text: String,
    /// The engine that read `resume_text`: `pdf-extract` or `pdf_oxide` for a PDF, `docx`,
    /// `text`, or `ocr` for a scan or photo; null for a resume stored before engines were
    /// recorded.
    #[serde(default)]
    pub text_engine: Option<String>,
}

/// The order of a page of `GET /api/v1/candidates`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ListOrder {
    /// Newest first: the list without `q`, and a search whose matches are too many to rank
    /// (an estimated 5,000 or more).
    #[default]
    Newest,
    /// Most relevant first (a word in the name counts most, then email, title or skills), then
    /// newest.
    Relevance,
}

/// `GET /api/v1/candidates`: one page, newest first, or with `q` most relevant first (`order`
/// says which).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidatePage {
    pub items: Vec<Candidate>,
    /// Every candidate matching the query (not only this page's); an estimate when
    /// `total_estimated` is true.
    pub total: u64,
    /// `total` was estimated from the newest candidates rather than counted (a search matching
    /// a large share of many candidates). Absent when `total` is exact.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_estimated: bool,
    pub page: u64,
    pub per_page: u64,
    /// `relevance` or `newest`. A search matching too many candidates to rank is listed newest
    /// first; the pages after it (by `cursor`) keep the first page's order.
    #[serde(default)]
    pub order: ListOrder,
    /// Pass as `cursor` for the next page; null on the last page. Stable while candidates are
    /// added: each existing candidate comes exactly once.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// The query of `GET /api/v1/candidates`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CandidateQuery {
    /// 1-based; defaults to 1.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100_000))]
    pub page: Option<u64>,
    /// Defaults to 20; more than 100 counts as 100.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 10_000))]
    pub per_page: Option<u64>,
    /// Case-insensitive text matched against name, title, skills, summary and resume text.
    #[serde(default)]
    pub q: Option<String>,
    /// A page's `next_cursor`: the page after it (same `q`). `page` is then ignored.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(pattern = "^[0-9a-f]{64}$"))]
    pub cursor: Option<String>,
    /// Only candidates with this skill (case-insensitive, the whole skill).
    #[serde(default)]
    pub skill: Option<String>,
    /// Only candidates of this seniority (`junior`, `mid`, `senior`, `lead`, as the analysis
    /// put it; case-insensitive).
    #[serde(default)]
    pub seniority: Option<String>,
    /// Only candidates with at least this many years of experience.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 80))]
    pub min_years: Option<f64>,
    /// Only candidates in this job (its id).
    #[serde(default)]
    pub job: Option<String>,
    /// With `job`: only candidates in this stage of it (the stage's id or name).
    #[serde(default)]
    pub stage: Option<String>,
    /// `newest` (the default), `name` or `activity` (the newest timeline event first). With
    /// any filter above or an order other than `newest`, the list pages by `page` (no
    /// `next_cursor`).
    #[serde(default)]
    pub sort: Option<ListSort>,
}

impl CandidateQuery {
    /// A filter or an order beyond the plain list and its search.
    pub fn is_filtered(&self) -> bool {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        given(&self.skill)
            || given(&self.seniority)
            || self.min_years.is_some()
            || given(&self.job)
            || given(&self.stage)
            || self.sort.is_some_and(|s| s != ListSort::Newest)
    }
}

/// The order the Candidates page asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ListSort {
    #[default]
    Newest,
    Name,
    Activity,
}

impl ListSort {
    pub const ALL: [Self; 3] = [Self::Newest, Self::Name, Self::Activity];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Name => "name",
            Self::Activity => "activity",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Newest => "Newest",
            Self::Name => "Name",
            Self::Activity => "Last activity",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// `PATCH /api/v1/candidates/{id}`: fields the analysis got wrong, as a person corrects them.
/// A field given is set (an empty string clears it); a re-analysis keeps the correction.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CorrectCandidate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub current_title: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
}

/// What `POST /api/v1/candidates/bulk` does to each candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// Into `job_id`'s first stage.
    AddToJob,
    /// Their application in `job_id` to `stage`.
    MoveToStage,
    Delete,
}

/// `POST /api/v1/candidates/bulk`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkRequest {
    pub action: BulkAction,
    /// 1 to 500 candidates.
    pub ids: Vec<Uuid>,
    #[serde(default)]
    pub job_id: Option<Uuid>,
    #[serde(default)]
    pub stage: Option<String>,
    /// `move_to_stage` to the rejected stage needs a reason.
    #[serde(default)]
    pub rejection_reason: Option<String>,
}

/// One candidate a bulk action could not do, and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkFailure {
    pub id: Uuid,
    pub message: String,
}

/// What a bulk action did: each candidate on its own, so one failure stops nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkResult {
    pub done: u64,
    pub failed: Vec<BulkFailure>,
}
