//! The Candidates list with filters (skill, seniority, years of experience, job and stage) or
//! an order other than newest first (name, last activity): one query with every condition,
//! paged by page number. The plain list and its search keep their cursor paging
//! (`search::list`).
use sea_orm::{
    sea_query::{Expr, Func, Query},
    ColumnTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use types::candidates::{CandidateQuery, ListSort};
use uuid::Uuid;

use super::escape_like;
use crate::{
    entities::{applications, candidates, job_stages, jobs},
    error::{ServiceError, ServiceResult},
    services::search,
    session::Member,
    state::AppState,
};

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn validation(message: &str) -> ServiceError {
    ServiceError::Validation(message.to_owned())
}

/// The ids of one page, in order, and how many match.
pub(super) async fn page(
    state: &AppState,
    member: &Member,
    query: &CandidateQuery,
    page: u64,
    per_page: u64,
) -> ServiceResult<(Vec<Uuid>, u64)> {
    let mut select =
        candidates::Entity::find().filter(candidates::Column::WorkspaceId.eq(member.workspace_id));
    for term in search::list_terms(query.q.as_deref().unwrap_or_default()) {
        select = select.filter(Expr::col(candidates::Column::SearchText).like(
            sea_orm::sea_query::LikeExpr::new(format!("%{}%", escape_like(&term))).escape('\\'),
        ));
    }
    if let Some(skill) = given(&query.skill) {
        if skill.chars().count() > 100 {
            return Err(validation("skill must be at most 100 characters"));
        }
        // `skills` is a JSON array of strings: the whole skill, quoted, case-insensitively.
        let quoted = serde_json::to_string(&skill.to_lowercase())
            .map_err(|e| ServiceError::Internal(e.into()))?;
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(candidates::Column::Skills))).like(
                sea_orm::sea_query::LikeExpr::new(format!("%{}%", escape_like(&quoted)))
                    .escape('\\'),
            ),
        );
    }
    if let Some(seniority) = given(&query.seniority) {
        if seniority.chars().count() > 50 {
            return Err(validation("seniority must be at most 50 characters"));
        }
        select = select.filter(candidates::Column::Seniority.eq(seniority.to_lowercase()));
    }
    if let Some(years) = query.min_years {
        if !(0.0..=80.0).contains(&years) {
            return Err(validation("min_years must be between 0 and 80"));
        }
        select = select.filter(candidates::Column::YearsExperience.gte(years));
    }
    match (given(&query.job), given(&query.stage)) {
        (None, Some(_)) => return Err(validation("stage needs job")),
        (Some(job), stage) => {
            let job: Uuid = job
                .parse()
                .map_err(|_| validation("job must be a job's id"))?;
            let exists = jobs::Entity::find_by_id(job)
                .filter(jobs::Column::WorkspaceId.eq(member.workspace_id))
                .count(&state.db)
                .await?;
            if exists == 0 {
                return Err(ServiceError::NotFound("Job"));
            }
            let mut sub = Query::select();
            sub.column(applications::Column::CandidateId)
                .from(applications::Entity)
                .and_where(applications::Column::JobId.eq(job));
            if let Some(stage) = stage {
                let stages = job_stages::Entity::find()
                    .filter(job_stages::Column::JobId.eq(job))
                    .all(&state.db)
                    .await?;
                let by_id = Uuid::parse_str(stage).ok();
                let found = stages
                    .iter()
                    .find(|s| Some(s.id) == by_id || s.name.to_lowercase() == stage.to_lowercase())
                    .ok_or_else(|| validation("stage is not a stage of that job"))?;
                sub.and_where(applications::Column::StageId.eq(found.id));
            }
            select = select.filter(candidates::Column::Id.in_subquery(sub.to_owned()));
        }
        (None, None) => {}
    }
    let total = select.clone().count(&state.db).await?;
    let select = match query.sort.unwrap_or_default() {
        ListSort::Newest => select
            .order_by_desc(candidates::Column::CreatedAt)
            .order_by_desc(candidates::Column::Id),
        ListSort::Name => select
            .order_by(Expr::col(candidates::Column::Name).is_null(), Order::Asc)
            .order_by(
                Expr::expr(Func::lower(Expr::col(candidates::Column::Name))),
                Order::Asc,
            )
            .order_by_asc(candidates::Column::Id),
        ListSort::Activity => select
            .order_by(
                Expr::col(candidates::Column::LastActivityAt).is_null(),
                Order::Asc,
            )
            .order_by_desc(candidates::Column::LastActivityAt)
            .order_by_desc(candidates::Column::Id),
    };
    let ids: Vec<Uuid> = select
        .select_only()
        .column(candidates::Column::Id)
        .offset(page.saturating_sub(1).saturating_mul(per_page))
        .limit(per_page)
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok((ids, total))
}
