//! The admin area and the OpenAPI document.
use hirekey_core::entities::users;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

const USERS: &str = "/api/v1/admin/users";
const AI_CONFIG: &str = "/api/v1/admin/ai-config";
const AI_CONFIG_TEST: &str = "/api/v1/admin/ai-config/test";
const SETTINGS: &str = "/api/v1/admin/settings";
const USAGE: &str = "/api/v1/admin/usage?days=7";

fn hello() -> Value {
    json!({"messages": [{"role": "user", "content": "Say hello"}]})
}

/// Every admin endpoint with a body it accepts.
fn admin_endpoints() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, USERS, None),
        (Method::GET, AI_CONFIG, None),
        (Method::POST, AI_CONFIG_TEST, None),
        (
            Method::PUT,
            SETTINGS,
            Some(json!({"require_personal_key": false})),
        ),
        (Method::GET, USAGE, None),
    ]
}

pub(crate) async fn set_admin(app: &TestApp, token: &str, is_admin: bool) {
    let id = app.user_id(token).await;
    let mut user = users::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    user.is_admin = Set(is_admin);
    user.update(&app.state.db).await.unwrap();
}

async fn set_require_personal_key(app: &TestApp, admin: &str, on: bool) -> Response {
    let r = app
        .put(SETTINGS, admin, json!({"require_personal_key": on}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["require_personal_key"], on, "{}", r.text);
    r
}

db_test!(
    admin_endpoints_refuse_anonymous_and_non_admins,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let user = app.register("user@example.com").await;
        assert_eq!(
            app.get("/api/v1/auth/me", &admin).await.body["is_admin"],
            true
        );
        assert_eq!(
            app.get("/api/v1/auth/me", &user).await.body["is_admin"],
            false
        );

        for (method, path, body) in admin_endpoints() {
            let anonymous = app.request(method.clone(), path, None, body.clone()).await;
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
            assert_eq!(
                anonymous.body["error"], "Unauthorized",
                "{}",
                anonymous.text
            );
            assert!(anonymous.body["message"].is_string());

            let refused = app
                .request(method.clone(), path, Some(&user), body.clone())
                .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method} {path}");
            assert_eq!(refused.body["error"], "Forbidden", "{}", refused.text);
            assert!(refused.body["message"].is_string());

            let allowed = app
                .request(method.clone(), path, Some(&admin), body.clone())
                .await;
            assert_eq!(
                allowed.status,
                StatusCode::OK,
                "{method} {path}: {}",
                allowed.text
            );
        }

        // A non-admin is refused before the body is read.
        let malformed = app
            .put(SETTINGS, &user, json!({"require_personal_key": "yes"}))
            .await;
        assert_eq!(malformed.status, StatusCode::FORBIDDEN);

        // The database decides, not the token: a demoted admin's token stops working at once,
        // and a promoted user's token works without logging in again.
        set_admin(&app, &admin, false).await;
        set_admin(&app, &user, true).await;
        for (method, path, body) in admin_endpoints() {
            let demoted = app
                .request(method.clone(), path, Some(&admin), body.clone())
                .await;
            assert_eq!(demoted.status, StatusCode::FORBIDDEN, "{method} {path}");
            let promoted = app.request(method.clone(), path, Some(&user), body).await;
            assert_eq!(promoted.status, StatusCode::OK, "{method} {path}");
        }
    }
);

db_test!(
    users_list_never_shows_a_key_or_preview,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let user = app.register("keyholder@example.com").await;
        app.register("nokey@example.com").await;
        let key = groq_key("valid");
        let saved = app.save_groq_key(&user, &key).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        let preview = format!("gsk_...{}", &key[key.len() - 4..]);
        assert_eq!(saved.body["key_preview"], preview);
        app.put(
            "/api/v1/profile/ai-settings",
            &user,
            json!({"expires_in_days": 30}),
        )
        .await;

        let r = app.get(USERS, &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(!r.text.contains(&key), "the key leaked: {}", r.text);
        assert!(!r.text.contains(&preview), "the preview leaked: {}", r.text);
        assert!(!r.text.contains("gsk_"), "{}", r.text);
        assert!(!r.text.contains("preview"), "{}", r.text);

        let list = r.body.as_array().unwrap();
        assert_eq!(list.len(), 3);
        let find = |email: &str| {
            list.iter()
                .find(|u| u["email"] == email)
                .unwrap_or_else(|| panic!("{email} in {}", r.text))
                .clone()
        };
        let root = find("root@example.com");
        assert_eq!(root["is_admin"], true);
        assert_eq!(root["has_personal_key"], false);
        let holder = find("keyholder@example.com");
        assert_eq!(holder["is_admin"], false);
        assert_eq!(holder["has_personal_key"], true);
        assert_eq!(holder["provider"], "groq");
        assert!(holder["expires_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(holder["name"], "Test User");
        assert!(holder["created_at"].is_string());
        assert_eq!(
            holder["id"].as_str().unwrap(),
            app.user_id(&user).await.to_string()
        );
        let without = find("nokey@example.com");
        assert_eq!(without["has_personal_key"], false);
        assert_eq!(without["provider"], "groq");
        assert!(without["expires_at"].is_null());
    }
);

db_test!(
    require_personal_key_applies_at_once_and_off_restores_the_system_key,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let user = app.register("nokey@example.com").await;
        let holder = app.register("holder@example.com").await;
        let key = groq_key("valid");
        app.save_groq_key(&holder, &key).await;

        // The system key answers for a user without a key (and is now in the key cache).
        let r = app.post("/api/ai/chat", &user, hello()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["meta"]["key_source"], "system");

        let config = app.get(AI_CONFIG, &admin).await;
        assert_eq!(config.body["require_personal_key"], false);
        assert_eq!(config.body["require_personal_key_env"], false);

        set_require_personal_key(&app, &admin, true).await;
        let refused = app.post("/api/ai/chat", &user, hello()).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        assert_eq!(refused.body["error"], "API key required");
        assert!(refused.body["message"]
            .as_str()
            .unwrap()
            .contains("API key in settings"));
        let settings = app.get("/api/v1/profile/ai-settings", &user).await;
        assert_eq!(settings.body["key_source"], "none");
        // A personal key still works.
        let personal = app.post("/api/ai/chat", &holder, hello()).await;
        assert_eq!(personal.status, StatusCode::OK, "{}", personal.text);
        assert_eq!(personal.body["meta"]["key_source"], "personal");
        let config = app.get(AI_CONFIG, &admin).await;
        assert_eq!(config.body["require_personal_key"], true);
        assert_eq!(config.body["require_personal_key_env"], false);

        set_require_personal_key(&app, &admin, false).await;
        let r = app.post("/api/ai/chat", &user, hello()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["meta"]["key_source"], "system");
        assert_eq!(
            app.chat_requests().pop().unwrap().api_key.as_deref(),
            Some(SYSTEM_KEY)
        );
    }
);

db_test!(
    the_environment_flag_forces_a_personal_key,
    |s: Spawn| s.env("HIREKEY_REQUIRE_PERSONAL_KEY", "true"),
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let config = app.get(AI_CONFIG, &admin).await;
        assert_eq!(config.body["require_personal_key"], true);
        assert_eq!(config.body["require_personal_key_env"], true);
        // The run-time setting cannot turn it off.
        let r = app
            .put(SETTINGS, &admin, json!({"require_personal_key": false}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["require_personal_key"], true);
        let refused = app.post("/api/ai/chat", &admin, hello()).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.body["error"], "API key required");
    }
);

db_test!(
    system_config_is_masked_and_its_test_reaches_the_provider,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let config = app.get(AI_CONFIG, &admin).await;
        assert_eq!(config.status, StatusCode::OK, "{}", config.text);
        assert_eq!(config.body["configured"], true);
        assert_eq!(config.body["provider"], "groq");
        assert_eq!(config.body["model"], "llama-3.3-70b-versatile");
        assert_eq!(
            config.body["base_url"],
            format!("{}/openai/v1", app.mock.url())
        );
        assert_eq!(
            config.body["key_preview"],
            format!("gsk_...{}", &SYSTEM_KEY[SYSTEM_KEY.len() - 4..])
        );
        assert!(!config.text.contains(SYSTEM_KEY));

        let t = app.post(AI_CONFIG_TEST, &admin, json!({})).await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.text);
        assert_eq!(t.body["success"], true, "{}", t.text);
        assert_eq!(t.body["message"], "API key is valid!");
        assert_eq!(t.body["provider"], "groq");
        assert!(t.body["response_time"].as_f64().unwrap() >= 0.0);
        assert!(t.body["available_models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "llama-3.1-8b-instant"));
        assert!(!t.text.contains(SYSTEM_KEY));
        let sent = app
            .mock
            .requests()
            .into_iter()
            .rfind(|r| r.path.ends_with("/models"))
            .unwrap();
        assert_eq!(sent.api_key.as_deref(), Some(SYSTEM_KEY));
        assert!(!captured_logs().contains(SYSTEM_KEY));
    }
);

db_test!(
    a_rejected_system_key_tests_as_invalid,
    |s: Spawn| s.env("GROQ_API_KEY", &groq_key("invalid")),
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let t = app.post(AI_CONFIG_TEST, &admin, json!({})).await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.text);
        assert_eq!(t.body["success"], false);
        assert_eq!(t.body["message"], "Invalid API key");
    }
);

db_test!(
    without_a_system_key_the_config_says_so,
    |s: Spawn| s.without_system_key(),
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let config = app.get(AI_CONFIG, &admin).await;
        assert_eq!(config.body["configured"], false, "{}", config.text);
        assert!(config.body["key_preview"].is_null());
        let t = app.post(AI_CONFIG_TEST, &admin, json!({})).await;
        assert_eq!(t.status, StatusCode::OK);
        assert_eq!(t.body["success"], false);
        assert!(app.mock.requests().is_empty());
    }
);

db_test!(
    usage_adds_up_every_user_by_key_source,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let holder = app.register("holder@example.com").await;
        let user = app.register("nokey@example.com").await;
        app.save_groq_key(&holder, &groq_key("valid")).await;
        for token in [&holder, &user, &user] {
            let r = app.post("/api/ai/chat", token, hello()).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        app.wait_for_usage_rows(3).await;

        let u = app.get(USAGE, &admin).await;
        assert_eq!(u.status, StatusCode::OK, "{}", u.text);
        assert_eq!(u.body["days"], 7);
        assert_eq!(u.body["total_calls"], 3);
        assert!(u.body["headroom"].is_null());
        let source = |name: &str| {
            u.body["by_key_source"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["name"] == name)
                .unwrap_or_else(|| panic!("{name} in {}", u.text))
                .clone()
        };
        assert_eq!(source("personal")["calls"], 1);
        assert_eq!(source("system")["calls"], 2);
        assert_eq!(source("system")["errors"], 0);
        assert!(source("system")["tokens"].as_u64().unwrap() > 0);

        // A user's own usage stays their own.
        let own = app.get("/api/v1/profile/usage?days=7", &user).await;
        assert_eq!(own.body["total_calls"], 2);
    }
);

/// Every route the router serves under `/api` (built from `api_routes()`), plus `/healthz`.
fn served_routes() -> Vec<(String, String)> {
    let mut routes: Vec<(String, String)> = server::http::api_routes()
        .iter()
        .map(|r| (r.method.as_str().to_lowercase(), format!("/api{}", r.path)))
        .collect();
    routes.push(("get".into(), "/healthz".into()));
    routes
}

db_test!(openapi_documents_every_route, |app: TestApp| async move {
    let r = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = r.body["paths"].as_object().unwrap();
    let served = served_routes();
    for (method, path) in &served {
        let operation = paths.get(path).and_then(|item| item.get(method));
        assert!(
            operation.is_some(),
            "{method} {path} is served but missing from the OpenAPI document"
        );
        let operation = operation.unwrap();
        assert!(
            !operation["summary"].as_str().unwrap_or("").is_empty(),
            "{method} {path} has no summary"
        );
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty()),
            "{method} {path} documents no response"
        );
    }
    // And nothing is documented that is not served.
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                assert!(
                    served.contains(&(method.to_owned(), path.clone())),
                    "{method} {path} is documented but not served"
                );
            }
        }
    }
    let schemes = &r.body["components"]["securitySchemes"];
    assert_eq!(schemes["bearer_auth"]["type"], "http");
    assert_eq!(schemes["bearer_auth"]["scheme"], "bearer");
    let secured = &paths["/api/v1/admin/users"]["get"]["security"];
    assert!(
        secured
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.get("bearer_auth").is_some()),
        "{secured}"
    );
    for schema in [
        "AdminUser",
        "AdminAiConfig",
        "PersonalAiSettings",
        "Candidate",
        "ErrorBody",
    ] {
        assert!(
            r.body["components"]["schemas"].get(schema).is_some(),
            "schema {schema}"
        );
    }

    // Each route in the table really is routed: none falls through to the API's 404.
    for (method, path) in &served {
        let concrete = path
            .replace("{id}", &uuid::Uuid::nil().to_string())
            .replace("{candidate_id}", &uuid::Uuid::nil().to_string());
        let answer = app
            .request(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                &concrete,
                None,
                None,
            )
            .await;
        assert!(
            !(answer.status == StatusCode::NOT_FOUND
                && answer.body["message"] == "API route not found"),
            "{method} {path} is not routed"
        );
    }
    let unknown = app
        .request(Method::GET, "/api/v1/no-such-route", None, None)
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body["message"], "API route not found");

    // The docs page renders the document without anything from outside.
    let docs = app.request(Method::GET, "/api/docs", None, None).await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(docs.headers.get("content-security-policy").is_some());
    for (method, path) in &served {
        assert!(docs.text.contains(path.as_str()), "{path} on the docs page");
        assert!(
            docs.text.contains(&format!("op-{method}")),
            "{method} {path} on the docs page"
        );
    }
    for name in ["AdminUser", "TestAiKeyResponse", "UsageSummary"] {
        assert!(
            docs.text.contains(&format!("id=\"schema-{name}\"")),
            "{name}"
        );
    }
    assert!(!docs.text.contains("<script"));
    assert!(!docs.text.contains("https://"));
});
