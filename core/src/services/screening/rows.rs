//! The screening rows that go with a deleted candidate, job or workspace, inside the caller's
//! transaction. A leaf: the hiring loop's deletions call it.
use sea_orm::{
    sea_query::{Expr, Query},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{
    applications, job_criteria, screening_items, screening_results, screening_runs,
};

/// A candidate's queued items and results. A run left with nothing to do by it ends as done.
pub async fn delete_for_candidate(
    db: &impl ConnectionTrait,
    candidate_id: Uuid,
) -> Result<(), DbErr> {
    let runs: Vec<Uuid> = screening_items::Entity::find()
        .select_only()
        .column(screening_items::Column::RunId)
        .distinct()
        .filter(screening_items::Column::CandidateId.eq(candidate_id))
        .into_tuple()
        .all(db)
        .await?;
    screening_items::Entity::delete_many()
        .filter(screening_items::Column::CandidateId.eq(candidate_id))
        .exec(db)
        .await?;
    if !runs.is_empty() {
        let left = Query::select()
            .expr(Expr::val(1))
            .from(screening_items::Entity)
            .and_where(
                Expr::col((screening_items::Entity, screening_items::Column::RunId))
                    .equals((screening_runs::Entity, screening_runs::Column::Id)),
            )
            .and_where(screening_items::Column::Status.is_in(["queued", "running"]))
            .to_owned();
        let now = chrono::Utc::now();
        screening_runs::Entity::update_many()
            .col_expr(screening_runs::Column::State, Expr::value("done"))
            .col_expr(screening_runs::Column::UpdatedAt, Expr::value(now))
            .col_expr(screening_runs::Column::FinishedAt, Expr::value(Some(now)))
            .filter(screening_runs::Column::Id.is_in(runs))
            .filter(screening_runs::Column::State.eq("running"))
            .filter(Expr::exists(left).not())
            .exec(db)
            .await?;
    }
    screening_results::Entity::delete_many()
        .filter(screening_results::Column::CandidateId.eq(candidate_id))
        .exec(db)
        .await?;
    Ok(())
}

/// After candidate `merged` was merged into `into`: its screenings follow its applications to
/// `into`, and the screening of an application the merge dropped goes with it. (An item still
/// queued for a dropped application ends as failed: its application is gone.)
pub async fn after_merge(db: &impl ConnectionTrait, merged: Uuid, into: Uuid) -> Result<(), DbErr> {
    screening_results::Entity::delete_many()
        .filter(screening_results::Column::CandidateId.eq(merged))
        .filter(
            Expr::col(screening_results::Column::ApplicationId).not_in_subquery(
                Query::select()
                    .column(applications::Column::Id)
                    .from(applications::Entity)
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    screening_results::Entity::update_many()
        .col_expr(screening_results::Column::CandidateId, Expr::value(into))
        .filter(screening_results::Column::CandidateId.eq(merged))
        .exec(db)
        .await?;
    screening_items::Entity::update_many()
        .col_expr(screening_items::Column::CandidateId, Expr::value(into))
        .filter(screening_items::Column::CandidateId.eq(merged))
        .exec(db)
        .await?;
    Ok(())
}

/// A job's criteria, runs, their items and its results.
pub async fn delete_for_job(db: &impl ConnectionTrait, job_id: Uuid) -> Result<(), DbErr> {
    screening_items::Entity::delete_many()
        .filter(
            Expr::col(screening_items::Column::RunId).in_subquery(
                Query::select()
                    .column(screening_runs::Column::Id)
                    .from(screening_runs::Entity)
                    .and_where(screening_runs::Column::JobId.eq(job_id))
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    screening_results::Entity::delete_many()
        .filter(screening_results::Column::JobId.eq(job_id))
        .exec(db)
        .await?;
    screening_runs::Entity::delete_many()
        .filter(screening_runs::Column::JobId.eq(job_id))
        .exec(db)
        .await?;
    job_criteria::Entity::delete_many()
        .filter(job_criteria::Column::JobId.eq(job_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Everything of a workspace's screening.
pub async fn delete_for_workspace(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
) -> Result<(), DbErr> {
    screening_items::Entity::delete_many()
        .filter(screening_items::Column::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    screening_results::Entity::delete_many()
        .filter(screening_results::Column::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    screening_runs::Entity::delete_many()
        .filter(screening_runs::Column::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    job_criteria::Entity::delete_many()
        .filter(job_criteria::Column::WorkspaceId.eq(workspace_id))
        .exec(db)
        .await?;
    Ok(())
}
