//! Resolved keys per user, cached for a few seconds (filled by `services::ai`, dropped by
//! `services::keys`, `services::admin` and the change listener).
use std::{sync::Arc, time::Instant};

use types::profile::KeySource;
use uuid::Uuid;

use crate::providers::Target;

/// The key a call resolved to.
#[derive(Clone, Debug)]
pub struct ResolvedKey {
    pub source: KeySource,
    pub target: Target,
}

/// Resolved keys, per user, for a few seconds: the hot path of an AI call then needs no query
/// and no decryption. Every change of a user's keys drops their entry; an admin's policy change
/// drops all; on this instance at once and on the others when the change notification arrives
/// (`services::notify`, which says how strict that is). On PostgreSQL the entries are used only
/// while this instance's notification listener is connected.
#[derive(Clone, Default)]
pub struct KeyCache {
    entries: Arc<std::sync::Mutex<KeyEntries>>,
}

#[derive(Default)]
struct KeyEntries {
    by_user: std::collections::HashMap<Uuid, CachedKey>,
    /// Raised by every drop: a lookup that read the database before a drop it raced with does
    /// not store what it read (it could be the old key).
    epoch: u64,
}

#[derive(Clone)]
struct CachedKey {
    stored_at: Instant,
    resolved: ResolvedKey,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub const KEY_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl KeyCache {
    pub(crate) fn get(
        &self,
        user_id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<ResolvedKey> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.by_user.get(&user_id)?;
        let fresh =
            entry.stored_at.elapsed() < KEY_CACHE_TTL && entry.expires_at.is_none_or(|t| t > now);
        fresh.then(|| entry.resolved.clone())
    }

    /// Whether a fresh entry for the user is held (for tests and diagnostics).
    pub fn cached(&self, user_id: Uuid) -> bool {
        self.get(user_id, chrono::Utc::now()).is_some()
    }

    /// The epoch a lookup starts under (before it reads the database).
    pub(crate) fn epoch(&self) -> u64 {
        self.entries.lock().map(|e| e.epoch).unwrap_or(u64::MAX)
    }

    pub(crate) fn put(
        &self,
        user_id: Uuid,
        resolved: &ResolvedKey,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
        epoch: u64,
    ) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.epoch != epoch {
                return;
            }
            // Bounded: a burst of distinct users cannot grow it without limit.
            if entries.by_user.len() > 50_000 {
                entries.by_user.clear();
            }
            entries.by_user.insert(
                user_id,
                CachedKey {
                    stored_at: Instant::now(),
                    resolved: resolved.clone(),
                    expires_at,
                },
            );
        }
    }

    /// Drops one user's entry (their keys changed).
    pub fn forget(&self, user_id: Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.by_user.remove(&user_id);
            entries.epoch += 1;
        }
    }

    /// Drops every entry (the key policy changed).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.by_user.clear();
            entries.epoch += 1;
        }
    }
}
