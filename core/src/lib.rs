//! Hirekey's core: configuration, storage, the key vault, the provider clients and the
//! services, with the caches they fill. The pages' server functions (`app`) and the REST API
//! (`server`) both call these services; nothing here knows HTTP or the UI.
pub mod audit;
pub mod config;
pub mod entities;
pub mod error;
pub mod providers;
pub mod services;
pub mod session;
pub mod state;
pub mod vault;
