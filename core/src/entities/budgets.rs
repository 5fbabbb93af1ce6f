use sea_orm::entity::prelude::*;

/// A monthly budget: `scope` is `personal`, `team` or `system`; `subject_id` the user (personal,
/// system) or the workspace (team).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "budgets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject_id: Uuid,
    pub monthly_micro_usd: i64,
    /// The month (`YYYY-MM`) whose 80 % warning was given.
    pub warned_period: Option<String>,
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
