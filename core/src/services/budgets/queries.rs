//! The budget rows read and written outside the hot path: a budget's limit, the month's row
//! (opened on first use) and what the month's usage rows say was spent.
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::OnConflict, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::{BudgetKey, Scope};
use crate::{
    entities::{ai_usage, budget_periods, budgets},
    error::ServiceResult,
    state::{clock::month_start, AppState},
};

/// The limit of budget `key` in micro-dollars, `None` for no budget; read at most once a
/// second per budget and instance (a change made here is seen at once).
pub(super) async fn limit_of(state: &AppState, key: BudgetKey) -> ServiceResult<Option<i64>> {
    if let Some(limit) = state.budget_ledger.cached_limit(key) {
        return Ok(limit);
    }
    let limit = budgets::Entity::find_by_id((key.scope.as_str().to_owned(), key.subject))
        .one(&state.db)
        .await?
        .map(|b| b.monthly_micro_usd);
    state.budget_ledger.remember_limit(key, limit);
    Ok(limit)
}

/// Creates the month's row for `key` if there is none, with what the month's calls on that key
/// already cost (so a budget set mid-month counts the month's calls so far).
pub(super) async fn open_period(
    state: &AppState,
    key: BudgetKey,
    period: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let exists = period_row(state, key, period).await?.is_some();
    if exists {
        return Ok(());
    }
    let spent = usage_cost(state, key, month_start(now)).await?;
    budget_periods::Entity::insert(budget_periods::ActiveModel {
        scope: Set(key.scope.as_str().to_owned()),
        subject_id: Set(key.subject),
        period: Set(period.to_owned()),
        spent_micro_usd: Set(spent),
        reserved_micro_usd: Set(0),
    })
    .on_conflict(
        OnConflict::columns([
            budget_periods::Column::Scope,
            budget_periods::Column::SubjectId,
            budget_periods::Column::Period,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&state.db)
    .await?;
    Ok(())
}

/// What the usage rows since `since` say calls on `key`'s key cost.
pub(super) async fn usage_cost(
    state: &AppState,
    key: BudgetKey,
    since: DateTime<Utc>,
) -> ServiceResult<i64> {
    use sea_orm::{sea_query::Alias, QuerySelect};
    let subject = match key.scope {
        Scope::Team => ai_usage::Column::WorkspaceId,
        Scope::Personal | Scope::System => ai_usage::Column::UserId,
    };
    let cost: Option<i64> = ai_usage::Entity::find()
        .select_only()
        .column_as(
            ai_usage::Column::CostMicroUsd
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "cost",
        )
        .filter(subject.eq(key.subject))
        .filter(ai_usage::Column::KeySource.eq(key.scope.key_source()))
        .filter(ai_usage::Column::CreatedAt.gte(since))
        .into_tuple()
        .one(&state.db)
        .await?
        .flatten();
    Ok(cost.unwrap_or(0).max(0))
}

/// Budget `key`'s row for `period`, if the month was opened.
pub(super) async fn period_row(
    state: &AppState,
    key: BudgetKey,
    period: &str,
) -> ServiceResult<Option<budget_periods::Model>> {
    Ok(budget_periods::Entity::find_by_id((
        key.scope.as_str().to_owned(),
        key.subject,
        period.to_owned(),
    ))
    .one(&state.db)
    .await?)
}

/// Settled spend plus what calls in flight hold, this month.
pub(super) async fn current(state: &AppState, key: BudgetKey, period: &str) -> ServiceResult<i64> {
    let row = period_row(state, key, period).await?;
    Ok(row.map_or(0, |r| r.spent_micro_usd + r.reserved_micro_usd))
}
