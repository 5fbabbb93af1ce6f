//! Invite-only sign-up (`HIREKEY_REGISTRATION=invite`, the default outside these tests): the
//! first account is free, every later one needs a single-use, expiring, revocable invite.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

const INVITES: &str = "/api/v1/admin/invites";

fn invite_only(spawn: Spawn) -> Spawn {
    spawn.env("HIREKEY_REGISTRATION", "invite")
}

async fn try_register(app: &TestApp, email: &str, invite: Option<&str>) -> Response {
    let mut body = json!({"email": email, "password": "correct horse battery", "name": "Invitee"});
    if let Some(invite) = invite {
        body["invite"] = Value::from(invite);
    }
    app.request(Method::POST, "/api/v1/auth/register", None, Some(body))
        .await
}

/// Creates an invite and answers its body.
async fn create_invite(app: &TestApp, admin: &str, body: Value) -> Value {
    let r = app.post(INVITES, admin, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

fn assert_refused(r: &Response, reason: &str) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(r.body["error"], "Invite required", "{}", r.text);
    let message = r.body["message"].as_str().unwrap_or("");
    assert!(
        message.contains(reason),
        "{message:?} should say {reason:?}"
    );
}

async fn invite_status(app: &TestApp, admin: &str, id: &str) -> String {
    let list = app.get(INVITES, admin).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    list.body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("invite {id} in {}", list.text))["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

db_test!(
    the_first_user_is_free_and_then_an_invite_is_needed,
    invite_only,
    |app: TestApp| async move {
        // The first account needs nothing and is the admin.
        let first = try_register(&app, "root@example.com", None).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        let admin = first.body["token"].as_str().unwrap().to_owned();
        assert_eq!(first.body["user"]["is_admin"], true);

        // The second one without an invite, or with one that does not exist.
        assert_refused(
            &try_register(&app, "second@example.com", None).await,
            "invitation only",
        );
        assert_refused(
            &try_register(&app, "second@example.com", Some("")).await,
            "invitation only",
        );
        assert_refused(
            &try_register(&app, "second@example.com", Some("made-up-invite")).await,
            "not valid",
        );
        // An uninvited caller learns nothing about accounts: no 409 for a taken email.
        assert_refused(
            &try_register(&app, "root@example.com", None).await,
            "invitation only",
        );

        // With an invite: registered, not an admin, and the invite is used up.
        let before = app.clock().now();
        let invite = create_invite(&app, &admin, json!({})).await;
        let token = invite["token"].as_str().unwrap().to_owned();
        let id = invite["id"].as_str().unwrap().to_owned();
        assert!(token.len() >= 43, "256 random bits: {token}");
        assert!(
            invite["url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/register?invite={token}")),
            "{invite}"
        );
        assert!(invite["url"].as_str().unwrap().starts_with("http://"));
        assert!(invite["email"].is_null());
        let expires: chrono::DateTime<chrono::Utc> =
            invite["expires_at"].as_str().unwrap().parse().unwrap();
        let days = (expires - before).num_hours();
        assert!(
            (167..=168).contains(&days),
            "seven days by default: {days} h"
        );
        assert_eq!(invite_status(&app, &admin, &id).await, "pending");

        let second = try_register(&app, "second@example.com", Some(&token)).await;
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
        assert_eq!(second.body["user"]["is_admin"], false);
        let second_token = second.body["token"].as_str().unwrap().to_owned();
        assert_eq!(
            app.get("/api/v1/auth/me", &second_token).await.status,
            StatusCode::OK
        );

        // Used once, never again.
        assert_refused(
            &try_register(&app, "third@example.com", Some(&token)).await,
            "already been used",
        );
        assert_eq!(invite_status(&app, &admin, &id).await, "used");

        // The list never shows a token, and the database holds only its hash.
        let list = app.get(INVITES, &admin).await;
        assert!(!list.text.contains(&token), "{}", list.text);
        assert!(list.body[0]["used_at"].is_string(), "{}", list.text);
        assert!(list.body[0].get("token").is_none());
        let dump = String::from_utf8_lossy(&app.database_dump().await).into_owned();
        assert!(
            !dump.contains(&token),
            "the invite token is stored in clear"
        );

        // Audited: created for the admin, used for the new account.
        assert!(app
            .audit_events(&admin)
            .await
            .contains(&"invite_created".to_owned()));
        assert!(app
            .audit_events(&second_token)
            .await
            .contains(&"invite_used".to_owned()));
    }
);

db_test!(
    expired_revoked_and_email_bound_invites,
    invite_only,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;

        // Expired: one day, then the clock moves two days on.
        let short = create_invite(&app, &admin, json!({"expires_in_days": 1})).await;
        let short_id = short["id"].as_str().unwrap().to_owned();
        app.clock().advance(chrono::Duration::days(2));
        assert_refused(
            &try_register(&app, "late@example.com", short["token"].as_str()).await,
            "expired",
        );
        assert_eq!(invite_status(&app, &admin, &short_id).await, "expired");

        // Revoked: refused; revoking again changes nothing; an unknown id is 404.
        let revoked = create_invite(&app, &admin, json!({"expires_in_days": 30})).await;
        let revoked_id = revoked["id"].as_str().unwrap().to_owned();
        let r = app.delete(&format!("{INVITES}/{revoked_id}"), &admin).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        assert_refused(
            &try_register(&app, "revoked@example.com", revoked["token"].as_str()).await,
            "revoked",
        );
        assert_eq!(invite_status(&app, &admin, &revoked_id).await, "revoked");
        let again = app.delete(&format!("{INVITES}/{revoked_id}"), &admin).await;
        assert_eq!(again.status, StatusCode::NO_CONTENT, "{}", again.text);
        let unknown = app
            .delete(&format!("{INVITES}/{}", uuid::Uuid::new_v4()), &admin)
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.text);
        let malformed = app.delete(&format!("{INVITES}/not-an-id"), &admin).await;
        assert_eq!(
            malformed.status,
            StatusCode::NOT_FOUND,
            "{}",
            malformed.text
        );
        assert!(app
            .audit_events(&admin)
            .await
            .contains(&"invite_revoked".to_owned()));

        // Bound to one address (compared lower-cased): another address is refused.
        let bound = create_invite(&app, &admin, json!({"email": "Bound@Example.com"})).await;
        assert_eq!(bound["email"], "bound@example.com");
        let token = bound["token"].as_str().unwrap().to_owned();
        assert_refused(
            &try_register(&app, "other@example.com", Some(&token)).await,
            "another email",
        );
        let ok = try_register(&app, "BOUND@example.com", Some(&token)).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
        assert_eq!(ok.body["user"]["email"], "bound@example.com");

        // A used invite cannot be revoked.
        let used = app
            .delete(
                &format!("{INVITES}/{}", bound["id"].as_str().unwrap()),
                &admin,
            )
            .await;
        assert_eq!(used.status, StatusCode::CONFLICT, "{}", used.text);

        // Bounds on what an admin may ask for.
        for body in [
            json!({"expires_in_days": 0}),
            json!({"expires_in_days": 91}),
            json!({"expires_in_days": -1}),
            json!({"email": "not-an-email"}),
        ] {
            let r = app.post(INVITES, &admin, body.clone()).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {}",
                r.text
            );
            assert!(r.body["message"].is_string());
        }
        let longest = app
            .post(INVITES, &admin, json!({"expires_in_days": 90}))
            .await;
        assert_eq!(longest.status, StatusCode::CREATED, "{}", longest.text);
    }
);

db_test!(
    only_admins_manage_invites,
    invite_only,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let invite = create_invite(&app, &admin, json!({})).await;
        let user = try_register(&app, "user@example.com", invite["token"].as_str()).await;
        assert_eq!(user.status, StatusCode::CREATED, "{}", user.text);
        let user = user.body["token"].as_str().unwrap().to_owned();
        let id = invite["id"].as_str().unwrap();
        for (method, path, body) in [
            (Method::POST, INVITES.to_owned(), Some(json!({}))),
            (Method::GET, INVITES.to_owned(), None),
            (Method::DELETE, format!("{INVITES}/{id}"), None),
        ] {
            let refused = app
                .request(method.clone(), &path, Some(&user), body.clone())
                .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method} {path}");
            assert_eq!(refused.body["error"], "Forbidden", "{}", refused.text);
            let anonymous = app.request(method.clone(), &path, None, body).await;
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
        }
        // A non-admin cannot mint an invite, so cannot bring anyone in.
        assert_refused(
            &try_register(&app, "friend@example.com", None).await,
            "invitation only",
        );
    }
);

db_test!(
    two_registrations_cannot_share_an_invite,
    invite_only,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        let invite = create_invite(&app, &admin, json!({})).await;
        let token = invite["token"].as_str().unwrap().to_owned();
        let attempts = (0..4).map(|i| {
            let app = &app;
            let token = token.clone();
            async move { try_register(app, &format!("racer{i}@example.com"), Some(&token)).await }
        });
        let answers = futures::future::join_all(attempts).await;
        let created = answers
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count();
        assert_eq!(
            created,
            1,
            "{:?}",
            answers.iter().map(|r| &r.text).collect::<Vec<_>>()
        );
        for r in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
            assert_refused(r, "already been used");
        }
        let users = app.get("/api/v1/admin/users", &admin).await;
        assert_eq!(users.body.as_array().unwrap().len(), 2, "{}", users.text);
    }
);

db_test!(open_mode_needs_no_invite, |app: TestApp| async move {
    // The harness runs with HIREKEY_REGISTRATION=open.
    app.register("one@example.com").await;
    app.register("two@example.com").await;
    let r = try_register(&app, "three@example.com", Some("ignored-in-open-mode")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
});

db_test!(
    the_register_page_carries_the_invite,
    invite_only,
    |app: TestApp| async move {
        let html = app
            .http
            .get(format!("{}/register?invite=abc_DEF-123", app.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(r#"name="invite""#) && html.contains(r#"value="abc_DEF-123""#),
            "the invite is in the form"
        );
        let plain = app
            .http
            .get(format!("{}/register", app.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(plain.contains("Invite code"), "a field to paste an invite");
    }
);
