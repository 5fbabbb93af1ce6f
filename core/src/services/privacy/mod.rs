//! Candidates' personal data: erasure that leaves nothing behind (`erase.rs`, with `scrub.rs`
//! for chat), the export (`export.rs`), retention (`retention.rs`) and the processing log
//! (`processing.rs`). The audit chain they write to is `crate::audit`.
pub mod erase;
pub mod export;
pub mod processing;
pub mod retention;
pub mod scrub;
