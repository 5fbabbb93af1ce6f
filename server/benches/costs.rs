//! `make bench`: what costs and budgets cost (issue "What the AI costs").
//!
//! 1. The usage and cost summary (`GET /api/v1/profile/usage?days=30`) of one heavy user with
//!    1,000,000 usage rows in the database (100,000 of them the user's, over 30 days; the rest
//!    nine other users'): under 50 ms.
//! 2. Checking a budget: a user whose personal key has a monthly budget (each call held from
//!    the instance's lease in memory and settled after it; the lease grown, and settled costs
//!    written, in batches) against one without, at concurrency 1 and 50:
//!    under 0.3 ms more at p99, by the server's own clock (`Server-Timing`: from key resolution
//!    to the provider call, where the reservation happens); the client-side difference, which
//!    includes the settlement beside the next call, is reported beside it.
//!
//! On SQLite and, where it is running, PostgreSQL. `HIREKEY_BENCH_QUICK=1` uses 100,000 rows
//! and 10x fewer calls (a smoke run, not a measurement).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::disallowed_macros
)]

use std::{
    fmt::Write as _,
    sync::Arc,
    time::{Duration, Instant},
};

mod support;

use anyhow::{bail, Context};
use bytes::Bytes;
use hirekey_core::entities::ai_usage;
use mock_provider::MockProvider;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use support::{
    bench_groq_key, client, ok, percentile, postgres_admin_url, quick, quick_note, run_count,
    start_in_process, write_report, Endpoint, Sample,
};
use uuid::Uuid;

const SUMMARY_BUDGET_MS: f64 = 50.0;
const BUDGET_CHECK_MS: f64 = 0.3;

async fn register(http: &reqwest::Client, hirekey: &str, email: &str) -> anyhow::Result<String> {
    let body = ok(
        http,
        Method::POST,
        format!("{hirekey}/api/v1/auth/register"),
        None,
        json!({"email": email, "password": "correct horse battery", "name": "Bench"}),
    )
    .await?;
    Ok(body["token"].as_str().context("no token")?.to_owned())
}

/// `n` usage rows for `user`, spread over the last 30 days, as a busy key makes them: four
/// models, four features, one call in fifty failed, one in twenty unpriced.
async fn fill_usage(
    db: &sea_orm::DatabaseConnection,
    user: Uuid,
    n: usize,
    seed: u64,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let models = [
        "llama-3.1-8b-instant",
        "llama-3.3-70b-versatile",
        "openai/gpt-oss-20b",
        "qwen/qwen3-32b",
    ];
    let features = ["chat", "resume_analysis", "candidate_chat", "search"];
    let mut x = seed | 1;
    let mut next = move || {
        // xorshift64: cheap, repeatable.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(5000);
        let rows = (0..batch).map(|_| {
            let r = next();
            let ok = r % 50 != 0;
            let prompt = (r >> 8) % 3000 + 50;
            let completion = if ok { (r >> 20) % 800 + 10 } else { 0 };
            let priced = r % 20 != 0;
            ai_usage::Model {
                id: Uuid::new_v4(),
                user_id: user,
                workspace_id: Some(user),
                key_source: "personal".into(),
                provider: "groq".into(),
                model: models[(r >> 32) as usize % models.len()].into(),
                feature: features[(r >> 36) as usize % features.len()].into(),
                prompt_tokens: prompt as i32,
                completion_tokens: completion as i32,
                latency_ms: ((r >> 40) % 2000 + 100) as i32,
                status: if ok { "ok" } else { "rate_limited" }.into(),
                remaining_requests: Some(1000),
                limit_requests: Some(14_400),
                remaining_tokens: Some(5000),
                limit_tokens: Some(6000),
                reset_requests: Some("2m59s".into()),
                cost_micro_usd: priced.then_some((prompt * 50 + completion * 80) as i64),
                fallback_from: None,
                created_at: now - chrono::Duration::seconds(((r >> 44) % (30 * 86_400)) as i64),
            }
        });
        // As the usage writer writes them: the rows and the roll-up, in one transaction.
        hirekey_core::services::usage::write_rows(db, rows.collect()).await?;
        done += batch;
    }
    Ok(())
}

/// Part 1: the summary of one heavy user among `total` rows.
async fn summary(
    md: &mut String,
    engine: &str,
    database_url: &str,
    total: usize,
) -> anyhow::Result<()> {
    let mock = MockProvider::start(0).await?;
    let data_dir = tempfile::tempdir()?;
    let hirekey = start_in_process(&mock.url(), data_dir.path(), database_url).await?;
    let http = client();
    let heavy = register(&http, &hirekey, "heavy@example.com").await?;
    let heavy_id: Uuid = ok(
        &http,
        Method::GET,
        format!("{hirekey}/api/v1/auth/me"),
        Some(&heavy),
        Value::Null,
    )
    .await?["id"]
        .as_str()
        .context("no id")?
        .parse()?;
    let db = Database::connect(database_url).await?;
    let started = Instant::now();
    let mine = total / 10;
    fill_usage(&db, heavy_id, mine, 7).await?;
    for i in 0..9u64 {
        let other = register(&http, &hirekey, &format!("other{i}@example.com")).await?;
        let other_id: Uuid = ok(
            &http,
            Method::GET,
            format!("{hirekey}/api/v1/auth/me"),
            Some(&other),
            Value::Null,
        )
        .await?["id"]
            .as_str()
            .context("no id")?
            .parse()?;
        fill_usage(&db, other_id, (total - mine) / 9, 11 + i).await?;
    }
    if engine == "PostgreSQL" {
        db.execute_unprepared("VACUUM ANALYZE ai_usage").await?;
        db.execute_unprepared("VACUUM ANALYZE ai_usage_daily")
            .await?;
    }
    eprintln!(
        "{engine}: {total} usage rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let url = format!("{hirekey}/api/v1/profile/usage?days=30");
    let mut times = Vec::new();
    let mut body = Value::Null;
    for i in 0..25 {
        let t = Instant::now();
        body = ok(&http, Method::GET, url.clone(), Some(&heavy), Value::Null).await?;
        if i >= 5 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let calls = body["total_calls"].as_u64().unwrap_or(0);
    if calls < mine as u64 * 9 / 10 {
        bail!("the summary counted {calls} calls of {mine}");
    }
    let p50 = percentile(&times, 0.5);
    let worst = times.iter().copied().fold(0.0, f64::max);
    let verdict = if p50 < SUMMARY_BUDGET_MS {
        "PASS"
    } else {
        "FAIL"
    };
    let _ = writeln!(
        md,
        "| usage and cost summary, 30 days, {engine}, {total} rows ({mine} the user's) | < {SUMMARY_BUDGET_MS} ms | p50 {p50:.1} ms, max {worst:.1} ms of {} requests (cost ${:.2}, {} unpriced calls) | {verdict} |",
        times.len(),
        body["cost_usd"].as_f64().unwrap_or(0.0),
        body["unpriced_calls"],
    );
    Ok(())
}

/// Part 2: calls on a budgeted key against calls on a key without one.
async fn budget_check(
    md: &mut String,
    engine: &str,
    database_url: &str,
    n: usize,
) -> anyhow::Result<()> {
    let mock = MockProvider::start(0).await?;
    let data_dir = tempfile::tempdir()?;
    let hirekey = start_in_process(&mock.url(), data_dir.path(), database_url).await?;
    let http = client();
    let free = register(&http, &hirekey, "free@example.com").await?;
    let held = register(&http, &hirekey, "held@example.com").await?;
    for token in [&free, &held] {
        ok(
            &http,
            Method::PUT,
            format!("{hirekey}/api/v1/profile/ai-settings"),
            Some(token),
            json!({"personal_groq_api_key": bench_groq_key(), "use_personal_ai_key": true}),
        )
        .await?;
    }
    ok(
        &http,
        Method::PUT,
        format!("{hirekey}/api/v1/profile/budget"),
        Some(&held),
        json!({"monthly_usd": 1_000_000.0}),
    )
    .await?;
    let chat = json!({"messages": [{"role": "user", "content": "hi"}]});
    let endpoint = |token: &str| {
        Arc::new(Endpoint {
            client: http.clone(),
            method: Method::POST,
            url: format!("{hirekey}/api/ai/chat"),
            bearer: format!("Bearer {token}"),
            body: Some(Bytes::from(serde_json::to_vec(&chat).unwrap())),
        })
    };
    let (a, b) = (endpoint(&free), endpoint(&held));
    for c in [1usize, 50] {
        let total = if c == 1 { n } else { n * 5 };
        eprintln!("{engine}: budget check, c={c}, {total} calls per path...");
        let _ = run_count(&a, total / 10 + c, c).await;
        let _ = run_count(&b, total / 10 + c, c).await;
        let (mut without, mut with) = (Sample::default(), Sample::default());
        for _ in 0..5 {
            without.merge(run_count(&a, total / 5, c).await);
            mock.clear();
            with.merge(run_count(&b, total / 5, c).await);
            mock.clear();
        }
        let added = percentile(&with.server_ms, 0.99) - percentile(&without.server_ms, 0.99);
        let client_added =
            percentile(&with.latency_ms, 0.99) - percentile(&without.latency_ms, 0.99);
        let errors = with.errors + without.errors;
        let verdict = if errors > 0 {
            format!("FAIL ({errors} errors)")
        } else if added < BUDGET_CHECK_MS {
            "PASS".to_owned()
        } else {
            "FAIL".to_owned()
        };
        let _ = writeln!(
            md,
            "| budget check, {engine}, c={c} | < {BUDGET_CHECK_MS} ms | {added:+.3} ms (server p99 {:.3} vs {:.3} ms; client p99 {client_added:+.3} ms; {} + {} calls) | {verdict} |",
            percentile(&with.server_ms, 0.99),
            percentile(&without.server_ms, 0.99),
            without.server_ms.len(),
            with.server_ms.len(),
        );
        for (what, s) in [("without", &without), ("with", &with)] {
            if let Some(e) = &s.first_error {
                let _ = writeln!(md, "\n{what} a budget: {} failed, first: `{e}`\n", s.errors);
            }
        }
    }
    // Every hold was settled: nothing is left reserved once the calls are done and the idle
    // lease has been given back (a second after its last call, written within a quarter).
    let db = Database::connect(database_url).await?;
    let mut held = None;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        held = db
            .query_one(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT CAST(SUM(reserved_micro_usd) AS BIGINT) AS held FROM budget_periods",
            ))
            .await?
            .and_then(|row| row.try_get::<Option<i64>>("", "held").ok())
            .flatten();
        if held.unwrap_or(0) == 0 {
            return Ok(());
        }
    }
    bail!("{held:?} micro-dollars are still held after every call ended")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    support::init_logs();
    let (rows, n) = if quick() {
        (100_000, 200)
    } else {
        (1_000_000, 2000)
    };
    let mut md = String::new();
    let _ = writeln!(md, "## Costs and budgets\n");
    let _ = writeln!(
        md,
        "| measure | budget | result | verdict |\n|---|---|---|---|"
    );
    let dir = tempfile::tempdir()?;
    let sqlite = |name: &str| format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    summary(&mut md, "SQLite", &sqlite("summary.db"), rows).await?;
    budget_check(&mut md, "SQLite", &sqlite("budget.db"), n).await?;
    match postgres_admin_url() {
        Some(admin) => {
            for part in ["summary", "budget"] {
                let name = format!("hirekey_costs_{part}_{}", Uuid::new_v4().simple());
                let url = support::create_postgres_database(&admin, &name).await?;
                let result = if part == "summary" {
                    summary(&mut md, "PostgreSQL", &url, rows).await
                } else {
                    budget_check(&mut md, "PostgreSQL", &url, n).await
                };
                support::drop_postgres_database(&admin, &name).await;
                result?;
            }
        }
        None => {
            let _ = writeln!(
                md,
                "| costs and budgets, PostgreSQL | | not measured (PostgreSQL not reachable) | SKIPPED |"
            );
        }
    }
    let _ = writeln!(
        md,
        "\nThe summary is timed through HTTP, after five warm-up requests. The budget check is \
         the budgeted path's p99 minus the unbudgeted one's by the server's own clock (the hold \
         is taken before the provider call); the client p99 difference includes the settlement \
         and the flusher's writes beside the following calls.{}",
        quick_note()
    );
    write_report("costs.md", &md)?;
    Ok(())
}
