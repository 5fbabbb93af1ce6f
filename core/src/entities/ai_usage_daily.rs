//! The usage roll-up (see the migration `m20261206_000015_usage_rollup`): calls added up per
//! user, UTC day, key source, provider, model, feature, fallback and latency bucket.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ai_usage_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// `YYYY-MM-DD`, UTC.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_source: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub model: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub feature: String,
    /// What `ai_usage.fallback_from` says, `''` for a call no fallback answered.
    #[sea_orm(primary_key, auto_increment = false)]
    pub fallback_from: String,
    /// The latency bucket (`types::latency::bucket_of`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub bucket: i32,
    pub calls: i64,
    pub errors: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub latency_ms: i64,
    /// What the priced calls cost, in micro-dollars.
    pub cost_micro_usd: i64,
    /// Calls whose model had no known price.
    pub unpriced_calls: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
