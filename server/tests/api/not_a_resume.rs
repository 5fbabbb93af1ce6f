//! A document that is plainly not a resume is kept but flagged `not_a_resume`, from the verdict
//! of the one analysis call, for a person to confirm or delete.
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use serde_json::Value;

use crate::db_test;
use crate::helpers::*;

const SHOPPING_LIST: &str = "Milk — Eggs\nBread\nButter\n2 apples\nCoffee\n";
const RESUME: &str = "Jane Doe\nSenior Backend Engineer\njane.doe@example.com\n\
Skills: Rust, PostgreSQL\n9 years of experience building payment systems.\n";

/// Keep (the detail page's form), as the page's script posts it: a form body, JSON back.
async fn keep(app: &TestApp, token: &str, id: &str) -> Response {
    let res = app
        .http
        .post(format!(
            "{}{}",
            app.url,
            <app::api::candidates::KeepCandidate as ServerFn>::PATH
        ))
        .header("accept", "application/json")
        .header("origin", app.url.clone())
        .bearer_auth(token)
        .form(&[("id", id)])
        .send()
        .await
        .expect("keep");
    into_response(res).await
}

async fn flag(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/api/v1/candidates/{id}"), token)
        .await
        .body["not_a_resume"]
        .clone()
}

fn flag_of(candidates: &Value, id: &str) -> Value {
    candidates["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["id"] == id))
        .map(|c| c["not_a_resume"].clone())
        .unwrap_or(Value::Null)
}

db_test!(
    a_shopping_list_is_kept_and_flagged_a_resume_is_not,
    |app: TestApp| async move {
        let token = app.register("flag-not-resume@example.com").await;
        app.save_groq_key(&token, &groq_key("valid")).await;

        let list = upload_text(&app, &token, SHOPPING_LIST).await;
        assert_eq!(list.status, StatusCode::CREATED, "{}", list.text);
        assert_eq!(list.body["analysis_status"], "done", "{}", list.text);
        assert_eq!(list.body["not_a_resume"], true, "{}", list.text);
        let list_id = list.body["id"].as_str().unwrap_or_default().to_owned();

        // One analysis call asked the question: the verdict costs no second request.
        let requests = app.chat_requests();
        assert_eq!(requests.len(), 1);
        assert!(requests[0]
            .messages
            .iter()
            .any(|m| m.role == "system" && m.content.contains("\"is_resume\"")));

        let resume = upload_text(&app, &token, RESUME).await;
        assert_eq!(resume.status, StatusCode::CREATED, "{}", resume.text);
        assert_eq!(resume.body["analysis_status"], "done", "{}", resume.text);
        assert_eq!(resume.body["not_a_resume"], false, "{}", resume.text);
        let resume_id = resume.body["id"].as_str().unwrap_or_default().to_owned();

        // The file is kept, and the flag is on the detail and in the list.
        let detail = app
            .get(&format!("/api/v1/candidates/{list_id}"), &token)
            .await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
        assert_eq!(detail.body["not_a_resume"], true);
        assert!(detail.body["resume_text"]
            .as_str()
            .unwrap_or_default()
            .contains("Eggs"));
        let download = app
            .get(&format!("/api/v1/candidates/{list_id}/resume"), &token)
            .await;
        assert_eq!(download.status, StatusCode::OK);
        let all = app.get("/api/v1/candidates", &token).await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.text);
        assert_eq!(flag_of(&all.body, &list_id), true);
        assert_eq!(flag_of(&all.body, &resume_id), false);
    }
);

db_test!(
    only_the_owner_keeps_a_flagged_document,
    |app: TestApp| async move {
        let owner = app.register("keep-owner@example.com").await;
        app.save_groq_key(&owner, &groq_key("valid")).await;
        let other = app.register("keep-other@example.com").await;
        let r = upload_text(&app, &owner, SHOPPING_LIST).await;
        assert_eq!(r.body["not_a_resume"], true, "{}", r.text);
        let id = r.body["id"].as_str().unwrap_or_default().to_owned();

        // Someone else's candidate does not exist for them: refused, the flag stays.
        let refused = keep(&app, &other, &id).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text);
        assert_eq!(refused.body["error"], "Not found", "{}", refused.text);
        assert_eq!(flag(&app, &owner, &id).await, true);
        // Nor does a made-up id.
        let unknown = keep(&app, &owner, &uuid::Uuid::new_v4().to_string()).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);

        let kept = keep(&app, &owner, &id).await;
        assert!(
            kept.status.is_success() || kept.status.is_redirection(),
            "{}",
            kept.text
        );
        assert_eq!(flag(&app, &owner, &id).await, false);
        // The candidate and the file are still there.
        let download = app
            .get(&format!("/api/v1/candidates/{id}/resume"), &owner)
            .await;
        assert_eq!(download.status, StatusCode::OK);
    }
);
