//! `make bench`: the AI-call path's tail, pinned. Hirekey (the release binary `make build`
//! made, on SQLite) runs alone on core 0; an instant provider (nginx answering a fixed
//! completion) and this load generator share core 1. At concurrency 1, the same chat call goes
//! straight to nginx, through Hirekey on a key without a budget, and through Hirekey on a key
//! with one (a hold before the call and a settlement after it, both in memory against the
//! instance's lease; the flusher writes settled costs four times a second). Budget (issue
//! "What the AI costs"): Hirekey adds under 0.5 ms at p99 on the budgeted path. p50, p90,
//! p99 and p99.9 are reported for every path.
//!
//! Skipped (and said so) on a machine with fewer than two cores or without nginx.
//! `HIREKEY_BENCH_QUICK=1` runs 10x fewer calls.
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
    time::Duration,
};

mod support;

use anyhow::{bail, Context};
use bytes::Bytes;
use reqwest::Method;
use serde_json::json;
use support::{
    bench_groq_key, client, ok, percentile, quick, quick_note, run_count, Endpoint, Sample,
};

const ADDED_P99_BUDGET_MS: f64 = 0.5;

/// A child process killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// This process (and the threads it starts from now on) on `core` only.
fn pin_to(core: usize) -> anyhow::Result<()> {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes inside it; the call reads it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            bail!("sched_setaffinity: {}", std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// nginx on `core`, answering every chat completion with one fixed answer and `/models` with
/// one model, at once.
fn start_nginx(dir: &std::path::Path, port: u16, core: usize) -> anyhow::Result<Process> {
    let completion = r#"{"id":"chatcmpl-tail","object":"chat.completion","created":1,"model":"llama-3.1-8b-instant","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}"#;
    let models = r#"{"object":"list","data":[{"id":"llama-3.1-8b-instant","object":"model"}]}"#;
    let conf = format!(
        "worker_processes 1;\nerror_log {dir}/error.log;\npid {dir}/nginx.pid;\nevents {{ worker_connections 1024; }}\n\
         http {{\n access_log off;\n client_body_temp_path {dir}/body;\n proxy_temp_path {dir}/proxy;\n\
         fastcgi_temp_path {dir}/fastcgi;\n uwsgi_temp_path {dir}/uwsgi;\n scgi_temp_path {dir}/scgi;\n\
         keepalive_requests 1000000;\n server {{\n  listen 127.0.0.1:{port};\n\
          location ~ /chat/completions$ {{ default_type application/json; return 200 '{completion}'; }}\n\
          location ~ /models$ {{ default_type application/json; return 200 '{models}'; }}\n }}\n}}\n",
        dir = dir.display(),
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf)?;
    let nginx = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|n| Command::new(n).arg("-v").output().is_ok())
        .context("nginx is not installed")?;
    let child = Command::new("taskset")
        .args(["-c", &core.to_string(), nginx, "-p"])
        .arg(dir)
        .arg("-c")
        .arg(&path)
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting nginx")?;
    Ok(Process(child))
}

fn start_hirekey(
    data: &std::path::Path,
    port: u16,
    provider: u16,
    core: usize,
) -> anyhow::Result<Process> {
    let exe = support::release_binary()?;
    let provider = format!("http://127.0.0.1:{provider}");
    let mut command = Command::new("taskset");
    command.args(["-c", &core.to_string()]).arg(&exe);
    support::serve_in(&mut command, data, port);
    let child = command
        .env("HIREKEY_GROQ_BASE_URL", &provider)
        .env("GROQ_API_KEY", "")
        .env("HIREKEY_REGISTRATION", "open")
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    Ok(Process(child))
}

async fn wait_for(url: &str) -> anyhow::Result<()> {
    let probe = client();
    for _ in 0..200 {
        if probe.get(url).send().await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{url} did not answer within 20 s")
}

/// A user calling on a personal Groq key (on nginx), with a budget if `budget`.
async fn user(
    http: &reqwest::Client,
    hirekey: &str,
    email: &str,
    budget: bool,
) -> anyhow::Result<String> {
    let body = ok(
        http,
        Method::POST,
        format!("{hirekey}/api/v1/auth/register"),
        None,
        json!({"email": email, "password": "correct horse battery", "name": "Tail"}),
    )
    .await?;
    let token = body["token"].as_str().context("no token")?.to_owned();
    ok(
        http,
        Method::PUT,
        format!("{hirekey}/api/v1/profile/ai-settings"),
        Some(&token),
        json!({"personal_groq_api_key": bench_groq_key(), "use_personal_ai_key": true}),
    )
    .await?;
    if budget {
        ok(
            http,
            Method::PUT,
            format!("{hirekey}/api/v1/profile/budget"),
            Some(&token),
            json!({"monthly_usd": 1_000_000.0}),
        )
        .await?;
    }
    Ok(token)
}

fn line(md: &mut String, what: &str, s: &Sample) {
    let p = |q| percentile(&s.latency_ms, q);
    let _ = writeln!(
        md,
        "| {what} | {:.3} | {:.3} | {:.3} | {:.3} | {} |",
        p(0.5),
        p(0.9),
        p(0.99),
        p(0.999),
        s.latency_ms.len()
    );
}

fn main() -> anyhow::Result<()> {
    let mut md = String::new();
    let _ = writeln!(md, "## The AI-call path's tail, pinned\n");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 {
        let _ = writeln!(
            md,
            "Skipped: this machine has {cores} core(s); the run needs two."
        );
        return finish(&md);
    }
    // The load generator (and everything this process starts) on core 1, beside nginx.
    pin_to(1)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(measure(&mut md))?;
    finish(&md)
}

async fn measure(md: &mut String) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let nginx_port = free_port()?;
    let _nginx = match start_nginx(dir.path(), nginx_port, 1) {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(md, "Skipped: {e:#}.");
            return Ok(());
        }
    };
    let data = tempfile::tempdir()?;
    let port = free_port()?;
    let _hirekey = start_hirekey(data.path(), port, nginx_port, 0)?;
    let hirekey = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{hirekey}/healthz")).await?;
    wait_for(&format!("http://127.0.0.1:{nginx_port}/models")).await?;
    let http = client();
    let free = user(&http, &hirekey, "free@example.com", false).await?;
    let held = user(&http, &hirekey, "held@example.com", true).await?;
    let chat = json!({"messages": [{"role": "user", "content": "hi"}]});
    let body = Bytes::from(serde_json::to_vec(&chat)?);
    let endpoint = |url: String, bearer: String| {
        Arc::new(Endpoint {
            client: http.clone(),
            method: Method::POST,
            url,
            bearer,
            body: Some(body.clone()),
        })
    };
    let direct = endpoint(
        format!("http://127.0.0.1:{nginx_port}/chat/completions"),
        format!("Bearer {}", bench_groq_key()),
    );
    let plain = endpoint(format!("{hirekey}/api/ai/chat"), format!("Bearer {free}"));
    let budgeted = endpoint(format!("{hirekey}/api/ai/chat"), format!("Bearer {held}"));
    let n = if quick() { 1_000 } else { 10_000 };
    let targets = [&direct, &plain, &budgeted];
    for t in targets {
        let warm = run_count(t, n / 10, 1).await;
        if let Some(e) = warm.first_error {
            bail!("warm-up failed: {e}");
        }
    }
    let mut samples = [Sample::default(), Sample::default(), Sample::default()];
    let rounds = 10;
    for round in 0..rounds {
        for step in 0..targets.len() {
            let which = (round + step) % targets.len();
            samples[which].merge(run_count(targets[which], n / rounds, 1).await);
        }
    }
    let [d, p, b] = samples;
    let _ = writeln!(md, "| path, concurrency 1 | p50 ms | p90 ms | p99 ms | p99.9 ms | calls |\n|---|---|---|---|---|---|");
    line(md, "straight to nginx", &d);
    line(md, "through Hirekey, no budget", &p);
    line(md, "through Hirekey, with a budget", &b);
    let added = |s: &Sample| percentile(&s.latency_ms, 0.99) - percentile(&d.latency_ms, 0.99);
    let errors = d.errors + p.errors + b.errors;
    let verdict = if errors > 0 {
        format!("FAIL ({errors} errors)")
    } else if added(&b) < ADDED_P99_BUDGET_MS {
        "PASS".to_owned()
    } else {
        "FAIL".to_owned()
    };
    let _ = writeln!(
        md,
        "\n| measure | budget | result | verdict |\n|---|---|---|---|\n| added p99, pinned, c=1, with a budget | < {ADDED_P99_BUDGET_MS} ms | {:+.3} ms (without a budget {:+.3} ms) | {verdict} |",
        added(&b),
        added(&p)
    );
    let _ = writeln!(
        md,
        "\nHirekey on core 0 alone (SQLite, `RUST_LOG=warn`); nginx and the load generator on core 1. \
         Batches of the three paths alternate.{}",
        quick_note()
    );
    Ok(())
}

fn finish(md: &str) -> anyhow::Result<()> {
    support::write_report("tail.md", md)
}
