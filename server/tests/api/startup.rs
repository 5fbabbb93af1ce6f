//! Instances that start together on one empty PostgreSQL database all come up: migrations and
//! the vault's canary are set up under an advisory lock, one instance at a time.
use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn instances_started_together_on_an_empty_database_all_come_up() {
    let Some(apps) = instances_on_one_database(3, |s| s).await else {
        return;
    };
    // One account, seen by every instance with the same token.
    let token = apps[0].register("together@example.com").await;
    for app in &apps {
        let me = app.get("/api/v1/auth/me", &token).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["email"], "together@example.com");
    }
}
