//! Ranking and the worker pool depend on the caller alone: what other tenants hold or do is
//! not visible in scores, and one user cannot take every extraction worker.
use std::io::Write;

use flate2::{write::ZlibEncoder, Compression};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::db_test;
use crate::helpers::*;

/// Two made-up words no other test uses, so their statistics are this test's alone.
const RARE_A: &str = "zorblat";
const RARE_B: &str = "quenvix";

async fn uploaded(app: &TestApp, token: &str, text: &str) -> String {
    let r = upload_text(app, token, text).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["analysis_status"], "done", "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// The AI search's ranked candidates for `query`: (id, score), best first.
async fn ranked(app: &TestApp, token: &str, query: &str) -> Vec<(String, f64)> {
    let r = app
        .post(
            "/api/v1/ai/search",
            token,
            json!({"query": query, "limit": 10}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c: &Value| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

db_test!(
    other_users_resumes_do_not_move_a_users_scores,
    |app: TestApp| async move {
        // The attacker's probe: one resume holding each rare word, and two holding neither,
        // so both words have a weight of their own.
        let attacker = app.register("prober@example.com").await;
        let with_a = uploaded(
            &app,
            &attacker,
            &format!(
                "Ada Lovelace\nBackend Engineer\nSkills: Rust, Kafka\n\
                 Maintained the {RARE_A} ingestion service for 6 years.\n"
            ),
        )
        .await;
        let with_b = uploaded(
            &app,
            &attacker,
            &format!(
                "Alan Turing\nData Engineer\nSkills: Python, Spark\n\
                 Designed the {RARE_B} reporting stack for 4 years.\n"
            ),
        )
        .await;
        uploaded(
            &app,
            &attacker,
            "Grace Hopper\nCompiler Engineer\nSkills: Cobol, Fortran\nWrote compilers.\n",
        )
        .await;
        uploaded(
            &app,
            &attacker,
            "Edsger Dijkstra\nResearcher\nSkills: Algol\nShortest paths and semaphores.\n",
        )
        .await;
        let query = format!("{RARE_A} {RARE_B}");
        let before = ranked(&app, &attacker, &query).await;
        let ids: Vec<&str> = before.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids.len(), 2, "both probes match: {before:?}");
        assert!(ids.contains(&with_a.as_str()) && ids.contains(&with_b.as_str()));

        // Another tenant stores resumes full of one of the words, long and short, as a
        // company whose employee or employer it is would.
        let victim = app.register("victim@example.com").await;
        for i in 0..4 {
            let filler = "distributed systems consulting migration ".repeat(20 * i + 1);
            uploaded(
                &app,
                &victim,
                &format!(
                    "Person {i}\n{RARE_A} Specialist\nSkills: {RARE_A}, Go\n\
                     Years at {RARE_A} Corp: {i}. {RARE_A} {RARE_A}. {filler}\n"
                ),
            )
            .await;
        }
        // The victim's own search finds their resumes, so the index holds them.
        assert_eq!(ranked(&app, &victim, RARE_A).await.len(), 4);

        let after = ranked(&app, &attacker, &query).await;
        assert_eq!(
            after, before,
            "the attacker's scores and order must not tell what another user stored"
        );
    }
);

// ---- The extraction worker pool ------------------------------------------------------------

/// A zlib stream of `content`.
fn deflated(content: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(content).unwrap();
    encoder.finish().unwrap()
}

/// A PDF whose pages all draw one long content stream of graphics-state operators: small on
/// the wire and in memory (a page's operators at a time), but reading it keeps a worker busy
/// for far longer than the extraction deadline, so each upload of it holds a worker until the
/// worker is killed.
fn slow_pdf() -> Vec<u8> {
    const PAGES: usize = 2_000;
    let content = deflated(&b"q 1 0 0 1 0 0 cm Q\n".repeat(20_000));
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {PAGES} >>",
            (0..PAGES)
                .map(|i| format!("{} 0 R", 5 + i))
                .collect::<Vec<_>>()
                .join(" ")
        )
        .into_bytes(),
        [
            format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                content.len()
            )
            .as_bytes(),
            &content,
            b"\nendstream",
        ]
        .concat(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    for _ in 0..PAGES {
        objects.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
              /Resources << /Font << /F1 4 0 R >> >> /Contents 3 0 R >>"
                .to_vec(),
        );
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// One user sends more slow PDFs than there are workers, twice over; while they are being
/// read, another user's ordinary PDF still gets a worker and is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_users_slow_uploads_leave_workers_for_others() {
    let app = Spawn::new(DbKind::Sqlite).start().await.unwrap();
    let hog = app.register("hog@example.com").await;
    let other = app.register("patient@example.com").await;
    let workers = hirekey_core::services::extract::max_concurrent_extractions();
    let slow = slow_pdf();

    let flood = futures::future::join_all((0..2 * workers + 2).map(|i| {
        let (app, hog, slow) = (&app, &hog, slow.clone());
        async move { upload(app, hog, &format!("slow-{i}.pdf"), "application/pdf", slow).await }
    }));
    let patient = async {
        // After the flood has reached the workers (each of its files holds one for seconds).
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        upload(
            &app,
            &other,
            "resume.pdf",
            "application/pdf",
            crate::pdfs::one_page(),
        )
        .await
    };
    let (flooded, patient) = tokio::join!(flood, patient);

    assert_eq!(
        patient.status,
        StatusCode::CREATED,
        "another user's upload is served while one user's files hold workers: {}",
        patient.text
    );
    assert_eq!(patient.body["analysis_status"], "done", "{}", patient.text);
    // The flood's files are its own problem: each too slow (422) or refused for waiting too
    // long for its user's share (429); at least one was read to its deadline.
    for r in &flooded {
        assert!(
            r.status == StatusCode::UNPROCESSABLE_ENTITY
                || r.status == StatusCode::TOO_MANY_REQUESTS,
            "{} {}",
            r.status,
            r.text
        );
        assert!(r.body["error"].is_string() && r.body["message"].is_string());
    }
    assert!(
        flooded.iter().any(|r| r.body["message"]
            .as_str()
            .unwrap_or("")
            .contains("too long")),
        "the slow file keeps a worker until its deadline: {:?}",
        flooded.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    let list = app.get("/api/v1/candidates", &hog).await;
    assert_eq!(list.body["total"], 0, "{}", list.text);
}
