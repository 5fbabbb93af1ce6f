use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ai_usage")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// The workspace the call was made in (none for calls outside one, such as a key test).
    pub workspace_id: Option<Uuid>,
    pub key_source: String,
    pub provider: String,
    pub model: String,
    pub feature: String,
    pub prompt_tokens: i32,
    pub completion_tokens: i32,
    pub latency_ms: i32,
    pub status: String,
    pub remaining_requests: Option<i64>,
    pub limit_requests: Option<i64>,
    pub remaining_tokens: Option<i64>,
    pub limit_tokens: Option<i64>,
    pub reset_requests: Option<String>,
    /// What the call cost when it was made, in micro-dollars; `None` when its model had no
    /// known price.
    pub cost_micro_usd: Option<i64>,
    /// On a call a fallback answered: the key it fell back from and why (`groq: rate_limited`).
    pub fallback_from: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
