//! Monthly budgets that hold: a user's on their personal keys, an owner's on the team key, the
//! admin's on each user's use of the system key.
//!
//! Before a call on a key with a budget, its worst case (prompt tokens plus `max_tokens` at the
//! model's price) is held, after it the hold is settled at the real cost. The holds are kept in
//! memory against this instance's lease on the budget (`state::budget_ledger`): an instance
//! leases room in the database by one conditional `UPDATE` that succeeds only while settled
//! spend and every hold and lease, on every instance, fit under the limit, so instances
//! together never overshoot by more than one call's worst case. A call that finds no room in
//! the lease grows it (by more than it needs while the budget has room, so most calls touch no
//! database); the flusher writes settled costs in batches and gives idle leases back. A lease
//! its instance stopped renewing (it died) expires and is given back.
//!
//! At 80 % of a budget a warning is given (an audit event once per month, a banner, and
//! `budget_warning` on AI answers); at 100 % calls on that key stop before anything is sent,
//! with 402 "Budget exceeded".
use chrono::{DateTime, Utc};
use types::profile::KeySource;
use types::usage::format_usd;

use crate::{
    providers::{ChatMessage, Price},
    services::costs,
    session::Member,
    state::{clock::next_month_start, keys::ResolvedKey, AppState},
};

mod flusher;
mod hold;
mod queries;
mod settings;

pub use crate::state::budget_ledger::{BudgetKey, Scope};
pub use flusher::{flush, release_expired};
pub use hold::{reserve, settle, Hold, Reservation};
pub use settings::{
    banner, personal, set, set_personal, set_system, set_team, setting, status, system, team,
};

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Team => "team",
            Self::System => "system",
        }
    }

    /// The budget's name in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Personal => "your monthly budget for your own API keys",
            Self::Team => "the team's monthly budget for its team key",
            Self::System => "your monthly budget on the shared system key",
        }
    }

    /// The `ai_usage.key_source` whose calls count against it.
    fn key_source(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Team => "team",
            Self::System => "system",
        }
    }
}

impl BudgetKey {
    /// The budget a call by `member` on `resolved` counts against.
    pub fn for_call(member: &Member, resolved: &ResolvedKey) -> Option<Self> {
        let (scope, subject) = match (resolved.source, &resolved.team) {
            (KeySource::Personal, _) => (Scope::Personal, member.id),
            (KeySource::Team, Some(team)) => (Scope::Team, team.workspace_id),
            (KeySource::System, _) => (Scope::System, member.id),
            _ => return None,
        };
        Some(Self { scope, subject })
    }
}

/// How long a reservation outlives the call it was made for before it is given back: a call
/// ends within the provider timeout; a reservation older than this belongs to a dead instance.
fn reservation_ttl(state: &AppState) -> chrono::Duration {
    chrono::Duration::from_std(state.config.provider_timeout * 2)
        .unwrap_or(chrono::Duration::minutes(2))
        + chrono::Duration::seconds(60)
}

/// `YYYY-MM` of `now`.
fn period(now: DateTime<Utc>) -> String {
    now.format("%Y-%m").to_string()
}

/// When a budget resets: the first instant of next month (UTC).
pub fn resets_at(now: DateTime<Utc>) -> DateTime<Utc> {
    next_month_start(now)
}

/// The worst case of a call, in micro-dollars: its prompt at one token per two bytes (more
/// than any tokenizer makes of prose in any script; a string of one-letter words comes
/// closest), plus each message's framing, and `max_tokens` of answer.
pub fn worst_case_micro_usd(price: &Price, messages: &[ChatMessage], max_tokens: u32) -> i64 {
    let prompt: i64 = messages
        .iter()
        .map(|m| (m.content.len() as i64 + 1) / 2 + 8)
        .sum();
    price.cost_micro_usd(crate::providers::Usage {
        prompt_tokens: prompt,
        completion_tokens: i64::from(max_tokens),
    })
}

fn warning_text(scope: Scope, used: i64, limit: i64) -> Option<String> {
    (limit > 0 && used.saturating_mul(5) >= limit.saturating_mul(4)).then(|| {
        format!(
            "{} of {} ({}) is used this month.",
            format_usd(Some(costs::usd(used))),
            format_usd(Some(costs::usd(limit))),
            capitalise(scope.describe())
        )
    })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_its_month() -> Result<(), chrono::ParseError> {
        let t = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")?.with_timezone(&Utc);
        assert_eq!(period(t), "2026-03");
        Ok(())
    }

    #[test]
    fn the_warning_starts_at_eighty_percent() {
        assert!(warning_text(Scope::Personal, 79, 100).is_none());
        let text = warning_text(Scope::Personal, 80, 100).unwrap_or_default();
        assert!(text.contains("Your monthly budget"), "{text}");
        assert!(warning_text(Scope::Personal, 0, 0).is_none());
    }

    #[test]
    fn the_worst_case_counts_the_prompt_and_the_answer() {
        let price = Price {
            input_micro_per_mtok: 1_000_000,
            output_micro_per_mtok: 2_000_000,
            source: String::new(),
            as_of: String::new(),
            operator: false,
        };
        // 300 bytes → 150 tokens + 8 of framing; 1000 tokens of answer at 2 µ$ each.
        let messages = [ChatMessage::new("user", "x".repeat(300))];
        assert_eq!(worst_case_micro_usd(&price, &messages, 1000), 158 + 2000);
    }
}
