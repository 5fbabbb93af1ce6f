//! Holding a call's worst case against a budget before it is sent, and settling the hold at the
//! real cost after: the reservation, the lease it is admitted from, and the `Hold` guard.
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use types::usage::format_usd;
use uuid::Uuid;

use super::{
    flusher::{release_expired, start_flusher},
    period,
    queries::{current, limit_of, open_period},
    reservation_ttl, resets_at, warning_text, worst_case_micro_usd, BudgetKey,
};
use crate::{
    entities::{budget_periods, budget_reservations},
    error::{ServiceError, ServiceResult},
    providers::{ChatMessage, Price},
    services::costs,
    session::Member,
    state::{keys::ResolvedKey, AppState},
};

/// A call's hold on a budget, until it is settled.
#[derive(Clone, Debug)]
pub struct Reservation {
    /// The ledger's slice it holds from.
    slice: u64,
    amount: i64,
    /// The warning to pass on with the answer, from 80 % of the budget.
    pub warning: Option<String>,
}

/// Holds `worst` micro-dollars of the budget `key` for one call, or refuses the call with 402
/// when that would take the month past the budget. `Ok(None)`: the key has no budget.
pub async fn reserve(
    state: &AppState,
    key: BudgetKey,
    price: Option<&Price>,
    worst: impl FnOnce(&Price) -> i64,
) -> ServiceResult<Option<Reservation>> {
    reserve_for(state, key, price, worst, key.subject).await
}

/// As [`reserve`], for a call by `actor` (named in the 80 % audit event).
async fn reserve_for(
    state: &AppState,
    key: BudgetKey,
    price: Option<&Price>,
    worst: impl FnOnce(&Price) -> i64,
    actor: Uuid,
) -> ServiceResult<Option<Reservation>> {
    let Some(limit) = limit_of(state, key).await? else {
        return Ok(None);
    };
    let now = state.clock.now();
    let Some(price) = price else {
        return Err(ServiceError::BudgetExceeded(format!(
            "This model has no known price, so {} cannot hold: ask the administrator to price it in HIREKEY_PRICES_FILE, or choose a priced model.",
            key.scope.describe()
        )));
    };
    let amount = worst(price).max(1);
    let period = period(now);
    start_flusher(state);
    for attempt in 0..4 {
        if let Some((slice, used)) = state
            .budget_ledger
            .admit(key, &period, limit, amount, now, actor)
        {
            return Ok(Some(Reservation {
                slice,
                amount,
                warning: warning_text(key.scope, used, limit),
            }));
        }
        if grow_lease(state, key, &period, limit, amount, now).await? {
            continue;
        }
        if attempt == 0 {
            // The month's row may not exist yet, and dead instances may hold leases.
            open_period(state, key, &period, now).await?;
            release_expired(state, Some(key), now).await?;
        } else {
            break;
        }
    }
    let spent = current(state, key, &period).await?;
    Err(ServiceError::BudgetExceeded(format!(
        "This call would take {} past its limit: {} of {} is spent or held by calls in progress this month. It resets on {}. Raise the budget or wait for the reset.",
        key.scope.describe(),
        format_usd(Some(costs::usd(spent))),
        format_usd(Some(costs::usd(limit))),
        resets_at(now).format("%Y-%m-%d"),
    )))
}

/// Grows this instance's lease on `key` by `amount` and, while the budget has room for it, by
/// a margin more (fifteen more such calls, or 1 % of the limit if that is more), so the next
/// calls are admitted from memory. One transaction: the conditional update of the month's row
/// and the lease's row. `false`: not even `amount` fits.
async fn grow_lease(
    state: &AppState,
    key: BudgetKey,
    period: &str,
    limit: i64,
    amount: i64,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    use budget_periods::Column as C;
    let current = state.budget_ledger.current_lease(key, period);
    let margin = amount.saturating_mul(15).max(limit / 100);
    let expires_at = now + reservation_ttl(state);
    let txn = crate::services::busy::begin_write(&state.db).await?;
    let mut granted = 0;
    for want in [amount.saturating_add(margin), amount] {
        let held = budget_periods::Entity::update_many()
            .col_expr(
                C::ReservedMicroUsd,
                Expr::col(C::ReservedMicroUsd).add(want),
            )
            .filter(C::Scope.eq(key.scope.as_str()))
            .filter(C::SubjectId.eq(key.subject))
            .filter(C::Period.eq(period))
            .filter(
                Expr::expr(
                    Expr::col(C::SpentMicroUsd)
                        .add(Expr::col(C::ReservedMicroUsd))
                        .add(want),
                )
                .lte(limit),
            )
            .exec(&txn)
            .await?;
        if held.rows_affected == 1 {
            granted = want;
            break;
        }
    }
    if granted == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    use budget_reservations::Column as R;
    let mut lease = None;
    if let Some((_, Some(id))) = current {
        let extended = budget_reservations::Entity::update_many()
            .col_expr(R::AmountMicroUsd, Expr::col(R::AmountMicroUsd).add(granted))
            .col_expr(R::ExpiresAt, Expr::value(expires_at))
            .filter(R::Id.eq(id))
            .exec(&txn)
            .await?;
        if extended.rows_affected == 1 {
            lease = Some(id);
        }
    }
    let extended = lease.is_some();
    let lease = match lease {
        Some(id) => id,
        // No lease yet, or it expired and was given back: a new one.
        None => {
            let id = Uuid::new_v4();
            budget_reservations::Entity::insert(budget_reservations::ActiveModel {
                id: Set(id),
                scope: Set(key.scope.as_str().to_owned()),
                subject_id: Set(key.subject),
                period: Set(period.to_owned()),
                amount_micro_usd: Set(granted),
                expires_at: Set(expires_at),
            })
            .exec_without_returning(&txn)
            .await?;
            id
        }
    };
    let spent = budget_periods::Entity::find_by_id((
        key.scope.as_str().to_owned(),
        key.subject,
        period.to_owned(),
    ))
    .one(&txn)
    .await?
    .map_or(0, |r| r.spent_micro_usd);
    txn.commit().await?;
    state.budget_ledger.add_lease(
        key,
        current.map(|(id, _)| id),
        extended,
        period,
        limit,
        lease,
        granted,
        spent,
        expires_at,
    );
    Ok(true)
}

/// A call's reservation (if its key has a budget) until it is settled; dropped unsettled (the
/// call was abandoned mid-way), it is settled at its worst case, since the provider may still
/// charge for it.
pub struct Hold {
    state: AppState,
    reservation: Option<Reservation>,
}

impl Hold {
    /// Reserves for a call by `member` on `resolved` (see [`reserve`]).
    pub async fn take(
        state: &AppState,
        member: &Member,
        resolved: &ResolvedKey,
        price: Option<&Price>,
        messages: &[ChatMessage],
        max_tokens: u32,
    ) -> ServiceResult<Self> {
        let reservation = match BudgetKey::for_call(member, resolved) {
            Some(key) => {
                reserve_for(
                    state,
                    key,
                    price,
                    |p| worst_case_micro_usd(p, messages, max_tokens),
                    member.id,
                )
                .await?
            }
            None => None,
        };
        Ok(Self {
            state: state.clone(),
            reservation,
        })
    }

    /// The 80 % warning to pass on with the answer.
    pub fn warning(&self) -> Option<String> {
        self.reservation.as_ref().and_then(|r| r.warning.clone())
    }

    /// Settles at the call's real cost.
    pub fn settle(mut self, cost: Option<i64>) {
        if let Some(r) = self.reservation.take() {
            settle(&self.state, r, cost);
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some(r) = self.reservation.take() {
            settle(&self.state, r, None);
        }
    }
}

/// Settles a reservation at the call's real cost (`None`: unknown, so its worst case), in
/// memory: the flusher writes it.
pub fn settle(state: &AppState, reservation: Reservation, cost: Option<i64>) {
    let cost = cost.unwrap_or(reservation.amount).max(0);
    state
        .budget_ledger
        .settle(reservation.slice, reservation.amount, cost);
}
