//! `make bench`: how long a change made on one instance takes to reach another instance's
//! caches. Two instances, A and B, run in this process on one fresh PostgreSQL database;
//! a user's key is replaced through A's API `HIREKEY_NOTIFY_CHANGES` times (200; 20 with
//! `HIREKEY_BENCH_QUICK=1`), one after another, and B's listener records for each notification
//! the time from its publication on A (inside the transaction, just before the commit) to B's
//! cache entry dropped (`services::notify`). Both instances share the machine's clock, so the
//! figures need no clock correction. Skipped, with a message and a report that says so, when
//! PostgreSQL is not reachable.
//!
//! The report is printed and written to `target/bench/notify.md`.

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
    time::{Duration, Instant},
};

mod support;

use anyhow::{bail, Context};
use mock_provider::MockProvider;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;
use server::{config::Config, startup::Application, state::AppState};
use support::{call_json, client, init_logs, percentile, postgres_admin_url, quick, report_dir};

/// One instance: its URL and its state (whose listener figures are read in process).
struct Instance {
    url: String,
    state: AppState,
    _data_dir: tempfile::TempDir,
    _mock: MockProvider,
}

async fn start(database_url: &str, master: &str) -> anyhow::Result<Instance> {
    let mock = MockProvider::start(0).await?;
    let data_dir = tempfile::tempdir()?;
    let mut env = support::mock_config_env(&mock.url(), data_dir.path(), database_url);
    env.insert("HIREKEY_MASTER_KEY", master.to_owned());
    env.insert(
        "HIREKEY_JWT_SECRET",
        "a-shared-secret-of-at-least-32-characters".to_owned(),
    );
    let config = Config::from_lookup(|k| env.get(k).cloned()).context("config")?;
    let app = Application::build(config)
        .await
        .context("Application::build")?;
    let url = format!("http://{}", app.local_addr());
    let state = app.state.clone();
    tokio::spawn(async move {
        if let Err(e) = app.run_until_stopped().await {
            eprintln!("hirekey stopped: {e:#}");
        }
    });
    Ok(Instance {
        url,
        state,
        _data_dir: data_dir,
        _mock: mock,
    })
}

/// A Groq-format key per replacement (`gsk_` + 52 hex digits: none of the mock's failure words).
fn key(n: usize) -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let mut k = format!("gsk_{a}{n:020}");
    k.truncate(56);
    k
}

async fn wait_listening(instance: &Instance) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let health = instance
            .state
            .notifications
            .health()
            .context("no listener")?;
        if health.state == "listening" {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the listener did not connect: {}", health.state);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn measure(database_url: &str, changes: usize) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let master = hirekey_core::vault::MasterKey::generate().to_base64();
    let (a, b) = tokio::join!(start(database_url, &master), start(database_url, &master));
    let (a, b) = (a?, b?);
    wait_listening(&a).await?;
    wait_listening(&b).await?;
    let http = client();
    let (status, _, body) = call_json(
        &http,
        Method::POST,
        &format!("{}/api/v1/auth/register", a.url),
        None,
        json!({"email": "notify@example.com", "password": "correct horse battery", "name": "Notify"}),
    )
    .await?;
    if status != reqwest::StatusCode::CREATED {
        bail!("register: {status} {body}");
    }
    let token = body["token"].as_str().context("no token")?.to_owned();
    // What the writer's answer costs, notification and echo wait included.
    let mut write_ms = Vec::with_capacity(changes);
    for n in 0..changes {
        let before = b.state.notifications.received();
        let started = Instant::now();
        let (status, _, body) = call_json(
            &http,
            Method::PUT,
            &format!("{}/api/v1/profile/ai-settings", a.url),
            Some(&token),
            json!({"personal_groq_api_key": key(n), "use_personal_ai_key": true}),
        )
        .await?;
        write_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        if status != reqwest::StatusCode::OK {
            bail!("replacement {n}: {status} {body}");
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while b.state.notifications.received() <= before {
            if Instant::now() > deadline {
                bail!("B did not receive replacement {n} within 2 s");
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    let latencies = b.state.notifications.latencies_ms();
    if latencies.len() < changes {
        bail!("B recorded {} of {changes} latencies", latencies.len());
    }
    Ok((latencies, write_ms))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logs();
    let quick = quick();
    let changes: usize = std::env::var("HIREKEY_NOTIFY_CHANGES")
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(if quick { 20 } else { 200 });

    let mut out = String::new();
    writeln!(out, "## Change notifications across instances\n")?;
    let Some(admin) = postgres_admin_url() else {
        eprintln!("warning: PostgreSQL is not reachable; the notification latency is not measured");
        writeln!(out, "Not measured: PostgreSQL was not reachable.")?;
        return write_report(&out);
    };
    let name = format!("hirekey_notify_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(admin.as_str()).await?;
    db.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    let base = admin
        .rsplit_once('/')
        .map_or(admin.clone(), |(b, _)| b.to_owned());
    let result = measure(&format!("{base}/{name}"), changes).await;
    let _ = db
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
    let (latencies, write_ms) = result?;

    writeln!(
        out,
        "Two instances in one process on one PostgreSQL database; {changes} key replacements \
         through A, one after another{}. Latency: from the notification's publication on A \
         (inside the change's transaction) to B's cache entry dropped, as B's listener \
         recorded it.\n",
        if quick {
            " (quick mode: a smoke run, not a measurement)"
        } else {
            ""
        }
    )?;
    writeln!(out, "| measure | p50 ms | p99 ms | max ms |")?;
    writeln!(out, "|---|---|---|---|")?;
    let max = |v: &[f64]| v.iter().copied().fold(f64::NAN, f64::max);
    writeln!(
        out,
        "| change on A → cache dropped on B | {:.2} | {:.2} | {:.2} |",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        max(&latencies)
    )?;
    writeln!(
        out,
        "| key replacement answered by A (live key test on the mock, commit, echo wait) | {:.2} | {:.2} | {:.2} |",
        percentile(&write_ms, 0.5),
        percentile(&write_ms, 0.99),
        max(&write_ms)
    )?;
    write_report(&out)
}

fn write_report(out: &str) -> anyhow::Result<()> {
    println!("{out}");
    let dir = report_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("notify.md"), out)?;
    Ok(())
}
