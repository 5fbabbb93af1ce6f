//! AI screening against a job: the job's criteria, screening runs and each application's
//! checked verdicts. The shapes of `/api/v1/jobs/{id}/criteria*`, `/api/v1/jobs/{id}/screenings`,
//! `/api/v1/screenings/{id}` and `/api/v1/applications/{id}/screening`.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::Timestamp;

/// Criteria per job.
pub const MAX_CRITERIA: usize = 20;
/// Characters per criterion.
pub const MAX_CRITERION_CHARS: usize = 300;

/// Whether a criterion must be met or is a plus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    #[default]
    Must,
    Nice,
}

impl CriterionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Must => "must",
            Self::Nice => "nice",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Must => "Must have",
            Self::Nice => "Nice to have",
        }
    }

    /// Reads a stored kind; anything unknown counts as nice to have.
    pub fn from_stored(value: &str) -> Self {
        match value {
            "must" => Self::Must,
            _ => Self::Nice,
        }
    }
}

/// One criterion: a short statement of what the job needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criterion {
    pub text: String,
    pub kind: CriterionKind,
}

/// `GET`/`PUT /api/v1/jobs/{id}/criteria`, and the draft the model proposes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriteriaList {
    pub criteria: Vec<Criterion>,
}

/// `POST /api/v1/jobs/{id}/screenings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartScreening {
    /// Applications of this job to screen; every application of the job when left out.
    #[serde(default)]
    pub application_ids: Option<Vec<Uuid>>,
    /// Redact who the candidate is before any text reaches the model.
    #[serde(default)]
    pub blind: bool,
}

/// What a run is expected to use, before it starts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreeningEstimate {
    /// Prompt and answer tokens of the whole run, estimated from the resumes' length.
    pub tokens: i64,
    /// In US dollars, when the model's price is known.
    pub cost_usd: Option<f64>,
}

/// `202` to `POST /api/v1/jobs/{id}/screenings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreeningStarted {
    pub id: Uuid,
    pub total: i32,
    pub estimate: ScreeningEstimate,
}

/// Where a run is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    #[default]
    Running,
    Done,
    Cancelled,
    /// A budget's limit, or a key that stopped working, ended it early: `stop_reason` says.
    Stopped,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
            Self::Stopped => "stopped",
        }
    }

    pub fn from_stored(value: &str) -> Self {
        match value {
            "done" => Self::Done,
            "cancelled" => Self::Cancelled,
            "stopped" => Self::Stopped,
            _ => Self::Running,
        }
    }

    pub fn finished(self) -> bool {
        self != Self::Running
    }
}

/// `GET /api/v1/screenings/{id}`: a run's progress.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreeningProgress {
    pub id: Uuid,
    pub job_id: Uuid,
    pub state: RunState,
    pub blind: bool,
    pub total: i32,
    /// Applications screened.
    pub done: i32,
    /// Applications that could not be screened (their reason is on the application).
    pub failed: i32,
    /// Applications left out because the run was cancelled or stopped.
    pub cancelled: i32,
    pub stop_reason: Option<String>,
    pub estimate: ScreeningEstimate,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// The model's answer for one criterion, after Hirekey checked it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VerdictKind {
    Met,
    Partly,
    NotMet,
    #[default]
    InsufficientEvidence,
}

impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Partly => "partly",
            Self::NotMet => "not_met",
            Self::InsufficientEvidence => "insufficient_evidence",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Met => "Met",
            Self::Partly => "Partly met",
            Self::NotMet => "Not met",
            Self::InsufficientEvidence => "Insufficient evidence",
        }
    }
}

/// One criterion's verdict with the quotes that were found in the resume text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verdict {
    pub criterion: String,
    pub kind: CriterionKind,
    pub verdict: VerdictKind,
    /// What the model said before the quotes were checked, when that differs.
    pub model_verdict: Option<VerdictKind>,
    /// Quotes found in the resume text Hirekey extracted (the redacted text in a blind run).
    pub quotes: Vec<String>,
    /// Quotes the model gave that are not in the text.
    pub dropped_quotes: i32,
}

/// `GET /api/v1/applications/{id}/screening`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationScreening {
    pub application_id: Uuid,
    pub candidate_id: Uuid,
    pub run_id: Uuid,
    pub verdicts: Vec<Verdict>,
    /// 0 to 100, computed by Hirekey from the verdicts (never the model's own number).
    pub score: i32,
    /// Quotes dropped over all criteria.
    pub dropped_quotes: i32,
    pub provider: String,
    pub model: String,
    /// `personal`, `team` or `system`.
    pub key_source: String,
    pub blind: bool,
    /// The resume addresses a model: a person must confirm before the score ranks.
    pub needs_review: bool,
    pub reviewed_at: Option<Timestamp>,
    pub screened_at: Timestamp,
}

/// One applicant in a job's screening ranking.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankedApplication {
    pub application_id: Uuid,
    pub candidate_id: Uuid,
    pub candidate_name: Option<String>,
    pub stage: String,
    /// `None` until screened, and while a person must still review the screening.
    pub score: Option<i32>,
    pub needs_review: bool,
    pub screened: bool,
}

/// `GET /api/v1/jobs/{id}/screening`: the job's criteria, its latest run and its applicants by
/// score (unscreened and unreviewed last).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobScreening {
    pub criteria: Vec<Criterion>,
    pub latest_run: Option<ScreeningProgress>,
    pub applications: Vec<RankedApplication>,
}
