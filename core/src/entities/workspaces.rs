use sea_orm::entity::prelude::*;

/// A workspace: the candidates, resumes, conversations and usage of a team (or of one user: every
/// user has a personal workspace, whose id is the user's id).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "workspaces")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// A user's personal workspace: it cannot be deleted, left or shared.
    pub personal: bool,
    pub created_by: Uuid,
    /// Calls per minute on the team key by the whole workspace (null: no team limit).
    pub team_calls_per_minute: Option<i32>,
    /// Calls per minute on the team key by one member (null: no per-member limit).
    pub member_calls_per_minute: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
