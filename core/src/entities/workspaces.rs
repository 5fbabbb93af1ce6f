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
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
