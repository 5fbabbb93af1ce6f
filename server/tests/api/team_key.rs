//! The team key: stored by owners and admins, used by members without a personal key (the mock
//! provider's request log is the witness), never shown, falling back when removed; and the team
//! rate limits.
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

const RESUME: &str = "Tess Team\nBackend Engineer\nSkills: Rust, PostgreSQL\nExperience: 6 years\n";

/// A shared workspace "Shared Team" owned by `owner`, with `member` joined as `role`.
async fn team_with(app: &TestApp, owner: &str, member: &str, email: &str, role: &str) -> String {
    let r = app
        .post("/api/v1/workspaces", owner, json!({"name": "Shared Team"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let team = r.body["id"].as_str().unwrap().to_owned();
    join(app, owner, &team, member, email, role).await;
    team
}

pub(crate) async fn join(
    app: &TestApp,
    owner: &str,
    team: &str,
    member: &str,
    email: &str,
    role: &str,
) {
    let r = app
        .post(
            &format!("/api/v1/workspaces/{team}/invites"),
            owner,
            json!({"email": email, "role": role}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let invite = r.body["token"].as_str().unwrap().to_owned();
    let r = app
        .post("/api/v1/workspaces/join", member, json!({"token": invite}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn put_team_key(app: &TestApp, token: &str, team: &str, body: Value) -> Response {
    app.put(
        &format!("/api/v1/workspaces/{team}/ai-settings"),
        token,
        body,
    )
    .await
}

async fn chat_in(app: &TestApp, token: &str, team: &str) -> Response {
    in_ws(
        app,
        Method::POST,
        "/api/v1/ai/chat",
        token,
        team,
        Some(json!({"query_text": "Who knows Rust?"})),
    )
    .await
}

/// The API key the mock provider saw on its last chat request.
fn last_key_used(app: &TestApp) -> String {
    app.chat_requests()
        .last()
        .and_then(|r| r.api_key.clone())
        .expect("a chat request reached the provider")
}

db_test!(
    a_member_without_a_personal_key_works_on_the_team_key,
    |s: Spawn| s.without_system_key(),
    |app: TestApp| async move {
        let owner = app.register("team-key-owner@example.com").await;
        let member = app.register("team-key-member@example.com").await;
        let team = team_with(
            &app,
            &owner,
            &member,
            "team-key-member@example.com",
            "recruiter",
        )
        .await;
        let mut seen = Vec::new();

        // No key anywhere yet: "API key required".
        let r = chat_in(&app, &member, &team).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert_eq!(r.body["error"], "API key required");

        // A recruiter may not store the team key; the owner may, once it passes its test.
        let team_key = groq_key("valid");
        let r = put_team_key(
            &app,
            &member,
            &team,
            json!({"provider": "groq", "api_key": team_key}),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = put_team_key(
            &app,
            &owner,
            &team,
            json!({"provider": "groq", "api_key": groq_key("invalid")}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let r = put_team_key(
            &app,
            &owner,
            &team,
            json!({"provider": "groq", "api_key": team_key}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["has_team_key"], true);
        assert_eq!(r.body["enabled"], true);
        assert_eq!(r.body["provider"], "groq");
        let preview = r.body["key_preview"].as_str().unwrap();
        assert!(
            preview.starts_with("gsk_") && preview.contains("...") && preview.len() < 16,
            "{preview}"
        );
        seen.push(r.text.clone());

        // The member sees that it exists, never the key, and that their calls use it.
        let r = app
            .get(&format!("/api/v1/workspaces/{team}/ai-settings"), &member)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["has_team_key"], true);
        assert_eq!(r.body["my_key_source"], "team");
        assert!(r.body["model"].is_string());
        seen.push(r.text.clone());
        // The owner's personal workspace has no team key.
        let owner_id = app.user_id(&owner).await;
        let r = put_team_key(
            &app,
            &owner,
            &owner_id.to_string(),
            json!({"api_key": groq_key("valid")}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

        // An analysis and a chat on the team key.
        let r = upload_in(&app, &member, &team, RESUME).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "done", "{}", r.text);
        assert_eq!(r.body["key_source"], "team", "{}", r.text);
        assert_eq!(last_key_used(&app), team_key);
        seen.push(r.text.clone());
        let r = chat_in(&app, &member, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(last_key_used(&app), team_key);
        seen.push(r.text.clone());
        assert!(captured_logs().contains("Using team API key for workspace: Shared Team"));

        // Each call's usage row names the workspace and the member.
        let member_id = app.user_id(&member).await;
        let team_id: uuid::Uuid = team.parse().unwrap();
        app.wait_for_usage_rows(2).await;
        let rows = hirekey_core::entities::ai_usage::Entity::find()
            .filter(hirekey_core::entities::ai_usage::Column::KeySource.eq("team"))
            .all(&app.state.db)
            .await
            .unwrap();
        assert!(rows.len() >= 2, "{rows:?}");
        assert!(rows
            .iter()
            .all(|u| u.user_id == member_id && u.workspace_id == Some(team_id)));

        // The owner reads the use per member; a recruiter may not.
        let r = app
            .get(&format!("/api/v1/workspaces/{team}/usage"), &owner)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let mine = r.body["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user_id"] == member_id.to_string())
            .cloned()
            .unwrap_or_else(|| panic!("{}", r.text));
        assert!(mine["team_key_calls"].as_u64().unwrap() >= 2, "{}", r.text);
        assert_eq!(mine["email"], "team-key-member@example.com");
        let r = app
            .get(&format!("/api/v1/workspaces/{team}/usage"), &member)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

        // A member with an enabled personal key uses their own.
        let personal = groq_key("valid");
        let r = app.save_groq_key(&member, &personal).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = chat_in(&app, &member, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(last_key_used(&app), personal);
        // Turned off, the team key again.
        let r = app
            .put(
                "/api/v1/profile/ai-settings",
                &member,
                json!({"use_personal_ai_key": false}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = chat_in(&app, &member, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(last_key_used(&app), team_key);

        // Toggled off by an admin-level change, then removed: the fallback is "API key
        // required" here (this server has no system key).
        let r = put_team_key(&app, &owner, &team, json!({"enabled": false})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["enabled"], false);
        let r = chat_in(&app, &member, &team).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = put_team_key(&app, &owner, &team, json!({"enabled": true})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = chat_in(&app, &member, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .delete(&format!("/api/v1/workspaces/{team}/ai-settings"), &member)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = app
            .delete(&format!("/api/v1/workspaces/{team}/ai-settings"), &owner)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["has_team_key"], false);
        let r = chat_in(&app, &member, &team).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert_eq!(r.body["error"], "API key required");

        // The key text is nowhere: responses, logs, the database.
        for text in &seen {
            assert!(
                !text.contains(&team_key),
                "a response holds the team key: {text}"
            );
        }
        assert!(
            !captured_logs().contains(&team_key),
            "the logs hold the team key"
        );
        let dump = app.database_dump().await;
        assert!(
            !dump
                .windows(team_key.len())
                .any(|w| w == team_key.as_bytes()),
            "the database holds the team key in plain text"
        );
        let events = app.audit_events(&owner).await;
        for event in ["created", "disabled", "enabled", "deleted"] {
            assert!(events.iter().any(|e| e == event), "{event}: {events:?}");
        }
    }
);

db_test!(
    removing_the_team_key_falls_back_to_the_system_key,
    |app: TestApp| async move {
        let owner = app.register("fallback-owner@example.com").await;
        let member = app.register("fallback-member@example.com").await;
        let team = team_with(
            &app,
            &owner,
            &member,
            "fallback-member@example.com",
            "admin",
        )
        .await;
        // An admin may store the team key, and test it (given or stored).
        let team_key = groq_key("valid");
        let r = put_team_key(
            &app,
            &member,
            &team,
            json!({"api_key": team_key, "model": "llama-3.1-8b-instant"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["model"], "llama-3.1-8b-instant");
        let r = app
            .post(
                &format!("/api/v1/workspaces/{team}/ai-settings/test"),
                &member,
                json!({"api_key": ""}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["success"], true, "{}", r.text);
        assert!(!r.text.contains(&team_key));
        let r = chat_in(&app, &owner, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(last_key_used(&app), team_key);
        assert_eq!(
            app.chat_requests().last().unwrap().model.as_deref(),
            Some("llama-3.1-8b-instant")
        );
        // Removed: the system key.
        let r = app
            .delete(&format!("/api/v1/workspaces/{team}/ai-settings"), &member)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = chat_in(&app, &owner, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(last_key_used(&app), SYSTEM_KEY);
        // An outsider learns nothing of the workspace's key.
        let outsider = app.register("fallback-outsider@example.com").await;
        let r = app
            .get(&format!("/api/v1/workspaces/{team}/ai-settings"), &outsider)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        let r = put_team_key(
            &app,
            &outsider,
            &team,
            json!({"api_key": groq_key("valid")}),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    }
);

db_test!(
    the_team_limits_hold_and_only_the_owner_sets_them,
    |app: TestApp| async move {
        let owner = app.register("limits-owner@example.com").await;
        let admin = app.register("limits-admin@example.com").await;
        let recruiter = app.register("limits-recruiter@example.com").await;
        let team = team_with(&app, &owner, &admin, "limits-admin@example.com", "admin").await;
        join(
            &app,
            &owner,
            &team,
            &recruiter,
            "limits-recruiter@example.com",
            "recruiter",
        )
        .await;
        let r = put_team_key(&app, &owner, &team, json!({"api_key": groq_key("valid")})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        let patch = |token: String, body: Value| {
            let app = &app;
            let team = team.clone();
            async move {
                app.request(
                    Method::PATCH,
                    &format!("/api/v1/workspaces/{team}"),
                    Some(&token),
                    Some(body),
                )
                .await
            }
        };
        let r = patch(admin.clone(), json!({"team_calls_per_minute": 3})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        for bad in [json!(0), json!(100_001), json!(-1), json!("many")] {
            let r = patch(owner.clone(), json!({"team_calls_per_minute": bad})).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{bad}: {}",
                r.text
            );
            assert!(r.body["message"].is_string());
        }
        let r = patch(
            owner.clone(),
            json!({"team_calls_per_minute": 3, "member_calls_per_minute": 2}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["team_calls_per_minute"], 3);
        assert_eq!(r.body["member_calls_per_minute"], 2);

        // The recruiter: two calls, then their own limit.
        for _ in 0..2 {
            let r = chat_in(&app, &recruiter, &team).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let r = chat_in(&app, &recruiter, &team).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
        assert_eq!(r.body["error"], "Team rate limit reached");
        assert!(r.headers.get("retry-after").is_some());
        // The admin: one call fits the team's three, the next does not.
        let r = chat_in(&app, &admin, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = chat_in(&app, &admin, &team).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
        assert_eq!(r.body["error"], "Team rate limit reached");
        // The team page's headroom.
        let r = app
            .get(
                &format!("/api/v1/workspaces/{team}/ai-settings"),
                &recruiter,
            )
            .await;
        assert_eq!(r.body["team_calls_per_minute"], 3);
        assert!(
            r.body["team_calls_last_minute"].as_u64().unwrap() >= 3,
            "{}",
            r.text
        );
        assert!(
            r.body["my_calls_last_minute"].as_u64().unwrap() >= 2,
            "{}",
            r.text
        );
        // The limits are on the team key only: a personal key is not held by them.
        app.save_groq_key(&recruiter, &groq_key("valid")).await;
        let r = chat_in(&app, &recruiter, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        // Lifted (null), the team key works again.
        let r = patch(
            owner.clone(),
            json!({"team_calls_per_minute": null, "member_calls_per_minute": null}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body["team_calls_per_minute"].is_null());
        let r = chat_in(&app, &admin, &team).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
);

db_test!(
    a_team_key_moved_to_another_workspace_does_not_open,
    |s: Spawn| s.without_system_key(),
    |app: TestApp| async move {
        use hirekey_core::entities::workspace_keys;
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let owner = app.register("moved-owner@example.com").await;
        let member = app.register("moved-member@example.com").await;
        let first = team_with(
            &app,
            &owner,
            &member,
            "moved-member@example.com",
            "recruiter",
        )
        .await;
        let r = app
            .post("/api/v1/workspaces", &owner, json!({"name": "Second"}))
            .await;
        let second = r.body["id"].as_str().unwrap().to_owned();
        let r = put_team_key(&app, &owner, &first, json!({"api_key": groq_key("valid")})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = put_team_key(&app, &owner, &second, json!({"api_key": groq_key("valid")})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        // The first workspace's ciphertext copied over the second's.
        let rows = workspace_keys::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        let from = rows
            .iter()
            .find(|r| r.workspace_id.to_string() == first)
            .unwrap();
        let to = rows
            .iter()
            .find(|r| r.workspace_id.to_string() == second)
            .unwrap();
        let mut moved = to.clone().into_active_model();
        moved.ciphertext = Set(from.ciphertext.clone());
        moved.nonce = Set(from.nonce.clone());
        moved.update(&app.state.db).await.unwrap();
        app.state.key_cache.clear();
        let before = app.chat_requests().len();
        let r = chat_in(&app, &owner, &second).await;
        assert!(r.status.is_server_error(), "{}", r.text);
        assert_eq!(r.body["error"], "Internal error", "{}", r.text);
        assert_eq!(
            app.chat_requests().len(),
            before,
            "nothing reached the provider"
        );
    }
);
