use sea_orm::entity::prelude::*;

/// A workspace's team key: at most one per workspace, sealed by the vault under associated data
/// bound to the workspace and provider (`Vault::encrypt_team`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "workspace_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub workspace_id: Uuid,
    pub provider: String,
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_version: i32,
    pub preview: String,
    pub enabled: bool,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub expired_notified: bool,
    pub last_tested_at: Option<DateTimeUtc>,
    pub last_test_ok: Option<bool>,
    /// Who last stored or changed it.
    pub updated_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
