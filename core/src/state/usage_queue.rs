//! The queue of `ai_usage` rows: `services::ai` fills it, and the writer task of
//! `services::usage` (started with the server) drains it into the database in batches, so an
//! AI call never waits on the database.
use tokio::sync::mpsc;

use crate::entities::ai_usage;

/// How many rows may wait for the writer; beyond that a row is dropped (and logged).
const QUEUE: usize = 50_000;

/// The sending side of the queue.
#[derive(Clone)]
pub struct UsageRecorder {
    tx: mpsc::Sender<ai_usage::Model>,
}

impl UsageRecorder {
    /// The queue and its receiving end, for the writer.
    pub fn channel() -> (Self, mpsc::Receiver<ai_usage::Model>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Self { tx }, rx)
    }

    pub fn record(&self, row: ai_usage::Model) {
        if self.tx.try_send(row).is_err() {
            tracing::warn!("usage queue full; one usage row dropped");
        }
    }
}
