//! Sessions that can be ended. Every user has a session generation (`users.session_generation`)
//! and every token carries the generation it was issued under; raising the generation ends
//! every token issued before (logout everywhere, a password change).
//!
//! Each authenticated request compares its token's generation with the user's. So that the hot
//! path pays no query, the current generation is kept per user for at most
//! [`GENERATION_CACHE_TTL`]; a change made by this instance replaces its entry at once, and
//! another instance notices within that time.
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Instant,
};

use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::{
    entities::users,
    error::{ServiceError, ServiceResult},
    state::AppState,
};

/// How long a cached generation is trusted.
pub const GENERATION_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// Entries past which the cache is emptied, so a burst of distinct users cannot grow it
/// without limit.
const MAX_ENTRIES: usize = 50_000;

/// Each user's current session generation, as last read or written by this instance.
#[derive(Clone, Default)]
pub struct GenerationCache {
    entries: Arc<RwLock<HashMap<Uuid, CachedGeneration>>>,
}

#[derive(Clone, Copy)]
struct CachedGeneration {
    generation: i64,
    stored_at: Instant,
}

impl GenerationCache {
    fn get(&self, user_id: Uuid) -> Option<i64> {
        let entries = self.entries.read().ok()?;
        let entry = entries.get(&user_id)?;
        (entry.stored_at.elapsed() < GENERATION_CACHE_TTL).then_some(entry.generation)
    }

    /// Stores `generation` for the user. Generations only grow, so a fresh entry with a higher
    /// one wins: a read that began before a bump on this instance cannot put the old value
    /// back.
    fn put(&self, user_id: Uuid, generation: i64) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
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
        }
    }
}

/// The user's generation from the database; 401 when the account is gone.
async fn load(state: &AppState, user_id: Uuid) -> ServiceResult<i64> {
    let generation = users::Entity::find_by_id(user_id)
        .select_only()
        .column(users::Column::SessionGeneration)
        .into_tuple::<i64>()
        .one(&state.db)
        .await?
        .ok_or(ServiceError::Unauthorized)?;
    state.sessions.put(user_id, generation);
    Ok(generation)
}

/// 401 unless a token of `generation` is still a session of the user: its generation is the
/// user's current one.
pub async fn ensure_current(state: &AppState, user_id: Uuid, generation: i64) -> ServiceResult<()> {
    let current = match state.sessions.get(user_id) {
        Some(cached) if cached >= generation => cached,
        // Not cached, or a token newer than the entry: another instance raised the generation
        // within the cache's lifetime. The database decides.
        _ => load(state, user_id).await?,
    };
    if generation == current {
        Ok(())
    } else {
        Err(ServiceError::Unauthorized)
    }
}

/// Raises the user's generation by one inside `db` (a transaction, when the change goes with
/// others) and answers the new generation. Call [`remember`] once it is committed.
pub(crate) async fn bump(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<i64> {
    let updated = users::Entity::update_many()
        .col_expr(
            users::Column::SessionGeneration,
            Expr::col(users::Column::SessionGeneration).add(1),
        )
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(ServiceError::Unauthorized);
    }
    users::Entity::find_by_id(user_id)
        .select_only()
        .column(users::Column::SessionGeneration)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .ok_or(ServiceError::Unauthorized)
}

/// Puts a committed generation in this instance's cache, so older tokens stop at once here.
pub(crate) fn remember(state: &AppState, user_id: Uuid, generation: i64) {
    state.sessions.put(user_id, generation);
}
