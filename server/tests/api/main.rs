//! Hirekey's black-box tests: one binary, the real server over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;
mod manifest;
mod pdfs;

mod admin;
mod ai;
mod auth;
mod bundles;
mod candidate_list;
mod chat;
mod cluster;
mod corpus;
mod dashboard;
mod faults;
mod hidden_text;
mod hostile;
mod invites;
mod jobs;
mod keys;
mod notify;
mod outbound;
mod resumes;
mod security;
mod sessions;
mod startup;
