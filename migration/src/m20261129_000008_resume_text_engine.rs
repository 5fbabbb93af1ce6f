//! Which extraction engine read each resume's text (`pdf-extract`, `pdf_oxide`, `docx`,
//! `text`), so a poor reading can be traced to its engine.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Resumes::Table)
                    .add_column(ColumnDef::new(Resumes::TextEngine).string_len(40).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Resumes::Table)
                    .drop_column(Resumes::TextEngine)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Resumes {
    Table,
    TextEngine,
}
