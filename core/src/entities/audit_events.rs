use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Option<Uuid>,
    pub event: String,
    pub provider: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTimeUtc,
    /// The row's place in the chain (1, 2, ...; unique). Null only on rows written before the
    /// chain existed, until start-up seals them (`audit::chain`).
    pub seq: Option<i64>,
    /// The previous row's `hash` (64 zeros for the first row).
    pub prev_hash: Option<String>,
    /// SHA-256 of `prev_hash` and this row's content, hex.
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
