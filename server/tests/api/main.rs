//! Hirekey's black-box tests: one binary, the real server over HTTP.
// The tests drive the server from outside: their own HTTP clients, environment and literal
// request bodies (clippy.toml keeps those out of Hirekey's own crates).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods,
    clippy::disallowed_macros
)]

mod helpers;
mod manifest;
mod pdfs;

mod account_abuse;
mod admin;
mod ai;
mod auth;
mod bundles;
mod busy_uploads;
mod candidate_list;
mod chat;
mod cluster;
mod corpus;
mod costs;
mod dashboard;
mod edge;
mod fallback;
mod faults;
mod hidden_text;
mod hiring;
mod hostile;
mod invite_status;
mod invites;
mod isolation;
mod jobs;
mod key_exposure;
mod keys;
mod list_order;
mod not_a_resume;
mod notify;
mod ocr;
mod outbound;
mod privacy;
mod resumes;
mod screening;
mod security;
mod sessions;
mod startup;
mod team_key;
mod walk_pages;
mod workspace_roles;
mod workspaces;
