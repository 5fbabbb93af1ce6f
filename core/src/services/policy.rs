//! The key policy: whether AI calls may fall back to the system key. Off when
//! `HIREKEY_REQUIRE_PERSONAL_KEY` is set or an admin turned it off at run time (cached in
//! `state::policy`).
use sea_orm::EntityTrait;

use crate::{entities::settings, state::AppState};

/// The `settings` row of the admin's "require a personal key" switch.
pub const REQUIRE_PERSONAL_SETTING: &str = "require_personal_key";

/// Whether calls may fall back to the system key: off when `HIREKEY_REQUIRE_PERSONAL_KEY` is
/// set or an admin turned it off at run time.
pub async fn system_fallback_allowed(state: &AppState) -> bool {
    if state.config.require_personal_key {
        return false;
    }
    !require_personal_at_runtime(state).await
}

pub async fn require_personal_at_runtime(state: &AppState) -> bool {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let epoch = match state.policy.get(now_ms) {
        Ok(cached) if state.notifications.caches_trusted() => return cached,
        Ok(_) => u64::MAX,
        Err(epoch) => epoch,
    };
    let value = settings::Entity::find_by_id(REQUIRE_PERSONAL_SETTING.to_owned())
        .one(&state.db)
        .await
        .ok()
        .flatten()
        .is_some_and(|s| s.value == "true");
    state.policy.put(value, now_ms, epoch);
    value
}
