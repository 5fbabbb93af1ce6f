//! The analysis job queue: one row per analysis to run (an upload or a "Re-analyse"), which any
//! instance claims, holds under a lease it renews while the AI call runs, and finishes as done,
//! queued again for a retry, or failed.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let at = |column: AnalysisJobs| {
            ColumnDef::new(column)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(AnalysisJobs::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AnalysisJobs::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AnalysisJobs::CandidateId).uuid().not_null())
                    .col(ColumnDef::new(AnalysisJobs::OwnerId).uuid().not_null())
                    .col(
                        ColumnDef::new(AnalysisJobs::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AnalysisJobs::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(AnalysisJobs::MaxAttempts)
                            .integer()
                            .not_null(),
                    )
                    .col(at(AnalysisJobs::RunAfter))
                    .col(
                        ColumnDef::new(AnalysisJobs::LeaseUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(AnalysisJobs::LockedBy).string_len(64).null())
                    .col(ColumnDef::new(AnalysisJobs::LastError).text().null())
                    .col(at(AnalysisJobs::CreatedAt))
                    .col(at(AnalysisJobs::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AnalysisJobs::Table, AnalysisJobs::CandidateId)
                            .to(Candidates::Table, Candidates::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_analysis_jobs_candidate")
                    .table(AnalysisJobs::Table)
                    .col(AnalysisJobs::CandidateId)
                    .to_owned(),
            )
            .await?;
        // What a claim looks for: the due queued jobs, and running ones whose lease lapsed.
        manager
            .create_index(
                Index::create()
                    .name("idx_analysis_jobs_status_run_after")
                    .table(AnalysisJobs::Table)
                    .col(AnalysisJobs::Status)
                    .col(AnalysisJobs::RunAfter)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AnalysisJobs::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AnalysisJobs {
    Table,
    Id,
    CandidateId,
    OwnerId,
    Status,
    Attempts,
    MaxAttempts,
    RunAfter,
    LeaseUntil,
    LockedBy,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
}
