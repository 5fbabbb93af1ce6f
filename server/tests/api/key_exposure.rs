//! A stored key stays with the URL it was saved for, upstream bodies never reach the logs with
//! a key in them, and addresses that reach this host are never taken for public ones.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

const AI_SETTINGS: &str = "/api/v1/profile/ai-settings";
const KEY_TEST: &str = "/api/v1/profile/ai-settings/test";
const ASKS_FOR_KEY: &str = "enter the API key again";
const REFUSED: &str = "points to a private or local address; an administrator can allow it with HIREKEY_ALLOWED_PROVIDER_HOSTS";

/// A custom-provider key of no known format, carrying `tag` (words the mock provider reacts to)
/// and a random part that appears nowhere else in this test binary.
fn custom_key(tag: &str) -> (String, String) {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    (format!("hk-custom-{tag}-{unique}"), unique)
}

/// Stores a custom key for `base_url` without the live test (for keys the mock is told to
/// fail with), enabled and active.
async fn store_custom_key_directly(app: &TestApp, token: &str, key: &str, base_url: &str) {
    use hirekey_core::entities::provider_keys;
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
    app.store_key_directly(token, "custom", key).await;
    let user_id = app.user_id(token).await;
    provider_keys::Entity::update_many()
        .col_expr(provider_keys::Column::BaseUrl, Expr::value(base_url))
        .filter(provider_keys::Column::UserId.eq(user_id))
        .filter(provider_keys::Column::Provider.eq("custom"))
        .exec(&app.state.db)
        .await
        .unwrap();
    app.state.key_cache.forget(user_id);
}

/// What the mock provider answers `GET /models` with for `key`, asked directly.
async fn mock_models_answer(app: &TestApp, key: &str) -> (StatusCode, String) {
    let res = app
        .http
        .get(format!("{}/models", app.mock.url()))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

fn message(response: &Response) -> &str {
    response.body["message"].as_str().unwrap_or_default()
}

db_test!(
    a_stored_key_is_sent_only_to_the_url_it_was_saved_for,
    |s: Spawn| s.allow_mock_host(),
    |app: TestApp| async move {
        let token = app.register("url-bound@example.com").await;
        let (key, _) = custom_key("bound");
        // Two base URLs on the one allowed host: the outbound policy lets both through, so only
        // the key's own URL stands between the stored key and the second one.
        let url_a = format!("{}/openai/v1", app.mock.url());
        let url_b = format!("{}/api/v1", app.mock.url());
        let save = app
            .put(
                AI_SETTINGS,
                &token,
                json!({"provider": "custom", "personal_groq_api_key": key, "base_url": url_a}),
            )
            .await;
        assert_eq!(save.status, StatusCode::OK, "{}", save.text);
        app.mock.clear();

        // A test that names another URL without the key: refused, nothing sent.
        let test = app
            .post(
                KEY_TEST,
                &token,
                json!({"provider": "custom", "api_key": "", "base_url": url_b}),
            )
            .await;
        assert_eq!(
            test.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            test.text
        );
        assert_eq!(test.body["error"], "Validation failed");
        assert!(message(&test).contains(ASKS_FOR_KEY), "{}", test.text);
        // A save that changes only the URL: refused too, and the URL stays.
        for body in [
            json!({"provider": "custom", "base_url": url_b}),
            json!({"provider": "custom", "base_url": url_b, "use_personal_ai_key": true}),
            json!({"provider": "custom", "personal_groq_api_key": "  ", "base_url": url_b}),
        ] {
            let put = app.put(AI_SETTINGS, &token, body.clone()).await;
            assert_eq!(
                put.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {}",
                put.text
            );
            assert!(message(&put).contains(ASKS_FOR_KEY), "{}", put.text);
        }
        let settings = app.get(AI_SETTINGS, &token).await;
        assert_eq!(settings.body["base_url"], url_a.as_str());
        let chat = app
            .post(
                "/api/ai/chat",
                &token,
                json!({"messages": [{"role": "user", "content": "hello"}]}),
            )
            .await;
        assert_eq!(chat.status, StatusCode::OK, "{}", chat.text);
        let sent = app.mock.requests();
        assert!(
            sent.iter().all(|r| !r.path.starts_with("/api/v1")),
            "the stored key went to the other URL: {sent:?}"
        );
        assert_eq!(app.chat_requests().len(), 1);
        assert!(app.chat_requests()[0].path.starts_with("/openai/v1"));

        // The same URL spelled differently (scheme case, trailing slash) needs no key.
        let same = format!("{}/", url_a.replacen("http://", "HTTP://", 1));
        let test = app
            .post(
                KEY_TEST,
                &token,
                json!({"provider": "custom", "api_key": "", "base_url": same}),
            )
            .await;
        assert_eq!(test.status, StatusCode::OK, "{}", test.text);
        assert_eq!(test.body["success"], true, "{}", test.text);
        let put = app
            .put(
                AI_SETTINGS,
                &token,
                json!({"provider": "custom", "base_url": same, "model": "llama-3.1-8b-instant"}),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text);

        // With the key given again, the new URL is taken (after its live test there).
        let put = app
            .put(
                AI_SETTINGS,
                &token,
                json!({"provider": "custom", "personal_groq_api_key": key, "base_url": url_b}),
            )
            .await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.text);
        assert_eq!(put.body["base_url"], url_b.as_str());
    }
);

db_test!(
    model_ids_that_repeat_the_key_are_dropped,
    |s: Spawn| s.allow_mock_host(),
    |app: TestApp| async move {
        let token = app.register("reflected-models@example.com").await;
        let (key, unique) = custom_key("reflect");
        let half: String = key.chars().skip(key.len() / 2).collect();
        // The mock does list the key among its models for this key.
        let (status, listed) = mock_models_answer(&app, &key).await;
        assert_eq!(status, StatusCode::OK);
        assert!(listed.contains(&format!("mirror-{half}")), "{listed}");

        let test = app
            .post(
                KEY_TEST,
                &token,
                json!({"provider": "custom", "api_key": key, "base_url": app.mock.url()}),
            )
            .await;
        assert_eq!(test.status, StatusCode::OK, "{}", test.text);
        assert_eq!(test.body["success"], true, "{}", test.text);
        let models: Vec<&str> = test.body["available_models"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for model in mock_provider::DEFAULT_MODELS {
            assert!(models.contains(model), "{model} missing from {models:?}");
        }
        assert_eq!(
            models.len(),
            mock_provider::DEFAULT_MODELS.len(),
            "{models:?}"
        );
        assert!(!test.text.contains(&unique), "{}", test.text);
        assert!(!test.text.contains(&half), "{}", test.text);
    }
);

db_test!(
    upstream_bodies_that_echo_the_key_reach_neither_logs_nor_answers,
    |s: Spawn| s.allow_mock_host(),
    |app: TestApp| async move {
        let token = app.register("echoed-key@example.com").await;
        let base = app.mock.url();
        let mut answers = Vec::new();
        let mut secrets = Vec::new();
        for tag in [
            "reflect-invalid",
            "reflect-fail500",
            "reflect-nocredit",
            "reflect-ratelimit",
        ] {
            let (key, unique) = custom_key(tag);
            // The mock echoes this key in its error body.
            let (status, body) = mock_models_answer(&app, &key).await;
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{tag}"
            );
            assert!(body.contains(&key), "{tag}: {body}");

            let test = app
                .post(
                    KEY_TEST,
                    &token,
                    json!({"provider": "custom", "api_key": key, "base_url": base}),
                )
                .await;
            assert_eq!(test.status, StatusCode::OK, "{}", test.text);
            assert_eq!(test.body["success"], false, "{tag}: {}", test.text);
            answers.push(test.text);
            let save = app
                .put(
                    AI_SETTINGS,
                    &token,
                    json!({"provider": "custom", "personal_groq_api_key": key, "base_url": base}),
                )
                .await;
            assert_eq!(
                save.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}",
                save.text
            );
            answers.push(save.text);

            // An AI call on the stored key, whole and streamed.
            store_custom_key_directly(&app, &token, &key, &base).await;
            for stream in [false, true] {
                let chat = app
                    .request(
                        Method::POST,
                        "/api/ai/chat",
                        Some(&token),
                        Some(json!({
                            "messages": [{"role": "user", "content": "hello"}],
                            "stream": stream,
                        })),
                    )
                    .await;
                assert_ne!(chat.status, StatusCode::OK, "{tag}: {}", chat.text);
                assert!(!chat.body["message"].is_null(), "{}", chat.text);
                answers.push(chat.text);
            }
            secrets.push(unique);
        }
        let logs = captured_logs();
        assert!(logs.contains("provider error"), "the failures were logged");
        for unique in &secrets {
            assert!(!logs.contains(unique.as_str()), "a key reached the logs");
            for answer in &answers {
                assert!(
                    !answer.contains(unique.as_str()),
                    "a key was answered: {answer}"
                );
            }
        }
    }
);

db_test!(
    ipv4_translated_and_nat64_addresses_are_refused,
    |app: TestApp| async move {
        let token = app.register("nat64@example.com").await;
        let port = app.mock.addr().port();
        for base in [
            format!("http://[::ffff:0:127.0.0.1]:{port}/v1"),
            format!("http://[::ffff:0:7f00:1]:{port}/v1"),
            "http://[::ffff:0:169.254.169.254]/latest".to_owned(),
            format!("http://[64:ff9b:1::7f00:1]:{port}/v1"),
            format!("http://[64:ff9b:1::127.0.0.1]:{port}/v1"),
            format!("http://[64:ff9b:1:0:7f:0:100::]:{port}/v1"),
            format!("http://[64:ff9b::7f00:1]:{port}/v1"),
        ] {
            let calls = [
                (
                    Method::POST,
                    KEY_TEST,
                    json!({"provider": "custom", "api_key": "local-token", "base_url": base}),
                ),
                (
                    Method::PUT,
                    AI_SETTINGS,
                    json!({"provider": "custom", "personal_groq_api_key": "local-token", "base_url": base}),
                ),
            ];
            for (method, path, body) in calls {
                let answer = app.request(method, path, Some(&token), Some(body)).await;
                assert_eq!(
                    answer.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{path} {base}: {}",
                    answer.text
                );
                assert!(
                    message(&answer).contains(REFUSED),
                    "{path} {base}: {}",
                    answer.text
                );
            }
        }
        assert!(app.mock.requests().is_empty(), "nothing reached the mock");
        let settings = app.get(AI_SETTINGS, &token).await;
        assert_eq!(settings.body["has_personal_key"], false);
    }
);
