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
    /// What the window's priced calls cost, in US dollars (each call at the price of its day);
    /// `null` when every call was on a model with no known price.
    pub cost_usd: Option<f64>,
    /// Calls on a model with no known price: their cost is unknown, not 0.
    pub unpriced_calls: u64,
    /// One entry per day, oldest first, days without calls included.
    pub per_day: Vec<DayUsage>,
    pub by_key_source: Vec<UsageBreakdown>,
    pub by_provider: Vec<UsageBreakdown>,
    pub by_model: Vec<UsageBreakdown>,
    pub by_feature: Vec<UsageBreakdown>,
    /// Calls answered by a fallback key, by the key they fell back from and why
    /// (`groq: rate_limited`).
    #[serde(default)]
    pub by_fallback: Vec<UsageBreakdown>,
    /// What the provider last said about the personal key's quota.
    pub headroom: Option<RateLimitHeadroom>,
    /// The monthly budget of the key this user's calls use now, or `null` for none.
    pub budget: Option<BudgetStatus>,
}

/// A monthly budget and this month's spend against it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetStatus {
    /// The limit, in US dollars a month (UTC).
    pub monthly_usd: f64,
    /// What settled calls on the key cost this month.
    pub spent_usd: f64,
    /// When the month's spend starts again from 0: the first instant of next month (UTC).
    pub resets_at: Timestamp,
    /// 80 % or more is spent.
    pub warning: bool,
    /// All of it is spent: calls on the key are refused with 402 until it resets or is raised.
    pub exceeded: bool,
}

/// A budget setting as its routes answer it: the limit (`null` for none) and this month's
/// spend on the key it covers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetSetting {
    /// US dollars a month (UTC); `null` for no budget.
    pub monthly_usd: Option<f64>,
    /// What calls on the key cost this month so far.
    pub spent_usd: f64,
    /// When the month's spend starts again from 0.
    pub resets_at: Timestamp,
    /// 80 % or more of the budget is spent.
    pub warning: bool,
    /// All of it is spent: calls on the key are refused with 402.
    pub exceeded: bool,
}

/// `PUT /api/v1/profile/budget` and the other budget routes: dollars a month, `null` for none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetUpdate {
    pub monthly_usd: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayUsage {
    pub date: String,
    pub calls: u64,
    pub errors: u64,
    pub tokens: u64,
    /// US dollars; `null` when every call of the day was unpriced.
    pub cost_usd: Option<f64>,
    pub unpriced_calls: u64,
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
    /// US dollars; `null` when every call in the entry was unpriced.
    pub cost_usd: Option<f64>,
    pub unpriced_calls: u64,
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

/// A cost in US dollars as the pages show it: cents from a cent up, four decimals below, and
/// "unknown" for no known price (never `$0.00`). Integer arithmetic only: the browser's WASM
/// then carries no fixed-precision float formatting.
pub fn format_usd(cost: Option<f64>) -> String {
    let Some(v) = cost else {
        return "unknown".to_owned();
    };
    let micro = (v * 1_000_000.0).round() as i64;
    let sign = if micro < 0 { "-" } else { "" };
    let micro = micro.unsigned_abs();
    if micro == 0 || micro >= 10_000 {
        format!("{sign}${}", format_cents((micro + 5_000) / 10_000))
    } else {
        format!("{sign}$0.{:04}", (micro + 50) / 100)
    }
}

/// Dollars to the cent, without the sign (`12.50`), as a form's value shows them.
pub fn format_amount(usd: f64) -> String {
    format_cents(((usd * 100.0).round() as i64).unsigned_abs())
}

fn format_cents(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The cost with the calls that have none: `$1.20`, `$1.20 + 3 calls of unknown cost`.
pub fn format_cost(cost: Option<f64>, unpriced_calls: u64) -> String {
    match (cost, unpriced_calls) {
        (_, 0) => format_usd(cost),
        (None, n) => format!(
            "unknown ({n} {} without a known price)",
            if n == 1 { "call" } else { "calls" }
        ),
        (Some(_), n) => format!(
            "{} + {n} {} of unknown cost",
            format_usd(cost),
            if n == 1 { "call" } else { "calls" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_read_as_money_and_unknown_is_never_zero() {
        assert_eq!(format_usd(None), "unknown");
        assert_eq!(format_usd(Some(0.0)), "$0.00");
        assert_eq!(format_usd(Some(0.00009)), "$0.0001");
        assert_eq!(format_usd(Some(1.234)), "$1.23");
        assert_eq!(format_usd(Some(1.235)), "$1.24");
        assert_eq!(format_usd(Some(0.01)), "$0.01");
        assert_eq!(format_usd(Some(0.0042)), "$0.0042");
        assert_eq!(format_usd(Some(1_000_000.0)), "$1000000.00");
        assert_eq!(format_amount(12.5), "12.50");
        assert_eq!(format_cost(Some(1.2), 0), "$1.20");
        assert_eq!(format_cost(Some(1.2), 1), "$1.20 + 1 call of unknown cost");
        assert_eq!(
            format_cost(None, 3),
            "unknown (3 calls without a known price)"
        );
    }
}
