use sea_orm::entity::prelude::*;

/// A candidate in a job, in one stage; `stage_version` goes up at every move.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub job_id: Uuid,
    pub candidate_id: Uuid,
    pub stage_id: Uuid,
    pub stage_version: i64,
    pub rejection_reason: Option<String>,
    pub stage_entered_at: DateTimeUtc,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
