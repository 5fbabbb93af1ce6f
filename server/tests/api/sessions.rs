//! Sessions that can be ended: logout everywhere and a password change end the tokens issued
//! before them, on every route and in the pages' server functions.
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::db_test;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

async fn login(app: &TestApp, email: &str, password: &str) -> Response {
    app.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

async fn login_token(app: &TestApp, email: &str, password: &str) -> String {
    let r = login(app, email, password).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["token"].as_str().unwrap().to_owned()
}

/// The status of an authenticated read, through the REST extractor.
async fn status_of(app: &TestApp, token: &str) -> StatusCode {
    app.get("/api/v1/profile/ai-settings", token).await.status
}

/// Whether a page's session check (the `current_user` server function) lets the cookie in: the
/// layout then shows the user's name; otherwise it sends the browser to the login page.
async fn page_signed_in(app: &TestApp, token: &str) -> bool {
    let html = app
        .http
        .get(format!("{}/profile", app.url))
        .header("cookie", format!("hirekey_session={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    html.contains(r#"data-testid="user-name""#)
}

fn set_cookie(r: &Response) -> String {
    r.headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

db_test!(logout_all_ends_every_session, |app: TestApp| async move {
    let first = app.register("ada@example.com").await;
    let second = login_token(&app, "ada@example.com", PASSWORD).await;
    let third = login_token(&app, "ada@example.com", PASSWORD).await;
    let bystander = app.register("bob@example.com").await;
    for token in [&first, &second, &third] {
        assert_eq!(status_of(&app, token).await, StatusCode::OK);
        assert!(page_signed_in(&app, token).await);
    }

    let r = app
        .request(Method::POST, "/api/v1/auth/logout-all", Some(&second), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["message"].is_string());
    assert!(set_cookie(&r).contains("Max-Age=0"), "{}", set_cookie(&r));

    // Every token issued before is refused at once, this one included, on REST routes and in
    // the pages (whose session check sends the browser to the login page).
    for token in [&first, &second, &third] {
        let me = app.get("/api/v1/auth/me", token).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.text);
        assert_eq!(me.body["error"], "Unauthorized");
        assert_eq!(status_of(&app, token).await, StatusCode::UNAUTHORIZED);
        assert!(!page_signed_in(&app, token).await);
        let again = app
            .request(Method::POST, "/api/v1/auth/logout-all", Some(token), None)
            .await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    }
    // Other users keep their sessions.
    assert_eq!(status_of(&app, &bystander).await, StatusCode::OK);

    // Logging in again starts a session that works.
    let fresh = login_token(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(status_of(&app, &fresh).await, StatusCode::OK);
    assert!(page_signed_in(&app, &fresh).await);
    assert!(app
        .audit_events(&fresh)
        .await
        .contains(&"signed_out_everywhere".to_owned()));

    // A cookie session from another site cannot end them.
    let cross = app
        .http
        .post(format!("{}/api/v1/auth/logout-all", app.url))
        .header("cookie", format!("hirekey_session={fresh}"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, &fresh).await, StatusCode::OK);
});

async fn change(
    app: &TestApp,
    token: &str,
    current_password: &str,
    new_password: &str,
) -> Response {
    app.put(
        "/api/v1/auth/password",
        token,
        json!({"current_password": current_password, "new_password": new_password}),
    )
    .await
}

db_test!(
    a_password_change_ends_every_other_session,
    |app: TestApp| async move {
        let current = app.register("cyd@example.com").await;
        let other = login_token(&app, "cyd@example.com", PASSWORD).await;

        // Refusals change nothing.
        let wrong = change(&app, &current, "not my password", "a brand new password").await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            wrong.text
        );
        assert!(
            wrong.body["message"]
                .as_str()
                .unwrap()
                .contains("current password"),
            "{}",
            wrong.text
        );
        let weak = change(&app, &current, PASSWORD, "short").await;
        assert_eq!(
            weak.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            weak.text
        );
        assert!(weak.body["message"].as_str().unwrap().contains('8'));
        let same = change(&app, &current, PASSWORD, PASSWORD).await;
        assert_eq!(
            same.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            same.text
        );
        let missing = app
            .put(
                "/api/v1/auth/password",
                &current,
                json!({"new_password": "a brand new password"}),
            )
            .await;
        assert_eq!(
            missing.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            missing.text
        );
        let anonymous = app
            .request(
                Method::PUT,
                "/api/v1/auth/password",
                None,
                Some(json!({"current_password": PASSWORD, "new_password": "a brand new password"})),
            )
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert_eq!(status_of(&app, &current).await, StatusCode::OK);
        assert_eq!(status_of(&app, &other).await, StatusCode::OK);

        // The change: a new token and cookie for the caller; every other session ends.
        let changed = change(&app, &current, PASSWORD, "a brand new password").await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        assert_eq!(changed.body["user"]["email"], "cyd@example.com");
        let renewed = changed.body["token"].as_str().unwrap().to_owned();
        assert!(
            set_cookie(&changed).contains(&format!("hirekey_session={renewed}")),
            "{}",
            set_cookie(&changed)
        );
        assert_eq!(status_of(&app, &renewed).await, StatusCode::OK);
        assert!(page_signed_in(&app, &renewed).await);
        for token in [&current, &other] {
            assert_eq!(status_of(&app, token).await, StatusCode::UNAUTHORIZED);
            assert!(!page_signed_in(&app, token).await);
        }

        // Only the new password logs in.
        assert_eq!(
            login(&app, "cyd@example.com", PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        let again = login_token(&app, "cyd@example.com", "a brand new password").await;
        assert_eq!(status_of(&app, &again).await, StatusCode::OK);
        assert_eq!(status_of(&app, &renewed).await, StatusCode::OK);
        assert!(app
            .audit_events(&again)
            .await
            .contains(&"password_changed".to_owned()));
    }
);

db_test!(password_changes_are_throttled, |app: TestApp| async move {
    let token = app.register("dee@example.com").await;
    let mut last = StatusCode::OK;
    for _ in 0..11 {
        last = app
            .put(
                "/api/v1/auth/password",
                &token,
                json!({"current_password": "guess guess guess", "new_password": "a brand new password"}),
            )
            .await
            .status;
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(last, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "ten guesses per 15 minutes"
    );
    // The right password waits too.
    let r = app
        .put(
            "/api/v1/auth/password",
            &token,
            json!({"current_password": PASSWORD, "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.headers.get("retry-after").is_some());
    assert_eq!(status_of(&app, &token).await, StatusCode::OK);
});

db_test!(
    another_instance_ending_sessions_is_seen_within_the_cache_lifetime,
    |app: TestApp| async move {
        use hirekey_core::entities::users;
        use sea_orm::sea_query::Expr;
        let token = app.register("eli@example.com").await;
        let id = app.user_id(&token).await;
        assert_eq!(status_of(&app, &token).await, StatusCode::OK);

        // Another instance raises the generation in the shared database.
        users::Entity::update_many()
            .col_expr(
                users::Column::SessionGeneration,
                Expr::col(users::Column::SessionGeneration).add(1),
            )
            .filter(users::Column::Id.eq(id))
            .exec(&app.state.db)
            .await
            .unwrap();
        // That instance's new token works here at once, although this instance still holds
        // the old generation: a newer token makes it ask the database.
        let user = users::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.session_generation, 1);
        let auth = hirekey_core::session::AuthUser {
            id,
            email: user.email.clone(),
            name: user.name.clone(),
            is_admin: user.is_admin,
        };
        let newer = app
            .state
            .jwt
            .issue(&auth, 1, chrono::Utc::now().timestamp())
            .unwrap();
        assert_eq!(status_of(&app, &newer).await, StatusCode::OK);
        // The old token is refused within the cache's lifetime (here at once, since the newer
        // token refreshed the entry).
        tokio::time::sleep(hirekey_core::services::sessions::GENERATION_CACHE_TTL).await;
        assert_eq!(status_of(&app, &token).await, StatusCode::UNAUTHORIZED);
        assert_eq!(status_of(&app, &newer).await, StatusCode::OK);

        // A token of an account that no longer exists is refused too.
        users::Entity::delete_by_id(id)
            .exec(&app.state.db)
            .await
            .unwrap();
        tokio::time::sleep(hirekey_core::services::sessions::GENERATION_CACHE_TTL).await;
        assert_eq!(status_of(&app, &newer).await, StatusCode::UNAUTHORIZED);
    }
);
