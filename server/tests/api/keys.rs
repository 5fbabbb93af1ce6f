use base64::Engine;
use hirekey_core::entities::{audit_events, provider_keys};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;

use crate::db_test;
use crate::helpers::*;

const SETTINGS: &str = "/api/v1/profile/ai-settings";

db_test!(
    save_valid_key_then_toggle_and_delete,
    |app: TestApp| async move {
        let token = app.register("grace@example.com").await;
        let empty = app.get(SETTINGS, &token).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert_eq!(empty.body["has_personal_key"], false);
        assert_eq!(empty.body["use_personal_ai_key"], false);
        assert!(
            empty.body.get("key_preview").is_none(),
            "no preview without a key: {}",
            empty.text
        );

        let key = groq_key("valid");
        let saved = app.save_groq_key(&token, &key).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        let last4 = &key[key.len() - 4..];
        assert_eq!(saved.body["key_preview"], format!("gsk_...{last4}"));
        assert!(!saved.text.contains(&key));
        // The key was tested against the provider's /models before it was stored.
        let models_calls: Vec<_> = app
            .mock
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/models"))
            .collect();
        assert_eq!(
            models_calls.last().unwrap().api_key.as_deref(),
            Some(key.as_str())
        );

        let got = app.get(SETTINGS, &token).await;
        assert_eq!(got.body["has_personal_key"], true);
        assert_eq!(got.body["use_personal_ai_key"], true);
        assert_eq!(got.body["key_preview"], format!("gsk_...{last4}"));
        assert_eq!(got.body["provider"], "groq");
        assert_eq!(got.body["key_source"], "personal");

        // Toggle off without touching the key.
        let off = app
            .put(SETTINGS, &token, json!({"use_personal_ai_key": false}))
            .await;
        assert_eq!(off.status, StatusCode::OK, "{}", off.text);
        assert_eq!(off.body["use_personal_ai_key"], false);
        assert_eq!(off.body["has_personal_key"], true);
        assert_eq!(off.body["key_preview"], format!("gsk_...{last4}"));
        assert_eq!(off.body["key_source"], "system");

        let on = app
            .put(SETTINGS, &token, json!({"use_personal_ai_key": true}))
            .await;
        assert_eq!(on.body["use_personal_ai_key"], true);

        let deleted = app.delete(SETTINGS, &token).await;
        assert_eq!(deleted.status, StatusCode::OK);
        assert_eq!(deleted.body["has_personal_key"], false);
        assert_eq!(deleted.body["use_personal_ai_key"], false);
        let after = app.get(SETTINGS, &token).await;
        assert_eq!(after.body["has_personal_key"], false);

        let uid = app.user_id(&token).await;
        let events: Vec<String> = audit_events::Entity::find()
            .filter(audit_events::Column::UserId.eq(uid))
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        for expected in ["created", "disabled", "enabled", "deleted"] {
            assert!(
                events.iter().any(|e| e == expected),
                "{expected} in {events:?}"
            );
        }
    }
);

db_test!(
    invalid_malformed_and_rate_limited_keys,
    |app: TestApp| async move {
        let token = app.register("heidi@example.com").await;
        // Rejected by the provider (401): 422 and nothing stored.
        let invalid = app.save_groq_key(&token, &groq_key("invalid")).await;
        assert_eq!(
            invalid.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            invalid.text
        );
        assert!(
            invalid.body["message"]
                .as_str()
                .unwrap()
                .contains("rejected"),
            "{}",
            invalid.text
        );
        assert_eq!(
            app.get(SETTINGS, &token).await.body["has_personal_key"],
            false
        );

        // Malformed: 422 without any network call.
        let before = app.mock.requests().len();
        let malformed = app.save_groq_key(&token, "invalid_key_123").await;
        assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(malformed.body["message"].as_str().unwrap().contains("gsk_"));
        assert_eq!(app.mock.requests().len(), before);

        // Toggle on with no key stored.
        let toggle = app
            .put(SETTINGS, &token, json!({"use_personal_ai_key": true}))
            .await;
        assert_eq!(toggle.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The test endpoint.
        let t = app
            .post(
                &format!("{SETTINGS}/test"),
                &token,
                json!({"api_key": groq_key("valid")}),
            )
            .await;
        assert_eq!(t.status, StatusCode::OK);
        assert_eq!(t.body["success"], true, "{}", t.text);
        assert_eq!(t.body["message"], "API key is valid!");
        assert!(t.body["response_time"].as_f64().unwrap() >= 0.0);
        assert!(t.body["available_models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "llama-3.1-8b-instant"));

        let bad = groq_key("invalid");
        let t = app
            .post(&format!("{SETTINGS}/test"), &token, json!({"api_key": bad}))
            .await;
        assert_eq!(t.body["success"], false);
        assert_eq!(t.body["message"], "Invalid API key");
        assert!(!t.text.contains(&bad), "the body never echoes the key");

        let t = app
            .post(
                &format!("{SETTINGS}/test"),
                &token,
                json!({"api_key": groq_key("ratelimit")}),
            )
            .await;
        assert_eq!(t.body["success"], false);
        assert!(
            t.body["message"]
                .as_str()
                .unwrap()
                .contains("try again in 7s"),
            "{}",
            t.text
        );
        assert_eq!(t.body["retry_after_seconds"], 7);

        let t = app
            .post(
                &format!("{SETTINGS}/test"),
                &token,
                json!({"api_key": "invalid_key_123"}),
            )
            .await;
        assert_eq!(t.body["success"], false);
        assert!(t.body["message"].as_str().unwrap().contains("format"));
    }
);

db_test!(
    unreachable_provider,
    |s: Spawn| s.env("HIREKEY_GROQ_BASE_URL", "http://127.0.0.1:9/openai/v1"),
    |app: TestApp| async move {
        let token = app.register("ivan@example.com").await;
        let t = app
            .post(
                &format!("{SETTINGS}/test"),
                &token,
                json!({"api_key": groq_key("valid")}),
            )
            .await;
        assert_eq!(t.body["success"], false);
        assert!(
            t.body["message"]
                .as_str()
                .unwrap()
                .contains("Could not reach Groq"),
            "{}",
            t.text
        );
        let save = app.save_groq_key(&token, &groq_key("valid")).await;
        assert_eq!(save.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

db_test!(users_are_isolated, |app: TestApp| async move {
    let alice = app.register("alice@example.com").await;
    let bob = app.register("bob@example.com").await;
    let key = groq_key("valid");
    app.save_groq_key(&alice, &key).await;

    let bob_view = app.get(SETTINGS, &bob).await;
    assert_eq!(bob_view.body["has_personal_key"], false);
    assert!(
        !bob_view.text.contains(&key[key.len() - 4..])
            || bob_view.body.get("key_preview").is_none()
    );
    // Bob testing "his" stored key finds none; Bob deleting touches only his own.
    let t = app
        .post(&format!("{SETTINGS}/test"), &bob, json!({"api_key": ""}))
        .await;
    assert_eq!(t.body["success"], false);
    app.delete(SETTINGS, &bob).await;
    app.put(SETTINGS, &bob, json!({"use_personal_ai_key": false}))
        .await;
    let alice_view = app.get(SETTINGS, &alice).await;
    assert_eq!(alice_view.body["has_personal_key"], true);
    assert_eq!(alice_view.body["use_personal_ai_key"], true);
    // Bob's AI calls never carry Alice's key.
    app.post(
        "/api/ai/chat",
        &bob,
        json!({"messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    assert!(app
        .chat_requests()
        .iter()
        .all(|r| r.api_key.as_deref() != Some(key.as_str())));

    // A ciphertext moved to another user's row does not decrypt.
    let alice_id = app.user_id(&alice).await;
    let bob_id = app.user_id(&bob).await;
    app.save_groq_key(&bob, &groq_key("valid")).await;
    let alice_row = provider_keys::Entity::find()
        .filter(provider_keys::Column::UserId.eq(alice_id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let bob_row = provider_keys::Entity::find()
        .filter(provider_keys::Column::UserId.eq(bob_id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut moved = bob_row.into_active_model();
    moved.ciphertext = Set(alice_row.ciphertext.clone());
    moved.nonce = Set(alice_row.nonce.clone());
    moved.update(&app.state.db).await.unwrap();
    app.mock.clear();
    let r = app
        .post(
            "/api/ai/chat",
            &bob,
            json!({"messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    assert!(r.body["error"].is_string());
    assert!(
        app.chat_requests().is_empty(),
        "nothing was sent with a key that failed to decrypt"
    );
});

db_test!(
    keys_never_stored_or_logged_in_plain_text,
    |app: TestApp| async move {
        let token = app.register("judy@example.com").await;
        let key = groq_key("valid");
        assert_eq!(app.save_groq_key(&token, &key).await.status, StatusCode::OK);
        app.post(&format!("{SETTINGS}/test"), &token, json!({"api_key": key}))
            .await;
        app.post(
            "/api/ai/chat",
            &token,
            json!({"messages": [{"role": "user", "content": "hello"}]}),
        )
        .await;
        app.wait_for_usage_rows(1).await;
        let dump = app.database_dump().await;
        let forms = [
            key.clone().into_bytes(),
            base64::engine::general_purpose::STANDARD
                .encode(&key)
                .into_bytes(),
            key.as_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                .into_bytes(),
            key.as_bytes()[4..].to_vec(),
        ];
        for form in &forms {
            assert!(
                !dump.windows(form.len()).any(|w| w == form.as_slice()),
                "a form of the key is in the database"
            );
        }
        let logs = captured_logs();
        for form in &forms {
            assert!(
                !logs.contains(std::str::from_utf8(form).unwrap()),
                "a form of the key is in the logs"
            );
        }
        assert!(logs.contains("Using personal API key for user: judy@example.com"));
    }
);

db_test!(
    rotate_master_key_keeps_keys_readable,
    |app: TestApp| async move {
        let token = app.register("ken@example.com").await;
        let key = groq_key("valid");
        app.save_groq_key(&token, &key).await;
        // A team key is re-encrypted too.
        let r = app
            .post("/api/v1/workspaces", &token, json!({"name": "Rotating"}))
            .await;
        let team: uuid::Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
        let team_key = groq_key("valid");
        let r = app
            .put(
                &format!("/api/v1/workspaces/{team}/ai-settings"),
                &token,
                json!({"api_key": team_key}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let config = (*app.state.config).clone();
        let db = server::startup::connect_database(&config).await.unwrap();
        hirekey_core::vault::rotate(&config, &db, None)
            .await
            .unwrap();
        let vault = hirekey_core::vault::open(&config, &db).await.unwrap();
        assert_eq!(vault.key_version(), 2);
        let row = provider_keys::Entity::find()
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.key_version, 2);
        assert_eq!(
            vault
                .decrypt(row.user_id, &row.provider, &row.ciphertext, &row.nonce)
                .unwrap()
                .expose(),
            key
        );
        assert!(
            app.state
                .vault
                .decrypt(row.user_id, &row.provider, &row.ciphertext, &row.nonce)
                .is_err(),
            "the old master key no longer opens the row"
        );
        let team_row = hirekey_core::entities::workspace_keys::Entity::find_by_id(team)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(team_row.key_version, 2);
        let opened = vault
            .decrypt_team(
                team,
                &team_row.provider,
                &team_row.ciphertext,
                &team_row.nonce,
            )
            .unwrap();
        assert_eq!(opened.expose(), team_key);
        // A wrong master key stops start-up with a clear message.
        let mut wrong = config.clone();
        wrong.master_key = Some(hirekey_core::vault::Secret::new(
            hirekey_core::vault::MasterKey::generate()
                .to_base64()
                .as_str(),
        ));
        let err = hirekey_core::vault::open(&wrong, &db)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("master key does not match"), "{err}");
    }
);

db_test!(second_seed_openrouter_api, |app: TestApp| async move {
    let token = app.register("leo@example.com").await;
    let none = app.get("/api/user/api-key", &token).await;
    assert_eq!(none.body["hasApiKey"], false);
    let key = openrouter_key();
    let set = app
        .post("/api/user/api-key", &token, json!({"apiKey": key}))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["message"], "API key updated successfully");
    assert_eq!(set.body["user"]["email"], "leo@example.com");
    let got = app.get("/api/user/api-key", &token).await;
    assert_eq!(got.body["hasApiKey"], true);
    assert_eq!(
        got.body["apiKey"],
        format!("sk-{}{}", "*".repeat(19), &key[key.len() - 6..])
    );
    let settings = app.get(SETTINGS, &token).await;
    assert_eq!(settings.body["provider"], "openrouter");
    assert_eq!(settings.body["use_personal_ai_key"], true);
    // AI calls now go to OpenRouter with the key.
    app.post(
        "/api/ai/chat",
        &token,
        json!({"messages": [{"role": "user", "content": "hi"}]}),
    )
    .await;
    let last = app.chat_requests().pop().unwrap();
    assert!(last.path.starts_with("/api/v1/"), "{}", last.path);
    assert_eq!(last.api_key.as_deref(), Some(key.as_str()));

    let bad = app
        .post(
            "/api/user/api-key",
            &token,
            json!({"apiKey": "sk-not-openrouter"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let del = app.delete("/api/user/api-key", &token).await;
    assert_eq!(del.body["message"], "API key removed successfully");
    assert_eq!(
        app.get("/api/user/api-key", &token).await.body["hasApiKey"],
        false
    );
});

db_test!(setup_guide, |app: TestApp| async move {
    let token = app.register("mia@example.com").await;
    let g = app.get(&format!("{SETTINGS}/guide"), &token).await;
    assert_eq!(g.status, StatusCode::OK);
    let steps = g.body["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 6);
    assert_eq!(steps[0]["number"], 1);
    assert!(steps[0]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://console.groq.com"));
    assert!(!g.body["benefits"].as_array().unwrap().is_empty());
    assert_eq!(g.body["model_info"]["name"], "llama-3.1-8b-instant");
    assert!(
        g.body["model_info"]["context"].is_string() && g.body["model_info"]["speed"].is_string()
    );
    assert!(g.body["title"].is_string());
    let unauth = app
        .request(
            reqwest::Method::GET,
            &format!("{SETTINGS}/guide"),
            None,
            None,
        )
        .await;
    assert_eq!(unauth.status, StatusCode::UNAUTHORIZED);
});
