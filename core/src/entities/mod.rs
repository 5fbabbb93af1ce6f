//! SeaORM entities, one per table (see the `migration` crate for the schema).
pub mod ai_usage;
pub mod analysis_jobs;
pub mod audit_events;
pub mod candidates;
pub mod conversations;
pub mod invites;
pub mod messages;
pub mod provider_keys;
pub mod rate_limits;
pub mod resumes;
pub mod settings;
pub mod users;
pub mod vault_meta;
pub mod workspace_keys;
pub mod workspace_members;
pub mod workspaces;
