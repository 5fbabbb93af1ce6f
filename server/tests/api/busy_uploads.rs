//! A batch of uploads at once: on SQLite every analysis job claims, renews and finishes
//! through the one writer without meeting "database is locked", so none is lost, failed or
//! put off until its lease lapses; the same batch on PostgreSQL.
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::db_test;
use crate::helpers::*;

/// Uploads sent at once, as a recruiter's batch.
const BATCH: usize = 25;
/// The pause between the batch's uploads, as a browser sends them one after another.
const STAGGER: Duration = Duration::from_millis(20);
/// How long a candidate still `pending` when its upload answered may take to be `done`: well
/// under the 30 s lease after which a lost job would be taken again.
const SETTLE: Duration = Duration::from_secs(15);

/// A minimal .docx: the content types and `word/document.xml`, one paragraph per line.
fn docx(paragraphs: &[String]) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        let body: String = paragraphs
            .iter()
            .map(|p| format!("<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"))
            .collect();
        zip.write_all(format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#).as_bytes()).unwrap();
        zip.finish().unwrap();
    }
    buf.into_inner()
}

/// Upload `n` of the batch: mostly plain text (which reaches the database at once), every fifth
/// a .docx (through an extraction worker), as a mixed batch is.
async fn upload_one(app: &TestApp, token: &str, n: usize) -> Response {
    let lines = vec![
        format!("Candidate Number{n}"),
        format!("candidate{n}@example.com"),
        "Senior Rust engineer, eight years of distributed systems.".to_owned(),
    ];
    if n.is_multiple_of(5) {
        let mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        upload(app, token, &format!("resume-{n}.docx"), mime, docx(&lines)).await
    } else {
        upload_text(app, token, &lines.join("\n")).await
    }
}

/// Polls a candidate still `pending` until its analysis has ended, within [`SETTLE`].
async fn settled(app: &TestApp, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + SETTLE;
    loop {
        let r = app.get(&format!("/api/v1/candidates/{id}"), token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.body["analysis_status"] != "pending" || Instant::now() >= deadline {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The server's log lines about this test's user or its instance's job runner.
fn lines_of(user: Uuid, instance: &str) -> Vec<String> {
    let (user, instance) = (user.to_string(), instance.to_owned());
    captured_logs()
        .lines()
        .filter(|l| l.contains(&user) || l.contains(&instance))
        .map(str::to_owned)
        .collect()
}

db_test!(
    a_batch_of_uploads_at_once_is_analysed_without_a_lock_error,
    // The batch is more than the system key's default calls per minute for one user.
    |s: Spawn| s.env("HIREKEY_SYSTEM_KEY_CALLS_PER_MINUTE", "1000"),
    |app: TestApp| async move {
        let token = app.register("batch@example.com").await;
        let user = app.user_id(&token).await;
        let instance = app.state.notifications.instance().to_owned();

        let answers = futures::future::join_all((0..BATCH).map(|n| {
            let app = &app;
            let token = &token;
            async move {
                tokio::time::sleep(STAGGER * n as u32).await;
                upload_one(app, token, n).await
            }
        }))
        .await;
        let mut outcomes = Vec::new();
        for (n, r) in answers.iter().enumerate() {
            assert_eq!(r.status, StatusCode::CREATED, "upload {n}: {}", r.text);
            let id = r.body["id"].as_str().expect("candidate id");
            let body = match r.body["analysis_status"].as_str() {
                Some("pending") => settled(&app, &token, id).await,
                _ => r.body.clone(),
            };
            outcomes.push((n, body));
        }
        let not_done: Vec<_> = outcomes
            .iter()
            .filter(|(_, body)| body["analysis_status"] != "done")
            .map(|(n, body)| format!("upload {n}: {body}"))
            .collect();
        let logs = lines_of(user, &instance);
        let bad: Vec<&String> = logs
            .iter()
            .filter(|l| {
                l.contains(" ERROR ")
                    || l.contains("database is locked")
                    || l.contains("failed to run")
            })
            .collect();
        assert!(
            not_done.is_empty() && bad.is_empty(),
            "analyses not done: {not_done:#?}\nlog lines: {bad:#?}"
        );
        // Every analysis ran once: none was lost and run again.
        let analyses = app
            .chat_requests()
            .iter()
            .filter(|r| {
                r.messages
                    .iter()
                    .any(|m| m.content.contains("Analyze this resume"))
            })
            .count();
        assert_eq!(analyses, BATCH);
    }
);
