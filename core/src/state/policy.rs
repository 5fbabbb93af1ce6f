//! The admin's "require a personal key" switch, cached for a few seconds (filled by
//! `services::ai`, dropped by `services::admin` and the change listener).
use std::sync::Arc;

/// Run-time switch for "require a personal key", set by an admin, cached for a few seconds so
/// AI calls do not pay a query for it. An admin's change drops it here and, through a change
/// notification (`services::notify`), on every other instance.
#[derive(Clone, Default)]
pub struct PolicyCache {
    entry: Arc<std::sync::Mutex<PolicyEntry>>,
}

#[derive(Default)]
struct PolicyEntry {
    require_personal: bool,
    loaded_at_ms: i64,
    /// Raised by every [`PolicyCache::invalidate`]: a read that began before it does not store
    /// what it read.
    epoch: u64,
}

const POLICY_TTL_MS: i64 = 2_000;

impl PolicyCache {
    pub fn invalidate(&self) {
        if let Ok(mut entry) = self.entry.lock() {
            entry.loaded_at_ms = 0;
            entry.epoch += 1;
        }
    }

    /// The cached value while fresh, else the epoch to store a fresh read under.
    pub(crate) fn get(&self, now_ms: i64) -> Result<bool, u64> {
        match self.entry.lock() {
            Ok(entry) if now_ms - entry.loaded_at_ms < POLICY_TTL_MS => Ok(entry.require_personal),
            Ok(entry) => Err(entry.epoch),
            Err(_) => Err(u64::MAX),
        }
    }

    pub(crate) fn put(&self, value: bool, now_ms: i64, epoch: u64) {
        if let Ok(mut entry) = self.entry.lock() {
            if entry.epoch == epoch {
                entry.require_personal = value;
                entry.loaded_at_ms = now_ms;
            }
        }
    }
}
