//! Candidates' personal data: erasure that leaves nothing behind (raw SQLite files, every text
//! column on PostgreSQL, chat answers), the export (original bytes, `candidate.json` against
//! its schema in the OpenAPI document), retention across two instances, and the processing log.
mod audit;
mod retention;
mod schema;

use std::io::Read;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::{upload, upload_text, DbKind, TestApp};

/// A string no test fixture or mock answer holds unless it came from this resume.
const MARKER: &str = "ZQXMARKER7731";
const EMAIL: &str = "zora.quillfeather@example.org";

fn resume() -> String {
    format!(
        "Zora Quillfeather\nSite Reliability Engineer\nEmail: {EMAIL}\nPhone: +44 20 7946 0958\n\
         Kubernetes operator work on project {MARKER} for five years\nSkills: Kubernetes, Go, Terraform\n"
    )
}

pub(super) async fn uploaded(app: &TestApp, token: &str, text: &str) -> String {
    let r = upload_text(app, token, text).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// Every place on PostgreSQL where `needle` is stored: `table.column` for each text, JSON or
/// byte column of every table holding it (in any case).
async fn postgres_holders(app: &TestApp, needle: &str) -> Vec<String> {
    let db = &app.state.db;
    let columns = db
        .query_all(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT table_name, column_name, data_type FROM information_schema.columns \
             WHERE table_schema = 'public' \
               AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea')",
        ))
        .await
        .unwrap();
    let mut found = Vec::new();
    for c in columns {
        let table: String = c.try_get("", "table_name").unwrap();
        let column: String = c.try_get("", "column_name").unwrap();
        let kind: String = c.try_get("", "data_type").unwrap();
        let holds = if kind == "bytea" {
            format!("position(convert_to('{needle}', 'UTF8') in \"{column}\") > 0 OR position(convert_to(lower('{needle}'), 'UTF8') in \"{column}\") > 0")
        } else {
            format!("lower(\"{column}\"::text) LIKE lower('%{needle}%')")
        };
        let row = db
            .query_one(Statement::from_string(
                DatabaseBackend::Postgres,
                format!("SELECT count(*) AS n FROM \"{table}\" WHERE {holds}"),
            ))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = row.try_get("", "n").unwrap();
        if n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

/// The SQLite database file and its write-ahead log, lower-cased.
fn sqlite_bytes(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    ["hirekey.db", "hirekey.db-wal"]
        .iter()
        .filter_map(|f| {
            std::fs::read(app.data_dir.path().join(f))
                .ok()
                .map(|b| (f.to_string(), b.to_ascii_lowercase()))
        })
        .collect()
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    let needle = needle.to_ascii_lowercase();
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

db_test!(erasure_leaves_nothing_behind, |app: TestApp| async move {
    let token = app.register("dpo@example.com").await;
    let id = uploaded(&app, &token, &resume()).await;
    let other = uploaded(
        &app,
        &token,
        "Ada Lovelace\nAnalyst\nKubernetes and Python\n",
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/candidates/{id}/notes"),
            &token,
            json!({"body": format!("Call {EMAIL} about {MARKER}")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(
            "/api/v1/ai/chat",
            &token,
            json!({"query_text": "Is Zora Quillfeather our Kubernetes operator?"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let conversation = r.body["conversation_id"].as_str().unwrap().to_owned();
    assert!(
        r.body["response"].as_str().unwrap().contains(MARKER),
        "the answer quotes the resume, so erasure has something to clear: {}",
        r.text
    );
    let processing = app
        .get(&format!("/api/v1/candidates/{id}/processing"), &token)
        .await;
    assert_eq!(
        processing.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        processing.text
    );

    // Before: the database holds them (so the checks below can fail).
    match app.kind {
        DbKind::Sqlite => assert!(sqlite_bytes(&app).iter().any(|(_, b)| holds(b, MARKER))),
        DbKind::Postgres => assert!(postgres_holders(&app, MARKER).await.len() >= 4),
    }

    let r = app
        .delete(&format!("/api/v1/candidates/{id}?erase=true"), &token)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

    // Gone from the API, and a second erasure finds nothing.
    let r = app.get(&format!("/api/v1/candidates/{id}"), &token).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .delete(&format!("/api/v1/candidates/{id}?erase=true"), &token)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app
        .get(&format!("/api/v1/candidates/{other}"), &token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "the other candidate stays");

    // The conversation opens, with the erased candidate replaced.
    let r = app
        .get(&format!("/api/v1/ai/conversations/{conversation}"), &token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let text = r.text.to_lowercase();
    assert!(text.contains("[erased candidate]"), "{}", r.text);
    for gone in [MARKER, EMAIL, "quillfeather", "7946"] {
        assert!(
            !text.contains(&gone.to_lowercase()),
            "{gone} left in {}",
            r.text
        );
    }
    assert!(
        !r.text.contains(&id),
        "the answer no longer lists the candidate"
    );

    // Audited without personal data.
    let events = app.audit_events(&token).await;
    assert_eq!(events.first().map(String::as_str), Some("candidate_erased"));
    let audit = app.get("/api/v1/profile/audit", &token).await;
    assert!(audit.text.contains(&id));
    assert!(!audit.text.to_lowercase().contains("quillfeather"));

    // Nothing holds the marker or the e-mail any more.
    match app.kind {
        DbKind::Sqlite => {
            for (file, bytes) in sqlite_bytes(&app) {
                assert!(!holds(&bytes, MARKER), "the marker is in {file}");
                assert!(!holds(&bytes, EMAIL), "the e-mail is in {file}");
                assert!(!holds(&bytes, "quillfeather"), "the name is in {file}");
            }
        }
        DbKind::Postgres => {
            for needle in [MARKER, EMAIL, "Quillfeather"] {
                let left = postgres_holders(&app, needle).await;
                assert!(left.is_empty(), "{needle} is still in {left:?}");
            }
        }
    }
});

db_test!(
    a_plain_delete_is_not_an_erasure_and_viewers_erase_nothing,
    |app: TestApp| async move {
        let token = app.register("plain@example.com").await;
        let id = uploaded(&app, &token, &resume()).await;
        let r = app
            .delete(&format!("/api/v1/candidates/{id}?erase=maybe"), &token)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert!(r.body["error"].is_string() && r.body["message"].is_string());
        let stranger = app.register("stranger@example.com").await;
        let r = app
            .delete(&format!("/api/v1/candidates/{id}?erase=true"), &stranger)
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "another workspace's candidate"
        );
        let r = app
            .delete(&format!("/api/v1/candidates/{id}"), &token)
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert!(!app
            .audit_events(&token)
            .await
            .contains(&"candidate_erased".to_owned()));
    }
);

async fn processing_of(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/candidates/{id}/processing"), token)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// A candidate's export: the zip's entries and its `candidate.json`.
async fn export_of(app: &TestApp, token: &str, id: &str) -> (Vec<(String, Vec<u8>)>, Value) {
    let raw = app
        .http
        .get(format!("{}/api/v1/candidates/{id}/export", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let entries = unzip(&raw);
    let json = serde_json::from_slice(
        &entries
            .iter()
            .find(|(n, _)| n == "candidate.json")
            .expect("candidate.json")
            .1,
    )
    .unwrap();
    (entries, json)
}

/// The entries of a zip, by name.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().to_owned(), out)
        })
        .collect()
}

db_test!(
    export_holds_the_original_bytes_and_a_valid_candidate_json,
    |app: TestApp| async move {
        let token = app.register("export@example.com").await;
        let pdf = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/producers/p-libreoffice-writer.pdf"),
        )
        .unwrap();
        let r = upload(&app, &token, "first.pdf", "application/pdf", pdf.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let r = app
            .post(
                &format!("/api/v1/candidates/{id}/notes"),
                &token,
                json!({"body": "Strong on SQL"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

        let r = app
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/candidates/{id}/export"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.headers["content-type"], "application/zip");
        let (entries, json) = export_of(&app, &token, &id).await;
        let files = json["files"].as_array().unwrap();
        assert_eq!(files.len(), 1);
        let path = files[0]["path"].as_str().unwrap();
        let original = &entries.iter().find(|(n, _)| n == path).expect("the file").1;
        assert!(original == &pdf, "the original bytes, byte for byte");
        assert_eq!(json["notes"][0]["note"]["body"], "Strong on SQL");
        assert_eq!(json["candidate"]["id"], id.as_str());
        assert_eq!(json["format"], "hirekey-candidate-export/1");
        assert!(!json["processing"].as_array().unwrap().is_empty());

        let openapi = app.get("/api/openapi.json", &token).await.body;
        let errors = schema::validate(&openapi, "CandidateExport", &json);
        assert!(
            errors.is_empty(),
            "candidate.json against its schema: {errors:#?}"
        );
        // The validator is not blind: a broken document fails it.
        let mut broken = json.clone();
        broken["files"][0]["size"] = json!("big");
        broken.as_object_mut().unwrap().remove("history");
        assert_eq!(
            schema::validate(&openapi, "CandidateExport", &broken).len(),
            2
        );

        // A second upload of the same person is a new version: both files, byte for byte.
        let first = "Vera Twice\nAnalyst\nvera.twice@example.com\nSQL\n";
        let second = "Vera Twice\nSenior Analyst\nvera.twice@example.com\nSQL and dbt\n";
        let vera = uploaded(&app, &token, first).await;
        assert_eq!(
            uploaded(&app, &token, second).await,
            vera,
            "the same person"
        );
        let (entries, json) = export_of(&app, &token, &vera).await;
        let files = json["files"].as_array().unwrap();
        assert_eq!(files.len(), 2, "{json}");
        for (f, text, current) in [(&files[0], second, true), (&files[1], first, false)] {
            let bytes = &entries
                .iter()
                .find(|(n, _)| n == f["path"].as_str().unwrap())
                .unwrap()
                .1;
            assert_eq!(bytes.as_slice(), text.as_bytes());
            assert_eq!(f["superseded_at"].is_null(), current, "{f}");
        }
        assert!(schema::validate(&openapi, "CandidateExport", &json).is_empty());

        assert!(app
            .audit_events(&token)
            .await
            .contains(&"candidate_exported".to_owned()));
        let stranger = app.register("nosy@example.com").await;
        let r = app
            .get(&format!("/api/v1/candidates/{id}/export"), &stranger)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

db_test!(
    processing_log_has_a_line_per_call_with_key_source_and_model,
    |app: TestApp| async move {
        let token = app.register("log@example.com").await;
        let id = uploaded(&app, &token, &resume()).await;
        let items = processing_of(&app, &token, &id).await;
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0]["purpose"], "analysis");
        assert_eq!(items[0]["key_source"], "system");
        assert_eq!(items[0]["provider"], "groq");
        assert_eq!(items[0]["model"], "llama-3.3-70b-versatile");
        assert_eq!(items[0]["user_email"], "log@example.com");

        let r = app
            .post(
                "/api/v1/ai/chat",
                &token,
                json!({"query_text": "Who knows Terraform?"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let items = processing_of(&app, &token, &id).await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["purpose"], "chat");
        assert_eq!(items[0]["key_source"], "system");

        let job = crate::screening::new_job(&app, &token, "SRE").await;
        let job = job["id"].as_str().unwrap().to_owned();
        crate::screening::put_criteria(
            &app,
            &token,
            &job,
            json!([{"text": "Kubernetes", "kind": "must"}]),
        )
        .await;
        crate::screening::apply(&app, &token, &job, &id).await;
        let run = crate::screening::start(&app, &token, &job, json!({})).await;
        let done = crate::screening::finished(&app, &token, run["id"].as_str().unwrap()).await;
        assert_eq!(done["state"], "done", "{done}");
        let items = processing_of(&app, &token, &id).await;
        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(items[0]["purpose"], "screening");
        assert_eq!(items[0]["key_source"], "system");
        assert_eq!(items[0]["model"], "llama-3.3-70b-versatile");

        // On the caller's own key: the personal key and its model.
        assert_eq!(
            app.save_groq_key(&token, &crate::helpers::groq_key("valid"))
                .await
                .status,
            StatusCode::OK
        );
        let r = app
            .post(
                "/api/v1/ai/chat",
                &token,
                json!({"query_text": "Who knows Kubernetes?"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let items = processing_of(&app, &token, &id).await;
        assert_eq!(items.len(), 4, "{items:?}");
        assert_eq!(items[0]["purpose"], "chat");
        assert_eq!(items[0]["key_source"], "personal");
        assert_eq!(
            items[0]["model"], r.body["model"],
            "the model the answer names"
        );

        // A chat that did not retrieve the candidate adds nothing to their log.
        let r = app
            .post(
                "/api/v1/ai/chat",
                &token,
                json!({"query_text": "Who knows COBOL?"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(processing_of(&app, &token, &id).await.len(), 4);
        let stranger = app.register("peek@example.com").await;
        let r = app
            .get(&format!("/api/v1/candidates/{id}/processing"), &stranger)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);
