//! Scanned and photographed resumes: stored at once, read by OCR on the analysis job with its
//! progress, then analysed; the confidence and its warning; hostile images against a real
//! `hirekey serve` process (bounded memory, `/healthz` answering); the corpus's word recall
//! (`corpus.rs`).
mod corpus;
#[path = "../../../benches/support/proc.rs"]
mod proc;

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::{
    db_test,
    faults::{answered, Deployment},
    helpers::{upload, DbKind, TestApp},
};
pub(crate) use corpus::{ocr_here, SCANNED};

fn scanned(file: &str) -> Vec<u8> {
    std::fs::read(format!("{SCANNED}/{file}")).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The stored original of candidate `id`.
async fn original(app: &TestApp, token: &str, id: &str) -> Vec<u8> {
    let r = app
        .http
        .get(format!("{}/api/v1/candidates/{id}/resume", app.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.bytes().await.unwrap().to_vec()
}

/// The candidate once its job has ended (analysis `done` or `failed`), within `limit`; the
/// OCR states seen on the way.
async fn until_ended(
    app: &TestApp,
    token: &str,
    id: &str,
    limit: Duration,
) -> (Value, Vec<String>) {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    loop {
        let r = app.get(&format!("/api/v1/candidates/{id}"), token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let state = r.body["ocr"]["state"].as_str().unwrap_or("none").to_owned();
        if seen.last() != Some(&state) {
            seen.push(state);
        }
        if r.body["analysis_status"] != "pending" {
            return (r.body, seen);
        }
        assert!(
            Instant::now() < deadline,
            "still pending after {limit:?}: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

db_test!(
    a_photo_is_stored_at_once_then_read_and_analysed,
    |app: TestApp| async move {
        if !ocr_here() {
            return;
        }
        let token = app.register("photo@example.com").await;
        let started = Instant::now();
        // Named .png and sent as text: the bytes say JPEG.
        let r = upload(
            &app,
            &token,
            "cv photo.png",
            "text/plain",
            scanned("s-r-sb2nov-resume.jpg"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "pending", "{}", r.text);
        assert_eq!(r.body["ocr"]["state"], "reading", "{}", r.text);
        assert_eq!(r.body["content_type"], "image/jpeg");
        assert_eq!(r.body["file_name"], "cv photo.png.jpg");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the upload waited for OCR: {:?}",
            started.elapsed()
        );
        let id = r.body["id"].as_str().unwrap().to_owned();
        let (c, seen) = until_ended(&app, &token, &id, Duration::from_secs(180)).await;
        assert_eq!(c["analysis_status"], "done", "{c}");
        assert_eq!(
            seen.first().map(String::as_str),
            Some("reading"),
            "{seen:?}"
        );
        assert_eq!(c["ocr"]["state"], "done", "{c}");
        assert_eq!(c["ocr"]["pages"], 1);
        assert_eq!(c["ocr"]["pages_done"], 1);
        assert_eq!(c["ocr"]["low_confidence"], false, "{c}");
        assert!(c["ocr"]["confidence"].as_f64().unwrap() > 80.0, "{c}");
        assert_eq!(c["text_engine"], "ocr");
        let text = c["resume_text"].as_str().unwrap();
        assert!(text.contains("Sourabh Bajaj"), "{text}");
        assert!(text.contains("Georgia Institute of Technology"), "{text}");
        // The pattern found the e-mail in the OCR text; the analysis ran on it.
        assert!(
            c["email"].as_str().is_some_and(|e| e.contains("sourabh")),
            "{c}"
        );
        let prompt = app
            .chat_requests()
            .iter()
            .map(|r| {
                r.messages
                    .iter()
                    .map(|m| m.content.clone())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .find(|b| b.contains("Analyze this resume"))
            .expect("an analysis call");
        assert!(
            prompt.contains("Georgia Institute of Technology"),
            "{prompt}"
        );
        // The original comes back byte for byte.
        assert_eq!(
            original(&app, &token, &id).await,
            scanned("s-r-sb2nov-resume.jpg")
        );
    }
);

db_test!(
    a_poor_scan_is_read_with_a_warning_and_a_bad_one_fails_cleanly,
    |app: TestApp| async move {
        if !ocr_here() {
            return;
        }
        let token = app.register("poor@example.com").await;
        let r = upload(
            &app,
            &token,
            "poor.jpg",
            "image/jpeg",
            scanned("poor-p-libreoffice-writer.jpg"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let (c, _) = until_ended(&app, &token, &id, Duration::from_secs(180)).await;
        assert_eq!(c["ocr"]["state"], "done", "{c}");
        assert_eq!(c["ocr"]["low_confidence"], true, "{c}");
        let warning = c["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["code"] == "low_ocr_confidence")
            .unwrap_or_else(|| panic!("no low-confidence warning: {c}"));
        assert!(
            warning["message"].as_str().unwrap().contains("check"),
            "{c}"
        );

        // Visible text addressed to a model, in a scan: OCR's text gets the same check as a
        // text layer's.
        let r = upload(
            &app,
            &token,
            "scan.pdf",
            "application/pdf",
            scanned("injection-scan.pdf"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let (c, _) = until_ended(&app, &token, &id, Duration::from_secs(180)).await;
        assert_eq!(c["ocr"]["state"], "done", "{c}");
        let flagged = c["warnings"].as_array().unwrap().iter().any(|w| {
            w["code"] == "prompt_injection"
                && w["excerpt"]
                    .as_str()
                    .is_some_and(|e| e.contains("Ignore all previous instructions"))
        });
        assert!(flagged, "{c}");

        // A PDF page with no text and no letters in its picture: stored, then an unreadable
        // result with the reason; the file is kept.
        let blank = crate::resumes::image_only_pdf();
        let r = upload(&app, &token, "blank.pdf", "application/pdf", blank).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_str().unwrap().to_owned();
        let (c, _) = until_ended(&app, &token, &id, Duration::from_secs(180)).await;
        assert_eq!(c["analysis_status"], "failed", "{c}");
        assert_eq!(c["ocr"]["state"], "failed", "{c}");
        assert!(
            c["analysis_error"]
                .as_str()
                .unwrap()
                .contains("No text could be read"),
            "{c}"
        );
        assert!(!original(&app, &token, &id).await.is_empty());

        // Another workspace sees none of it.
        let stranger = app.register("stranger@example.com").await;
        let r = app
            .get(&format!("/api/v1/candidates/{id}"), &stranger)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

/// A valid PNG header of `width` × `height` one-bit grey pixels with a real, tiny IDAT: what
/// a decompression bomb's header looks like (its pixels would be width × height bytes once
/// decoded). Nothing may decode it.
fn bomb_png(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write;
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(kind);
        out.extend(data);
        // The CRC is not checked before the header is read; a plausible one anyway.
        out.extend(0u32.to_be_bytes());
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([1, 0, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    // Rows of zeros compress about a thousandfold: 64 MB of rows in about 64 KB.
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; (width as usize).div_ceil(8) + 1];
    for _ in 0..(64 * 1024 * 1024 / row.len()).min(height as usize) {
        z.write_all(&row).unwrap();
    }
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A little-endian TIFF of `pages` one-pixel pages, each directory pointing at the next.
fn many_page_tiff(pages: u32) -> Vec<u8> {
    let mut b = b"II*\0".to_vec();
    b.extend(8u32.to_le_bytes());
    for page in 0..pages {
        let here = b.len() as u32;
        b.extend(2u16.to_le_bytes());
        for tag in [256u16, 257] {
            b.extend(tag.to_le_bytes());
            b.extend(3u16.to_le_bytes());
            b.extend(1u32.to_le_bytes());
            b.extend(1u32.to_le_bytes());
        }
        let next = if page + 1 == pages {
            0
        } else {
            here + 2 + 24 + 4
        };
        b.extend(next.to_le_bytes());
    }
    b
}

#[tokio::test]
async fn hostile_images_get_a_clean_answer_in_bounded_memory() {
    if !ocr_here() {
        return;
    }
    let Some(deployment) = Deployment::new(DbKind::Sqlite).await else {
        return;
    };
    let server = deployment.start().await;
    let token = server.register("hostile-images@example.com").await;
    let pid = server.child.id();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampling = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(proc::tree_rss(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let health = {
        let url = format!("{}/healthz", server.url);
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut worst = Duration::ZERO;
            loop {
                let started = Instant::now();
                let ok = http
                    .get(&url)
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == StatusCode::OK);
                assert!(ok, "/healthz did not answer 200 within 2 s");
                worst = worst.max(started.elapsed());
                tokio::time::sleep(Duration::from_millis(100)).await;
                if worst > Duration::from_secs(60) {
                    return worst;
                }
            }
        })
    };
    let mut truncated = scanned("s-r-sb2nov-resume.jpg");
    truncated.truncate(truncated.len() * 2 / 5);
    let real_pdf = std::fs::read(format!(
        "{}/p-ghostscript-ps.pdf",
        crate::manifest::PRODUCED
    ))
    .unwrap();
    let cases: [(&str, &str, Vec<u8>, &str); 4] = [
        (
            "bomb.png",
            "image/png",
            bomb_png(50_000, 50_000),
            "422:50000 × 50000 pixels",
        ),
        ("cut.jpg", "image/jpeg", truncated, "stored"),
        (
            "pages.tif",
            "image/tiff",
            many_page_tiff(10_000),
            "422:more than 5 pages",
        ),
        ("really-a-pdf.png", "image/png", real_pdf, "text"),
    ];
    for (name, mime, bytes, expect) in cases {
        let started = Instant::now();
        let r = answered(server.upload_file(&token, name, mime, bytes)).await;
        let id = r.body["id"].as_str().map(str::to_owned);
        match expect.split_once(':') {
            Some((status, message)) => {
                assert_eq!(r.status.as_u16().to_string(), status, "{name}: {}", r.text);
                assert!(
                    r.body["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains(message),
                    "{name}: {}",
                    r.text
                );
                assert!(r.body["error"].is_string(), "{name}: {}", r.text);
            }
            None => {
                assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.text);
                let id = id.expect("an id");
                // A final state (read, or an "unreadable" result) within 10 s.
                loop {
                    let c = answered(server.request(
                        Method::GET,
                        &format!("/api/v1/candidates/{id}"),
                        &token,
                    ))
                    .await;
                    if c.body["analysis_status"] != "pending" {
                        if expect == "text" {
                            assert_eq!(c.body["text_engine"], "pdf-extract", "{name}: {}", c.text);
                        } else {
                            assert!(
                                c.body["ocr"]["state"] == "done"
                                    || c.body["ocr"]["state"] == "failed",
                                "{name}: {}",
                                c.text
                            );
                        }
                        break;
                    }
                    assert!(
                        started.elapsed() < Duration::from_secs(10),
                        "{name}: no result within 10 s: {}",
                        c.text
                    );
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name}: {:?}",
            started.elapsed()
        );
    }
    sampling.abort();
    assert!(
        !health.is_finished(),
        "the health check stopped: {:?}",
        health.await
    );
    health.abort();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "hostile images: peak resident memory of the server and its workers {} MB",
        peak / 1_000_000
    );
    assert!(
        peak < 512 * 1024 * 1024,
        "server and workers reached {} MB",
        peak / 1_000_000
    );
}

#[tokio::test]
async fn workers_cannot_open_a_network_socket() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hirekey"))
        .args(["extract", "sandbox-probe"])
        .output()
        .unwrap();
    // Unconfined, the probe itself can.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "network allowed"
    );
    hirekey_core::services::extract::set_worker_path(env!("CARGO_BIN_EXE_hirekey"));
    let answer = hirekey_core::services::extract::worker::sandbox_probe().await;
    assert_eq!(answer.as_deref(), Some("network refused"), "{answer:?}");
}
