//! `make bench`: the Candidates list, its search and the AI retrieval at scale. For each engine
//! (SQLite, and PostgreSQL when reachable) and each size (10,000 and 100,000 candidates of one
//! user), a fresh database is filled by bulk insert (straight into the tables, not through the
//! upload API), then each request below is timed sequentially: medians and p95.
//!
//! Budgets (2-core machine, both engines, at 100,000): list under 50 ms, substring
//! search under 100 ms, AI search and chat under 150 ms including the mock provider.
//!
//! `HIREKEY_BENCH_QUICK=1`: 2,000 candidates and a few requests (a smoke run, not a measure).
//! `HIREKEY_SCALE_SIZES=10000,100000` overrides the sizes. The report is printed and written to
//! `target/bench/scale.md`.

// A measurement tool: its output is stdout, and a broken setup should stop it loudly.
// A benchmark drives the server from outside: its own HTTP clients, environment and literal
// bodies (clippy.toml keeps those out of Hirekey's own crates).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::disallowed_macros
)]

use std::{fmt::Write as _, sync::Arc, time::Instant};

mod support;

use anyhow::{bail, Context};
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use mock_provider::MockProvider;
use reqwest::Method;
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, EntityTrait, Set, Statement, TransactionTrait,
};
use serde_json::json;
use server::{
    config::Config,
    entities::candidates,
    services::search::{ListCursor, ListOrder},
    startup::Application,
};
use support::{
    bench_groq_key, call_json, client, init_logs, percentile, postgres_admin_url, quick,
    report_dir, Endpoint, Sample,
};
use uuid::Uuid;

const LIST_BUDGET_MS: f64 = 50.0;
const SEARCH_BUDGET_MS: f64 = 100.0;
const AI_BUDGET_MS: f64 = 150.0;

const FIRST: &[&str] = &[
    "Ada",
    "Alan",
    "Barbara",
    "Brian",
    "Claude",
    "Dennis",
    "Donald",
    "Edsger",
    "Frances",
    "Grace",
    "Guido",
    "Hedy",
    "Ivan",
    "James",
    "Joan",
    "John",
    "Karen",
    "Ken",
    "Leslie",
    "Linus",
    "Margaret",
    "Niklaus",
    "Radia",
    "Robin",
    "Shafi",
    "Sophie",
    "Tim",
    "Tony",
    "Whitfield",
    "Yukihiro",
];
const LAST: &[&str] = &[
    "Allen",
    "Backus",
    "Berners",
    "Cerf",
    "Dijkstra",
    "Engelbart",
    "Goldwasser",
    "Hamilton",
    "Hoare",
    "Hopper",
    "Jones",
    "Kay",
    "Kernighan",
    "Knuth",
    "Lamport",
    "Liskov",
    "Lovelace",
    "McCarthy",
    "Milner",
    "Perlman",
    "Ritchie",
    "Rossum",
    "Shannon",
    "Spärck",
    "Stroustrup",
    "Sutherland",
    "Thompson",
    "Torvalds",
    "Turing",
    "Wirth",
    "Wilson",
];
const TITLES: &[&str] = &[
    "Backend Engineer",
    "Frontend Developer",
    "Data Engineer",
    "Platform Engineer",
    "SRE",
    "Engineering Manager",
    "Mobile Developer",
    "Security Engineer",
    "ML Engineer",
    "QA Engineer",
];
const SKILLS: &[&str] = &[
    "Rust",
    "Go",
    "Python",
    "Java",
    "Kotlin",
    "TypeScript",
    "React",
    "Vue",
    "PostgreSQL",
    "MySQL",
    "Redis",
    "Kafka",
    "Kubernetes",
    "Terraform",
    "Docker",
    "AWS",
    "GCP",
    "Azure",
    "Django",
    "Flask",
    "Spring",
    "GraphQL",
    "gRPC",
    "Linux",
    "Ansible",
    "Spark",
    "Airflow",
    "Pandas",
    "PyTorch",
    "TensorFlow",
    "Swift",
    "C++",
    "Elixir",
    "Scala",
    "Ruby",
    "Rails",
    "Node.js",
    "Next.js",
    "Svelte",
    "Figma",
];
const FILLER: &[&str] = &[
    "designed",
    "services",
    "for",
    "payments",
    "and",
    "search",
    "migrated",
    "the",
    "monolith",
    "to",
    "event",
    "driven",
    "pipelines",
    "reduced",
    "latency",
    "by",
    "half",
    "mentored",
    "engineers",
    "owned",
    "on-call",
    "rotation",
    "built",
    "internal",
    "tooling",
    "shipped",
    "features",
    "weekly",
    "with",
    "product",
    "teams",
    "across",
    "three",
    "time",
    "zones",
];

/// A small deterministic generator (SplitMix64), so every run fills the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

/// One synthetic candidate, as the upload path would store it (analysis JSON, search text).
fn candidate(rng: &mut Rng, i: usize, owner: Uuid, base: DateTime<Utc>) -> candidates::ActiveModel {
    let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
    let email = format!(
        "{}.{}{i}@mail{}.example",
        name.split(' ').next().unwrap_or("x").to_lowercase(),
        name.split(' ').nth(1).unwrap_or("y").to_lowercase(),
        i % 97
    );
    let title = rng.pick(TITLES).to_owned();
    let mut skills: Vec<String> = Vec::new();
    while skills.len() < 6 {
        let s = rng.pick(SKILLS).to_owned();
        if !skills.contains(&s) {
            skills.push(s);
        }
    }
    let summary = format!(
        "{title} with {} years of {} and {}.",
        2 + i % 15,
        skills[0],
        skills[1]
    );
    let mut text = format!("{name}\n{title}\n{email}\nSkills: {}\n", skills.join(", "));
    for _ in 0..120 {
        text.push_str(rng.pick(FILLER));
        text.push(' ');
    }
    let analysis = json!({
        "name": name, "email": email, "phone": null, "location": "Remote",
        "skills": skills, "years_experience": 2 + i % 15, "education": [],
        "current_title": title, "seniority": "senior", "summary": summary, "truncated": false,
    });
    let search_text = [
        name.as_str(),
        &title,
        &skills.join("\n"),
        &summary,
        "remote",
        &email,
        &text,
    ]
    .join("\n")
    .to_lowercase();
    let at = base + Duration::milliseconds(i as i64 * 250);
    candidates::ActiveModel {
        id: Set(Uuid::new_v4()),
        owner_id: Set(owner),
        workspace_id: Set(owner),
        name: Set(Some(name)),
        email: Set(Some(email)),
        current_title: Set(Some(title)),
        skills: Set(serde_json::to_string(&skills).unwrap()),
        summary: Set(Some(summary)),
        analysis: Set(Some(analysis.to_string())),
        analysis_status: Set("done".into()),
        analysis_error: Set(None),
        key_source: Set(Some("personal".into())),
        search_text: Set(search_text),
        warnings: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        // Columns added later keep their defaults.
        ..Default::default()
    }
}

/// Inserts `n` candidates of `owner` in batches; returns the sort keys, oldest first.
async fn fill(db: &DatabaseConnection, owner: Uuid, n: usize) -> anyhow::Result<Vec<ListCursor>> {
    let mut rng = Rng(17);
    let base = Utc::now() - Duration::days(400);
    let mut keys = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let batch: Vec<candidates::ActiveModel> = (i..(i + 500).min(n))
            .map(|j| candidate(&mut rng, j, owner, base))
            .collect();
        for c in &batch {
            keys.push(ListCursor {
                order: ListOrder::Newest,
                score: 0,
                created_at: *c.created_at.as_ref(),
                id: *c.id.as_ref(),
            });
        }
        i += batch.len();
        let txn = db.begin().await?;
        candidates::Entity::insert_many(batch).exec(&txn).await?;
        txn.commit().await?;
    }
    Ok(keys)
}

struct Row {
    engine: &'static str,
    size: usize,
    measure: &'static str,
    budget: f64,
    sample: Sample,
}

/// One engine at one size: fresh database, fill, start Hirekey, time each request.
async fn run_one(
    mock: &MockProvider,
    engine: &'static str,
    url: &str,
    size: usize,
    reps: usize,
) -> anyhow::Result<Vec<Row>> {
    let data_dir = tempfile::tempdir()?;
    let env = support::mock_config_env(&mock.url(), data_dir.path(), url);
    let config = Config::from_lookup(|k| env.get(k).cloned()).context("config")?;
    let app = Application::build(config)
        .await
        .context("Application::build")?;
    let hirekey = format!("http://{}", app.local_addr());
    let server = tokio::spawn(async move {
        if let Err(e) = app.run_until_stopped().await {
            eprintln!("hirekey stopped: {e:#}");
        }
    });
    let http = client();
    let (status, _, body) = call_json(
        &http,
        Method::POST,
        &format!("{hirekey}/api/v1/auth/register"),
        None,
        json!({"email": "scale@example.com", "password": "correct horse battery", "name": "Scale"}),
    )
    .await?;
    if status != reqwest::StatusCode::CREATED {
        bail!("register: {status} {body}");
    }
    let token = body["token"].as_str().context("no token")?.to_owned();
    let (status, _, body) = call_json(
        &http,
        Method::PUT,
        &format!("{hirekey}/api/v1/profile/ai-settings"),
        Some(&token),
        json!({"personal_groq_api_key": bench_groq_key(), "use_personal_ai_key": true}),
    )
    .await?;
    if !status.is_success() {
        bail!("saving the personal key: {status} {body}");
    }

    let db = Database::connect(url).await?;
    let backend = db.get_database_backend();
    let owner: Uuid = db
        .query_one(Statement::from_sql_and_values(
            backend,
            "SELECT id FROM users WHERE email = $1",
            ["scale@example.com".into()],
        ))
        .await?
        .context("no user row")?
        .try_get("", "id")?;
    let started = Instant::now();
    let keys = fill(&db, owner, size).await?;
    if engine == "PostgreSQL" {
        // What autovacuum does soon after a bulk load: statistics and the visibility map.
        db.execute_unprepared("VACUUM ANALYZE candidates").await?;
    }
    let fill_secs = started.elapsed().as_secs_f64();
    eprintln!("{engine} {size}: filled in {fill_secs:.1} s");
    // A cursor half-way down the list.
    let deep = keys[keys.len() / 2].encode();
    // The second page of a search matching almost everything.
    let (status, _, most) = call_json(
        &http,
        Method::GET,
        &format!("{hirekey}/api/v1/candidates?q=remote%20engineers"),
        Some(&token),
        serde_json::Value::Null,
    )
    .await?;
    if !status.is_success() {
        bail!("most-match search: {status} {most}");
    }
    eprintln!(
        "{engine} {size}: `remote engineers` is listed by {}, total {}",
        most["order"], most["total"]
    );
    let most_next = most["next_cursor"].as_str().unwrap_or_default().to_owned();

    let get = |path: String| Endpoint {
        client: http.clone(),
        method: Method::GET,
        url: format!("{hirekey}{path}"),
        bearer: format!("Bearer {token}"),
        body: None,
    };
    let post = |path: &str, body: serde_json::Value| Endpoint {
        client: http.clone(),
        method: Method::POST,
        url: format!("{hirekey}{path}"),
        bearer: format!("Bearer {token}"),
        body: Some(Bytes::from(body.to_string())),
    };
    let measures: Vec<(&'static str, f64, Endpoint)> = vec![
        (
            "list, page 1",
            LIST_BUDGET_MS,
            get("/api/v1/candidates".into()),
        ),
        (
            "list, deep page (cursor half-way)",
            LIST_BUDGET_MS,
            get(format!("/api/v1/candidates?cursor={deep}")),
        ),
        (
            "list, page=500 (legacy offset)",
            f64::NAN,
            get("/api/v1/candidates?page=500".into()),
        ),
        (
            "search, name fragment `hopp`",
            SEARCH_BUDGET_MS,
            get("/api/v1/candidates?q=hopp".into()),
        ),
        (
            "search, two skills `kubernetes terraform`",
            SEARCH_BUDGET_MS,
            get("/api/v1/candidates?q=kubernetes%20terraform".into()),
        ),
        (
            // `remote` is in every resume and `engineers` in almost all: too many matches to
            // rank, listed newest first.
            "search, most match `remote engineers`",
            SEARCH_BUDGET_MS,
            get("/api/v1/candidates?q=remote%20engineers".into()),
        ),
        (
            "search, most match, next page (cursor)",
            SEARCH_BUDGET_MS,
            get(format!(
                "/api/v1/candidates?q=remote%20engineers&cursor={most_next}"
            )),
        ),
        (
            "AI search (mock provider)",
            AI_BUDGET_MS,
            post(
                "/api/v1/ai/search",
                json!({"query": "kubernetes terraform"}),
            ),
        ),
        (
            "AI chat (mock provider)",
            AI_BUDGET_MS,
            post(
                "/api/v1/ai/chat",
                json!({"query_text": "Who knows Kubernetes and Terraform?"}),
            ),
        ),
    ];
    let mut rows = Vec::new();
    for (measure, budget, endpoint) in measures {
        let endpoint = Arc::new(endpoint);
        for _ in 0..2 {
            endpoint
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("{measure}: {e}"))?;
        }
        let mut sample = Sample::default();
        for _ in 0..reps {
            let t = Instant::now();
            let result = endpoint.send().await;
            sample.record(t, result);
        }
        mock.clear();
        if let Some(e) = &sample.first_error {
            eprintln!("warning: {engine} {size} {measure}: {e}");
        }
        rows.push(Row {
            engine,
            size,
            measure,
            budget,
            sample,
        });
    }
    server.abort();
    db.close().await?;
    Ok(rows)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logs();
    let quick = quick();
    let sizes: Vec<usize> = match std::env::var("HIREKEY_SCALE_SIZES") {
        Ok(list) => list
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect(),
        Err(_) if quick => vec![2_000],
        Err(_) => vec![10_000, 100_000],
    };
    let reps = if quick { 5 } else { 21 };
    let mock = MockProvider::start(0).await?;
    let admin = postgres_admin_url();
    if admin.is_none() {
        eprintln!("warning: PostgreSQL is not reachable; SQLite only");
    }

    let mut rows = Vec::new();
    for &size in &sizes {
        let dir = tempfile::tempdir()?;
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("scale.db").display()
        );
        rows.extend(run_one(&mock, "SQLite", &url, size, reps).await?);
        if let Some(admin) = &admin {
            let name = format!("hirekey_scale_{}", Uuid::new_v4().simple());
            let db = Database::connect(admin.as_str()).await?;
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let base = admin
                .rsplit_once('/')
                .map_or(admin.clone(), |(b, _)| b.to_owned());
            let result = run_one(&mock, "PostgreSQL", &format!("{base}/{name}"), size, reps).await;
            // Connections of the stopped server may linger a moment.
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let _ = db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            rows.extend(result?);
        }
    }

    let largest = sizes.iter().copied().max().unwrap_or(0);
    let mut out = String::new();
    writeln!(out, "## Candidates at scale\n")?;
    writeln!(
        out,
        "Mode: {}. Sequential requests ({reps} timed, after 2 warm-ups), client-side latency. \
         Budgets checked at {largest} candidates.\n",
        if quick {
            "quick (smoke run, not a measurement)"
        } else {
            "full"
        }
    )?;
    writeln!(
        out,
        "| engine | candidates | request | median ms | p95 ms | errors |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for r in &rows {
        writeln!(
            out,
            "| {} | {} | {} | {:.1} | {:.1} | {} |",
            r.engine,
            r.size,
            r.measure,
            percentile(&r.sample.latency_ms, 0.5),
            percentile(&r.sample.latency_ms, 0.95),
            r.sample.errors
        )?;
    }
    writeln!(out, "\n| measure | budget | result | verdict |")?;
    writeln!(out, "|---|---|---|---|")?;
    for r in rows
        .iter()
        .filter(|r| r.size == largest && !r.budget.is_nan())
    {
        let median = percentile(&r.sample.latency_ms, 0.5);
        let verdict = if r.sample.errors > 0 {
            "**ERRORS**"
        } else if median < r.budget {
            "PASS"
        } else {
            "**MISSED**"
        };
        writeln!(
            out,
            "| {} {}, {} candidates | < {} ms (median) | {:.1} ms (p95 {:.1}) | {verdict} |",
            r.engine,
            r.measure,
            r.size,
            r.budget,
            median,
            percentile(&r.sample.latency_ms, 0.95)
        )?;
    }
    print!("{out}");
    let dir = report_dir();
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("scale.md"), out)?;
    Ok(())
}
