use sea_orm::entity::prelude::*;

/// A candidate's earlier resume, kept when a newer one became current (`resumes`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "resume_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub text: String,
    pub text_engine: Option<String>,
    /// When it was uploaded.
    pub created_at: DateTimeUtc,
    /// When a newer version replaced it.
    pub superseded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
