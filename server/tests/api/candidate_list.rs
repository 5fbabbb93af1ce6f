//! The Candidates list at scale: indexed substring search (fragments of names, emails, skills
//! and words; several words narrow; relevance order) and cursor paging that neither repeats
//! nor skips a candidate while new ones arrive.
use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::db_test;
use crate::helpers::*;

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn add(app: &TestApp, token: &str, text: &str) -> String {
    let r = upload_text(app, token, text).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

db_test!(
    search_finds_fragments_and_narrows,
    |app: TestApp| async move {
        let token = app.register("recruiter@example.com").await;
        add(
            &app,
            &token,
            "Grace Hopper\nPlatform Engineer\ngrace.hopper@navy-mail.example\n\
         Skills: Kubernetes, Terraform, COBOL\nRan clusters for a decade.\n",
        )
        .await;
        add(
            &app,
            &token,
            "Linus Kubrick\nBackend Developer\nlinus@kernel-works.example\n\
         Skills: Rust, Go\nSome Kubernetes in a side project.\n",
        )
        .await;
        add(
            &app,
            &token,
            "Ada Lovelace\nData Engineer\nada@analytical.example\nSkills: Python, Terraform\n",
        )
        .await;
        // Another user's candidate matches every query below and must never be returned.
        let other = app.register("elsewhere@example.com").await;
        add(
            &app,
            &other,
            "Grace Hopperton\nPlatform Engineer\ngrace.hopper@navy-mail.example\n\
         Skills: Kubernetes, Terraform, Rust, Go, Python\n",
        )
        .await;

        for (q, expected) in [
            // A name fragment, any case.
            ("hopp", vec!["Grace Hopper"]),
            ("LOVEL", vec!["Ada Lovelace"]),
            // An email fragment.
            ("navy-mail.ex", vec!["Grace Hopper"]),
            ("kernel-w", vec!["Linus Kubrick"]),
            // A skill fragment: in skills first (Grace), then in the resume text only (Linus).
            ("kube", vec!["Grace Hopper", "Linus Kubrick"]),
            ("terraf", vec!["Ada Lovelace", "Grace Hopper"]),
            // Several words narrow.
            ("kube terraf", vec!["Grace Hopper"]),
            ("terraform python", vec!["Ada Lovelace"]),
            ("kube nothing-like-this", vec![]),
            // Short words fall back to a scan of the owner's rows, still narrowing.
            ("go", vec!["Linus Kubrick"]),
            ("go kube", vec!["Linus Kubrick"]),
        ] {
            let r = app
                .get(
                    &format!("/api/v1/candidates?q={}", q.replace(' ', "%20")),
                    &token,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "q={q}: {}", r.text);
            let mut got = names(&r.body);
            if q == "terraf" {
                // Both have it in skills: equal relevance, newest first.
                assert_eq!(got, ["Ada Lovelace", "Grace Hopper"], "q={q}");
                got.sort();
            }
            assert_eq!(got, expected, "q={q}");
            assert_eq!(r.body["total"], expected.len(), "q={q}");
        }
        // The other user finds only their own.
        let r = app.get("/api/v1/candidates?q=hopp", &other).await;
        assert_eq!(names(&r.body), ["Grace Hopperton"]);
        // A name match outranks a skill match, which outranks the resume text.
        add(
            &app,
            &token,
            "Kuber Nathan\nRecruiter\nkuber@example.com\nSkills: Sourcing\n",
        )
        .await;
        let r = app.get("/api/v1/candidates?q=kube", &token).await;
        assert_eq!(
            names(&r.body),
            ["Kuber Nathan", "Grace Hopper", "Linus Kubrick"]
        );
    }
);

/// Pages through `path` with `per_page=2` cursors, calling `between` after each page.
async fn walk(
    app: &TestApp,
    token: &str,
    query: &str,
    mut between: impl FnMut(usize) -> Option<String>,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for step in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/candidates?per_page=2&{query}cursor={c}"),
            None => format!("/api/v1/candidates?per_page=2&{query}"),
        };
        let r = app.get(&path, token).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert!(r.body["items"].as_array().unwrap().len() <= 2);
        seen.extend(ids(&r.body));
        if let Some(text) = between(step) {
            add(app, token, &text).await;
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(c.len(), 64);
                cursor = Some(c.to_owned());
            }
            None => return seen,
        }
    }
    panic!("the cursors never ended");
}

db_test!(
    cursors_visit_each_candidate_once_while_more_arrive,
    |app: TestApp| async move {
        let token = app.register("pager@example.com").await;
        let mut existing = Vec::new();
        for i in 0..7 {
            existing.push(
                add(
                    &app,
                    &token,
                    &format!("Person Number{i}\nEngineer\nSkills: Kubernetes\n"),
                )
                .await,
            );
        }
        // The last page says so.
        let all = app.get("/api/v1/candidates", &token).await;
        assert_eq!(all.body["total"], 7);
        assert!(all.body["next_cursor"].is_null());

        for query in ["", "q=kubernetes&"] {
            let seen = walk(&app, &token, query, |step| {
                (step < 3)
                    .then(|| format!("Newcomer {query}{step}\nEngineer\nSkills: Kubernetes\n"))
            })
            .await;
            let unique: HashSet<&String> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{query}: a candidate came twice");
            for id in &existing {
                assert!(seen.contains(id), "{query}: {id} was skipped");
            }
        }

        // `page` still works beside the cursors, and a malformed cursor is refused.
        let page2 = app
            .get("/api/v1/candidates?per_page=2&page=2", &token)
            .await;
        assert_eq!(page2.status, StatusCode::OK);
        assert_eq!(ids(&page2.body).len(), 2);
        for bad in ["abc", "XYZ", &"G".repeat(64)] {
            let r = app
                .get(&format!("/api/v1/candidates?cursor={bad}"), &token)
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{bad}: {}",
                r.text
            );
        }
        // Another user's cursor shows them nothing of this user's.
        let first = app.get("/api/v1/candidates?per_page=2", &token).await;
        let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        let other = app.register("stranger@example.com").await;
        let r = app
            .get(&format!("/api/v1/candidates?cursor={cursor}"), &other)
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(ids(&r.body).is_empty());
    }
);
