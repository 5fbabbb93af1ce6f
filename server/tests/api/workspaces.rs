//! Workspaces: members share the workspace's candidates, outsiders get 404 for everything in
//! it, viewers read but change nothing, conversations stay private, the last owner stays, and
//! invites join at sign-up or later.
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::db_test;
use crate::helpers::*;

async fn create_workspace(app: &TestApp, token: &str, name: &str) -> String {
    let r = app
        .post("/api/v1/workspaces", token, json!({"name": name}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["role"], "owner");
    assert_eq!(r.body["personal"], false);
    r.body["id"].as_str().unwrap().to_owned()
}

/// Invites `email` to `workspace` as `role` and has `token` (that user) join with it.
async fn invite_and_join(
    app: &TestApp,
    owner: &str,
    workspace: &str,
    email: &str,
    role: &str,
    token: &str,
) {
    let r = app
        .post(
            &format!("/api/v1/workspaces/{workspace}/invites"),
            owner,
            json!({"email": email, "role": role}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.body["url"]
        .as_str()
        .unwrap()
        .contains("/register?invite="));
    let invite = r.body["token"].as_str().unwrap().to_owned();
    let r = app
        .post("/api/v1/workspaces/join", token, json!({"token": invite}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["role"], role);
    // The same invite twice: used.
    let again = app
        .post("/api/v1/workspaces/join", token, json!({"token": invite}))
        .await;
    assert_ne!(again.status, StatusCode::OK, "{}", again.text);
}

async fn candidate_ids(app: &TestApp, token: &str, workspace: Option<&str>) -> Vec<String> {
    let r = match workspace {
        Some(ws) => in_ws(app, Method::GET, "/api/v1/candidates", token, ws, None).await,
        None => app.get("/api/v1/candidates", token).await,
    };
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn uploaded(app: &TestApp, token: &str, workspace: Option<&str>, text: &str) -> String {
    let r = match workspace {
        Some(ws) => upload_in(app, token, ws, text).await,
        None => upload_text(app, token, text).await,
    };
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

db_test!(
    a_new_user_has_a_personal_workspace,
    |app: TestApp| async move {
        let token = app.register("solo@example.com").await;
        let me = app.user_id(&token).await.to_string();
        let r = app.get("/api/v1/workspaces", &token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let list = r.body["workspaces"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{}", r.text);
        assert_eq!(list[0]["personal"], true);
        assert_eq!(list[0]["role"], "owner");
        assert_eq!(list[0]["current"], true);
        assert_eq!(list[0]["members"], 1);
        assert_eq!(r.body["current"], me.as_str());
        // It cannot be deleted, left or shared.
        let personal = list[0]["id"].as_str().unwrap();
        let r = app
            .delete(&format!("/api/v1/workspaces/{personal}"), &token)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert!(r.body["error"].as_str().is_some());
        let r = app
            .delete(
                &format!("/api/v1/workspaces/{personal}/members/{me}"),
                &token,
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/workspaces/{personal}/invites"),
                &token,
                json!({"email": "friend@example.com", "role": "recruiter"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    }
);

db_test!(
    members_share_candidates_and_outsiders_see_none_of_them,
    |app: TestApp| async move {
        let owner = app.register("owner@example.com").await;
        let colleague = app.register("colleague@example.com").await;
        let outsider = app.register("outsider@example.com").await;
        let team = create_workspace(&app, &owner, "Acme hiring").await;
        invite_and_join(
            &app,
            &owner,
            &team,
            "colleague@example.com",
            "recruiter",
            &colleague,
        )
        .await;

        // The owner switches to the team; uploads land there. One stays personal.
        let r = app
            .put(
                "/api/v1/workspaces/current",
                &owner,
                json!({"workspace_id": team}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["current"], true);
        let shared = uploaded(
            &app,
            &owner,
            None,
            "Grace Hopper\nCompiler Engineer\nSkills: COBOL, Fortran\nBuilt the zyxwharf compiler.\n",
        )
        .await;
        let personal_ws = app.user_id(&owner).await.to_string();
        let private = uploaded(
            &app,
            &owner,
            Some(&personal_ws),
            "Alan Turing\nMathematician\nSkills: Cryptanalysis\nBroke the zyxwharf cipher.\n",
        )
        .await;

        // The colleague sees the team's candidate, in the team only.
        assert_eq!(
            candidate_ids(&app, &colleague, Some(&team)).await,
            std::slice::from_ref(&shared)
        );
        assert!(candidate_ids(&app, &colleague, None).await.is_empty());
        for path in [
            format!("/api/v1/candidates/{shared}"),
            format!("/api/v1/candidates/{shared}/resume"),
        ] {
            let r = in_ws(&app, Method::GET, &path, &colleague, &team, None).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        }
        // The owner's personal workspace holds the other one alone.
        assert_eq!(
            candidate_ids(&app, &owner, Some(&personal_ws)).await,
            std::slice::from_ref(&private)
        );
        assert_eq!(
            candidate_ids(&app, &owner, None).await,
            std::slice::from_ref(&shared)
        );

        // Chat retrieval in the team finds only the team's candidate; the conversation is the
        // colleague's alone.
        let r = in_ws(
            &app,
            Method::POST,
            "/api/v1/ai/chat",
            &colleague,
            &team,
            Some(json!({"query_text": "who worked on zyxwharf?"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let hits: Vec<&str> = r.body["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(hits, [shared.as_str()], "{}", r.text);
        let conversation = r.body["conversation_id"].as_str().unwrap().to_owned();
        // Every AI call's usage row names the member and the workspace it was made in: the
        // two analyses (one per workspace) and the chat.
        let rows = app.wait_for_usage_rows(3).await;
        let colleague_id = app.user_id(&colleague).await;
        let owner_id = app.user_id(&owner).await;
        let team_id: uuid::Uuid = team.parse().unwrap();
        let in_team = |user: uuid::Uuid| {
            rows.iter()
                .filter(|r| r.user_id == user && r.workspace_id == Some(team_id))
                .count()
        };
        assert_eq!(in_team(colleague_id), 1, "{rows:?}");
        assert_eq!(in_team(owner_id), 1, "{rows:?}");
        assert_eq!(
            rows.iter()
                .filter(|r| r.user_id == owner_id && r.workspace_id == Some(owner_id))
                .count(),
            1,
            "{rows:?}"
        );
        let r = app.get("/api/v1/ai/conversations", &owner).await;
        assert_eq!(r.body.as_array().unwrap().len(), 0, "{}", r.text);
        let r = app
            .get(&format!("/api/v1/ai/conversations/{conversation}"), &owner)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

        // The outsider: 404 for the workspace and for everything in it, whichever way asked.
        for path in [
            format!("/api/v1/workspaces/{team}"),
            format!("/api/v1/workspaces/{team}/members"),
            format!("/api/v1/workspaces/{team}/invites"),
        ] {
            let r = app.get(&path, &outsider).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
            assert!(r.body["error"].is_string(), "{}", r.text);
        }
        let r = in_ws(
            &app,
            Method::GET,
            "/api/v1/candidates",
            &outsider,
            &team,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        let r = app
            .put(
                "/api/v1/workspaces/current",
                &outsider,
                json!({"workspace_id": team}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        for (method, path) in [
            (Method::GET, format!("/api/v1/candidates/{shared}")),
            (Method::GET, format!("/api/v1/candidates/{shared}/resume")),
            (Method::DELETE, format!("/api/v1/candidates/{shared}")),
            (Method::POST, format!("/api/v1/candidates/{shared}/analyze")),
            (
                Method::GET,
                format!("/api/v1/ai/conversations/{conversation}"),
            ),
        ] {
            let r = app
                .request(method.clone(), &path, Some(&outsider), None)
                .await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                r.text
            );
        }
        assert!(candidate_ids(&app, &outsider, None).await.is_empty());
        // An id that is not a workspace's, or not an id at all.
        let r = in_ws(
            &app,
            Method::GET,
            "/api/v1/candidates",
            &outsider,
            "nonsense",
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

        // A removed member loses the workspace on their next request.
        let colleague_id = app.user_id(&colleague).await;
        let r = app
            .delete(
                &format!("/api/v1/workspaces/{team}/members/{colleague_id}"),
                &owner,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        let r = in_ws(
            &app,
            Method::GET,
            "/api/v1/candidates",
            &colleague,
            &team,
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    }
);

db_test!(viewers_read_but_change_nothing, |app: TestApp| async move {
    let owner = app.register("lead@example.com").await;
    let viewer = app.register("viewer@example.com").await;
    let team = create_workspace(&app, &owner, "Panel").await;
    invite_and_join(&app, &owner, &team, "viewer@example.com", "viewer", &viewer).await;
    let id = uploaded(
        &app,
        &owner,
        Some(&team),
        "Katherine Johnson\nMathematician\nSkills: Orbital mechanics\n",
    )
    .await;
    assert_eq!(
        candidate_ids(&app, &viewer, Some(&team)).await,
        std::slice::from_ref(&id)
    );
    let r = in_ws(
        &app,
        Method::GET,
        &format!("/api/v1/candidates/{id}"),
        &viewer,
        &team,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    for (method, path, body) in [
        (Method::DELETE, format!("/api/v1/candidates/{id}"), None),
        (
            Method::POST,
            format!("/api/v1/candidates/{id}/analyze"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/ai/chat".to_owned(),
            Some(json!({"query_text": "who knows orbital mechanics?"})),
        ),
        (
            Method::POST,
            "/api/v1/ai/search".to_owned(),
            Some(json!({"query": "orbital mechanics"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/workspaces/{team}"),
            Some(json!({"name": "Mine now"})),
        ),
        (
            Method::POST,
            format!("/api/v1/workspaces/{team}/invites"),
            Some(json!({"email": "x@example.com", "role": "viewer"})),
        ),
    ] {
        let r = in_ws(&app, method.clone(), &path, &viewer, &team, body).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            r.text
        );
        assert!(r.body["message"].is_string(), "{}", r.text);
    }
    let part = reqwest::multipart::Part::bytes(b"Someone\nEngineer\n".to_vec())
        .file_name("resume.txt")
        .mime_str("text/plain")
        .unwrap();
    let r = app
        .http
        .post(format!("{}/api/v1/resumes/upload", app.url))
        .bearer_auth(&viewer)
        .header("X-Workspace-Id", &team)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Nothing changed, and no AI call was made for the viewer.
    assert_eq!(candidate_ids(&app, &owner, Some(&team)).await, [id]);
    let r = app.get("/api/v1/profile/usage", &viewer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["total_calls"], 0, "{}", r.text);
});

db_test!(a_workspace_keeps_an_owner, |app: TestApp| async move {
    let owner = app.register("first@example.com").await;
    let admin = app.register("second@example.com").await;
    let team = create_workspace(&app, &owner, "Owners").await;
    invite_and_join(&app, &owner, &team, "second@example.com", "admin", &admin).await;
    let owner_id = app.user_id(&owner).await;
    let admin_id = app.user_id(&admin).await;
    let member = |id: uuid::Uuid| format!("/api/v1/workspaces/{team}/members/{id}");

    // The last owner can neither step down nor leave.
    let r = app
        .request(
            Method::PATCH,
            &member(owner_id),
            Some(&owner),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app.delete(&member(owner_id), &owner).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // An admin cannot make an owner, demote one, remove one or delete the workspace.
    let r = app
        .request(
            Method::PATCH,
            &member(admin_id),
            Some(&admin),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app.delete(&member(owner_id), &admin).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .delete(&format!("/api/v1/workspaces/{team}"), &admin)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // An admin may rename it.
    let r = app
        .request(
            Method::PATCH,
            &format!("/api/v1/workspaces/{team}"),
            Some(&admin),
            Some(json!({"name": "  Owners   and admins "})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["name"], "Owners and admins");

    // With a second owner the first may leave; the members list shows the change.
    let r = app
        .request(
            Method::PATCH,
            &member(admin_id),
            Some(&owner),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["role"], "owner");
    let r = app.delete(&member(owner_id), &owner).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = app
        .get(&format!("/api/v1/workspaces/{team}/members"), &admin)
        .await;
    let members = r.body["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{}", r.text);
    assert_eq!(members[0]["user_id"], admin_id.to_string().as_str());
    let r = app.get(&format!("/api/v1/workspaces/{team}"), &owner).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    // The owner deletes it, with its candidates.
    let id = uploaded(&app, &admin, Some(&team), "Ada Lovelace\nAnalyst\n").await;
    let r = app
        .delete(&format!("/api/v1/workspaces/{team}"), &admin)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = app.get(&format!("/api/v1/candidates/{id}"), &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app.get("/api/v1/workspaces", &admin).await;
    assert_eq!(
        r.body["workspaces"].as_array().unwrap().len(),
        1,
        "{}",
        r.text
    );
});

db_test!(an_invite_registers_and_joins, |app: TestApp| async move {
    let owner = app.register("hiring-lead@example.com").await;
    let team = create_workspace(&app, &owner, "Newcomers").await;
    let r = app
        .post(
            &format!("/api/v1/workspaces/{team}/invites"),
            &owner,
            json!({"email": "Newcomer@Example.com", "role": "recruiter"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let token = r.body["token"].as_str().unwrap().to_owned();
    // Another address cannot use it.
    let stranger = app.register("stranger@example.com").await;
    let r = app
        .post(
            "/api/v1/workspaces/join",
            &stranger,
            json!({"token": token}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(json!({
                "email": "newcomer@example.com",
                "password": "correct horse battery",
                "name": "New Comer",
                "invite": token,
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let newcomer = r.body["token"].as_str().unwrap().to_owned();
    let r = app.get("/api/v1/workspaces", &newcomer).await;
    let list = r.body["workspaces"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{}", r.text);
    let joined = list.iter().find(|w| w["id"] == team.as_str()).unwrap();
    assert_eq!(joined["role"], "recruiter");
    assert_eq!(joined["members"], 2);
    let r = app
        .get(&format!("/api/v1/workspaces/{team}/invites"), &owner)
        .await;
    assert_eq!(r.body["invites"][0]["status"], "used", "{}", r.text);
    assert!(!r.text.contains(&token));
});

db_test!(
    a_workspace_invite_lets_someone_sign_up_when_sign_up_is_by_invitation,
    |s: Spawn| s.env("HIREKEY_REGISTRATION", "invite"),
    |app: TestApp| async move {
        // The first account needs no invite.
        let owner = app.register("founder@example.com").await;
        let team = create_workspace(&app, &owner, "Founding team").await;
        let register = |invite: Option<String>| {
            let app = &app;
            async move {
                app.request(
                    Method::POST,
                    "/api/v1/auth/register",
                    None,
                    Some(json!({
                        "email": "second-hire@example.com",
                        "password": "correct horse battery",
                        "name": "Second Hire",
                        "invite": invite,
                    })),
                )
                .await
            }
        };
        let r = register(None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/workspaces/{team}/invites"),
                &owner,
                json!({"email": "second-hire@example.com", "role": "viewer"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = register(r.body["token"].as_str().map(str::to_owned)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let hire = r.body["token"].as_str().unwrap().to_owned();
        let r = app.get(&format!("/api/v1/workspaces/{team}"), &hire).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["role"], "viewer");
    }
);

/// Fills a database migrated to the release before workspaces (migration 10) with a user's
/// candidate, resume, analysis job, conversation, message and usage row, migrates it to now,
/// and checks that every row is still there and now in the user's personal workspace.
async fn migration_keeps_every_row(url: &str) {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value as Db};

    let db: DatabaseConnection = sea_orm::Database::connect(url).await.unwrap();
    Migrator::up(&db, Some(10)).await.unwrap();
    let backend = db.get_database_backend();
    let now = chrono::Utc::now();
    let (user, candidate, conversation) = (
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4(),
    );
    let exec = |sql: &str, values: Vec<Db>| {
        let db = &db;
        let statement = Statement::from_sql_and_values(backend, sql, values);
        async move { db.execute(statement).await.unwrap() }
    };
    exec(
        "INSERT INTO users (id, email, name, password_hash, is_admin, active_provider, created_at,
            updated_at, session_generation) VALUES ($1, 'old@example.com', 'Old User', 'x', TRUE,
            NULL, $2, $2, 0)",
        vec![user.into(), now.into()],
    )
    .await;
    exec(
        "INSERT INTO candidates (id, owner_id, name, email, current_title, skills, summary,
            analysis, analysis_status, analysis_error, key_source, search_text, warnings,
            not_a_resume, created_at, updated_at) VALUES ($1, $2, 'Old Candidate', NULL, NULL,
            '[]', NULL, NULL, 'done', NULL, 'system', 'old candidate', NULL, FALSE, $3, $3)",
        vec![candidate.into(), user.into(), now.into()],
    )
    .await;
    exec(
        "INSERT INTO resumes (id, candidate_id, file_name, content_type, bytes, text, text_engine,
            created_at) VALUES ($1, $2, 'old.txt', 'text/plain', $3, 'old text', 'text', $4)",
        vec![
            uuid::Uuid::new_v4().into(),
            candidate.into(),
            b"old text".to_vec().into(),
            now.into(),
        ],
    )
    .await;
    exec(
        "INSERT INTO analysis_jobs (id, candidate_id, owner_id, status, attempts, max_attempts,
            run_after, lease_until, locked_by, last_error, created_at, updated_at)
            VALUES ($1, $2, $3, 'done', 1, 3, $4, NULL, NULL, NULL, $4, $4)",
        vec![
            uuid::Uuid::new_v4().into(),
            candidate.into(),
            user.into(),
            now.into(),
        ],
    )
    .await;
    exec(
        "INSERT INTO conversations (id, user_id, title, created_at, updated_at)
            VALUES ($1, $2, 'Old chat', $3, $3)",
        vec![conversation.into(), user.into(), now.into()],
    )
    .await;
    exec(
        "INSERT INTO messages (id, conversation_id, role, content, candidates, incomplete, error,
            created_at) VALUES ($1, $2, 'user', 'who?', NULL, FALSE, NULL, $3)",
        vec![uuid::Uuid::new_v4().into(), conversation.into(), now.into()],
    )
    .await;
    exec(
        "INSERT INTO ai_usage (id, user_id, key_source, provider, model, feature, prompt_tokens,
            completion_tokens, latency_ms, status, remaining_requests, limit_requests,
            remaining_tokens, limit_tokens, reset_requests, created_at)
            VALUES ($1, $2, 'system', 'groq', 'm', 'chat', 1, 2, 3, 'ok', NULL, NULL, NULL, NULL,
            NULL, $3)",
        vec![uuid::Uuid::new_v4().into(), user.into(), now.into()],
    )
    .await;

    Migrator::up(&db, None).await.unwrap();

    let count = |sql: &str| {
        let db = &db;
        let statement = Statement::from_sql_and_values(backend, sql, vec![user.into()]);
        async move {
            let row = db.query_one(statement).await.unwrap().unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    for (what, sql) in [
        (
            "workspace",
            "SELECT COUNT(*) FROM workspaces WHERE id = $1 AND personal",
        ),
        (
            "owner membership",
            "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = $1 AND user_id = $1
                AND role = 'owner'",
        ),
        (
            "candidate",
            "SELECT COUNT(*) FROM candidates WHERE workspace_id = $1 AND owner_id = $1",
        ),
        (
            "resume",
            "SELECT COUNT(*) FROM resumes r JOIN candidates c ON c.id = r.candidate_id
                WHERE c.workspace_id = $1",
        ),
        (
            "job",
            "SELECT COUNT(*) FROM analysis_jobs WHERE workspace_id = $1",
        ),
        (
            "conversation",
            "SELECT COUNT(*) FROM conversations WHERE workspace_id = $1 AND user_id = $1",
        ),
        (
            "message",
            "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
                WHERE c.workspace_id = $1",
        ),
        (
            "usage",
            "SELECT COUNT(*) FROM ai_usage WHERE workspace_id = $1 AND user_id = $1",
        ),
    ] {
        assert_eq!(count(sql).await, 1, "{what}");
    }
    // Down and up again loses nothing either.
    Migrator::down(&db, Some(1)).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(
        count("SELECT COUNT(*) FROM candidates WHERE workspace_id = $1").await,
        1
    );
}

#[tokio::test]
async fn the_workspace_migration_keeps_every_row_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    migration_keeps_every_row(&url).await;
}

#[tokio::test]
async fn the_workspace_migration_keeps_every_row_on_postgres() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    migration_keeps_every_row(&url).await;
}

db_test!(
    two_owners_stepping_down_at_once_leave_one_owner,
    |app: TestApp| async move {
        let first = app.register("race-first@example.com").await;
        let second = app.register("race-second@example.com").await;
        let team = create_workspace(&app, &first, "Race").await;
        invite_and_join(
            &app,
            &first,
            &team,
            "race-second@example.com",
            "owner",
            &second,
        )
        .await;
        let first_id = app.user_id(&first).await;
        let second_id = app.user_id(&second).await;
        let path = |id: uuid::Uuid| format!("/api/v1/workspaces/{team}/members/{id}");
        for round in 0..5 {
            // Each owner steps down to admin at the same moment.
            let (first_path, second_path) = (path(first_id), path(second_id));
            let (a, b) = tokio::join!(
                app.request(
                    Method::PATCH,
                    &first_path,
                    Some(&first),
                    Some(json!({"role": "admin"}))
                ),
                app.request(
                    Method::PATCH,
                    &second_path,
                    Some(&second),
                    Some(json!({"role": "admin"}))
                ),
            );
            let statuses = [a.status, b.status];
            assert!(
                statuses.contains(&StatusCode::CONFLICT),
                "round {round}: both stepped down: {} / {}",
                a.text,
                b.text
            );
            let r = app
                .get(&format!("/api/v1/workspaces/{team}/members"), &first)
                .await;
            let owners = r.body["members"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["role"] == "owner")
                .count();
            assert_eq!(owners, 1, "round {round}: {}", r.text);
            // Whoever stepped down becomes an owner again for the next round.
            let (owner, down) = if a.status == StatusCode::OK {
                (&second, first_id)
            } else {
                (&first, second_id)
            };
            let r = app
                .request(
                    Method::PATCH,
                    &path(down),
                    Some(owner),
                    Some(json!({"role": "owner"})),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
    }
);
