//! What the browser, the pages, the services and the REST API all speak: the wire shapes of
//! every endpoint (one module per feature), the provider table, time as the API writes it and
//! the error body. Safe for the browser build: serde, chrono, uuid and nothing else; the
//! `openapi` feature adds the schema derives the server's OpenAPI document reads.
pub mod admin;
pub mod auth;
pub mod candidates;
pub mod chat;
pub mod dashboard;
pub mod error;
pub mod profile;
pub mod provider;
pub mod time;
pub mod usage;
pub mod workspaces;

pub use error::ErrorBody;
