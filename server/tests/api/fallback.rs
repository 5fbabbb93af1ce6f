//! Fallback across a user's own keys, and what a provider says about a key's balance: a 429
//! goes on to the next key and the usage says so; a 401 does not; a stream falls back only
//! before its first token; an OpenRouter key's credit is shown from its `GET /api/v1/key`.
use reqwest::StatusCode;
use serde_json::json;

use crate::db_test;
use crate::helpers::*;

/// A user whose active Groq key carries `behaviour` for the mock, with a working OpenRouter
/// key behind it in the fallback order.
async fn two_keys(app: &TestApp, email: &str, behaviour: &str) -> String {
    let token = app.register(email).await;
    app.store_key_directly(&token, "openrouter", &openrouter_key())
        .await;
    app.store_key_directly(&token, "groq", &groq_key(behaviour))
        .await;
    let r = app
        .put(
            "/api/v1/profile/ai-settings/fallback",
            &token,
            json!({"providers": ["groq", "openrouter"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["fallback_providers"], json!(["groq", "openrouter"]));
    assert_eq!(r.body["provider"], "groq");
    token
}

fn chat_body(stream: bool) -> serde_json::Value {
    json!({"messages": [{"role": "user", "content": "Who fits?"}], "stream": stream})
}

/// Chat requests the mock received under OpenRouter's prefix.
fn openrouter_calls(app: &TestApp) -> usize {
    app.chat_requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .count()
}

db_test!(
    a_rate_limited_key_falls_back_to_the_next_and_the_usage_says_so,
    |app: TestApp| async move {
        let token = two_keys(&app, "fallback@example.com", "ratelimit").await;
        let r = app.post("/api/ai/chat", &token, chat_body(false)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["meta"]["provider"], "openrouter", "{}", r.text);
        assert_eq!(r.body["meta"]["key_source"], "personal");
        assert_eq!(openrouter_calls(&app), 1);

        let rows = app.wait_for_usage_rows(2).await;
        let failed = rows
            .iter()
            .find(|r| r.provider == "groq")
            .expect("groq row");
        assert_eq!(failed.status, "rate_limited");
        assert_eq!(failed.fallback_from, None);
        let answered = rows
            .iter()
            .find(|r| r.provider == "openrouter")
            .expect("openrouter row");
        assert_eq!(answered.status, "ok");
        assert_eq!(
            answered.fallback_from.as_deref(),
            Some("groq: rate_limited")
        );

        let usage = app.get("/api/v1/profile/usage", &token).await;
        assert_eq!(usage.status, StatusCode::OK, "{}", usage.text);
        let fell_back = usage.body["by_fallback"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(fell_back.len(), 1, "{}", usage.text);
        assert_eq!(fell_back[0]["name"], "groq: rate_limited");
        assert_eq!(fell_back[0]["calls"], 1);

        // A stream falls back too, before its first token: it is OpenRouter that streams.
        let (status, events) = sse_events(&app, &token, "/api/ai/chat", chat_body(true)).await;
        assert_eq!(status, StatusCode::OK);
        let meta = events
            .iter()
            .find(|(e, _)| e == "meta")
            .expect("meta event");
        assert!(meta.1.contains("openrouter"), "{events:?}");
        assert!(events.iter().any(|(e, _)| e == "done"), "{events:?}");

        // Without a fallback order, the 429 is the answer.
        let r = app
            .put(
                "/api/v1/profile/ai-settings/fallback",
                &token,
                json!({"providers": []}),
            )
            .await;
        assert_eq!(r.body["fallback_providers"], json!([]), "{}", r.text);
        let r = app.post("/api/ai/chat", &token, chat_body(false)).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    }
);

db_test!(
    a_rejected_key_does_not_fall_back,
    |app: TestApp| async move {
        let token = two_keys(&app, "rejected@example.com", "invalid").await;
        let r = app.post("/api/ai/chat", &token, chat_body(false)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.body["error"], "Invalid API key");
        assert_eq!(openrouter_calls(&app), 0);
        // No credit (402) is the user's to see too.
        let token = two_keys(&app, "broke@example.com", "nocredit").await;
        app.mock.clear();
        let r = app.post("/api/ai/chat", &token, chat_body(false)).await;
        assert_eq!(r.status, StatusCode::PAYMENT_REQUIRED, "{}", r.text);
        assert_eq!(r.body["error"], "No credit");
        assert_eq!(openrouter_calls(&app), 0);
    }
);

db_test!(
    a_stream_cut_after_its_first_token_does_not_fall_back,
    |app: TestApp| async move {
        let token = two_keys(&app, "cut@example.com", "cutstream").await;
        let (status, events) = sse_events(&app, &token, "/api/ai/chat", chat_body(true)).await;
        assert_eq!(status, StatusCode::OK);
        let meta = events
            .iter()
            .find(|(e, _)| e == "meta")
            .expect("meta event");
        assert!(meta.1.contains("groq"), "{events:?}");
        assert!(
            events.iter().any(|(e, _)| e == "message"),
            "no token before the cut: {events:?}"
        );
        assert!(events.iter().any(|(e, _)| e == "error"), "{events:?}");
        assert_eq!(openrouter_calls(&app), 0);
    }
);

db_test!(
    a_fallback_order_names_saved_keys_once,
    |app: TestApp| async move {
        let token = app.register("order@example.com").await;
        app.store_key_directly(&token, "groq", &groq_key("order"))
            .await;
        for (body, why) in [
            (json!({"providers": ["groq", "acme"]}), "Unknown provider"),
            (json!({"providers": ["groq", "groq"]}), "twice"),
            (
                json!({"providers": ["groq", "openrouter"]}),
                "no saved OpenRouter key",
            ),
        ] {
            let r = app
                .put("/api/v1/profile/ai-settings/fallback", &token, body)
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
            assert!(
                r.body["message"].as_str().unwrap_or_default().contains(why),
                "{}",
                r.text
            );
        }
        let r = app.get("/api/v1/profile/ai-settings", &token).await;
        assert_eq!(r.body["fallback_providers"], json!([]), "{}", r.text);
    }
);

db_test!(
    an_openrouter_key_test_shows_its_credit,
    |app: TestApp| async move {
        let token = app.register("credit@example.com").await;
        let r = app
            .post(
                "/api/v1/profile/ai-settings/test",
                &token,
                json!({"provider": "openrouter", "api_key": openrouter_key()}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["success"], true, "{}", r.text);
        let credit = &r.body["credit"];
        assert_eq!(
            credit["usage_usd"],
            mock_provider::KEY_CREDIT_USED,
            "{}",
            r.text
        );
        assert_eq!(credit["limit_usd"], mock_provider::KEY_CREDIT_LIMIT);
        assert_eq!(
            credit["remaining_usd"],
            mock_provider::KEY_CREDIT_LIMIT - mock_provider::KEY_CREDIT_USED
        );
        assert!(app
            .mock
            .requests()
            .iter()
            .any(|r| r.path == "/api/v1/key" && r.api_key.is_some()));
        // A Groq key has no such figures.
        let r = app
            .post(
                "/api/v1/profile/ai-settings/test",
                &token,
                json!({"provider": "groq", "api_key": groq_key("credit")}),
            )
            .await;
        assert_eq!(r.body["success"], true, "{}", r.text);
        assert!(r.body.get("credit").is_none(), "{}", r.text);
        // Nor does any of it carry the key.
        assert!(!r.text.contains("gsk_credit"));
    }
);
