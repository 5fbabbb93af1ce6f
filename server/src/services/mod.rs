//! Business logic, shared by the REST handlers and the server functions.
pub mod admin;
pub mod ai;
pub mod audit;
pub mod chat;
pub mod clock;
pub mod dashboard;
pub mod extract;
pub mod guide;
pub mod invites;
pub mod keys;
pub mod password;
pub mod rate_limit;
pub mod resumes;
pub mod search;
pub mod sessions;
pub mod usage;
pub mod users;
