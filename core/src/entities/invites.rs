use sea_orm::entity::prelude::*;

/// A sign-up invite. The token itself is never stored: only its SHA-256 (hex).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "invites")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    /// When set, only this (lower-cased) address may register with the invite.
    pub email: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub used_by: Option<Uuid>,
    pub revoked_at: Option<DateTimeUtc>,
    /// A workspace invite: using it joins this workspace with `role` (sign-up invites have
    /// neither).
    pub workspace_id: Option<Uuid>,
    pub role: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
