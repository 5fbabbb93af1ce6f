//! Change notifications across instances: PostgreSQL `LISTEN`/`NOTIFY` on one channel,
//! [`CHANNEL`].
//!
//! Every instance keeps four short-lived caches: the resolved key per user
//! (`ai::KeyCache`), the admin's key policy (`ai::PolicyCache`), the session generation per
//! user (`sessions::GenerationCache`) and each user's workspace memberships
//! (`state::memberships::MembershipCache`). Whatever changes what they hold publishes a [`Change`]
//! with [`publish`] inside the transaction of the change, so the notification is committed
//! with it (and not at all when it rolls back), before the response is sent. Each instance runs
//! one listener ([`spawn_listener`]) on a dedicated connection and drops the affected entries
//! on receipt. The writing instance drops its own entries directly, as it did before there were
//! notifications; on SQLite (one process) that is all there is, and [`publish`] does nothing.
//!
//! # How strict "B honours a change made on A at once" is
//!
//! PostgreSQL delivers a notification to every listening session when the transaction
//! commits, but instance B's listener reads it asynchronously. So:
//! - B trusts its caches only while its listener is connected ([`Notifications::caches_trusted`]).
//!   While it is connecting or reconnecting every lookup is a miss, and after every (re)connect
//!   all four caches are cleared, since notifications may have been missed.
//! - A cache fill that read the database before an invalidation it races with is discarded
//!   (each cache has an epoch that every drop raises), so a late fill cannot put the old value
//!   back after the notification was applied.
//! - The writer, after committing, waits (at most [`ECHO_WAIT`]) until its own listener has
//!   received its own notification ([`Published::delivered`]). PostgreSQL signals all listening
//!   sessions at the same commit, so by the time the response leaves A, B's listener has in
//!   practice received it too.
//!
//! What remains is the gap between PostgreSQL signalling B's session and B's listener task
//! applying the message. `make bench` (`benches/notify.rs`) measures publication (before the
//! commit) to B's cache drop: a few milliseconds on one host, most of it the commit itself. Closing it completely would take a database round trip on every cached
//! lookup (e.g. comparing a change counter), which is most of what the caches save; we chose the
//! caches plus the echo wait. A client that must be certain can read its own writes on the
//! instance that made them, which is exact.
use std::{sync::atomic::Ordering, time::Duration};

use chrono::Utc;
use sea_orm::{
    sqlx::{
        self,
        postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions},
        Executor as _,
    },
    ConnectionTrait, DatabaseBackend, Statement,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{error::ServiceResult, state::AppState};

/// The one notification channel.
pub const CHANNEL: &str = "hirekey_changes";

/// How long a writer waits for its own notification to come back before it answers anyway.
pub const ECHO_WAIT: Duration = Duration::from_millis(250);

/// First and longest pause between reconnection attempts (doubling in between).
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// After this long without a message, the listener checks that its connection is alive (a
/// connection that died silently would otherwise look like a quiet one for ever).
const IDLE_PROBE: Duration = Duration::from_secs(30);
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What changed, as far as another instance's caches are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A user's keys: save, replace, toggle, provider switch, model, expiry, delete.
    Keys { user_id: Uuid },
    /// The admin's "require a personal key" policy (which every cached key depends on).
    Policy,
    /// A user's session generation (logout everywhere, a password change).
    Session { user_id: Uuid },
    /// A user's workspaces: joined, removed, role changed, workspace deleted, switched.
    Membership { user_id: Uuid },
    /// A workspace's team key or team limits (the id is the workspace's).
    TeamKey { workspace_id: Uuid },
}

/// The payload on the wire: `{"c":"keys","u":"…","i":"<instance>","s":<seq>,"t":<unix µs>}`.
/// Ids only: never a key, an email or a token.
#[derive(Serialize, Deserialize)]
struct Wire {
    /// `keys`, `policy`, `session`, `membership` or `team_key`.
    c: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    u: Option<Uuid>,
    /// The sending instance.
    i: String,
    /// The sender's sequence number.
    s: u64,
    /// When it was published (inside the transaction, just before the commit), in
    /// microseconds since the epoch.
    t: i64,
}

impl Wire {
    fn change(&self) -> Option<Change> {
        match (self.c.as_str(), self.u) {
            ("keys", Some(user_id)) => Some(Change::Keys { user_id }),
            ("policy", _) => Some(Change::Policy),
            ("session", Some(user_id)) => Some(Change::Session { user_id }),
            ("membership", Some(user_id)) => Some(Change::Membership { user_id }),
            ("team_key", Some(workspace_id)) => Some(Change::TeamKey { workspace_id }),
            _ => None,
        }
    }
}

use crate::state::listener::ListenerState;
pub use crate::state::listener::{ListenerHealth, Notifications};

/// A notification sent inside a transaction; once that is committed, [`Published::delivered`]
/// waits for it to come back to this instance's listener.
#[must_use = "call `delivered` once the transaction is committed"]
pub struct Published {
    seq: Option<u64>,
}

impl Published {
    /// Waits (at most [`ECHO_WAIT`]) until this instance's listener has received the
    /// notification, i.e. PostgreSQL has handed it to every listening session. Returns at once
    /// on SQLite or while the listener is down (other instances then bypass their caches, or
    /// clear them when they reconnect).
    pub async fn delivered(self, state: &AppState) {
        let Some(seq) = self.seq else {
            return;
        };
        let notifications = &state.notifications;
        let wait = async {
            loop {
                let echoed = notifications.inner.echoed.notified();
                if notifications.echoed(seq) || !notifications.caches_trusted() {
                    return;
                }
                echoed.await;
            }
        };
        if tokio::time::timeout(ECHO_WAIT, wait).await.is_err() {
            tracing::debug!(
                seq,
                "own change notification not back yet; answering anyway"
            );
        }
    }
}

/// Publishes `change` inside `db` (the transaction of the change), so it is delivered when,
/// and only if, that commits. Nothing on SQLite.
pub async fn publish(
    state: &AppState,
    db: &impl ConnectionTrait,
    change: Change,
) -> ServiceResult<Published> {
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(Published { seq: None });
    }
    let notifications = &state.notifications;
    let seq = notifications.inner.next_seq.fetch_add(1, Ordering::Relaxed);
    let (c, u) = match change {
        Change::Keys { user_id } => ("keys", Some(user_id)),
        Change::Policy => ("policy", None),
        Change::Session { user_id } => ("session", Some(user_id)),
        Change::Membership { user_id } => ("membership", Some(user_id)),
        Change::TeamKey { workspace_id } => ("team_key", Some(workspace_id)),
    };
    let wire = Wire {
        c: c.to_owned(),
        u,
        i: notifications.inner.instance.clone(),
        s: seq,
        t: Utc::now().timestamp_micros(),
    };
    let payload = serde_json::to_string(&wire).map_err(|e| anyhow::anyhow!(e))?;
    db.execute(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHANNEL.into(), payload.into()],
    ))
    .await?;
    Ok(Published { seq: Some(seq) })
}

/// Drops every cached entry of this instance.
fn clear_caches(state: &AppState) {
    state.key_cache.clear();
    state.policy.invalidate();
    state.sessions.clear();
    state.memberships.clear();
}

/// Applies one notification's payload to this instance's caches.
fn apply(state: &AppState, payload: &str) {
    let notifications = &state.notifications;
    let Some((wire, change)) = serde_json::from_str::<Wire>(payload)
        .ok()
        .and_then(|w| w.change().map(|c| (w, c)))
    else {
        // Not ours or from a newer version: whatever it was, nothing cached is stale after this.
        tracing::warn!("unreadable change notification; clearing every cache");
        clear_caches(state);
        return;
    };
    if wire.i == notifications.inner.instance {
        // Our own: the writer dropped its entries already; it may be waiting for this.
        notifications.record_echo(wire.s);
        return;
    }
    match change {
        Change::Keys { user_id } => state.key_cache.forget(user_id),
        Change::Policy => {
            state.policy.invalidate();
            state.key_cache.clear();
        }
        Change::Session { user_id } => state.sessions.forget(user_id),
        Change::Membership { user_id } => state.memberships.forget(user_id),
        Change::TeamKey { workspace_id } => state.key_cache.forget_workspace(workspace_id),
    }
    let latency_ms = (Utc::now().timestamp_micros() - wire.t).max(0) as f64 / 1000.0;
    notifications.record_latency(latency_ms);
    tracing::debug!(?change, from = %wire.i, latency_ms, "change notification applied");
}

/// Starts this instance's listener on PostgreSQL (nothing on SQLite).
pub fn spawn_listener(state: AppState) {
    if !state.notifications.inner.enabled {
        return;
    }
    tokio::spawn(run_listener(state));
}

/// Connects, listens until the connection is lost, and again, with backoff, for ever.
async fn run_listener(state: AppState) {
    let mut backoff = BACKOFF_FIRST;
    loop {
        match tokio::time::timeout(CONNECT_TIMEOUT, connect(&state)).await {
            Ok(Ok((pool, listener))) => {
                // Anything may have changed while nobody listened.
                clear_caches(&state);
                state.notifications.set_state(ListenerState::Listening);
                tracing::info!(channel = CHANNEL, "listening for change notifications");
                backoff = BACKOFF_FIRST;
                let reason = listen(&state, listener).await;
                state.notifications.set_state(ListenerState::Reconnecting);
                clear_caches(&state);
                tracing::warn!(%reason, "change notifications lost; caches bypassed until reconnected");
                let _ = tokio::time::timeout(Duration::from_secs(1), pool.close()).await;
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "change listener cannot connect");
            }
            Err(_) => {
                tracing::warn!(
                    retry_in_ms = backoff.as_millis() as u64,
                    "change listener connection timed out"
                );
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// One dedicated connection (a pool of one, which the listener keeps), listening on
/// [`CHANNEL`], named after this instance in `pg_stat_activity`.
async fn connect(state: &AppState) -> Result<(PgPool, PgListener), sqlx::Error> {
    let options: PgConnectOptions = state.config.database_url.parse()?;
    let options = options.application_name(&format!(
        "hirekey-listener-{}",
        state.notifications.instance()
    ));
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(CONNECT_TIMEOUT)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_with(options)
        .await?;
    let mut listener = PgListener::connect_with(&pool).await?;
    // Reconnection is ours (with backoff and a cache clear), not the listener's.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok((pool, listener))
}

/// Applies notifications until the connection fails; answers why.
async fn listen(state: &AppState, mut listener: PgListener) -> String {
    loop {
        match tokio::time::timeout(IDLE_PROBE, listener.try_recv()).await {
            Ok(Ok(Some(notification))) => apply(state, notification.payload()),
            Ok(Ok(None)) => return "connection closed".to_owned(),
            Ok(Err(e)) => return e.to_string(),
            // Quiet for a while: is the connection still there? (The interrupted receive is
            // dropped between messages; a message cut in half would fail the probe, and the
            // connection is then replaced anyway.)
            Err(_) => match tokio::time::timeout(PROBE_TIMEOUT, listener.execute("SELECT 1")).await
            {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return e.to_string(),
                Err(_) => return "liveness probe timed out".to_owned(),
            },
        }
    }
}
