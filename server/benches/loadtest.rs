//! `make loadtest`: Hirekey under load, on loopback, for a bounded time. The release `hirekey`
//! binary runs as its own process (so its memory can be read from `/proc`), on a fresh SQLite
//! data directory, with every provider URL on the project's mock provider (served from this
//! process). For `HIREKEY_LOADTEST_SECS` (60 by default) it carries at once:
//!
//! - 200 streaming chats, each loop asking again as soon as its answer ends: half through the
//!   candidate chat (`/api/v1/ai/chat?stream=true`, retrieval and stored conversations), half
//!   through `/api/ai/chat` with `"stream": true`; their keys make the mock stream slowly, so
//!   all 200 are open at once;
//! - 500 requests/s, open loop, of key settings reads and writes, usage reads and whole AI
//!   calls;
//! - misbehaving providers: one stream in twenty is cut mid-way by the provider (Hirekey must
//!   end it with the mapped `error` event), one request in twenty waits 3 s for its answer.
//!
//! It reports failed requests (target zero), p50/p99 latency per kind, and the server's idle
//! and peak memory (budgets: under 60 MB idle, under 200 MB loaded). The report is printed and
//! written to `target/bench/loadtest.md`. `HIREKEY_BIN` names another `hirekey` binary.

// A measurement tool, not server code: its output is stdout, and a broken setup should stop it
// loudly.
// A benchmark drives the server from outside: its own HTTP clients, environment and literal
// bodies (clippy.toml keeps those out of Hirekey's own crates).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::disallowed_macros
)]

mod support;

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    process::{Child, Command},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use futures::StreamExt;
use mock_provider::MockProvider;
use reqwest::Method;
use serde_json::{json, Value};
use support::{call_json, percentile, report_dir};

const STREAMS: usize = 200;
const RATE_PER_SECOND: u64 = 500;
const STREAM_USERS: usize = 10;
const MIXED_USERS: usize = 10;
const IDLE_BUDGET_MB: f64 = 60.0;
const LOADED_BUDGET_MB: f64 = 200.0;

/// The `hirekey` process; killed on drop.
struct Server {
    child: Child,
    url: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Resident memory now and at its peak (`VmRSS`, `VmHWM`), in MB.
    fn memory_mb(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                .map_or(f64::NAN, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

async fn start_server(mock: &MockProvider) -> anyhow::Result<Server> {
    let exe = support::release_binary()?;
    let data = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut command = Command::new(&exe);
    support::serve_in(&mut command, data.path(), port);
    let child = command
        .env("HIREKEY_GROQ_BASE_URL", format!("{}/openai/v1", mock.url()))
        .env(
            "HIREKEY_OPENROUTER_BASE_URL",
            format!("{}/api/v1", mock.url()),
        )
        .env("HIREKEY_DEEPSEEK_BASE_URL", mock.url())
        .env("HIREKEY_OPENAI_BASE_URL", mock.url())
        .env("GROQ_API_KEY", "")
        // The run signs up many users.
        .env("HIREKEY_REGISTRATION", "open")
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _data: data,
    };
    support::wait_healthy(&format!("{}/healthz", server.url)).await?;
    Ok(server)
}

/// A Groq-format key; `tag` picks the mock's behaviour (`drip`: a slow stream).
fn key(tag: &str, n: usize) -> String {
    let mut k = format!("gsk_{tag}{n:04}LoadTestKey0123456789abcdefghjkmnpqrstuvwxyzABCDEFGH");
    k.truncate(4 + 52);
    k
}

async fn user(
    http: &reqwest::Client,
    url: &str,
    email: &str,
    api_key: &str,
) -> anyhow::Result<String> {
    let (status, _, body) = call_json(
        http,
        Method::POST,
        &format!("{url}/api/v1/auth/register"),
        None,
        json!({"email": email, "password": "correct horse battery", "name": "Load Test"}),
    )
    .await?;
    if status != reqwest::StatusCode::CREATED {
        bail!("register {email}: {status} {body}");
    }
    let token = body["token"].as_str().context("no token")?.to_owned();
    let (status, _, body) = call_json(
        http,
        Method::PUT,
        &format!("{url}/api/v1/profile/ai-settings"),
        Some(&token),
        json!({"personal_groq_api_key": api_key, "use_personal_ai_key": true}),
    )
    .await?;
    if !status.is_success() {
        bail!("saving a key: {status} {body}");
    }
    Ok(token)
}

/// Latencies and failures per kind of request.
#[derive(Default)]
struct Stats {
    kinds: Mutex<BTreeMap<&'static str, Kind>>,
}

#[derive(Default)]
struct Kind {
    latency_ms: Vec<f64>,
    errors: usize,
    first_error: Option<String>,
}

impl Stats {
    fn record(&self, kind: &'static str, started: Instant, result: Result<(), String>) {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let Ok(mut kinds) = self.kinds.lock() else {
            return;
        };
        let entry = kinds.entry(kind).or_default();
        match result {
            Ok(()) => entry.latency_ms.push(ms),
            Err(e) => {
                entry.errors += 1;
                entry.first_error.get_or_insert(e);
            }
        }
    }
}

async fn send(
    http: &reqwest::Client,
    method: Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> Result<(), String> {
    let mut req = http.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.map_err(|e| format!("send: {e}"))?;
    let status = res.status();
    let text = res.text().await.map_err(|e| format!("body: {e}"))?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!(
            "{status}: {}",
            text.chars().take(200).collect::<String>()
        ))
    }
}

/// One streamed answer: time to the first token, then the whole answer; an `error` event or
/// a missing `[DONE]` is a failure.
async fn stream_once(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: Value,
    stats: &Stats,
    kind: &'static str,
    expect_cut: bool,
) {
    let started = Instant::now();
    let result = async {
        let res = http
            .post(url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("send: {e}"))?;
        if !res.status().is_success() {
            return Err(format!("status {}", res.status()));
        }
        let mut bytes = res.bytes_stream();
        let mut text = String::new();
        let mut first = None;
        while let Some(chunk) = bytes.next().await {
            text.push_str(&String::from_utf8_lossy(
                &chunk.map_err(|e| format!("read: {e}"))?,
            ));
            if first.is_none() && text.contains("\"token\"") {
                first = Some(started.elapsed());
            }
        }
        let failed = text.contains("event: error");
        if expect_cut {
            // The provider cut the stream: Hirekey must end it with the mapped error event.
            if !(failed && text.contains("Stream interrupted") && text.contains("[DONE]")) {
                return Err("a cut stream did not end with the mapped error".into());
            }
        } else if failed || !text.contains("[DONE]") {
            return Err(format!(
                "stream ended badly: {}",
                text.chars()
                    .rev()
                    .take(200)
                    .collect::<String>()
                    .chars()
                    .rev()
                    .collect::<String>()
            ));
        }
        Ok(first)
    }
    .await;
    match result {
        Ok(first) => {
            if let Some(ttft) = first {
                if let Ok(mut kinds) = stats.kinds.lock() {
                    kinds
                        .entry("stream: first token")
                        .or_default()
                        .latency_ms
                        .push(ttft.as_secs_f64() * 1000.0);
                }
            }
            stats.record(kind, started, Ok(()));
        }
        Err(e) => stats.record(kind, started, Err(e)),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("HIREKEY_LOADTEST_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let duration = Duration::from_secs(seconds);
    let mock = MockProvider::start(0).await?;
    let server = start_server(&mock).await?;
    let url = server.url.clone();
    // Idle: started, migrated, answering health checks, nothing asked of it yet.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle_mb, _) = server.memory_mb();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(400)
        .tcp_nodelay(true)
        .build()?;

    // Users: some stream slowly (their keys make the mock drip), some do the mixed traffic.
    eprintln!("setting up {} users...", STREAM_USERS + MIXED_USERS);
    let mut streamers = Vec::new();
    for i in 0..STREAM_USERS {
        let token = user(
            &http,
            &url,
            &format!("stream{i}@example.com"),
            &key("drip", i),
        )
        .await?;
        for (name, skills) in [("Ada Python", "Python, Django"), ("Lin Rust", "Rust, Go")] {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(
                    format!("{name} {i}\nEngineer\nSkills: {skills}\n").into_bytes(),
                )
                .file_name("cv.txt")
                .mime_str("text/plain")?,
            );
            let r = http
                .post(format!("{url}/api/v1/resumes/upload"))
                .bearer_auth(&token)
                .multipart(form)
                .send()
                .await?;
            if !r.status().is_success() {
                bail!("upload: {}", r.status());
            }
        }
        streamers.push(token);
    }
    let mut mixed = Vec::new();
    for i in 0..MIXED_USERS {
        mixed.push(
            user(
                &http,
                &url,
                &format!("mixed{i}@example.com"),
                &key("load", i),
            )
            .await?,
        );
    }
    // Misbehaving providers during the load: one key's streams are cut mid-way, one key's
    // answers take 3 s.
    let cut = user(&http, &url, "cut@example.com", &key("cutstream", 0)).await?;
    let slow = user(&http, &url, "slow@example.com", &key("slow", 0)).await?;
    // Warm the paths once, then let the server settle before reading its idle memory.
    for token in &mixed {
        let _ = send(
            &http,
            Method::GET,
            format!("{url}/api/v1/profile/ai-settings"),
            token,
            None,
        )
        .await;
    }
    mock.clear();
    tokio::time::sleep(Duration::from_secs(2)).await;
    // After 20 sign-ups: argon2 takes 19 MiB a hash, and the allocator keeps some of it.
    let (after_setup_mb, _) = server.memory_mb();

    let stats = Arc::new(Stats::default());
    let running = Arc::new(AtomicBool::new(true));
    let peak_rss = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (running, peak_rss) = (running.clone(), peak_rss.clone());
        let pid = server.child.id();
        tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                let status =
                    std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                if let Some(kb) = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                {
                    peak_rss.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    eprintln!(
        "load: {STREAMS} streaming chats and {RATE_PER_SECOND} requests/s for {seconds} s..."
    );
    let deadline = Instant::now() + duration;
    let mut loops = Vec::new();
    for n in 0..STREAMS {
        let (http, url, stats) = (http.clone(), url.clone(), stats.clone());
        // One stream in twenty runs on the key whose streams the provider cuts.
        let cut_here = n % 20 == 19;
        let token = if cut_here {
            cut.clone()
        } else {
            streamers[n % streamers.len()].clone()
        };
        loops.push(tokio::spawn(async move {
            // Spread the start so the streams do not all begin in the same instant.
            tokio::time::sleep(Duration::from_millis((n as u64 * 10) % 1_000)).await;
            while Instant::now() < deadline {
                if cut_here {
                    stream_once(
                        &http,
                        format!("{url}/api/ai/chat"),
                        &token,
                        json!({"stream": true, "messages": [{"role": "user", "content": "one two three four five six seven eight nine ten"}]}),
                        &stats,
                        "stream cut by the provider (error event expected)",
                        true,
                    )
                    .await;
                } else if n % 2 == 0 {
                    stream_once(
                        &http,
                        format!("{url}/api/v1/ai/chat?stream=true"),
                        &token,
                        json!({"query_text": "Find Python developers"}),
                        &stats,
                        "stream: candidate chat",
                        false,
                    )
                    .await;
                } else {
                    stream_once(
                        &http,
                        format!("{url}/api/ai/chat"),
                        &token,
                        json!({"stream": true, "messages": [{"role": "user", "content": "Tell me about the best way to interview backend engineers for a small team"}]}),
                        &stats,
                        "stream: chat",
                        false,
                    )
                    .await;
                }
            }
        }));
    }
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / RATE_PER_SECOND));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut sent: u64 = 0;
    let mut inflight = Vec::new();
    while Instant::now() < deadline {
        ticker.tick().await;
        let (http, url, stats) = (http.clone(), url.clone(), stats.clone());
        let pick = sent % 20;
        // One request in twenty is a whole AI call on the key whose provider takes 3 s.
        let token = if pick == 19 {
            slow.clone()
        } else {
            mixed[(sent as usize) % mixed.len()].clone()
        };
        sent += 1;
        inflight.push(tokio::spawn(async move {
            let started = Instant::now();
            let (kind, result) = match pick {
                0..=10 => (
                    "settings GET",
                    send(
                        &http,
                        Method::GET,
                        format!("{url}/api/v1/profile/ai-settings"),
                        &token,
                        None,
                    )
                    .await,
                ),
                11..=12 => (
                    "usage GET",
                    send(
                        &http,
                        Method::GET,
                        format!("{url}/api/v1/profile/usage?days=7"),
                        &token,
                        None,
                    )
                    .await,
                ),
                13..=14 => (
                    "settings PUT",
                    send(
                        &http,
                        Method::PUT,
                        format!("{url}/api/v1/profile/ai-settings"),
                        &token,
                        Some(json!({"use_personal_ai_key": true})),
                    )
                    .await,
                ),
                19 => (
                    "AI call, provider takes 3 s",
                    send(
                        &http,
                        Method::POST,
                        format!("{url}/api/ai/chat"),
                        &token,
                        Some(json!({"messages": [{"role": "user", "content": "hi"}]})),
                    )
                    .await,
                ),
                _ => (
                    "AI call (whole answer)",
                    send(
                        &http,
                        Method::POST,
                        format!("{url}/api/ai/chat"),
                        &token,
                        Some(json!({"messages": [{"role": "user", "content": "hi"}]})),
                    )
                    .await,
                ),
            };
            stats.record(kind, started, result);
        }));
        if inflight.len() > 5_000 {
            for task in inflight.drain(..) {
                let _ = task.await;
            }
        }
        if sent.is_multiple_of(RATE_PER_SECOND * 5) {
            // The mock records every request; keep this process's memory flat.
            mock.clear();
        }
    }
    for task in inflight {
        let _ = task.await;
    }
    for task in loops {
        let _ = task.await;
    }
    running.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    let (_, hwm_mb) = server.memory_mb();
    let peak_mb = (peak_rss.load(Ordering::Relaxed) as f64 / 1024.0).max(hwm_mb);

    // --- Report.
    let kinds = stats
        .kinds
        .lock()
        .map(|k| {
            k.iter()
                .map(|(n, k)| (*n, k.latency_ms.clone(), k.errors, k.first_error.clone()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let total_errors: usize = kinds.iter().map(|k| k.2).sum();
    let mut md = String::new();
    let _ = writeln!(md, "## Load test ({seconds} s, loopback, SQLite)\n");
    let _ = writeln!(
        md,
        "{STREAMS} streaming chats open at once (slow-streaming mock keys) and {RATE_PER_SECOND} requests/s \
         of mixed traffic ({sent} sent), against the release `hirekey` in its own process; the \
         client and the mock provider share this machine's {} cores with it.\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let _ = writeln!(
        md,
        "| kind | done | failed | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|"
    );
    for (name, latency, errors, _) in &kinds {
        let _ = writeln!(
            md,
            "| {name} | {} | {errors} | {:.1} | {:.1} |",
            latency.len(),
            percentile(latency, 0.50),
            percentile(latency, 0.99)
        );
    }
    let verdict = |pass: bool| if pass { "PASS" } else { "**MISSED**" };
    let _ = writeln!(
        md,
        "\n| measure | budget | result | verdict |\n|---|---|---|---|"
    );
    let _ = writeln!(
        md,
        "| failed requests under load | 0 | {total_errors} | {} |",
        verdict(total_errors == 0)
    );
    let _ = writeln!(
        md,
        "| server memory, idle (started, no requests) | < {IDLE_BUDGET_MB} MB | {idle_mb:.1} MB RSS | {} |",
        verdict(idle_mb < IDLE_BUDGET_MB)
    );
    let _ = writeln!(
        md,
        "| server memory after {} sign-ups, before load | (none) | {after_setup_mb:.1} MB RSS | - |",
        STREAM_USERS + MIXED_USERS
    );
    let _ = writeln!(
        md,
        "| server memory, {STREAMS} streaming chats + {RATE_PER_SECOND} req/s | < {LOADED_BUDGET_MB} MB | {peak_mb:.1} MB peak RSS | {} |",
        verdict(peak_mb < LOADED_BUDGET_MB)
    );
    for (name, _, errors, first) in &kinds {
        if let Some(e) = first {
            let _ = writeln!(md, "\n{name}: {errors} failed, first: `{e}`");
        }
    }
    println!("\n{md}");
    let dir = report_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("loadtest.md"), &md)?;
    eprintln!("report written to {}", dir.join("loadtest.md").display());
    Ok(())
}
