//! The analysis's verdict that an upload is plainly not a resume (a shopping list, a letter):
//! the candidate is kept and flagged for a person to confirm or delete.
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
                    .add_column(
                        ColumnDef::new(Candidates::NotAResume)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Candidates::Table)
                    .drop_column(Candidates::NotAResume)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    NotAResume,
}
