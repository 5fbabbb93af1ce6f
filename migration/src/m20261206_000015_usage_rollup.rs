//! The usage roll-up: `ai_usage_daily`, the calls of each user, UTC day, key source, provider,
//! model, feature, fallback (`''` for none) and latency bucket (`types::latency`) added up,
//! so a usage summary reads a few thousand rows however many calls were made. The usage
//! writer keeps it in step with `ai_usage` in the same transaction; this migration fills it
//! from the rows written before it.
use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DatabaseBackend},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sum = |column: AiUsageDaily| {
            ColumnDef::new(column)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned()
        };
        let text = |column: AiUsageDaily| ColumnDef::new(column).string().not_null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(AiUsageDaily::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(AiUsageDaily::UserId).uuid().not_null())
                    .col(ColumnDef::new(AiUsageDaily::Day).string_len(10).not_null())
                    .col(text(AiUsageDaily::KeySource))
                    .col(text(AiUsageDaily::Provider))
                    .col(text(AiUsageDaily::Model))
                    .col(text(AiUsageDaily::Feature))
                    .col(text(AiUsageDaily::FallbackFrom))
                    .col(ColumnDef::new(AiUsageDaily::Bucket).integer().not_null())
                    .col(sum(AiUsageDaily::Calls))
                    .col(sum(AiUsageDaily::Errors))
                    .col(sum(AiUsageDaily::PromptTokens))
                    .col(sum(AiUsageDaily::CompletionTokens))
                    .col(sum(AiUsageDaily::LatencyMs))
                    .col(sum(AiUsageDaily::CostMicroUsd))
                    .col(sum(AiUsageDaily::UnpricedCalls))
                    .primary_key(
                        Index::create()
                            .col(AiUsageDaily::UserId)
                            .col(AiUsageDaily::Day)
                            .col(AiUsageDaily::KeySource)
                            .col(AiUsageDaily::Provider)
                            .col(AiUsageDaily::Model)
                            .col(AiUsageDaily::Feature)
                            .col(AiUsageDaily::FallbackFrom)
                            .col(AiUsageDaily::Bucket),
                    )
                    .to_owned(),
            )
            .await?;
        rebuild_usage_rollup(manager.get_connection()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AiUsageDaily::Table).to_owned())
            .await
    }
}

/// Empties the roll-up and fills it again from every `ai_usage` row, in one statement each.
/// Run by the migration; the tests run it to check the writer's roll-up against it.
pub async fn rebuild_usage_rollup<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let day = match db.get_database_backend() {
        DatabaseBackend::Postgres => "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        _ => "date(created_at)",
    };
    let mut bucket = String::from("CASE");
    for b in 0..::types::latency::BUCKETS - 1 {
        bucket.push_str(&format!(
            " WHEN latency_ms < {} THEN {b}",
            ::types::latency::lower_bound(b + 1)
        ));
    }
    bucket.push_str(&format!(" ELSE {} END", ::types::latency::BUCKETS - 1));
    let at_least_zero = |c: &str| format!("SUM(CASE WHEN {c} < 0 THEN 0 ELSE {c} END)");
    db.execute_unprepared("DELETE FROM ai_usage_daily").await?;
    db.execute_unprepared(&format!(
        "INSERT INTO ai_usage_daily (user_id, day, key_source, provider, model, feature, \
         fallback_from, bucket, calls, errors, prompt_tokens, completion_tokens, latency_ms, \
         cost_micro_usd, unpriced_calls) \
         SELECT user_id, {day}, key_source, provider, model, feature, \
         COALESCE(fallback_from, ''), {bucket}, COUNT(*), \
         SUM(CASE WHEN status <> 'ok' THEN 1 ELSE 0 END), {}, {}, {}, \
         SUM(CASE WHEN cost_micro_usd IS NULL THEN 0 ELSE cost_micro_usd END), \
         SUM(CASE WHEN cost_micro_usd IS NULL THEN 1 ELSE 0 END) \
         FROM ai_usage GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
        at_least_zero("prompt_tokens"),
        at_least_zero("completion_tokens"),
        at_least_zero("latency_ms"),
    ))
    .await?;
    Ok(())
}

#[derive(DeriveIden)]
enum AiUsageDaily {
    Table,
    UserId,
    Day,
    KeySource,
    Provider,
    Model,
    Feature,
    FallbackFrom,
    Bucket,
    Calls,
    Errors,
    PromptTokens,
    CompletionTokens,
    LatencyMs,
    CostMicroUsd,
    UnpricedCalls,
}
