//! Pacing on a provider key's own limits, shared by every instance.
//!
//! Providers say on every answer how much of the key's limit is left and when it resets
//! (`x-ratelimit-remaining-requests/-tokens`, `x-ratelimit-reset-requests/-tokens`) and, on a
//! 429, when to come back (`retry-after`). Every complete answer on a key records them in one
//! `provider_pacing` row ([`observe`], [`blocked`]); the key is known there by a hash of the
//! provider, its address and the key, never the key itself. A caller that must not hit the
//! limit (a screening run) takes a slot first ([`acquire`]): one conditional `UPDATE` that
//! spends a request and the call's estimated tokens from what is left, so instances and
//! concurrent calls share one count. With headroom every caller gets a slot at once, so
//! concurrency rises to the callers' own limit; when the window's requests (or tokens) are
//! spent, callers wait for its reset.
//!
//! - A key never seen, or whose window has passed, lets one call through as a probe and holds
//!   the rest until its answer says what is left (or [`PROBE_HOLD`] passes). A probe in flight
//!   is written as `remaining_requests = -1`: its answer's figures are taken as they are.
//! - Within a window the count only goes down: an answer's figure replaces it only when lower
//!   (other calls, in flight or outside Hirekey, already spent it) or when its reset lies
//!   later than the one known (a new window).
//! - A provider that sends no such headers (a local model) leaves the key unpaced.
//! - After a 429 nobody calls until `retry-after` has passed; then one probe.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};
use sha2::{Digest, Sha256};

use crate::{
    entities::provider_pacing,
    providers::{RateLimitSnapshot, Target},
    state::AppState,
};

/// How long a probe holds a key's other callers when its answer does not come.
pub const PROBE_HOLD: Duration = Duration::from_secs(5);
/// How long to stay away after a 429 that gave no `retry-after`.
const DEFAULT_BLOCK: Duration = Duration::from_secs(10);
/// The longest a caller is told to wait before trying again.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// The shortest.
const MIN_WAIT: Duration = Duration::from_millis(50);

/// The key's name in `provider_pacing`: a hash, so the table never holds the key.
pub fn pace_key(target: &Target) -> String {
    let mut hash = Sha256::new();
    for part in [
        "hirekey-pacing",
        target.provider.as_str(),
        target.base_url.as_str(),
        target.api_key.expose(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A provider's reset duration: `2m59.56s`, `7.66s`, `1h2m3s`, `450ms` or plain seconds.
pub fn parse_reset(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(86_400.0)));
    }
    let mut total = 0f64;
    let mut number = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let n: f64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            'h' => 3600.0,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
        total += n * unit;
    }
    if !number.is_empty() {
        return None;
    }
    (total.is_finite() && total >= 0.0).then(|| Duration::from_secs_f64(total.min(86_400.0)))
}

/// `sql` written with `$1`, `$2`, ... for the connection's engine (SQLite numbers its
/// parameters `?1`, `?2`, ...).
pub(crate) fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Whether a call may go now, having spent its share; otherwise how long to wait first.
pub async fn acquire(
    state: &AppState,
    key: &str,
    estimated_tokens: i64,
) -> Result<Result<(), Duration>, DbErr> {
    let db = &state.db;
    let backend = db.get_database_backend();
    let now = millis(state.clock.now());
    let estimated_tokens = estimated_tokens.max(1);
    // A key never seen: this call is its probe.
    let inserted = db
        .execute(statement(
            backend,
            "INSERT INTO provider_pacing (pace_key, remaining_requests, requests_reset_ms, \
             remaining_tokens, tokens_reset_ms, blocked_until_ms, updated_ms) \
             VALUES ($1, -1, $2, NULL, NULL, NULL, $3) ON CONFLICT (pace_key) DO NOTHING",
            vec![key.into(), (now + ms(PROBE_HOLD)).into(), now.into()],
        ))
        .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    let taken = db
        .execute(statement(
            backend,
            "UPDATE provider_pacing SET \
               remaining_requests = CASE \
                 WHEN remaining_requests IS NULL THEN NULL \
                 WHEN requests_reset_ms IS NOT NULL AND requests_reset_ms <= $2 THEN -1 \
                 ELSE remaining_requests - 1 END, \
               requests_reset_ms = CASE \
                 WHEN remaining_requests IS NOT NULL AND requests_reset_ms IS NOT NULL \
                      AND requests_reset_ms <= $2 THEN $3 \
                 ELSE requests_reset_ms END, \
               remaining_tokens = CASE \
                 WHEN remaining_tokens IS NULL THEN NULL \
                 WHEN tokens_reset_ms IS NOT NULL AND tokens_reset_ms <= $2 THEN NULL \
                 ELSE remaining_tokens - $4 END, \
               tokens_reset_ms = CASE \
                 WHEN tokens_reset_ms IS NOT NULL AND tokens_reset_ms <= $2 THEN NULL \
                 ELSE tokens_reset_ms END, \
               updated_ms = $2 \
             WHERE pace_key = $1 \
               AND (blocked_until_ms IS NULL OR blocked_until_ms <= $2) \
               AND (remaining_requests IS NULL OR remaining_requests > 0 \
                    OR (requests_reset_ms IS NOT NULL AND requests_reset_ms <= $2)) \
               AND (remaining_tokens IS NULL OR remaining_tokens >= $4 \
                    OR (tokens_reset_ms IS NOT NULL AND tokens_reset_ms <= $2))",
            vec![
                key.into(),
                now.into(),
                (now + ms(PROBE_HOLD)).into(),
                estimated_tokens.into(),
            ],
        ))
        .await?;
    if taken.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    let row = <provider_pacing::Entity as sea_orm::EntityTrait>::find_by_id(key.to_owned())
        .one(db)
        .await?;
    Ok(Err(row.map_or(MIN_WAIT, |row| {
        wait_for(&row, now, estimated_tokens)
    })))
}

/// How long until `row` may have room for a call of `tokens`.
fn wait_for(row: &provider_pacing::Model, now: i64, tokens: i64) -> Duration {
    let until = |at: Option<i64>| at.filter(|&at| at > now);
    let mut at = None;
    if let Some(blocked) = until(row.blocked_until_ms) {
        at = Some(blocked);
    } else {
        if row.remaining_requests.is_some_and(|r| r <= 0) {
            at = until(row.requests_reset_ms);
        }
        if row.remaining_tokens.is_some_and(|r| r < tokens) {
            at = at.max(until(row.tokens_reset_ms));
        }
    }
    let wait = at.map_or(0, |at| at - now);
    Duration::from_millis(u64::try_from(wait).unwrap_or(0)).clamp(MIN_WAIT, MAX_WAIT)
}

/// Records what an answer's rate-limit headers said about the key.
pub async fn observe(state: &AppState, key: &str, rate: &RateLimitSnapshot) -> Result<(), DbErr> {
    let db = &state.db;
    let now = millis(state.clock.now());
    let reset = |value: &Option<String>| {
        value
            .as_deref()
            .and_then(parse_reset)
            .map(|d| now + ms(d).max(1))
    };
    let requests_reset = reset(&rate.reset_requests);
    let tokens_reset = reset(&rate.reset_tokens);
    // A figure without its reset cannot pace: it is as if the provider sent none.
    let remaining_requests = rate.remaining_requests.filter(|_| requests_reset.is_some());
    let remaining_tokens = rate.remaining_tokens.filter(|_| tokens_reset.is_some());
    // The same rule for requests ($2, $3) and tokens ($4, $5).
    let newer = |rem: &str, reset: &str, param_rem: &str, param_reset: &str| {
        let fresh = format!(
            "{rem} IS NULL OR {rem} < 0 OR {reset} IS NULL OR {reset} <= $6 \
             OR {param_reset} > {reset} + 1000"
        );
        format!(
            "{rem} = CASE WHEN {param_rem} IS NULL THEN NULL \
               WHEN {fresh} THEN {param_rem} \
               WHEN {param_rem} < {rem} THEN {param_rem} ELSE {rem} END, \
             {reset} = CASE WHEN {param_rem} IS NULL THEN NULL \
               WHEN {fresh} THEN {param_reset} ELSE {reset} END"
        )
    };
    let sql = format!(
        "UPDATE provider_pacing SET {}, {}, updated_ms = $6 WHERE pace_key = $1",
        newer("remaining_requests", "requests_reset_ms", "$2", "$3"),
        newer("remaining_tokens", "tokens_reset_ms", "$4", "$5"),
    );
    db.execute(statement(
        db.get_database_backend(),
        &sql,
        vec![
            key.into(),
            remaining_requests.into(),
            requests_reset.into(),
            remaining_tokens.into(),
            tokens_reset.into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Records a 429: nobody calls on the key until `retry_after` (seconds) has passed, then one
/// probe.
pub async fn blocked(state: &AppState, key: &str, retry_after: Option<u64>) -> Result<(), DbErr> {
    let db = &state.db;
    let now = millis(state.clock.now());
    let wait = retry_after.map_or(DEFAULT_BLOCK, |s| Duration::from_secs(s.clamp(1, 600)));
    let until = now + ms(wait);
    db.execute(statement(
        db.get_database_backend(),
        "UPDATE provider_pacing SET blocked_until_ms = $2, remaining_requests = 0, \
         requests_reset_ms = $2, updated_ms = $3 WHERE pace_key = $1",
        vec![key.into(), until.into(), now.into()],
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_durations() {
        assert_eq!(
            parse_reset("2m59.56s"),
            Some(Duration::from_millis(179_560))
        );
        assert_eq!(parse_reset("7.66s"), Some(Duration::from_millis(7_660)));
        assert_eq!(parse_reset("1h2m3s"), Some(Duration::from_secs(3_723)));
        assert_eq!(parse_reset("450ms"), Some(Duration::from_millis(450)));
        assert_eq!(parse_reset("12"), Some(Duration::from_secs(12)));
        assert_eq!(parse_reset("soon"), None);
        assert_eq!(parse_reset("3x"), None);
        assert_eq!(parse_reset("-1"), None);
        assert_eq!(parse_reset(""), None);
    }

    #[test]
    fn waits_for_the_reset_that_matters() {
        let row = provider_pacing::Model {
            pace_key: "k".into(),
            remaining_requests: Some(0),
            requests_reset_ms: Some(10_000),
            remaining_tokens: Some(100),
            tokens_reset_ms: Some(3_000),
            blocked_until_ms: None,
            updated_ms: 0,
        };
        assert_eq!(wait_for(&row, 1_000, 50), Duration::from_secs(9));
        let tokens_short = provider_pacing::Model {
            remaining_requests: Some(5),
            ..row.clone()
        };
        assert_eq!(wait_for(&tokens_short, 1_000, 500), Duration::from_secs(2));
        let blocked = provider_pacing::Model {
            blocked_until_ms: Some(61_000),
            ..row
        };
        assert_eq!(wait_for(&blocked, 1_000, 50), MAX_WAIT);
    }
}
