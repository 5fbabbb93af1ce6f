//! Accounts under attack: the first-user race, lockout by strangers, e-mail probing through
//! invites, and `/auth/me` answering from the database.
use reqwest::{Method, StatusCode};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

const PASSWORD: &str = "correct horse battery";
/// Two client addresses, told to the server through `X-Forwarded-For` (trusted in these apps).
const OWNER_ADDRESS: &str = "198.51.100.20";
const STRANGER_ADDRESS: &str = "203.0.113.7";

fn invite_only(spawn: Spawn) -> Spawn {
    spawn.env("HIREKEY_REGISTRATION", "invite")
}

fn behind_a_proxy(spawn: Spawn) -> Spawn {
    spawn.env("HIREKEY_TRUST_PROXY_HEADERS", "true")
}

/// POSTs `body` to `path` as a client at `address` (loopback when `None`).
async fn post_from(app: &TestApp, path: &str, body: Value, address: Option<&str>) -> Response {
    let mut request = app.http.post(format!("{}{path}", app.url)).json(&body);
    if let Some(address) = address {
        request = request.header("x-forwarded-for", address);
    }
    into_response(request.send().await.expect("request")).await
}

async fn register_with(
    app: &TestApp,
    email: &str,
    invite: Option<&str>,
    address: Option<&str>,
) -> Response {
    let mut body = json!({"email": email, "password": PASSWORD, "name": "Someone"});
    if let Some(invite) = invite {
        body["invite"] = Value::from(invite);
    }
    post_from(app, "/api/v1/auth/register", body, address).await
}

async fn login_from(app: &TestApp, email: &str, password: &str, address: Option<&str>) -> Response {
    post_from(
        app,
        "/api/v1/auth/login",
        json!({"email": email, "password": password}),
        address,
    )
    .await
}

/// `n` registrations sent at once on the app as it is.
async fn register_at_once(app: &TestApp, n: usize) -> Vec<Response> {
    let attempts = (0..n).map(|i| async move {
        register_with(app, &format!("racer{i}@example.com"), None, None).await
    });
    futures::future::join_all(attempts).await
}

async fn admins_in_database(app: &TestApp) -> usize {
    hirekey_core::entities::users::Entity::find()
        .filter(hirekey_core::entities::users::Column::IsAdmin.eq(true))
        .all(&app.state.db)
        .await
        .unwrap()
        .len()
}

async fn create_invite(app: &TestApp, admin: &str) -> String {
    let r = app.post("/api/v1/admin/invites", admin, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["token"].as_str().unwrap().to_owned()
}

db_test!(
    one_of_many_first_registrations_becomes_the_admin,
    invite_only,
    |app: TestApp| async move {
        let answers = register_at_once(&app, 8).await;
        let texts: Vec<&str> = answers.iter().map(|r| r.text.as_str()).collect();
        let created: Vec<&Response> = answers
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .collect();
        assert_eq!(created.len(), 1, "one first account: {texts:?}");
        assert_eq!(created[0].body["user"]["is_admin"], true, "{texts:?}");
        // The others came too late for the free first account and have no invite.
        for r in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
            assert_eq!(r.body["error"], "Invite required", "{}", r.text);
            assert!(
                r.body["message"]
                    .as_str()
                    .unwrap()
                    .contains("invitation only"),
                "{}",
                r.text
            );
        }
        let users = hirekey_core::entities::users::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(users.len(), 1, "no account besides the admin");
        assert_eq!(admins_in_database(&app).await, 1);

        // Later registrations still need an invite, and the admin can give one.
        let late = register_with(&app, "late@example.com", None, None).await;
        assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.text);
        let admin = created[0].body["token"].as_str().unwrap().to_owned();
        let invite = create_invite(&app, &admin).await;
        let invited = register_with(&app, "late@example.com", Some(&invite), None).await;
        assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text);
        assert_eq!(invited.body["user"]["is_admin"], false);
    }
);

db_test!(
    open_sign_up_makes_one_admin_however_many_register_at_once,
    |app: TestApp| async move {
        let answers = register_at_once(&app, 8).await;
        for r in &answers {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
        let admins = answers
            .iter()
            .filter(|r| r.body["user"]["is_admin"] == true)
            .count();
        assert_eq!(
            admins,
            1,
            "{:?}",
            answers.iter().map(|r| &r.text).collect::<Vec<_>>()
        );
        assert_eq!(admins_in_database(&app).await, 1);
    }
);

db_test!(
    a_stranger_cannot_lock_the_owner_out,
    behind_a_proxy,
    |app: TestApp| async move {
        let owner = "owner@example.com";
        let registered = register_with(&app, owner, None, Some(OWNER_ADDRESS)).await;
        assert_eq!(
            registered.status,
            StatusCode::CREATED,
            "{}",
            registered.text
        );

        // The stranger guesses from another address until refused.
        let mut refused_after = None;
        for attempt in 1..=12 {
            let r = login_from(&app, owner, "wrong password!", Some(STRANGER_ADDRESS)).await;
            match r.status {
                StatusCode::UNAUTHORIZED => {}
                StatusCode::TOO_MANY_REQUESTS => {
                    assert!(r.headers.get("retry-after").is_some());
                    refused_after.get_or_insert(attempt);
                }
                other => panic!("attempt {attempt}: {other} {}", r.text),
            }
        }
        assert_eq!(
            refused_after,
            Some(11),
            "ten failures per account and address"
        );
        // At that address even the right password now waits: guessing there is over.
        let stranger_right = login_from(&app, owner, PASSWORD, Some(STRANGER_ADDRESS)).await;
        assert_eq!(stranger_right.status, StatusCode::TOO_MANY_REQUESTS);

        // The owner, at their own address, is not affected: a typo, then the password.
        let typo = login_from(&app, owner, "wrong password?", Some(OWNER_ADDRESS)).await;
        assert_eq!(typo.status, StatusCode::UNAUTHORIZED, "{}", typo.text);
        let own = login_from(&app, owner, PASSWORD, Some(OWNER_ADDRESS)).await;
        assert_eq!(own.status, StatusCode::OK, "{}", own.text);
        assert_eq!(own.body["user"]["email"], owner);
    }
);

db_test!(
    guessing_from_many_addresses_is_stopped_per_account,
    behind_a_proxy,
    |app: TestApp| async move {
        let owner = "owner@example.com";
        app.register(owner).await;
        // Nine failures from each of twelve addresses: under every per-address limit, yet
        // 108 guesses at one account within the hour.
        let addresses: Vec<String> = (1..=12).map(|i| format!("192.0.2.{i}")).collect();
        let mut statuses = Vec::new();
        let app = &app;
        for round in 0..9 {
            let guesses = addresses.iter().map(|address| async move {
                login_from(app, owner, &format!("guess {round}"), Some(address))
                    .await
                    .status
            });
            statuses.extend(futures::future::join_all(guesses).await);
        }
        let refused = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        let wrong = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        assert_eq!(wrong + refused, statuses.len(), "{statuses:?}");
        // Attempts arriving together may see each other's counts, so the last few before the
        // limit can be refused early; none past it gets through.
        assert!(
            (90..=100).contains(&wrong) && refused > 0,
            "the account-wide backstop: {wrong} wrong, {refused} refused"
        );
        // A fresh address gets no further guess at this account...
        let fresh = login_from(app, owner, "guess 9", Some("192.0.2.200")).await;
        assert_eq!(
            fresh.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            fresh.text
        );
        // ...while another account at those addresses is untouched.
        app.register("bystander@example.com").await;
        let bystander = login_from(app, "bystander@example.com", PASSWORD, Some("192.0.2.1")).await;
        assert_eq!(bystander.status, StatusCode::OK, "{}", bystander.text);
    }
);

db_test!(
    successful_logins_are_never_throttled,
    |app: TestApp| async move {
        // Six accounts, nine logins each, from one address: past fifty for the address.
        let emails: Vec<String> = (0..6).map(|i| format!("busy{i}@example.com")).collect();
        for email in &emails {
            app.register(email).await;
        }
        for round in 0..9 {
            let logins = emails
                .iter()
                .map(|email| login_from(&app, email, PASSWORD, None));
            for (email, r) in emails.iter().zip(futures::future::join_all(logins).await) {
                assert_eq!(
                    r.status,
                    StatusCode::OK,
                    "{email}, round {round}: {}",
                    r.text
                );
            }
        }
        // And one account past ten for itself at this address.
        for extra in 0..3 {
            let r = login_from(&app, &emails[0], PASSWORD, None).await;
            assert_eq!(r.status, StatusCode::OK, "extra login {extra}: {}", r.text);
        }
    }
);

db_test!(
    an_invite_probes_one_email_at_most,
    invite_only,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;

        // The answer every used invite gives.
        let used = create_invite(&app, &admin).await;
        let member = register_with(&app, "member@example.com", Some(&used), None).await;
        assert_eq!(member.status, StatusCode::CREATED, "{}", member.text);
        let used_answer = register_with(&app, "someone@example.com", Some(&used), None).await;
        assert_eq!(
            used_answer.status,
            StatusCode::FORBIDDEN,
            "{}",
            used_answer.text
        );
        assert_eq!(used_answer.body["error"], "Invite required");

        // An invite holder asks about a registered address: the invite is spent on it...
        let probe = create_invite(&app, &admin).await;
        let registered = register_with(&app, "member@example.com", Some(&probe), None).await;
        assert_eq!(
            (registered.status, &registered.body),
            (used_answer.status, &used_answer.body),
            "a registered email answers as a used invite does"
        );
        // ...so a second question with it, about an address that has no account, is answered
        // exactly as the first: nothing tells the two apart.
        let unregistered = register_with(&app, "stranger@example.com", Some(&probe), None).await;
        assert_eq!(
            (unregistered.status, &unregistered.body),
            (registered.status, &registered.body),
            "{}",
            unregistered.text
        );
        assert_eq!(
            login_from(&app, "stranger@example.com", PASSWORD, None)
                .await
                .status,
            StatusCode::UNAUTHORIZED,
            "no account was made"
        );
        let list = app.get("/api/v1/admin/invites", &admin).await;
        let statuses: Vec<&str> = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["used", "used"], "{}", list.text);
        // The admin who made the invite sees where it went.
        assert!(app
            .audit_events(&admin)
            .await
            .contains(&"invite_used".to_owned()));
        assert!(
            used_answer.body["message"]
                .as_str()
                .unwrap()
                .contains("log in"),
            "sends an invite holder who has an account to log in: {}",
            used_answer.text
        );
        // The member's own password still works: spending the invite touched no account.
        assert_eq!(
            login_from(&app, "member@example.com", PASSWORD, None)
                .await
                .status,
            StatusCode::OK
        );
    }
);

db_test!(
    registration_attempts_are_throttled_per_address,
    behind_a_proxy,
    |app: TestApp| async move {
        // Thirty attempts from one address (refused at once, so no hashing), then it waits.
        for i in 0..30 {
            let r = post_from(
                &app,
                "/api/v1/auth/register",
                json!({"email": format!("probe{i}@example.com"), "password": "short"}),
                Some(STRANGER_ADDRESS),
            )
            .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        }
        let refused = register_with(&app, "probe@example.com", None, Some(STRANGER_ADDRESS)).await;
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            refused.text
        );
        assert!(refused.headers.get("retry-after").is_some());
        // Another address registers as usual.
        let other = register_with(&app, "probe@example.com", None, Some(OWNER_ADDRESS)).await;
        assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    }
);

db_test!(me_answers_from_the_database, |app: TestApp| async move {
    let _admin = app.register("root@example.com").await;
    let token = app.register("member@example.com").await;
    let before = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    assert_eq!(before.body["is_admin"], false);
    assert_eq!(before.body["name"], "Test User");

    // Promoted and renamed after the token was issued.
    use hirekey_core::entities::users;
    users::Entity::update_many()
        .col_expr(users::Column::IsAdmin, Expr::value(true))
        .col_expr(users::Column::Name, Expr::value("Renamed Member"))
        .filter(users::Column::Email.eq("member@example.com"))
        .exec(&app.state.db)
        .await
        .unwrap();
    let after = app.get("/api/v1/auth/me", &token).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
    assert_eq!(after.body["is_admin"], true, "{}", after.text);
    assert_eq!(after.body["name"], "Renamed Member", "{}", after.text);
    assert_eq!(after.body["email"], "member@example.com");
    assert_eq!(after.body["id"], before.body["id"]);

    // And demoted again: the token still says nothing that counts.
    users::Entity::update_many()
        .col_expr(users::Column::IsAdmin, Expr::value(false))
        .filter(users::Column::Email.eq("member@example.com"))
        .exec(&app.state.db)
        .await
        .unwrap();
    let demoted = app
        .request(Method::GET, "/api/v1/auth/me", Some(&token), None)
        .await;
    assert_eq!(demoted.body["is_admin"], false, "{}", demoted.text);
});
