use sea_orm::entity::prelude::*;

/// One application of a screening run: the run's durable queue (`services::screening::queue`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "screening_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub run_id: Uuid,
    pub workspace_id: Uuid,
    pub application_id: Uuid,
    pub candidate_id: Uuid,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: i32,
    pub run_after: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    pub locked_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
