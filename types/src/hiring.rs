//! The hiring loop: jobs with their pipeline stages, applications moving through them, notes on
//! candidates, each candidate's activity timeline, resume versions and duplicates. The shapes
//! of `/api/v1/jobs/*`, `/api/v1/applications/*` and the candidate sub-resources, shared by the
//! REST API and the pages.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::Timestamp;

/// Whether a job is taking applicants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    #[default]
    Open,
    OnHold,
    Closed,
}

impl JobStatus {
    pub const ALL: [Self; 3] = [Self::Open, Self::OnHold, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::OnHold => "on_hold",
            Self::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::OnHold => "On hold",
            Self::Closed => "Closed",
        }
    }

    /// Reads a stored status; anything unknown counts as open.
    pub fn from_stored(value: &str) -> Self {
        match value {
            "on_hold" => Self::OnHold,
            "closed" => Self::Closed,
            _ => Self::Open,
        }
    }
}

/// What a stage is for: an ordinary step of the pipeline, or the one stage of rejected
/// applications, where every card carries a reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    #[default]
    Active,
    Rejected,
}

impl StageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Rejected => "rejected",
        }
    }

    pub fn from_stored(value: &str) -> Self {
        if value == "rejected" {
            Self::Rejected
        } else {
            Self::Active
        }
    }
}

/// One stage of a job's pipeline, with how many applications it holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stage {
    pub id: Uuid,
    pub name: String,
    /// 0-based order on the board; the rejected stage comes last.
    pub position: u32,
    pub kind: StageKind,
    pub count: u64,
}

/// A job as every endpoint returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub location: Option<String>,
    pub employment_type: Option<String>,
    pub status: JobStatus,
    /// The pipeline in board order, each with its count of applications.
    pub stages: Vec<Stage>,
    /// Applications in every stage.
    pub total: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// `GET /api/v1/jobs`: the workspace's jobs, newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobList {
    pub items: Vec<Job>,
}

/// `POST /api/v1/jobs`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateJob {
    /// 1 to 200 characters.
    pub title: String,
    /// Up to 20,000 characters.
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub location: Option<String>,
    /// Free text such as `full-time` or `contract`; up to 60 characters.
    #[serde(default)]
    pub employment_type: Option<String>,
    #[serde(default)]
    pub status: JobStatus,
}

/// `PATCH /api/v1/jobs/{id}`: the fields given change; `location` and `employment_type` may be
/// set to null.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateJob {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub location: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::double_option"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub employment_type: Option<Option<String>>,
    #[serde(default)]
    pub status: Option<JobStatus>,
}

/// One stage in `PUT /api/v1/jobs/{id}/stages`: an existing stage (by `id`, renamed to `name`
/// and put at this place) or, without `id`, a new one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageInput {
    #[serde(default)]
    pub id: Option<Uuid>,
    /// 1 to 60 characters, unique within the job (case-insensitive).
    pub name: String,
}

/// `PUT /api/v1/jobs/{id}/stages`: the whole pipeline in order. Stages left out are removed
/// (409 while they hold applications). The rejected stage stays last whatever its place here,
/// and cannot be removed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateStages {
    pub stages: Vec<StageInput>,
}

/// The candidate on a card: what the board shows without opening them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardCandidate {
    pub id: Uuid,
    pub name: Option<String>,
    pub current_title: Option<String>,
    /// The first few skills.
    pub skills: Vec<String>,
}

/// A candidate in a job.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    pub id: Uuid,
    pub job_id: Uuid,
    pub job_title: String,
    pub candidate: CardCandidate,
    pub stage_id: Uuid,
    pub stage: String,
    /// Goes up by one at every move; send it back with a move so a move made meanwhile by
    /// someone else is answered 409 instead of being overwritten.
    pub stage_version: i64,
    pub rejection_reason: Option<String>,
    /// When the card entered its stage.
    pub stage_entered_at: Timestamp,
    pub created_at: Timestamp,
}

/// `POST /api/v1/jobs/{id}/applications`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApplication {
    pub candidate_id: Uuid,
}

/// `PATCH /api/v1/applications/{id}`: move to `stage` (a stage's id, or its name,
/// case-insensitive). Moving to the rejected stage needs `rejection_reason`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoveApplication {
    pub stage: String,
    #[serde(default)]
    pub rejection_reason: Option<String>,
    /// The `stage_version` the mover saw; when it is no longer the card's, the answer is 409
    /// with the card's current stage.
    #[serde(default)]
    pub stage_version: Option<i64>,
}

/// The 409 of a move that lost the race: the usual error body plus where the card is now.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageConflict {
    pub error: String,
    pub message: String,
    pub current_stage_id: Uuid,
    pub current_stage: String,
    pub stage_version: i64,
}

/// `GET /api/v1/jobs/{id}/applications`: one page of one stage's (or the whole job's) cards,
/// oldest application first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationPage {
    pub items: Vec<Application>,
    /// Pass as `cursor` for the next page; null on the last. Each card that stays in the stage
    /// comes exactly once, however cards move meanwhile.
    pub next_cursor: Option<String>,
}

/// The query of `GET /api/v1/jobs/{id}/applications`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ApplicationQuery {
    /// A stage's id or name; all stages when absent.
    #[serde(default)]
    pub stage: Option<String>,
    /// A page's `next_cursor`.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Defaults to 25, at most 100.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub per_page: Option<u64>,
}

/// `GET /api/v1/candidates/{id}/applications`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationList {
    pub items: Vec<Application>,
}

/// A note on a candidate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub author_id: Uuid,
    pub author_email: String,
    /// Markdown, shown as text.
    pub body: String,
    /// How many times it was edited; the earlier bodies are kept.
    pub edits: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// `POST /api/v1/candidates/{id}/notes` and `PATCH /api/v1/notes/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteInput {
    /// 1 to 20,000 characters.
    pub body: String,
}

/// `GET /api/v1/candidates/{id}/notes`: newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteList {
    pub items: Vec<Note>,
}

/// An earlier body of a note.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteRevision {
    pub body: String,
    /// When this body was written.
    pub written_at: Timestamp,
}

/// `GET /api/v1/notes/{id}/history`: the note's earlier bodies, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteHistory {
    pub note: Note,
    pub revisions: Vec<NoteRevision>,
}

/// One event of a candidate's timeline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityEvent {
    pub id: Uuid,
    /// `uploaded`, `new_version` (an upload of the same person), `analysed`, `merged`,
    /// `added_to_job`, `stage_moved`, `note_added`, `note_edited`, `note_deleted`,
    /// `version_deleted` or `corrected`.
    pub kind: String,
    /// Who caused it (null for Hirekey itself, as when a background analysis ends).
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    /// One line for people, e.g. "Moved from Screening to Interview in Backend engineer".
    pub summary: String,
    /// The event's facts, by kind: file names, job and stage names, key source and model.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: std::collections::BTreeMap<String, String>,
    pub at: Timestamp,
}

/// `GET /api/v1/candidates/{id}/activity`: newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub items: Vec<ActivityEvent>,
}

/// One stored version of a candidate's resume.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResumeVersion {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub file_size: u64,
    /// The version the analysis and search read; the others are kept for reference.
    pub current: bool,
    pub uploaded_at: Timestamp,
    pub download_url: String,
}

/// `GET /api/v1/candidates/{id}/resumes`: newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResumeVersionList {
    pub items: Vec<ResumeVersion>,
}

/// Another candidate of the workspace who may be the same person.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PossibleDuplicate {
    pub id: Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    pub current_title: Option<String>,
    /// Why: `name` (the same name once case, accents and the order of the names are set
    /// aside, and no conflicting email).
    pub reason: String,
}

/// `GET /api/v1/candidates/{id}/duplicates`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateList {
    pub items: Vec<PossibleDuplicate>,
}

/// `POST /api/v1/candidates/{id}/merge`: `other_id` is merged into `{id}` and stops existing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeCandidates {
    pub other_id: Uuid,
}

/// What a merge moved.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeResult {
    pub id: Uuid,
    pub merged_id: Uuid,
    pub resumes: u64,
    pub applications: u64,
    /// Applications of the merged candidate dropped because the kept one was in the same job
    /// at a later stage (or the other way round: the later one is kept).
    pub applications_dropped: u64,
    pub notes: u64,
    pub events: u64,
}
