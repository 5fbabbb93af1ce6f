use hirekey_core::entities::audit_events;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

fn hello() -> Value {
    json!({"messages": [{"role": "user", "content": "Say hello"}]})
}

db_test!(
    personal_key_then_system_key_then_none,
    |app: TestApp| async move {
        let token = app.register("nina@example.com").await;
        let key = groq_key("valid");
        app.save_groq_key(&token, &key).await;

        let r = app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["message"]["content"], "Mock answer to: Say hello");
        assert_eq!(r.body["meta"]["key_source"], "personal");
        assert!(r
            .headers
            .get("server-timing")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("hirekey;dur="));
        let sent = app.chat_requests().pop().unwrap();
        assert_eq!(sent.api_key.as_deref(), Some(key.as_str()));
        assert_eq!(sent.model.as_deref(), Some("llama-3.1-8b-instant"));
        assert!(sent.path.starts_with("/openai/v1/"));

        // The user's chosen model goes with their key.
        app.put(
            "/api/v1/profile/ai-settings",
            &token,
            json!({"model": "llama-3.3-70b-versatile"}),
        )
        .await;
        app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(
            app.chat_requests().pop().unwrap().model.as_deref(),
            Some("llama-3.3-70b-versatile")
        );

        // Toggle off: the system key and the system model.
        app.put(
            "/api/v1/profile/ai-settings",
            &token,
            json!({"use_personal_ai_key": false}),
        )
        .await;
        let r = app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(r.body["meta"]["key_source"], "system");
        let sent = app.chat_requests().pop().unwrap();
        assert_eq!(sent.api_key.as_deref(), Some(SYSTEM_KEY));
        assert_eq!(sent.model.as_deref(), Some("llama-3.3-70b-versatile"));

        let rows = app.wait_for_usage_rows(3).await;
        let personal = rows.iter().find(|r| r.key_source == "personal").unwrap();
        assert_eq!(personal.provider, "groq");
        assert_eq!(personal.feature, "chat");
        assert_eq!(personal.status, "ok");
        assert!(personal.prompt_tokens > 0 && personal.completion_tokens > 0);
        assert!(personal.remaining_requests.is_some() && personal.limit_requests == Some(14400));
        assert!(rows.iter().any(|r| r.key_source == "system"));
    }
);

db_test!(
    no_key_at_all_is_403,
    |s: Spawn| s.without_system_key(),
    |app: TestApp| async move {
        let token = app.register("oscar@example.com").await;
        for (path, body) in [
            ("/api/ai/chat", hello()),
            (
                "/api/ai/code-completion",
                json!({"code": "fn main() {", "language": "rust"}),
            ),
            (
                "/api/ai/generate-code",
                json!({"prompt": "fizzbuzz", "language": "python"}),
            ),
        ] {
            let r = app.post(path, &token, body).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.text);
            assert_eq!(r.body["error"], "API key required");
            assert!(r.body["message"]
                .as_str()
                .unwrap()
                .contains("API key in settings"));
        }
        assert!(app.chat_requests().is_empty());
        assert_eq!(
            app.get("/api/v1/profile/ai-settings", &token).await.body["key_source"],
            "none"
        );
    }
);

db_test!(
    require_personal_key_turns_off_the_fallback,
    |s: Spawn| s.env("HIREKEY_REQUIRE_PERSONAL_KEY", "true"),
    |app: TestApp| async move {
        let token = app.register("peggy@example.com").await;
        let r = app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.body["error"], "API key required");
        let key = groq_key("valid");
        app.save_groq_key(&token, &key).await;
        let r = app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            app.chat_requests().pop().unwrap().api_key.as_deref(),
            Some(key.as_str())
        );
    }
);

db_test!(expired_key_is_not_used, |app: TestApp| async move {
    let token = app.register("quinn@example.com").await;
    let key = groq_key("valid");
    let r = app
        .put("/api/v1/profile/ai-settings", &token, json!({"personal_groq_api_key": key, "use_personal_ai_key": true, "expires_in_days": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["expires_at"].is_string());
    let past = app
        .put(
            "/api/v1/profile/ai-settings",
            &token,
            json!({"expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);

    app.post("/api/ai/chat", &token, hello()).await;
    assert_eq!(
        app.chat_requests().pop().unwrap().api_key.as_deref(),
        Some(key.as_str())
    );
    app.clock().advance(chrono::Duration::days(2));
    let r = app.post("/api/ai/chat", &token, hello()).await;
    assert_eq!(r.body["meta"]["key_source"], "system");
    assert_eq!(
        app.chat_requests().pop().unwrap().api_key.as_deref(),
        Some(SYSTEM_KEY)
    );
    app.post("/api/ai/chat", &token, hello()).await;
    let settings = app.get("/api/v1/profile/ai-settings", &token).await;
    assert_eq!(settings.body["expired"], true);
    let uid = app.user_id(&token).await;
    let expired_events = audit_events::Entity::find()
        .filter(audit_events::Column::UserId.eq(uid))
        .filter(audit_events::Column::Event.eq("expired"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(expired_events.len(), 1, "the expired event is written once");
});

db_test!(provider_faults_are_mapped, |app: TestApp| async move {
    let cases = [
        (
            "invalid",
            StatusCode::UNPROCESSABLE_ENTITY,
            "Your Groq API key was rejected",
        ),
        (
            "ratelimit",
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limited by Groq, try again in 7s",
        ),
        ("nocredit", StatusCode::PAYMENT_REQUIRED, "no credit"),
        ("fail500", StatusCode::BAD_GATEWAY, "failed with status 500"),
        (
            "slow",
            StatusCode::GATEWAY_TIMEOUT,
            "did not answer in time",
        ),
    ];
    for (i, (tag, status, message)) in cases.into_iter().enumerate() {
        let token = app.register(&format!("fault{i}@example.com")).await;
        let key = groq_key(tag);
        app.store_key_directly(&token, "groq", &key).await;
        let r = app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(r.status, status, "{tag}: {}", r.text);
        assert!(
            r.body["message"].as_str().unwrap().contains(message),
            "{tag}: {}",
            r.text
        );
        assert!(r.body["error"].is_string());
        assert!(!r.text.contains(&key));
        if tag == "ratelimit" {
            assert_eq!(r.headers.get("retry-after").unwrap(), "7");
        }
    }
    // The server keeps serving.
    let token = app.register("after@example.com").await;
    app.save_groq_key(&token, &groq_key("valid")).await;
    assert_eq!(
        app.post("/api/ai/chat", &token, hello()).await.status,
        StatusCode::OK
    );
    let rows = app.wait_for_usage_rows(6).await;
    assert!(rows.iter().any(|r| r.status == "invalid_key"));
    assert!(rows.iter().any(|r| r.status == "timeout"));
});

async fn chat_events(app: &TestApp, token: &str, body: Value) -> Vec<(String, String)> {
    let (status, events) = sse_events(app, token, "/api/ai/chat", body).await;
    assert_eq!(status, StatusCode::OK);
    events
}

db_test!(
    streaming_in_order_and_cut_streams,
    |app: TestApp| async move {
        let token = app.register("rita@example.com").await;
        app.save_groq_key(&token, &groq_key("valid")).await;
        let events = chat_events(
            &app,
            &token,
            json!({"messages": [{"role": "user", "content": "stream me please"}], "stream": true}),
        )
        .await;
        assert_eq!(events.first().unwrap().0, "meta");
        assert_eq!(events.last().unwrap().1, "[DONE]");
        let text: String = events
            .iter()
            .filter(|(e, _)| e == "message")
            .filter_map(|(_, d)| serde_json::from_str::<Value>(d).ok())
            .filter_map(|v| v["token"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(text, "Mock answer to: stream me please");
        assert!(events.iter().any(|(e, _)| e == "done"));
        // The events' bodies, byte for byte: keys in the order they always had.
        let meta = &events.first().unwrap().1;
        assert!(
            meta.starts_with(r#"{"key_source":"personal","model":""#)
                && meta.ends_with(r#"","provider":"groq"}"#),
            "{meta}"
        );
        let done = &events.iter().find(|(e, _)| e == "done").unwrap().1;
        assert!(
            done.starts_with(r#"{"usage":{"completion_tokens":"#)
                && done.contains(r#","prompt_tokens":"#),
            "{done}"
        );
        let first_token = &events.iter().find(|(e, _)| e == "message").unwrap().1;
        assert!(first_token.starts_with(r#"{"token":""#), "{first_token}");
        assert!(app.chat_requests().pop().unwrap().stream);

        let cut = app.register("sam@example.com").await;
        app.store_key_directly(&cut, "groq", &groq_key("cutstream"))
            .await;
        let events = chat_events(&app, &cut, json!({"messages": [{"role": "user", "content": "one two three four five six seven eight"}], "stream": true})).await;
        let error = events
            .iter()
            .find(|(e, _)| e == "error")
            .expect("an error event");
        let body: Value = serde_json::from_str(&error.1).unwrap();
        assert_eq!(body["error"], "Stream interrupted");
        assert!(body["message"].as_str().unwrap().contains("cut off"));
        assert!(
            events.iter().any(|(e, _)| e == "message"),
            "what arrived before the cut is kept"
        );
        // The server keeps serving.
        assert_eq!(
            app.post("/api/ai/chat", &token, hello()).await.status,
            StatusCode::OK
        );
        let rows = app.wait_for_usage_rows(3).await;
        assert!(rows.iter().any(|r| r.status == "stream_cut"));
    }
);

db_test!(
    system_key_is_rate_limited_per_user,
    |s: Spawn| s.env("HIREKEY_SYSTEM_KEY_CALLS_PER_MINUTE", "2"),
    |app: TestApp| async move {
        let token = app.register("tom@example.com").await;
        // Calls land in one minute window unless the test straddles a minute boundary; retry once.
        let mut limited = None;
        for _ in 0..4 {
            let r = app.post("/api/ai/chat", &token, hello()).await;
            if r.status == StatusCode::TOO_MANY_REQUESTS {
                limited = Some(r);
                break;
            }
        }
        let r = limited.expect("the third call in a minute is refused");
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains("add your own API key"),
            "{}",
            r.text
        );
        assert!(r.headers.get("retry-after").is_some());
        // A personal key is not limited by Hirekey.
        app.save_groq_key(&token, &groq_key("valid")).await;
        for _ in 0..3 {
            assert_eq!(
                app.post("/api/ai/chat", &token, hello()).await.status,
                StatusCode::OK
            );
        }
    }
);

db_test!(code_endpoints, |app: TestApp| async move {
    let token = app.register("uma@example.com").await;
    let r = app
        .post(
            "/api/ai/code-completion",
            &token,
            json!({"code": "def add(a, b):\n    ", "language": "python", "cursor": 20}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["completion"].is_string());
    let r = app
        .post(
            "/api/ai/generate-code",
            &token,
            json!({"prompt": "fizzbuzz", "language": "python"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["code"].as_str().unwrap().contains("fizzbuzz"));
    let r = app
        .post(
            "/api/ai/generate-code",
            &token,
            json!({"prompt": " ", "language": "python"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post("/api/ai/chat", &token, json!({"messages": []}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows = app.wait_for_usage_rows(2).await;
    assert!(rows.iter().any(|r| r.feature == "code_completion"));
    assert!(rows.iter().any(|r| r.feature == "code_generation"));
});

db_test!(usage_and_audit_endpoints, |app: TestApp| async move {
    let token = app.register("vera@example.com").await;
    let key = groq_key("valid");
    app.save_groq_key(&token, &key).await;
    for _ in 0..3 {
        assert_eq!(
            app.post("/api/ai/chat", &token, hello()).await.status,
            StatusCode::OK
        );
    }
    app.put(
        "/api/v1/profile/ai-settings",
        &token,
        json!({"use_personal_ai_key": false}),
    )
    .await;
    app.post("/api/ai/chat", &token, hello()).await;
    app.wait_for_usage_rows(4).await;
    let u = app.get("/api/v1/profile/usage?days=7", &token).await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.text);
    assert_eq!(u.body["total_calls"], 4);
    assert_eq!(u.body["total_errors"], 0);
    assert_eq!(u.body["per_day"].as_array().unwrap().len(), 7);
    assert_eq!(
        u.body["per_day"].as_array().unwrap().last().unwrap()["calls"],
        4
    );
    let by_source = u.body["by_key_source"].as_array().unwrap();
    let personal = by_source.iter().find(|b| b["name"] == "personal").unwrap();
    assert_eq!(personal["calls"], 3);
    assert_eq!(
        by_source.iter().find(|b| b["name"] == "system").unwrap()["calls"],
        1
    );
    assert!(u.body["prompt_tokens"].as_u64().unwrap() > 0);
    assert_eq!(u.body["headroom"]["provider"], "groq");
    assert_eq!(u.body["headroom"]["limit_requests"], 14400);
    // Another user sees none of it.
    let other = app.register("walt@example.com").await;
    assert_eq!(
        app.get("/api/v1/profile/usage", &other).await.body["total_calls"],
        0
    );

    let audit = app.get("/api/v1/profile/audit", &token).await;
    let events: Vec<&str> = audit
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events.first(),
        Some(&"disabled"),
        "newest first: {events:?}"
    );
    assert!(events.contains(&"created"));
    assert!(!audit.text.contains(&key));
    assert!(app
        .get("/api/v1/profile/audit", &other)
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
});

db_test!(
    switching_provider_needs_no_re_entry,
    |app: TestApp| async move {
        let token = app.register("xena@example.com").await;
        let groq = groq_key("valid");
        let openrouter = openrouter_key();
        app.save_groq_key(&token, &groq).await;
        let r = app.put("/api/v1/profile/ai-settings", &token, json!({"provider": "openrouter", "personal_groq_api_key": openrouter, "use_personal_ai_key": true})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["provider"], "openrouter");
        assert_eq!(r.body["providers"].as_array().unwrap().len(), 2);
        app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(
            app.chat_requests().pop().unwrap().api_key.as_deref(),
            Some(openrouter.as_str())
        );
        // Back to Groq with no key in the request: the stored Groq key is used again.
        let r = app
            .put(
                "/api/v1/profile/ai-settings",
                &token,
                json!({"provider": "groq"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["provider"], "groq");
        assert_eq!(r.body["has_personal_key"], true);
        app.post("/api/ai/chat", &token, hello()).await;
        let sent = app.chat_requests().pop().unwrap();
        assert_eq!(sent.api_key.as_deref(), Some(groq.as_str()));
        assert!(sent.path.starts_with("/openai/v1/"));
        let providers: Vec<_> = r.body["providers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["provider"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            providers.contains(&"groq".to_owned()) && providers.contains(&"openrouter".to_owned())
        );
        assert!(!r.text.contains(&groq) && !r.text.contains(&openrouter));
    }
);

db_test!(
    a_key_change_takes_effect_on_the_very_next_call,
    |app: TestApp| async move {
        // Resolved keys are cached for a few seconds; every change must drop the entry.
        let token = app.register("kai@example.com").await;
        let sent_key = || app.chat_requests().pop().and_then(|r| r.api_key);
        let first = groq_key("valid");
        app.save_groq_key(&token, &first).await;
        for _ in 0..2 {
            let r = app.post("/api/ai/chat", &token, hello()).await;
            assert_eq!(r.body["meta"]["key_source"], "personal", "{}", r.text);
            assert_eq!(sent_key().as_deref(), Some(first.as_str()));
        }

        let second = groq_key("valid");
        app.save_groq_key(&token, &second).await;
        app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(sent_key().as_deref(), Some(second.as_str()), "replaced");

        app.put(
            "/api/v1/profile/ai-settings",
            &token,
            json!({"use_personal_ai_key": false}),
        )
        .await;
        let r = app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(r.body["meta"]["key_source"], "system", "turned off");
        assert_eq!(sent_key().as_deref(), Some(SYSTEM_KEY));

        app.put(
            "/api/v1/profile/ai-settings",
            &token,
            json!({"use_personal_ai_key": true}),
        )
        .await;
        app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(sent_key().as_deref(), Some(second.as_str()), "turned on");

        app.delete("/api/v1/profile/ai-settings", &token).await;
        let r = app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(r.body["meta"]["key_source"], "system", "deleted");
        assert_eq!(sent_key().as_deref(), Some(SYSTEM_KEY));

        // An expiry passing mid-cache: the next call no longer uses the key.
        let third = groq_key("valid");
        app.put(
            "/api/v1/profile/ai-settings",
            &token,
            json!({"personal_groq_api_key": third, "use_personal_ai_key": true, "expires_in_days": 1}),
        )
        .await;
        app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(sent_key().as_deref(), Some(third.as_str()));
        app.clock().advance(chrono::Duration::days(2));
        let r = app.post("/api/ai/chat", &token, hello()).await;
        assert_eq!(
            r.body["meta"]["key_source"], "system",
            "expired: {}",
            r.text
        );
        assert_eq!(sent_key().as_deref(), Some(SYSTEM_KEY));
    }
);
