//! `make bench`: what a chat call pays for going through Hirekey (JWT check, key lookup,
//! decrypt, forward) compared with calling the mock provider directly, and the throughput of
//! `GET /api/v1/profile/ai-settings` on SQLite. Budgets: DESIGN.md, "Performance budgets".
//!
//! Everything runs in this one process: the mock provider, Hirekey (`Application::build` on a
//! temporary SQLite data directory) and the load-generating clients share one tokio runtime and
//! the machine's cores. Direct and via-Hirekey batches alternate so that machine noise hits both.
//!
//! `HIREKEY_BENCH_QUICK=1` runs 10x fewer requests (a smoke run, not a measurement).
//! The report is printed and written to `target/bench/overhead.md`.

// A measurement tool, not a test and not server code: its output *is* stdout, and a broken
// setup (the app does not start, a request fails) should stop it loudly, so the workspace's
// unwrap/expect/print_stdout denials do not fit here.
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
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

mod support;

use anyhow::{bail, Context};
use bytes::Bytes;
use mock_provider::MockProvider;
use reqwest::Method;
use serde_json::json;
use server::{config::Config, startup::Application};
use support::{
    bench_groq_key, call_json, client, percentile, report_dir, run_count, run_for,
    server_timing_ms, Endpoint, Sample,
};

/// The AI-call budget: added p99 under 1 ms.
const AI_BUDGET_MS: f64 = 1.0;
/// The settings budget: 5,000 requests/s or more (on 2 cores with SQLite).
const SETTINGS_BUDGET_RPS: f64 = 5_000.0;
const CONCURRENCY_HIGH: usize = 50;

/// How much work one run does.
struct Plan {
    quick: bool,
    /// Measured requests per target at concurrency 1 and 50.
    c1_requests: usize,
    c50_requests: usize,
    /// Discarded requests per target before measuring, at each concurrency.
    c1_warmup: usize,
    c50_warmup: usize,
    /// Direct and via-Hirekey alternate this many times (ABBA order).
    rounds: usize,
    settings_warmup: Duration,
    settings_duration: Duration,
}

impl Plan {
    fn from_env() -> Self {
        let quick = std::env::var("HIREKEY_BENCH_QUICK")
            .is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"));
        if quick {
            Self {
                quick,
                c1_requests: 200,
                c50_requests: 1_000,
                c1_warmup: 20,
                c50_warmup: 100,
                rounds: 4,
                settings_warmup: Duration::from_millis(100),
                settings_duration: Duration::from_millis(500),
            }
        } else {
            Self {
                quick,
                c1_requests: 2_000,
                c50_requests: 10_000,
                c1_warmup: 200,
                c50_warmup: 1_000,
                rounds: 10,
                settings_warmup: Duration::from_secs(1),
                settings_duration: Duration::from_secs(5),
            }
        }
    }
}

/// Direct, via-Hirekey and (when installed) via-LiteLLM results at one concurrency.
struct Comparison {
    concurrency: usize,
    direct: Sample,
    via: Sample,
    litellm: Option<Sample>,
}

/// `sample`'s percentile minus the direct call's at the same concurrency.
fn added(sample: &Sample, direct: &Sample, q: f64) -> f64 {
    percentile(&sample.latency_ms, q) - percentile(&direct.latency_ms, q)
}

impl Comparison {
    fn added(&self, q: f64) -> f64 {
        added(&self.via, &self.direct, q)
    }
    fn ratio(&self, q: f64) -> f64 {
        percentile(&self.via.latency_ms, q) / percentile(&self.direct.latency_ms, q)
    }
    fn errors(&self) -> usize {
        self.direct.errors + self.via.errors
    }
}

/// Warm-up, then `rounds` batches of `n / rounds` per target, the targets' order rotating
/// each round, so that machine noise hits every target alike.
async fn compare(
    targets: &[&Arc<Endpoint>],
    mock: &MockProvider,
    n: usize,
    warmup: usize,
    rounds: usize,
    concurrency: usize,
) -> Vec<Sample> {
    for endpoint in targets {
        let w = run_count(endpoint, warmup, concurrency).await;
        if let Some(e) = w.first_error {
            eprintln!("warning: warm-up error ({} failed): {e}", w.errors);
        }
    }
    mock.clear();
    let per_batch = n.div_ceil(rounds);
    let mut samples: Vec<Sample> = targets.iter().map(|_| Sample::default()).collect();
    for round in 0..rounds {
        for step in 0..targets.len() {
            let which = (round + step) % targets.len();
            let sample = run_count(targets[which], per_batch, concurrency).await;
            samples[which].merge(sample);
            // The mock records every request; keep its memory flat between batches.
            mock.clear();
        }
    }
    samples
}

/// Runs the comparison for direct, via Hirekey and, if given, via LiteLLM.
async fn compare_all(
    direct: &Arc<Endpoint>,
    via: &Arc<Endpoint>,
    litellm: Option<&Arc<Endpoint>>,
    mock: &MockProvider,
    (n, warmup, rounds, concurrency): (usize, usize, usize, usize),
) -> Comparison {
    let mut targets = vec![direct, via];
    targets.extend(litellm);
    let mut samples = compare(&targets, mock, n, warmup, rounds, concurrency)
        .await
        .into_iter();
    let direct = samples.next().unwrap_or_default();
    let via = samples.next().unwrap_or_default();
    Comparison {
        concurrency,
        direct,
        via,
        litellm: samples.next(),
    }
}

/// LiteLLM's proxy as a child process, pointed at the same mock provider; killed on drop.
struct LiteLlm {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for LiteLlm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `litellm` (the executable named by `HIREKEY_LITELLM`, installed by `make bench`)
/// with one model routed to the mock's Groq-style endpoint with the bench key.
async fn start_litellm(
    mock: &MockProvider,
    key: &str,
    model: &str,
) -> anyhow::Result<Option<LiteLlm>> {
    let Some(exe) = std::env::var_os("HIREKEY_LITELLM") else {
        return Ok(None);
    };
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("litellm.yaml");
    std::fs::write(
        &config,
        format!(
            "model_list:\n  - model_name: bench\n    litellm_params:\n      model: openai/{model}\n      api_base: {}/openai/v1\n      api_key: {key}\nlitellm_settings:\n  drop_params: true\n  telemetry: false\n",
            mock.url()
        ),
    )?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = Command::new(exe)
        .arg("--config")
        .arg(&config)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--num_workers",
            "1",
        ])
        .env("LITELLM_LOG", "ERROR")
        .env("LITELLM_TELEMETRY", "False")
        .env("NO_DOCS", "True")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting litellm")?;
    let proxy = LiteLlm {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    let probe = client();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let ready = probe
            .get(format!("{}/health/liveliness", proxy.url))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            return Ok(Some(proxy));
        }
        if Instant::now() > deadline {
            bail!("litellm did not start within 180 s");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn verdict(pass: bool, errors: usize) -> String {
    match (pass, errors) {
        (_, e) if e > 0 => format!("FAIL ({e} failed requests)"),
        (true, _) => "PASS".into(),
        (false, _) => "FAIL".into(),
    }
}

/// Hirekey, configured as the integration tests do: temp SQLite data dir, random port, every
/// provider URL on the mock. No system key, so a chat can only succeed on the personal key.
async fn start_hirekey(mock: &MockProvider, data_dir: &std::path::Path) -> anyhow::Result<String> {
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("hirekey.db").display()
    );
    let env = support::mock_config_env(&mock.url(), data_dir, &database_url);
    let config = Config::from_lookup(|k| env.get(k).cloned()).context("config")?;
    let app = Application::build(config)
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Quiet by default: warnings only (RUST_LOG overrides). Production logs at `info`, which
    // adds one line per personal-key call; that cost is not in these numbers.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();

    let plan = Plan::from_env();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // --- Setup: mock provider, Hirekey, one user with a personal Groq key.
    let mock = MockProvider::start(0).await?;
    let data_dir = tempfile::tempdir()?;
    let hirekey = start_hirekey(&mock, data_dir.path()).await?;
    let hirekey_client = client();
    let direct_client = client();

    let (status, _, body) = call_json(
        &hirekey_client,
        Method::POST,
        &format!("{hirekey}/api/v1/auth/register"),
        None,
        json!({"email": "bench@example.com", "password": "correct horse battery", "name": "Bench User"}),
    )
    .await?;
    if status != reqwest::StatusCode::CREATED {
        bail!("register: {status} {body}");
    }
    let token = body["token"]
        .as_str()
        .context("register: no token")?
        .to_owned();

    let key = bench_groq_key();
    let (status, _, body) = call_json(
        &hirekey_client,
        Method::PUT,
        &format!("{hirekey}/api/v1/profile/ai-settings"),
        Some(&token),
        json!({"personal_groq_api_key": key, "use_personal_ai_key": true}),
    )
    .await?;
    if !status.is_success() {
        bail!("saving the personal key: {status} {body}");
    }

    let chat_body = json!({"messages": [{"role": "user", "content": "hi"}]});
    let (status, headers, body) = call_json(
        &hirekey_client,
        Method::POST,
        &format!("{hirekey}/api/ai/chat"),
        Some(&token),
        chat_body.clone(),
    )
    .await?;
    if !status.is_success() || body["meta"]["key_source"] != "personal" {
        bail!("the first chat did not run on the personal key: {status} {body}");
    }
    if server_timing_ms(&headers).is_none() {
        bail!("/api/ai/chat sent no Server-Timing hirekey;dur header");
    }
    let model = body["meta"]["model"]
        .as_str()
        .unwrap_or("llama-3.1-8b-instant")
        .to_owned();

    // What Hirekey itself sends the provider (ProviderClient::chat), sent directly.
    let direct = Arc::new(Endpoint {
        client: direct_client,
        method: Method::POST,
        url: format!("{}/openai/v1/chat/completions", mock.url()),
        bearer: format!("Bearer {key}"),
        body: Some(Bytes::from(serde_json::to_vec(&json!({
            "model": model,
            "messages": [{"role": "user", "content": "hi"}],
            "stream": false,
            "temperature": 0.2,
        }))?)),
    });
    let via = Arc::new(Endpoint {
        client: hirekey_client.clone(),
        method: Method::POST,
        url: format!("{hirekey}/api/ai/chat"),
        bearer: format!("Bearer {token}"),
        body: Some(Bytes::from(serde_json::to_vec(&chat_body)?)),
    });
    let settings = Arc::new(Endpoint {
        client: hirekey_client,
        method: Method::GET,
        url: format!("{hirekey}/api/v1/profile/ai-settings"),
        bearer: format!("Bearer {token}"),
        body: None,
    });

    // --- AI-call overhead.
    eprintln!(
        "measuring the AI-call overhead at c=1 ({} requests per target)...",
        plan.c1_requests
    );
    let litellm_proxy = start_litellm(&mock, &key, &model).await?;
    let litellm = match &litellm_proxy {
        Some(proxy) => {
            let endpoint = Arc::new(Endpoint {
                client: client(),
                method: Method::POST,
                url: format!("{}/v1/chat/completions", proxy.url),
                bearer: "Bearer sk-bench".into(),
                body: Some(Bytes::from(serde_json::to_vec(&json!({
                    "model": "bench",
                    "messages": [{"role": "user", "content": "hi"}],
                    "temperature": 0.2,
                }))?)),
            });
            if let Err(e) = endpoint.send().await {
                bail!("the first call through LiteLLM failed: {e}");
            }
            Some(endpoint)
        }
        None => {
            eprintln!("HIREKEY_LITELLM is not set: the LiteLLM comparison is skipped");
            None
        }
    };
    let c1 = compare_all(
        &direct,
        &via,
        litellm.as_ref(),
        &mock,
        (plan.c1_requests, plan.c1_warmup, plan.rounds, 1),
    )
    .await;
    eprintln!(
        "measuring the AI-call overhead at c={CONCURRENCY_HIGH} ({} requests per target)...",
        plan.c50_requests
    );
    let c50 = compare_all(
        &direct,
        &via,
        litellm.as_ref(),
        &mock,
        (
            plan.c50_requests,
            plan.c50_warmup,
            plan.rounds,
            CONCURRENCY_HIGH,
        ),
    )
    .await;
    drop(litellm_proxy);

    // --- Settings GET throughput.
    eprintln!(
        "measuring GET /api/v1/profile/ai-settings at c={CONCURRENCY_HIGH} for {:.1} s...",
        plan.settings_duration.as_secs_f64()
    );
    let _ = run_for(&settings, plan.settings_warmup, CONCURRENCY_HIGH).await;
    let started = Instant::now();
    let s = run_for(&settings, plan.settings_duration, CONCURRENCY_HIGH).await;
    let elapsed = started.elapsed().as_secs_f64();
    let settings_rps = s.latency_ms.len() as f64 / elapsed;
    let settings_p99 = percentile(&s.latency_ms, 0.99);

    // --- Report.
    let mut md = String::new();
    let _ = writeln!(md, "## AI-call overhead and settings throughput\n");
    let _ = writeln!(
        md,
        "Mode: {}. Machine: {cores} cores. Database: SQLite (WAL) in a temp dir. Build: `cargo bench` (release).\n",
        if plan.quick {
            "QUICK (HIREKEY_BENCH_QUICK=1, 10x fewer requests: a smoke run, not a measurement)"
        } else {
            "full"
        }
    );
    let _ = writeln!(
        md,
        "**Shared cores:** the load-generating client, Hirekey and the mock provider run in this one \
         process on one tokio runtime and share the same {cores} cores. The via-Hirekey path does \
         twice the HTTP work (client → Hirekey → mock) on those cores, so at c=50 the client-side \
         difference includes CPU contention a separate client machine would not add.\n"
    );
    let _ = writeln!(
        md,
        "| AI call | c | requests | p50 ms | p99 ms | failed |\n|---|---:|---:|---:|---:|---:|"
    );
    for cmp in [&c1, &c50] {
        let mut rows = vec![("direct to mock", &cmp.direct), ("via Hirekey", &cmp.via)];
        rows.extend(cmp.litellm.as_ref().map(|l| ("via LiteLLM", l)));
        for (name, sample) in rows {
            let _ = writeln!(
                md,
                "| {name} | {} | {} | {:.3} | {:.3} | {} |",
                cmp.concurrency,
                sample.latency_ms.len(),
                percentile(&sample.latency_ms, 0.50),
                percentile(&sample.latency_ms, 0.99),
                sample.errors
            );
        }
        let _ = writeln!(
            md,
            "| added (via − direct) | {} | | {:+.3} | {:+.3} | |",
            cmp.concurrency,
            cmp.added(0.50),
            cmp.added(0.99)
        );
        let _ = writeln!(
            md,
            "| ratio (via / direct) | {} | | {:.2}x | {:.2}x | |",
            cmp.concurrency,
            cmp.ratio(0.50),
            cmp.ratio(0.99)
        );
        let _ = writeln!(
            md,
            "| server-side, Server-Timing hirekey;dur | {} | {} | {:.3} | {:.3} | |",
            cmp.concurrency,
            cmp.via.server_ms.len(),
            percentile(&cmp.via.server_ms, 0.50),
            percentile(&cmp.via.server_ms, 0.99)
        );
    }
    let _ = writeln!(md);

    let mut table = String::from("| measure | budget | result | verdict |\n|---|---|---|---|\n");
    for cmp in [&c1, &c50] {
        let added = cmp.added(0.99);
        let _ = writeln!(
            table,
            "| AI-call added p99, c={} | < 1 ms | {:.3} ms (p50 {:+.3} ms; p99 {:.3} vs {:.3} ms direct) | {} |",
            cmp.concurrency,
            added,
            cmp.added(0.50),
            percentile(&cmp.via.latency_ms, 0.99),
            percentile(&cmp.direct.latency_ms, 0.99),
            verdict(added < AI_BUDGET_MS, cmp.errors())
        );
    }
    for cmp in [&c1, &c50] {
        let Some(lite) = &cmp.litellm else {
            let _ = writeln!(
                table,
                "| Hirekey added p99 vs LiteLLM's, c={} | < 1/20 | not measured (HIREKEY_LITELLM unset) | SKIPPED |",
                cmp.concurrency
            );
            continue;
        };
        let ours = cmp.added(0.99);
        let theirs = added(lite, &cmp.direct, 0.99);
        let ratio = ours.max(0.0) / theirs;
        let _ = writeln!(
            table,
            "| Hirekey added p99 vs LiteLLM's, c={} | < 1/20 | {:.3} ms vs {:.3} ms = 1/{:.0} (p50 {:+.3} vs {:+.3} ms) | {} |",
            cmp.concurrency,
            ours,
            theirs,
            1.0 / ratio.max(1e-9),
            cmp.added(0.50),
            added(lite, &cmp.direct, 0.50),
            verdict(ratio < 0.05, cmp.errors() + lite.errors)
        );
    }
    for cmp in [&c1, &c50] {
        let p99 = percentile(&cmp.via.server_ms, 0.99);
        let _ = writeln!(
            table,
            "| Server-side overhead p99 (Server-Timing), c={} | < 1 ms | {:.3} ms (median {:.3} ms) | {} |",
            cmp.concurrency,
            p99,
            percentile(&cmp.via.server_ms, 0.50),
            verdict(p99 < AI_BUDGET_MS, cmp.via.errors)
        );
    }
    let _ = writeln!(
        table,
        "| Settings GET req/s, c={CONCURRENCY_HIGH}, SQLite | >= 5,000 (2 cores) | {:.0} req/s ({} requests in {:.1} s, p99 {:.3} ms) | {} |",
        settings_rps,
        s.latency_ms.len(),
        elapsed,
        settings_p99,
        verdict(settings_rps >= SETTINGS_BUDGET_RPS, s.errors)
    );
    md.push_str(&table);
    let _ = writeln!(
        md,
        "\nAdded = via-Hirekey percentile minus direct percentile at the same concurrency (a \
         difference of percentiles). Server-Timing is Hirekey's own clock from key resolution to \
         the provider call (user/key lookup, decrypt): it leaves out the JWT check, routing, JSON \
         parsing and relaying the answer, which only the client-side difference includes. \
         Logging is at `warn` (RUST_LOG); production's default `info` writes one more line per \
         personal-key call."
    );
    if cores != 2 {
        let _ = writeln!(
            md,
            "\nNote: the settings budget is stated for 2 cores; this machine has {cores}."
        );
    }
    for (what, sample) in [
        ("direct c=1", &c1.direct),
        ("via c=1", &c1.via),
        ("direct c=50", &c50.direct),
        ("via c=50", &c50.via),
        ("settings GET", &s),
    ] {
        if let Some(e) = &sample.first_error {
            let _ = writeln!(
                md,
                "\n{what}: {} failed requests, first: `{e}`",
                sample.errors
            );
        }
    }

    println!("\n{md}");
    let dir = report_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("overhead.md");
    std::fs::write(&path, &md).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("report written to {}", path.display());
    Ok(())
}
