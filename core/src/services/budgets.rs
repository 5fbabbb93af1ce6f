//! Monthly budgets that hold: a user's on their personal keys, an owner's on the team key, the
//! admin's on each user's use of the system key.
//!
//! Before a call on a key with a budget, its worst case (prompt tokens plus `max_tokens` at the
//! model's price) is held, after it the hold is settled at the real cost. The holds are kept in
//! memory against this instance's lease on the budget (`state::budget_ledger`): an instance
//! leases room in the database by one conditional `UPDATE` that succeeds only while settled
//! spend and every hold and lease, on every instance, fit under the limit, so instances
//! together never overshoot by more than one call's worst case. A call that finds no room in
//! the lease grows it (by more than it needs while the budget has room, so most calls touch no
//! database); the flusher writes settled costs in batches and gives idle leases back. A lease
//! its instance stopped renewing (it died) expires and is given back.
//!
//! At 80 % of a budget a warning is given (an audit event once per month, a banner, and
//! `budget_warning` on AI answers); at 100 % calls on that key stop before anything is sent,
//! with 402 "Budget exceeded".
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use types::usage::{format_usd, BudgetSetting, BudgetStatus};
use uuid::Uuid;

use crate::{
    audit::{self, AuditEvent},
    entities::{ai_usage, budget_periods, budget_reservations, budgets},
    error::{ServiceError, ServiceResult},
    providers::{ChatMessage, Price},
    services::costs,
    session::{Admin, AuthUser, ClientInfo, Member},
    state::{
        clock::{month_start, next_month_start},
        keys::ResolvedKey,
        AppState,
    },
};
use types::profile::KeySource;

pub use crate::state::budget_ledger::{BudgetKey, Scope};

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Team => "team",
            Self::System => "system",
        }
    }

    /// The budget's name in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Personal => "your monthly budget for your own API keys",
            Self::Team => "the team's monthly budget for its team key",
            Self::System => "your monthly budget on the shared system key",
        }
    }

    /// The `ai_usage.key_source` whose calls count against it.
    fn key_source(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Team => "team",
            Self::System => "system",
        }
    }
}

impl BudgetKey {
    /// The budget a call by `member` on `resolved` counts against.
    pub fn for_call(member: &Member, resolved: &ResolvedKey) -> Option<Self> {
        let (scope, subject) = match (resolved.source, &resolved.team) {
            (KeySource::Personal, _) => (Scope::Personal, member.id),
            (KeySource::Team, Some(team)) => (Scope::Team, team.workspace_id),
            (KeySource::System, _) => (Scope::System, member.id),
            _ => return None,
        };
        Some(Self { scope, subject })
    }
}

/// How long a reservation outlives the call it was made for before it is given back: a call
/// ends within the provider timeout; a reservation older than this belongs to a dead instance.
fn reservation_ttl(state: &AppState) -> chrono::Duration {
    chrono::Duration::from_std(state.config.provider_timeout * 2)
        .unwrap_or(chrono::Duration::minutes(2))
        + chrono::Duration::seconds(60)
}

/// `YYYY-MM` of `now`.
fn period(now: DateTime<Utc>) -> String {
    now.format("%Y-%m").to_string()
}

/// When a budget resets: the first instant of next month (UTC).
pub fn resets_at(now: DateTime<Utc>) -> DateTime<Utc> {
    next_month_start(now)
}

/// The worst case of a call, in micro-dollars: its prompt at one token per two bytes (more
/// than any tokenizer makes of prose in any script; a string of one-letter words comes
/// closest), plus each message's framing, and `max_tokens` of answer.
pub fn worst_case_micro_usd(price: &Price, messages: &[ChatMessage], max_tokens: u32) -> i64 {
    let prompt: i64 = messages
        .iter()
        .map(|m| (m.content.len() as i64 + 1) / 2 + 8)
        .sum();
    price.cost_micro_usd(crate::providers::Usage {
        prompt_tokens: prompt,
        completion_tokens: i64::from(max_tokens),
    })
}

/// A call's hold on a budget, until it is settled.
#[derive(Clone, Debug)]
pub struct Reservation {
    /// The ledger's slice it holds from.
    slice: u64,
    amount: i64,
    /// The warning to pass on with the answer, from 80 % of the budget.
    pub warning: Option<String>,
}

/// The limit of budget `key` in micro-dollars, `None` for no budget; read at most once a
/// second per budget and instance (a change made here is seen at once).
async fn limit_of(state: &AppState, key: BudgetKey) -> ServiceResult<Option<i64>> {
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

/// Creates the month's row for `key` if there is none, with what the month's calls on that key
/// already cost (so a budget set mid-month counts the month's calls so far).
async fn open_period(
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
async fn usage_cost(state: &AppState, key: BudgetKey, since: DateTime<Utc>) -> ServiceResult<i64> {
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
async fn period_row(
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
async fn current(state: &AppState, key: BudgetKey, period: &str) -> ServiceResult<i64> {
    let row = period_row(state, key, period).await?;
    Ok(row.map_or(0, |r| r.spent_micro_usd + r.reserved_micro_usd))
}

fn warning_text(scope: Scope, used: i64, limit: i64) -> Option<String> {
    (limit > 0 && used.saturating_mul(5) >= limit.saturating_mul(4)).then(|| {
        format!(
            "{} of {} ({}) is used this month.",
            format_usd(Some(costs::usd(used))),
            format_usd(Some(costs::usd(limit))),
            capitalise(scope.describe())
        )
    })
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
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

/// How often the flusher writes settled costs.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// How long a lease no call uses is kept before it is given back.
const IDLE_LEASE: std::time::Duration = std::time::Duration::from_secs(1);

/// Starts this instance's flusher, once.
fn start_flusher(state: &AppState) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_its_month() -> Result<(), chrono::ParseError> {
        let t = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")?.with_timezone(&Utc);
        assert_eq!(period(t), "2026-03");
        Ok(())
    }

    #[test]
    fn the_warning_starts_at_eighty_percent() {
        assert!(warning_text(Scope::Personal, 79, 100).is_none());
        let text = warning_text(Scope::Personal, 80, 100).unwrap_or_default();
        assert!(text.contains("Your monthly budget"), "{text}");
        assert!(warning_text(Scope::Personal, 0, 0).is_none());
    }

    #[test]
    fn the_worst_case_counts_the_prompt_and_the_answer() {
        let price = Price {
            input_micro_per_mtok: 1_000_000,
            output_micro_per_mtok: 2_000_000,
            source: String::new(),
            as_of: String::new(),
            operator: false,
        };
        // 300 bytes → 150 tokens + 8 of framing; 1000 tokens of answer at 2 µ$ each.
        let messages = [ChatMessage::new("user", "x".repeat(300))];
        assert_eq!(worst_case_micro_usd(&price, &messages, 1000), 158 + 2000);
    }
}
