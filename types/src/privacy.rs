//! Candidates' personal data: the processing log (`/api/v1/candidates/{id}/processing`),
//! retention (`/api/v1/workspace/retention`, `/api/v1/candidates/{id}/retention`,
//! `/api/v1/retention/due`) and the export's `candidate.json`
//! (`/api/v1/candidates/{id}/export`).
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    candidates::CandidateDetail,
    hiring::{Activity, Application, NoteHistory},
    screening::ApplicationScreening,
    time::Timestamp,
};

/// One AI call that carried the candidate's data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessingEntry {
    pub at: Timestamp,
    /// `analysis`, `chat` (an answer whose retrieval included the candidate), `search` or
    /// `screening`.
    pub purpose: String,
    /// Who made the call (null once their account is gone).
    pub user_id: Option<Uuid>,
    pub user_email: Option<String>,
    /// Whose key paid: `personal`, `team` or `system`.
    pub key_source: String,
    /// The processor: `groq`, `openrouter`, `deepseek`, `openai` or `custom`.
    pub provider: String,
    pub model: String,
}

/// `GET /api/v1/candidates/{id}/processing`: newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessingLog {
    pub items: Vec<ProcessingEntry>,
}

/// Retention periods a workspace may set, in days.
pub const MIN_RETENTION_DAYS: u32 = 30;
pub const MAX_RETENTION_DAYS: u32 = 3650;
/// How far ahead the dashboard announces erasures.
pub const DUE_NOTICE_DAYS: u32 = 14;

/// A workspace's retention setting: candidates with no activity for `retention_days` are
/// erased; null keeps them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetentionSettings {
    pub retention_days: Option<u32>,
}

/// `PUT /api/v1/candidates/{id}/retention`: keep the candidate until a date, whatever the
/// workspace's period says.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeepUntil {
    pub keep_until: Timestamp,
    /// Why, e.g. "consent given" or "in process": at most 200 characters.
    pub reason: String,
}

/// A candidate's retention: the "keep until" date if one is set, and when retention would
/// erase them (null when the workspace keeps candidates).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateRetention {
    pub keep_until: Option<Timestamp>,
    pub reason: Option<String>,
    pub last_activity_at: Timestamp,
    pub erase_after: Option<Timestamp>,
}

/// A candidate retention will erase soon.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueCandidate {
    pub id: Uuid,
    /// The analysed name, else the resume's file name.
    pub name: String,
    pub last_activity_at: Timestamp,
    pub erase_after: Timestamp,
}

/// `GET /api/v1/retention/due`: the candidates erased within the next 14 days, soonest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueForErasure {
    pub retention_days: Option<u32>,
    pub items: Vec<DueCandidate>,
}

/// One stored file of the candidate, as the export holds it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedFile {
    /// The file's path inside the zip, under `files/`.
    pub path: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// The text Hirekey read from it.
    pub text: String,
    pub text_engine: Option<String>,
    pub uploaded_at: Timestamp,
    /// When a newer upload replaced it; null for the current resume.
    pub superseded_at: Option<Timestamp>,
}

/// `candidate.json` in the export: everything Hirekey holds about the candidate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateExport {
    /// `hirekey-candidate-export/1`.
    pub format: String,
    pub exported_at: Timestamp,
    pub candidate: CandidateDetail,
    pub files: Vec<ExportedFile>,
    /// Each note with its earlier bodies.
    pub notes: Vec<NoteHistory>,
    pub applications: Vec<Application>,
    /// The timeline, stage moves included.
    pub history: Activity,
    pub screening: Vec<ApplicationScreening>,
    pub processing: Vec<ProcessingEntry>,
    pub retention: CandidateRetention,
}

/// The export's format name.
pub const EXPORT_FORMAT: &str = "hirekey-candidate-export/1";

/// The query of `DELETE /api/v1/candidates/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DeleteQuery {
    /// `true`: erase the candidate (their traces in chat too, audited) rather than delete.
    #[serde(default)]
    pub erase: bool,
}
