//! Each user's workspaces and roles, and the workspace they last switched to, cached for a couple
//! of seconds (filled by `services::workspaces`, dropped by it on a change and by the change
//! listener when another instance makes one).
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, RwLock,
    },
    time::{Duration, Instant},
};

use types::workspaces::Role;
use uuid::Uuid;

/// How long a cached membership is trusted when no change notification says otherwise.
pub const MEMBERSHIP_CACHE_TTL: Duration = Duration::from_secs(2);

/// Entries past which the cache is emptied, so a burst of distinct users cannot grow it
/// without limit.
const MAX_ENTRIES: usize = 50_000;

/// What a user may act on: their memberships and their chosen workspace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memberships {
    /// `users.current_workspace_id`: none means the personal workspace.
    pub current: Option<Uuid>,
    pub roles: Vec<(Uuid, Role)>,
}

impl Memberships {
    pub fn role_in(&self, workspace_id: Uuid) -> Option<Role> {
        self.roles
            .iter()
            .find(|(id, _)| *id == workspace_id)
            .map(|(_, role)| *role)
    }
}

/// A user's memberships and when they were read.
type Entry = (Arc<Memberships>, Instant);

#[derive(Clone, Default)]
pub struct MembershipCache {
    entries: Arc<RwLock<HashMap<Uuid, Entry>>>,
    /// Raised (under the write lock) by every drop: a load that read the database before a drop
    /// it raced with does not store what it read.
    epoch: Arc<AtomicU64>,
}

impl MembershipCache {
    pub(crate) fn get(&self, user_id: Uuid) -> Option<Arc<Memberships>> {
        let entries = self.entries.read().ok()?;
        let (value, stored_at) = entries.get(&user_id)?;
        (stored_at.elapsed() < MEMBERSHIP_CACHE_TTL).then(|| value.clone())
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Stores what was read from the database under `epoch`, unless an entry was dropped since.
    pub(crate) fn put_read(&self, user_id: Uuid, value: Arc<Memberships>, epoch: u64) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if self.epoch() != epoch {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(user_id, (value, Instant::now()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_raced_with_a_drop_is_not_stored() {
        let cache = MembershipCache::default();
        let user = Uuid::new_v4();
        let before = cache.epoch();
        cache.forget(user);
        cache.put_read(user, Arc::new(Memberships::default()), before);
        assert!(cache.get(user).is_none());
        let now = cache.epoch();
        cache.put_read(user, Arc::new(Memberships::default()), now);
        assert!(cache.get(user).is_some());
    }
}
