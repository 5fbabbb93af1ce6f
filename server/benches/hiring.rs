//! `make bench`: the board of a big job (issue "The hiring loop").
//!
//! One workspace with 100,000 candidates, 10,000 of them applied to one job and spread over
//! its stages. Budgets (p95, through HTTP):
//! 1. the board's first page of every column (`GET /api/v1/jobs/{id}/applications?stage=<s>`
//!    for each of the six stages, as the Job page loads them): under 50 ms each;
//! 2. a stage move (`PATCH /api/v1/applications/{id}` with the `stage_version` seen): under
//!    20 ms.
//!
//! On SQLite and, where it is running, PostgreSQL. `HIREKEY_BENCH_QUICK=1` uses 10,000
//! candidates, 2,000 applications and fewer requests (a smoke run, not a measurement).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::disallowed_macros
)]

use std::{fmt::Write as _, time::Instant};

mod support;

use anyhow::Context;
use hirekey_core::entities::{applications, candidates};
use mock_provider::MockProvider;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, EntityTrait, Set};
use serde_json::{json, Value};
use support::{
    client, ok, percentile, postgres_admin_url, quick, quick_note, start_in_process, write_report,
};
use uuid::Uuid;

const COLUMN_BUDGET_MS: f64 = 50.0;
const MOVE_BUDGET_MS: f64 = 20.0;
const SKILLS: [&str; 8] = [
    "Rust", "Go", "Python", "SQL", "Kafka", "React", "AWS", "Figma",
];

async fn fill(
    db: &sea_orm::DatabaseConnection,
    workspace: Uuid,
    job: Uuid,
    stages: &[Uuid],
    candidates_n: usize,
    applied_n: usize,
) -> anyhow::Result<Vec<Uuid>> {
    let base = chrono::Utc::now() - chrono::Duration::days(90);
    let mut applied = Vec::with_capacity(applied_n);
    let mut i = 0;
    while i < candidates_n {
        let end = (i + 500).min(candidates_n);
        let mut cands = Vec::with_capacity(end - i);
        let mut apps = Vec::new();
        for k in i..end {
            let id = Uuid::new_v4();
            let at = base + chrono::Duration::seconds(k as i64 * 60);
            let skills: Vec<&str> = (0..3).map(|s| SKILLS[(k + s * 3) % SKILLS.len()]).collect();
            cands.push(candidates::ActiveModel {
                id: Set(id),
                owner_id: Set(workspace),
                workspace_id: Set(workspace),
                name: Set(Some(format!("Candidate {k}"))),
                email: Set(Some(format!("c{k}@example.com"))),
                current_title: Set(Some("Engineer".into())),
                skills: Set(serde_json::to_string(&skills)?),
                summary: Set(None),
                analysis: Set(None),
                analysis_status: Set("done".into()),
                analysis_error: Set(None),
                key_source: Set(None),
                search_text: Set(format!("candidate {k} engineer")),
                warnings: Set(None),
                email_key: Set(Some(format!("c{k}@example.com"))),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            });
            // Every n-th candidate applied, until the job has `applied_n`.
            if k % (candidates_n / applied_n).max(1) == 0 && applied.len() < applied_n {
                let app = Uuid::new_v4();
                // Most cards early in the pipeline, as a real job's are.
                let stage = stages[match applied.len() % 20 {
                    0..=9 => 0,
                    10..=14 => 1,
                    15..=16 => 2,
                    17 => 3,
                    18 => 4,
                    _ => 5,
                }];
                apps.push(applications::ActiveModel {
                    id: Set(app),
                    workspace_id: Set(workspace),
                    job_id: Set(job),
                    candidate_id: Set(id),
                    stage_id: Set(stage),
                    stage_version: Set(0),
                    rejection_reason: Set(None),
                    stage_entered_at: Set(at),
                    created_by: Set(workspace),
                    created_at: Set(at),
                    updated_at: Set(at),
                });
                applied.push(app);
            }
        }
        candidates::Entity::insert_many(cands).exec(db).await?;
        if !apps.is_empty() {
            applications::Entity::insert_many(apps).exec(db).await?;
        }
        i = end;
    }
    Ok(applied)
}

async fn timed(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    token: &str,
    body: Value,
) -> anyhow::Result<(f64, Value)> {
    let started = Instant::now();
    let value = ok(http, method, url.to_owned(), Some(token), body).await?;
    Ok((started.elapsed().as_secs_f64() * 1000.0, value))
}

async fn board(
    md: &mut String,
    engine: &str,
    database_url: &str,
    candidates_n: usize,
    applied_n: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    let mock = MockProvider::start(0).await?;
    let data_dir = tempfile::tempdir()?;
    let hirekey = start_in_process(&mock.url(), data_dir.path(), database_url).await?;
    let http = client();
    let token = ok(
        &http,
        Method::POST,
        format!("{hirekey}/api/v1/auth/register"),
        None,
        json!({"email": "board@example.com", "password": "correct horse battery", "name": "Bench"}),
    )
    .await?["token"]
        .as_str()
        .context("no token")?
        .to_owned();
    let me = ok(
        &http,
        Method::GET,
        format!("{hirekey}/api/v1/auth/me"),
        Some(&token),
        Value::Null,
    )
    .await?;
    let workspace: Uuid = me["id"].as_str().context("no id")?.parse()?;
    let job = ok(
        &http,
        Method::POST,
        format!("{hirekey}/api/v1/jobs"),
        Some(&token),
        json!({"title": "Big job", "status": "open"}),
    )
    .await?;
    let job_id: Uuid = job["id"].as_str().context("no job id")?.parse()?;
    let stages: Vec<Uuid> = job["stages"]
        .as_array()
        .context("no stages")?
        .iter()
        .map(|s| s["id"].as_str().unwrap_or_default().parse())
        .collect::<Result<_, _>>()?;
    let db = Database::connect(database_url).await?;
    let started = Instant::now();
    let applied = fill(&db, workspace, job_id, &stages, candidates_n, applied_n).await?;
    if engine == "PostgreSQL" {
        db.execute_unprepared("VACUUM ANALYZE candidates").await?;
        db.execute_unprepared("VACUUM ANALYZE applications").await?;
    }
    eprintln!(
        "{engine}: {candidates_n} candidates, {} applications in {:.1} s",
        applied.len(),
        started.elapsed().as_secs_f64()
    );

    // The board: each column's first page, as the Job page loads it.
    let mut column_ms = Vec::new();
    for round in 0..rounds + 3 {
        for stage in &stages {
            let url =
                format!("{hirekey}/api/v1/jobs/{job_id}/applications?stage={stage}&per_page=25");
            let (ms, page) = timed(&http, Method::GET, &url, &token, Value::Null).await?;
            if round >= 3 {
                column_ms.push(ms);
            }
            anyhow::ensure!(page["items"].is_array(), "no items: {page}");
        }
    }
    // Moves: a card to the next stage, with the version seen, and back.
    let mut move_ms = Vec::new();
    for (i, app) in applied
        .iter()
        .cycle()
        .step_by(7)
        .take(rounds * 10 + 10)
        .enumerate()
    {
        let url = format!("{hirekey}/api/v1/applications/{app}");
        let card = ok(&http, Method::GET, url.clone(), Some(&token), Value::Null).await?;
        let version = card["stage_version"].as_i64().unwrap_or(0);
        let to = if card["stage_id"] == stages[1].to_string() {
            stages[2]
        } else {
            stages[1]
        };
        let (ms, _) = timed(
            &http,
            Method::PATCH,
            &url,
            &token,
            json!({"stage": to.to_string(), "stage_version": version}),
        )
        .await?;
        if i >= 10 {
            move_ms.push(ms);
        }
    }
    let column_p95 = percentile(&column_ms, 0.95);
    let move_p95 = percentile(&move_ms, 0.95);
    let verdict = |v: f64, budget: f64| if v < budget { "PASS" } else { "**MISSED**" };
    let _ = writeln!(
        md,
        "| board, first page of a column ({} applications, {candidates_n} candidates), p95, {engine} | < {COLUMN_BUDGET_MS} ms | {column_p95:.1} ms (p50 {:.1} ms, {} requests) | {} |",
        applied.len(),
        percentile(&column_ms, 0.5),
        column_ms.len(),
        verdict(column_p95, COLUMN_BUDGET_MS)
    );
    let _ = writeln!(
        md,
        "| stage move, p95, {engine} | < {MOVE_BUDGET_MS} ms | {move_p95:.1} ms (p50 {:.1} ms, {} moves) | {} |",
        percentile(&move_ms, 0.5),
        move_ms.len(),
        verdict(move_p95, MOVE_BUDGET_MS)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    support::init_logs();
    let (candidates_n, applied_n, rounds) = if quick() {
        (10_000, 2_000, 5)
    } else {
        (100_000, 10_000, 30)
    };
    let mut md = String::new();
    let _ = writeln!(md, "## The hiring loop: a big job's board\n");
    let _ = writeln!(
        md,
        "| measure | budget | result | verdict |\n|---|---|---|---|"
    );
    let dir = tempfile::tempdir()?;
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("board.db").display()
    );
    board(&mut md, "SQLite", &sqlite, candidates_n, applied_n, rounds).await?;
    match postgres_admin_url() {
        Some(admin) => {
            let name = format!("hirekey_board_{}", Uuid::new_v4().simple());
            let url = support::create_postgres_database(&admin, &name).await?;
            let result = board(&mut md, "PostgreSQL", &url, candidates_n, applied_n, rounds).await;
            support::drop_postgres_database(&admin, &name).await;
            result?;
        }
        None => {
            let _ = writeln!(
                md,
                "| board, PostgreSQL | | not measured (PostgreSQL not reachable) | SKIPPED |"
            );
        }
    }
    let _ = writeln!(
        md,
        "\nEach request is timed through HTTP on loopback, after three warm-up rounds. A column's \
         page is 25 cards with each card's candidate (name, title, first skills); a move is one \
         conditional `UPDATE` on the card's `stage_version` and its timeline event, in one \
         transaction.{}",
        quick_note()
    );
    write_report("hiring.md", &md)?;
    Ok(())
}
