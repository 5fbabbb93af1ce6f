use sea_orm::entity::prelude::*;

/// An application's latest screening: checked verdicts and the score Hirekey computed.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "screening_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: Uuid,
    pub workspace_id: Uuid,
    pub job_id: Uuid,
    pub candidate_id: Uuid,
    pub run_id: Uuid,
    /// `types::screening::Verdict` list, as JSON.
    #[sea_orm(column_type = "Text")]
    pub verdicts: String,
    pub dropped_quotes: i32,
    pub score: i32,
    pub provider: String,
    pub model: String,
    pub key_source: String,
    pub blind: bool,
    /// The resume addresses a model: the score is no ranking until a person confirms it.
    pub needs_review: bool,
    pub reviewed_by: Option<Uuid>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
