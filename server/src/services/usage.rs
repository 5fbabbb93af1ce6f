//! Metering: one `ai_usage` row per AI call, written in batches by a background task so the
//! call itself never waits on the database.
use std::time::Duration;

use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::mpsc;

use crate::entities::ai_usage;

#[derive(Clone)]
pub struct UsageRecorder {
    tx: mpsc::Sender<ai_usage::ActiveModel>,
}

impl UsageRecorder {
    /// Starts the writer task.
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, mut rx) = mpsc::channel::<ai_usage::ActiveModel>(10_000);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(256);
            while let Some(first) = rx.recv().await {
                batch.push(first);
                // Gather whatever else is queued, briefly, to write it in one statement.
                let deadline = tokio::time::sleep(Duration::from_millis(20));
                tokio::pin!(deadline);
                while batch.len() < 256 {
                    tokio::select! {
                        row = rx.recv() => match row { Some(r) => batch.push(r), None => break },
                        _ = &mut deadline => break,
                    }
                }
                let rows = std::mem::take(&mut batch);
                if let Err(e) = ai_usage::Entity::insert_many(rows)
                    .exec_without_returning(&db)
                    .await
                {
                    tracing::warn!(error = %e, "could not write usage rows");
                }
            }
        });
        Self { tx }
    }

    pub fn record(&self, row: ai_usage::ActiveModel) {
        if self.tx.try_send(row).is_err() {
            tracing::warn!("usage queue full; one usage row dropped");
        }
    }
}

/// The usage dashboard's numbers for the last `days` days.
pub async fn summary(
    state: &crate::state::AppState,
    user_id: uuid::Uuid,
    days: u32,
) -> Result<app::api::usage::UsageSummary, sea_orm::DbErr> {
    summarize(state, Some(user_id), days).await
}

/// Every user's usage together, for the admin page. It has no rate-limit headroom: that
/// belongs to one user's key.
pub async fn summary_all_users(
    state: &crate::state::AppState,
    days: u32,
) -> Result<app::api::usage::UsageSummary, sea_orm::DbErr> {
    summarize(state, None, days).await
}

/// One user's usage, or everyone's (`None`).
async fn summarize(
    state: &crate::state::AppState,
    user_id: Option<uuid::Uuid>,
    days: u32,
) -> Result<app::api::usage::UsageSummary, sea_orm::DbErr> {
    use std::collections::BTreeMap;

    use app::api::usage::{DayUsage, RateLimitHeadroom, UsageBreakdown, UsageSummary};
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QueryTrait};

    let days = days.clamp(1, 365);
    let now = state.clock.now();
    let since = (now - chrono::Duration::days(i64::from(days) - 1)).date_naive();
    let since_time = since.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let rows = ai_usage::Entity::find()
        .apply_if(user_id, |q, id| q.filter(ai_usage::Column::UserId.eq(id)))
        .filter(ai_usage::Column::CreatedAt.gte(since_time))
        .order_by_asc(ai_usage::Column::CreatedAt)
        .all(&state.db)
        .await?;

    fn p95(latencies: &mut [u64]) -> u64 {
        if latencies.is_empty() {
            return 0;
        }
        latencies.sort_unstable();
        let rank = ((latencies.len() as f64) * 0.95).ceil() as usize;
        latencies[rank.clamp(1, latencies.len()) - 1]
    }
    #[derive(Default)]
    struct Acc {
        calls: u64,
        errors: u64,
        tokens: u64,
        latencies: Vec<u64>,
    }
    impl Acc {
        fn add(&mut self, r: &ai_usage::Model) {
            self.calls += 1;
            if r.status != "ok" {
                self.errors += 1;
            }
            self.tokens += (r.prompt_tokens.max(0) + r.completion_tokens.max(0)) as u64;
            self.latencies.push(r.latency_ms.max(0) as u64);
        }
        fn breakdown(mut self, name: String) -> UsageBreakdown {
            let avg = if self.latencies.is_empty() {
                0.0
            } else {
                self.latencies.iter().sum::<u64>() as f64 / self.latencies.len() as f64
            };
            UsageBreakdown {
                name,
                calls: self.calls,
                errors: self.errors,
                tokens: self.tokens,
                avg_latency_ms: (avg * 10.0).round() / 10.0,
                p95_latency_ms: p95(&mut self.latencies),
            }
        }
    }
    let mut total = Acc::default();
    let mut per_day: BTreeMap<chrono::NaiveDate, Acc> = BTreeMap::new();
    let mut groups: [BTreeMap<String, Acc>; 4] = Default::default();
    for r in &rows {
        total.add(r);
        per_day.entry(r.created_at.date_naive()).or_default().add(r);
        for (i, key) in [&r.key_source, &r.provider, &r.model, &r.feature]
            .into_iter()
            .enumerate()
        {
            groups[i].entry(key.clone()).or_default().add(r);
        }
    }
    let per_day = (0..days)
        .filter_map(|i| since.checked_add_days(chrono::Days::new(u64::from(i))))
        .map(|date| {
            let acc = per_day.remove(&date).unwrap_or_default();
            DayUsage {
                date: date.to_string(),
                calls: acc.calls,
                errors: acc.errors,
                tokens: acc.tokens,
            }
        })
        .collect();
    let [by_key_source, by_provider, by_model, by_feature] = groups.map(|g| {
        g.into_iter()
            .map(|(name, acc)| acc.breakdown(name))
            .collect::<Vec<_>>()
    });
    let headroom = match user_id {
        Some(user_id) => ai_usage::Entity::find()
            .filter(ai_usage::Column::UserId.eq(user_id))
            .filter(ai_usage::Column::KeySource.eq("personal"))
            .filter(ai_usage::Column::RemainingRequests.is_not_null())
            .order_by_desc(ai_usage::Column::CreatedAt)
            .one(&state.db)
            .await?,
        None => None,
    }
    .map(|r| RateLimitHeadroom {
        low: matches!((r.remaining_requests, r.limit_requests), (Some(rem), Some(lim)) if lim > 0 && rem * 10 < lim),
        provider: r.provider,
        remaining_requests: r.remaining_requests,
        limit_requests: r.limit_requests,
        remaining_tokens: r.remaining_tokens,
        limit_tokens: r.limit_tokens,
        reset_requests: r.reset_requests,
        seen_at: r.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    let prompt_tokens = rows.iter().map(|r| r.prompt_tokens.max(0) as u64).sum();
    let completion_tokens = rows.iter().map(|r| r.completion_tokens.max(0) as u64).sum();
    let total = total.breakdown(String::new());
    Ok(UsageSummary {
        days,
        total_calls: total.calls,
        total_errors: total.errors,
        prompt_tokens,
        completion_tokens,
        avg_latency_ms: total.avg_latency_ms,
        p95_latency_ms: total.p95_latency_ms,
        per_day,
        by_key_source,
        by_provider,
        by_model,
        by_feature,
        headroom,
    })
}
