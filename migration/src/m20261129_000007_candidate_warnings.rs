//! What a resume's reading found that the recruiter should know: text hidden from readers and
//! text that addresses the model, as a JSON array of `{code, message, excerpt}`.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Candidates::Table)
                    .add_column(ColumnDef::new(Candidates::Warnings).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Candidates::Table)
                    .drop_column(Candidates::Warnings)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Warnings,
}
