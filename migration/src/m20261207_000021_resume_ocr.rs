//! Scanned resumes read by OCR: the mean word confidence of the reading (null for text that was
//! not read by OCR, and while a scan waits to be read), the pages read so far and in all (the
//! candidate page's progress), and the languages Tesseract read them with.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        let columns = [
            ColumnDef::new(Resumes::OcrConfidence)
                .double()
                .null()
                .to_owned(),
            ColumnDef::new(Resumes::OcrPages)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Resumes::OcrPagesDone)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Resumes::OcrLanguages)
                .string_len(100)
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Resumes::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Resumes::OcrConfidence,
            Resumes::OcrPages,
            Resumes::OcrPagesDone,
            Resumes::OcrLanguages,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Resumes::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Resumes {
    Table,
    OcrConfidence,
    OcrPages,
    OcrPagesDone,
    OcrLanguages,
}
