//! The flusher: writes settled costs in batches, renews the leases in use and gives back idle
//! and expired ones, and notes the 80 % warning in the audit trail.
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use super::{queries::period_row, reservation_ttl, warning_text, BudgetKey};
use crate::{
    audit::{self, AuditEvent},
    entities::{budget_periods, budget_reservations, budgets},
    error::ServiceResult,
    session::ClientInfo,
    state::AppState,
};

/// How often the flusher writes settled costs.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// How long a lease no call uses is kept before it is given back.
const IDLE_LEASE: std::time::Duration = std::time::Duration::from_secs(1);

/// Starts this instance's flusher, once.
pub(super) fn start_flusher(state: &AppState) {
    if !state.budget_ledger.claim_flusher() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            flush(&state).await;
        }
    });
}

/// Writes what settled calls cost, renews leases in use and gives back idle ones.
pub async fn flush(state: &AppState) {
    let now = state.clock.now();
    let ttl = reservation_ttl(state);
    for f in state.budget_ledger.take_flushes(now, ttl / 2, IDLE_LEASE) {
        let written =
            crate::services::busy::retry_service_if_busy(|| write_flush(state, &f, now, ttl)).await;
        match written {
            Ok((spent, expires_at)) => {
                state.budget_ledger.flushed(f.id, Some(spent), expires_at);
                if f.spent > 0 {
                    if let Err(e) = note_warning(state, f.key, &f.period, f.actor).await {
                        tracing::warn!(error = %e, "could not note a budget warning");
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not write settled budget costs; the lease expires instead");
            }
        }
    }
}

/// One slice's flush in one transaction: `(the month's spend, the lease's expiry)`, the expiry
/// `None` when the lease is gone (given back now, or expired and given back by another).
async fn write_flush(
    state: &AppState,
    f: &crate::state::budget_ledger::Flush,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> ServiceResult<(i64, Option<DateTime<Utc>>)> {
    use budget_periods::Column as C;
    use budget_reservations::Column as R;
    let txn = crate::services::busy::begin_write(&state.db).await?;
    let mut from_lease = 0;
    let mut give_back = 0;
    let mut expires_at = None;
    if let Some(lease) = f.lease {
        let new_expiry = now + ttl;
        let kept = budget_reservations::Entity::update_many()
            .col_expr(
                R::AmountMicroUsd,
                Expr::col(R::AmountMicroUsd).sub(f.from_lease),
            )
            .col_expr(R::ExpiresAt, Expr::value(new_expiry))
            .filter(R::Id.eq(lease))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if kept {
            from_lease = f.from_lease;
            expires_at = Some(new_expiry);
            if f.give_back {
                if let Some(row) = budget_reservations::Entity::find_by_id(lease)
                    .one(&txn)
                    .await?
                {
                    give_back = row.amount_micro_usd;
                    budget_reservations::Entity::delete_by_id(lease)
                        .exec(&txn)
                        .await?;
                }
                expires_at = None;
            }
        }
    }
    if f.spent > 0 || from_lease > 0 || give_back > 0 {
        budget_periods::Entity::update_many()
            .col_expr(C::SpentMicroUsd, Expr::col(C::SpentMicroUsd).add(f.spent))
            .col_expr(
                C::ReservedMicroUsd,
                Expr::col(C::ReservedMicroUsd).sub(from_lease + give_back),
            )
            .filter(C::Scope.eq(f.key.scope.as_str()))
            .filter(C::SubjectId.eq(f.key.subject))
            .filter(C::Period.eq(f.period.as_str()))
            .exec(&txn)
            .await?;
    }
    let spent = budget_periods::Entity::find_by_id((
        f.key.scope.as_str().to_owned(),
        f.key.subject,
        f.period.clone(),
    ))
    .one(&txn)
    .await?
    .map_or(0, |r| r.spent_micro_usd);
    txn.commit().await?;
    Ok((spent, expires_at))
}

/// Writes the `budget_warning` audit event the first time a month's settled spend reaches 80 %.
async fn note_warning(
    state: &AppState,
    key: BudgetKey,
    period: &str,
    actor: Uuid,
) -> ServiceResult<()> {
    let Some(budget) = budgets::Entity::find_by_id((key.scope.as_str().to_owned(), key.subject))
        .one(&state.db)
        .await?
    else {
        return Ok(());
    };
    if budget.warned_period.as_deref() == Some(period) {
        return Ok(());
    }
    let spent = period_row(state, key, period)
        .await?
        .map_or(0, |r| r.spent_micro_usd);
    let Some(text) = warning_text(key.scope, spent, budget.monthly_micro_usd) else {
        return Ok(());
    };
    let claimed = budgets::Entity::update_many()
        .col_expr(budgets::Column::WarnedPeriod, Expr::value(period))
        .filter(budgets::Column::Scope.eq(key.scope.as_str()))
        .filter(budgets::Column::SubjectId.eq(key.subject))
        .filter(
            budgets::Column::WarnedPeriod
                .is_null()
                .or(budgets::Column::WarnedPeriod.ne(period)),
        )
        .exec(&state.db)
        .await?;
    if claimed.rows_affected == 1 {
        audit::record(
            &state.db,
            Some(actor),
            AuditEvent::BudgetWarning,
            None,
            Some(text),
            &ClientInfo::default(),
            state.clock.now(),
        )
        .await?;
    }
    Ok(())
}

/// Gives back what reservations past their expiry hold (their instance died), for one budget
/// or all. Each is given back once, by whoever deletes it.
pub async fn release_expired(
    state: &AppState,
    key: Option<BudgetKey>,
    now: DateTime<Utc>,
) -> ServiceResult<u64> {
    use budget_reservations::Column as R;
    let mut query = budget_reservations::Entity::find().filter(R::ExpiresAt.lt(now));
    if let Some(key) = key {
        query = query
            .filter(R::Scope.eq(key.scope.as_str()))
            .filter(R::SubjectId.eq(key.subject));
    }
    let expired = query.all(&state.db).await?;
    let mut released = 0;
    for r in expired {
        let txn = state.db.begin().await?;
        let ours = budget_reservations::Entity::delete_by_id(r.id)
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if ours {
            use budget_periods::Column as C;
            budget_periods::Entity::update_many()
                .col_expr(
                    C::ReservedMicroUsd,
                    Expr::col(C::ReservedMicroUsd).sub(r.amount_micro_usd),
                )
                .filter(C::Scope.eq(r.scope.as_str()))
                .filter(C::SubjectId.eq(r.subject_id))
                .filter(C::Period.eq(r.period.as_str()))
                .exec(&txn)
                .await?;
            released += 1;
        }
        txn.commit().await?;
    }
    Ok(released)
}
