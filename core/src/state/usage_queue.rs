//! The queue of `ai_usage` rows and the background task that writes them in batches, so an AI
//! call never waits on the database (`services::ai` fills it; `services::usage` reads the rows).
use std::time::Duration;

use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::mpsc;

use crate::entities::ai_usage;

/// The sending side of the queue.
#[derive(Clone)]
pub struct UsageRecorder {
    tx: mpsc::Sender<ai_usage::ActiveModel>,
}

impl UsageRecorder {
    /// Starts the writer task.
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, mut rx) = mpsc::channel::<ai_usage::ActiveModel>(10_000);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(256);
            while let Some(first) = rx.recv().await {
                batch.push(first);
                // Gather whatever else is queued, briefly, to write it in one statement.
                let deadline = tokio::time::sleep(Duration::from_millis(20));
                tokio::pin!(deadline);
                while batch.len() < 256 {
                    tokio::select! {
                        row = rx.recv() => match row { Some(r) => batch.push(r), None => break },
                        _ = &mut deadline => break,
                    }
                }
                let rows = std::mem::take(&mut batch);
                if let Err(e) = ai_usage::Entity::insert_many(rows)
                    .exec_without_returning(&db)
                    .await
                {
                    tracing::warn!(error = %e, "could not write usage rows");
                }
            }
        });
        Self { tx }
    }

    pub fn record(&self, row: ai_usage::ActiveModel) {
        if self.tx.try_send(row).is_err() {
            tracing::warn!("usage queue full; one usage row dropped");
        }
    }
}
