//! Hirekey's server: configuration, storage, the key vault, provider clients, services and the
//! REST API, served beside the Leptos app.
pub mod cli;
pub mod config;
pub mod entities;
pub mod error;
pub mod http;
pub mod providers;
pub mod serve;
pub mod services;
pub mod session;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod vault;
