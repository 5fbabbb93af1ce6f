//! Hirekey's server: the REST API and its OpenAPI document, start-up, the CLI and the worker
//! entry, serving the Leptos app beside the API. What requests do lives in `hirekey_core`.
pub mod cli;
pub mod http;
pub mod serve;
pub mod startup;
pub mod telemetry;

pub use hirekey_core::{config, entities, error, providers, services, session, state, vault};
