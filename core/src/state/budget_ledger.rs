//! Each budget's share held by this instance, in memory, so an AI call on a budgeted key is
//! admitted without touching the database (`services::budgets` moves the shares to and from
//! the database).
//!
//! An instance leases part of a budget's room in the database (a `budget_reservations` row,
//! counted in `budget_periods.reserved_micro_usd` like any hold) and admits calls against it
//! here: each call holds its worst case from the lease, and gives back what it did not spend
//! when it is settled. What settled calls cost is written by the flusher in batches. The
//! database's guard (settled spend plus every hold, leases included, stays under the limit)
//! is unchanged, so instances together still never overshoot.
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Mutex, MutexGuard,
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Whose budget a call counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A user's own keys; the subject is the user.
    Personal,
    /// A workspace's team key; the subject is the workspace.
    Team,
    /// The system key as one user uses it; the subject is the user.
    System,
}

/// A budget: its scope and subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BudgetKey {
    pub scope: Scope,
    pub subject: Uuid,
}

/// How long a budget's limit (or that it has none) is trusted before it is read again. A
/// change on this instance is seen at once; on another one within this.
pub const LIMIT_TTL: Duration = Duration::from_secs(1);

/// This instance's lease on one budget's month, and what its calls hold and spent of it.
#[derive(Clone, Debug)]
pub struct Slice {
    pub key: BudgetKey,
    /// `YYYY-MM`.
    pub period: String,
    /// The limit the lease was taken under; a changed limit retires the slice.
    pub limit: i64,
    /// The lease's row in `budget_reservations` and what it holds in the database.
    pub lease: Option<Uuid>,
    pub leased: i64,
    pub expires_at: DateTime<Utc>,
    /// What calls in flight hold of the lease.
    pub in_flight: i64,
    /// What settled calls cost and the flusher has not written yet.
    pub unflushed: i64,
    /// The month's settled spend when the database was last read or written.
    pub spent: i64,
    pub last_used: Instant,
    /// Who made the last call it admitted (named in the 80 % audit event).
    pub actor: Uuid,
    /// No longer admits calls (its month, limit or lease ended); flushed and given back once
    /// its calls are settled.
    pub retired: bool,
}

impl Slice {
    /// What the lease can still admit.
    pub fn room(&self) -> i64 {
        self.leased - self.in_flight - self.unflushed
    }

    /// The month's spend as this instance knows it.
    pub fn used(&self) -> i64 {
        self.spent + self.unflushed
    }
}

#[derive(Default)]
struct Slices {
    /// Every slice by its number; a call's hold names the slice it holds from.
    by_id: HashMap<u64, Slice>,
    /// The slice that admits calls now, per budget.
    current: HashMap<BudgetKey, u64>,
}

/// The slices and the limits this instance knows.
#[derive(Default)]
pub struct BudgetLedger {
    slices: Mutex<Slices>,
    limits: Mutex<HashMap<BudgetKey, (Option<i64>, Instant)>>,
    next_id: AtomicU64,
    flusher: AtomicBool,
}

/// What a slice gives the flusher to write.
#[derive(Debug)]
pub struct Flush {
    pub id: u64,
    pub key: BudgetKey,
    pub period: String,
    pub lease: Option<Uuid>,
    /// Settled cost to add to the month's spend; `from_lease` of it was held by the lease.
    pub spent: i64,
    pub from_lease: i64,
    /// The lease is no longer needed: give back what it still holds.
    pub give_back: bool,
    pub renew: bool,
    pub actor: Uuid,
}

impl BudgetLedger {
    fn lock(&self) -> MutexGuard<'_, Slices> {
        self.slices.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The limit of `key` if it was read less than [`LIMIT_TTL`] ago: `Some(None)` for "no
    /// budget".
    pub fn cached_limit(&self, key: BudgetKey) -> Option<Option<i64>> {
        let limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        limits
            .get(&key)
            .filter(|(_, at)| at.elapsed() < LIMIT_TTL)
            .map(|(limit, _)| *limit)
    }

    pub fn remember_limit(&self, key: BudgetKey, limit: Option<i64>) {
        let mut limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        if limits.len() > 100_000 {
            limits.retain(|_, (_, at)| at.elapsed() < LIMIT_TTL);
        }
        limits.insert(key, (limit, Instant::now()));
    }

    /// Forgets the limit of `key` (it was just changed) and retires its slice.
    pub fn forget(&self, key: BudgetKey) {
        self.limits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
        let mut s = self.lock();
        if let Some(id) = s.current.remove(&key) {
            if let Some(slice) = s.by_id.get_mut(&id) {
                slice.retired = true;
            }
        }
    }

    /// Holds `amount` from the current slice of `key` for `period` under `limit`, if its lease
    /// has room: `Some((slice, month's spend as known))`. A slice of another month or limit,
    /// or whose lease has expired, is retired first.
    pub fn admit(
        &self,
        key: BudgetKey,
        period: &str,
        limit: i64,
        amount: i64,
        now: DateTime<Utc>,
        actor: Uuid,
    ) -> Option<(u64, i64)> {
        let mut s = self.lock();
        let id = *s.current.get(&key)?;
        let slice = s.by_id.get_mut(&id)?;
        if slice.period != period || slice.limit != limit || now >= slice.expires_at {
            slice.retired = true;
            s.current.remove(&key);
            return None;
        }
        if slice.room() < amount {
            return None;
        }
        slice.in_flight += amount;
        slice.last_used = Instant::now();
        slice.actor = actor;
        Some((id, slice.used()))
    }

    /// The current slice of `key`, if it may still admit calls: `(slice, its lease row)`.
    pub fn current_lease(&self, key: BudgetKey, period: &str) -> Option<(u64, Option<Uuid>)> {
        let s = self.lock();
        let id = *s.current.get(&key)?;
        let slice = s.by_id.get(&id)?;
        (slice.period == period && !slice.retired).then_some((id, slice.lease))
    }

    /// Adds `granted` to the lease: `extended` says the database added it to the lease row
    /// of slice `id`; else `lease` is a new row, and a new current slice starts. An extended
    /// lease whose slice is gone was given back by the flusher meanwhile, with what was just
    /// added: nothing is kept, and the caller tries again.
    #[allow(clippy::too_many_arguments)]
    pub fn add_lease(
        &self,
        key: BudgetKey,
        id: Option<u64>,
        extended: bool,
        period: &str,
        limit: i64,
        lease: Uuid,
        granted: i64,
        spent: i64,
        expires_at: DateTime<Utc>,
    ) {
        let mut s = self.lock();
        if extended {
            if let Some(slice) = id.and_then(|id| s.by_id.get_mut(&id)) {
                if slice.lease == Some(lease) {
                    slice.leased += granted;
                    slice.spent = slice.spent.max(spent);
                    slice.expires_at = expires_at;
                }
            }
            return;
        }
        let new_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        if let Some(old) = s.current.insert(key, new_id) {
            if let Some(slice) = s.by_id.get_mut(&old) {
                slice.retired = true;
            }
        }
        s.by_id.insert(
            new_id,
            Slice {
                key,
                period: period.to_owned(),
                limit,
                lease: Some(lease),
                leased: granted,
                expires_at,
                in_flight: 0,
                unflushed: 0,
                spent,
                last_used: Instant::now(),
                actor: key.subject,
                retired: false,
            },
        );
    }

    /// A call held `amount` from slice `id` and cost `cost`.
    pub fn settle(&self, id: u64, amount: i64, cost: i64) {
        let mut s = self.lock();
        if let Some(slice) = s.by_id.get_mut(&id) {
            slice.in_flight -= amount;
            slice.unflushed += cost.max(0);
        }
    }

    /// What every slice has to write: settled cost, leases to renew (within `renew_within`
    /// of expiry) and leases to give back (retired, or idle for `idle`) once no call holds
    /// from them. A slice given back is removed.
    pub fn take_flushes(
        &self,
        now: DateTime<Utc>,
        renew_within: chrono::Duration,
        idle: Duration,
    ) -> Vec<Flush> {
        let mut s = self.lock();
        let mut out = Vec::new();
        let mut gone = Vec::new();
        for (id, slice) in s.by_id.iter_mut() {
            let settled = std::mem::take(&mut slice.unflushed);
            let from_lease = settled.min(slice.leased).max(0);
            slice.leased -= from_lease;
            slice.spent += settled;
            let done = slice.in_flight <= 0 && (slice.retired || slice.last_used.elapsed() >= idle);
            let expired = now >= slice.expires_at;
            let renew = !done && !expired && slice.expires_at - now < renew_within;
            if settled > 0 || done || renew {
                out.push(Flush {
                    id: *id,
                    key: slice.key,
                    period: slice.period.clone(),
                    lease: slice.lease,
                    spent: settled,
                    from_lease,
                    give_back: done,
                    renew,
                    actor: slice.actor,
                });
            }
            if done {
                gone.push((*id, slice.key));
            }
        }
        for (id, key) in gone {
            s.by_id.remove(&id);
            if s.current.get(&key) == Some(&id) {
                s.current.remove(&key);
            }
        }
        out
    }

    /// After a flush: the month's spend as the database now has it, and the lease's new
    /// expiry (or that the lease is gone: it expired and was given back by someone else).
    pub fn flushed(&self, id: u64, spent: Option<i64>, expires_at: Option<DateTime<Utc>>) {
        let mut s = self.lock();
        if let Some(slice) = s.by_id.get_mut(&id) {
            if let Some(spent) = spent {
                slice.spent = spent;
            }
            match expires_at {
                Some(at) => slice.expires_at = at,
                None => {
                    slice.retired = true;
                    slice.leased = 0;
                    slice.lease = None;
                }
            }
        }
    }

    /// True the first time: the caller starts the flusher.
    pub fn claim_flusher(&self) -> bool {
        !self.flusher.swap(true, Ordering::AcqRel)
    }

    /// Whether any slice holds anything (for the flusher's pace and tests).
    pub fn is_empty(&self) -> bool {
        self.lock().by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> BudgetKey {
        BudgetKey {
            scope: Scope::Personal,
            subject: Uuid::nil(),
        }
    }

    #[test]
    fn calls_are_admitted_only_within_the_lease_and_settled_costs_are_flushed_once() {
        let ledger = BudgetLedger::default();
        let now = Utc::now();
        let later = now + chrono::Duration::minutes(5);
        let actor = Uuid::nil();
        // No lease yet: nothing is admitted.
        assert!(ledger
            .admit(key(), "2026-12", 100, 10, now, actor)
            .is_none());
        let lease = Uuid::new_v4();
        ledger.add_lease(key(), None, false, "2026-12", 100, lease, 25, 40, later);
        let (slice, used) = ledger
            .admit(key(), "2026-12", 100, 10, now, actor)
            .unwrap_or_default();
        assert_eq!(used, 40);
        assert!(ledger
            .admit(key(), "2026-12", 100, 10, now, actor)
            .is_some());
        // 20 of 25 held: a third call of 10 does not fit.
        assert!(ledger
            .admit(key(), "2026-12", 100, 10, now, actor)
            .is_none());
        ledger.settle(slice, 10, 4);
        ledger.settle(slice, 10, 6);
        let flushes =
            ledger.take_flushes(now, chrono::Duration::minutes(1), Duration::from_secs(60));
        assert_eq!(flushes.len(), 1);
        assert_eq!((flushes[0].spent, flushes[0].from_lease), (10, 10));
        assert!(!flushes[0].give_back);
        // Nothing twice.
        assert!(ledger
            .take_flushes(now, chrono::Duration::minutes(1), Duration::from_secs(60))
            .is_empty());
        // What is left of the lease (25 - 10) admits again.
        assert!(ledger
            .admit(key(), "2026-12", 100, 15, now, actor)
            .is_some());
    }

    #[test]
    fn a_new_month_a_new_limit_or_an_expired_lease_retires_the_slice() {
        let ledger = BudgetLedger::default();
        let now = Utc::now();
        let actor = Uuid::nil();
        let later = now + chrono::Duration::minutes(5);
        for (period, limit, at) in [
            ("2027-01", 100, now),
            ("2026-12", 50, now),
            ("2026-12", 100, later),
        ] {
            ledger.add_lease(
                key(),
                None,
                false,
                "2026-12",
                100,
                Uuid::new_v4(),
                50,
                0,
                later,
            );
            assert!(
                ledger.admit(key(), period, limit, 1, at, actor).is_none(),
                "{period} {limit}"
            );
            // Retired and unused: given back at the next flush, and gone.
            let flushes =
                ledger.take_flushes(now, chrono::Duration::minutes(1), Duration::from_secs(60));
            assert!(flushes.iter().all(|f| f.give_back), "{flushes:?}");
        }
        assert!(ledger.is_empty());
    }
}
