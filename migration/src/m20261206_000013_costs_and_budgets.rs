//! What AI calls cost, and monthly budgets that hold.
//!
//! - `ai_usage.cost_micro_usd`: the call's cost at the time of the call, in integer micro-dollars
//!   (null when its model had no known price), so a later price change rewrites no history.
//! - `budgets`: one monthly limit per scope and subject: `personal` (a user's own keys, subject
//!   the user), `team` (a workspace's team key, subject the workspace) and `system` (the system
//!   key as one user uses it, subject the user). `warned_period` is the month (`YYYY-MM`) whose
//!   80 % warning was given, so it is given once.
//! - `budget_periods`: one row per budget and month: what settled calls cost (`spent_micro_usd`)
//!   and what calls in flight may still cost at worst (`reserved_micro_usd`).
//! - `budget_reservations`: one row per call in flight, so what an instance that died left
//!   reserved is given back once `expires_at` passes.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AiUsage::Table)
                    .add_column(ColumnDef::new(AiUsage::CostMicroUsd).big_integer().null())
                    .to_owned(),
            )
            .await?;
        // A call that used no tokens cost nothing, priced or not.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE ai_usage SET cost_micro_usd = 0 WHERE prompt_tokens <= 0 AND completion_tokens <= 0",
            )
            .await?;
        let scope = |column: Budgets| ColumnDef::new(column).string_len(16).not_null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(Budgets::Table)
                    .if_not_exists()
                    .col(scope(Budgets::Scope))
                    .col(ColumnDef::new(Budgets::SubjectId).uuid().not_null())
                    .col(
                        ColumnDef::new(Budgets::MonthlyMicroUsd)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Budgets::WarnedPeriod).string_len(7).null())
                    .col(ColumnDef::new(Budgets::UpdatedBy).uuid().null())
                    .col(
                        ColumnDef::new(Budgets::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(Budgets::Scope).col(Budgets::SubjectId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BudgetPeriods::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(BudgetPeriods::Scope)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(BudgetPeriods::SubjectId).uuid().not_null())
                    .col(
                        ColumnDef::new(BudgetPeriods::Period)
                            .string_len(7)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BudgetPeriods::SpentMicroUsd)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(BudgetPeriods::ReservedMicroUsd)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .primary_key(
                        Index::create()
                            .col(BudgetPeriods::Scope)
                            .col(BudgetPeriods::SubjectId)
                            .col(BudgetPeriods::Period),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BudgetReservations::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(BudgetReservations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(BudgetReservations::Scope)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BudgetReservations::SubjectId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BudgetReservations::Period)
                            .string_len(7)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BudgetReservations::AmountMicroUsd)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BudgetReservations::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_budget_reservations_expires")
                    .table(BudgetReservations::Table)
                    .col(BudgetReservations::ExpiresAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BudgetReservations::Table.into_iden(),
            BudgetPeriods::Table.into_iden(),
            Budgets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(AiUsage::Table)
                    .drop_column(AiUsage::CostMicroUsd)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AiUsage {
    Table,
    CostMicroUsd,
}

#[derive(DeriveIden)]
enum Budgets {
    Table,
    Scope,
    SubjectId,
    MonthlyMicroUsd,
    WarnedPeriod,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BudgetPeriods {
    Table,
    Scope,
    SubjectId,
    Period,
    SpentMicroUsd,
    ReservedMicroUsd,
}

#[derive(DeriveIden)]
enum BudgetReservations {
    Table,
    Id,
    Scope,
    SubjectId,
    Period,
    AmountMicroUsd,
    ExpiresAt,
}
