//! What a user's keys are doing: usage numbers, rate-limit headroom and the audit trail.
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageSummary {
    pub days: u32,
    pub total_calls: u64,
    pub total_errors: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub avg_latency_ms: f64,
    pub p95_latency_ms: u64,
    /// One entry per day, oldest first, days without calls included.
    pub per_day: Vec<DayUsage>,
    pub by_key_source: Vec<UsageBreakdown>,
    pub by_provider: Vec<UsageBreakdown>,
    pub by_model: Vec<UsageBreakdown>,
    pub by_feature: Vec<UsageBreakdown>,
    /// What the provider last said about the personal key's quota.
    pub headroom: Option<RateLimitHeadroom>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayUsage {
    pub date: String,
    pub calls: u64,
    pub errors: u64,
    pub tokens: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageBreakdown {
    pub name: String,
    pub calls: u64,
    pub errors: u64,
    pub tokens: u64,
    pub avg_latency_ms: f64,
    pub p95_latency_ms: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateLimitHeadroom {
    pub provider: String,
    pub remaining_requests: Option<i64>,
    pub limit_requests: Option<i64>,
    pub remaining_tokens: Option<i64>,
    pub limit_tokens: Option<i64>,
    pub reset_requests: Option<String>,
    pub seen_at: Timestamp,
    /// Under a tenth of the request quota is left.
    pub low: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub event: String,
    pub provider: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: Timestamp,
}
