use sea_orm::entity::prelude::*;

/// A retention erasure waiting or under way: the durable queue of `services::privacy::retention`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "erasure_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique: a candidate is queued once however many instances sweep.
    pub candidate_id: Uuid,
    pub workspace_id: Uuid,
    /// `queued` or `running` (a finished job's row is deleted).
    pub status: String,
    pub attempts: i32,
    pub run_after: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    pub locked_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
