use sea_orm::entity::prelude::*;

/// One event of a candidate's timeline; rows are only ever inserted (and deleted with the
/// candidate).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub candidate_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub kind: String,
    /// A JSON object of strings: the event's facts.
    pub detail: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
