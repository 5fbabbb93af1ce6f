//! What every request handler and service shares.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::{
    config::Config,
    providers::ProviderClient,
    services::{clock::Clock, usage::UsageRecorder},
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
    pub usage: UsageRecorder,
    pub clock: Clock,
    pub leptos_options: LeptosOptions,
    /// Bounds concurrent password hashing, so a login burst cannot starve the runtime.
    pub hashing: Arc<tokio::sync::Semaphore>,
    pub policy: crate::services::ai::PolicyCache,
    pub key_cache: crate::services::ai::KeyCache,
    /// Each user's session generation, for a couple of seconds (`services::sessions`).
    pub sessions: crate::services::sessions::GenerationCache,
    /// The change-notification listener that keeps the three caches above in step with the
    /// other instances on PostgreSQL (`services::notify`).
    pub notifications: crate::services::notify::Notifications,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
