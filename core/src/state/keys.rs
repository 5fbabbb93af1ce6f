//! Resolved keys per user and workspace, cached for a few seconds (filled by `services::ai`, dropped by
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
    /// Set when the team key pays: the workspace's name (for the log line) and its limits.
    pub team: Option<TeamKey>,
}

/// What a call on a team key needs besides the key: checked on every call, cached with it.
#[derive(Clone, Debug)]
pub struct TeamKey {
    pub workspace_id: Uuid,
    pub workspace_name: String,
    pub team_calls_per_minute: Option<u32>,
    pub member_calls_per_minute: Option<u32>,
}

/// Resolved keys, per (user, workspace), for a few seconds: the hot path of an AI call then needs
/// no query and no decryption. Every change of a user's keys drops their entries, every change
/// of a team key or team limits drops the workspace's; an admin's policy change drops all; on this instance at once and on the others when the change notification arrives
/// (`services::notify`, which says how strict that is). On PostgreSQL the entries are used only
/// while this instance's notification listener is connected.
#[derive(Clone)]
pub struct KeyCache {
    entries: Arc<std::sync::Mutex<KeyEntries>>,
    /// Misses of one (user, workspace) wait for each other (`miss_lock`): when an entry expires
    /// under load, one request reads the database and decrypts, and the others then find the
    /// entry, instead of all of them at once.
    misses: Arc<[tokio::sync::Mutex<()>]>,
}

/// How many locks the misses are spread over (by a hash of the user and workspace).
const MISS_LOCKS: usize = 64;

impl Default for KeyCache {
    fn default() -> Self {
        Self {
            entries: Arc::default(),
            misses: (0..MISS_LOCKS)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }
}

#[derive(Default)]
struct KeyEntries {
    /// By (user, workspace).
    by_user: std::collections::HashMap<(Uuid, Uuid), CachedKey>,
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
        workspace_id: Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<ResolvedKey> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.by_user.get(&(user_id, workspace_id))?;
        let fresh =
            entry.stored_at.elapsed() < KEY_CACHE_TTL && entry.expires_at.is_none_or(|t| t > now);
        fresh.then(|| entry.resolved.clone())
    }

    /// The lock a miss for (user, workspace) holds while it reads and stores the key.
    pub(crate) async fn miss_lock(
        &self,
        user_id: Uuid,
        workspace_id: Uuid,
    ) -> tokio::sync::MutexGuard<'_, ()> {
        let slot =
            (user_id.as_u128() ^ workspace_id.as_u128().rotate_left(17)) as usize % MISS_LOCKS;
        self.misses[slot].lock().await
    }

    /// Whether a fresh entry for the user is held, in any workspace (for tests and diagnostics).
    pub fn cached(&self, user_id: Uuid) -> bool {
        let now = chrono::Utc::now();
        let Ok(entries) = self.entries.lock() else {
            return false;
        };
        entries.by_user.iter().any(|((user, _), entry)| {
            *user == user_id
                && entry.stored_at.elapsed() < KEY_CACHE_TTL
                && entry.expires_at.is_none_or(|t| t > now)
        })
    }

    /// The epoch a lookup starts under (before it reads the database).
    pub(crate) fn epoch(&self) -> u64 {
        self.entries.lock().map(|e| e.epoch).unwrap_or(u64::MAX)
    }

    pub(crate) fn put(
        &self,
        (user_id, workspace_id): (Uuid, Uuid),
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
                (user_id, workspace_id),
                CachedKey {
                    stored_at: Instant::now(),
                    resolved: resolved.clone(),
                    expires_at,
                },
            );
        }
    }

    /// Drops one user's entries (their keys changed).
    pub fn forget(&self, user_id: Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.by_user.retain(|(user, _), _| *user != user_id);
            entries.epoch += 1;
        }
    }

    /// Drops every member's entry in one workspace (its team key or limits changed).
    pub fn forget_workspace(&self, workspace_id: Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries
                .by_user
                .retain(|(_, workspace), _| *workspace != workspace_id);
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
