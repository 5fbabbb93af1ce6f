//! The Dashboard: where things stand, in one round trip.
use serde::{Deserialize, Serialize};

use crate::chat::AiKeyStatus;
use crate::time::Timestamp;
use crate::usage::UsageSummary;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardSummary {
    pub counts: CandidateCounts,
    /// The five most recent candidates, newest first.
    pub recent: Vec<RecentCandidate>,
    /// Which key an AI call made now would use.
    pub key: AiKeyStatus,
    /// The personal key's expiry, when it is the one in use or has expired.
    pub key_expires_at: Option<Timestamp>,
    pub key_expired: bool,
    /// The personal key expires within three days.
    pub key_expires_soon: bool,
    /// The last seven days.
    pub usage: UsageSummary,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateCounts {
    pub total: u64,
    pub analysed: u64,
    pub pending: u64,
    pub failed: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecentCandidate {
    pub id: String,
    /// The candidate's name, or the resume's file name while there is none.
    pub name: String,
    pub current_title: Option<String>,
    pub skills: Vec<String>,
    /// `pending`, `done` or `failed`.
    pub analysis_status: String,
    pub created_at: Timestamp,
}
