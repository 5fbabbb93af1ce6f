//! What the Candidates page filters and sorts on, and corrections people make.
//!
//! - `candidates.seniority` and `years_experience`: copied from the analysis (filled here from
//!   the stored analysis JSON), so the list filters on them with an index-friendly column.
//! - `candidates.last_activity_at`: the time of the candidate's newest timeline event (filled
//!   here from `updated_at`), for "last activity" order.
//! - `candidates.corrections`: the fields a person corrected (a JSON object of field to value);
//!   a re-analysis keeps them.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_BACKFILL: &str = "UPDATE candidates SET
    seniority = json_extract(analysis, '$.seniority'),
    years_experience = CAST(json_extract(analysis, '$.years_experience') AS REAL)
    WHERE analysis IS NOT NULL AND json_valid(analysis)";

const POSTGRES_BACKFILL: &str = "UPDATE candidates SET
    seniority = analysis::json->>'seniority',
    years_experience = (analysis::json->>'years_experience')::double precision
    WHERE analysis IS NOT NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(Alias::new("seniority"))
                .string_len(50)
                .null()
                .to_owned(),
            ColumnDef::new(Alias::new("years_experience"))
                .double()
                .null()
                .to_owned(),
            ColumnDef::new(Alias::new("last_activity_at"))
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Alias::new("corrections"))
                .text()
                .null()
                .to_owned(),
        ];
        // SQLite adds one column per ALTER.
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("candidates"))
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        let backfill = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => POSTGRES_BACKFILL,
            _ => SQLITE_BACKFILL,
        };
        db.execute_unprepared(backfill).await?;
        db.execute_unprepared("UPDATE candidates SET last_activity_at = updated_at")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_candidates_workspace_activity")
                    .table(Alias::new("candidates"))
                    .col(Alias::new("workspace_id"))
                    .col(Alias::new("last_activity_at"))
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_candidates_workspace_activity")
                    .table(Alias::new("candidates"))
                    .to_owned(),
            )
            .await?;
        for column in [
            "corrections",
            "last_activity_at",
            "years_experience",
            "seniority",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("candidates"))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
