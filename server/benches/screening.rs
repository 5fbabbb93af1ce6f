//! `make bench`: AI screening (issue "AI screening against a job").
//!
//! Budgets:
//! 1. a run of 1,000 applications against the instant mock provider, on a key with no rate
//!    limit, finishes in under 60 s on 2 cores (SQLite and, where it is running, PostgreSQL);
//! 2. Hirekey's own work per application (redaction, the prompt, checking the quotes and the
//!    score) is under 5 ms at p99, on 1,000 resumes of 2 to 12 KB of text.
//!
//! `HIREKEY_BENCH_QUICK=1` screens 200 applications (a smoke run, not a measurement).
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

use anyhow::Context;
use hirekey_core::{
    entities::{applications, candidates, resumes},
    services::screening::{prompt, worker},
};
use mock_provider::MockProvider;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, EntityTrait, Set};
use serde_json::{json, Value};
use support::{
    client, ok, percentile, postgres_admin_url, quick, quick_note, start_in_process, write_report,
};
use types::screening::{Criterion, CriterionKind};
use uuid::Uuid;

const RUN_BUDGET_S: f64 = 60.0;
const WORK_BUDGET_MS: f64 = 5.0;
const FIRST: [&str; 8] = [
    "Ada", "Ben", "Chiara", "Dmitri", "Esi", "Farah", "Goran", "Hana",
];
const LAST: [&str; 8] = [
    "Lovelace", "Okafor", "Rossi", "Ivanov", "Mensah", "Haddad", "Novak", "Sato",
];
const LINES: [&str; 10] = [
    "Built Rust services handling 40,000 requests a second at Acme",
    "Ran Kubernetes clusters across three regions",
    "Led a team of five engineers through a PostgreSQL migration",
    "Wrote Python tooling for data pipelines with Airflow",
    "Designed Kafka event streams for payments",
    "Mentored junior developers and ran code reviews",
    "Cut cloud costs by 30% by rightsizing AWS instances",
    "Maintained React front ends for internal tools",
    "On call for a 99.95% availability service",
    "Speaker at RustConf 2024 on async runtimes",
];

/// A resume of `lines` lines, with a name, contact details, an address and personal details.
fn resume(k: usize, lines: usize) -> String {
    let first = FIRST[k % FIRST.len()];
    let last = LAST[(k / 8) % LAST.len()];
    let mut text = format!(
        "{first} {last}\n{}.{}{k}@example.com | +44 20 7946 {:04}\n{} Baker Street, London NW1 6XE\n\
Date of birth: 14/03/1988 · Nationality: British\nlinkedin.com/in/{}{k}\n\nExperience\n",
        first.to_lowercase(),
        last.to_lowercase(),
        k % 10_000,
        k % 300 + 1,
        last.to_lowercase()
    );
    for i in 0..lines {
        let _ = writeln!(
            text,
            "- {} ({})",
            LINES[(k + i) % LINES.len()],
            2010 + (i % 14)
        );
    }
    text
}

fn criteria() -> Vec<Criterion> {
    vec![
        Criterion {
            text: "Rust in production".into(),
            kind: CriterionKind::Must,
        },
        Criterion {
            text: "Kubernetes".into(),
            kind: CriterionKind::Must,
        },
        Criterion {
            text: "PostgreSQL".into(),
            kind: CriterionKind::Nice,
        },
        Criterion {
            text: "Kafka".into(),
            kind: CriterionKind::Nice,
        },
        Criterion {
            text: "Mentoring".into(),
            kind: CriterionKind::Nice,
        },
    ]
}

/// A key in Groq's format that the mock answers without rate-limit headers.
fn unlimited_key() -> String {
    let tail = support::bench_groq_key();
    format!("gsk_nolimit{}", &tail[11..])
}

async fn seed(
    db: &sea_orm::DatabaseConnection,
    workspace: Uuid,
    job: Uuid,
    stage: Uuid,
    n: usize,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let mut k = 0;
    while k < n {
        let end = (k + 200).min(n);
        let (mut cands, mut texts, mut apps) = (Vec::new(), Vec::new(), Vec::new());
        for i in k..end {
            let id = Uuid::new_v4();
            let text = resume(i, 20 + i % 60);
            cands.push(candidates::ActiveModel {
                id: Set(id),
                owner_id: Set(workspace),
                workspace_id: Set(workspace),
                name: Set(text.lines().next().map(str::to_owned)),
                email: Set(None),
                current_title: Set(None),
                skills: Set("[]".into()),
                summary: Set(None),
                analysis: Set(None),
                analysis_status: Set("done".into()),
                analysis_error: Set(None),
                key_source: Set(None),
                search_text: Set(String::new()),
                warnings: Set(None),
                not_a_resume: Set(false),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            texts.push(resumes::ActiveModel {
                id: Set(Uuid::new_v4()),
                candidate_id: Set(id),
                file_name: Set("resume.txt".into()),
                content_type: Set("text/plain".into()),
                bytes: Set(text.clone().into_bytes()),
                text: Set(text),
                text_engine: Set(None),
                created_at: Set(now),
                ..Default::default()
            });
            apps.push(applications::ActiveModel {
                id: Set(Uuid::new_v4()),
                workspace_id: Set(workspace),
                job_id: Set(job),
                candidate_id: Set(id),
                stage_id: Set(stage),
                stage_version: Set(0),
                rejection_reason: Set(None),
                stage_entered_at: Set(now),
                created_by: Set(workspace),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        candidates::Entity::insert_many(cands).exec(db).await?;
        resumes::Entity::insert_many(texts).exec(db).await?;
        applications::Entity::insert_many(apps).exec(db).await?;
        k = end;
    }
    Ok(())
}

/// A whole run through HTTP: its wall time in seconds, and its final progress.
async fn run(engine: &str, database_url: &str, n: usize) -> anyhow::Result<(f64, Value)> {
    let mock = MockProvider::start(0).await?;
    let data_dir = tempfile::tempdir()?;
    let hirekey = start_in_process(&mock.url(), data_dir.path(), database_url).await?;
    let http = client();
    let token = ok(
        &http,
        Method::POST,
        format!("{hirekey}/api/v1/auth/register"),
        None,
        json!({"email": "screen@example.com", "password": "correct horse battery", "name": "Bench"}),
    )
    .await?["token"]
        .as_str()
        .context("no token")?
        .to_owned();
    ok(
        &http,
        Method::PUT,
        format!("{hirekey}/api/v1/profile/ai-settings"),
        Some(&token),
        json!({"personal_groq_api_key": unlimited_key(), "use_personal_ai_key": true}),
    )
    .await?;
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
        json!({"title": "Platform engineer", "status": "open"}),
    )
    .await?;
    let job_id: Uuid = job["id"].as_str().context("no job id")?.parse()?;
    let stage: Uuid = job["stages"][0]["id"]
        .as_str()
        .context("no stage")?
        .parse()?;
    ok(
        &http,
        Method::PUT,
        format!("{hirekey}/api/v1/jobs/{job_id}/criteria"),
        Some(&token),
        json!({ "criteria": criteria() }),
    )
    .await?;
    let db = Database::connect(database_url).await?;
    seed(&db, workspace, job_id, stage, n).await?;
    if engine == "PostgreSQL" {
        db.execute_unprepared("VACUUM ANALYZE").await?;
    }
    let started = Instant::now();
    let run = ok(
        &http,
        Method::POST,
        format!("{hirekey}/api/v1/jobs/{job_id}/screenings"),
        Some(&token),
        json!({"blind": true}),
    )
    .await?;
    let id = run["id"].as_str().context("no run id")?.to_owned();
    loop {
        let progress = ok(
            &http,
            Method::GET,
            format!("{hirekey}/api/v1/screenings/{id}"),
            Some(&token),
            Value::Null,
        )
        .await?;
        if progress["state"] != "running" {
            return Ok((started.elapsed().as_secs_f64(), progress));
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the run did not end: {progress}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Hirekey's own work per application, in milliseconds: the blind text, the prompt, and the
/// checked verdicts with the score from an answer that quotes the resume.
fn own_work(n: usize) -> Vec<f64> {
    let criteria = criteria();
    let mut ms = Vec::with_capacity(n);
    for k in 0..n {
        let text = resume(k, 20 + k % 150);
        let candidate = candidates::Model {
            id: Uuid::new_v4(),
            owner_id: Uuid::nil(),
            workspace_id: Uuid::nil(),
            name: text.lines().next().map(str::to_owned),
            email: None,
            current_title: None,
            skills: "[]".into(),
            summary: None,
            analysis: None,
            analysis_status: "done".into(),
            analysis_error: None,
            key_source: None,
            search_text: String::new(),
            warnings: None,
            not_a_resume: false,
            email_key: None,
            phone_key: None,
            name_key: None,
            seniority: None,
            years_experience: None,
            last_activity_at: None,
            corrections: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        // What the model answers, made before the clock starts.
        let quote = LINES[k % LINES.len()];
        let answer = json!({"verdicts": [
            {"criterion": 1, "verdict": "met", "quotes": [quote, "Led a team of 40 engineers at NASA"]},
            {"criterion": 2, "verdict": "partly", "quotes": [LINES[1]]},
            {"criterion": 3, "verdict": "met", "quotes": [LINES[2]]},
            {"criterion": 4, "verdict": "not_met", "quotes": []},
            {"criterion": 5, "verdict": "met", "quotes": [LINES[5]]}
        ]})
        .to_string();
        let started = Instant::now();
        let sent = worker::text_for(&candidate, &text, true);
        let messages = prompt::screening_prompt(&criteria, &sent);
        let judged = worker::judge(&sent, &criteria, &answer);
        let body = serde_json::to_string(&judged.as_ref().map(|(v, ..)| v).ok());
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(messages.len() == 2 && judged.is_ok() && body.is_ok());
    }
    ms
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    support::init_logs();
    let n = if quick() { 200 } else { 1_000 };
    let verdict = |ok: bool| if ok { "PASS" } else { "**MISSED**" };
    let mut md = String::new();
    let _ = writeln!(md, "## AI screening\n");
    let _ = writeln!(
        md,
        "| measure | budget | result | verdict |\n|---|---|---|---|"
    );

    let work = own_work(1_000);
    let p99 = percentile(&work, 0.99);
    let _ = writeln!(
        md,
        "| Hirekey's own work per application (blind redaction, prompt, quote check, score), p99 | < {WORK_BUDGET_MS} ms | {p99:.2} ms (p50 {:.2} ms, max {:.2} ms, 1,000 resumes of 2-12 KB) | {} |",
        percentile(&work, 0.5),
        percentile(&work, 1.0),
        verdict(p99 < WORK_BUDGET_MS)
    );

    let dir = tempfile::tempdir()?;
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("screening.db").display()
    );
    let mut engines = vec![("SQLite", sqlite, None)];
    if let Some(admin) = postgres_admin_url() {
        let name = format!("hirekey_screening_{}", Uuid::new_v4().simple());
        let url = support::create_postgres_database(&admin, &name).await?;
        engines.push(("PostgreSQL", url, Some((admin, name))));
    }
    for (engine, url, cleanup) in engines {
        let result = run(engine, &url, n).await;
        if let Some((admin, name)) = cleanup {
            support::drop_postgres_database(&admin, &name).await;
        }
        let (seconds, progress) = result?;
        let done = progress["done"].as_i64().unwrap_or(0);
        let passed = seconds < RUN_BUDGET_S && done == n as i64;
        let _ = writeln!(
            md,
            "| a blind run of {n} applications, instant mock, no rate limit, {engine} | < {RUN_BUDGET_S} s | {seconds:.1} s ({done} screened, {} failed; {:.1} ms an application) | {} |",
            progress["failed"],
            seconds * 1000.0 / n as f64,
            verdict(passed)
        );
    }
    if postgres_admin_url().is_none() {
        let _ = writeln!(
            md,
            "| a run, PostgreSQL | | not measured (PostgreSQL not reachable) | SKIPPED |"
        );
    }
    let _ = writeln!(
        md,
        "\nThe run is timed from `POST /api/v1/jobs/{{id}}/screenings` until `GET /api/v1/screenings/{{id}}` \
         says it ended, with one instance's runner (8 items at once) doing the work: each item reads its \
         application, candidate and resume, redacts, takes a pacing slot, calls the mock over loopback, \
         checks the answer and writes the result, the item's end and the timeline event in one \
         transaction. The own-work figure times the same functions the runner calls, without the \
         database or the network.{}",
        quick_note()
    );
    write_report("screening.md", &md)?;
    Ok(())
}
