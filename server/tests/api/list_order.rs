//! The Candidates list when a search matches most of a large pool: it is listed newest first
//! (ranking every match would be too slow), the answer says so (`order`, `total_estimated`),
//! and its cursors keep that order through every match, once each; a rare word is still
//! ranked.
use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use hirekey_core::entities::candidates;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, Set, Statement};
use serde_json::Value;
use uuid::Uuid;

use crate::db_test;
use crate::helpers::*;

/// Enough candidates that nine in ten of them are well over the 5,000 matches that are ranked.
const POOL: usize = 6_000;

/// The rows seeded for one owner: ids oldest first, with what they match.
struct Seeded {
    /// Every candidate containing `common`, newest first.
    common_newest_first: Vec<String>,
    /// The three containing `zanzibar`, by relevance: the name match, then newest first.
    zanzibar_ranked: Vec<String>,
}

async fn owner_id(db: &DatabaseConnection, email: &str) -> Uuid {
    db.query_one(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT id FROM users WHERE email = $1",
        [email.into()],
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get("", "id")
    .unwrap()
}

fn row(owner: Uuid, name: &str, text: &str, at: DateTime<Utc>) -> candidates::ActiveModel {
    candidates::ActiveModel {
        id: Set(Uuid::new_v4()),
        owner_id: Set(owner),
        workspace_id: Set(owner),
        name: Set(Some(name.to_owned())),
        email: Set(None),
        current_title: Set(Some("Engineer".into())),
        skills: Set("[]".into()),
        summary: Set(None),
        analysis: Set(None),
        analysis_status: Set("done".into()),
        analysis_error: Set(None),
        key_source: Set(None),
        search_text: Set(format!("{}\nengineer\n{text}", name.to_lowercase())),
        warnings: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        // Columns added later keep their defaults.
        ..Default::default()
    }
}

/// Straight into the table (the upload path is too slow for thousands): nine in ten contain
/// `common`; three contain `zanzibar`, the oldest of them in the name.
async fn seed(db: &DatabaseConnection, owner: Uuid, base: DateTime<Utc>) -> Seeded {
    let mut rows = Vec::with_capacity(POOL);
    let mut common = Vec::new();
    let mut zanzibar = vec![String::new(); 3];
    for i in 0..POOL {
        let mut text = format!("resume number {i}");
        if i % 10 != 0 {
            text.push_str(" common ground");
        }
        let name = match i {
            40 => "Zanzibar Jones".to_owned(),
            _ => format!("Person {i}"),
        };
        if i == 1_500 || i == 3_000 {
            text.push_str(" sailed to zanzibar");
        }
        let r = row(owner, &name, &text, base + Duration::seconds(i as i64));
        if i % 10 != 0 {
            common.push(r.id.as_ref().to_string());
        }
        let rank = match i {
            40 => Some(0),
            3_000 => Some(1),
            1_500 => Some(2),
            _ => None,
        };
        if let Some(rank) = rank {
            zanzibar[rank] = r.id.as_ref().to_string();
        }
        rows.push(r);
    }
    for batch in rows.chunks(500) {
        candidates::Entity::insert_many(batch.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
    common.reverse();
    Seeded {
        common_newest_first: common,
        zanzibar_ranked: zanzibar,
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

db_test!(
    a_search_matching_most_candidates_is_paged_newest_first,
    |app: TestApp| async move {
        let token = app.register("bulk@example.com").await;
        let other = app.register("other@example.com").await;
        let db = Database::connect(&app.database_url).await.unwrap();
        let owner = owner_id(&db, "bulk@example.com").await;
        let stranger = owner_id(&db, "other@example.com").await;
        let base = Utc::now() - Duration::days(30);
        let seeded = seed(&db, owner, base).await;
        // Another user's candidates match too, and are newer than all of them: never shown.
        let theirs: Vec<candidates::ActiveModel> = (0..50)
            .map(|i| {
                row(
                    stranger,
                    &format!("Stranger {i}"),
                    "common zanzibar",
                    base + Duration::days(1) + Duration::seconds(i),
                )
            })
            .collect();
        candidates::Entity::insert_many(theirs)
            .exec(&db)
            .await
            .unwrap();

        // The first page says it is newest first and that its total is an estimate.
        let first = app
            .get("/api/v1/candidates?q=COMMON&per_page=100", &token)
            .await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        assert_eq!(first.body["order"], "newest", "{}", first.text);
        assert_eq!(first.body["total_estimated"], true);
        let total = first.body["total"].as_u64().unwrap();
        assert!((5_000..=POOL as u64).contains(&total), "total {total}");
        assert_eq!(ids(&first.body), seeded.common_newest_first[..100]);

        // The cursors walk every match once, newest first, each page in the same order.
        let mut seen = ids(&first.body);
        let mut cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        let mut pages = 1;
        loop {
            let r = app
                .get(
                    &format!("/api/v1/candidates?q=common&per_page=100&cursor={cursor}"),
                    &token,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert_eq!(r.body["order"], "newest", "page {pages}");
            seen.extend(ids(&r.body));
            pages += 1;
            assert!(pages <= 60, "the cursors never ended");
            match r.body["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "a candidate came twice");
        assert_eq!(seen.len(), seeded.common_newest_first.len(), "gaps");
        assert_eq!(seen, seeded.common_newest_first);

        // `page` pages through the same order.
        let third = app
            .get("/api/v1/candidates?q=common&per_page=100&page=3", &token)
            .await;
        assert_eq!(third.body["order"], "newest");
        assert_eq!(ids(&third.body), seeded.common_newest_first[200..300]);

        // A rare word is still ranked: the name match first though it is the oldest, then
        // newest; its total is counted, and its cursor keeps the ranking.
        let rare = app.get("/api/v1/candidates?q=zanzibar", &token).await;
        assert_eq!(rare.status, StatusCode::OK, "{}", rare.text);
        assert_eq!(rare.body["order"], "relevance", "{}", rare.text);
        assert_eq!(rare.body["total"], 3);
        assert!(rare.body.get("total_estimated").is_none());
        assert_eq!(ids(&rare.body), seeded.zanzibar_ranked);
        let one = app
            .get("/api/v1/candidates?q=zanzibar&per_page=1", &token)
            .await;
        let cursor = one.body["next_cursor"].as_str().unwrap();
        let next = app
            .get(
                &format!("/api/v1/candidates?q=zanzibar&per_page=1&cursor={cursor}"),
                &token,
            )
            .await;
        assert_eq!(next.body["order"], "relevance");
        assert_eq!(ids(&next.body), seeded.zanzibar_ranked[1..2]);

        // The list without a search is newest first, and says so.
        let all = app.get("/api/v1/candidates?per_page=1", &token).await;
        assert_eq!(all.body["order"], "newest");
        assert_eq!(all.body["total"], POOL);
        assert!(all.body.get("total_estimated").is_none());

        // The other user's newest-first search shows only theirs.
        let r = app
            .get("/api/v1/candidates?q=common&per_page=100", &other)
            .await;
        assert_eq!(r.body["total"], 50);
        assert_eq!(ids(&r.body).len(), 50);
        assert!(ids(&r.body)
            .iter()
            .all(|id| !seeded.common_newest_first.contains(id)));
    }
);
