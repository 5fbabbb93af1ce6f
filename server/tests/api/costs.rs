//! What AI calls cost, and budgets that hold: prices (shipped, the operator's file, OpenRouter's
//! own), the cost of each call to the micro-dollar, unknown costs that stay unknown, the 80 %
//! warning, 402 before anything is sent, analyses that wait for a raised budget, and 20 calls
//! racing at a budget's edge on two instances.
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

/// A price file: Groq's default model at $10 000 per million prompt tokens (a cent a token)
/// and nothing for answers, so a call's cost is its prompt, which the test chooses.
fn price_file() -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("price file");
    std::io::Write::write_all(
        &mut file,
        br#"{"prices": [
          {"provider": "groq", "model": "llama-3.1-8b-instant", "input_usd_per_mtok": 10000,
           "output_usd_per_mtok": 0, "source": "test tariff", "as_of": "2026-12-01"}
        ]}"#,
    )
    .expect("write price file");
    file
}

fn with_prices(spawn: Spawn) -> Spawn {
    // Kept for the life of the test binary: the configuration reads it at start-up only.
    let file = Box::leak(Box::new(price_file()));
    spawn.env("HIREKEY_PRICES_FILE", &file.path().display().to_string())
}

/// `POST /api/ai/chat` with one user message.
async fn chat(app: &TestApp, token: &str, text: &str) -> Response {
    app.post(
        "/api/ai/chat",
        token,
        json!({"messages": [{"role": "user", "content": text}]}),
    )
    .await
}

/// `words` one-letter words: the mock bills a token per word, and Hirekey's worst case for a
/// prompt is a token per two bytes, so actual and worst case nearly agree.
fn words(n: usize) -> String {
    "a ".repeat(n).trim_end().to_owned()
}

/// Waits until the budget's spend has settled at `at_least` dollars.
async fn settled(app: &TestApp, token: &str, path: &str, at_least: f64) -> Value {
    for _ in 0..200 {
        let r = app.get(path, token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.body["spent_usd"].as_f64().unwrap_or(0.0) >= at_least - 1e-9 {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the budget's spend never reached {at_least}");
}

db_test!(
    a_call_costs_its_tokens_times_the_price_and_an_unknown_price_stays_unknown,
    |app: TestApp| async move {
        let token = app.register("cost@example.com").await;
        let r = app.save_groq_key(&token, &groq_key("cost")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        let r = chat(&app, &token, "What does this cost me?").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body["meta"]["budget_warning"].is_null(), "{}", r.text);
        let prompt = r.body["meta"]["usage"]["prompt_tokens"]
            .as_i64()
            .unwrap_or(-1);
        let completion = r.body["meta"]["usage"]["completion_tokens"]
            .as_i64()
            .unwrap_or(-1);
        assert!(prompt > 0 && completion > 0, "{}", r.text);
        // Groq's llama-3.1-8b-instant: $0.05 per million prompt tokens, $0.08 per million
        // answer tokens (the shipped table), rounded to the micro-dollar.
        let expected = (prompt * 50_000 + completion * 80_000 + 500_000) / 1_000_000;
        let rows = app.wait_for_usage_rows(1).await;
        let row = rows
            .iter()
            .find(|r| r.feature == "chat")
            .expect("the chat's row");
        assert_eq!(row.cost_micro_usd, Some(expected));

        // A model nobody prices: its cost is unknown, never 0.
        let r = app
            .put(
                "/api/v1/profile/ai-settings",
                &token,
                json!({"model": "llama-9-unpriced"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = chat(&app, &token, "And this one?").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let rows = app.wait_for_usage_rows(2).await;
        let unpriced = rows
            .iter()
            .find(|r| r.model == "llama-9-unpriced")
            .expect("the unpriced call's row");
        assert_eq!(unpriced.cost_micro_usd, None);

        let usage = app.get("/api/v1/profile/usage?days=7", &token).await;
        assert_eq!(usage.status, StatusCode::OK, "{}", usage.text);
        let u = &usage.body;
        assert_eq!(u["unpriced_calls"], 1, "{}", usage.text);
        assert!((u["cost_usd"].as_f64().unwrap_or(-1.0) - expected as f64 / 1e6).abs() < 1e-12);
        let by_model = u["by_model"].as_array().expect("by_model");
        let model = |name: &str| {
            by_model
                .iter()
                .find(|m| m["name"] == name)
                .cloned()
                .unwrap_or(Value::Null)
        };
        assert!(
            model("llama-9-unpriced")["cost_usd"].is_null(),
            "{}",
            usage.text
        );
        assert_eq!(model("llama-9-unpriced")["unpriced_calls"], 1);
        assert!(model("llama-3.1-8b-instant")["cost_usd"].as_f64().is_some());
        let today = u["per_day"].as_array().and_then(|d| d.last()).cloned();
        assert_eq!(today.map(|d| d["unpriced_calls"].clone()), Some(json!(1)));
        assert!(u["budget"].is_null());

        // The admin sees each user's month.
        let users = app.get("/api/v1/admin/users", &token).await;
        assert_eq!(users.status, StatusCode::OK, "{}", users.text);
        assert_eq!(users.body[0]["month_unpriced_calls"], 1, "{}", users.text);
        assert!(users.body[0]["month_cost_usd"].as_f64().is_some());
    }
);

db_test!(
    a_budget_warns_at_eighty_percent_once_and_stops_calls_at_its_limit,
    with_prices,
    |app: TestApp| async move {
        let token = app.register("budget@example.com").await;
        let r = app.save_groq_key(&token, &groq_key("budget")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        // Each call: 100 prompt tokens at a cent = $1.00; its worst case is (199 + 1) / 2 + 8
        // = 108 tokens, $1.08. A budget of $5: four calls leave $1, under the 80 % mark.
        let r = app
            .put(
                "/api/v1/profile/budget",
                &token,
                json!({"monthly_usd": 5.0}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["monthly_usd"], 5.0);
        assert_eq!(r.body["spent_usd"], 0.0);
        let text = words(100);
        for i in 1..=3 {
            let r = chat(&app, &token, &text).await;
            assert_eq!(r.status, StatusCode::OK, "call {i}: {}", r.text);
            assert!(r.body["meta"]["budget_warning"].is_null(), "{}", r.text);
            settled(&app, &token, "/api/v1/profile/budget", i as f64).await;
        }
        // The fourth call reaches $4.00, 80 %: the warning is given once, in the audit trail.
        let r = chat(&app, &token, &text).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let budget = settled(&app, &token, "/api/v1/profile/budget", 4.0).await;
        assert_eq!(budget["warning"], true, "{budget}");
        assert_eq!(budget["exceeded"], false);
        for _ in 0..100 {
            if app
                .audit_events(&token)
                .await
                .contains(&"budget_warning".to_owned())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let events = app.audit_events(&token).await;
        assert_eq!(
            events.iter().filter(|e| *e == "budget_warning").count(),
            1,
            "{events:?}"
        );
        let usage = app.get("/api/v1/profile/usage", &token).await;
        assert_eq!(usage.body["budget"]["monthly_usd"], 5.0, "{}", usage.text);
        assert_eq!(usage.body["budget"]["spent_usd"], 4.0);
        assert!(usage.body["budget"]["resets_at"].as_str().is_some());

        // $1 left, a worst case of $1.08: refused before anything is sent.
        app.mock.clear();
        let r = chat(&app, &token, &text).await;
        assert_eq!(r.status, StatusCode::PAYMENT_REQUIRED, "{}", r.text);
        assert_eq!(r.body["error"], "Budget exceeded");
        let message = r.body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("your monthly budget for your own API keys")
                && message.contains("$5.00")
                && message.contains("resets on"),
            "{message}"
        );
        assert!(app.chat_requests().is_empty(), "the mock was called");

        // An upload is stored; its analysis waits, pending, with the reason.
        let resume = format!(
            "Jane Budget\njane@example.com\nRust engineer\n{}",
            words(120)
        );
        let r = upload_text(&app, &token, &resume).await;
        assert!(r.status.is_success(), "{}", r.text);
        let id = r.body["id"].as_str().expect("candidate id").to_owned();
        assert_eq!(r.body["analysis_status"], "pending", "{}", r.text);
        assert!(
            r.body["analysis_error"]
                .as_str()
                .is_some_and(|e| e.contains("Budget exceeded")),
            "{}",
            r.text
        );
        assert!(app.chat_requests().is_empty(), "the mock was called");
        // The 80 % warning is not given twice in the month.
        let events = app.audit_events(&token).await;
        assert_eq!(events.iter().filter(|e| *e == "budget_warning").count(), 1);

        // Raising the budget lets the waiting analysis run.
        let r = app
            .put(
                "/api/v1/profile/budget",
                &token,
                json!({"monthly_usd": 50.0}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let mut status = Value::Null;
        for _ in 0..200 {
            let c = app.get(&format!("/api/v1/candidates/{id}"), &token).await;
            status = c.body["analysis_status"].clone();
            if status == "done" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(status, "done");
        // With room again, a call is answered, without a warning: far below 80 % of $50.
        let r = chat(&app, &token, "hello").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body["meta"]["budget_warning"].is_null());
    }
);

db_test!(
    a_call_above_eighty_percent_carries_the_warning,
    with_prices,
    |app: TestApp| async move {
        let token = app.register("warned@example.com").await;
        app.save_groq_key(&token, &groq_key("warned")).await;
        let r = app
            .put(
                "/api/v1/profile/budget",
                &token,
                json!({"monthly_usd": 10.0}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = chat(&app, &token, &words(800)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        settled(&app, &token, "/api/v1/profile/budget", 8.0).await;
        let r = chat(&app, &token, "hi").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let warning = r.body["meta"]["budget_warning"]
            .as_str()
            .unwrap_or_default();
        assert!(warning.contains("$8.00 of $10.00"), "{}", r.text);
        // Removing the budget removes the warning.
        let r = app
            .put(
                "/api/v1/profile/budget",
                &token,
                json!({"monthly_usd": null}),
            )
            .await;
        assert!(r.body["monthly_usd"].is_null(), "{}", r.text);
        let r = chat(&app, &token, "hi").await;
        assert!(r.body["meta"]["budget_warning"].is_null(), "{}", r.text);
        // Nonsense budgets are refused.
        for bad in [json!({"monthly_usd": -1}), json!({"monthly_usd": 1e12})] {
            let r = app.put("/api/v1/profile/budget", &token, bad).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        }
    }
);

db_test!(
    budgets_on_the_team_key_and_the_system_key_are_set_by_owners_and_admins,
    with_prices,
    |app: TestApp| async move {
        let admin = app.register("boss@example.com").await;
        let member = app.register("member@example.com").await;
        let member_id = app.user_id(&member).await;
        // The admin's budget on the member's use of the system key: $0 stops it at once.
        let path = format!("/api/v1/admin/users/{member_id}/budget");
        let r = app.put(&path, &member, json!({"monthly_usd": 0})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = app.put(&path, &admin, json!({"monthly_usd": 0})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .put(
                &format!("/api/v1/admin/users/{}/budget", uuid::Uuid::new_v4()),
                &admin,
                json!({"monthly_usd": 1}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        // The system model (llama-3.3-70b-versatile) is priced by the shipped table.
        let r = chat(&app, &member, "hi").await;
        assert_eq!(r.status, StatusCode::PAYMENT_REQUIRED, "{}", r.text);
        assert!(
            r.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("shared system key")),
            "{}",
            r.text
        );
        // The admin's own calls are not held by it.
        let r = chat(&app, &admin, "hi").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        // A team: only its owner sets the team key's budget; members read it.
        let ws = app
            .post("/api/v1/workspaces", &admin, json!({"name": "Budgeted"}))
            .await;
        assert_eq!(ws.status, StatusCode::CREATED, "{}", ws.text);
        let ws_id = ws.body["id"].as_str().expect("workspace id").to_owned();
        let path = format!("/api/v1/workspaces/{ws_id}/budget");
        let r = app.put(&path, &member, json!({"monthly_usd": 1})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        let r = app.put(&path, &admin, json!({"monthly_usd": 0.5})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["monthly_usd"], 0.5);
        let r = app.get(&path, &admin).await;
        assert_eq!(r.body["monthly_usd"], 0.5, "{}", r.text);
    }
);

db_test!(
    the_usage_roll_up_adds_up_what_the_rows_say,
    with_prices,
    |app: TestApp| async move {
        let token = app.register("rollup@example.com").await;
        let r = app.save_groq_key(&token, &groq_key("rollup")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        for text in ["one", "two words", "three more words"] {
            let r = chat(&app, &token, text).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let rows = app.wait_for_usage_rows(3).await;
        let summary = app.get("/api/v1/profile/usage?days=7", &token).await;
        assert_eq!(summary.status, StatusCode::OK, "{}", summary.text);
        assert_eq!(summary.body["total_calls"], 3, "{}", summary.text);
        let tokens: i64 = rows
            .iter()
            .map(|r| i64::from(r.prompt_tokens + r.completion_tokens))
            .sum();
        assert_eq!(
            summary.body["prompt_tokens"].as_i64().unwrap_or(0)
                + summary.body["completion_tokens"].as_i64().unwrap_or(0),
            tokens
        );
        let cost: i64 = rows.iter().filter_map(|r| r.cost_micro_usd).sum();
        let shown = summary.body["cost_usd"].as_f64().unwrap_or(-1.0);
        assert!(
            (shown - cost as f64 / 1e6).abs() < 1e-9,
            "{shown} vs {cost}"
        );
        // The p95 of three calls is the slowest, read from its bucket: never below it, at
        // most 12.5 % above.
        let slowest = rows.iter().map(|r| r.latency_ms).max().unwrap_or(0) as u64;
        let p95 = summary.body["p95_latency_ms"].as_u64().unwrap_or(u64::MAX);
        assert!(
            p95 >= slowest && p95 <= slowest + slowest / 8 + 1,
            "{p95} vs {slowest}"
        );
        // Rebuilt from the rows alone (as the migration fills it), the roll-up says the same.
        migration::rebuild_usage_rollup(&app.state.db)
            .await
            .expect("rebuild");
        let again = app.get("/api/v1/profile/usage?days=7", &token).await;
        assert_eq!(again.body, summary.body);
        let admin = app.get("/api/v1/admin/usage?days=7", &token).await;
        assert_eq!(admin.status, StatusCode::OK, "{}", admin.text);
        assert_eq!(admin.body["total_calls"], 3, "{}", admin.text);
    }
);

/// 20 calls at once against a budget with room for five calls' worst case: at most six reach
/// a provider, and what they settle at stays within the budget plus one call.
async fn race(apps: &[TestApp]) {
    let token = apps[0].register("racer@example.com").await;
    let r = apps[0].save_groq_key(&token, &groq_key("racer")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // 400 words: $4.00 a call, a worst case of (799 + 1) / 2 + 8 = 408 tokens, $4.08.
    let text = words(400);
    let worst = 4.08;
    let r = apps[0]
        .put(
            "/api/v1/profile/budget",
            &token,
            json!({"monthly_usd": 5.5 * worst}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for app in apps {
        app.mock.clear();
    }
    let calls = (0..20).map(|i| {
        let app = &apps[i % apps.len()];
        let token = token.clone();
        let text = text.clone();
        async move { chat(app, &token, &text).await.status }
    });
    let statuses = futures::future::join_all(calls).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::PAYMENT_REQUIRED)
        .count();
    assert_eq!(ok + refused, 20, "{statuses:?}");
    let sent: usize = apps.iter().map(|a| a.chat_requests().len()).sum();
    assert!((1..=6).contains(&sent), "{sent} calls reached the mock");
    assert_eq!(sent, ok);
    let budget = settled(&apps[0], &token, "/api/v1/profile/budget", 4.0 * ok as f64).await;
    let spent = budget["spent_usd"].as_f64().unwrap_or(f64::MAX);
    assert!(spent <= 5.5 * worst + worst, "spent {spent}");
    // Nothing stays held once the calls are settled.
    use sea_orm::EntityTrait;
    for _ in 0..100 {
        let held = hirekey_core::entities::budget_reservations::Entity::find()
            .all(&apps[0].state.db)
            .await
            .expect("reservations");
        if held.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("reservations were left after every call settled");
}

#[tokio::test]
async fn twenty_calls_at_the_edge_of_a_budget_on_one_instance_stay_within_it() {
    let app = with_prices(Spawn::new(DbKind::Sqlite))
        .start()
        .await
        .expect("sqlite app");
    race(std::slice::from_ref(&app)).await;
}

#[tokio::test]
async fn twenty_calls_at_the_edge_of_a_budget_on_two_instances_stay_within_it() {
    let Some(apps) = instances_on_one_database(2, with_prices).await else {
        return;
    };
    race(&apps).await;
}

/// A budget lowered on one instance stops calls there at once, and on another instance (which
/// holds a lease on it and caches the limit) within two seconds; its unused lease is given back.
#[tokio::test]
async fn a_budget_lowered_on_one_instance_holds_on_the_other_within_seconds() {
    let Some(apps) = instances_on_one_database(2, with_prices).await else {
        return;
    };
    let (a, b) = (&apps[0], &apps[1]);
    let token = a.register("lowered@example.com").await;
    let r = a.save_groq_key(&token, &groq_key("lowered")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let budget = |usd: f64| json!({"monthly_usd": usd});
    let r = a.put("/api/v1/profile/budget", &token, budget(100.0)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Both instances take a lease and answer.
    for app in [a, b] {
        let r = chat(app, &token, "hi").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = a.put("/api/v1/profile/budget", &token, budget(0.0)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = chat(a, &token, "hi").await;
    assert_eq!(r.status, StatusCode::PAYMENT_REQUIRED, "{}", r.text);
    let started = std::time::Instant::now();
    loop {
        let r = chat(b, &token, "hi").await;
        if r.status == StatusCode::PAYMENT_REQUIRED {
            break;
        }
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the other instance still admitted calls after two seconds"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The leases are given back once idle.
    use sea_orm::EntityTrait;
    for _ in 0..120 {
        let held = hirekey_core::entities::budget_reservations::Entity::find()
            .all(&a.state.db)
            .await
            .expect("reservations");
        if held.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("a lease was kept after the budget was lowered");
}

db_test!(
    a_reservation_its_instance_never_settled_expires,
    with_prices,
    |app: TestApp| async move {
        use hirekey_core::services::budgets::{self, BudgetKey, Scope};
        let token = app.register("crash@example.com").await;
        let user = app.user_id(&token).await;
        let r = app
            .put(
                "/api/v1/profile/budget",
                &token,
                json!({"monthly_usd": 2.0}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let key = BudgetKey {
            scope: Scope::Personal,
            subject: user,
        };
        let price = app
            .state
            .config
            .prices
            .get(
                hirekey_core::providers::Provider::Groq,
                "llama-3.1-8b-instant",
            )
            .cloned();
        // A reservation of $1.50, as a call on an instance that then dies would leave.
        let held = budgets::reserve(&app.state, key, price.as_ref(), |_| 1_500_000).await;
        assert!(matches!(held, Ok(Some(_))), "{held:?}");
        // No room for another $1.50 while it is held...
        let again = budgets::reserve(&app.state, key, price.as_ref(), |_| 1_500_000).await;
        assert!(again.is_err(), "a second hold fitted");
        // ... and room again once it has expired.
        app.clock().advance(chrono::Duration::minutes(10));
        let again = budgets::reserve(&app.state, key, price.as_ref(), |_| 1_500_000).await;
        assert!(matches!(again, Ok(Some(_))), "{again:?}");
    }
);

#[tokio::test]
async fn a_price_file_with_a_bad_entry_stops_start_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("prices.json");
    std::fs::write(
        &file,
        r#"{"prices": [{"provider": "groq", "model": "m", "input_usd_per_mtok": "cheap",
            "output_usd_per_mtok": 1, "source": "s", "as_of": "2026-11-01"}]}"#,
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hirekey"))
        .arg("migrate")
        .env("HIREKEY_DATA_DIR", dir.path())
        .env("HIREKEY_PRICES_FILE", &file)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .output()
        .expect("run hirekey");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("HIREKEY_PRICES_FILE") && stderr.contains("prices.json"),
        "{stderr}"
    );

    std::fs::write(
        &file,
        r#"{"prices": [{"provider": "groq", "model": "m", "input_usd_per_mtok": -2,
            "output_usd_per_mtok": 1, "source": "s", "as_of": "2026-11-01"}]}"#,
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hirekey"))
        .arg("migrate")
        .env("HIREKEY_DATA_DIR", dir.path())
        .env("HIREKEY_PRICES_FILE", &file)
        .output()
        .expect("run hirekey");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("entry 1 (groq/m)") && stderr.contains("input_usd_per_mtok"),
        "{stderr}"
    );
}

db_test!(
    openrouter_calls_are_priced_from_openrouter_s_model_list,
    |app: TestApp| async move {
        let token = app.register("router@example.com").await;
        let r = app
            .put(
                "/api/v1/profile/ai-settings",
                &token,
                json!({"provider": "openrouter", "api_key": openrouter_key(), "model": "openai/gpt-oss-20b"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = chat(&app, &token, "priced by the router").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let prompt = r.body["meta"]["usage"]["prompt_tokens"]
            .as_i64()
            .unwrap_or(-1);
        let completion = r.body["meta"]["usage"]["completion_tokens"]
            .as_i64()
            .unwrap_or(-1);
        // The mock lists openai/gpt-oss-20b at $0.04 / $0.16 per million (Groq ships it at
        // $0.075 / $0.30): OpenRouter's own list wins for OpenRouter keys.
        let expected = (prompt * 40_000 + completion * 160_000 + 500_000) / 1_000_000;
        let rows = app.wait_for_usage_rows(1).await;
        let row = rows
            .iter()
            .find(|r| r.feature == "chat")
            .expect("the chat's row");
        assert_eq!(row.cost_micro_usd, Some(expected));
        assert!(app
            .mock
            .requests()
            .iter()
            .any(|r| r.path == "/api/v1/models" && r.api_key.is_none()));
    }
);
