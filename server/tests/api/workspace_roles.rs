//! The role matrix: every workspace route and the routes that act in a workspace, for each of
//! the four roles, answer the status the role allows, and the OpenAPI document declares that
//! status for the route.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

const ROLES: [&str; 4] = ["owner", "admin", "recruiter", "viewer"];

/// Whether the OpenAPI document lists `status` among the responses of `method path`.
fn declared(doc: &Value, method: &Method, path: &str, status: StatusCode) -> bool {
    doc["paths"][path][method.as_str().to_lowercase()]["responses"]
        .get(status.as_str())
        .is_some()
}

db_test!(
    every_route_answers_each_role_as_allowed,
    |app: TestApp| async move {
        let owner = app.register("matrix-owner@example.com").await;
        let r = app
            .post("/api/v1/workspaces", &owner, json!({"name": "Matrix"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let team = r.body["id"].as_str().unwrap().to_owned();
        let mut tokens = vec![owner.clone()];
        let mut ids = vec![app.user_id(&owner).await];
        for role in &ROLES[1..] {
            let email = format!("matrix-{role}@example.com");
            let token = app.register(&email).await;
            let r = app
                .post(
                    &format!("/api/v1/workspaces/{team}/invites"),
                    &owner,
                    json!({"email": email, "role": role}),
                )
                .await;
            let invite = r.body["token"].as_str().unwrap().to_owned();
            let r = app
                .post("/api/v1/workspaces/join", &token, json!({"token": invite}))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            ids.push(app.user_id(&token).await);
            tokens.push(token);
        }
        let doc = app
            .request(Method::GET, "/api/openapi.json", None, None)
            .await
            .body;
        let shared = upload_in(
            &app,
            &owner,
            &team,
            "Frances Allen\nCompiler researcher\nSkills: Fortran\n",
        )
        .await;
        assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.text);
        let candidate = shared.body["id"].as_str().unwrap().to_owned();
        let recruiter_id = ids[2];

        // (method, path as called, path as documented, body, allowed for owner/admin/recruiter/viewer,
        //  the status when allowed)
        type Case = (
            Method,
            String,
            &'static str,
            Option<Value>,
            [bool; 4],
            StatusCode,
        );
        let work = [true, true, true, false];
        let manage = [true, true, false, false];
        let all = [true, true, true, true];
        let cases: Vec<Case> = vec![
            (
                Method::GET,
                "/api/v1/candidates".into(),
                "/api/v1/candidates",
                None,
                all,
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/api/v1/candidates/{candidate}"),
                "/api/v1/candidates/{id}",
                None,
                all,
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/api/v1/candidates/{candidate}/resume"),
                "/api/v1/candidates/{id}/resume",
                None,
                all,
                StatusCode::OK,
            ),
            (
                Method::POST,
                format!("/api/v1/candidates/{candidate}/analyze"),
                "/api/v1/candidates/{id}/analyze",
                None,
                work,
                StatusCode::OK,
            ),
            (
                Method::POST,
                "/api/v1/ai/chat".into(),
                "/api/v1/ai/chat",
                Some(json!({"query_text": "who knows Fortran?"})),
                work,
                StatusCode::OK,
            ),
            (
                Method::POST,
                "/api/v1/ai/search".into(),
                "/api/v1/ai/search",
                Some(json!({"query": "Fortran"})),
                work,
                StatusCode::OK,
            ),
            (
                Method::POST,
                "/api/ai/chat".into(),
                "/api/ai/chat",
                Some(json!({"messages": [{"role": "user", "content": "hello"}]})),
                work,
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/api/v1/workspaces/{team}"),
                "/api/v1/workspaces/{id}",
                None,
                all,
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/api/v1/workspaces/{team}/members"),
                "/api/v1/workspaces/{id}/members",
                None,
                all,
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/api/v1/workspaces/{team}/invites"),
                "/api/v1/workspaces/{id}/invites",
                None,
                all,
                StatusCode::OK,
            ),
            (
                Method::PATCH,
                format!("/api/v1/workspaces/{team}"),
                "/api/v1/workspaces/{id}",
                Some(json!({"name": "Matrix"})),
                manage,
                StatusCode::OK,
            ),
            (
                Method::POST,
                format!("/api/v1/workspaces/{team}/invites"),
                "/api/v1/workspaces/{id}/invites",
                Some(json!({"email": "later@example.com", "role": "viewer"})),
                manage,
                StatusCode::CREATED,
            ),
            (
                Method::PATCH,
                format!("/api/v1/workspaces/{team}/members/{recruiter_id}"),
                "/api/v1/workspaces/{id}/members/{user_id}",
                Some(json!({"role": "recruiter"})),
                manage,
                StatusCode::OK,
            ),
            (
                Method::PATCH,
                format!("/api/v1/workspaces/{team}"),
                "/api/v1/workspaces/{id}",
                Some(json!({"team_calls_per_minute": 1000})),
                [true, false, false, false],
                StatusCode::OK,
            ),
            (
                Method::PUT,
                format!("/api/v1/workspaces/{team}/ai-settings"),
                "/api/v1/workspaces/{id}/ai-settings",
                Some(json!({"provider": "groq", "api_key": groq_key("valid")})),
                manage,
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/api/v1/workspaces/{team}/ai-settings"),
                "/api/v1/workspaces/{id}/ai-settings",
                None,
                all,
                StatusCode::OK,
            ),
            (
                Method::POST,
                format!("/api/v1/workspaces/{team}/ai-settings/test"),
                "/api/v1/workspaces/{id}/ai-settings/test",
                Some(json!({"api_key": ""})),
                manage,
                StatusCode::OK,
            ),
            (
                Method::GET,
                format!("/api/v1/workspaces/{team}/usage"),
                "/api/v1/workspaces/{id}/usage",
                None,
                manage,
                StatusCode::OK,
            ),
            (
                Method::DELETE,
                format!("/api/v1/workspaces/{team}/ai-settings"),
                "/api/v1/workspaces/{id}/ai-settings",
                None,
                manage,
                StatusCode::OK,
            ),
        ];
        for (method, path, documented, body, allowed, ok) in &cases {
            for (i, role) in ROLES.iter().enumerate() {
                let r = in_ws(&app, method.clone(), path, &tokens[i], &team, body.clone()).await;
                let expected = if allowed[i] {
                    *ok
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(r.status, expected, "{role}: {method} {path}: {}", r.text);
                assert!(
                    declared(&doc, method, documented, expected),
                    "{method} {documented} does not declare {expected}"
                );
            }
        }

        // Uploads and deletes: each role tries its own.
        for (i, role) in ROLES.iter().enumerate() {
            let r = upload_in(
                &app,
                &tokens[i],
                &team,
                &format!("Person {role}\nEngineer\n"),
            )
            .await;
            let expected = if work[i] {
                StatusCode::CREATED
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, expected, "{role} upload: {}", r.text);
            assert!(declared(
                &doc,
                &Method::POST,
                "/api/v1/resumes/upload",
                expected
            ));
            let target = if work[i] {
                r.body["id"].as_str().unwrap().to_owned()
            } else {
                candidate.clone()
            };
            let r = in_ws(
                &app,
                Method::DELETE,
                &format!("/api/v1/candidates/{target}"),
                &tokens[i],
                &team,
                None,
            )
            .await;
            let expected = if work[i] {
                StatusCode::NO_CONTENT
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, expected, "{role} delete: {}", r.text);
            assert!(declared(
                &doc,
                &Method::DELETE,
                "/api/v1/candidates/{id}",
                expected
            ));
        }

        // Deleting the workspace: the owner alone.
        for (i, role) in ROLES.iter().enumerate().rev() {
            let r = app
                .delete(&format!("/api/v1/workspaces/{team}"), &tokens[i])
                .await;
            let expected = if i == 0 {
                StatusCode::NO_CONTENT
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(
                r.status, expected,
                "{role} deletes the workspace: {}",
                r.text
            );
            assert!(declared(
                &doc,
                &Method::DELETE,
                "/api/v1/workspaces/{id}",
                expected
            ));
        }
    }
);
