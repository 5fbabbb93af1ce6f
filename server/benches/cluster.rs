//! `make bench`: what the multi-instance deployment costs and gives. Two `hirekey`
//! processes (the release binary `make build` made, `HIREKEY_BIN`) on one fresh PostgreSQL
//! database behind nginx as a round-robin balancer, configured from
//! `scripts/nginx-cluster.conf.template` as the cluster test and `make cluster` are, and the mock
//! provider in this process:
//!
//! - the added latency of an AI call (`POST /api/ai/chat`, not streamed, on a personal key)
//!   through the balancer with two instances, against one instance called directly: p50/p99 of
//!   300 calls each at concurrency 1, the two targets alternating in batches;
//! - resume analysis throughput: 100 text resumes uploaded 8 at a time, counted when every one
//!   is analysed (the upload's answer, or the candidate polled until its analysis is done), to
//!   one instance alone and then through the balancer to two.
//!
//! Skipped, with a report that says why, when PostgreSQL, nginx or the binary is missing.
//! `HIREKEY_BENCH_QUICK=1` runs 5x fewer calls and uploads (a smoke run, not a measurement). The
//! report is printed and written to `target/bench/cluster.md`.

// A measurement tool, not a test and not server code: its output *is* stdout, and a broken
// setup should stop it loudly.
// A benchmark drives the server from outside: its own HTTP clients, environment and literal
// bodies (clippy.toml keeps those out of Hirekey's own crates).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::disallowed_macros
)]

use std::{
    fmt::Write as _,
    fs,
    os::unix::fs::PermissionsExt,
    path::PathBuf,
    process::{Child, Command},
    sync::Arc,
    time::{Duration, Instant},
};

mod support;

use anyhow::{bail, Context};
use bytes::Bytes;
use mock_provider::MockProvider;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use support::{
    bench_groq_key, call_json, client, mock_config_env, percentile, report_dir, run_count,
    Endpoint, Sample,
};

const NGINX_TEMPLATE: &str = include_str!("../../scripts/nginx-cluster.conf.template");
const UPLOAD_CONCURRENCY: usize = 8;

struct Plan {
    quick: bool,
    calls: usize,
    warmup: usize,
    rounds: usize,
    uploads: usize,
}

impl Plan {
    fn from_env() -> Self {
        let quick = std::env::var("HIREKEY_BENCH_QUICK")
            .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"));
        let scale = if quick { 5 } else { 1 };
        Self {
            quick,
            calls: 300 / scale,
            warmup: 30 / scale,
            rounds: 10 / scale,
            uploads: 100 / scale,
        }
    }
}

/// A child process (an instance or nginx), stopped when dropped: SIGTERM, then SIGKILL.
struct Proc {
    child: Child,
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: signals our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn workspace_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// What the bench needs from this machine, or why it cannot run.
struct Machine {
    admin_url: String,
    nginx: PathBuf,
    hirekey: PathBuf,
}

fn machine() -> Result<Machine, String> {
    let admin_url = std::env::var("HIREKEY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let reachable = admin_url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|hostport| hostport.parse().ok())
        .is_some_and(|addr| {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
        });
    if !reachable {
        return Err(format!("PostgreSQL is not reachable at {admin_url}"));
    }
    let nginx = PathBuf::from("/usr/sbin/nginx");
    if !nginx.exists() {
        return Err("nginx is not installed (`make setup` installs it)".into());
    }
    let hirekey = std::env::var_os("HIREKEY_BIN").map_or_else(
        || workspace_dir().join("target/release/hirekey"),
        PathBuf::from,
    );
    if !hirekey.exists() {
        return Err(format!(
            "{} is missing: run `make build`",
            hirekey.display()
        ));
    }
    Ok(Machine {
        admin_url,
        nginx,
        hirekey,
    })
}

/// The deployment under measurement: the instances, nginx once started, and their files.
struct Deployment<'m> {
    machine: &'m Machine,
    mock: MockProvider,
    database_url: String,
    master_key: String,
    dir: tempfile::TempDir,
    instances: Vec<(String, Proc)>,
    /// Kept for its guard: nginx stops when the deployment is dropped.
    _nginx: Option<Proc>,
}

impl Deployment<'_> {
    /// Starts one more `hirekey serve` and waits for its `/healthz`; its URL.
    async fn add_instance(&mut self) -> anyhow::Result<String> {
        let n = self.instances.len() + 1;
        let data = self.dir.path().join(format!("instance-{n}"));
        fs::create_dir_all(&data)?;
        let port = free_port()?;
        let mut env = mock_config_env(&self.mock.url(), &data, &self.database_url);
        env.insert("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"));
        env.insert("HIREKEY_MASTER_KEY", self.master_key.clone());
        env.insert(
            "HIREKEY_JWT_SECRET",
            "a-bench-secret-of-at-least-32-characters".into(),
        );
        env.insert("HIREKEY_REGISTRATION", "open".into());
        env.insert("HIREKEY_TRUST_PROXY_HEADERS", "true".into());
        env.insert("GROQ_API_KEY", String::new());
        env.insert("RUST_LOG", "warn".into());
        let log = fs::File::create(self.dir.path().join(format!("instance-{n}.log")))?;
        let child = Command::new(&self.machine.hirekey)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .current_dir(&data)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", self.machine.hirekey.display()))?;
        let url = format!("http://127.0.0.1:{port}");
        self.instances.push((url.clone(), Proc { child }));
        wait_healthy(&url).await?;
        Ok(url)
    }

    /// Starts nginx in front of every instance; its URL.
    async fn start_nginx(&mut self) -> anyhow::Result<String> {
        let prefix = self.dir.path().join("nginx");
        fs::create_dir_all(&prefix)?;
        // nginx's workers may run as another user (nginx started as root).
        for dir in [self.dir.path(), prefix.as_path()] {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
        }
        let port = free_port()?;
        let servers: Vec<String> = self
            .instances
            .iter()
            .map(|(url, _)| {
                let addr = url.trim_start_matches("http://");
                format!("server {addr} max_fails=1 fail_timeout=5s;")
            })
            .collect();
        let conf = NGINX_TEMPLATE
            .replace("@PREFIX@", &prefix.display().to_string())
            .replace("@LISTEN@", &format!("127.0.0.1:{port}"))
            .replace("@UPSTREAMS@", &servers.join("\n        "));
        let conf_path = prefix.join("nginx.conf");
        fs::write(&conf_path, conf)?;
        let log = fs::File::create(prefix.join("nginx.out"))?;
        let child = Command::new(&self.machine.nginx)
            .arg("-p")
            .arg(&prefix)
            .arg("-e")
            .arg(prefix.join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .arg("-g")
            .arg(format!("daemon off; pid {}/nginx.pid;", prefix.display()))
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting nginx")?;
        let url = format!("http://127.0.0.1:{port}");
        self._nginx = Some(Proc { child });
        wait_healthy(&url).await?;
        Ok(url)
    }
}

async fn wait_healthy(url: &str) -> anyhow::Result<()> {
    let probe = client();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if probe
            .get(format!("{url}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{url}/healthz did not answer within 60 s")
}

/// `batch` calls on each target in turn, `rounds` times, the order rotating, after a warm-up:
/// machine noise hits both alike.
async fn compare(targets: [&Arc<Endpoint>; 2], mock: &MockProvider, plan: &Plan) -> [Sample; 2] {
    for endpoint in targets {
        let _ = run_count(endpoint, plan.warmup, 1).await;
    }
    mock.clear();
    let batch = plan.calls.div_ceil(plan.rounds);
    let mut samples = [Sample::default(), Sample::default()];
    for round in 0..plan.rounds {
        for step in 0..2 {
            let which = (round + step) % 2;
            samples[which].merge(run_count(targets[which], batch, 1).await);
            mock.clear();
        }
    }
    samples
}

/// Analyses of one setting: how many per second, how many failed and the first reason.
struct Throughput {
    per_second: f64,
    failed: usize,
    first_error: Option<String>,
}

/// Throughput of `uploads` text resumes to `url`, `UPLOAD_CONCURRENCY` at a time, each counted
/// once analysed.
async fn analysis_throughput(url: &str, token: &str, uploads: usize, tag: &str) -> Throughput {
    let http = client();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..UPLOAD_CONCURRENCY)
        .map(|_| {
            let (http, next) = (http.clone(), next.clone());
            let (url, token, tag) = (url.to_owned(), token.to_owned(), tag.to_owned());
            tokio::spawn(async move {
                let mut errors = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= uploads {
                        return errors;
                    }
                    let text = format!(
                        "Candidate {tag} {i}\nBackend Engineer\nSkills: Rust, PostgreSQL, Kafka\n\
                         Built services for {} years.\n",
                        i % 20 + 1
                    );
                    if let Err(e) = analysed(&http, &url, &token, text).await {
                        errors.push(e);
                    }
                }
            })
        })
        .collect();
    let mut errors = Vec::new();
    for w in workers {
        errors.extend(w.await.unwrap_or_else(|e| vec![format!("worker: {e}")]));
    }
    Throughput {
        per_second: uploads as f64 / started.elapsed().as_secs_f64(),
        failed: errors.len(),
        first_error: errors.into_iter().next(),
    }
}

/// Uploads one resume and returns once its analysis is done (from the answer, or polled).
async fn analysed(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    text: String,
) -> Result<(), String> {
    let part = reqwest::multipart::Part::bytes(text.into_bytes())
        .file_name("resume.txt")
        .mime_str("text/plain")
        .map_err(|e| e.to_string())?;
    let res = http
        .post(format!("{url}/api/v1/resumes/upload"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .map_err(|e| format!("upload: {e}"))?;
    let status = res.status();
    let mut candidate: Value = res.json().await.unwrap_or(Value::Null);
    if status != StatusCode::CREATED {
        return Err(format!("upload: {status} {candidate}"));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match candidate["analysis_status"].as_str() {
            Some("done") => return Ok(()),
            Some(_) if Instant::now() < deadline => {}
            _ => return Err(format!("analysis: {candidate}")),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let id = candidate["id"].as_str().unwrap_or_default();
        let path = format!("{url}/api/v1/candidates/{id}");
        candidate = match call_json(http, Method::GET, &path, Some(token), Value::Null).await {
            Ok((StatusCode::OK, _, body)) => body,
            other => return Err(format!("polling {path}: {other:?}")),
        };
    }
}

async fn user_with_key(url: &str, key: &str) -> anyhow::Result<String> {
    let http = client();
    let body =
        json!({"email": "bench@example.com", "password": "correct horse battery", "name": "Bench"});
    let (status, _, answer) = call_json(
        &http,
        Method::POST,
        &format!("{url}/api/v1/auth/register"),
        None,
        body,
    )
    .await?;
    if status != StatusCode::CREATED {
        bail!("register: {status} {answer}");
    }
    let token = answer["token"].as_str().context("token")?.to_owned();
    let body = json!({"personal_groq_api_key": key, "use_personal_ai_key": true});
    let settings = format!("{url}/api/v1/profile/ai-settings");
    let (status, _, answer) = call_json(&http, Method::PUT, &settings, Some(&token), body).await?;
    if status != StatusCode::OK {
        bail!("saving the key: {status} {answer}");
    }
    Ok(token)
}

async fn measure(machine: &Machine, plan: &Plan, database_url: String) -> anyhow::Result<String> {
    let mut deployment = Deployment {
        machine,
        mock: MockProvider::start(0).await?,
        database_url,
        master_key: hirekey_core::vault::MasterKey::generate()
            .to_base64()
            .to_string(),
        dir: tempfile::tempdir()?,
        instances: Vec::new(),
        _nginx: None,
    };
    // One instance alone: nothing else may take its jobs.
    let a = deployment.add_instance().await?;
    let token = user_with_key(&a, &bench_groq_key()).await?;
    eprintln!("analysing {} resumes on one instance...", plan.uploads);
    let one = analysis_throughput(&a, &token, plan.uploads, "one").await;

    // The second instance and the balancer.
    deployment.add_instance().await?;
    let lb = deployment.start_nginx().await?;
    eprintln!(
        "analysing {} resumes on two instances behind nginx...",
        plan.uploads
    );
    let two = analysis_throughput(&lb, &token, plan.uploads, "two").await;

    eprintln!("measuring AI calls, {} per target...", plan.calls);
    let body = Bytes::from(serde_json::to_vec(
        &json!({"messages": [{"role": "user", "content": "hi"}]}),
    )?);
    let endpoint = |base: &str| {
        Arc::new(Endpoint {
            client: client(),
            method: Method::POST,
            url: format!("{base}/api/ai/chat"),
            bearer: format!("Bearer {token}"),
            body: Some(body.clone()),
        })
    };
    let (direct, balanced) = (endpoint(&a), endpoint(&lb));
    if let Err(e) = balanced.send().await {
        bail!("the first AI call through nginx failed: {e}");
    }
    let [direct, balanced] = compare([&direct, &balanced], &deployment.mock, plan).await;

    let mut md = String::new();
    writeln!(md, "## Several instances behind nginx\n")?;
    writeln!(
        md,
        "Mode: {}. Machine: {} cores, shared by the instances (release build), nginx \
         (1 worker), PostgreSQL, the mock provider and the client. The mock answers at once, so \
         the analysis figures are Hirekey's own work (upload, text, storage, job, prompt, parse), \
         not a provider's latency.\n",
        if plan.quick {
            "QUICK (HIREKEY_BENCH_QUICK=1: a smoke run, not a measurement)"
        } else {
            "full"
        },
        std::thread::available_parallelism().map_or(0, usize::from)
    )?;
    writeln!(md, "| AI call, c=1 | calls | p50 ms | p99 ms | failed |")?;
    writeln!(md, "|---|---:|---:|---:|---:|")?;
    for (name, s) in [
        ("one instance, direct", &direct),
        ("nginx, two instances", &balanced),
    ] {
        writeln!(
            md,
            "| {name} | {} | {:.3} | {:.3} | {} |",
            s.latency_ms.len(),
            percentile(&s.latency_ms, 0.5),
            percentile(&s.latency_ms, 0.99),
            s.errors
        )?;
    }
    let added = |q| percentile(&balanced.latency_ms, q) - percentile(&direct.latency_ms, q);
    writeln!(
        md,
        "| added by the balancer | | {:+.3} | {:+.3} | |\n",
        added(0.5),
        added(0.99)
    )?;
    writeln!(
        md,
        "| resume analysis, {} uploads, {UPLOAD_CONCURRENCY} at a time | analysed/s | failed |",
        plan.uploads
    )?;
    writeln!(md, "|---|---:|---:|")?;
    for (name, t) in [("one instance", &one), ("two instances behind nginx", &two)] {
        writeln!(md, "| {name} | {:.1} | {} |", t.per_second, t.failed)?;
    }
    writeln!(
        md,
        "\nAdded = the balancer's percentile minus the direct one (a difference of percentiles). \
         An analysis counts when the upload answered it done or, when the upload answered \
         `pending`, once its candidate reads `done`. On one host the second instance brings no \
         cores of its own: the two-instance figure shows that jobs spread over instances lose \
         nothing, not the gain of a second machine."
    )?;
    for (what, s) in [("direct", &direct), ("balanced", &balanced)] {
        if let Some(e) = &s.first_error {
            writeln!(md, "\n{what}: {} failed calls, first: `{e}`", s.errors)?;
        }
    }
    for (what, t) in [("one instance", &one), ("two instances", &two)] {
        if let Some(e) = &t.first_error {
            writeln!(md, "\n{what}: {} failed analyses, first: `{e}`", t.failed)?;
        }
    }
    drop(deployment);
    Ok(md)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let plan = Plan::from_env();
    let md = match machine() {
        Err(why) => {
            eprintln!("warning: {why}; the cluster benchmark is skipped");
            format!("## Several instances behind nginx\n\nNot measured: {why}.\n")
        }
        Ok(machine) => {
            let name = format!("hirekey_cluster_{}", uuid::Uuid::new_v4().simple());
            let db = Database::connect(machine.admin_url.as_str()).await?;
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let base = machine
                .admin_url
                .rsplit_once('/')
                .map_or(machine.admin_url.clone(), |(b, _)| b.to_owned());
            let result = measure(&machine, &plan, format!("{base}/{name}")).await;
            let _ = db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            result?
        }
    };
    println!("{md}");
    let dir = report_dir();
    fs::create_dir_all(&dir)?;
    fs::write(dir.join("cluster.md"), &md)?;
    eprintln!("report written to {}", dir.join("cluster.md").display());
    Ok(())
}
