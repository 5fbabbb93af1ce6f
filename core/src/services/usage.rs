//! Metering: one `ai_usage` row per AI call, written in batches by a background task so the
//! call itself never waits on the database, and added up in the roll-up `ai_usage_daily`,
//! which the summaries read.
use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};

use chrono::Days;
use sea_orm::{
    sea_query::{Alias, Expr, Func, OnConflict},
    AccessMode,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, IntoActiveModel, IsolationLevel, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select, TransactionTrait,
};
use types::usage::{BudgetStatus, DayUsage, RateLimitHeadroom, UsageBreakdown, UsageSummary};
use uuid::Uuid;

use crate::{
    entities::{ai_usage, ai_usage_daily},
    state::AppState,
};

pub use crate::state::usage_queue::UsageRecorder;

/// How long the writer gathers rows before it writes them.
const GATHER: Duration = Duration::from_millis(500);
/// The most rows one batch writes.
const BATCH: usize = 2048;

/// Starts the task that writes what the usage queue receives, in batches: at most every
/// [`GATHER`] or [`BATCH`] rows. On a busy instance the writes then fall on fewer than one
/// call in a thousand, rather than one in fifty.
pub fn start_writer(db: DatabaseConnection) -> UsageRecorder {
    let (recorder, mut rx) = UsageRecorder::channel();
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(first) = rx.recv().await {
            batch.push(first);
            // Gather whatever else comes, briefly, to write it in one transaction.
            let deadline = tokio::time::sleep(GATHER);
            tokio::pin!(deadline);
            while batch.len() < BATCH {
                tokio::select! {
                    row = rx.recv() => match row { Some(r) => batch.push(r), None => break },
                    _ = &mut deadline => break,
                }
            }
            let rows = std::mem::take(&mut batch);
            if let Err(e) =
                crate::services::busy::retry_if_busy(|| write_rows(&db, rows.clone())).await
            {
                tracing::warn!(error = %e, rows = rows.len(), "could not write usage rows");
            }
        }
    });
    recorder
}

/// What one roll-up row adds up: calls, errors, prompt and completion tokens, latency, cost of
/// the priced calls and unpriced calls.
type RollupSums = [i64; 7];

/// The roll-up row a call counts in: user, day, key source, provider, model, feature, fallback
/// and latency bucket.
type RollupKey = (Uuid, String, String, String, String, String, String, i32);

/// Writes `rows` and adds them to the roll-up, in one transaction.
pub async fn write_rows(db: &DatabaseConnection, rows: Vec<ai_usage::Model>) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut rollup: HashMap<RollupKey, RollupSums> = HashMap::new();
    for r in &rows {
        let key = (
            r.user_id,
            r.created_at.format("%Y-%m-%d").to_string(),
            r.key_source.clone(),
            r.provider.clone(),
            r.model.clone(),
            r.feature.clone(),
            r.fallback_from.clone().unwrap_or_default(),
            types::latency::bucket_of(i64::from(r.latency_ms)),
        );
        let add = [
            1,
            i64::from(r.status != "ok"),
            i64::from(r.prompt_tokens.max(0)),
            i64::from(r.completion_tokens.max(0)),
            i64::from(r.latency_ms.max(0)),
            r.cost_micro_usd.unwrap_or(0),
            i64::from(r.cost_micro_usd.is_none()),
        ];
        let sums = rollup.entry(key).or_default();
        for (s, a) in sums.iter_mut().zip(add) {
            *s += a;
        }
    }
    let txn = crate::services::busy::begin_write(db).await?;
    // Chunks keep each statement under SQLite's 32,766 bound parameters.
    let mut rows = rows.into_iter().map(IntoActiveModel::into_active_model);
    loop {
        let chunk: Vec<ai_usage::ActiveModel> = rows.by_ref().take(500).collect();
        if chunk.is_empty() {
            break;
        }
        ai_usage::Entity::insert_many(chunk)
            .exec_without_returning(&txn)
            .await?;
    }
    let mut sums = rollup
        .into_iter()
        .map(|(k, s)| ai_usage_daily::ActiveModel {
            user_id: Set(k.0),
            day: Set(k.1),
            key_source: Set(k.2),
            provider: Set(k.3),
            model: Set(k.4),
            feature: Set(k.5),
            fallback_from: Set(k.6),
            bucket: Set(k.7),
            calls: Set(s[0]),
            errors: Set(s[1]),
            prompt_tokens: Set(s[2]),
            completion_tokens: Set(s[3]),
            latency_ms: Set(s[4]),
            cost_micro_usd: Set(s[5]),
            unpriced_calls: Set(s[6]),
        });
    loop {
        let chunk: Vec<ai_usage_daily::ActiveModel> = sums.by_ref().take(1000).collect();
        if chunk.is_empty() {
            break;
        }
        ai_usage_daily::Entity::insert_many(chunk)
            .on_conflict(add_on_conflict())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
}

/// The roll-up's key: user, day, then the columns a summary groups by.
const ROLLUP_KEY: [ai_usage_daily::Column; 8] = [
    ai_usage_daily::Column::UserId,
    ai_usage_daily::Column::Day,
    ai_usage_daily::Column::KeySource,
    ai_usage_daily::Column::Provider,
    ai_usage_daily::Column::Model,
    ai_usage_daily::Column::Feature,
    ai_usage_daily::Column::FallbackFrom,
    ai_usage_daily::Column::Bucket,
];

/// On a roll-up row that exists, add to it.
fn add_on_conflict() -> OnConflict {
    use ai_usage_daily::Column as C;
    let mut on = OnConflict::columns(ROLLUP_KEY);
    for (target, column) in [
        (C::Calls, "calls"),
        (C::Errors, "errors"),
        (C::PromptTokens, "prompt_tokens"),
        (C::CompletionTokens, "completion_tokens"),
        (C::LatencyMs, "latency_ms"),
        (C::CostMicroUsd, "cost_micro_usd"),
        (C::UnpricedCalls, "unpriced_calls"),
    ] {
        on.value(
            target,
            Expr::cust(format!(
                r#""ai_usage_daily"."{column}" + "excluded"."{column}""#
            )),
        );
    }
    on.to_owned()
}

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
    use ai_usage_daily::Column as C;
    let since = crate::state::clock::month_start(state.clock.now())
        .format("%Y-%m-%d")
        .to_string();
    let sum = |c: C| Expr::expr(Func::sum(Expr::col(c))).cast_as(Alias::new("BIGINT"));
    // (user, cost, unpriced calls, calls)
    type Row = (Uuid, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Row> = ai_usage_daily::Entity::find()
        .select_only()
        .column(C::UserId)
        .column_as(sum(C::CostMicroUsd), "cost")
        .column_as(sum(C::UnpricedCalls), "unpriced")
        .column_as(sum(C::Calls), "calls")
        .filter(C::Day.gte(since))
        .group_by(C::UserId)
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(user, cost, unpriced, calls)| {
            (
                user,
                (cost.unwrap_or(0), unpriced.unwrap_or(0), calls.unwrap_or(0)),
            )
        })
        .collect())
}

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
}

/// A group's sums with its latency histogram (`(bucket, calls)`).
#[derive(Default)]
struct Group {
    sums: Sums,
    latencies: Vec<(i32, u64)>,
}

impl Group {
    fn add(&mut self, row: &RollupRow) {
        self.sums.add(&row.sums);
        self.latencies.push((row.bucket, row.sums.calls()));
    }

    fn breakdown(&self, name: String) -> UsageBreakdown {
        let s = &self.sums;
        UsageBreakdown {
            name,
            calls: s.calls(),
            errors: s.errors.max(0) as u64,
            tokens: s.tokens(),
            avg_latency_ms: s.avg_latency_ms(),
            p95_latency_ms: types::latency::quantile(&self.latencies, 0.95),
            cost_usd: s.cost_usd(),
            unpriced_calls: s.unpriced_calls(),
        }
    }
}

/// The roll-up's sums over the window for one key source, provider, model, feature, fallback
/// and latency bucket.
#[derive(Debug, FromQueryResult)]
struct RollupRow {
    key_source: String,
    provider: String,
    model: String,
    feature: String,
    fallback_from: String,
    bucket: i32,
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

/// One user's usage, or everyone's (`None`), read from the roll-up (`ai_usage_daily`): one
/// query adds the window up per group and latency bucket, one per day, so a summary reads
/// a few hundred rows however many calls were made. Latency percentiles come from the
/// histogram, to within 12.5 % and never below the true value (`types::latency`).
async fn summarize(
    state: &AppState,
    user_id: Option<Uuid>,
    days: u32,
) -> Result<UsageSummary, DbErr> {
    use ai_usage_daily::Column as C;
    let days = days.clamp(1, 365);
    let now = state.clock.now();
    let since = (now - chrono::Duration::days(i64::from(days) - 1)).date_naive();
    let window = || {
        ai_usage_daily::Entity::find()
            .apply_if(user_id, |q, id| q.filter(C::UserId.eq(id)))
            .filter(C::Day.gte(since.format("%Y-%m-%d").to_string()))
            .select_only()
    };
    // One snapshot for both queries, so the groups and the days agree.
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
    let group_by = &ROLLUP_KEY[2..];
    let mut groups = with_sums(window().columns(group_by.iter().copied()));
    for &column in group_by {
        groups = groups.group_by(column);
    }
    let groups: Vec<RollupRow> = groups.into_model().all(&txn).await?;
    let day_rows: Vec<DayRow> = with_sums(window().column(C::Day))
        .group_by(C::Day)
        .into_model()
        .all(&txn)
        .await?;
    txn.commit().await?;

    let mut total = Group::default();
    // By key source, provider, model and feature; then the calls a fallback answered, by the
    // key they fell back from and why.
    let mut by_name: [BTreeMap<&str, Group>; 5] = Default::default();
    for row in &groups {
        total.add(row);
        let names = [
            row.key_source.as_str(),
            &row.provider,
            &row.model,
            &row.feature,
            &row.fallback_from,
        ];
        for (groups, name) in by_name.iter_mut().zip(names) {
            groups.entry(name).or_default().add(row);
        }
    }
    by_name[4].remove("");
    let [by_key_source, by_provider, by_model, by_feature, by_fallback] = by_name.map(|groups| {
        groups
            .iter()
            .map(|(name, group)| group.breakdown((*name).to_owned()))
            .collect::<Vec<_>>()
    });

    let per_day = per_day(since, days, &day_rows);
    let headroom = match user_id {
        Some(user_id) => latest_headroom(&state.db, user_id).await?,
        None => None,
    };
    let budget = match user_id {
        Some(user_id) => user_budget(state, user_id).await?,
        None => None,
    };
    let t = &total.sums;
    Ok(UsageSummary {
        days,
        total_calls: t.calls(),
        total_errors: t.errors.max(0) as u64,
        prompt_tokens: t.prompt_tokens.max(0) as u64,
        completion_tokens: t.completion_tokens.max(0) as u64,
        avg_latency_ms: t.avg_latency_ms(),
        p95_latency_ms: types::latency::quantile(&total.latencies, 0.95),
        cost_usd: t.cost_usd(),
        unpriced_calls: t.unpriced_calls(),
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

/// The roll-up's figures summed as [`Sums`] names them.
fn with_sums(select: Select<ai_usage_daily::Entity>) -> Select<ai_usage_daily::Entity> {
    use ai_usage_daily::Column as C;
    // SUM of a bigint is a numeric on PostgreSQL; the cast keeps it an integer on both.
    let sum = |c: C| Expr::expr(Func::sum(Expr::col(c))).cast_as(Alias::new("BIGINT"));
    select
        .column_as(sum(C::Calls), "calls")
        .column_as(sum(C::Errors), "errors")
        .column_as(sum(C::PromptTokens), "prompt_tokens")
        .column_as(sum(C::CompletionTokens), "completion_tokens")
        .column_as(sum(C::LatencyMs), "latency_ms")
        .column_as(sum(C::CostMicroUsd), "cost_micro")
        .column_as(sum(C::UnpricedCalls), "unpriced")
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
