//! The audit chain: `hirekey audit verify` passes on a fresh chain and fails, naming the row,
//! after one row's text is edited, a row is deleted, or a row is inserted in the middle; admin
//! actions are audited.
use std::process::Command;

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::db_test;
use crate::helpers::TestApp;

/// Runs `hirekey audit verify` on the app's database: its exit status and what it printed.
fn verify(app: &TestApp) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hirekey"))
        .args(["audit", "verify"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.database_url)
        .env("HIREKEY_DATA_DIR", app.data_dir.path())
        .env("RUST_LOG", "off")
        .output()
        .expect("the hirekey binary");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn sql(app: &TestApp, statement: &str) {
    app.state
        .db
        .execute_unprepared(statement)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// Four audited events: a key saved and deleted, the retention period set, a key saved again.
async fn some_events(app: &TestApp) -> String {
    let token = app.register("auditor@example.com").await;
    assert_eq!(
        app.save_groq_key(&token, &crate::helpers::groq_key("valid"))
            .await
            .status,
        StatusCode::OK
    );
    let r = app.delete("/api/v1/profile/ai-settings", &token).await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .put(
            "/api/v1/workspace/retention",
            &token,
            json!({"retention_days": 365}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.save_groq_key(&token, &crate::helpers::groq_key("again"))
            .await
            .status,
        StatusCode::OK
    );
    token
}

db_test!(
    verify_passes_on_a_fresh_chain_and_names_an_edited_row,
    |app: TestApp| async move {
        some_events(&app).await;
        let (ok, said) = verify(&app);
        assert!(ok, "{said}");
        assert!(said.contains("intact"), "{said}");
        sql(
            &app,
            "UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 2",
        )
        .await;
        let (ok, said) = verify(&app);
        assert!(!ok, "an edited row fails");
        assert!(
            said.contains("row 2 ") && said.contains("altered"),
            "{said}"
        );
    }
);

db_test!(verify_names_a_deleted_row, |app: TestApp| async move {
    some_events(&app).await;
    sql(&app, "DELETE FROM audit_events WHERE seq = 3").await;
    let (ok, said) = verify(&app);
    assert!(!ok);
    assert!(said.contains("row 3 is missing"), "{said}");
});

db_test!(
    verify_names_a_row_inserted_in_the_middle,
    |app: TestApp| async move {
        some_events(&app).await;
        // Make room after row 2 (in two steps: the unique index checks each row), then insert a
        // row there, copying row 2's hash as its predecessor's so only its own content differs.
        sql(&app, "UPDATE audit_events SET seq = -seq WHERE seq > 2").await;
        sql(&app, "UPDATE audit_events SET seq = 1 - seq WHERE seq < 0").await;
        let new_id = match app.kind {
            crate::helpers::DbKind::Sqlite => "randomblob(16)",
            crate::helpers::DbKind::Postgres => "'00000000-0000-4000-8000-000000000001'::uuid",
        };
        sql(
            &app,
            &format!(
                "INSERT INTO audit_events (id, user_id, event, provider, detail, ip, user_agent, created_at, seq, prev_hash, hash) \
                 SELECT {new_id}, user_id, 'deleted', provider, 'forged', ip, user_agent, created_at, 3, hash, hash \
                 FROM audit_events WHERE seq = 2"
            ),
        )
        .await;
        let (ok, said) = verify(&app);
        assert!(!ok);
        assert!(said.contains("row 3 "), "the inserted row is named: {said}");
    }
);

db_test!(
    admin_actions_and_role_changes_are_audited,
    |app: TestApp| async move {
        let admin = app.register("root@example.com").await;
        crate::admin::set_admin(&app, &admin, true).await;
        let r = app
            .put(
                "/api/v1/admin/settings",
                &admin,
                json!({"require_personal_key": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .post("/api/v1/admin/ai-config/test", &admin, json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let events = app.audit_events(&admin).await;
        for e in ["policy_changed", "system_key_tested"] {
            assert!(events.contains(&e.to_owned()), "{e} in {events:?}");
        }
        let (ok, said) = verify(&app);
        assert!(ok, "{said}");
    }
);
