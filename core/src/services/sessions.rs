//! Sessions that can be ended. Every user has a session generation (`users.session_generation`)
//! and every token carries the generation it was issued under; raising the generation ends
//! every token issued before (logout everywhere, a password change).
//!
//! Each authenticated request compares its token's generation with the user's. So that the hot
//! path pays no query, the current generation is kept per user for at most
//! [`GENERATION_CACHE_TTL`]; a change made by this instance replaces its entry at once, and
//! publishes a change notification (`services::notify`) in the transaction of the bump, on
//! which every other instance drops its entry. On PostgreSQL the entries are used only while
//! the instance's notification listener is connected.

use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::{
    entities::users,
    error::{ServiceError, ServiceResult},
    services::notify::{self, Change, Published},
    state::AppState,
};

pub use crate::state::sessions::{GenerationCache, GENERATION_CACHE_TTL};

/// The user's generation from the database; 401 when the account is gone.
async fn load(state: &AppState, user_id: Uuid) -> ServiceResult<i64> {
    let epoch = state.sessions.epoch();
    let generation = users::Entity::find_by_id(user_id)
        .select_only()
        .column(users::Column::SessionGeneration)
        .into_tuple::<i64>()
        .one(&state.db)
        .await?
        .ok_or(ServiceError::Unauthorized)?;
    state.sessions.put_read(user_id, generation, epoch);
    Ok(generation)
}

/// 401 unless a token of `generation` is still a session of the user: its generation is the
/// user's current one.
pub async fn ensure_current(state: &AppState, user_id: Uuid, generation: i64) -> ServiceResult<()> {
    let cached = state
        .notifications
        .caches_trusted()
        .then(|| state.sessions.get(user_id))
        .flatten();
    let current = match cached {
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
/// others), publishes the change to the other instances in it, and answers the new generation.
/// Once it is committed, call [`remember`] and then [`Published::delivered`].
pub(crate) async fn bump(
    state: &AppState,
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> ServiceResult<(i64, Published)> {
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
    let generation = users::Entity::find_by_id(user_id)
        .select_only()
        .column(users::Column::SessionGeneration)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .ok_or(ServiceError::Unauthorized)?;
    let published = notify::publish(state, db, Change::Session { user_id }).await?;
    Ok((generation, published))
}

/// Puts a committed generation in this instance's cache, so older tokens stop at once here.
pub(crate) fn remember(state: &AppState, user_id: Uuid, generation: i64) {
    state.sessions.put(user_id, generation);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_raced_a_drop_is_not_cached() {
        let cache = GenerationCache::default();
        let user = Uuid::new_v4();
        // Read begins (epoch taken), the entry is dropped meanwhile, then the read lands.
        let epoch = cache.epoch();
        cache.forget(user);
        cache.put_read(user, 1, epoch);
        assert_eq!(cache.get(user), None);
        // A read that began after the drop is kept.
        let epoch = cache.epoch();
        cache.put_read(user, 2, epoch);
        assert_eq!(cache.get(user), Some(2));
    }
}
