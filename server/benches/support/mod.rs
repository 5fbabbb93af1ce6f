//! What the benchmark harnesses share: replayed HTTP requests, latency samples and
//! percentiles, clients, and where reports go.
// Each bench includes this module and uses part of it.
#![allow(dead_code)]

pub mod proc;

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use reqwest::{header, Method};
use serde_json::Value;

/// One HTTP request, prepared once and replayed: one client (keep-alive pool) per target, the
/// body serialized up front so that both targets pay the same client-side cost.
pub struct Endpoint {
    pub client: reqwest::Client,
    pub method: Method,
    pub url: String,
    pub bearer: String,
    pub body: Option<Bytes>,
}

impl Endpoint {
    pub async fn send(&self) -> Result<Option<f64>, String> {
        let mut req = self
            .client
            .request(self.method.clone(), &self.url)
            .header(header::AUTHORIZATION, &self.bearer);
        if let Some(body) = &self.body {
            req = req
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let res = req.send().await.map_err(|e| format!("send: {e}"))?;
        let status = res.status();
        let timing = server_timing_ms(res.headers());
        let body = res.bytes().await.map_err(|e| format!("body: {e}"))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            return Err(format!(
                "{status}: {}",
                text.chars().take(200).collect::<String>()
            ));
        }
        Ok(timing)
    }
}

/// `Server-Timing: hirekey;dur=<ms>` → ms.
pub fn server_timing_ms(headers: &header::HeaderMap) -> Option<f64> {
    let value = headers.get("server-timing")?.to_str().ok()?;
    value
        .split(';')
        .find_map(|part| part.trim().strip_prefix("dur="))
        .and_then(|ms| ms.trim().parse().ok())
}

/// Latencies (ms) of successful requests, the server's own timings, and failures.
#[derive(Default)]
pub struct Sample {
    pub latency_ms: Vec<f64>,
    pub server_ms: Vec<f64>,
    pub errors: usize,
    pub first_error: Option<String>,
}

impl Sample {
    pub fn merge(&mut self, other: Sample) {
        self.latency_ms.extend(other.latency_ms);
        self.server_ms.extend(other.server_ms);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    pub fn record(&mut self, started: Instant, result: Result<Option<f64>, String>) {
        match result {
            Ok(timing) => {
                self.latency_ms
                    .push(started.elapsed().as_secs_f64() * 1000.0);
                if let Some(ms) = timing {
                    self.server_ms.push(ms);
                }
            }
            Err(e) => {
                self.errors += 1;
                if self.first_error.is_none() {
                    self.first_error = Some(e);
                }
            }
        }
    }
}

/// `n` requests with `concurrency` workers pulling from one counter.
pub async fn run_count(endpoint: &Arc<Endpoint>, n: usize, concurrency: usize) -> Sample {
    let next = Arc::new(AtomicUsize::new(0));
    run_while(endpoint, concurrency.min(n).max(1), move || {
        next.fetch_add(1, Ordering::Relaxed) < n
    })
    .await
}

/// As many requests as `concurrency` workers complete before `duration` is up.
pub async fn run_for(endpoint: &Arc<Endpoint>, duration: Duration, concurrency: usize) -> Sample {
    let deadline = Instant::now() + duration;
    run_while(endpoint, concurrency, move || Instant::now() < deadline).await
}

/// `concurrency` workers sending requests one after another while `go()` says so.
async fn run_while(
    endpoint: &Arc<Endpoint>,
    concurrency: usize,
    go: impl Fn() -> bool + Clone + Send + 'static,
) -> Sample {
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let endpoint = endpoint.clone();
            let go = go.clone();
            tokio::spawn(async move {
                let mut sample = Sample::default();
                while go() {
                    let started = Instant::now();
                    let result = endpoint.send().await;
                    sample.record(started, result);
                }
                sample
            })
        })
        .collect();
    join(workers).await
}

pub async fn join(workers: Vec<tokio::task::JoinHandle<Sample>>) -> Sample {
    let mut all = Sample::default();
    for w in workers {
        all.merge(w.await.expect("a load worker panicked"));
    }
    all
}

/// Nearest-rank percentile of unsorted values, `q` in (0, 1].
pub fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// A Groq-format key (`gsk_` + 52 alphanumerics) with none of the mock's failure words.
pub fn bench_groq_key() -> String {
    let alphabet = b"BenchKey0123456789abcdefghjkmnpqxyzABCDEFGHJKMNPQXYZ";
    let tail: String = (0..52)
        .map(|i| char::from(alphabet[(i * 7) % alphabet.len()]))
        .collect();
    format!("gsk_{tail}")
}

/// Where reports go: `target/bench` in the workspace (`HIREKEY_BENCH_REPORTS` overrides). The
/// benches themselves build in a target directory of their own (see scripts/bench.sh), so this
/// does not follow `CARGO_TARGET_DIR`.
pub fn report_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HIREKEY_BENCH_REPORTS") {
        return PathBuf::from(dir);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().map_or(manifest.clone(), PathBuf::from);
    workspace.join("target").join("bench")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(300))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest client")
}

pub async fn call_json(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<(reqwest::StatusCode, header::HeaderMap, Value)> {
    let mut req = client.request(method, url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await?;
    Ok((
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// The configuration the benches start Hirekey with, as the integration tests do: data in
/// `data_dir`, a random port, every provider URL on the mock provider at `mock_url`, no system
/// key.
pub fn mock_config_env(
    mock_url: &str,
    data_dir: &std::path::Path,
    database_url: &str,
) -> std::collections::HashMap<&'static str, String> {
    std::collections::HashMap::from([
        ("HIREKEY_DATA_DIR", data_dir.display().to_string()),
        ("DATABASE_URL", database_url.to_owned()),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:0".into()),
        (
            "LEPTOS_SITE_ROOT",
            data_dir.join("site").display().to_string(),
        ),
        ("HIREKEY_GROQ_BASE_URL", format!("{mock_url}/openai/v1")),
        ("HIREKEY_OPENROUTER_BASE_URL", format!("{mock_url}/api/v1")),
        ("HIREKEY_DEEPSEEK_BASE_URL", mock_url.to_owned()),
        ("HIREKEY_OPENAI_BASE_URL", mock_url.to_owned()),
        ("HIREKEY_PROVIDER_TIMEOUT_SECS", "30".into()),
    ])
}

/// The test PostgreSQL server (`HIREKEY_TEST_POSTGRES_URL`, else postgres@127.0.0.1:5432) when it
/// accepts a connection within a second; `None` otherwise (the bench then says it was skipped).
#[allow(dead_code)]
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("HIREKEY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let hostport = url.split('@').nth(1)?.split('/').next()?.to_owned();
    let addr = hostport.parse().ok()?;
    std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(1)).ok()?;
    Some(url)
}

/// Errors only, on stderr (`RUST_LOG` overrides): the report is what the bench prints.
#[allow(dead_code)]
pub fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// `HIREKEY_BENCH_QUICK`: a short smoke run instead of a measurement.
#[allow(dead_code)]
pub fn quick() -> bool {
    std::env::var("HIREKEY_BENCH_QUICK")
        .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"))
}

/// What a report's closing line adds in quick mode.
pub fn quick_note() -> &'static str {
    if quick() {
        " Quick mode: a smoke run, not a measurement."
    } else {
        ""
    }
}

/// Prints a report and writes it as `name` in [`report_dir`].
pub fn write_report(name: &str, md: &str) -> anyhow::Result<()> {
    println!("\n{md}");
    let dir = report_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), md)?;
    Ok(())
}

/// A request that must succeed: its JSON body, or an error naming the URL, status and body.
pub async fn ok(
    http: &reqwest::Client,
    method: Method,
    url: String,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let (status, _, body) = call_json(http, method, &url, token, body).await?;
    if !status.is_success() {
        anyhow::bail!("{url}: {status} {body}");
    }
    Ok(body)
}

/// Hirekey in this process on `db`, its providers on the mock at `mock_url`, open sign-up; its
/// base URL.
pub async fn start_in_process(
    mock_url: &str,
    data_dir: &std::path::Path,
    db: &str,
) -> anyhow::Result<String> {
    use anyhow::Context;
    let mut env = mock_config_env(mock_url, data_dir, db);
    env.insert("HIREKEY_REGISTRATION", "open".into());
    let config = server::config::Config::from_lookup(|k| env.get(k).cloned()).context("config")?;
    let app = server::startup::Application::build(config)
        .await
        .context("Application::build")?;
    let url = format!("http://{}", app.local_addr());
    tokio::spawn(async move {
        if let Err(e) = app.run_until_stopped().await {
            eprintln!("hirekey stopped: {e:#}");
        }
    });
    Ok(url)
}

/// A new database `name` on the PostgreSQL server at `admin`; its URL.
pub async fn create_postgres_database(admin: &str, name: &str) -> anyhow::Result<String> {
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(admin).await?;
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    let base = admin
        .rsplit_once('/')
        .map_or(admin.to_owned(), |(b, _)| b.to_owned());
    Ok(format!("{base}/{name}"))
}

/// Drops database `name` (sessions still on it included), if it can.
pub async fn drop_postgres_database(admin: &str, name: &str) {
    use sea_orm::ConnectionTrait;
    if let Ok(db) = sea_orm::Database::connect(admin).await {
        let _ = db
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}

/// The workspace's root (where `make build` puts `target/release/hirekey` and `target/site`).
pub fn workspace_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

/// The release `hirekey` binary the process benches run: `HIREKEY_BIN`, else `make build`'s.
pub fn release_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::var_os("HIREKEY_BIN").map_or_else(
        || workspace_dir().join("target/release/hirekey"),
        PathBuf::from,
    );
    if !exe.exists() {
        anyhow::bail!("{} is missing: run `make build` first", exe.display());
    }
    Ok(exe)
}

/// Makes `command` (the binary, or a wrapper such as `taskset` already given it) run
/// `hirekey serve` with nothing of this environment but `PATH`, its data in `data`, on
/// `port`, with `make build`'s site, logging warnings to this process's stderr.
pub fn serve_in(command: &mut std::process::Command, data: &std::path::Path, port: u16) {
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HIREKEY_DATA_DIR", data)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", workspace_dir().join("target/site"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
}

/// Waits until `url` answers 2xx, at most 20 s.
pub async fn wait_healthy(url: &str) -> anyhow::Result<()> {
    let probe = client();
    for _ in 0..200 {
        if probe
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{url} did not answer within 20 s")
}
