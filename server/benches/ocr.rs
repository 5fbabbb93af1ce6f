//! `make bench`: OCR of scanned resumes.
//!
//! 1. A two-page scan (`tests/data/scanned/s-r-altacv-twocol.pdf`) read through the OCR worker
//!    `HIREKEY_OCR_RUNS` times (20; 3 with `HIREKEY_BENCH_QUICK=1`): p50 and p95 against the
//!    budget of 6 s on 2 cores.
//! 2. The release server (`HIREKEY_BIN`, else `target/release/hirekey`) as its own process,
//!    with four two-page scans uploaded at once: the peak resident memory of the server and
//!    every worker and tool under it (sampled every 20 ms from /proc) against 512 MB, and the
//!    settings GET, asked every 20 ms meanwhile, against a p99 of 50 ms.
//!
//! The report is printed and written to `target/bench/ocr.md`.

// A measurement tool, not a test and not server code: its output *is* stdout, and a broken
// setup should stop it loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::disallowed_macros
)]

use std::{
    process::Command,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

mod support;

use anyhow::Context;
use bytes::Bytes;
use hirekey_core::services::extract;
use mock_provider::MockProvider;
use reqwest::Method;
use serde_json::json;
use support::{client, ok, percentile, quick, quick_note, write_report};

const SCAN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/scanned/s-r-altacv-twocol.pdf"
);

fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    support::init_logs();
    let exe = support::release_binary()?;
    extract::set_worker_path(&exe);
    if !extract::ocr_worker::available() {
        let md = "| measure | budget | result | verdict |\n|---|---|---|---|\n| OCR of a two-page scan | < 6 s p95 | not measured (tesseract or poppler-utils missing; run make setup) | SKIPPED |\n";
        return write_report("ocr.md", md);
    }
    let scan = Bytes::from(std::fs::read(SCAN)?);

    // 1. One scan at a time.
    let runs: usize = std::env::var("HIREKEY_OCR_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick() { 3 } else { 20 });
    let mut seconds = Vec::new();
    let mut pages = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let reading = extract::read_scan(scan.clone(), |_, _| {})
            .await
            .map_err(|e| anyhow::anyhow!("OCR failed: {e}"))?;
        seconds.push(started.elapsed().as_secs_f64());
        pages = reading.pages;
    }
    let (p50, p95) = (percentile(&seconds, 0.50), percentile(&seconds, 0.95));

    // 2. Four at once against the release server.
    let mock = MockProvider::start(0).await?;
    let data = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut command = Command::new(&exe);
    support::serve_in(&mut command, data.path(), port);
    let mut child = command
        .env("HIREKEY_GROQ_BASE_URL", format!("{}/openai/v1", mock.url()))
        .env("AI_PROVIDER", "groq")
        .env("GROQ_API_KEY", support::bench_groq_key())
        .env("HIREKEY_SYSTEM_KEY_CALLS_PER_MINUTE", "1000")
        .env("HIREKEY_REGISTRATION", "open")
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    let url = format!("http://127.0.0.1:{port}");
    let http = client();
    if let Err(e) = support::wait_healthy(&format!("{url}/healthz")).await {
        let _ = child.kill();
        return Err(e);
    }
    let registered = ok(
        &http,
        Method::POST,
        format!("{url}/api/v1/auth/register"),
        None,
        json!({"email": "ocr-bench@example.com", "password": "a long enough password 1", "name": "OCR Bench"}),
    )
    .await?;
    let token = registered["token"].as_str().context("token")?.to_owned();
    let pid = child.id();
    let peak = Arc::new(AtomicU64::new(0));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, running) = (peak.clone(), running.clone());
        tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                peak.fetch_max(support::proc::tree_rss(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let settings = {
        let (http, url, token, running) =
            (http.clone(), url.clone(), token.clone(), running.clone());
        tokio::spawn(async move {
            let mut ms = Vec::new();
            while running.load(Ordering::Relaxed) {
                let started = Instant::now();
                let r = http
                    .get(format!("{url}/api/v1/profile/ai-settings"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                if r.is_ok_and(|r| r.status().is_success()) {
                    ms.push(started.elapsed().as_secs_f64() * 1000.0);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            ms
        })
    };
    let started = Instant::now();
    let uploads = (0..4).map(|i| {
        let (http, url, token, scan) = (http.clone(), url.clone(), token.clone(), scan.clone());
        async move {
            let part = reqwest::multipart::Part::bytes(scan.to_vec())
                .file_name(format!("scan-{i}.pdf"))
                .mime_str("application/pdf")
                .unwrap();
            let r = http
                .post(format!("{url}/api/v1/resumes/upload"))
                .bearer_auth(&token)
                .multipart(reqwest::multipart::Form::new().part("file", part))
                .send()
                .await?;
            let body: serde_json::Value = r.json().await?;
            let id = body["id"].as_str().context("an id")?.to_owned();
            loop {
                let c = ok(
                    &http,
                    Method::GET,
                    format!("{url}/api/v1/candidates/{id}"),
                    Some(&token),
                    json!(null),
                )
                .await?;
                if c["analysis_status"] != "pending" {
                    anyhow::ensure!(c["ocr"]["state"] == "done", "scan {i} not read: {c}");
                    return anyhow::Ok(());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });
    let results = futures::future::join_all(uploads).await;
    let all_four = started.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    let settings_ms = settings.await?;
    let _ = child.kill();
    let _ = child.wait();
    for r in results {
        r?;
    }
    let peak_mb = peak.load(Ordering::Relaxed) as f64 / 1_048_576.0;
    let p99_settings = percentile(&settings_ms, 0.99);

    let md = format!(
        "## OCR of scanned resumes\n\n\
         | measure | budget | result | verdict |\n|---|---|---|---|\n\
         | OCR of a two-page scan ({pages} pages, {runs} runs) | < 6 s p95 | p50 {p50:.2} s, p95 {p95:.2} s | {} |\n\
         | Server plus workers, four two-page scans uploaded at once | < 512 MB | peak {peak_mb:.0} MB (all four read in {all_four:.1} s) | {} |\n\
         | Settings GET during that OCR ({} requests) | < 50 ms p99 | p99 {p99_settings:.1} ms | {} |\n\n\
         OCR workers run one per two cores, each reading two pages at once, at a lower priority \
         than the server.{}\n",
        verdict(p95 < 6.0),
        verdict(peak_mb < 512.0),
        settings_ms.len(),
        verdict(p99_settings < 50.0),
        quick_note(),
    );
    write_report("ocr.md", &md)
}
