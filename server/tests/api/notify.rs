//! Two instances on one PostgreSQL database act as one service: a
//! change made through instance A (a user's keys, the admin's key policy, a user's sessions) is
//! honoured by instance B on B's next call, and the counters (login throttle, the system key's
//! per-user limit, invite use) hold whichever instance a request lands on. PostgreSQL only:
//! skipped when it is not reachable, required under `CI=true`.
//!
//! What "on B's next call" means here, honestly: A answers only once the change and its
//! notification are committed (and, normally, once its own listener got the notification back,
//! which PostgreSQL hands to every listener at the same commit). B's listener still applies it
//! asynchronously, so before B's next call each test polls B's listener, in process and without
//! a request to B, for at most 2 s, until B has applied the notification; the call that follows
//! must see the change. Independently of that wait, what B's mock provider received is the
//! witness: after a key change was answered, B never sent the old key, in any request.
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseBackend, Statement};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

/// Instance A and instance B: one database, one master key, one JWT secret, a mock provider
/// each.
struct Pair {
    a: TestApp,
    b: TestApp,
}

/// Starts A and B together on a fresh PostgreSQL database, both listening; `None` when
/// PostgreSQL is not reachable here.
async fn pair(configure: fn(Spawn) -> Spawn) -> Option<Pair> {
    let mut apps = instances_on_one_database(2, configure).await?;
    let (b, a) = (apps.pop(), apps.pop());
    let pair = Pair {
        a: a.expect("instance A"),
        b: b.expect("instance B"),
    };
    wait_listening(&pair.a).await;
    wait_listening(&pair.b).await;
    Some(pair)
}

fn listener_state(app: &TestApp) -> String {
    app.state
        .notifications
        .health()
        .expect("a listener on PostgreSQL")
        .state
}

async fn wait_listening(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while listener_state(app) != "listening" {
        assert!(Instant::now() < deadline, "the listener never connected");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// How many changes from other instances `app` has applied so far.
fn applied(app: &TestApp) -> u64 {
    app.state.notifications.received()
}

/// Polls B's listener (no request to B) until it has applied more than `before` changes: the
/// notification is committed before A answers, but delivered to B asynchronously.
async fn wait_applied(b: &TestApp, before: u64) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while applied(b) <= before {
        assert!(
            Instant::now() < deadline,
            "B did not receive the change notification within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn hello() -> Value {
    json!({"messages": [{"role": "user", "content": "Say hello"}]})
}

/// One AI call through `app`; the key its mock provider received for it.
async fn chat_key(app: &TestApp, token: &str) -> Option<String> {
    let before = app.chat_requests().len();
    let r = app.post("/api/ai/chat", token, hello()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sent = app.chat_requests();
    assert_eq!(sent.len(), before + 1, "one provider call per AI call");
    sent.last().and_then(|r| r.api_key.clone())
}

/// Every key B's mock provider received in chat requests from index `from` on.
fn keys_sent_since(b: &TestApp, from: usize) -> Vec<Option<String>> {
    b.chat_requests()
        .into_iter()
        .skip(from)
        .map(|r| r.api_key)
        .collect()
}

/// Makes a change through A (`change` answers 200) and waits until B has applied it.
async fn change_on_a(pair: &Pair, what: &str, change: impl std::future::Future<Output = Response>) {
    let before = applied(&pair.b);
    let r = change.await;
    assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.text);
    wait_applied(&pair.b, before).await;
}

#[tokio::test]
async fn key_changes_on_a_are_honoured_by_b_on_its_next_call() {
    let Some(pair) = pair(|s| s).await else {
        return;
    };
    let Pair { a, b } = &pair;
    let token = a.register("kim@example.com").await;
    let user = a.user_id(&token).await;

    // K1 saved through A; B's call sends K1 and keeps it in B's key cache.
    let k1 = groq_key("one");
    assert_eq!(a.save_groq_key(&token, &k1).await.status, StatusCode::OK);
    assert_eq!(chat_key(b, &token).await.as_deref(), Some(k1.as_str()));
    assert!(b.state.key_cache.cached(user), "B caches the resolved key");

    // (a) Replaced by K2 through A: B's next call sends K2.
    let k2 = groq_key("two");
    let from = b.chat_requests().len();
    change_on_a(&pair, "replace", a.save_groq_key(&token, &k2)).await;
    assert!(!b.state.key_cache.cached(user), "B dropped the old key");
    assert_eq!(chat_key(b, &token).await.as_deref(), Some(k2.as_str()));

    // (c) Turned off through A: B's next call is on the system key; on again: K2 again.
    let off = json!({"use_personal_ai_key": false});
    let put = |body: Value| a.put("/api/v1/profile/ai-settings", &token, body);
    change_on_a(&pair, "turn off", put(off)).await;
    assert_eq!(chat_key(b, &token).await.as_deref(), Some(SYSTEM_KEY));
    change_on_a(&pair, "turn on", put(json!({"use_personal_ai_key": true}))).await;
    assert_eq!(chat_key(b, &token).await.as_deref(), Some(k2.as_str()));

    // (b) Deleted through A: B's next call never sends it (the system key pays).
    let deleted_at = b.chat_requests().len();
    let delete = a.delete("/api/v1/profile/ai-settings", &token);
    change_on_a(&pair, "delete", delete).await;
    assert_eq!(chat_key(b, &token).await.as_deref(), Some(SYSTEM_KEY));
    assert_eq!(chat_key(b, &token).await.as_deref(), Some(SYSTEM_KEY));

    // The witness: once a change was answered, B never sent the key it replaced.
    let after_replace = keys_sent_since(b, from);
    assert!(
        !after_replace.contains(&Some(k1.clone())),
        "B sent the replaced key K1: {after_replace:?}"
    );
    let after_delete = keys_sent_since(b, deleted_at);
    assert!(
        !after_delete.contains(&Some(k2.clone())),
        "B sent the deleted key K2: {after_delete:?}"
    );
    // A key never reaches a log, on either instance.
    let logs = captured_logs();
    assert!(!logs.contains(&k1) && !logs.contains(&k2));
}

#[tokio::test]
async fn policy_and_session_changes_on_a_are_honoured_by_b() {
    let Some(pair) = pair(|s| s).await else {
        return;
    };
    let Pair { a, b } = &pair;
    let admin = a.register("root@example.com").await;
    let token = a.register("lee@example.com").await;
    let user = a.user_id(&token).await;

    // (d) B serves Lee on the system key (cached); the admin requires personal keys through A.
    assert_eq!(chat_key(b, &token).await.as_deref(), Some(SYSTEM_KEY));
    assert!(b.state.key_cache.cached(user));
    let calls = b.chat_requests().len();
    let require = json!({"require_personal_key": true});
    let policy = a.put("/api/v1/admin/settings", &admin, require);
    change_on_a(&pair, "policy", policy).await;
    let refused = b.post("/api/ai/chat", &token, hello()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.body["error"], "API key required");
    assert_eq!(b.chat_requests().len(), calls, "B called no provider");

    // (e) Logout everywhere through A: the old token is refused by B on its next request.
    let second = login(b, "lee@example.com").await;
    assert_eq!(
        b.get("/api/v1/auth/me", &token).await.status,
        StatusCode::OK
    );
    assert_eq!(
        b.get("/api/v1/auth/me", &second).await.status,
        StatusCode::OK
    );
    let logout = a.request(Method::POST, "/api/v1/auth/logout-all", Some(&token), None);
    change_on_a(&pair, "logout everywhere", logout).await;
    for old in [&token, &second] {
        let me = b.get("/api/v1/auth/me", old).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.text);
    }

    // A password change through A ends the other sessions on B too; its new token works on B.
    let current = login(b, "lee@example.com").await;
    let other = login(a, "lee@example.com").await;
    assert_eq!(
        b.get("/api/v1/auth/me", &other).await.status,
        StatusCode::OK
    );
    let before = applied(b);
    let changed = a
        .put(
            "/api/v1/auth/password",
            &current,
            json!({"current_password": "correct horse battery", "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    wait_applied(b, before).await;
    assert_eq!(
        b.get("/api/v1/auth/me", &other).await.status,
        StatusCode::UNAUTHORIZED
    );
    let fresh = changed.body["token"].as_str().expect("a new token");
    assert_eq!(b.get("/api/v1/auth/me", fresh).await.status, StatusCode::OK);
}

/// A session token for an account registered with the harness's password.
async fn login(app: &TestApp, email: &str) -> String {
    let r = try_login(app, email, "correct horse battery").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["token"].as_str().expect("token").to_owned()
}

async fn try_login(app: &TestApp, email: &str, password: &str) -> Response {
    let body = json!({"email": email, "password": password});
    app.request(Method::POST, "/api/v1/auth/login", None, Some(body))
        .await
}

async fn register_with(app: &TestApp, email: &str, invite: &str) -> Response {
    let body = json!({"email": email, "password": "correct horse battery", "name": "Invitee", "invite": invite});
    app.request(Method::POST, "/api/v1/auth/register", None, Some(body))
        .await
}

fn counted(spawn: Spawn) -> Spawn {
    spawn
        .env("HIREKEY_REGISTRATION", "invite")
        .env("HIREKEY_SYSTEM_KEY_CALLS_PER_MINUTE", "2")
}

#[tokio::test]
async fn counters_hold_across_instances() {
    let Some(pair) = pair(counted).await else {
        return;
    };
    let Pair { a, b } = &pair;
    let apps = [a, b];
    let admin = a.register("root@example.com").await;

    // Invite use: one invite, two registrations at once, one through each instance.
    let invite = a.post("/api/v1/admin/invites", &admin, json!({})).await;
    assert_eq!(invite.status, StatusCode::CREATED, "{}", invite.text);
    let code = invite.body["token"].as_str().expect("invite token");
    let (on_a, on_b) = tokio::join!(
        register_with(a, "first@example.com", code),
        register_with(b, "second@example.com", code)
    );
    let created: Vec<&Response> = [&on_a, &on_b]
        .into_iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert_eq!(created.len(), 1, "{} / {}", on_a.text, on_b.text);
    let token = created[0].body["token"].as_str().expect("token").to_owned();
    let email = created[0].body["user"]["email"].as_str().expect("email");
    let refused = if on_a.status == StatusCode::CREATED {
        &on_b
    } else {
        &on_a
    };
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.body["error"], "Invite required");

    // The system key's limit (2 a minute here), calls alternating A, B, A, B: refused from
    // the third on, as on one instance (`ai::system_key_is_rate_limited_per_user`).
    let mut statuses = Vec::new();
    for i in 0..4 {
        let r = apps[i % 2].post("/api/ai/chat", &token, hello()).await;
        statuses.push(r.status);
    }
    let ok = StatusCode::OK;
    let limited = StatusCode::TOO_MANY_REQUESTS;
    assert_eq!(statuses, [ok, ok, limited, limited]);

    // Login throttle: ten wrong passwords alternating between A and B, then even the right
    // one waits, on both (`security::login_is_throttled_per_email_and_per_ip`).
    for i in 0..10 {
        let r = try_login(apps[i % 2], email, "wrong password!").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    for app in apps {
        let r = try_login(app, email, "correct horse battery").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    }
}

#[tokio::test]
async fn healthz_shows_the_listener_which_reconnects_after_losing_its_connection() {
    let Some(pair) = pair(|s| s).await else {
        return;
    };
    let Pair { a, b } = &pair;
    // (g) Listening, in the detailed answer only: the probe's answer stays `{"status":"ok"}`.
    let plain = health(b, "/healthz").await;
    assert_eq!(plain.body, json!({"status": "ok"}));
    let detail = health(b, "/healthz?detail=true").await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(
        detail.body["notifications"]["state"], "listening",
        "{}",
        detail.text
    );
    assert_eq!(detail.body["notifications"]["reconnects"], 0);

    // B's listener connection is cut: B reconnects by itself, and changes made on A reach B
    // again.
    let admin = Database::connect(postgres_admin_url().expect("PostgreSQL"))
        .await
        .expect("connect");
    let name = format!("hirekey-listener-{}", b.state.notifications.instance());
    let cut = admin
        .query_all(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            [name.into()],
        ))
        .await
        .expect("terminate B's listener");
    assert_eq!(cut.len(), 1, "B has one listener connection");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let h = health(b, "/healthz?detail=true").await;
        let n = &h.body["notifications"];
        if n["state"] == "listening" && n["reconnects"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "B did not reconnect: {}", h.text);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let token = a.register("ray@example.com").await;
    let key = groq_key("three");
    assert_eq!(chat_key(b, &token).await.as_deref(), Some(SYSTEM_KEY));
    change_on_a(&pair, "save", a.save_groq_key(&token, &key)).await;
    assert_eq!(chat_key(b, &token).await.as_deref(), Some(key.as_str()));
    let h = health(b, "/healthz?detail=true").await;
    assert!(
        h.body["notifications"]["p99_latency_ms"].is_number(),
        "{}",
        h.text
    );
}

async fn health(app: &TestApp, path: &str) -> Response {
    app.request(Method::GET, path, None, None).await
}

db_test!(
    the_detailed_health_check_shows_the_listener_on_postgresql_only,
    |app: TestApp| async move {
        let h = health(&app, "/healthz?detail=true").await;
        assert_eq!(h.status, StatusCode::OK, "{}", h.text);
        let listener = &h.body["notifications"];
        match app.kind {
            DbKind::Sqlite => assert!(listener.is_null(), "{}", h.text),
            DbKind::Postgres => assert!(listener["state"].is_string(), "{}", h.text),
        }
    }
);

/// A member removed through A loses the workspace on B at their next request, though B had
/// their membership cached a moment before; a role changed through A holds on B too.
#[tokio::test]
async fn a_member_removed_on_a_loses_the_workspace_on_b() {
    let Some(pair) = pair(|s| s).await else {
        return;
    };
    let owner = pair.a.register("team-owner@example.com").await;
    let member = pair.a.register("team-member@example.com").await;
    let r = pair
        .a
        .post("/api/v1/workspaces", &owner, json!({"name": "Shared"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let team = r.body["id"].as_str().unwrap().to_owned();
    let r = pair
        .a
        .post(
            &format!("/api/v1/workspaces/{team}/invites"),
            &owner,
            json!({"email": "team-member@example.com", "role": "recruiter"}),
        )
        .await;
    let token = r.body["token"].as_str().unwrap().to_owned();
    let r = pair
        .a
        .post("/api/v1/workspaces/join", &member, json!({"token": token}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list_on_b = |token: String| {
        let b = &pair.b;
        let team = team.clone();
        async move {
            let res = b
                .http
                .get(format!("{}/api/v1/candidates", b.url))
                .bearer_auth(token)
                .header("X-Workspace-Id", team)
                .send()
                .await
                .unwrap();
            into_response(res).await
        }
    };
    // B caches the membership.
    let r = list_on_b(member.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Demoted to viewer on A: B refuses an upload-like change at once.
    let member_id = pair.a.user_id(&member).await;
    let before = applied(&pair.b);
    let r = pair
        .a
        .request(
            Method::PATCH,
            &format!("/api/v1/workspaces/{team}/members/{member_id}"),
            Some(&owner),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    wait_applied(&pair.b, before).await;
    let r = pair
        .b
        .http
        .post(format!("{}/api/v1/ai/search", pair.b.url))
        .bearer_auth(&member)
        .header("X-Workspace-Id", &team)
        .json(&json!({"query": "anyone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Removed on A: 404 on B.
    let before = applied(&pair.b);
    let r = pair
        .a
        .delete(
            &format!("/api/v1/workspaces/{team}/members/{member_id}"),
            &owner,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    wait_applied(&pair.b, before).await;
    let r = list_on_b(member).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

/// The team key and its limit across two instances: the workspace's limit trips at the same
/// count whichever instance the calls land on, and a team key removed through A is no longer
/// sent by B, which had it cached.
#[tokio::test]
async fn the_team_key_and_its_limit_hold_across_instances() {
    let Some(pair) = pair(|s| s).await else {
        return;
    };
    let owner = pair.a.register("limit-owner@example.com").await;
    let member = pair.a.register("limit-member@example.com").await;
    let r = pair
        .a
        .post("/api/v1/workspaces", &owner, json!({"name": "Limited"}))
        .await;
    let team = r.body["id"].as_str().unwrap().to_owned();
    let r = pair
        .a
        .post(
            &format!("/api/v1/workspaces/{team}/invites"),
            &owner,
            json!({"email": "limit-member@example.com", "role": "recruiter"}),
        )
        .await;
    let invite = r.body["token"].as_str().unwrap().to_owned();
    let r = pair
        .a
        .post("/api/v1/workspaces/join", &member, json!({"token": invite}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let team_key = groq_key("valid");
    let r = pair
        .a
        .put(
            &format!("/api/v1/workspaces/{team}/ai-settings"),
            &owner,
            json!({"api_key": team_key}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    async fn chat(app: &TestApp, member: &str, team: &str) -> Response {
        in_ws(
            app,
            Method::POST,
            "/api/v1/ai/chat",
            member,
            team,
            Some(json!({"query_text": "Who knows Rust?"})),
        )
        .await
    }
    // B caches the team key (no limit yet), then the owner sets one through A.
    let r = chat(&pair.b, &member, &team).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = applied(&pair.b);
    let r = pair
        .a
        .request(
            Method::PATCH,
            &format!("/api/v1/workspaces/{team}"),
            Some(&owner),
            Some(json!({"team_calls_per_minute": 3})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    wait_applied(&pair.b, before).await;
    for app in [&pair.a, &pair.b, &pair.a] {
        let r = chat(app, &member, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = chat(&pair.b, &member, &team).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert_eq!(r.body["error"], "Team rate limit reached");
    let r = chat(&pair.a, &member, &team).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);

    // Removed through A: B falls back to the system key and never sends the team key again.
    let before = applied(&pair.b);
    let r = pair
        .a
        .delete(&format!("/api/v1/workspaces/{team}/ai-settings"), &owner)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sent_before = pair.b.chat_requests().len();
    wait_applied(&pair.b, before).await;
    let r = chat(&pair.b, &member, &team).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let after: Vec<_> = pair
        .b
        .chat_requests()
        .into_iter()
        .skip(sent_before)
        .collect();
    assert!(!after.is_empty());
    assert!(after
        .iter()
        .all(|r| r.api_key.as_deref() == Some(SYSTEM_KEY)));
}
