//! What every request handler and service shares: `AppState`, and below it the caches the
//! services fill (resolved keys, the key policy, session generations, workspace memberships), the usage queue, the
//! change listener's status and the clock. Nothing here calls a service.
pub mod budget_ledger;
pub mod clock;
pub mod keys;
pub mod listener;
pub mod memberships;
pub mod policy;
pub mod sessions;
pub mod usage_queue;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    config::Config,
    providers::{LivePrices, ProviderClient},
    session::JwtKeys,
    vault::Vault,
};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub vault: Arc<Vault>,
    pub jwt: Arc<JwtKeys>,
    pub providers: ProviderClient,
    pub usage: usage_queue::UsageRecorder,
    pub clock: clock::Clock,
    /// Bounds concurrent password hashing, so a login burst cannot starve the runtime.
    pub hashing: Arc<tokio::sync::Semaphore>,
    pub policy: policy::PolicyCache,
    pub key_cache: keys::KeyCache,
    /// Each user's session generation, for a couple of seconds (`services::sessions`).
    pub sessions: sessions::GenerationCache,
    /// Each user's workspaces and roles, for a couple of seconds (`services::workspaces`).
    pub memberships: memberships::MembershipCache,
    /// The change-notification listener that keeps the three caches above in step with the
    /// other instances on PostgreSQL (`services::notify`).
    pub notifications: listener::Notifications,
    /// This instance's leases on budgets and the calls holding from them
    /// (`services::budgets`).
    pub budget_ledger: Arc<budget_ledger::BudgetLedger>,
    /// OpenRouter's own prices, read from its model list (`services::costs`).
    pub live_prices: LivePrices,
}
