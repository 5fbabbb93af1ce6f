//! Every route the router serves, walked from `server::http::api_routes()` so a new route
//! cannot be forgotten: without a valid token it answers 401; with another user's token it
//! answers 403/404 or the caller's own data, never the other user's.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

/// Routes anyone may call. Everything else needs a session.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("POST", "/v1/auth/register"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/logout"),
];

/// Routes that end the caller's sessions when they succeed (the walk logs in again after).
const ENDS_SESSIONS: &[(&str, &str)] = &[("POST", "/v1/auth/logout-all")];

async fn log_in(app: &TestApp, email: &str) -> String {
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["token"].as_str().unwrap().to_owned()
}

/// Tokens that must not open any route: none, expired, foreign secret, `alg: none`, tampered.
fn bad_tokens(app: &TestApp, valid: &str) -> Vec<(&'static str, Option<String>)> {
    use base64::Engine;
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64| json!({"sub": uuid::Uuid::new_v4(), "email": "x@example.com", "name": "x", "iat": now - 100, "exp": exp});
    let secret = std::fs::read(app.data_dir.path().join("jwt.secret")).unwrap();
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims(now - 60),
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .unwrap();
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims(now + 3_600),
        &jsonwebtoken::EncodingKey::from_secret(b"another-secret-another-secret-another"),
    )
    .unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let alg_none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims(now + 3_600).to_string())
    );
    let mut tampered = valid.to_owned();
    tampered.pop();
    tampered.push(if valid.ends_with('A') { 'B' } else { 'A' });
    vec![
        ("no token", None),
        ("expired", Some(expired)),
        ("foreign secret", Some(foreign)),
        ("alg none", Some(alg_none)),
        ("tampered", Some(tampered)),
    ]
}

/// The route's path with its parameters filled from `ids` (by parameter name).
fn concrete(path: &str, id: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(id);
        rest = &rest[close..];
    }
    out.push_str(rest);
    format!("/api{out}")
}

fn method(m: &axum::http::Method) -> Method {
    Method::from_bytes(m.as_str().as_bytes()).unwrap()
}

db_test!(every_route_needs_a_valid_token, |app: TestApp| async move {
    let admin = app.register("first-admin@example.com").await;
    let routes = server::http::api_routes();
    assert!(routes.len() > 30, "the walk covers the whole table");
    for route in &routes {
        if PUBLIC.contains(&(route.method.as_str(), route.path)) {
            continue;
        }
        let path = concrete(route.path, &uuid::Uuid::new_v4().to_string());
        for (what, token) in bad_tokens(&app, &admin) {
            let r = app
                .request(
                    method(&route.method),
                    &path,
                    token.as_deref(),
                    Some(json!({})),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{} {path} with {what}: {}",
                route.method,
                r.text
            );
            assert_eq!(r.body["error"], "Unauthorized", "{} {path}", route.method);
        }
    }
});

db_test!(
    another_users_token_sees_nothing_of_theirs,
    |app: TestApp| async move {
        // The first user is the admin; Alice and Bob are ordinary users.
        let _admin = app.register("owner-admin@example.com").await;
        let alice = app.register("alice@example.com").await;
        let key = groq_key("valid");
        app.save_groq_key(&alice, &key).await;
        let upload = upload_text(
            &app,
            &alice,
            "Alice Secretcandidate\nPython Engineer\nalice.cand@example.com\nSkills: Python\n",
        )
        .await;
        assert_eq!(upload.status, StatusCode::CREATED);
        let candidate = upload.body["id"].as_str().unwrap().to_owned();
        let chat = app
            .post(
                "/api/v1/ai/chat",
                &alice,
                json!({"query_text": "Find Python developers"}),
            )
            .await;
        assert_eq!(chat.status, StatusCode::OK, "{}", chat.text);
        let conversation = chat.body["conversation_id"].as_str().unwrap().to_owned();
        let alice_id = app.user_id(&alice).await.to_string();

        let mut bob = app.register("bob@example.com").await;
        let secrets = [
            "Secretcandidate",
            "alice.cand@example.com",
            "alice@example.com",
            &key[key.len() - 8..],
        ];
        for route in server::http::api_routes() {
            if PUBLIC.contains(&(route.method.as_str(), route.path)) {
                continue;
            }
            // Each of Alice's ids in turn, so a route cannot pass just because the id is unknown.
            for id in [&candidate, &conversation, &alice_id] {
                let path = concrete(route.path, id);
                let r = app
                    .request(method(&route.method), &path, Some(&bob), Some(json!({})))
                    .await;
                for secret in secrets {
                    assert!(
                        !r.text.contains(secret),
                        "{} {path} showed Bob Alice's data ({secret}): {}",
                        route.method,
                        r.text
                    );
                }
                if route.path.contains('{') {
                    assert!(
                        matches!(
                            r.status,
                            StatusCode::NOT_FOUND
                                | StatusCode::FORBIDDEN
                                | StatusCode::BAD_REQUEST
                                | StatusCode::UNPROCESSABLE_ENTITY
                                | StatusCode::UNSUPPORTED_MEDIA_TYPE
                        ),
                        "{} {path} as another user: {} {}",
                        route.method,
                        r.status,
                        r.text
                    );
                }
                if route.path.starts_with("/v1/admin") {
                    assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {path}", route.method);
                }
                if ENDS_SESSIONS.contains(&(route.method.as_str(), route.path))
                    && r.status == StatusCode::OK
                {
                    bob = log_in(&app, "bob@example.com").await;
                }
                if !route.path.contains('{') {
                    break;
                }
            }
        }
        // Alice's data is all still there.
        let c = app
            .get(&format!("/api/v1/candidates/{candidate}"), &alice)
            .await;
        assert_eq!(c.status, StatusCode::OK);
        let conv = app
            .get(&format!("/api/v1/ai/conversations/{conversation}"), &alice)
            .await;
        assert_eq!(conv.status, StatusCode::OK);
        let settings = app.get("/api/v1/profile/ai-settings", &alice).await;
        assert_eq!(
            settings.body["has_personal_key"],
            Value::Bool(true),
            "{}",
            settings.text
        );
    }
);

db_test!(
    cookie_writes_need_same_origin_on_every_route,
    |app: TestApp| async move {
        let token = app.register("csrf@example.com").await;
        let cookie = format!("hirekey_session={token}");
        for route in server::http::api_routes() {
            if route.method == axum::http::Method::GET
                || PUBLIC.contains(&(route.method.as_str(), route.path))
            {
                continue;
            }
            let path = concrete(route.path, &uuid::Uuid::new_v4().to_string());
            for origin in [Some("https://evil.example"), None] {
                let mut req = app
                    .http
                    .request(method(&route.method), format!("{}{path}", app.url))
                    .header("cookie", &cookie)
                    .json(&json!({}));
                if let Some(o) = origin {
                    req = req.header("origin", o);
                }
                let res = req.send().await.unwrap();
                assert_eq!(
                    res.status(),
                    StatusCode::FORBIDDEN,
                    "{} {path} with a cookie from {origin:?}",
                    route.method
                );
            }
        }
    }
);

db_test!(stored_markup_renders_as_text, |app: TestApp| async move {
    let token = app.register("xss@example.com").await;
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let upload = upload_text(
        &app,
        &token,
        &format!("{evil} Mallory\nPython Engineer\nSkills: Python\n{evil}\n"),
    )
    .await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.text);
    let id = upload.body["id"].as_str().unwrap().to_owned();
    assert!(upload.body["name"].as_str().unwrap().contains("<script>"));
    // The model's answer quotes the markup too (the mock echoes matching context lines).
    let chat = app
        .post(
            "/api/v1/ai/chat",
            &token,
            json!({"query_text": "Find Python developers"}),
        )
        .await;
    assert_eq!(chat.status, StatusCode::OK);
    let conversation = chat.body["conversation_id"].as_str().unwrap().to_owned();
    let cookie = format!("hirekey_session={token}");
    for page in [
        format!("/candidates/{id}"),
        "/candidates".to_owned(),
        format!("/chat/{conversation}"),
        "/chat".to_owned(),
    ] {
        let html = app
            .http
            .get(format!("{}{page}", app.url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !html.contains("<script>alert(1)") && !html.contains("<img src=x"),
            "{page} let markup through"
        );
        if page == format!("/candidates/{id}") {
            assert!(html.contains("Mallory"), "the page shows the candidate");
        }
    }
});

db_test!(
    login_is_throttled_per_email_and_per_ip,
    |app: TestApp| async move {
        app.register("target@example.com").await;
        let login = |email: &str, password: &str| {
            app.request(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
        };
        // Ten wrong guesses for one account; then even the right password waits.
        for _ in 0..10 {
            assert_eq!(
                login("target@example.com", "wrong password!").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
        let locked = login("Target@Example.com", "correct horse battery").await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            locked.text
        );
        assert_eq!(locked.body["error"], "Too many requests");
        assert!(locked.headers.get("retry-after").is_some());

        // A wrong email and a wrong password: the same answer, and about the same time (both
        // verify an argon2 hash), so an attacker cannot tell which accounts exist.
        app.register("known@example.com").await;
        let mut unknown_ms = Vec::new();
        let mut wrong_ms = Vec::new();
        for i in 0..5 {
            let started = std::time::Instant::now();
            let a = login(&format!("nobody{i}@example.com"), "wrong password!").await;
            unknown_ms.push(started.elapsed().as_secs_f64());
            let started = std::time::Instant::now();
            let b = login("known@example.com", "wrong password!").await;
            wrong_ms.push(started.elapsed().as_secs_f64());
            assert_eq!((a.status, &a.body), (b.status, &b.body));
        }
        unknown_ms.sort_by(f64::total_cmp);
        wrong_ms.sort_by(f64::total_cmp);
        let ratio = unknown_ms[2] / wrong_ms[2];
        assert!(
            (0.33..3.0).contains(&ratio),
            "median wrong-email {:.1} ms vs wrong-password {:.1} ms",
            unknown_ms[2] * 1000.0,
            wrong_ms[2] * 1000.0
        );

        // Fifty attempts from one address, whatever the emails: the address waits too.
        let mut last = StatusCode::OK;
        for i in 0..50 {
            last = login(&format!("spray{i}@example.com"), "wrong password!")
                .await
                .status;
            if last == StatusCode::TOO_MANY_REQUESTS {
                break;
            }
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the per-address limit");
    }
);

/// The `script-src` directive of a Content-Security-Policy.
fn script_src(csp: &str) -> &str {
    csp.split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or("")
}

db_test!(scripts_need_the_response_nonce, |app: TestApp| async move {
    let mut nonces = Vec::new();
    // A signed-in page as its user loads it (signed out, it is a redirect to the login page).
    let token = app.register("nonce@example.com").await;
    for path in ["/login", "/register", "/profile"] {
        let page = app
            .http
            .get(format!("{}{path}", app.url))
            .header("cookie", format!("hirekey_session={token}"))
            .send()
            .await
            .unwrap();
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let html = page.text().await.unwrap();
        let scripts = script_src(&csp);
        assert!(!scripts.contains("unsafe-inline"), "{path}: {csp}");
        let nonce = scripts
            .split_whitespace()
            .find_map(|s| s.strip_prefix("'nonce-"))
            .and_then(|s| s.strip_suffix('\''))
            .unwrap_or_else(|| panic!("{path}: no nonce in {csp}"))
            .to_owned();
        assert!(nonce.len() >= 22, "128 bits at least");
        let tags: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(
            !tags.is_empty(),
            "{path}: the page hydrates through scripts"
        );
        for tag in tags {
            let opening = tag.split('>').next().unwrap_or("");
            assert!(
                opening.contains(&format!("nonce=\"{nonce}\"")) || opening.contains(" src="),
                "{path}: an inline script without the nonce: <script{opening}>"
            );
        }
        nonces.push(nonce);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a fresh nonce per response");
    // API answers run no inline script at all.
    let api = app
        .request(Method::GET, "/api/v1/auth/me", None, None)
        .await;
    let csp = api.headers["content-security-policy"].to_str().unwrap();
    assert!(!script_src(csp).contains("nonce-"), "{csp}");
    assert!(!script_src(csp).contains("unsafe-inline"), "{csp}");
});
