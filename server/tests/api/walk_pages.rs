//! What a new recruiter meets on the server-rendered pages: the candidate list pages through
//! every candidate, a search with no match says so, login returns to the page asked for, the
//! register page asks for what sign-up needs, the key status says whether the key is in use,
//! and conversations are told apart. Each page is fetched as a browser without JavaScript
//! would: the HTML is what the user sees first, and all a user without the WASM gets.
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

/// A page as the signed-in user's browser gets it: the status, the `Location` and the HTML.
async fn page(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, String, String) {
    let mut req = app.http.get(format!("{}{}", app.url, path));
    if let Some(token) = token {
        req = req.header("cookie", format!("hirekey_session={token}"));
    }
    let res = req.send().await.expect("page");
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // Without the hydration markers (`<!>`), the HTML as a reader sees it.
    let html = res.text().await.expect("html").replace("<!>", "");
    if let Ok(dir) = std::env::var("WALK_DUMP") {
        let name: String = path
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let _ = std::fs::write(format!("{dir}/{name}.html"), &html);
    }
    (status, location, html)
}

/// The candidate ids a list page links to, in order.
fn linked_candidates(html: &str) -> Vec<String> {
    html.split(r#"href="/candidates/"#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|id| id.len() == 36)
        .map(str::to_owned)
        .collect()
}

/// The value of the first `href` that follows `marker`, with `&amp;` read as `&`.
fn href_after(html: &str, marker: &str) -> Option<String> {
    let at = html.find(marker)?;
    let before = &html[..at];
    let start = before.rfind("href=\"")? + 6;
    let end = start + html[start..].find('"')?;
    Some(html[start..end].replace("&amp;", "&"))
}

db_test!(
    the_list_pages_through_every_candidate_in_the_address,
    |app: TestApp| async move {
        let token = app.register("pager@example.com").await;
        app.save_groq_key(&token, &groq_key("valid")).await;
        for i in 0..54 {
            let r = upload_text(
                &app,
                &token,
                &format!(
                    "Person {i:02}\nBackend Engineer\np{i}@example.com\nSkills: Rust{}\n",
                    if i == 7 { ", Haskell" } else { "" }
                ),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }

        let (status, _, first) = page(&app, Some(&token), "/candidates").await;
        assert_eq!(status, StatusCode::OK);
        let first_ids = linked_candidates(&first);
        assert_eq!(first_ids.len(), 50, "the first page holds 50");
        assert!(first.contains("1–50 of 54 candidates"), "{first}");
        assert!(
            !first.contains("first-page"),
            "no way back from the first page"
        );

        // "Next page" carries the cursor in the address: what back, reload and a link show.
        let next = href_after(&first, r#"data-testid="next-page""#).expect("a next page link");
        assert!(next.starts_with("/candidates?page=2&cursor="), "{next}");
        let (status, _, second) = page(&app, Some(&token), &next).await;
        assert_eq!(status, StatusCode::OK);
        let second_ids = linked_candidates(&second);
        assert_eq!(second_ids.len(), 4, "the four oldest");
        assert!(second.contains("51–54 of 54 candidates"), "{second}");
        assert!(second.contains(r#"data-testid="first-page""#));
        assert!(
            !second.contains(r#"data-testid="next-page""#),
            "the last page"
        );
        let mut all: Vec<String> = first_ids.iter().chain(&second_ids).cloned().collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 54, "every candidate once");

        // `?page=2` alone is honoured too.
        let (_, _, by_number) = page(&app, Some(&token), "/candidates?page=2").await;
        let mut numbered = linked_candidates(&by_number);
        let mut expected = second_ids.clone();
        numbered.sort();
        expected.sort();
        assert_eq!(numbered, expected);

        // A search with no match says so and offers to clear it; it does not say "yet".
        let (_, _, none) = page(&app, Some(&token), "/candidates?q=zanzibarqx").await;
        assert!(none.contains("No candidates match"), "{none}");
        assert!(none.contains(r#"data-testid="clear-search""#));
        assert!(!none.contains("No candidates yet"));

        // One match: "1 match", not "1 matches".
        let (_, _, one) = page(&app, Some(&token), "/candidates?q=haskell").await;
        assert_eq!(linked_candidates(&one).len(), 1, "{one}");
        assert!(one.contains(">1 match<"), "{one}");
        assert!(!one.contains("1 matches"));
    }
);

db_test!(
    login_returns_to_the_page_that_asked_for_it,
    |app: TestApp| async move {
        app.register("next@example.com").await;
        let (status, location, html) = page(&app, None, "/candidates?q=python").await;
        assert!(status.is_redirection(), "{status} {html}");
        assert_eq!(location, "/login?next=%2Fcandidates%3Fq%3Dpython");

        let (_, _, login_page) = page(&app, None, &location).await;
        assert!(
            login_page.contains(r#"name="next" value="/candidates?q=python""#),
            "{login_page}"
        );

        // The form's post, as a browser without JavaScript sends it.
        let post = |next: &'static str| {
            let app = &app;
            async move {
                app.http
                    .post(format!(
                        "{}{}",
                        app.url,
                        <app::api::auth::Login as ServerFn>::PATH
                    ))
                    .header("origin", app.url.clone())
                    .header("referer", format!("{}/login", app.url))
                    .header("accept", "text/html,application/xhtml+xml")
                    .form(&[
                        ("email", "next@example.com"),
                        ("password", "correct horse battery"),
                        ("next", next),
                    ])
                    .send()
                    .await
                    .expect("login")
            }
        };
        let back = post("/candidates?q=python").await;
        assert!(back.status().is_redirection(), "{}", back.status());
        assert_eq!(back.headers()["location"], "/candidates?q=python");
        // Another site is never a destination.
        for elsewhere in [
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil.example",
        ] {
            let r = post(elsewhere).await;
            assert_eq!(r.headers()["location"], "/", "{elsewhere}");
        }
        // Non-ASCII text (a search for "José") goes back as it came, without a fault.
        let r = post("/candidates?q=José").await;
        assert!(r.status().is_redirection(), "{}", r.status());
        assert_eq!(
            r.headers()["location"].as_bytes(),
            "/candidates?q=José".as_bytes()
        );
        // A login page with a foreign `next` does not carry it.
        let (_, _, foreign) = page(&app, None, "/login?next=%2F%2Fevil.example").await;
        assert!(!foreign.contains(r#"name="next""#));
    }
);

db_test!(
    the_register_page_asks_for_an_invite_only_when_sign_up_needs_one,
    |s: Spawn| s.env("HIREKEY_REGISTRATION", "invite"),
    |app: TestApp| async move {
        let (_, _, invite_only) = page(&app, None, "/register").await;
        assert!(invite_only.contains(r#"data-testid="invite-field""#));
        assert!(invite_only.contains("At least 8 characters."));
        // The field's explanation is a hint below it, not a placeholder cut off by the box.
        assert!(!invite_only.contains("placeholder=\"From your invite link"));

        // The admin page says which it is (the first account needs no invite).
        let admin = app.register("admin-invite@example.com").await;
        let (_, _, admin_page) = page(&app, Some(&admin), "/admin").await;
        assert!(
            admin_page.contains("Sign-up is by invite only"),
            "{admin_page}"
        );
    }
);

db_test!(
    with_open_sign_up_the_register_page_has_no_invite_field,
    |s: Spawn| s.env("HIREKEY_REGISTRATION", "open"),
    |app: TestApp| async move {
        let (_, _, open_page) = page(&app, None, "/register").await;
        assert!(open_page.contains(r#"name="password""#), "{open_page}");
        assert!(!open_page.contains(r#"data-testid="invite-field""#));
        assert!(open_page.contains("At least 8 characters."));
        let admin = app.register("first-admin@example.com").await;
        let (_, _, admin_page) = page(&app, Some(&admin), "/admin").await;
        assert!(admin_page.contains("Sign-up is open"), "{admin_page}");
    }
);

db_test!(
    the_key_status_says_whether_the_stored_key_is_in_use,
    |app: TestApp| async move {
        let token = app.register("badge@example.com").await;
        // No key: the dashboard offers to set one up.
        let (_, _, dashboard) = page(&app, Some(&token), "/").await;
        assert!(dashboard.contains(r#"data-testid="dashboard-key-setup""#));

        // Test, then Save without the toggle (the order the README gives): stored, off.
        let saved = app
            .put(
                "/api/v1/profile/ai-settings",
                &token,
                json!({"personal_groq_api_key": groq_key("valid"), "use_personal_ai_key": false}),
            )
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
        let (_, _, profile) = page(&app, Some(&token), "/profile").await;
        assert!(
            profile.contains("Personal key stored, not in use"),
            "{profile}"
        );
        assert!(!profile.contains("Personal key in use"));
        assert!(profile.contains(r#"data-testid="key-off-note""#));

        app.save_groq_key(&token, &groq_key("valid")).await;
        let (_, _, profile) = page(&app, Some(&token), "/profile").await;
        assert!(profile.contains("Personal key in use"));
        assert!(!profile.contains("not in use"));
        let (_, _, dashboard) = page(&app, Some(&token), "/").await;
        assert!(!dashboard.contains(r#"data-testid="dashboard-key-setup""#));
        // An empty week's chart has no peak.
        assert!(
            dashboard.contains("No AI calls in this period"),
            "{dashboard}"
        );
        assert!(!dashboard.contains("peak 1"));
        assert!(dashboard.contains(">0</strong> calls"));
    }
);

db_test!(
    a_candidate_page_shows_only_what_was_found_in_the_list_s_words,
    |app: TestApp| async move {
        let token = app.register("facts@example.com").await;
        app.save_groq_key(&token, &groq_key("valid")).await;
        let r = upload_text(
            &app,
            &token,
            "Grace Hopper\nSenior Engineer\ngrace@example.com\nSkills: COBOL\n",
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis"]["location"], Value::Null, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let (_, _, detail) = page(&app, Some(&token), &format!("/candidates/{id}")).await;
        assert!(detail.contains("Grace Hopper"), "{detail}");
        // No bare labels for what the analysis did not find.
        assert!(!detail.contains("<dt>Location</dt>"), "{detail}");
        assert!(detail.contains("<dt>Email</dt>"));
        // The list's word for a finished analysis.
        assert!(detail.contains(">Analysed</span>"), "{detail}");
        assert!(!detail.contains(">done</span>"));
    }
);

db_test!(
    conversations_with_the_same_question_are_told_apart,
    |app: TestApp| async move {
        let token = app.register("titles@example.com").await;
        app.save_groq_key(&token, &groq_key("valid")).await;
        upload_text(
            &app,
            &token,
            "Ada Lovelace\nPython developer\nada@example.com\n",
        )
        .await;
        for _ in 0..3 {
            let r = app
                .post(
                    "/api/v1/ai/chat",
                    &token,
                    json!({"query_text": "Find Python developers"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let list = app.get("/api/v1/ai/conversations", &token).await;
        let mut titles: Vec<String> = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap().to_owned())
            .collect();
        titles.sort();
        assert_eq!(
            titles,
            [
                "Find Python developers",
                "Find Python developers (2)",
                "Find Python developers (3)"
            ]
        );
    }
);
