//! Instances that start together on one empty PostgreSQL database all come up: migrations and
//! the vault's canary are set up under an advisory lock, one instance at a time.
use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn instances_started_together_on_an_empty_database_all_come_up() {
    let Some(url) = fresh_postgres_database().await else {
        return;
    };
    // As in production: every instance has the same master key and JWT secret.
    let master = server::vault::MasterKey::generate().to_base64();
    let spawn = || {
        Spawn::new(DbKind::Postgres)
            .database(&url)
            .env("HIREKEY_MASTER_KEY", master.as_str())
            .env(
                "HIREKEY_JWT_SECRET",
                "a-shared-secret-of-at-least-32-characters",
            )
            .start()
    };
    let (a, b, c) = tokio::join!(spawn(), spawn(), spawn());
    let apps: Vec<TestApp> = [a, b, c]
        .into_iter()
        .map(|app| app.expect("every instance came up"))
        .collect();
    // One account, seen by every instance with the same token.
    let token = apps[0].register("together@example.com").await;
    for app in &apps {
        let me = app.get("/api/v1/auth/me", &token).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["email"], "together@example.com");
    }
}
