use sea_orm::entity::prelude::*;

/// The worst case of one call in flight, held against a budget's month until the call settles
/// or `expires_at` passes (its instance died).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_reservations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub scope: String,
    pub subject_id: Uuid,
    pub period: String,
    pub amount_micro_usd: i64,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
