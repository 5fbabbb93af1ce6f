//! Business logic, shared by the REST handlers and the server functions.
pub mod admin;
pub mod ai;
pub mod assistant;
pub mod budgets;
pub mod busy;
pub mod chat;
pub mod costs;

pub mod dashboard;
pub mod extract;
pub mod guide;
pub mod hiring;
pub mod invites;
pub mod keys;
pub mod notify;
pub mod pacing;
pub mod password;
pub mod policy;
pub mod rate_limit;
pub mod resumes;
pub mod screening;
pub mod search;
pub mod sessions;
pub mod text;
pub mod usage;
pub mod users;
pub mod workspaces;
