//! Hirekey's database migrations, run at start-up and by `hirekey migrate`.
pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261123_000001_create_users_and_keys;
mod m20261123_000002_create_usage_and_audit;
mod m20261123_000003_create_candidates_and_chat;
mod m20261123_000004_candidate_search_and_chat_errors;
mod m20261124_000005_invites_and_session_generation;
mod m20261129_000006_candidate_scale;
mod m20261129_000007_candidate_warnings;
mod m20261129_000008_resume_text_engine;
mod m20261129_000009_analysis_jobs;
mod m20261205_000010_candidate_not_a_resume;
mod m20261206_000011_workspaces;
mod m20261206_000012_team_keys;
mod m20261206_000013_costs_and_budgets;
mod m20261206_000014_key_fallback;
mod m20261206_000015_usage_rollup;
mod m20261206_000016_hiring_loop;
mod m20261206_000017_candidate_facets;
mod m20261206_000018_fts_update_columns;
mod m20261206_000019_screening;
mod m20261206_000020_personal_data;
mod m20261207_000021_resume_ocr;

pub use m20261206_000015_usage_rollup::rebuild_usage_rollup;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_users_and_keys::Migration),
            Box::new(m20261123_000002_create_usage_and_audit::Migration),
            Box::new(m20261123_000003_create_candidates_and_chat::Migration),
            Box::new(m20261123_000004_candidate_search_and_chat_errors::Migration),
            Box::new(m20261124_000005_invites_and_session_generation::Migration),
            Box::new(m20261129_000006_candidate_scale::Migration),
            Box::new(m20261129_000007_candidate_warnings::Migration),
            Box::new(m20261129_000008_resume_text_engine::Migration),
            Box::new(m20261129_000009_analysis_jobs::Migration),
            Box::new(m20261205_000010_candidate_not_a_resume::Migration),
            Box::new(m20261206_000011_workspaces::Migration),
            Box::new(m20261206_000012_team_keys::Migration),
            Box::new(m20261206_000013_costs_and_budgets::Migration),
            Box::new(m20261206_000014_key_fallback::Migration),
            Box::new(m20261206_000015_usage_rollup::Migration),
            Box::new(m20261206_000016_hiring_loop::Migration),
            Box::new(m20261206_000017_candidate_facets::Migration),
            Box::new(m20261206_000018_fts_update_columns::Migration),
            Box::new(m20261206_000019_screening::Migration),
            Box::new(m20261206_000020_personal_data::Migration),
            Box::new(m20261207_000021_resume_ocr::Migration),
        ]
    }
}
