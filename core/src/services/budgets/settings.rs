//! Setting and reading budgets: their status and banner, and the personal, team and system
//! budgets as the routes and pages ask for them.
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use types::usage::{format_usd, BudgetSetting, BudgetStatus};
use uuid::Uuid;

use super::{
    capitalise, period,
    queries::{open_period, period_row, usage_cost},
    resets_at, BudgetKey, Scope,
};
use crate::{
    audit::{self, AuditEvent},
    entities::budgets,
    error::{ServiceError, ServiceResult},
    services::costs,
    session::{Admin, AuthUser, ClientInfo, Member},
    state::{clock::month_start, AppState},
};

/// The budget `key` as its pages and the API show it, or `None` when there is none.
pub async fn status(state: &AppState, key: BudgetKey) -> ServiceResult<Option<BudgetStatus>> {
    let Some(budget) = budgets::Entity::find_by_id((key.scope.as_str().to_owned(), key.subject))
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let now = state.clock.now();
    let period = period(now);
    let spent = match period_row(state, key, &period).await? {
        Some(row) => row.spent_micro_usd,
        None => usage_cost(state, key, month_start(now)).await?,
    };
    Ok(Some(BudgetStatus {
        monthly_usd: costs::usd(budget.monthly_micro_usd),
        spent_usd: costs::usd(spent.max(0)),
        resets_at: resets_at(now).into(),
        warning: spent.saturating_mul(5) >= budget.monthly_micro_usd.saturating_mul(4),
        exceeded: spent >= budget.monthly_micro_usd,
    }))
}

/// The most a budget may be: a million dollars a month.
const MAX_MONTHLY_USD: f64 = 1_000_000.0;

/// Sets (`Some`) or removes (`None`) the budget `key`. Analyses waiting on it are woken, so
/// raising it lets them run. `by` is who set it, for the audit trail.
pub async fn set(
    state: &AppState,
    key: BudgetKey,
    monthly_usd: Option<f64>,
    by: Uuid,
) -> ServiceResult<Option<BudgetStatus>> {
    let now = state.clock.now();
    match monthly_usd {
        Some(usd) => {
            if !usd.is_finite() || !(0.0..=MAX_MONTHLY_USD).contains(&usd) {
                return Err(ServiceError::Validation(format!(
                    "monthly_usd must be dollars from 0 to {MAX_MONTHLY_USD}, or null for no budget"
                )));
            }
            let micro = (usd * 1_000_000.0).round() as i64;
            let txn = state.db.begin().await?;
            budgets::Entity::insert(budgets::ActiveModel {
                scope: Set(key.scope.as_str().to_owned()),
                subject_id: Set(key.subject),
                monthly_micro_usd: Set(micro),
                warned_period: Set(None),
                updated_by: Set(Some(by)),
                updated_at: Set(now),
            })
            .on_conflict(
                OnConflict::columns([budgets::Column::Scope, budgets::Column::SubjectId])
                    .update_columns([
                        budgets::Column::MonthlyMicroUsd,
                        budgets::Column::UpdatedBy,
                        budgets::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            txn.commit().await?;
            open_period(state, key, &period(now), now).await?;
        }
        None => {
            budgets::Entity::delete_by_id((key.scope.as_str().to_owned(), key.subject))
                .exec(&state.db)
                .await?;
        }
    }
    audit::record(
        &state.db,
        Some(by),
        AuditEvent::BudgetChanged,
        None,
        Some(match monthly_usd {
            Some(usd) => format!("{} set to {}", key.scope.as_str(), format_usd(Some(usd))),
            None => format!("{} removed", key.scope.as_str()),
        }),
        &ClientInfo::default(),
        now,
    )
    .await?;
    state.budget_ledger.forget(key);
    wake_waiting(state, key).await?;
    status(state, key).await
}

/// Makes the analyses waiting on budget `key` due now (it was raised or removed): the queued
/// jobs of its workspace (team) or its user that wait for a later time. (A job waits for a
/// budget queued until the month's end, with its attempt not counted.)
async fn wake_waiting(state: &AppState, key: BudgetKey) -> ServiceResult<u64> {
    use crate::entities::analysis_jobs::{Column, Entity};
    let now = state.clock.now();
    let column = match key.scope {
        Scope::Team => Column::WorkspaceId,
        Scope::Personal | Scope::System => Column::OwnerId,
    };
    let woken = Entity::update_many()
        .col_expr(Column::RunAfter, Expr::value(now))
        .filter(Column::Status.eq("queued"))
        .filter(column.eq(key.subject))
        .filter(Column::RunAfter.gt(now))
        .exec(&state.db)
        .await?;
    Ok(woken.rows_affected)
}

/// The sentence the pages' banner shows when 80 % or more of budget `key` is spent, and
/// whether all of it is.
pub async fn banner(state: &AppState, key: BudgetKey) -> ServiceResult<Option<(String, bool)>> {
    let Some(s) = status(state, key).await? else {
        return Ok(None);
    };
    let what = key.scope.describe();
    let resets = s.resets_at.to_string();
    let day = resets.get(..10).unwrap_or(&resets);
    Ok(if s.exceeded {
        Some((
            format!(
                "{} is spent ({} of {}): AI calls on that key are refused until it resets on {day}.",
                capitalise(what),
                format_usd(Some(s.spent_usd)),
                format_usd(Some(s.monthly_usd)),
            ),
            true,
        ))
    } else if s.warning {
        Some((
            format!(
                "80 % of {what} is spent ({} of {}); it resets on {day}.",
                format_usd(Some(s.spent_usd)),
                format_usd(Some(s.monthly_usd)),
            ),
            false,
        ))
    } else {
        None
    })
}

/// The budget `key` as its routes answer it: the limit (or none) and the month's spend.
pub async fn setting(state: &AppState, key: BudgetKey) -> ServiceResult<BudgetSetting> {
    let now = state.clock.now();
    Ok(match status(state, key).await? {
        Some(s) => BudgetSetting {
            monthly_usd: Some(s.monthly_usd),
            spent_usd: s.spent_usd,
            resets_at: s.resets_at,
            warning: s.warning,
            exceeded: s.exceeded,
        },
        None => BudgetSetting {
            monthly_usd: None,
            spent_usd: costs::usd(usage_cost(state, key, month_start(now)).await?),
            resets_at: resets_at(now).into(),
            warning: false,
            exceeded: false,
        },
    })
}

fn personal_key(user: &AuthUser) -> BudgetKey {
    BudgetKey {
        scope: Scope::Personal,
        subject: user.id,
    }
}

/// `GET /api/v1/profile/budget`: the caller's budget for their own keys.
pub async fn personal(state: &AppState, user: &AuthUser) -> ServiceResult<BudgetSetting> {
    setting(state, personal_key(user)).await
}

/// `PUT /api/v1/profile/budget`.
pub async fn set_personal(
    state: &AppState,
    user: &AuthUser,
    monthly_usd: Option<f64>,
) -> ServiceResult<BudgetSetting> {
    set(state, personal_key(user), monthly_usd, user.id).await?;
    personal(state, user).await
}

fn team_key(workspace: Uuid) -> BudgetKey {
    BudgetKey {
        scope: Scope::Team,
        subject: workspace,
    }
}

/// `GET /api/v1/workspaces/{id}/budget`: any member may read the team key's budget.
pub async fn team(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<BudgetSetting> {
    crate::services::workspaces::role_in(state, member, id).await?;
    setting(state, team_key(id)).await
}

/// `PUT /api/v1/workspaces/{id}/budget`: owners only.
pub async fn set_team(
    state: &AppState,
    member: &Member,
    id: Uuid,
    monthly_usd: Option<f64>,
) -> ServiceResult<BudgetSetting> {
    let role = crate::services::workspaces::role_in(state, member, id).await?;
    if role != types::workspaces::Role::Owner {
        return Err(ServiceError::Forbidden(
            "Only the workspace's owners may set the team key's budget".into(),
        ));
    }
    set(state, team_key(id), monthly_usd, member.id).await?;
    setting(state, team_key(id)).await
}

/// The system key's budget for `user_id`, for the admin; 404 for no such user.
async fn system_key_of(state: &AppState, user_id: Uuid) -> ServiceResult<BudgetKey> {
    crate::entities::users::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("User"))?;
    Ok(BudgetKey {
        scope: Scope::System,
        subject: user_id,
    })
}

/// `GET /api/v1/admin/users/{id}/budget`.
pub async fn system(
    state: &AppState,
    _admin: &Admin,
    user_id: Uuid,
) -> ServiceResult<BudgetSetting> {
    setting(state, system_key_of(state, user_id).await?).await
}

/// `PUT /api/v1/admin/users/{id}/budget`.
pub async fn set_system(
    state: &AppState,
    admin: &Admin,
    user_id: Uuid,
    monthly_usd: Option<f64>,
) -> ServiceResult<BudgetSetting> {
    let key = system_key_of(state, user_id).await?;
    set(state, key, monthly_usd, admin.id()).await?;
    setting(state, key).await
}
