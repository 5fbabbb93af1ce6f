//! Metering: one `ai_usage` row per AI call, written in batches by a background task so the
//! call itself never waits on the database.
use std::collections::BTreeMap;

use chrono::{DateTime, Days, Utc};
use sea_orm::{
    sea_query::{Alias, Expr, Func, SimpleExpr},
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, FromQueryResult, IsolationLevel, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select, TransactionTrait,
};
use types::usage::{BudgetStatus, DayUsage, RateLimitHeadroom, UsageBreakdown, UsageSummary};
use uuid::Uuid;

use crate::{entities::ai_usage, state::AppState};

pub use crate::state::usage_queue::UsageRecorder;

/// The usage dashboard's numbers for the last `days` days.
#[tracing::instrument(skip_all)]
pub async fn summary(state: &AppState, user_id: Uuid, days: u32) -> Result<UsageSummary, DbErr> {
    summarize(state, Some(user_id), days).await
}

/// Every user's usage together, for the admin page. It has no rate-limit headroom: that
/// belongs to one user's key.
#[tracing::instrument(skip_all)]
pub async fn summary_all_users(state: &AppState, days: u32) -> Result<UsageSummary, DbErr> {
    summarize(state, None, days).await
}

/// Each user's AI cost this month: `(micro-dollars of priced calls, unpriced calls, calls)`.
#[tracing::instrument(skip_all)]
pub async fn month_cost_by_user(
    state: &AppState,
) -> Result<std::collections::HashMap<Uuid, (i64, i64, i64)>, DbErr> {
    let since = crate::state::clock::month_start(state.clock.now());
    let rows: Vec<(Uuid, Option<i64>, Option<i64>, i64)> = ai_usage::Entity::find()
        .select_only()
        .column(ai_usage::Column::UserId)
        .column_as(
            Expr::expr(Func::sum(Expr::col(ai_usage::Column::CostMicroUsd)))
                .cast_as(Alias::new("BIGINT")),
            "cost",
        )
        .column_as(
            Expr::expr(Func::sum(
                Expr::case(ai_usage::Column::CostMicroUsd.is_null(), 1).finally(0),
            ))
            .cast_as(Alias::new("BIGINT")),
            "unpriced",
        )
        .column_as(Expr::col(ai_usage::Column::Id).count(), "calls")
        .filter(ai_usage::Column::CreatedAt.gte(since))
        .group_by(ai_usage::Column::UserId)
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(user, cost, unpriced, calls)| {
            (user, (cost.unwrap_or(0), unpriced.unwrap_or(0), calls))
        })
        .collect())
}

/// The columns a summary breaks the calls down by, in the order of [`GroupRow::names`].
const DIMENSIONS: [ai_usage::Column; 4] = [
    ai_usage::Column::KeySource,
    ai_usage::Column::Provider,
    ai_usage::Column::Model,
    ai_usage::Column::Feature,
];

/// What a set of calls adds up to. Every figure of a call counts at least zero.
#[derive(Clone, Copy, Debug, Default, FromQueryResult)]
struct Sums {
    calls: i64,
    errors: i64,
    prompt_tokens: i64,
    completion_tokens: i64,
    latency_ms: i64,
    /// What the priced calls cost, in micro-dollars.
    cost_micro: i64,
    /// Calls whose model had no known price.
    unpriced: i64,
}

impl Sums {
    fn add(&mut self, other: &Sums) {
        self.calls += other.calls;
        self.errors += other.errors;
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.latency_ms += other.latency_ms;
        self.cost_micro += other.cost_micro;
        self.unpriced += other.unpriced;
    }

    fn unpriced_calls(&self) -> u64 {
        self.unpriced.max(0) as u64
    }

    /// The priced calls' cost in dollars; unknown when every call was unpriced.
    fn cost_usd(&self) -> Option<f64> {
        (self.unpriced <= 0 || self.unpriced < self.calls)
            .then(|| crate::services::costs::usd(self.cost_micro.max(0)))
    }

    fn calls(&self) -> u64 {
        self.calls.max(0) as u64
    }

    fn tokens(&self) -> u64 {
        (self.prompt_tokens.max(0) + self.completion_tokens.max(0)) as u64
    }

    /// The mean latency, to a tenth of a millisecond.
    fn avg_latency_ms(&self) -> f64 {
        if self.calls <= 0 {
            return 0.0;
        }
        let avg = self.latency_ms.max(0) as f64 / self.calls as f64;
        (avg * 10.0).round() / 10.0
    }

    fn breakdown(&self, name: String, p95_latency_ms: u64) -> UsageBreakdown {
        UsageBreakdown {
            name,
            calls: self.calls(),
            errors: self.errors.max(0) as u64,
            tokens: self.tokens(),
            avg_latency_ms: self.avg_latency_ms(),
            p95_latency_ms,
            cost_usd: self.cost_usd(),
            unpriced_calls: self.unpriced_calls(),
        }
    }
}

/// The sums of the calls with one key source, provider, model and feature.
#[derive(Debug, FromQueryResult)]
struct GroupRow {
    key_source: String,
    provider: String,
    model: String,
    feature: String,
    #[sea_orm(nested)]
    sums: Sums,
}

impl GroupRow {
    /// The row's value of each of [`DIMENSIONS`].
    fn names(&self) -> [&str; 4] {
        [&self.key_source, &self.provider, &self.model, &self.feature]
    }
}

/// The sums of the calls that fell back from one key for one reason.
#[derive(Debug, FromQueryResult)]
struct FallbackRow {
    fallback_from: String,
    #[sea_orm(nested)]
    sums: Sums,
}

/// The sums of one day's calls (`YYYY-MM-DD`, UTC).
#[derive(Debug, FromQueryResult)]
struct DayRow {
    day: String,
    #[sea_orm(nested)]
    sums: Sums,
}

/// One user's usage, or everyone's (`None`). The database adds the calls up per group and per
/// day; only the p95 latencies need one more query per group, each reading a single row.
async fn summarize(
    state: &AppState,
    user_id: Option<Uuid>,
    days: u32,
) -> Result<UsageSummary, DbErr> {
    let days = days.clamp(1, 365);
    let now = state.clock.now();
    let since = (now - chrono::Duration::days(i64::from(days) - 1)).date_naive();
    let since_time = since.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let calls = Calls {
        user_id,
        since: since_time,
    };

    // One snapshot for all the queries, so the groups, the days and the percentiles agree.
    let backend = state.db.get_database_backend();
    let txn = match backend {
        DatabaseBackend::Postgres => {
            state
                .db
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?
        }
        _ => state.db.begin().await?,
    };
    let groups: Vec<GroupRow> = with_sums(calls.select().select_only().columns(DIMENSIONS))
        .group_by(ai_usage::Column::KeySource)
        .group_by(ai_usage::Column::Provider)
        .group_by(ai_usage::Column::Model)
        .group_by(ai_usage::Column::Feature)
        .into_model()
        .all(&txn)
        .await?;
    let day_rows: Vec<DayRow> = with_sums(
        calls
            .select()
            .select_only()
            .column_as(utc_day(backend), "day"),
    )
    .group_by(utc_day(backend))
    .into_model()
    .all(&txn)
    .await?;

    let mut total = Sums::default();
    let mut by_name: [BTreeMap<&str, Sums>; 4] = Default::default();
    for row in &groups {
        total.add(&row.sums);
        for (sums, name) in by_name.iter_mut().zip(row.names()) {
            sums.entry(name).or_default().add(&row.sums);
        }
    }
    let mut breakdowns: [Vec<UsageBreakdown>; 4] = Default::default();
    for ((out, sums), column) in breakdowns.iter_mut().zip(&by_name).zip(DIMENSIONS) {
        for (name, s) in sums {
            let p95 = calls
                .p95_latency(&txn, Some((column, *name)), s.calls())
                .await?;
            out.push(s.breakdown((*name).to_owned(), p95));
        }
    }
    // The calls a fallback answered, by the key they fell back from and why.
    let fell_back: Vec<FallbackRow> = with_sums(
        calls
            .select()
            .filter(ai_usage::Column::FallbackFrom.is_not_null())
            .select_only()
            .column(ai_usage::Column::FallbackFrom),
    )
    .group_by(ai_usage::Column::FallbackFrom)
    .into_model()
    .all(&txn)
    .await?;
    let mut by_fallback = Vec::with_capacity(fell_back.len());
    for row in fell_back {
        let p95 = calls
            .p95_latency(
                &txn,
                Some((ai_usage::Column::FallbackFrom, &row.fallback_from)),
                row.sums.calls(),
            )
            .await?;
        by_fallback.push(row.sums.breakdown(row.fallback_from, p95));
    }
    let total_p95 = calls.p95_latency(&txn, None, total.calls()).await?;
    txn.commit().await?;

    let per_day = per_day(since, days, &day_rows);
    let headroom = match user_id {
        Some(user_id) => latest_headroom(&state.db, user_id).await?,
        None => None,
    };
    let budget = match user_id {
        Some(user_id) => user_budget(state, user_id).await?,
        None => None,
    };
    let [by_key_source, by_provider, by_model, by_feature] = breakdowns;
    Ok(UsageSummary {
        days,
        total_calls: total.calls(),
        total_errors: total.errors.max(0) as u64,
        prompt_tokens: total.prompt_tokens.max(0) as u64,
        completion_tokens: total.completion_tokens.max(0) as u64,
        avg_latency_ms: total.avg_latency_ms(),
        p95_latency_ms: total_p95,
        cost_usd: total.cost_usd(),
        unpriced_calls: total.unpriced_calls(),
        per_day,
        by_key_source,
        by_provider,
        by_model,
        by_feature,
        by_fallback,
        headroom,
        budget,
    })
}

/// The calls a summary covers: one user's (or everyone's) since the start of its first day.
struct Calls {
    user_id: Option<Uuid>,
    since: DateTime<Utc>,
}

impl Calls {
    fn select(&self) -> Select<ai_usage::Entity> {
        ai_usage::Entity::find()
            .apply_if(self.user_id, |q, id| {
                q.filter(ai_usage::Column::UserId.eq(id))
            })
            .filter(ai_usage::Column::CreatedAt.gte(self.since))
    }

    /// The 95th percentile latency of the `n` calls with `name` in `column` (all of them for
    /// `None`): the value at the nearest rank, read as the one row at that offset.
    async fn p95_latency(
        &self,
        db: &impl ConnectionTrait,
        group: Option<(ai_usage::Column, &str)>,
        n: u64,
    ) -> Result<u64, DbErr> {
        let Some(offset) = p95_offset(n) else {
            return Ok(0);
        };
        let latency: Option<i32> = self
            .select()
            .apply_if(group, |q, (column, name)| q.filter(column.eq(name)))
            .select_only()
            .column(ai_usage::Column::LatencyMs)
            .order_by_asc(ai_usage::Column::LatencyMs)
            .offset(offset)
            .limit(1)
            .into_tuple()
            .one(db)
            .await?;
        Ok(latency.map_or(0, |l| l.max(0) as u64))
    }
}

/// The offset, in ascending order, of the nearest-rank 95th percentile of `n` values.
fn p95_offset(n: u64) -> Option<u64> {
    if n == 0 {
        return None;
    }
    let rank = ((n as f64) * 0.95).ceil() as u64;
    Some(rank.clamp(1, n) - 1)
}

/// `calls`, `errors`, `prompt_tokens`, `completion_tokens`, `latency_ms`, `cost_micro` and
/// `unpriced` summed, each call's figures counted at least zero.
fn with_sums(select: Select<ai_usage::Entity>) -> Select<ai_usage::Entity> {
    // SUM of an integer is a bigint on PostgreSQL and an integer on SQLite; the cast keeps it
    // the same on both.
    let sum = |expr: SimpleExpr| Expr::expr(Func::sum(expr)).cast_as(Alias::new("BIGINT"));
    let at_least_zero = |column: ai_usage::Column| -> SimpleExpr {
        Expr::case(Expr::col(column).lt(0), 0)
            .finally(Expr::col(column))
            .into()
    };
    let is_error: SimpleExpr = Expr::case(ai_usage::Column::Status.ne("ok"), 1)
        .finally(0)
        .into();
    let is_unpriced: SimpleExpr = Expr::case(ai_usage::Column::CostMicroUsd.is_null(), 1)
        .finally(0)
        .into();
    let cost: SimpleExpr = Expr::case(ai_usage::Column::CostMicroUsd.is_null(), 0)
        .finally(Expr::col(ai_usage::Column::CostMicroUsd))
        .into();
    select
        .column_as(Expr::col(ai_usage::Column::Id).count(), "calls")
        .column_as(sum(is_error), "errors")
        .column_as(
            sum(at_least_zero(ai_usage::Column::PromptTokens)),
            "prompt_tokens",
        )
        .column_as(
            sum(at_least_zero(ai_usage::Column::CompletionTokens)),
            "completion_tokens",
        )
        .column_as(
            sum(at_least_zero(ai_usage::Column::LatencyMs)),
            "latency_ms",
        )
        .column_as(sum(cost), "cost_micro")
        .column_as(sum(is_unpriced), "unpriced")
}

/// A call's day in UTC as `YYYY-MM-DD`. SQLite stores the time as RFC 3339 text, which
/// `date()` reads (offset included); PostgreSQL has a `timestamptz`.
fn utc_day(backend: DatabaseBackend) -> SimpleExpr {
    match backend {
        DatabaseBackend::Postgres => {
            Expr::cust(r#"to_char("created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD')"#)
        }
        _ => Expr::cust(r#"date("created_at")"#),
    }
}

/// One entry per day from `since`, days without calls included.
fn per_day(since: chrono::NaiveDate, days: u32, rows: &[DayRow]) -> Vec<DayUsage> {
    (0..days)
        .filter_map(|i| since.checked_add_days(Days::new(u64::from(i))))
        .map(|date| {
            let date = date.to_string();
            let sums = rows
                .iter()
                .find(|r| r.day == date)
                .map(|r| r.sums)
                .unwrap_or_default();
            DayUsage {
                date,
                calls: sums.calls(),
                errors: sums.errors.max(0) as u64,
                tokens: sums.tokens(),
                cost_usd: sums.cost_usd(),
                unpriced_calls: sums.unpriced_calls(),
            }
        })
        .collect()
}

/// The user's budget: on their own keys if they set one, else the admin's on their use of the
/// system key.
async fn user_budget(state: &AppState, user_id: Uuid) -> Result<Option<BudgetStatus>, DbErr> {
    use crate::services::budgets::{status, BudgetKey, Scope};
    for scope in [Scope::Personal, Scope::System] {
        let key = BudgetKey {
            scope,
            subject: user_id,
        };
        match status(state, key).await {
            Ok(Some(found)) => return Ok(Some(found)),
            Ok(None) => {}
            Err(e) => return Err(DbErr::Custom(e.to_string())),
        }
    }
    Ok(None)
}

/// What the provider last said about the quota of the user's personal key.
async fn latest_headroom(
    db: &DatabaseConnection,
    user_id: Uuid,
) -> Result<Option<RateLimitHeadroom>, DbErr> {
    let row = ai_usage::Entity::find()
        .filter(ai_usage::Column::UserId.eq(user_id))
        .filter(ai_usage::Column::KeySource.eq("personal"))
        .filter(ai_usage::Column::RemainingRequests.is_not_null())
        .order_by_desc(ai_usage::Column::CreatedAt)
        .one(db)
        .await?;
    Ok(row.map(|r| RateLimitHeadroom {
        low: matches!((r.remaining_requests, r.limit_requests), (Some(rem), Some(lim)) if lim > 0 && rem * 10 < lim),
        provider: r.provider,
        remaining_requests: r.remaining_requests,
        limit_requests: r.limit_requests,
        remaining_tokens: r.remaining_tokens,
        limit_tokens: r.limit_tokens,
        reset_requests: r.reset_requests,
        seen_at: r.created_at.into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nearest rank as the in-memory summary computed it: sort, then index.
    fn p95_in_memory(mut latencies: Vec<u64>) -> u64 {
        if latencies.is_empty() {
            return 0;
        }
        latencies.sort_unstable();
        let rank = ((latencies.len() as f64) * 0.95).ceil() as usize;
        latencies[rank.clamp(1, latencies.len()) - 1]
    }

    #[test]
    fn p95_offset_matches_the_sorted_index() {
        assert_eq!(p95_offset(0), None);
        for n in 1..=2_000u64 {
            // Distinct values, so the value names the index.
            let latencies: Vec<u64> = (0..n).rev().collect();
            assert_eq!(p95_offset(n), Some(p95_in_memory(latencies)), "n = {n}");
        }
        assert_eq!(p95_offset(1), Some(0));
        assert_eq!(p95_offset(20), Some(18));
        assert_eq!(p95_offset(21), Some(19));
    }

    #[test]
    fn averages_are_rounded_to_a_tenth() {
        let s = Sums {
            calls: 3,
            latency_ms: 100,
            ..Default::default()
        };
        assert_eq!(s.avg_latency_ms(), 33.3);
        assert_eq!(Sums::default().avg_latency_ms(), 0.0);
    }
}
