//! The hiring loop: jobs and stages, applications and the stage conflict, the board's paging
//! while cards move, duplicates found on upload and merged on request, notes, the timeline,
//! and another workspace seeing none of it.
use std::collections::HashSet;

use hirekey_core::entities::{applications, candidates};
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::*;

async fn patch(app: &TestApp, path: &str, token: &str, body: Value) -> Response {
    app.request(Method::PATCH, path, Some(token), Some(body))
        .await
}

async fn create_job(app: &TestApp, token: &str, title: &str) -> Value {
    let r = app
        .post(
            "/api/v1/jobs",
            token,
            json!({"title": title, "description": "Build things", "location": "Berlin", "status": "open"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

async fn uploaded(app: &TestApp, token: &str, text: &str) -> String {
    let r = upload_text(app, token, text).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

fn stage_names(job: &Value) -> Vec<String> {
    job["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

fn stage_id(job: &Value, name: &str) -> String {
    job["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no stage {name} in {job}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn activity_kinds(app: &TestApp, token: &str, candidate: &str) -> Vec<(String, String)> {
    let r = app
        .get(&format!("/api/v1/candidates/{candidate}/activity"), token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["actor_email"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

db_test!(jobs_and_their_stages, |app: TestApp| async move {
    let token = app.register("jobs@example.com").await;
    let job = create_job(&app, &token, "Backend engineer").await;
    assert_eq!(
        stage_names(&job),
        [
            "Applied",
            "Screening",
            "Interview",
            "Offer",
            "Hired",
            "Rejected"
        ]
    );
    assert_eq!(job["status"], "open");
    assert_eq!(job["stages"][5]["kind"], "rejected");
    let id = job["id"].as_str().unwrap().to_owned();

    // Bad input: a clear error each.
    let r = app
        .post(
            "/api/v1/jobs",
            &token,
            json!({"title": "  ", "status": "open"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .post(
            "/api/v1/jobs",
            &token,
            json!({"title": "X", "status": "maybe"}),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    assert!(r.body["error"].is_string() && r.body["message"].is_string());

    // Edit.
    let r = patch(
        &app,
        &format!("/api/v1/jobs/{id}"),
        &token,
        json!({"title": "Senior backend engineer", "status": "on_hold", "location": null}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["title"], "Senior backend engineer");
    assert_eq!(r.body["status"], "on_hold");
    assert!(r.body["location"].is_null());
    assert_eq!(r.body["description"], "Build things");

    // Reorder, rename and add: the rejected stage stays last whatever its place.
    let s = |n: &str| stage_id(&job, n);
    let r = app
        .put(
            &format!("/api/v1/jobs/{id}/stages"),
            &token,
            json!({"stages": [
                {"id": s("Applied"), "name": "Applied"},
                {"id": s("Rejected"), "name": "Not a fit"},
                {"id": s("Interview"), "name": "Interview"},
                {"name": "Take-home"},
                {"id": s("Screening"), "name": "Phone screen"},
                {"id": s("Offer"), "name": "Offer"},
                {"id": s("Hired"), "name": "Hired"},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        stage_names(&r.body),
        [
            "Applied",
            "Interview",
            "Take-home",
            "Phone screen",
            "Offer",
            "Hired",
            "Not a fit"
        ]
    );
    let job = r.body.clone();

    // A stage in use cannot be removed.
    let c = uploaded(
        &app,
        &token,
        "Ana Lima\nEngineer\nana@example.com\nSkills: Rust",
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/jobs/{id}/applications"),
            &token,
            json!({"candidate_id": c}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["stage"], "Applied");
    let without_applied: Vec<Value> = job["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|st| st["name"] != "Applied")
        .map(|st| json!({"id": st["id"], "name": st["name"]}))
        .collect();
    let r = app
        .put(
            &format!("/api/v1/jobs/{id}/stages"),
            &token,
            json!({ "stages": without_applied }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("1 application"),
        "{}",
        r.text
    );
    // Nothing changed.
    let r = app.get(&format!("/api/v1/jobs/{id}"), &token).await;
    assert_eq!(stage_names(&r.body).len(), 7);
    assert_eq!(r.body["stages"][0]["count"], 1);
    assert_eq!(r.body["total"], 1);

    // The rejected stage cannot go.
    let without_rejected: Vec<Value> = job["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|st| st["kind"] != "rejected")
        .map(|st| json!({"id": st["id"], "name": st["name"]}))
        .collect();
    let r = app
        .put(
            &format!("/api/v1/jobs/{id}/stages"),
            &token,
            json!({ "stages": without_rejected }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // An empty stage can.
    let without_take_home: Vec<Value> = job["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|st| st["name"] != "Take-home")
        .map(|st| json!({"id": st["id"], "name": st["name"]}))
        .collect();
    let r = app
        .put(
            &format!("/api/v1/jobs/{id}/stages"),
            &token,
            json!({ "stages": without_take_home }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!stage_names(&r.body).contains(&"Take-home".to_owned()));

    // The list has it with its counts.
    let r = app.get("/api/v1/jobs", &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["items"][0]["total"], 1);

    // Deleting the job leaves the candidate.
    let r = app.delete(&format!("/api/v1/jobs/{id}"), &token).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = app.get(&format!("/api/v1/jobs/{id}"), &token).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app.get(&format!("/api/v1/candidates/{c}"), &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
});

db_test!(
    applications_move_reject_and_lose_races_with_a_409,
    |app: TestApp| async move {
        let token = app.register("mover@example.com").await;
        let job = create_job(&app, &token, "Designer").await;
        let id = job["id"].as_str().unwrap();
        let c = uploaded(
            &app,
            &token,
            "Bo Chen\nDesigner\nbo@example.com\nSkills: Figma",
        )
        .await;
        let r = app
            .post(
                &format!("/api/v1/jobs/{id}/applications"),
                &token,
                json!({"candidate_id": c}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let app_id = r.body["id"].as_str().unwrap().to_owned();
        assert_eq!(r.body["stage_version"], 0);
        assert_eq!(r.body["candidate"]["name"], "Bo Chen");
        // Twice in one job: 409.
        let r = app
            .post(
                &format!("/api/v1/jobs/{id}/applications"),
                &token,
                json!({"candidate_id": c}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        // Someone else's candidate or a made-up one: 404.
        let r = app
            .post(
                &format!("/api/v1/jobs/{id}/applications"),
                &token,
                json!({"candidate_id": Uuid::new_v4()}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

        let path = format!("/api/v1/applications/{app_id}");
        let r = patch(
            &app,
            &path,
            &token,
            json!({"stage": "interview", "stage_version": 0}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["stage"], "Interview");
        assert_eq!(r.body["stage_version"], 1);
        // A move from what was seen before: 409 with where the card is now.
        let r = patch(
            &app,
            &path,
            &token,
            json!({"stage": "Offer", "stage_version": 0}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert_eq!(r.body["error"], "Conflict");
        assert_eq!(r.body["current_stage"], "Interview");
        assert_eq!(r.body["stage_version"], 1);
        assert!(r.body["message"].as_str().unwrap().contains("Interview"));
        // Not a stage: 422 naming the stages.
        let r = patch(&app, &path, &token, json!({"stage": "Limbo"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        // Rejected needs a reason.
        let r = patch(
            &app,
            &path,
            &token,
            json!({"stage": "Rejected", "stage_version": 1}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let r = patch(
            &app,
            &path,
            &token,
            json!({"stage": "Rejected", "stage_version": 1, "rejection_reason": "Went elsewhere"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["rejection_reason"], "Went elsewhere");
        assert_eq!(r.body["stage_version"], 2);

        // Two moves of one card at the same moment: one wins, the other is told.
        let (a, b) = tokio::join!(
            patch(
                &app,
                &path,
                &token,
                json!({"stage": "Offer", "stage_version": 2})
            ),
            patch(
                &app,
                &path,
                &token,
                json!({"stage": "Hired", "stage_version": 2})
            ),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "{} / {}",
            a.text,
            b.text
        );
        let (won, lost) = if a.status == StatusCode::OK {
            (a, b)
        } else {
            (b, a)
        };
        assert_eq!(lost.body["current_stage"], won.body["stage"]);
        let r = app.get(&path, &token).await;
        assert_eq!(r.body["stage_version"], 3);
        assert_eq!(r.body["stage"], won.body["stage"]);
        assert!(r.body["rejection_reason"].is_null());

        // The candidate's page lists it; the job counts it once.
        let r = app
            .get(&format!("/api/v1/candidates/{c}/applications"), &token)
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(r.body["items"][0]["job_title"], "Designer");
        let r = app.get(&format!("/api/v1/jobs/{id}"), &token).await;
        assert_eq!(r.body["total"], 1);

        // The timeline: added, then each move, by whom.
        let kinds = activity_kinds(&app, &token, &c).await;
        let moves: Vec<_> = kinds.iter().filter(|(k, _)| k == "stage_moved").collect();
        assert_eq!(moves.len(), 3, "{kinds:?}");
        assert!(moves.iter().all(|(_, who)| who == "mover@example.com"));
        assert!(kinds.contains(&("added_to_job".into(), "mover@example.com".into())));
        let r = app
            .get(&format!("/api/v1/candidates/{c}/activity"), &token)
            .await;
        let rejected = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["detail"]["to"] == "Rejected")
            .unwrap()
            .clone();
        assert_eq!(rejected["detail"]["from"], "Interview");
        assert!(rejected["summary"]
            .as_str()
            .unwrap()
            .contains("Went elsewhere"));
    }
);

db_test!(
    a_column_pages_every_card_once_while_cards_move,
    |app: TestApp| async move {
        let token = app.register("board@example.com").await;
        let workspace = app.user_id(&token).await;
        let job = create_job(&app, &token, "Support").await;
        let job_id: Uuid = job["id"].as_str().unwrap().parse().unwrap();
        let applied: Uuid = stage_id(&job, "Applied").parse().unwrap();
        let screening = stage_id(&job, "Screening");
        // 10,000 applications, written directly: uploading them would test the upload.
        let base = app.clock().now();
        let n = 10_000;
        let mut ids = Vec::with_capacity(n);
        for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
            let mut cands = Vec::new();
            let mut apps = Vec::new();
            for &i in chunk {
                let cid = Uuid::new_v4();
                let aid = Uuid::new_v4();
                // Many share a creation time, so the id must break ties.
                let at = base + chrono::Duration::milliseconds((i / 7) as i64);
                cands.push(candidates::ActiveModel {
                    id: Set(cid),
                    owner_id: Set(workspace),
                    workspace_id: Set(workspace),
                    name: Set(Some(format!("Card {i}"))),
                    email: Set(None),
                    current_title: Set(None),
                    skills: Set("[]".into()),
                    summary: Set(None),
                    analysis: Set(None),
                    analysis_status: Set("done".into()),
                    analysis_error: Set(None),
                    key_source: Set(None),
                    search_text: Set(format!("card {i}")),
                    warnings: Set(None),
                    not_a_resume: Set(false),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                });
                apps.push(applications::ActiveModel {
                    id: Set(aid),
                    workspace_id: Set(workspace),
                    job_id: Set(job_id),
                    candidate_id: Set(cid),
                    stage_id: Set(applied),
                    stage_version: Set(0),
                    rejection_reason: Set(None),
                    stage_entered_at: Set(at),
                    created_by: Set(workspace),
                    created_at: Set(at),
                    updated_at: Set(at),
                });
                ids.push(aid.to_string());
            }
            candidates::Entity::insert_many(cands)
                .exec(&app.state.db)
                .await
                .unwrap();
            applications::Entity::insert_many(apps)
                .exec(&app.state.db)
                .await
                .unwrap();
        }
        let r = app.get(&format!("/api/v1/jobs/{job_id}"), &token).await;
        assert_eq!(r.body["stages"][0]["count"], 10_000);

        // Page the Applied column 100 at a time; between pages, move cards out (some from
        // pages already read, some from pages ahead) and some back in.
        let mut seen: Vec<String> = Vec::new();
        let mut moved_out: HashSet<String> = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut page = 0usize;
        loop {
            let mut path = format!("/api/v1/jobs/{job_id}/applications?stage=Applied&per_page=100");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let r = app.get(&path, &token).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            for item in r.body["items"].as_array().unwrap() {
                assert_eq!(item["stage"], "Applied");
                seen.push(item["id"].as_str().unwrap().to_owned());
            }
            if page % 10 == 3 {
                // One behind, one ahead, out to Screening; the one behind comes back.
                let behind = ids[page * 100 - 50].clone();
                let ahead = ids[(page * 100 + 450).min(n - 1)].clone();
                for card in [&behind, &ahead] {
                    let r = patch(
                        &app,
                        &format!("/api/v1/applications/{card}"),
                        &token,
                        json!({"stage": screening}),
                    )
                    .await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                    moved_out.insert(card.clone());
                }
                let r = patch(
                    &app,
                    &format!("/api/v1/applications/{behind}"),
                    &token,
                    json!({"stage": "Applied"}),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            }
            cursor = r.body["next_cursor"].as_str().map(str::to_owned);
            page += 1;
            if cursor.is_none() {
                break;
            }
            assert!(page < 200, "the paging does not end");
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "a card came twice");
        for id in &ids {
            if !moved_out.contains(id) {
                assert!(unique.contains(id), "card {id} never came");
            }
        }
    }
);

db_test!(
    the_same_person_uploaded_again_is_one_candidate_with_versions,
    |app: TestApp| async move {
        let token = app.register("dupes@example.com").await;
        let text =
            "Carla Souza\nData engineer\ncarla@example.com\n+55 11 91234-5678\nSkills: Python, SQL";
        let first = upload_text(&app, &token, text).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        assert!(first.body.get("duplicate_of").is_none());
        let id = first.body["id"].as_str().unwrap().to_owned();
        // The same file again.
        let second = upload_text(&app, &token, text).await;
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
        assert_eq!(second.body["duplicate_of"], id.as_str());
        assert_eq!(second.body["id"], id.as_str());
        // Another email, same phone written differently: the same person.
        let third = upload(
            &app,
            &token,
            "carla-2026.txt",
            "text/plain",
            b"Carla Souza\nSenior data engineer\ncarla.souza@work.example\n0055 (11) 91234 5678\nSkills: Spark".to_vec(),
        )
        .await;
        assert_eq!(third.status, StatusCode::CREATED, "{}", third.text);
        assert_eq!(third.body["duplicate_of"], id.as_str());
        let r = app.get("/api/v1/candidates", &token).await;
        assert_eq!(r.body["total"], 1, "{}", r.text);
        // Three versions, newest (current) first, each downloadable.
        let r = app
            .get(&format!("/api/v1/candidates/{id}/resumes"), &token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let versions = r.body["items"].as_array().unwrap().clone();
        assert_eq!(versions.len(), 3, "{}", r.text);
        assert_eq!(versions[0]["current"], true);
        assert_eq!(versions[0]["file_name"], "carla-2026.txt");
        let r = app.get(&format!("/api/v1/candidates/{id}"), &token).await;
        assert_eq!(r.body["current_title"], "Senior data engineer");
        for v in &versions {
            let url = v["download_url"].as_str().unwrap();
            let res = app
                .http
                .get(format!("{}{url}", app.url))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert!(!res.bytes().await.unwrap().is_empty());
        }
        // The current version cannot be deleted; an earlier one can, and the timeline says so.
        let current = versions[0]["id"].as_str().unwrap();
        let r = app
            .delete(
                &format!("/api/v1/candidates/{id}/resumes/{current}"),
                &token,
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        let older = versions[2]["id"].as_str().unwrap();
        let r = app
            .delete(&format!("/api/v1/candidates/{id}/resumes/{older}"), &token)
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        let kinds: Vec<String> = activity_kinds(&app, &token, &id)
            .await
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for kind in ["uploaded", "new_version", "analysed", "version_deleted"] {
            assert!(
                kinds.contains(&kind.to_owned()),
                "{kind} missing from {kinds:?}"
            );
        }
        assert_eq!(kinds.iter().filter(|k| *k == "new_version").count(), 2);
        let r = app
            .get(&format!("/api/v1/candidates/{id}/activity"), &token)
            .await;
        let analysed = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "analysed")
            .unwrap()
            .clone();
        assert!(analysis_model_named(&analysed), "{analysed}");
    }
);

fn analysis_model_named(event: &Value) -> bool {
    event["detail"]["model"]
        .as_str()
        .is_some_and(|m| !m.is_empty())
        && event["detail"]["key_source"].as_str().is_some()
}

db_test!(
    two_people_with_one_name_are_two_candidates_and_a_merge_keeps_everything,
    |app: TestApp| async move {
        let token = app.register("merge@example.com").await;
        let a = uploaded(
            &app,
            &token,
            "José García\nBackend engineer\njose@one.example\nSkills: Go",
        )
        .await;
        let b = uploaded(
            &app,
            &token,
            "Garcia, Jose\nSRE\njose@two.example\nSkills: Kubernetes",
        )
        .await;
        let c = uploaded(&app, &token, "García José\nManager\nSkills: People").await;
        assert_ne!(a, b);
        // a and b have different emails: not duplicates of each other. c has none: a possible
        // duplicate of both.
        let dupes = |id: String| {
            let app = &app;
            let token = &token;
            async move {
                let r = app
                    .get(&format!("/api/v1/candidates/{id}/duplicates"), token)
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                r.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["id"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(dupes(a.clone()).await, vec![c.clone()]);
        assert_eq!(dupes(b.clone()).await, vec![c.clone()]);
        let mut of_c = dupes(c.clone()).await;
        of_c.sort();
        let mut want = vec![a.clone(), b.clone()];
        want.sort();
        assert_eq!(of_c, want);

        // Give c a note and two applications; a is in one of the jobs at a later stage.
        let j1 = create_job(&app, &token, "Platform").await;
        let j2 = create_job(&app, &token, "Infra").await;
        let (j1, j2) = (j1["id"].as_str().unwrap(), j2["id"].as_str().unwrap());
        let add = |job: String, cand: String| {
            let app = &app;
            let token = &token;
            async move {
                let r = app
                    .post(
                        &format!("/api/v1/jobs/{job}/applications"),
                        token,
                        json!({"candidate_id": cand}),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                r.body["id"].as_str().unwrap().to_owned()
            }
        };
        let a_in_j1 = add(j1.to_owned(), a.clone()).await;
        let _c_in_j1 = add(j1.to_owned(), c.clone()).await;
        let c_in_j2 = add(j2.to_owned(), c.clone()).await;
        let r = patch(
            &app,
            &format!("/api/v1/applications/{a_in_j1}"),
            &token,
            json!({"stage": "Offer"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/candidates/{c}/notes"),
                &token,
                json!({"body": "Met at the **meetup**"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let c_events = activity_kinds(&app, &token, &c).await.len();
        let a_events = activity_kinds(&app, &token, &a).await.len();

        let r = app
            .post(
                &format!("/api/v1/candidates/{a}/merge"),
                &token,
                json!({"other_id": c}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["applications_dropped"], 1);
        assert_eq!(r.body["notes"], 1);
        assert_eq!(r.body["resumes"], 1);
        // c is gone; a has everything.
        let r = app.get(&format!("/api/v1/candidates/{c}"), &token).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .get(&format!("/api/v1/candidates/{a}/notes"), &token)
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(r.body["items"][0]["body"], "Met at the **meetup**");
        let r = app
            .get(&format!("/api/v1/candidates/{a}/applications"), &token)
            .await;
        let apps = r.body["items"].as_array().unwrap();
        assert_eq!(apps.len(), 2, "{}", r.text);
        // In Platform, a's later stage (Offer) was kept.
        let platform = apps.iter().find(|x| x["job_id"] == j1).unwrap();
        assert_eq!(platform["id"], a_in_j1.as_str());
        assert_eq!(platform["stage"], "Offer");
        assert!(apps.iter().any(|x| x["id"] == c_in_j2.as_str()));
        let r = app
            .get(&format!("/api/v1/candidates/{a}/resumes"), &token)
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
        // Every event of both, plus the merge.
        let kinds = activity_kinds(&app, &token, &a).await;
        assert_eq!(kinds.len(), c_events + a_events + 1, "{kinds:?}");
        assert_eq!(kinds[0], ("merged".into(), "merge@example.com".into()));
        // Merging with itself, or with a candidate that is gone: clear errors.
        let r = app
            .post(
                &format!("/api/v1/candidates/{a}/merge"),
                &token,
                json!({"other_id": a}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/candidates/{a}/merge"),
                &token,
                json!({"other_id": c}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    }
);

db_test!(
    notes_belong_to_their_author_and_keep_their_history,
    |app: TestApp| async move {
        let owner = app.register("notes-owner@example.com").await;
        let colleague = app.register("notes-colleague@example.com").await;
        let r = app
            .post("/api/v1/workspaces", &owner, json!({"name": "Hiring"}))
            .await;
        let ws = r.body["id"].as_str().unwrap().to_owned();
        let r = app
            .post(
                &format!("/api/v1/workspaces/{ws}/invites"),
                &owner,
                json!({"email": "notes-colleague@example.com", "role": "recruiter"}),
            )
            .await;
        let invite = r.body["token"].as_str().unwrap().to_owned();
        let r = app
            .post(
                "/api/v1/workspaces/join",
                &colleague,
                json!({"token": invite}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = upload_in(&app, &owner, &ws, "Dana Fox\nPM\ndana@example.com").await;
        let c = r.body["id"].as_str().unwrap().to_owned();
        let r = in_ws(
            &app,
            Method::POST,
            &format!("/api/v1/candidates/{c}/notes"),
            &owner,
            &ws,
            Some(json!({"body": "Strong *roadmap* answers"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let note = r.body["id"].as_str().unwrap().to_owned();
        // The colleague reads it but cannot change it.
        let r = in_ws(
            &app,
            Method::GET,
            &format!("/api/v1/candidates/{c}/notes"),
            &colleague,
            &ws,
            None,
        )
        .await;
        assert_eq!(
            r.body["items"][0]["author_email"],
            "notes-owner@example.com"
        );
        let r = in_ws(
            &app,
            Method::PATCH,
            &format!("/api/v1/notes/{note}"),
            &colleague,
            &ws,
            Some(json!({"body": "mine now"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = in_ws(
            &app,
            Method::DELETE,
            &format!("/api/v1/notes/{note}"),
            &colleague,
            &ws,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        // The author edits; the old body is kept.
        let r = in_ws(
            &app,
            Method::PATCH,
            &format!("/api/v1/notes/{note}"),
            &owner,
            &ws,
            Some(json!({"body": "Strong roadmap answers; weak on pricing"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["edits"], 1);
        let r = in_ws(
            &app,
            Method::GET,
            &format!("/api/v1/notes/{note}/history"),
            &colleague,
            &ws,
            None,
        )
        .await;
        assert_eq!(r.body["revisions"][0]["body"], "Strong *roadmap* answers");
        // Empty: 422.
        let r = in_ws(
            &app,
            Method::POST,
            &format!("/api/v1/candidates/{c}/notes"),
            &colleague,
            &ws,
            Some(json!({"body": "   "})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        // The colleague writes one too; the timeline shows both authors.
        let r = in_ws(
            &app,
            Method::POST,
            &format!("/api/v1/candidates/{c}/notes"),
            &colleague,
            &ws,
            Some(json!({"body": "Agreed"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = in_ws(
            &app,
            Method::DELETE,
            &format!("/api/v1/notes/{note}"),
            &owner,
            &ws,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        let r = in_ws(
            &app,
            Method::GET,
            &format!("/api/v1/candidates/{c}/activity"),
            &colleague,
            &ws,
            None,
        )
        .await;
        let events: Vec<(String, String)> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_owned(),
                    e["actor_email"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        for want in [
            ("uploaded", "notes-owner@example.com"),
            ("note_added", "notes-owner@example.com"),
            ("note_edited", "notes-owner@example.com"),
            ("note_added", "notes-colleague@example.com"),
            ("note_deleted", "notes-owner@example.com"),
        ] {
            assert!(
                events.contains(&(want.0.to_owned(), want.1.to_owned())),
                "{want:?} missing from {events:?}"
            );
        }
    }
);

db_test!(
    another_workspace_sees_no_job_application_or_note,
    |app: TestApp| async move {
        let mine = app.register("ws-a@example.com").await;
        let theirs = app.register("ws-b@example.com").await;
        let job = create_job(&app, &mine, "Secret role").await;
        let job_id = job["id"].as_str().unwrap().to_owned();
        let c = uploaded(&app, &mine, "Eve Stone\nAnalyst\neve@example.com").await;
        let r = app
            .post(
                &format!("/api/v1/jobs/{job_id}/applications"),
                &mine,
                json!({"candidate_id": c}),
            )
            .await;
        let application = r.body["id"].as_str().unwrap().to_owned();
        let r = app
            .post(
                &format!("/api/v1/candidates/{c}/notes"),
                &mine,
                json!({"body": "private"}),
            )
            .await;
        let note = r.body["id"].as_str().unwrap().to_owned();
        let their_c = uploaded(&app, &theirs, "Zed Ray\nAnalyst\nzed@example.com").await;

        let r = app.get("/api/v1/jobs", &theirs).await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 0);
        for path in [
            format!("/api/v1/jobs/{job_id}"),
            format!("/api/v1/jobs/{job_id}/applications"),
            format!("/api/v1/applications/{application}"),
            format!("/api/v1/candidates/{c}/notes"),
            format!("/api/v1/candidates/{c}/activity"),
            format!("/api/v1/candidates/{c}/applications"),
            format!("/api/v1/candidates/{c}/resumes"),
            format!("/api/v1/candidates/{c}/duplicates"),
            format!("/api/v1/notes/{note}/history"),
        ] {
            let r = app.get(&path, &theirs).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
            assert!(!r.text.contains("Secret") && !r.text.contains("private"));
        }
        let writes = [
            (
                Method::PATCH,
                format!("/api/v1/jobs/{job_id}"),
                json!({"title": "x"}),
            ),
            (
                Method::PUT,
                format!("/api/v1/jobs/{job_id}/stages"),
                json!({"stages": [{"name": "x"}]}),
            ),
            (
                Method::POST,
                format!("/api/v1/jobs/{job_id}/applications"),
                json!({"candidate_id": their_c}),
            ),
            (
                Method::PATCH,
                format!("/api/v1/applications/{application}"),
                json!({"stage": "Offer"}),
            ),
            (
                Method::POST,
                format!("/api/v1/candidates/{c}/notes"),
                json!({"body": "x"}),
            ),
            (
                Method::PATCH,
                format!("/api/v1/notes/{note}"),
                json!({"body": "x"}),
            ),
            (
                Method::POST,
                format!("/api/v1/candidates/{their_c}/merge"),
                json!({"other_id": c}),
            ),
            (Method::DELETE, format!("/api/v1/notes/{note}"), json!({})),
            (Method::DELETE, format!("/api/v1/jobs/{job_id}"), json!({})),
        ];
        for (method, path, body) in writes {
            let r = app
                .request(method.clone(), &path, Some(&theirs), Some(body))
                .await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                r.text
            );
        }
        // My job cannot take their candidate either.
        let r = app
            .post(
                &format!("/api/v1/jobs/{job_id}/applications"),
                &mine,
                json!({"candidate_id": their_c}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        // The same email in another workspace is another person there.
        let r = upload_text(&app, &theirs, "Eve Stone\nAnalyst\neve@example.com").await;
        assert!(r.body.get("duplicate_of").is_none(), "{}", r.text);
        // And everything is still mine.
        let r = app
            .get(&format!("/api/v1/applications/{application}"), &mine)
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["stage"], "Applied");
    }
);

db_test!(
    the_list_filters_sorts_and_acts_on_many,
    |app: TestApp| async move {
        let token = app.register("finder@example.com").await;
        let gus = uploaded(&app, &token, "Gus Lind\nTitle: Go developer\ngus@example.com\nSkills: Go, Docker\n9 years of experience").await;
        let hana = uploaded(&app, &token, "Hana Mori\nTitle: Go engineer\nhana@example.com\nSkills: Go, Rust\n4 years of experience").await;
        let ivo = uploaded(&app, &token, "Ivo Petrov\nTitle: Frontend developer\nivo@example.com\nSkills: React, CSS\n2 years of experience").await;
        let ids = |r: &Response| -> Vec<String> {
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect()
        };
        let r = app.get("/api/v1/candidates?skill=go", &token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["total"], 2);
        let mut got = ids(&r);
        got.sort();
        let mut want = vec![gus.clone(), hana.clone()];
        want.sort();
        assert_eq!(got, want);
        // A skill is matched whole: "Go" is not "Docker"'s "o" nor a prefix of another.
        let r = app.get("/api/v1/candidates?skill=G", &token).await;
        assert_eq!(r.body["total"], 0, "{}", r.text);
        let r = app.get("/api/v1/candidates?min_years=5", &token).await;
        assert_eq!(ids(&r), vec![gus.clone()]);
        let r = app.get("/api/v1/candidates?seniority=SENIOR", &token).await;
        assert_eq!(ids(&r), vec![gus.clone()], "{}", r.text);
        let r = app.get("/api/v1/candidates?sort=name", &token).await;
        assert_eq!(ids(&r), [gus.clone(), hana.clone(), ivo.clone()]);
        let r = app
            .get("/api/v1/candidates?sort=name&per_page=2&page=2", &token)
            .await;
        assert_eq!(ids(&r), vec![ivo.clone()]);
        assert_eq!(r.body["total"], 3);
        // Bad filters: clear errors.
        for (q, status) in [
            ("min_years=200", StatusCode::UNPROCESSABLE_ENTITY),
            ("stage=Applied", StatusCode::UNPROCESSABLE_ENTITY),
            ("job=nope", StatusCode::UNPROCESSABLE_ENTITY),
            ("sort=sideways", StatusCode::BAD_REQUEST),
        ] {
            let r = app.get(&format!("/api/v1/candidates?{q}"), &token).await;
            assert_eq!(r.status, status, "{q}: {}", r.text);
            assert!(r.body["error"].is_string() && r.body["message"].is_string());
        }
        let r = app
            .get(
                &format!("/api/v1/candidates?job={}", Uuid::new_v4()),
                &token,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

        // Bulk: add all three to a job, then move two; one failure does not stop the rest.
        let job = create_job(&app, &token, "Go team").await;
        let job_id = job["id"].as_str().unwrap().to_owned();
        let r = app
            .post(
                &format!("/api/v1/jobs/{job_id}/applications"),
                &token,
                json!({"candidate_id": ivo}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let r = app
            .post(
                "/api/v1/candidates/bulk",
                &token,
                json!({"action": "add_to_job", "ids": [gus, hana, ivo], "job_id": job_id}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["done"], 2);
        assert_eq!(r.body["failed"][0]["id"], ivo.as_str());
        assert!(r.body["failed"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already"));
        let r = app
            .post(
                "/api/v1/candidates/bulk",
                &token,
                json!({"action": "move_to_stage", "ids": [gus, hana], "job_id": job_id, "stage": "Interview"}),
            )
            .await;
        assert_eq!(r.body["done"], 2, "{}", r.text);
        let r = app
            .get(
                &format!("/api/v1/candidates?job={job_id}&stage=interview"),
                &token,
            )
            .await;
        assert_eq!(r.body["total"], 2, "{}", r.text);
        let r = app
            .post(
                "/api/v1/candidates/bulk",
                &token,
                json!({"action": "add_to_job", "ids": [gus]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let r = app
            .post(
                "/api/v1/candidates/bulk",
                &token,
                json!({"action": "delete", "ids": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

        // Export: the rows asked for, with formulas defused.
        let r = patch(
            &app,
            &format!("/api/v1/candidates/{hana}"),
            &token,
            json!({"current_title": "=HYPERLINK(\"http://evil.example\")"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let res = app
            .http
            .get(format!(
                "{}/api/v1/candidates/export?ids={gus},{hana}",
                app.url
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = res.text().await.unwrap();
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(lines[1].contains("\"Gus Lind\""));
        assert!(lines[2].contains("\"'=HYPERLINK("), "{csv}");
        let r = app.get("/api/v1/candidates/export?ids=nope", &token).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

        // Bulk delete.
        let r = app
            .post(
                "/api/v1/candidates/bulk",
                &token,
                json!({"action": "delete", "ids": [ivo]}),
            )
            .await;
        assert_eq!(r.body["done"], 1, "{}", r.text);
        let r = app.get(&format!("/api/v1/candidates/{ivo}"), &token).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

db_test!(
    a_correction_survives_a_new_analysis_and_is_on_the_timeline,
    |app: TestApp| async move {
        let token = app.register("fixer@example.com").await;
        let id = uploaded(
            &app,
            &token,
            "YOUR NAME HERE\nTitle: Analyst\nSkills: Excel",
        )
        .await;
        let r = patch(
            &app,
            &format!("/api/v1/candidates/{id}"),
            &token,
            json!({"name": "Joan Silva", "email": "joan@example.com"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["name"], "Joan Silva");
        assert_eq!(r.body["email"], "joan@example.com");
        // A form sends every field: what did not change is no correction.
        let r = patch(
            &app,
            &format!("/api/v1/candidates/{id}"),
            &token,
            json!({"name": "Joan Silva", "current_title": "Analyst", "location": ""}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/candidates/{id}/analyze"),
                &token,
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "done");
        assert_eq!(r.body["name"], "Joan Silva", "{}", r.text);
        assert_eq!(r.body["email"], "joan@example.com");
        assert_eq!(r.body["current_title"], "Analyst");
        // Searchable by the corrected name; the corrected email now matches uploads.
        let r = app.get("/api/v1/candidates?q=joan", &token).await;
        assert_eq!(r.body["total"], 1, "{}", r.text);
        let again = upload_text(&app, &token, "Joan Silva\nAnalyst\njoan@example.com").await;
        assert_eq!(again.body["duplicate_of"], id.as_str(), "{}", again.text);
        let r = app
            .get(&format!("/api/v1/candidates/{id}/activity"), &token)
            .await;
        let corrections: Vec<&Value> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "corrected")
            .collect();
        assert_eq!(corrections.len(), 1, "{}", r.text);
        let corrected = corrections[0].clone();
        assert_eq!(corrected["actor_email"], "fixer@example.com");
        assert!(
            corrected["summary"]
                .as_str()
                .unwrap()
                .contains("email, name"),
            "{corrected}"
        );
        // Bad corrections.
        for body in [
            json!({}),
            json!({"email": "not-an-email"}),
            json!({"name": "x".repeat(201)}),
        ] {
            let r = patch(&app, &format!("/api/v1/candidates/{id}"), &token, body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        }
    }
);
