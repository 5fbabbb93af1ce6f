//! Fallback across a user's own keys.
//!
//! - `users.fallback_providers`: the providers whose saved keys a call tries, in order, after
//!   the active one fails with a rate limit, a server error, a timeout or no connection
//!   (comma-separated ids; null for none).
//! - `ai_usage.fallback_from`: on the row of a call that a fallback answered, the key it fell
//!   back from and why (`groq: rate_limited`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::FallbackProviders).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AiUsage::Table)
                    .add_column(ColumnDef::new(AiUsage::FallbackFrom).string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AiUsage::Table)
                    .drop_column(AiUsage::FallbackFrom)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::FallbackProviders)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    FallbackProviders,
}

#[derive(DeriveIden)]
enum AiUsage {
    Table,
    FallbackFrom,
}
