use sea_orm::entity::prelude::*;

/// One screening of a job's applications (`services::screening::runs`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "screening_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub job_id: Uuid,
    /// Whose key the run uses: the member who started it.
    pub started_by: Uuid,
    pub blind: bool,
    /// `running`, `done`, `cancelled` or `stopped` (a budget or the key stopped it).
    pub state: String,
    pub stop_reason: Option<String>,
    pub total: i32,
    /// The criteria when the run started, as JSON.
    #[sea_orm(column_type = "Text")]
    pub criteria: String,
    pub estimate_tokens: i64,
    pub estimate_micro_usd: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
