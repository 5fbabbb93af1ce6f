//! One analysis to run: queued, running under a lease, done or failed (`services::jobs`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "analysis_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub candidate_id: Uuid,
    /// The candidate's owner, whose key the analysis runs on.
    pub owner_id: Uuid,
    /// The candidate's workspace.
    pub workspace_id: Uuid,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Attempts started so far (a claim counts one).
    pub attempts: i32,
    pub max_attempts: i32,
    /// Not claimed before this (the backoff of a retry).
    pub run_after: DateTimeUtc,
    /// While `running`: the claim holds until then; past it, any instance may take the job.
    pub lease_until: Option<DateTimeUtc>,
    /// The instance holding the lease.
    pub locked_by: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
