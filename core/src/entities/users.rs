use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub active_provider: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Raised to end every session: a token carrying an older generation is refused.
    pub session_generation: i64,
    /// The workspace the user last switched to; none means the personal one.
    pub current_workspace_id: Option<Uuid>,
    /// The providers whose saved keys a call tries, in order, after the active one fails with a
    /// rate limit, a server error, a timeout or no connection (comma-separated ids).
    pub fallback_providers: Option<String>,
}

/// The tables that point at a user name it (`provider_keys::Relation::User`, ...); a user
/// points at none, so the entities import each other one way only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
