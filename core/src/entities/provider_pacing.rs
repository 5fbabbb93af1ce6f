use sea_orm::entity::prelude::*;

/// What a provider key's rate-limit headers last said, shared by every instance
/// (`services::pacing`). Times are milliseconds since the epoch.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "provider_pacing")]
pub struct Model {
    /// A hash of the provider, base URL and key: never the key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub pace_key: String,
    pub remaining_requests: Option<i64>,
    pub requests_reset_ms: Option<i64>,
    pub remaining_tokens: Option<i64>,
    pub tokens_reset_ms: Option<i64>,
    pub blocked_until_ms: Option<i64>,
    pub updated_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
