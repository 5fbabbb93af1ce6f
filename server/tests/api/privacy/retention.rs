//! Retention: the workspace's period, a candidate's "keep until", the erasures due in the next
//! 14 days, and the background erasure, once, by one instance of two.
use std::time::{Duration, Instant};

use hirekey_core::audit::chain;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::json;

use super::uploaded;
use crate::db_test;
use crate::helpers::{instances_on_one_database, Spawn, TestApp};

fn days_ahead(app: &TestApp, days: i64) -> String {
    (app.clock().now() + chrono::Duration::days(days)).to_rfc3339()
}

async fn erasures_of(app: &TestApp, id: &str) -> i64 {
    let backend = app.state.db.get_database_backend();
    let row = app
        .state
        .db
        .query_one(Statement::from_string(
            backend,
            format!(
                "SELECT count(*) AS n FROM audit_events WHERE event = 'candidate_erased' AND detail LIKE '%{id}%'"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// Waits until the candidate is gone (or fails after 30 s).
async fn gone(app: &TestApp, token: &str, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = app.get(&format!("/api/v1/candidates/{id}"), token).await;
        if r.status == StatusCode::NOT_FOUND {
            return;
        }
        assert!(Instant::now() < deadline, "still there: {}", r.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

db_test!(
    settings_keep_until_and_the_due_list,
    |app: TestApp| async move {
        let token = app.register("keeper@example.com").await;
        let r = app.get("/api/v1/workspace/retention", &token).await;
        assert_eq!(r.body, json!({"retention_days": null}), "off by default");
        let r = app.get("/api/v1/retention/due", &token).await;
        assert_eq!(r.body["items"], json!([]));
        for bad in [
            json!({"retention_days": 5}),
            json!({"retention_days": 99999}),
        ] {
            let r = app.put("/api/v1/workspace/retention", &token, bad).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        }
        let r = app
            .put(
                "/api/v1/workspace/retention",
                &token,
                json!({"retention_days": 30}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let stale = uploaded(&app, &token, "Olga Stale\nClerk\nolga@example.com\n").await;
        let kept = uploaded(&app, &token, "Kurt Kept\nClerk\nkurt@example.com\n").await;
        let r = app
            .put(
                &format!("/api/v1/candidates/{kept}/retention"),
                &token,
                json!({"keep_until": days_ahead(&app, 100), "reason": "consent given"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["reason"], "consent given");
        for bad in [
            json!({"keep_until": days_ahead(&app, -1), "reason": "late"}),
            json!({"keep_until": days_ahead(&app, 10), "reason": " "}),
            json!({"keep_until": days_ahead(&app, 4000), "reason": "forever"}),
        ] {
            let r = app
                .put(&format!("/api/v1/candidates/{kept}/retention"), &token, bad)
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        }

        app.clock().advance(chrono::Duration::days(20));
        let r = app.get("/api/v1/retention/due", &token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let due: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(due, [stale.as_str()], "{}", r.text);
        assert_eq!(r.body["items"][0]["name"], "Olga Stale");
        let r = app
            .get(&format!("/api/v1/candidates/{kept}/retention"), &token)
            .await;
        assert!(
            r.body["erase_after"].as_str().unwrap() > r.body["last_activity_at"].as_str().unwrap()
        );

        // A recruiter in a team workspace may keep a candidate but not set the period.
        let ws = app
            .post("/api/v1/workspaces", &token, json!({"name": "Agency"}))
            .await;
        assert_eq!(ws.status, StatusCode::CREATED, "{}", ws.text);
        let ws_id = ws.body["id"].as_str().unwrap().to_owned();
        let recruiter = app.register("recruiter@example.com").await;
        crate::team_key::join(
            &app,
            &token,
            &ws_id,
            &recruiter,
            "recruiter@example.com",
            "recruiter",
        )
        .await;
        let r = crate::helpers::in_ws(
            &app,
            reqwest::Method::PUT,
            "/api/v1/workspace/retention",
            &recruiter,
            &ws_id,
            Some(json!({"retention_days": 40})),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert!(r.body["error"].is_string() && r.body["message"].is_string());

        let viewer_free = app.register("other@example.com").await;
        let r = app.get("/api/v1/retention/due", &viewer_free).await;
        assert_eq!(r.body["items"], json!([]), "another workspace sees nothing");
    }
);

db_test!(
    a_stale_candidate_is_erased_and_a_kept_one_survives,
    |s: Spawn| s.env("HIREKEY_RETENTION_SWEEP_SECS", "0.5"),
    |app: TestApp| async move {
        let token = app.register("sweeper@example.com").await;
        let stale = uploaded(&app, &token, "Olga Stale\nClerk\nolga@example.com\n").await;
        let kept = uploaded(&app, &token, "Kurt Kept\nClerk\nkurt@example.com\n").await;
        let r = app
            .put(
                &format!("/api/v1/candidates/{kept}/retention"),
                &token,
                json!({"keep_until": days_ahead(&app, 100), "reason": "in process"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .put(
                "/api/v1/workspace/retention",
                &token,
                json!({"retention_days": 30}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let r = app
            .get(&format!("/api/v1/candidates/{stale}"), &token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "not before its time");

        app.clock().advance(chrono::Duration::days(31));
        gone(&app, &token, &stale).await;
        assert_eq!(erasures_of(&app, &stale).await, 1);
        let r = app.get(&format!("/api/v1/candidates/{kept}"), &token).await;
        assert_eq!(r.status, StatusCode::OK, "kept until its date");
        assert_eq!(
            chain::verify(&app.state.db).await.unwrap(),
            chain::Verdict::Intact { rows: 2 },
            "the retention change and the erasure, chained"
        );
    }
);

/// Two instances on one PostgreSQL database, both sweeping every half second.
#[tokio::test]
async fn two_instances_erase_a_stale_candidate_once() {
    let Some(apps) =
        instances_on_one_database(2, |s| s.env("HIREKEY_RETENTION_SWEEP_SECS", "0.5")).await
    else {
        return;
    };
    let (a, b) = (&apps[0], &apps[1]);
    let token = a.register("twins@example.com").await;
    let mut stale = Vec::new();
    for i in 0..6 {
        stale.push(uploaded(a, &token, &format!("Person {i}\nClerk\np{i}@example.com\n")).await);
    }
    let kept = uploaded(a, &token, "Kurt Kept\nClerk\nkurt@example.com\n").await;
    let r = a
        .put(
            &format!("/api/v1/candidates/{kept}/retention"),
            &token,
            json!({"keep_until": days_ahead(a, 100), "reason": "consent given"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = a
        .put(
            "/api/v1/workspace/retention",
            &token,
            json!({"retention_days": 30}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    a.clock().advance(chrono::Duration::days(31));
    b.clock().advance(chrono::Duration::days(31));
    for id in &stale {
        gone(b, &token, id).await;
    }
    for id in &stale {
        assert_eq!(erasures_of(a, id).await, 1, "erased once: {id}");
    }
    let holders = a
        .state
        .db
        .query_all(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT count(*) AS n FROM erasure_jobs",
        ))
        .await
        .unwrap();
    let left: i64 = holders[0].try_get("", "n").unwrap();
    assert_eq!(left, 0, "every erasure job finished");
    let r = b.get(&format!("/api/v1/candidates/{kept}"), &token).await;
    assert_eq!(r.status, StatusCode::OK, "kept until its date");
    assert!(matches!(
        chain::verify(&a.state.db).await.unwrap(),
        chain::Verdict::Intact { rows: 7 }
    ));
}
