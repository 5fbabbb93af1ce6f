//! The change listener's status, which every request reads (whether the caches may be used)
//! and `services::notify` writes; `GET /healthz?detail=true` shows it.
use std::{
    collections::VecDeque,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
};

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Most recent delivery latencies kept for the percentiles.
const LATENCY_RING: usize = 1024;
/// Most recent own notifications seen echoed back.
const ECHO_RING: usize = 256;

/// The listener's state, shared with every request (in `AppState`).
#[derive(Clone)]
pub struct Notifications {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// On PostgreSQL; on SQLite there is no listener and the caches are always trusted.
    pub(crate) enabled: bool,
    /// This instance, on every notification it sends.
    pub(crate) instance: String,
    pub(crate) next_seq: AtomicU64,
    pub(crate) listening: AtomicBool,
    pub(crate) status: Mutex<Status>,
    pub(crate) echoed: tokio::sync::Notify,
}

pub(crate) struct Status {
    state: ListenerState,
    since: DateTime<Utc>,
    received: u64,
    reconnects: u64,
    last_latency_ms: Option<f64>,
    latencies_ms: VecDeque<f64>,
    echoes: VecDeque<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListenerState {
    Connecting,
    Listening,
    Reconnecting,
}

impl ListenerState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Listening => "listening",
            Self::Reconnecting => "reconnecting",
        }
    }
}

/// `notifications` in `GET /healthz?detail=true` (PostgreSQL only).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ListenerHealth {
    /// `listening`, `connecting` (never connected yet) or `reconnecting` (connection lost; the
    /// caches are bypassed meanwhile).
    pub state: String,
    /// When it entered that state.
    pub since: types::time::Timestamp,
    /// Changes received from other instances and applied to this one's caches.
    pub received: u64,
    /// Connections lost since start-up.
    pub reconnects: u64,
    /// From a change's publication on another instance to its caches dropped here, in ms: the
    /// last one, and the median and 99th percentile of the last 1,024.
    pub last_latency_ms: Option<f64>,
    pub p50_latency_ms: Option<f64>,
    pub p99_latency_ms: Option<f64>,
}

impl Default for Notifications {
    /// No listener (SQLite).
    fn default() -> Self {
        Self::new(false)
    }
}

impl Notifications {
    /// `postgres`: whether this instance listens (and its caches depend on the listener).
    pub fn new(postgres: bool) -> Self {
        let instance = Uuid::new_v4().simple().to_string();
        Self {
            inner: Arc::new(Inner {
                enabled: postgres,
                instance: instance.chars().take(16).collect(),
                next_seq: AtomicU64::new(1),
                listening: AtomicBool::new(false),
                status: Mutex::new(Status {
                    state: ListenerState::Connecting,
                    since: Utc::now(),
                    received: 0,
                    reconnects: 0,
                    last_latency_ms: None,
                    latencies_ms: VecDeque::with_capacity(LATENCY_RING),
                    echoes: VecDeque::with_capacity(ECHO_RING),
                }),
                echoed: tokio::sync::Notify::new(),
            }),
        }
    }

    /// Whether cached entries may be used: always on SQLite; on PostgreSQL only while the
    /// listener is connected (otherwise a change on another instance could go unnoticed).
    pub fn caches_trusted(&self) -> bool {
        !self.inner.enabled || self.inner.listening.load(Ordering::Acquire)
    }

    /// The listener's figures, or `None` on SQLite. Cheap: one short lock, never waits for the
    /// listener.
    pub fn health(&self) -> Option<ListenerHealth> {
        if !self.inner.enabled {
            return None;
        }
        let status = self.inner.status.lock().ok()?;
        let mut sorted: Vec<f64> = status.latencies_ms.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        Some(ListenerHealth {
            state: status.state.as_str().to_owned(),
            since: types::time::Timestamp(status.since),
            received: status.received,
            reconnects: status.reconnects,
            last_latency_ms: status.last_latency_ms.map(round_ms),
            p50_latency_ms: percentile(&sorted, 0.50).map(round_ms),
            p99_latency_ms: percentile(&sorted, 0.99).map(round_ms),
        })
    }

    /// The latencies behind the percentiles (ms, oldest first), for the benchmark.
    pub fn latencies_ms(&self) -> Vec<f64> {
        self.inner
            .status
            .lock()
            .map(|s| s.latencies_ms.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Changes from other instances applied so far.
    pub fn received(&self) -> u64 {
        self.inner.status.lock().map(|s| s.received).unwrap_or(0)
    }

    /// This instance's id on the wire (its listener connection's `application_name` is
    /// `hirekey-listener-<id>`).
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    pub(crate) fn set_state(&self, state: ListenerState) {
        // Cleared before the flag goes up, and the flag goes down before anything else: a
        // lookup that sees it up reads caches filled while the listener was connected.
        self.inner
            .listening
            .store(state == ListenerState::Listening, Ordering::Release);
        if let Ok(mut status) = self.inner.status.lock() {
            if state == ListenerState::Reconnecting && status.state == ListenerState::Listening {
                status.reconnects += 1;
            }
            status.state = state;
            status.since = Utc::now();
        }
    }

    pub(crate) fn record_latency(&self, latency_ms: f64) {
        if let Ok(mut status) = self.inner.status.lock() {
            status.received += 1;
            status.last_latency_ms = Some(latency_ms);
            if status.latencies_ms.len() == LATENCY_RING {
                status.latencies_ms.pop_front();
            }
            status.latencies_ms.push_back(latency_ms);
        }
    }

    pub(crate) fn record_echo(&self, seq: u64) {
        if let Ok(mut status) = self.inner.status.lock() {
            if status.echoes.len() == ECHO_RING {
                status.echoes.pop_front();
            }
            status.echoes.push_back(seq);
        }
        self.inner.echoed.notify_waiters();
    }

    pub(crate) fn echoed(&self, seq: u64) -> bool {
        self.inner
            .status
            .lock()
            .map(|s| s.echoes.contains(&seq))
            .unwrap_or(true)
    }
}

fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).copied()
}
