use sea_orm::entity::prelude::*;

/// One AI call that carried a candidate's data (`services::privacy::processing`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "processing_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub candidate_id: Uuid,
    /// Who made the call (none for work nobody started, which has no AI call today).
    pub user_id: Option<Uuid>,
    /// `analysis`, `chat` or `screening`.
    pub purpose: String,
    pub key_source: String,
    pub provider: String,
    pub model: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
