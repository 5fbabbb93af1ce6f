//! Each user's session generation, cached for a couple of seconds (filled and dropped by
//! `services::sessions`, dropped by the change listener).
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::Instant,
};

use uuid::Uuid;

/// How long a cached generation is trusted.
pub const GENERATION_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// Entries past which the cache is emptied, so a burst of distinct users cannot grow it
/// without limit.
const MAX_ENTRIES: usize = 50_000;

/// Each user's current session generation, as last read or written by this instance.
#[derive(Clone, Default)]
pub struct GenerationCache {
    entries: Arc<RwLock<HashMap<Uuid, CachedGeneration>>>,
    /// Raised (under the write lock) by every drop: a load that read the database before a drop
    /// it raced with does not store what it read.
    epoch: Arc<AtomicU64>,
}

#[derive(Clone, Copy)]
struct CachedGeneration {
    generation: i64,
    stored_at: Instant,
}

impl GenerationCache {
    pub(crate) fn get(&self, user_id: Uuid) -> Option<i64> {
        let entries = self.entries.read().ok()?;
        let entry = entries.get(&user_id)?;
        (entry.stored_at.elapsed() < GENERATION_CACHE_TTL).then_some(entry.generation)
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Stores a generation read from the database under `epoch`, unless an entry was dropped
    /// since.
    pub(crate) fn put_read(&self, user_id: Uuid, generation: i64, epoch: u64) {
        let Ok(entries) = self.entries.write() else {
            return;
        };
        if self.epoch() == epoch {
            Self::put_locked(entries, user_id, generation);
        }
    }

    /// Stores `generation` for the user. Generations only grow, so a fresh entry with a higher
    /// one wins: a read that began before a bump on this instance cannot put the old value
    /// back.
    pub(crate) fn put(&self, user_id: Uuid, generation: i64) {
        if let Ok(entries) = self.entries.write() {
            Self::put_locked(entries, user_id, generation);
        }
    }

    fn put_locked(
        mut entries: std::sync::RwLockWriteGuard<'_, HashMap<Uuid, CachedGeneration>>,
        user_id: Uuid,
        generation: i64,
    ) {
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        let now = Instant::now();
        let generation = match entries.get(&user_id) {
            Some(e) if e.stored_at.elapsed() < GENERATION_CACHE_TTL => e.generation.max(generation),
            _ => generation,
        };
        entries.insert(
            user_id,
            CachedGeneration {
                generation,
                stored_at: now,
            },
        );
    }

    /// Drops one user's entry.
    pub fn forget(&self, user_id: Uuid) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&user_id);
            self.epoch.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Drops every entry (the change notifications were interrupted).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
            self.epoch.fetch_add(1, Ordering::AcqRel);
        }
    }
}
