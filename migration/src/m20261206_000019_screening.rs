//! AI screening against a job.
//!
//! - `job_criteria`: a job's criteria, in order; `kind` is `must` or `nice`.
//! - `screening_runs`: one screening of a job's applications: who started it (their key is
//!   used), whether it is blind, the criteria as they were when it started, its state
//!   (`running`, `done`, `cancelled`, `stopped`) and why it stopped.
//! - `screening_items`: the run's durable queue, one row per application, claimed and leased
//!   like `analysis_jobs`, so a run survives a restart and spreads over instances.
//! - `screening_results`: each application's latest screening: the checked verdicts, the score
//!   Hirekey computed, and whether a person must review it first.
//! - `provider_pacing`: what each provider key's rate-limit headers last said (times in
//!   milliseconds since the epoch, compared in SQL alike on both engines), shared by every
//!   instance so that runs and chats on one key pace together. The key is known by a hash.
use sea_orm_migration::prelude::*;

use crate::columns::{at, big, flag, id, index, int, string, table, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 5] = [
    "job_criteria",
    "screening_runs",
    "screening_items",
    "screening_results",
    "provider_pacing",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            table(
                "job_criteria",
                vec![
                    id("id").primary_key().to_owned(),
                    id("job_id"),
                    id("workspace_id"),
                    int("position"),
                    string("kind", 8, false),
                    string("text", 500, false),
                    at("created_at", false),
                ],
            ),
            table(
                "screening_runs",
                vec![
                    id("id").primary_key().to_owned(),
                    id("workspace_id"),
                    id("job_id"),
                    id("started_by"),
                    flag("blind"),
                    string("state", 16, false),
                    text("stop_reason", true),
                    int("total"),
                    text("criteria", false),
                    big("estimate_tokens", false),
                    big("estimate_micro_usd", true),
                    at("created_at", false),
                    at("updated_at", false),
                    at("finished_at", true),
                ],
            ),
            table(
                "screening_items",
                vec![
                    id("id").primary_key().to_owned(),
                    id("run_id"),
                    id("workspace_id"),
                    id("application_id"),
                    id("candidate_id"),
                    string("status", 16, false),
                    int("attempts"),
                    at("run_after", false),
                    at("lease_until", true),
                    string("locked_by", 100, true),
                    text("last_error", true),
                    at("created_at", false),
                    at("updated_at", false),
                ],
            ),
            table(
                "screening_results",
                vec![
                    id("application_id").primary_key().to_owned(),
                    id("workspace_id"),
                    id("job_id"),
                    id("candidate_id"),
                    id("run_id"),
                    text("verdicts", false),
                    int("dropped_quotes"),
                    int("score"),
                    string("provider", 40, false),
                    string("model", 200, false),
                    string("key_source", 16, false),
                    flag("blind"),
                    flag("needs_review"),
                    ColumnDef::new(Alias::new("reviewed_by"))
                        .uuid()
                        .null()
                        .to_owned(),
                    at("reviewed_at", true),
                    at("created_at", false),
                ],
            ),
            table(
                "provider_pacing",
                vec![
                    string("pace_key", 64, false).primary_key().to_owned(),
                    big("remaining_requests", true),
                    big("requests_reset_ms", true),
                    big("remaining_tokens", true),
                    big("tokens_reset_ms", true),
                    big("blocked_until_ms", true),
                    big("updated_ms", false),
                ],
            ),
        ];
        for t in tables {
            manager.create_table(t).await?;
        }
        let indexes = [
            index(
                "idx_job_criteria_job",
                "job_criteria",
                &["job_id", "position"],
            ),
            index(
                "idx_screening_runs_job",
                "screening_runs",
                &["job_id", "created_at"],
            ),
            index(
                "idx_screening_items_due",
                "screening_items",
                &["status", "run_after"],
            ),
            index(
                "idx_screening_items_run",
                "screening_items",
                &["run_id", "status"],
            ),
            index(
                "idx_screening_items_candidate",
                "screening_items",
                &["candidate_id"],
            ),
            index(
                "idx_screening_results_job",
                "screening_results",
                &["job_id", "score"],
            ),
            index(
                "idx_screening_results_candidate",
                "screening_results",
                &["candidate_id"],
            ),
        ];
        for i in indexes {
            manager.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in TABLES.iter().rev() {
            manager
                .drop_table(
                    Table::drop()
                        .table(Alias::new(*name))
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
