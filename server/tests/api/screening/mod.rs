//! AI screening against a job: criteria drafted and edited, quotes checked against the resume,
//! the score's formula, blind runs that send no identity, resumes that address a model, and
//! another workspace seeing none of it (the key's rate limits and budgets: `limits.rs`). The provider is the mock (`mock-provider`), which quotes resume lines and, for a key
//! containing `invent`, adds a quote that is in no resume.
use std::time::{Duration, Instant};

use hirekey_core::entities::{candidates, resumes};
use mock_provider::screening::INVENTED_QUOTE;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::*;

mod limits;

const DEADLINE: Duration = Duration::from_secs(90);

pub(super) async fn new_job(app: &TestApp, token: &str, description: &str) -> Value {
    let r = app
        .post(
            "/api/v1/jobs",
            token,
            json!({"title": "Platform engineer", "description": description, "status": "open"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

pub(super) async fn apply(app: &TestApp, token: &str, job: &str, candidate: &str) -> String {
    let r = app
        .post(
            &format!("/api/v1/jobs/{job}/applications"),
            token,
            json!({"candidate_id": candidate}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

pub(super) async fn uploaded(app: &TestApp, token: &str, text: &str) -> String {
    let r = upload_text(app, token, text).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// `n` candidates with resume text written straight to the database (no analysis calls, so the
/// provider's limits are the screening's alone).
pub(super) async fn seeded(
    app: &TestApp,
    token: &str,
    n: usize,
    text: impl Fn(usize) -> String,
) -> Vec<String> {
    let workspace = app.user_id(token).await;
    let now = chrono::Utc::now();
    let mut ids = Vec::new();
    for i in 0..n {
        let id = Uuid::new_v4();
        candidates::Entity::insert(candidates::ActiveModel {
            id: Set(id),
            owner_id: Set(workspace),
            workspace_id: Set(workspace),
            name: Set(Some(format!("Seeded Person{i}"))),
            email: Set(None),
            current_title: Set(None),
            skills: Set("[]".into()),
            summary: Set(None),
            analysis: Set(None),
            analysis_status: Set("done".into()),
            analysis_error: Set(None),
            key_source: Set(None),
            search_text: Set(format!("seeded {i}")),
            warnings: Set(None),
            not_a_resume: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&app.state.db)
        .await
        .unwrap();
        let body = text(i);
        resumes::Entity::insert(resumes::ActiveModel {
            id: Set(Uuid::new_v4()),
            candidate_id: Set(id),
            file_name: Set("resume.txt".into()),
            content_type: Set("text/plain".into()),
            bytes: Set(body.clone().into_bytes()),
            text: Set(body),
            text_engine: Set(None),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(&app.state.db)
        .await
        .unwrap();
        ids.push(id.to_string());
    }
    ids
}

/// A job whose one criterion is "Rust" (a must), with `n` seeded applicants who wrote Rust: the
/// job's id and the candidates' ids.
pub(super) async fn rust_job(app: &TestApp, token: &str, n: usize) -> (String, Vec<String>) {
    let job = new_job(app, token, "Rust").await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    put_criteria(
        app,
        token,
        &job_id,
        json!([{"text": "Rust", "kind": "must"}]),
    )
    .await;
    let ids = seeded(app, token, n, |i| format!("Person {i}\nWrote Rust\n")).await;
    for id in &ids {
        apply(app, token, &job_id, id).await;
    }
    (job_id, ids)
}

pub(super) async fn put_criteria(
    app: &TestApp,
    token: &str,
    job: &str,
    criteria: Value,
) -> Response {
    app.put(
        &format!("/api/v1/jobs/{job}/criteria"),
        token,
        json!({ "criteria": criteria }),
    )
    .await
}

pub(super) async fn start(app: &TestApp, token: &str, job: &str, body: Value) -> Value {
    let r = app
        .post(&format!("/api/v1/jobs/{job}/screenings"), token, body)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    r.body
}

/// Polls the run until it has finished; its last progress.
pub(super) async fn finished(app: &TestApp, token: &str, run: &str) -> Value {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let r = app.get(&format!("/api/v1/screenings/{run}"), token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.body["state"] != "running" {
            return r.body;
        }
        assert!(Instant::now() < deadline, "still running: {}", r.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(super) async fn screening_of(app: &TestApp, token: &str, application: &str) -> Value {
    let r = app
        .get(
            &format!("/api/v1/applications/{application}/screening"),
            token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

pub(super) fn screening_requests(app: &TestApp) -> Vec<String> {
    app.chat_requests()
        .into_iter()
        .filter_map(|r| {
            r.messages
                .iter()
                .find(|m| m.content.contains("<candidate_resume>"))
                .map(|m| m.content.clone())
        })
        .collect()
}

const JANE: &str = "Jane Quinlan\nBuilt Rust services at Acme for five years\n\
Ran Kubernetes clusters in production\nEnjoys chess\n";

db_test!(
    criteria_are_drafted_edited_and_quotes_checked,
    |app: TestApp| async move {
        let token = app.register("screen@example.com").await;
        let r = app.save_groq_key(&token, &groq_key("plain")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let job = new_job(
        &app,
        &token,
        "You must know Rust well. Kubernetes experience is a plus. We need PostgreSQL in production.",
    )
    .await;
        let job_id = job["id"].as_str().unwrap();

        // The model drafts; nothing is saved until the person saves.
        let r = app
            .post(
                &format!("/api/v1/jobs/{job_id}/criteria/draft"),
                &token,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let draft = r.body["criteria"].as_array().unwrap().clone();
        assert_eq!(draft.len(), 3, "{}", r.text);
        assert_eq!(draft[0]["kind"], "must");
        assert_eq!(draft[1]["kind"], "nice");
        let r = app
            .get(&format!("/api/v1/jobs/{job_id}/criteria"), &token)
            .await;
        assert_eq!(r.body["criteria"], json!([]), "{}", r.text);
        let usage = app.wait_for_usage_rows(1).await;
        assert!(usage.iter().any(|u| u.feature == "screening_criteria"));

        // Edited and saved; bad lists are refused whole.
        let criteria = json!([
            {"text": "Rust", "kind": "must"},
            {"text": "Kubernetes", "kind": "nice"},
            {"text": "Haskell", "kind": "nice"}
        ]);
        let r = put_criteria(&app, &token, job_id, criteria.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .get(&format!("/api/v1/jobs/{job_id}/criteria"), &token)
            .await;
        assert_eq!(r.body["criteria"], criteria, "{}", r.text);
        let too_many: Vec<Value> = (0..21)
            .map(|i| json!({"text": format!("Skill {i}"), "kind": "nice"}))
            .collect();
        for bad in [
            json!(too_many),
            json!([{"text": "  ", "kind": "must"}]),
            json!([{"text": "x".repeat(301), "kind": "must"}]),
            json!([{"text": "Rust", "kind": "must"}, {"text": "rust", "kind": "nice"}]),
        ] {
            let r = put_criteria(&app, &token, job_id, bad).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
            assert!(r.body["error"].is_string() && r.body["message"].is_string());
        }
        let r = app
            .get(&format!("/api/v1/jobs/{job_id}/criteria"), &token)
            .await;
        assert_eq!(
            r.body["criteria"], criteria,
            "a refused list changes nothing"
        );

        let candidate = uploaded(&app, &token, JANE).await;
        let application = apply(&app, &token, job_id, &candidate).await;
        let started = start(&app, &token, job_id, json!({"blind": false})).await;
        assert_eq!(started["total"], 1);
        assert!(
            started["estimate"]["tokens"].as_i64().unwrap() > 100,
            "{started}"
        );
        let run = started["id"].as_str().unwrap();
        let progress = finished(&app, &token, run).await;
        assert_eq!(progress["state"], "done", "{progress}");
        assert_eq!(progress["done"], 1);
        assert_eq!(progress["failed"], 0);

        // Every quote the model gave was in the text: all kept.
        let s = screening_of(&app, &token, &application).await;
        let verdicts = s["verdicts"].as_array().unwrap();
        assert_eq!(verdicts[0]["verdict"], "met", "{s}");
        assert_eq!(
            verdicts[0]["quotes"],
            json!(["Built Rust services at Acme for five years"])
        );
        assert_eq!(verdicts[1]["verdict"], "met");
        assert_eq!(verdicts[2]["verdict"], "not_met");
        assert_eq!(s["dropped_quotes"], 0);
        // (2 × 1 + 1 × 1 + 1 × 0) / 4.
        assert_eq!(s["score"], 75);
        assert_eq!(s["key_source"], "personal");
        assert_eq!(s["provider"], "groq");
        assert_eq!(s["blind"], false);
        assert_eq!(s["needs_review"], false);
        let sent = screening_requests(&app);
        assert_eq!(sent.len(), 1);
        assert!(
            sent[0].contains("Jane Quinlan"),
            "a run that is not blind sends the text"
        );

        // A model that invents: its invented quote is dropped everywhere, and Haskell's "met",
        // backed by nothing else, becomes insufficient evidence (which scores as not met).
        let r = app.save_groq_key(&token, &groq_key("invent")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let started = start(
            &app,
            &token,
            job_id,
            json!({"application_ids": [application]}),
        )
        .await;
        finished(&app, &token, started["id"].as_str().unwrap()).await;
        let s = screening_of(&app, &token, &application).await;
        let verdicts = s["verdicts"].as_array().unwrap();
        assert_eq!(verdicts[0]["verdict"], "met");
        assert_eq!(verdicts[0]["dropped_quotes"], 1);
        assert!(!s.to_string().contains(INVENTED_QUOTE), "{s}");
        assert_eq!(verdicts[2]["verdict"], "insufficient_evidence", "{s}");
        assert_eq!(verdicts[2]["model_verdict"], "met");
        assert_eq!(verdicts[2]["quotes"], json!([]));
        assert_eq!(s["dropped_quotes"], 3);
        assert_eq!(s["score"], 75);

        // Ranked on the job; the timeline has it.
        let r = app
            .get(&format!("/api/v1/jobs/{job_id}/screening"), &token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["applications"][0]["score"], 75, "{}", r.text);
        assert_eq!(r.body["latest_run"]["state"], "done");
        let r = app
            .get(&format!("/api/v1/candidates/{candidate}/activity"), &token)
            .await;
        assert!(r.text.contains("\"screened\""), "{}", r.text);

        // Nothing to screen without criteria, or with an application of another job.
        let other = new_job(&app, &token, "Anything").await;
        let other_id = other["id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/api/v1/jobs/{other_id}/screenings"),
                &token,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        put_criteria(
            &app,
            &token,
            other_id,
            json!([{"text": "Rust", "kind": "must"}]),
        )
        .await;
        let r = app
            .post(
                &format!("/api/v1/jobs/{other_id}/screenings"),
                &token,
                json!({"application_ids": [application]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    }
);

db_test!(
    another_workspace_sees_no_screening,
    |app: TestApp| async move {
        let token = app.register("owner@example.com").await;
        app.save_groq_key(&token, &groq_key("plain")).await;
        let job = new_job(&app, &token, "Rust").await;
        let job_id = job["id"].as_str().unwrap();
        put_criteria(
            &app,
            &token,
            job_id,
            json!([{"text": "Rust", "kind": "must"}]),
        )
        .await;
        let candidate = uploaded(&app, &token, JANE).await;
        let application = apply(&app, &token, job_id, &candidate).await;
        let run = start(&app, &token, job_id, json!({})).await;
        let run_id = run["id"].as_str().unwrap();
        finished(&app, &token, run_id).await;

        let other = app.register("other@example.com").await;
        app.save_groq_key(&other, &groq_key("plain")).await;
        for path in [
            format!("/api/v1/jobs/{job_id}/criteria"),
            format!("/api/v1/jobs/{job_id}/screening"),
            format!("/api/v1/screenings/{run_id}"),
            format!("/api/v1/applications/{application}/screening"),
        ] {
            let r = app.get(&path, &other).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
        }
        for path in [
            format!("/api/v1/jobs/{job_id}/criteria/draft"),
            format!("/api/v1/jobs/{job_id}/screenings"),
            format!("/api/v1/screenings/{run_id}/cancel"),
            format!("/api/v1/applications/{application}/screening/review"),
        ] {
            let r = app.post(&path, &other, json!({})).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
        }
        let r = put_criteria(&app, &other, job_id, json!([])).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        // The owner's criteria and screening are untouched.
        let r = app
            .get(&format!("/api/v1/jobs/{job_id}/criteria"), &token)
            .await;
        assert_eq!(r.body["criteria"].as_array().map(Vec::len), Some(1));
        let r = app
            .get(&format!("/api/v1/screenings/{run_id}"), &token)
            .await;
        assert_eq!(r.body["state"], "done", "{}", r.text);

        // Deleting the job takes its screening with it.
        let r = app.delete(&format!("/api/v1/jobs/{job_id}"), &token).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        let r = app
            .get(&format!("/api/v1/screenings/{run_id}"), &token)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        let r = app
            .get(
                &format!("/api/v1/applications/{application}/screening"),
                &token,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    }
);

/// Who the candidates are, as their resumes write it.
const BLIND: [(&str, &[&str]); 2] = [
    (
        "Margarethe Vandersloot\nmargarethe.vandersloot@example.org | +44 20 7946 0958\n\
221B Baker Street, London NW1 6XE\nDate of birth: 14/03/1988\nMs. Vandersloot, she/her\n\
Nationality: Dutch\nMarital status: Married\n\
linkedin.com/in/mvandersloot\n\nExperience\nBuilt Rust services at Acme for five years\n\
She ran Kubernetes clusters in production\n",
        &[
            "Margarethe",
            "Vandersloot",
            "margarethe.vandersloot@example.org",
            "7946 0958",
            "221B Baker Street",
            "NW1 6XE",
            "14/03/1988",
            "Dutch",
            "Married",
            "mvandersloot",
        ],
    ),
    (
        "Oluwaseun Adebayo-Smith\nPhone: (415) 555-0132\nEmail: seun@adebayo.dev\n\
1600 Pennsylvania Ave NW, Washington, DC 20500\nAge: 41\nMr Adebayo-Smith\n\
github.com/seunadebayo\n\nSkills\nRust, Go, Kubernetes\nHe led the platform team\n",
        &[
            "Oluwaseun",
            "Adebayo",
            "555-0132",
            "seun@adebayo.dev",
            "1600 Pennsylvania Ave",
            "20500",
            "Age: 41",
            "seunadebayo",
        ],
    ),
];

db_test!(a_blind_run_sends_no_identity, |app: TestApp| async move {
    let token = app.register("blind@example.com").await;
    app.save_groq_key(&token, &groq_key("plain")).await;
    let job = new_job(&app, &token, "Rust").await;
    let job_id = job["id"].as_str().unwrap();
    put_criteria(
        &app,
        &token,
        job_id,
        json!([{"text": "Rust", "kind": "must"}, {"text": "Kubernetes", "kind": "nice"}]),
    )
    .await;
    let mut applications = Vec::new();
    for (text, _) in BLIND {
        let candidate = uploaded(&app, &token, text).await;
        applications.push(apply(&app, &token, job_id, &candidate).await);
    }
    app.mock.clear();
    let run = start(&app, &token, job_id, json!({"blind": true})).await;
    let progress = finished(&app, &token, run["id"].as_str().unwrap()).await;
    assert_eq!(progress["done"], 2, "{progress}");
    assert_eq!(progress["blind"], true);

    let sent = screening_requests(&app);
    assert_eq!(sent.len(), 2, "one request per application");
    for request in &sent {
        for (_, identity) in BLIND {
            for item in identity {
                assert!(
                    !request.to_lowercase().contains(&item.to_lowercase()),
                    "a blind request carried {item:?}:\n{request}"
                );
            }
        }
        for pronoun in [" she ", " he ", "she/her", "ms.", "mr "] {
            assert!(
                !request.to_lowercase().contains(pronoun),
                "a blind request carried {pronoun:?}:\n{request}"
            );
        }
        assert!(
            request.contains("[NAME]") && request.contains("[EMAIL]"),
            "{request}"
        );
    }
    // Quotes are checked against the redacted text, and carry no identity either.
    for application in &applications {
        let s = screening_of(&app, &token, application).await;
        assert_eq!(s["blind"], true);
        assert_eq!(s["verdicts"][0]["verdict"], "met", "{s}");
        assert_eq!(s["dropped_quotes"], 0, "{s}");
        assert!(!s.to_string().contains("Vandersloot") && !s.to_string().contains("Adebayo"));
    }
});

db_test!(
    deleting_the_candidates_ends_their_run,
    |app: TestApp| async move {
        let token = app.register("gone@example.com").await;
        let (job_id, ids) = rust_job(&app, &token, 2).await;
        let job_id = job_id.as_str();
        // The mock answers a `slow` key after 3 s, past the 2.5 s the tests wait: the items are
        // still being tried when their candidates go.
        app.store_key_directly(&token, "groq", &groq_key("slow"))
            .await;
        let run = start(&app, &token, job_id, json!({})).await;
        for id in &ids {
            let r = app
                .delete(&format!("/api/v1/candidates/{id}"), &token)
                .await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        }
        let progress = finished(&app, &token, run["id"].as_str().unwrap()).await;
        assert_eq!(progress["state"], "done", "{progress}");
        assert_eq!(progress["done"], 0, "{progress}");
        let r = app
            .get(&format!("/api/v1/jobs/{job_id}/screening"), &token)
            .await;
        assert_eq!(r.body["applications"], json!([]), "{}", r.text);
    }
);

db_test!(a_merge_keeps_the_screening, |app: TestApp| async move {
    let token = app.register("merge@example.com").await;
    app.save_groq_key(&token, &groq_key("plain")).await;
    let (job_id, ids) = rust_job(&app, &token, 1).await;
    let run = start(&app, &token, &job_id, json!({})).await;
    finished(&app, &token, run["id"].as_str().unwrap()).await;
    let r = app
        .get(&format!("/api/v1/jobs/{job_id}/screening"), &token)
        .await;
    let application = r.body["applications"][0]["application_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept = uploaded(&app, &token, JANE).await;
    let r = app
        .post(
            &format!("/api/v1/candidates/{kept}/merge"),
            &token,
            json!({"other_id": ids[0]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The screening went with its application to the kept candidate.
    let s = screening_of(&app, &token, &application).await;
    assert_eq!(s["candidate_id"], kept.as_str(), "{s}");
    assert_eq!(s["score"], 100);
    let r = app
        .get(&format!("/api/v1/jobs/{job_id}/screening"), &token)
        .await;
    assert_eq!(
        r.body["applications"][0]["candidate_id"],
        kept.as_str(),
        "{}",
        r.text
    );
    assert_eq!(r.body["applications"][0]["score"], 100, "{}", r.text);
});
