//! An invite used under open sign-up shows as used on the Admin page's list.
use reqwest::StatusCode;
use serde_json::json;

use crate::db_test;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";

db_test!(
    an_invite_used_with_open_sign_up_shows_as_used,
    |app: TestApp| async move {
        let admin = app.register("admin@example.com").await;
        let config = app.get("/api/v1/admin/ai-config", &admin).await;
        assert_eq!(config.body["registration_open"], true, "{}", config.text);

        let create = |email: Option<&'static str>| {
            let app = &app;
            let admin = admin.clone();
            async move {
                let r = app
                    .post(
                        "/api/v1/admin/invites",
                        &admin,
                        json!({"email": email, "expires_in_days": 7}),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                (
                    r.body["id"].as_str().unwrap_or_default().to_owned(),
                    r.body["token"].as_str().unwrap_or_default().to_owned(),
                )
            }
        };
        let (used_id, used_token) = create(None).await;
        let (other_id, other_token) = create(Some("someone@example.com")).await;

        let register = |email: &'static str, invite: String| {
            let app = &app;
            async move {
                app.request(
                    reqwest::Method::POST,
                    "/api/v1/auth/register",
                    None,
                    Some(json!({"email": email, "password": PASSWORD, "name": "N", "invite": invite})),
                )
                .await
            }
        };
        let r = register("recruiter@example.com", used_token.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        // An invite for another address is not used by this one; sign-up is open, so the
        // account is made anyway.
        let r = register("stranger@example.com", other_token).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        // A used invite does not stop an open sign-up either.
        let r = register("third@example.com", used_token).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        // Nor does a made-up one.
        let r = register("fourth@example.com", "not-a-token".into()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

        let list = app.get("/api/v1/admin/invites", &admin).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        let status_of = |id: &str| {
            list.body
                .as_array()
                .and_then(|a| a.iter().find(|i| i["id"] == id))
                .map(|i| i["status"].as_str().unwrap_or_default().to_owned())
        };
        assert_eq!(status_of(&used_id).as_deref(), Some("used"));
        assert_eq!(status_of(&other_id).as_deref(), Some("pending"));
        let used = list
            .body
            .as_array()
            .and_then(|a| a.iter().find(|i| i["id"] == used_id.as_str()).cloned())
            .unwrap_or_default();
        assert!(used["used_at"].is_string(), "{used}");
    }
);
