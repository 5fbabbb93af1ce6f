use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::db_test;
use crate::helpers::*;

db_test!(register_login_me_logout, |app: TestApp| async move {
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "Ada@Example.com", "password": "longenough", "name": "Ada"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["user"]["email"], "ada@example.com");
    assert!(r.body["user"]["id"].is_string());
    let set_cookie = r
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let token = r.body["token"].as_str().unwrap().to_owned();

    let me = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["email"], "ada@example.com");
    assert_eq!(me.body["is_admin"], true, "the first user is the admin");

    let dup = app
        .request(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "ada@example.com", "password": "longenough", "name": "Ada"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.body["error"], "Conflict");

    let login = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "ada@example.com", "password": "longenough"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    assert!(login.body["token"].is_string());
    assert_eq!(login.body["user"]["name"], "Ada");

    let second = app.register("bob@example.com").await;
    let me = app.get("/api/v1/auth/me", &second).await;
    assert_eq!(me.body["is_admin"], false);

    let out = app
        .request(Method::POST, "/api/v1/auth/logout", None, None)
        .await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
});

db_test!(bad_credentials_and_input, |app: TestApp| async move {
    app.register("carol@example.com").await;
    let wrong_pw = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "carol@example.com", "password": "wrongwrong"})),
        )
        .await;
    let wrong_email = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "nobody@example.com", "password": "wrongwrong"})),
        )
        .await;
    assert_eq!(wrong_pw.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_email.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_pw.body["message"], wrong_email.body["message"],
        "same message for both"
    );

    let bad_email = app
        .request(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "not-an-email", "password": "longenough", "name": "X"})),
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    let short = app
        .request(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({"email": "d@example.com", "password": "short", "name": "X"})),
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body["message"].as_str().unwrap().contains("8"));

    // Malformed JSON, wrong content type, oversized body: JSON errors, never a panic.
    let raw = app
        .http
        .post(format!("{}/api/v1/auth/login", app.url))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert!(body["error"].is_string() && body["message"].is_string());
    let raw = app
        .http
        .post(format!("{}/api/v1/auth/login", app.url))
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let big = "x".repeat(2 * 1024 * 1024);
    let raw = app
        .http
        .post(format!("{}/api/v1/auth/login", app.url))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let missing = app
        .request(Method::GET, "/api/v1/nothing-here", None, None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body["error"].is_string());
});

db_test!(tokens_are_checked, |app: TestApp| async move {
    let token = app.register("eve@example.com").await;
    let none = app
        .request(Method::GET, "/api/v1/auth/me", None, None)
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.body["error"], "Unauthorized");
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    assert_eq!(
        app.get("/api/v1/auth/me", &tampered).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Signed with another secret.
    let other = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": uuid::Uuid::new_v4(), "email": "x@example.com", "name": "x", "iat": 0, "exp": 4_000_000_000u64}),
        &jsonwebtoken::EncodingKey::from_secret(b"another-secret-another-secret-another"),
    )
    .unwrap();
    assert_eq!(
        app.get("/api/v1/auth/me", &other).await.status,
        StatusCode::UNAUTHORIZED
    );
    // alg: none.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none_token = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(format!(
            r#"{{"sub":"{}","email":"x@example.com","name":"x","iat":0,"exp":4000000000}}"#,
            uuid::Uuid::new_v4()
        ))
    );
    assert_eq!(
        app.get("/api/v1/auth/me", &none_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Expired, but signed with the server's own secret.
    let secret = std::fs::read(app.data_dir.path().join("jwt.secret")).unwrap();
    let now = chrono::Utc::now().timestamp();
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": uuid::Uuid::new_v4(), "email": "eve@example.com", "name": "Eve", "iat": now - 90_000, "exp": now - 3_600}),
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .unwrap();
    assert_eq!(
        app.get("/api/v1/auth/me", &expired).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/auth/me", &token).await.status,
        StatusCode::OK
    );
});

db_test!(
    cookie_sessions_need_same_origin,
    |app: TestApp| async move {
        let token = app.register("frank@example.com").await;
        let cookie = format!("hirekey_session={token}");
        let ok = app
            .http
            .get(format!("{}/api/v1/auth/me", app.url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        let cross = app
            .http
            .put(format!("{}/api/v1/profile/ai-settings", app.url))
            .header("cookie", &cookie)
            .header("origin", "https://evil.example")
            .json(&json!({"use_personal_ai_key": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status(), StatusCode::FORBIDDEN);
        let host = app.url.trim_start_matches("http://").to_owned();
        let same = app
            .http
            .put(format!("{}/api/v1/profile/ai-settings", app.url))
            .header("cookie", &cookie)
            .header("origin", format!("http://{host}"))
            .json(&json!({"use_personal_ai_key": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(same.status(), StatusCode::OK);
    }
);

db_test!(health_and_pages, |app: TestApp| async move {
    let h = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.body, json!({"status": "ok"}));
    let page = app
        .http
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(
        page.headers().get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert!(page.headers().get("referrer-policy").is_some());
    let html = page.text().await.unwrap();
    assert!(html.contains("Log in to Hirekey"));
});

db_test!(
    every_response_carries_a_request_id,
    |app: TestApp| async move {
        let token = app.register("rid@example.com").await;
        let first = app
            .request(
                Method::GET,
                "/api/v1/profile/ai-settings",
                Some(&token),
                None,
            )
            .await;
        let second = app
            .request(Method::GET, "/api/v1/no-such-route", None, None)
            .await;
        let id = |r: &Response| {
            r.headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .expect("x-request-id on the response")
        };
        assert_eq!(id(&first).len(), 36, "a UUID");
        assert_ne!(id(&first), id(&second), "one id per request");
        // An id a proxy already gave the request is kept.
        let kept = app
            .http
            .get(format!("{}/healthz", app.url))
            .header("x-request-id", "lb-1234")
            .send()
            .await
            .unwrap();
        assert_eq!(kept.headers()["x-request-id"], "lb-1234");
    }
);
