use sea_orm::entity::prelude::*;

/// A candidate merged into another: the kept one's timeline reads the merged one's events too.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_merges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub merged_id: Uuid,
    pub into_id: Uuid,
    pub workspace_id: Uuid,
    pub merged_by: Uuid,
    pub merged_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
