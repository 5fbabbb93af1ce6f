//! Durable analysis jobs: an upload answers `pending` when its analysis
//! outlasts `HIREKEY_ANALYSIS_WAIT_SECS` and the job finishes it later; faults that pass are
//! retried with backoff, a rejected key fails at once; a job whose instance died is finished by
//! a runner once its lease lapses; and two instances on one PostgreSQL database never run one
//! job twice.
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{
    sea_query::Expr, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::Value;
use server::{
    entities::{analysis_jobs, candidates},
    services::resumes::jobs::{JobStatus, MAX_ATTEMPTS},
};
use uuid::Uuid;

use crate::db_test;
use crate::helpers::*;

/// Far more than any step here needs; a deadline, never a sleep.
const DEADLINE: Duration = Duration::from_secs(30);

fn candidate_id(r: &Response) -> Uuid {
    r.body["id"]
        .as_str()
        .expect("candidate id")
        .parse()
        .expect("uuid")
}

/// The candidate's analysis jobs, oldest first.
pub async fn jobs_of(db: &DatabaseConnection, candidate: Uuid) -> Vec<analysis_jobs::Model> {
    analysis_jobs::Entity::find()
        .filter(analysis_jobs::Column::CandidateId.eq(candidate))
        .order_by_asc(analysis_jobs::Column::CreatedAt)
        .all(db)
        .await
        .expect("jobs")
}

/// The candidate's one job.
pub async fn job_of(db: &DatabaseConnection, candidate: Uuid) -> analysis_jobs::Model {
    let mut jobs = jobs_of(db, candidate).await;
    assert_eq!(jobs.len(), 1, "one job per analysis: {jobs:?}");
    jobs.remove(0)
}

/// Polls the candidate through the API until it is no longer `pending`.
pub async fn wait_analysed(app: &TestApp, token: &str, id: Uuid) -> Value {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let r = app.get(&format!("/api/v1/candidates/{id}"), token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.body["analysis_status"] != "pending" {
            return r.body;
        }
        assert!(Instant::now() < deadline, "still pending: {}", r.text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls the candidate's job until `done` says so.
async fn wait_job(
    db: &DatabaseConnection,
    candidate: Uuid,
    what: &str,
    done: impl Fn(&analysis_jobs::Model) -> bool,
) -> analysis_jobs::Model {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let job = job_of(db, candidate).await;
        if done(&job) {
            return job;
        }
        assert!(Instant::now() < deadline, "{what}: {job:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Once the job is waiting for a retry, makes that retry its last attempt, due now: what
/// `MAX_ATTEMPTS` attempts would come to, without their backoff.
pub async fn make_next_attempt_the_last(db: &DatabaseConnection, candidate: Uuid) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let updated = analysis_jobs::Entity::update_many()
            .col_expr(
                analysis_jobs::Column::Attempts,
                Expr::value(MAX_ATTEMPTS - 1),
            )
            .col_expr(analysis_jobs::Column::RunAfter, Expr::value(Utc::now()))
            .filter(analysis_jobs::Column::CandidateId.eq(candidate))
            .filter(analysis_jobs::Column::Status.eq(JobStatus::Queued.as_str()))
            .filter(analysis_jobs::Column::Attempts.gte(1))
            .exec(db)
            .await
            .expect("update job");
        if updated.rows_affected == 1 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the job never waited for a retry"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What an instance stopped mid-analysis leaves: the candidate pending, its job running under
/// `holder`'s lease until `lease_until`.
async fn leave_running(
    db: &DatabaseConnection,
    candidate: Uuid,
    holder: &str,
    lease_until: chrono::DateTime<Utc>,
) {
    candidates::Entity::update_many()
        .col_expr(candidates::Column::AnalysisStatus, Expr::value("pending"))
        .filter(candidates::Column::Id.eq(candidate))
        .exec(db)
        .await
        .unwrap();
    analysis_jobs::Entity::update_many()
        .col_expr(analysis_jobs::Column::Status, Expr::value("running"))
        .col_expr(analysis_jobs::Column::LockedBy, Expr::value(holder))
        .col_expr(analysis_jobs::Column::LeaseUntil, Expr::value(lease_until))
        .filter(analysis_jobs::Column::CandidateId.eq(candidate))
        .exec(db)
        .await
        .unwrap();
}

/// Analysis requests the mock received for the resume that contains `marker`.
fn analyses_of(mock: &mock_provider::MockProvider, marker: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .filter(|r| r.messages.iter().any(|m| m.content.contains(marker)))
        .count()
}

db_test!(
    a_slow_analysis_answers_pending_and_finishes_later,
    |s: Spawn| s
        .env("HIREKEY_ANALYSIS_WAIT_SECS", "0.5")
        // Above the mock's 3 s `slow` delay: the analysis succeeds, late.
        .env("HIREKEY_PROVIDER_TIMEOUT_SECS", "6"),
    |app: TestApp| async move {
        let token = app.register("sam@example.com").await;
        app.store_key_directly(&token, "groq", &groq_key("slow"))
            .await;
        let started = Instant::now();
        let r = upload_text(&app, &token, "Sam Slow\nPlatform Engineer\nSkills: Rust\n").await;
        let answered_in = started.elapsed();
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "pending", "{}", r.text);
        assert!(answered_in < Duration::from_secs(3), "{answered_in:?}");
        let id = candidate_id(&r);

        let done = wait_analysed(&app, &token, id).await;
        assert_eq!(done["analysis_status"], "done", "{done}");
        assert_eq!(done["name"], "Sam Slow");
        assert_eq!(done["key_source"], "personal");
        let job = job_of(&app.state.db, id).await;
        assert_eq!(job.status, "done");
        assert_eq!(job.attempts, 1);
        assert_eq!(analyses_of(&app.mock, "Sam Slow"), 1);
    }
);

db_test!(
    a_rate_limited_analysis_is_retried_until_it_succeeds,
    |s: Spawn| s.env("HIREKEY_ANALYSIS_WAIT_SECS", "0.5"),
    |app: TestApp| async move {
        let token = app.register("rita@example.com").await;
        app.store_key_directly(&token, "groq", &groq_key("ratelimit"))
            .await;
        let r = upload_text(&app, &token, "Rita Retry\nData Engineer\nSkills: SQL\n").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "pending", "{}", r.text);
        let id = candidate_id(&r);
        // The first attempt got the 429: the job waits for its retry, the candidate stays
        // pending (no failure is shown for a fault that passes).
        let waiting = wait_job(&app.state.db, id, "first attempt", |j| {
            j.status == "queued" && j.attempts == 1
        })
        .await;
        assert!(
            waiting
                .last_error
                .as_deref()
                .is_some_and(|e| e.starts_with("Rate limited")),
            "{waiting:?}"
        );
        assert!(waiting.run_after > waiting.updated_at, "{waiting:?}");
        let page = app.get("/api/v1/candidates", &token).await;
        assert_eq!(page.body["items"][0]["analysis_status"], "pending");

        // The provider's limit passes (the user's key now answers).
        app.store_key_directly(&token, "groq", &groq_key("valid"))
            .await;
        let done = wait_analysed(&app, &token, id).await;
        assert_eq!(done["analysis_status"], "done", "{done}");
        assert_eq!(done["analysis_error"], Value::Null);
        let job = job_of(&app.state.db, id).await;
        assert_eq!((job.status.as_str(), job.attempts), ("done", 2));
        assert_eq!(job.last_error, None);
        assert_eq!(analyses_of(&app.mock, "Rita Retry"), 2);
    }
);

db_test!(
    rejected_keys_and_no_credit_fail_at_once,
    |app: TestApp| async move {
        for (tag, expected) in [
            ("invalid", "Invalid API key: Your Groq API key was rejected"),
            (
                "nocredit",
                "No credit: Your Groq account has no credit left",
            ),
        ] {
            let token = app.register(&format!("{tag}@example.com")).await;
            app.store_key_directly(&token, "groq", &groq_key(tag)).await;
            let marker = format!("Nora {tag}");
            let r = upload_text(&app, &token, &format!("{marker}\nSkills: Go\n")).await;
            assert_eq!(r.status, StatusCode::CREATED, "{tag}: {}", r.text);
            assert_eq!(r.body["analysis_status"], "failed", "{tag}");
            assert_eq!(r.body["analysis_error"], expected, "{tag}");
            let job = job_of(&app.state.db, candidate_id(&r)).await;
            assert_eq!(job.status, "failed", "{tag}");
            assert_eq!(job.attempts, 1, "{tag}: no retry");
            assert_eq!(job.last_error.as_deref(), Some(expected), "{tag}");
            assert_eq!(analyses_of(&app.mock, &marker), 1, "{tag}");
        }
    }
);

db_test!(
    a_job_whose_instance_died_is_finished_once_its_lease_lapses,
    |app: TestApp| async move {
        let token = app.register("dana@example.com").await;
        let r = upload_text(&app, &token, "Dana Dead\nSRE\nSkills: Linux\n").await;
        assert_eq!(r.body["analysis_status"], "done", "{}", r.text);
        let id = candidate_id(&r);
        // What an instance killed mid-analysis leaves, its lease just lapsed.
        let lapsed = Utc::now() - chrono::Duration::seconds(1);
        leave_running(&app.state.db, id, "dead-instance", lapsed).await;

        let done = wait_analysed(&app, &token, id).await;
        assert_eq!(done["analysis_status"], "done", "{done}");
        let job = job_of(&app.state.db, id).await;
        assert_eq!(job.status, "done");
        assert_eq!(job.attempts, 2);
        assert_eq!(
            job.locked_by.as_deref(),
            Some(app.state.notifications.instance())
        );
        assert_eq!(analyses_of(&app.mock, "Dana Dead"), 2);
    }
);

/// SQLite is one process: a job the last stop left running (its lease still current) is taken
/// again as soon as the server starts, not after the lease.
#[tokio::test]
async fn sqlite_resumes_a_cut_off_analysis_at_the_next_start() {
    let app = Spawn::new(DbKind::Sqlite).start().await.unwrap();
    let token = app.register("ida@example.com").await;
    let r = upload_text(&app, &token, "Ida Lind\nida@example.org\nRust, Go\n").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = candidate_id(&r);
    let current = Utc::now() + chrono::Duration::minutes(10);
    leave_running(&app.state.db, id, "stopped", current).await;

    let master = std::fs::read_to_string(app.data_dir.path().join("master.key")).unwrap();
    let again = Spawn::new(DbKind::Sqlite)
        .database(&app.database_url)
        .env("HIREKEY_MASTER_KEY", master.trim())
        .start()
        .await
        .unwrap();
    let done = wait_analysed(&again, &token_on(&again, "ida@example.com").await, id).await;
    assert_eq!(done["analysis_status"], "done", "{done}");
    assert!(done["resume_text"].as_str().unwrap().contains("Ida Lind"));
    let job = job_of(&again.state.db, id).await;
    assert_eq!((job.status.as_str(), job.attempts), ("done", 2));
}

/// Logs in with the harness's password.
async fn token_on(app: &TestApp, email: &str) -> String {
    let login = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"email": email, "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    login.body["token"].as_str().unwrap().to_owned()
}

db_test!(
    deleting_a_candidate_removes_its_jobs,
    |app: TestApp| async move {
        let token = app.register("del@example.com").await;
        let r = upload_text(&app, &token, "Del Gone\nSkills: C\n").await;
        let id = candidate_id(&r);
        assert_eq!(jobs_of(&app.state.db, id).await.len(), 1);
        let again = app
            .post(
                &format!("/api/v1/candidates/{id}/analyze"),
                &token,
                Value::Null,
            )
            .await;
        assert_eq!(again.body["analysis_status"], "done", "{}", again.text);
        // One job per analysis run; the finished ones stay until pruned.
        assert_eq!(jobs_of(&app.state.db, id).await.len(), 2);
        let d = app
            .delete(&format!("/api/v1/candidates/{id}"), &token)
            .await;
        assert_eq!(d.status, StatusCode::NO_CONTENT);
        assert!(jobs_of(&app.state.db, id).await.is_empty());
    }
);

/// Two instances on one PostgreSQL database, 20 uploads spread over both at once: every job
/// runs exactly once (one attempt, one request to the providers in total). Then all 20 are
/// queued again at the same moment, so both instances' runners race for them with `SKIP
/// LOCKED`: again each runs exactly once more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_run_one_job_twice() {
    const UPLOADS: usize = 20;
    let Some(mut apps) = instances_on_one_database(2, |s| s).await else {
        return;
    };
    let (b, a) = (apps.remove(1), apps.remove(0));
    let token = a.register("max@example.com").await;
    // A personal key: the system key's per-user limit would stop 40 analyses in a minute.
    a.store_key_directly(&token, "groq", &groq_key("valid"))
        .await;
    b.state.key_cache.forget(a.user_id(&token).await);

    let markers: Vec<String> = (0..UPLOADS)
        .map(|i| format!("Worker{i:02} {}", Uuid::new_v4().simple()))
        .collect();
    let uploads = markers.iter().enumerate().map(|(i, marker)| {
        let app = if i % 2 == 0 { &a } else { &b };
        let token = token.clone();
        let text = format!("{marker}\nBackend Engineer\nSkills: Rust\n");
        async move { upload_text(app, &token, &text).await }
    });
    let answers = futures::future::join_all(uploads).await;
    let mut ids = Vec::new();
    for r in &answers {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "done", "{}", r.text);
        ids.push(candidate_id(r));
    }
    let count = |marker: &str| analyses_of(&a.mock, marker) + analyses_of(&b.mock, marker);
    for (id, marker) in ids.iter().zip(&markers) {
        let job = job_of(&a.state.db, *id).await;
        assert_eq!((job.status.as_str(), job.attempts), ("done", 1), "{job:?}");
        assert_eq!(count(marker), 1, "{marker}");
    }

    // Everything due at once, for the runners alone.
    candidates::Entity::update_many()
        .col_expr(candidates::Column::AnalysisStatus, Expr::value("pending"))
        .filter(candidates::Column::Id.is_in(ids.clone()))
        .exec(&a.state.db)
        .await
        .unwrap();
    analysis_jobs::Entity::update_many()
        .col_expr(analysis_jobs::Column::Status, Expr::value("queued"))
        .col_expr(analysis_jobs::Column::RunAfter, Expr::value(Utc::now()))
        .filter(analysis_jobs::Column::CandidateId.is_in(ids.clone()))
        .exec(&a.state.db)
        .await
        .unwrap();
    for id in &ids {
        let on = if id.as_u128() % 2 == 0 { &a } else { &b };
        let done = wait_analysed(on, &token, *id).await;
        assert_eq!(done["analysis_status"], "done", "{done}");
    }
    let mut holders = std::collections::HashSet::new();
    for (id, marker) in ids.iter().zip(&markers) {
        let job = job_of(&a.state.db, *id).await;
        assert_eq!((job.status.as_str(), job.attempts), ("done", 2), "{job:?}");
        assert_eq!(count(marker), 2, "{marker}");
        holders.extend(job.locked_by);
    }
    eprintln!(
        "jobs: {UPLOADS} re-queued jobs were run by {} instance(s)",
        holders.len()
    );
}
