//! `make bench`: what a workspace and its team key add to an AI call. A user calling on their
//! personal key in their personal workspace (today's path) against a member calling on the team
//! key of a shared workspace they switched to (the membership resolved, the team key looked up
//! and decrypted once, then cached), on SQLite and, where it is running, on PostgreSQL, at
//! concurrency 1 and 50. Budget (issue "Teams"): under 0.2 ms more at p99, measured with the
//! server's own clock (`Server-Timing`: from key resolution to the provider call), which is where
//! the two paths differ; the client-side latencies are reported beside it.
//!
//! Personal and team batches alternate so that machine noise hits both. The team workspace has
//! no rate limits here: a limit is a counter in the database on every call (reported on its own
//! line, not held to the budget). `HIREKEY_BENCH_QUICK=1` runs 10x fewer requests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::disallowed_macros
)]

use std::{fmt::Write as _, sync::Arc};

mod support;

use anyhow::{bail, Context};
use bytes::Bytes;
use mock_provider::MockProvider;
use reqwest::Method;
use serde_json::json;
use support::{
    bench_groq_key, client, ok, percentile, postgres_admin_url, quick, quick_note, run_count,
    start_in_process, write_report, Endpoint, Sample,
};

const BUDGET_MS: f64 = 0.2;

/// The two endpoints: the owner on their personal key, the member on the team key.
async fn setup(hirekey: &str) -> anyhow::Result<(Arc<Endpoint>, Arc<Endpoint>, String, String)> {
    let http = client();
    let register = |email: &'static str| {
        let http = http.clone();
        let url = format!("{hirekey}/api/v1/auth/register");
        async move {
            let body = ok(
                &http,
                Method::POST,
                url,
                None,
                json!({"email": email, "password": "correct horse battery", "name": "Bench"}),
            )
            .await?;
            anyhow::Ok(body["token"].as_str().context("no token")?.to_owned())
        }
    };
    let owner = register("owner@example.com").await?;
    let member = register("member@example.com").await?;
    ok(
        &http,
        Method::PUT,
        format!("{hirekey}/api/v1/profile/ai-settings"),
        Some(&owner),
        json!({"personal_groq_api_key": bench_groq_key(), "use_personal_ai_key": true}),
    )
    .await?;
    let team = ok(
        &http,
        Method::POST,
        format!("{hirekey}/api/v1/workspaces"),
        Some(&owner),
        json!({"name": "Bench Team"}),
    )
    .await?["id"]
        .as_str()
        .context("no workspace id")?
        .to_owned();
    ok(
        &http,
        Method::PUT,
        format!("{hirekey}/api/v1/workspaces/{team}/ai-settings"),
        Some(&owner),
        json!({"api_key": bench_groq_key()}),
    )
    .await?;
    let invite = ok(
        &http,
        Method::POST,
        format!("{hirekey}/api/v1/workspaces/{team}/invites"),
        Some(&owner),
        json!({"email": "member@example.com", "role": "recruiter"}),
    )
    .await?["token"]
        .as_str()
        .context("no invite token")?
        .to_owned();
    ok(
        &http,
        Method::POST,
        format!("{hirekey}/api/v1/workspaces/join"),
        Some(&member),
        json!({"token": invite}),
    )
    .await?;
    ok(
        &http,
        Method::PUT,
        format!("{hirekey}/api/v1/workspaces/current"),
        Some(&member),
        json!({"workspace_id": team}),
    )
    .await?;
    let chat = json!({"messages": [{"role": "user", "content": "hi"}]});
    for (token, source) in [(&owner, "personal"), (&member, "team")] {
        let body = ok(
            &http,
            Method::POST,
            format!("{hirekey}/api/ai/chat"),
            Some(token),
            chat.clone(),
        )
        .await?;
        if body["meta"]["key_source"] != source {
            bail!("expected a call on the {source} key: {body}");
        }
    }
    let endpoint = |token: &str| {
        Arc::new(Endpoint {
            client: http.clone(),
            method: Method::POST,
            url: format!("{hirekey}/api/ai/chat"),
            bearer: format!("Bearer {token}"),
            body: Some(Bytes::from(serde_json::to_vec(&chat).unwrap())),
        })
    };
    Ok((endpoint(&owner), endpoint(&member), owner, team))
}

/// Alternating batches of the two paths.
async fn compare(
    personal: &Arc<Endpoint>,
    team: &Arc<Endpoint>,
    n: usize,
    concurrency: usize,
) -> (Sample, Sample) {
    let rounds = 5;
    let _ = run_count(personal, n / 10 + concurrency, concurrency).await;
    let _ = run_count(team, n / 10 + concurrency, concurrency).await;
    let (mut p, mut t) = (Sample::default(), Sample::default());
    for _ in 0..rounds {
        p.merge(run_count(personal, n / rounds, concurrency).await);
        t.merge(run_count(team, n / rounds, concurrency).await);
    }
    (p, t)
}

fn row(md: &mut String, engine: &str, c: usize, p: &Sample, t: &Sample, held: bool) {
    let (p99p, p99t) = (
        percentile(&p.server_ms, 0.99),
        percentile(&t.server_ms, 0.99),
    );
    let added = p99t - p99p;
    let client_added = percentile(&t.latency_ms, 0.99) - percentile(&p.latency_ms, 0.99);
    let errors = p.errors + t.errors;
    let verdict = if !held {
        "INFO".to_owned()
    } else if errors > 0 {
        format!("FAIL ({errors} errors)")
    } else if added < BUDGET_MS {
        "PASS".to_owned()
    } else {
        "FAIL".to_owned()
    };
    let _ = writeln!(
        md,
        "| team key vs personal key{}, {engine}, c={c} | < {BUDGET_MS} ms | {added:+.3} ms (server p99 {p99t:.3} vs {p99p:.3} ms; client p99 {client_added:+.3} ms; {} + {} requests) | {verdict} |",
        if held { "" } else { " with both team limits" },
        p.server_ms.len(),
        t.server_ms.len(),
    );
    for (what, s) in [("personal", p), ("team", t)] {
        if let Some(e) = &s.first_error {
            let _ = writeln!(md, "\n{what}: {} failed, first: `{e}`\n", s.errors);
        }
    }
}

async fn measure(
    md: &mut String,
    engine: &str,
    database_url: &str,
    n: usize,
) -> anyhow::Result<()> {
    let mock = MockProvider::start(0).await?;
    let data_dir = tempfile::tempdir()?;
    let hirekey = start_in_process(&mock.url(), data_dir.path(), database_url).await?;
    let (personal, team, owner, team_id) = setup(&hirekey).await?;
    for c in [1, 50] {
        eprintln!("{engine}: c={c}, {n} requests per path...");
        let (p, t) = compare(&personal, &team, if c == 1 { n } else { n * 5 }, c).await;
        row(md, engine, c, &p, &t, true);
    }
    // With both limits set (high enough never to refuse): the counters' cost, for information.
    ok(
        &client(),
        Method::PATCH,
        format!("{hirekey}/api/v1/workspaces/{team_id}"),
        Some(&owner),
        json!({"team_calls_per_minute": 100000, "member_calls_per_minute": 100000}),
    )
    .await?;
    let (p, t) = compare(&personal, &team, n, 1).await;
    row(md, engine, 1, &p, &t, false);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    support::init_logs();
    let n = if quick() { 200 } else { 2000 };
    let mut md = String::new();
    let _ = writeln!(md, "## Workspaces and the team key\n");
    let _ = writeln!(
        md,
        "| measure | budget | result | verdict |\n|---|---|---|---|"
    );
    let sqlite_dir = tempfile::tempdir()?;
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        sqlite_dir.path().join("bench.db").display()
    );
    measure(&mut md, "SQLite", &sqlite, n).await?;
    match postgres_admin_url() {
        Some(admin) => {
            let name = format!("hirekey_teams_{}", uuid::Uuid::new_v4().simple());
            let url = support::create_postgres_database(&admin, &name).await?;
            let result = measure(&mut md, "PostgreSQL", &url, n).await;
            support::drop_postgres_database(&admin, &name).await;
            result?;
        }
        None => {
            let _ = writeln!(
                md,
                "| team key vs personal key, PostgreSQL | < {BUDGET_MS} ms | not measured (PostgreSQL not reachable) | SKIPPED |"
            );
        }
    }
    let _ = writeln!(
        md,
        "\nAdded = the team path's p99 minus the personal path's, by the server's own clock \
         (`Server-Timing`: key resolution to the provider call). The team workspace is the \
         member's current one (`PUT /api/v1/workspaces/current`).{}",
        quick_note()
    );
    write_report("teams.md", &md)?;
    Ok(())
}
