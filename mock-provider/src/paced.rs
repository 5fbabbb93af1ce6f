//! Keys containing `rpm30`: limited as a Groq free-tier key is, to [`PACED_LIMIT`] requests per
//! fixed window, with the real figures in the `x-ratelimit-*` headers and a 429 with
//! `retry-after` once the window is spent.
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::{lock, MockState};

/// Requests per window of a key containing `rpm30`.
pub const PACED_LIMIT: u32 = 30;
/// The window of a key containing `rpm30`, unless set otherwise.
pub const PACED_WINDOW: Duration = Duration::from_secs(60);
/// A paced key's standing after a request.
pub(crate) struct Paced {
    pub(crate) admitted: bool,
    pub(crate) remaining: u32,
    pub(crate) reset: Duration,
}

impl MockState {
    /// Sets the window of keys containing `rpm30` (tests shorten it).
    pub fn set_paced_window(&self, window: Duration) {
        self.inner
            .window_ms
            .store(window.as_millis().max(1) as u64, Ordering::Relaxed);
    }

    fn paced_window(&self) -> Duration {
        match self.inner.window_ms.load(Ordering::Relaxed) {
            0 => PACED_WINDOW,
            ms => Duration::from_millis(ms),
        }
    }

    /// How many requests were refused with a 429 for going over a paced key's limit.
    pub fn paced_rejections(&self) -> u64 {
        self.inner.paced_rejections.load(Ordering::Relaxed)
    }

    /// Counts a request of a paced key in its fixed window.
    pub(crate) fn take_paced(&self, key: &str) -> Paced {
        let window = self.paced_window();
        let now = std::time::Instant::now();
        let mut windows = lock(&self.inner.windows);
        let (started, used) = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(*started) >= window {
            *started = now;
            *used = 0;
        }
        let reset = window.saturating_sub(now.duration_since(*started));
        if *used >= PACED_LIMIT {
            self.inner.paced_rejections.fetch_add(1, Ordering::Relaxed);
            return Paced {
                admitted: false,
                remaining: 0,
                reset,
            };
        }
        *used += 1;
        Paced {
            admitted: true,
            remaining: PACED_LIMIT - *used,
            reset,
        }
    }
}

/// A paced key's `x-ratelimit-*` headers: its real limit, what is left and when the window
/// resets, as Groq writes durations (`12.5s`).
pub(crate) fn paced_headers(standing: &Paced) -> HeaderMap {
    let pairs = [
        ("x-ratelimit-limit-requests", PACED_LIMIT.to_string()),
        (
            "x-ratelimit-remaining-requests",
            standing.remaining.to_string(),
        ),
        (
            "x-ratelimit-reset-requests",
            format!("{:.2}s", standing.reset.as_secs_f64()),
        ),
        ("x-ratelimit-limit-tokens", "1000000".to_owned()),
        ("x-ratelimit-remaining-tokens", "1000000".to_owned()),
        (
            "x-ratelimit-reset-tokens",
            format!("{:.2}s", standing.reset.as_secs_f64()),
        ),
    ];
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    headers
}
