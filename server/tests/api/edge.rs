//! The edge of the server: cross-site requests, slow and unauthenticated bodies, control
//! characters, file permissions, server-function statuses.
use std::time::Duration;

use leptos::server_fn::ServerFn;
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::db_test;
use crate::faults::Deployment;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

fn login_path() -> &'static str {
    <app::api::auth::Login as ServerFn>::PATH
}

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_owned()
}

/// A server function called as the page's script calls it: a form body, JSON back.
async fn call_server_fn(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    origin: Option<&str>,
    cookie: Option<&str>,
) -> Response {
    let mut req = app
        .http
        .post(format!("{}{path}", app.url))
        .header("accept", "application/json")
        .form(form);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    into_response(req.send().await.unwrap()).await
}

/// Renames a conversation through the REST route.
async fn rename(app: &TestApp, token: &str, id: &str, title: &str) -> Response {
    app.request(
        Method::PATCH,
        &format!("/api/v1/ai/conversations/{id}"),
        Some(token),
        Some(json!({ "title": title })),
    )
    .await
}

db_test!(
    sign_in_and_out_refuse_other_origins,
    |app: TestApp| async move {
        let token = app.register("victim@example.com").await;
        let ours = format!("http://{}", host(&app));
        let foreign = [
            Some("https://evil.example".to_owned()),
            Some("null".to_owned()),
            // The same host under another scheme, or without one, is not this origin.
            Some(format!("https://{}", host(&app))),
            Some(host(&app)),
            Some(format!(
                "http://{}.evil.example",
                host(&app).replace(':', "-")
            )),
        ];
        let credentials = [("email", "victim@example.com"), ("password", PASSWORD)];
        for origin in foreign.iter().chain([&None]) {
            // A server function answers only its own site's pages, which always send Origin.
            let r = call_server_fn(&app, login_path(), &credentials, origin.as_deref(), None).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "sfn login from {origin:?}: {}",
                r.text
            );
            assert!(
                r.headers.get("set-cookie").is_none(),
                "a session was handed out"
            );
            assert_eq!(r.body["error"], "Forbidden");
            let register = call_server_fn(
                &app,
                <app::api::auth::Register as ServerFn>::PATH,
                &[
                    ("email", "attacker@example.com"),
                    ("password", PASSWORD),
                    ("name", "A"),
                ],
                origin.as_deref(),
                None,
            )
            .await;
            assert_eq!(register.status, StatusCode::FORBIDDEN, "{}", register.text);
            let logout = call_server_fn(
                &app,
                <app::api::auth::Logout as ServerFn>::PATH,
                &[],
                origin.as_deref(),
                Some(&format!("hirekey_session={token}")),
            )
            .await;
            assert_eq!(logout.status, StatusCode::FORBIDDEN, "{}", logout.text);
            assert!(logout.headers.get("set-cookie").is_none());
        }
        for origin in foreign.iter().flatten() {
            // The REST routes the same: a browser's cross-site form always carries an Origin.
            let r = app
                .http
                .post(format!("{}/api/v1/auth/login", app.url))
                .header("origin", origin)
                .json(&json!({"email": "victim@example.com", "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "REST login from {origin}"
            );
            let r = app
                .http
                .post(format!("{}/api/v1/auth/logout", app.url))
                .header("origin", origin)
                .header("cookie", format!("hirekey_session={token}"))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "REST logout from {origin}"
            );
        }
        // The session was never ended by any of that.
        assert_eq!(
            app.get("/api/v1/auth/me", &token).await.status,
            StatusCode::OK
        );
        // From this site, or as an API client without a cookie, signing in works.
        let ok = call_server_fn(&app, login_path(), &credentials, Some(&ours), None).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        assert!(ok.headers.get("set-cookie").is_some());
        let api = app
            .request(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": "victim@example.com", "password": PASSWORD})),
            )
            .await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.text);
    }
);

db_test!(
    the_public_url_decides_the_origin_and_invite_links,
    |s: Spawn| s.env("HIREKEY_PUBLIC_URL", "https://hirekey.example"),
    |app: TestApp| async move {
        let token = app.register("admin@example.com").await;
        let cookie = format!("hirekey_session={token}");
        let put = |origin: String| {
            app.http
                .put(format!("{}/api/v1/profile/ai-settings", app.url))
                .header("cookie", &cookie)
                .header("origin", origin)
                .json(&json!({"use_personal_ai_key": false}))
                .send()
        };
        // The Host the request names is no longer enough: the configured origin is.
        let by_host = put(format!("http://{}", host(&app))).await.unwrap();
        assert_eq!(by_host.status(), StatusCode::FORBIDDEN);
        let by_config = put("https://hirekey.example".into()).await.unwrap();
        assert_eq!(by_config.status(), StatusCode::OK);
        let invite = app
            .http
            .post(format!("{}/api/v1/admin/invites", app.url))
            .bearer_auth(&token)
            .header("host", "evil.example")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let invite = into_response(invite).await;
        assert_eq!(invite.status, StatusCode::CREATED, "{}", invite.text);
        let link = invite.body["url"].as_str().unwrap();
        assert!(
            link.starts_with("https://hirekey.example/register?invite="),
            "{link}"
        );
    }
);

db_test!(
    server_function_errors_carry_their_status,
    |app: TestApp| async move {
        app.register("status@example.com").await;
        let ours = format!("http://{}", host(&app));
        let wrong = call_server_fn(
            &app,
            login_path(),
            &[
                ("email", "status@example.com"),
                ("password", "not the password"),
            ],
            Some(&ours),
            None,
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);
        assert_eq!(wrong.body["status"], 401);
        assert_eq!(wrong.body["error"], "Unauthorized");
        // Not logged in: the profile's server function says 401 too.
        let settings = call_server_fn(
            &app,
            <app::api::profile::GetAiSettings as ServerFn>::PATH,
            &[],
            Some(&ours),
            None,
        )
        .await;
        assert_eq!(
            settings.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            settings.text
        );
    }
);

db_test!(
    control_characters_are_refused_where_text_comes_in,
    |app: TestApp| async move {
        let token = app.register("nul@example.com").await;
        let ours = format!("http://{}", host(&app));
        let refused = |r: &Response, what: &str| {
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what}: {}",
                r.text
            );
            assert_eq!(r.body["error"], "Validation failed", "{what}");
        };
        for name in ["Eve\u{0}", "Eve\u{7}", "Eve\u{85}"] {
            let r = app
                .request(
                    Method::POST,
                    "/api/v1/auth/register",
                    None,
                    Some(json!({"email": "eve@example.com", "password": PASSWORD, "name": name})),
                )
                .await;
            refused(&r, "registration name");
        }
        let r = app
            .request(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": "nul@example.com\u{0}", "password": PASSWORD})),
            )
            .await;
        refused(&r, "login e-mail");
        let r = app
            .put(
                "/api/v1/profile/ai-settings",
                &token,
                json!({"provider": "groq", "model": "llama\u{0}"}),
            )
            .await;
        refused(&r, "model name");
        let chat = app
            .post(
                "/api/v1/ai/chat",
                &token,
                json!({"query_text": "Find Rust people"}),
            )
            .await;
        assert_eq!(chat.status, StatusCode::OK, "{}", chat.text);
        let id = chat.body["conversation_id"].as_str().unwrap().to_owned();
        let r = rename(&app, &token, &id, "x\u{0}y").await;
        refused(&r, "conversation title");
        let r = app.get("/api/v1/candidates?q=%00", &token).await;
        refused(&r, "search query");
        // A server function's arguments, as the page's forms send them.
        let r = call_server_fn(
            &app,
            login_path(),
            &[("email", "nul@example.com\u{0}"), ("password", PASSWORD)],
            Some(&ours),
            None,
        )
        .await;
        refused(&r, "sfn login e-mail");
        // Tabs and line breaks are text.
        let r = rename(&app, &token, &id, "Rust\tpeople\n").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["title"], "Rust people");
    }
);

db_test!(
    labels_lose_bidirectional_controls,
    |app: TestApp| async move {
        let token = app.register("bidi@example.com").await;
        let up = upload(
            &app,
            &token,
            "cv\u{202e}gnp.txt",
            "text/plain",
            b"Grace Hopper\nCompiler engineer\nSkills: COBOL\n".to_vec(),
        )
        .await;
        assert_eq!(up.status, StatusCode::CREATED, "{}", up.text);
        let id = up.body["id"].as_str().unwrap();
        let detail = app.get(&format!("/api/v1/candidates/{id}"), &token).await;
        assert_eq!(detail.body["file_name"], "cvgnp.txt", "{}", detail.text);
        let chat = app
            .post(
                "/api/v1/ai/chat",
                &token,
                json!({"query_text": "Who knows COBOL?"}),
            )
            .await;
        let conversation = chat.body["conversation_id"].as_str().unwrap().to_owned();
        let r = rename(
            &app,
            &token,
            &conversation,
            "\u{2067}Shortlist\u{2069} \u{202d}today",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["title"], "Shortlist today");
        let registered = app
            .request(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(json!({"email": "rlo@example.com", "password": PASSWORD, "name": "Eve \u{202e}nimda"})),
            )
            .await;
        assert_eq!(
            registered.status,
            StatusCode::CREATED,
            "{}",
            registered.text
        );
        let me = app
            .get(
                "/api/v1/auth/me",
                registered.body["token"].as_str().unwrap(),
            )
            .await;
        assert_eq!(me.body["name"], "Eve nimda");
    }
);

#[tokio::test]
async fn the_data_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = Spawn::new(DbKind::Sqlite).start().await.unwrap();
    // A write, so the write-ahead log and its index exist.
    app.register("files@example.com").await;
    let mode = |name: &str| {
        std::fs::metadata(app.data_dir.path().join(name))
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    assert_eq!(mode(""), 0o700, "the data directory");
    for file in [
        "hirekey.db",
        "hirekey.db-wal",
        "hirekey.db-shm",
        "master.key",
        "jwt.secret",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
}

/// Sends `head` (and `body`) on a raw connection and reads what comes back within `wait`.
async fn raw_exchange(url: &str, head: &str, body: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(url.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = vec![0u8; 4096];
    match tokio::time::timeout(wait, stream.read(&mut answer)).await {
        Ok(Ok(n)) => String::from_utf8_lossy(&answer[..n]).into_owned(),
        Ok(Err(e)) => format!("error: {e}"),
        Err(_) => "no answer".into(),
    }
}

fn upload_head(host: &str, length: usize, auth: Option<&str>) -> String {
    let auth = auth.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    format!(
        "POST /api/v1/resumes/upload HTTP/1.1\r\nHost: {host}\r\n{auth}\
         Content-Type: multipart/form-data; boundary=X\r\nContent-Length: {length}\r\n\r\n"
    )
}

db_test!(
    a_strangers_upload_is_refused_before_its_body,
    |app: TestApp| async move {
        // 9 MB announced, 64 KB sent: the answer comes without the rest.
        let head = upload_head(&host(&app), 9 * 1024 * 1024, None);
        let answer =
            raw_exchange(&app.url, &head, &[b'x'; 64 * 1024], Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        // A token that does not verify is a stranger too.
        let head = upload_head(&host(&app), 9 * 1024 * 1024, Some("not.a.token"));
        let answer = raw_exchange(&app.url, &head, &[b'x'; 1024], Duration::from_secs(5)).await;
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
);

#[tokio::test]
async fn silent_and_half_sent_connections_are_closed() {
    let app = Spawn::new(DbKind::Sqlite).start().await.unwrap();
    let idle = TcpStream::connect(host(&app)).await.unwrap();
    let mut half = TcpStream::connect(host(&app)).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let wait = server::serve::HEADER_READ_TIMEOUT + Duration::from_secs(5);
    for (what, mut stream) in [("idle", idle), ("half-sent headers", half)] {
        let mut buf = [0u8; 512];
        let read = tokio::time::timeout(wait, stream.read(&mut buf)).await;
        match read {
            // Closed (0 bytes, or a 408 and then the close), or reset.
            Ok(Ok(_)) | Ok(Err(_)) => {}
            Err(_) => panic!("the {what} connection was still open after {wait:?}"),
        }
    }
    // A kept-alive connection that goes quiet after a request is closed as well.
    let mut kept = TcpStream::connect(host(&app)).await.unwrap();
    kept.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", host(&app)).as_bytes())
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = kept.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let closed = tokio::time::timeout(wait, async {
        loop {
            match kept.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the quiet kept-alive connection stayed open"
    );
}

/// Resident memory of a process, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test]
async fn unfinished_anonymous_uploads_cost_no_memory() {
    let deployment = Deployment::new(DbKind::Sqlite).await.unwrap();
    let server = deployment.start().await;
    let token = server.register("served@example.com").await;
    let pid = server.child.id();
    let before = resident_kib(pid);
    let hostport = server.url.trim_start_matches("http://").to_owned();
    let head = upload_head(&hostport, 9 * 1024 * 1024, None);
    let chunk = vec![b'x'; 256 * 1024];
    let mut held = Vec::new();
    for _ in 0..200 {
        let Ok(mut stream) = TcpStream::connect(&hostport).await else {
            continue;
        };
        // Headers and a first piece of a 9 MB body, then nothing more while it is held open.
        if stream.write_all(head.as_bytes()).await.is_ok() {
            let _ =
                tokio::time::timeout(Duration::from_millis(200), stream.write_all(&chunk)).await;
        }
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let during = resident_kib(pid);
    // Someone signed in is still served while the 200 are held.
    let served = server
        .upload(&token, b"Ada Lovelace\nAnalyst\nSkills: maths\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), StatusCode::CREATED);
    let grown = during.saturating_sub(before);
    eprintln!("edge: resident {before} KiB before, {during} KiB with 200 held uploads");
    assert!(
        grown < 20 * 1024,
        "200 unfinished anonymous uploads grew the server by {grown} KiB"
    );
    drop(held);
}

db_test!(
    invite_links_never_name_the_requests_host,
    |app: TestApp| async move {
        let token = app.register("links@example.com").await;
        let invite = app
            .http
            .post(format!("{}/api/v1/admin/invites", app.url))
            .bearer_auth(&token)
            .header("host", "evil.example")
            .header("x-forwarded-host", "evil.example")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let invite = into_response(invite).await;
        assert_eq!(invite.status, StatusCode::CREATED, "{}", invite.text);
        let link = invite.body["url"].as_str().unwrap();
        assert!(!link.contains("evil.example"), "{link}");
        assert!(link.starts_with("http://127.0.0.1:"), "{link}");
    }
);
