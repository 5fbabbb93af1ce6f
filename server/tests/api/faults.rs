//! Fault tests: the database going away under a running server, and the `hirekey` process
//! SIGKILLed in the middle of a write. They prove that Hirekey answers a prompt 503 while
//! PostgreSQL is down and recovers by itself when it is back, and that a crash never leaves a
//! half-written key or a candidate without its file.
use std::{
    collections::{HashMap, HashSet},
    net::TcpListener,
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use hirekey_core::providers::mask_key_preview;
use mock_provider::MockProvider;
use reqwest::{Method, RequestBuilder, StatusCode};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{json, Value};
use tokio::task::block_in_place;

use crate::helpers::*;

const SETTINGS: &str = "/api/v1/profile/ai-settings";
const UPLOAD: &str = "/api/v1/resumes/upload";
const PASSWORD: &str = "correct horse battery";
/// The longest any request may take, even with the database down: a 503, never a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long PostgreSQL, once started again, may take to serve requests through the old pool.
const RECOVERY_TIMEOUT: Duration = Duration::from_secs(20);
/// Kill-and-restart rounds per test.
const ROUNDS: u32 = 8;

// ---- Small helpers ---------------------------------------------------------------------------

/// A port that was free on 127.0.0.1 a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Skips a test whose prerequisite is missing here; in CI (`CI=true`) every test must run.
fn skip_unless_ci(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {reason}: the fault tests must run in CI");
    }
    eprintln!("{reason}; skipping");
}

/// Sends `request`, which must be answered within [`REQUEST_TIMEOUT`].
pub(crate) async fn answered(request: RequestBuilder) -> Response {
    let res = request
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .unwrap_or_else(|e| panic!("no answer within {REQUEST_TIMEOUT:?}: {e}"));
    into_response(res).await
}

/// 503 with the JSON error shape, as `ServiceError::Unavailable` answers.
fn assert_unavailable(what: &str, r: &Response) {
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what} with the database down: {}",
        r.text
    );
    assert_eq!(r.body["error"], "Service unavailable", "{what}: {}", r.text);
    assert!(
        r.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {}",
        r.text
    );
}

/// The key the mock provider saw on the last chat call (to compare, never to print).
fn last_chat_key(mock: &MockProvider) -> Option<String> {
    mock.requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/chat/completions"))
        .and_then(|r| r.api_key)
}

fn chat_body() -> Value {
    json!({"messages": [{"role": "user", "content": "hi"}]})
}

// ---- PostgreSQL stopped under the running server -----------------------------------------------

/// A PostgreSQL cluster of the test's own (trust auth, a random port on 127.0.0.1, its socket
/// in its own directory), so the test can stop it without disturbing the shared server that
/// other tests use at the same time. Stopped on drop, also when the test fails.
struct PrivatePostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// `initdb` refuses to run as root, so as root every tool runs as the `postgres` user.
    as_postgres_user: bool,
}

impl PrivatePostgres {
    /// Creates and starts the cluster; `None` (skip) when the server binaries are missing.
    fn start() -> Option<Self> {
        let Some(bin) = postgres_bin_dir() else {
            skip_unless_ci("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin");
            return None;
        };
        let as_postgres_user = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        // Under /tmp: the postgres user must reach it, and the socket path must stay short.
        let dir = tempfile::Builder::new()
            .prefix("hirekey-pg-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        if as_postgres_user {
            let chown = Command::new("chown")
                .arg("postgres:")
                .arg(dir.path())
                .output()
                .expect("chown");
            if !chown.status.success() {
                skip_unless_ci(&format!(
                    "running as root without a usable postgres user ({})",
                    String::from_utf8_lossy(&chown.stderr).trim()
                ));
                return None;
            }
        }
        let pg = Self {
            bin,
            dir,
            port: free_port(),
            as_postgres_user,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                &pg.path("data"),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        pg.start_server();
        Some(pg)
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// A URL for database `name` on this cluster.
    fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    async fn create_database(&self, name: &str) -> String {
        let admin = Database::connect(self.url("postgres"))
            .await
            .expect("connect to the private cluster");
        admin
            .execute(Statement::from_string(
                admin.get_database_backend(),
                format!("CREATE DATABASE {name}"),
            ))
            .await
            .expect("create database");
        admin.close().await.expect("close");
        self.url(name)
    }

    fn command(&self, tool: &str) -> Command {
        let tool = self.bin.join(tool);
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(tool);
            c
        } else {
            Command::new(tool)
        };
        // The postgres user may not be allowed into the test's working directory.
        command.current_dir(self.dir.path()).stdin(Stdio::null());
        command
    }

    /// Runs a PostgreSQL tool; a failure panics with its output and the server log.
    fn run(&self, tool: &str, args: &[&str]) {
        let out = self
            .command(tool)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed:\n{}{}\nserver log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.path("server.log")).unwrap_or_default()
        );
    }

    fn start_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.path("data"),
                "-l",
                &self.path("server.log"),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// `pg_ctl stop -m fast`: the server ends every session and shuts down.
    fn stop_server(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.path("data"), "-m", "fast", "-w", "stop"],
        );
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.path("data"), "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb` and `pg_ctl`.
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// PostgreSQL stopped under the running server: requests that need the database get a prompt
/// 503 `Service unavailable` (never a hang, never a 500), and when PostgreSQL is back the same
/// process serves the same data again, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_and_started_under_the_running_server() {
    let Some(pg) = block_in_place(PrivatePostgres::start) else {
        return;
    };
    let database_url = pg.create_database("hirekey").await;
    let app = Spawn::new(DbKind::Postgres)
        .database(&database_url)
        .start()
        .await
        .expect("app");
    let email = "olga@example.com";
    let token = app.register(email).await;
    let key = groq_key("valid");
    let saved = app.save_groq_key(&token, &key).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let preview = mask_key_preview(&key);
    assert_eq!(saved.body["key_preview"], preview.as_str());

    block_in_place(|| pg.stop_server());
    let get = |path: &str| app.http.get(format!("{}{path}", app.url));
    let login = || {
        app.http
            .post(format!("{}/api/v1/auth/login", app.url))
            .json(&json!({"email": email, "password": PASSWORD}))
    };
    // At once: each waits out the pool's acquire timeout, which the test need not add up.
    let started = Instant::now();
    let (health, settings, change, refused_login) = tokio::join!(
        answered(get("/healthz")),
        answered(get(SETTINGS).bearer_auth(&token)),
        answered(
            app.http
                .put(format!("{}{SETTINGS}", app.url))
                .bearer_auth(&token)
                .json(&json!({"use_personal_ai_key": false})),
        ),
        answered(login()),
    );
    assert_unavailable("healthz", &health);
    // A load balancer's probe must get its answer, not time out on the pool's 5 s wait.
    let probe = Instant::now();
    assert_unavailable("healthz alone", &answered(get("/healthz")).await);
    assert!(
        probe.elapsed() < Duration::from_secs(3),
        "/healthz took {:?} with the database down",
        probe.elapsed()
    );
    assert_unavailable("settings", &settings);
    assert_unavailable("a settings change", &change);
    assert_unavailable("login", &refused_login);
    eprintln!(
        "faults: with PostgreSQL down, requests answered 503 within {:?}",
        started.elapsed()
    );

    block_in_place(|| pg.start_server());
    let restarted = Instant::now();
    let deadline = restarted + RECOVERY_TIMEOUT;
    let settings = loop {
        let r = answered(get(SETTINGS).bearer_auth(&token)).await;
        if r.status == StatusCode::OK {
            break r;
        }
        assert!(
            Instant::now() < deadline,
            "no recovery within {RECOVERY_TIMEOUT:?} of PostgreSQL starting again: {} {}",
            r.status,
            r.text
        );
        // While the pool reconnects, the only acceptable answer is still a clean 503.
        assert_unavailable("settings while PostgreSQL comes back", &r);
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    eprintln!(
        "faults: served again {:?} after PostgreSQL started",
        restarted.elapsed()
    );
    assert_eq!(
        settings.body["key_preview"],
        preview.as_str(),
        "{}",
        settings.text
    );
    assert_eq!(settings.body["has_personal_key"], true);
    // The failed toggle above changed nothing.
    assert_eq!(settings.body["use_personal_ai_key"], true);
    let relogin = answered(login()).await;
    assert_eq!(relogin.status, StatusCode::OK, "{}", relogin.text);
    assert_eq!(answered(get("/healthz")).await.status, StatusCode::OK);
    let chat = app.post("/api/ai/chat", &token, chat_body()).await;
    assert_eq!(chat.status, StatusCode::OK, "{}", chat.text);
    assert!(
        last_chat_key(&app.mock).as_deref() == Some(key.as_str()),
        "the provider did not get the stored key ({preview}) after the restart"
    );
}

// ---- SIGKILL in the middle of a write ------------------------------------------------------------

/// What outlives a `hirekey` process: its data directory (SQLite, `master.key`,
/// `jwt.secret`), its database, the logs of every run and the mock provider it calls.
pub(crate) struct Deployment {
    dir: tempfile::TempDir,
    /// A fresh database on the shared PostgreSQL server; `None` for the embedded SQLite.
    database_url: Option<String>,
    mock: MockProvider,
}

impl Deployment {
    /// `None` (skip) when the PostgreSQL variant cannot run here.
    pub(crate) async fn new(kind: DbKind) -> Option<Self> {
        let database_url = match kind {
            DbKind::Sqlite => None,
            DbKind::Postgres => Some(fresh_postgres_database().await?),
        };
        Some(Self {
            dir: tempfile::tempdir().expect("temp dir"),
            database_url,
            mock: MockProvider::start(0).await.expect("mock provider"),
        })
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn master_key(&self) -> Vec<u8> {
        std::fs::read(self.data_dir().join("master.key")).expect("master.key")
    }

    /// Starts `hirekey serve` and waits until `/healthz` answers 200. A bind race on the
    /// chosen port is retried on another one.
    pub(crate) async fn start(&self) -> ServerProcess {
        for _ in 0..3 {
            let port = free_port();
            let mut server = self.spawn(port);
            match server.wait_until_healthy().await {
                Ok(()) => return server,
                Err(log) if log.contains("binding") => continue,
                Err(log) => panic!("hirekey did not start:\n{log}"),
            }
        }
        panic!("hirekey could not bind a free port three times");
    }

    fn spawn(&self, port: u16) -> ServerProcess {
        let log_path = self.dir.path().join(format!("hirekey-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("log file");
        let mock = self.mock.url();
        let mut command = Command::new(env!("CARGO_BIN_EXE_hirekey"));
        let env: [(&str, String); 13] = [
            ("RUST_LOG", "info".into()),
            // Where the OCR tools are (tesseract, pdftoppm, pdfinfo).
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("HIREKEY_DATA_DIR", self.data_dir().display().to_string()),
            ("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}")),
            ("LEPTOS_SITE_ROOT", self.path("site")),
            ("HIREKEY_GROQ_BASE_URL", format!("{mock}/openai/v1")),
            ("HIREKEY_OPENROUTER_BASE_URL", format!("{mock}/api/v1")),
            ("HIREKEY_DEEPSEEK_BASE_URL", mock.clone()),
            ("HIREKEY_OPENAI_BASE_URL", mock),
            ("AI_PROVIDER", "groq".into()),
            ("GROQ_API_KEY", SYSTEM_KEY.into()),
            ("HIREKEY_SYSTEM_KEY_CALLS_PER_MINUTE", "1000".into()),
            ("HIREKEY_PROVIDER_TIMEOUT_SECS", "5".into()),
        ];
        // Nothing from the test's own environment (DATABASE_URL, a master key, a `.env` in the
        // working directory) may leak into the child.
        command
            .arg("serve")
            .env_clear()
            .current_dir(self.dir.path())
            .envs(env)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log);
        if let Some(url) = &self.database_url {
            command.env("DATABASE_URL", url);
        }
        ServerProcess {
            child: command.spawn().expect("spawn hirekey"),
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            log: log_path,
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Every run's log, to prove no key was written to one.
    fn logs(&self) -> String {
        std::fs::read_dir(self.dir.path())
            .expect("read dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect()
    }
}

/// One `hirekey serve` child process; SIGKILLed on drop, so none outlives the test.
pub(crate) struct ServerProcess {
    pub(crate) child: Child,
    pub(crate) url: String,
    http: reqwest::Client,
    log: PathBuf,
}

impl ServerProcess {
    /// Polls `/healthz`; `Err(log)` when the process exits or is not up within 60 s.
    async fn wait_until_healthy(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}:\n{}", read_log(&self.log)));
            }
            let health = self
                .http
                .get(format!("{}/healthz", self.url))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if health.is_ok_and(|r| r.status() == StatusCode::OK) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err(format!("not healthy after 60 s:\n{}", read_log(&self.log)))
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reap the process.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub(crate) fn request(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token)
            .timeout(REQUEST_TIMEOUT)
    }

    pub(crate) async fn register(&self, email: &str) -> String {
        let r = answered(
            self.http
                .post(format!("{}/api/v1/auth/register", self.url))
                .json(&json!({"email": email, "password": PASSWORD, "name": "Fault Test"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "register: {}", r.text);
        r.body["token"].as_str().expect("token").to_owned()
    }

    fn save_key(&self, token: &str, key: &str) -> RequestBuilder {
        self.request(Method::PUT, SETTINGS, token)
            .json(&json!({"personal_groq_api_key": key, "use_personal_ai_key": true}))
    }

    pub(crate) fn upload(&self, token: &str, bytes: Vec<u8>) -> RequestBuilder {
        self.upload_file(token, "resume.txt", "text/plain", bytes)
    }

    pub(crate) fn upload_file(
        &self,
        token: &str,
        name: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> RequestBuilder {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(mime)
            .expect("mime");
        self.request(Method::POST, UPLOAD, token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
    }

    /// Every candidate of the caller with the bytes of its resume; each must have one.
    async fn candidates_with_files(&self, token: &str) -> HashMap<String, Vec<u8>> {
        let page =
            answered(self.request(Method::GET, "/api/v1/candidates?per_page=100", token)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let items = page.body["items"].as_array().expect("items").clone();
        assert_eq!(page.body["total"], items.len(), "one page holds them all");
        let mut out = HashMap::new();
        for item in items {
            let id = item["id"].as_str().expect("id").to_owned();
            let path = format!("/api/v1/candidates/{id}/resume");
            let res = self
                .request(Method::GET, &path, token)
                .send()
                .await
                .expect("download");
            let status = res.status();
            let bytes = res.bytes().await.expect("resume bytes").to_vec();
            assert_eq!(
                status,
                StatusCode::OK,
                "candidate {id} is listed without its resume: {}",
                String::from_utf8_lossy(&bytes)
            );
            out.insert(id, bytes);
        }
        out
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Kill delays spread from 0 to a little past the measured length of an uninterrupted
/// request, so that some kills land before the commit, some around it and some after.
fn kill_delays(typical: Duration) -> impl Iterator<Item = Duration> {
    (0..ROUNDS).map(move |i| typical.mul_f64(f64::from(i) / f64::from(ROUNDS - 2)))
}

/// A new Groq key whose preview differs from `previous`'s, so a preview names one key.
fn next_key(previous: &str) -> String {
    loop {
        let key = groq_key("valid");
        if mask_key_preview(&key) != mask_key_preview(previous) {
            return key;
        }
    }
}

/// SIGKILL while a key is being saved, at delays spread over the save. After each restart
/// the server opens the same vault; the stored key is whole and is either the one before or
/// the new one (the new one whenever the save was answered), and it decrypts: an AI call
/// reaches the provider with exactly that key.
async fn sigkill_while_saving_a_key(kind: DbKind) {
    let Some(deployment) = Deployment::new(kind).await else {
        return;
    };
    let mut server = deployment.start().await;
    let token = server.register("kira@example.com").await;
    let master_key = deployment.master_key();
    let mut stored = groq_key("valid");
    let mut every_key = vec![SYSTEM_KEY.to_owned(), stored.clone()];
    let started = Instant::now();
    let first = answered(server.save_key(&token, &stored)).await;
    let typical = started.elapsed();
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);

    let (mut answered_saves, mut new_key_kept) = (0, 0);
    for (round, delay) in kill_delays(typical).enumerate() {
        let new_key = next_key(&stored);
        every_key.push(new_key.clone());
        let save = tokio::spawn(server.save_key(&token, &new_key).send());
        tokio::time::sleep(delay).await;
        server.kill();
        let was_answered =
            matches!(save.await.expect("join"), Ok(r) if r.status() == StatusCode::OK);
        answered_saves += u32::from(was_answered);

        server = deployment.start().await;
        assert!(
            deployment.master_key() == master_key,
            "round {round}: master.key changed"
        );
        let settings = answered(server.request(Method::GET, SETTINGS, &token)).await;
        assert_eq!(
            settings.status,
            StatusCode::OK,
            "round {round}: {}",
            settings.text
        );
        let (old_preview, new_preview) = (mask_key_preview(&stored), mask_key_preview(&new_key));
        let preview = settings.body["key_preview"].as_str().unwrap_or_default();
        if was_answered {
            assert_eq!(
                preview, new_preview,
                "round {round}: the save was answered 200, so the new key must be stored"
            );
        } else {
            assert!(
                preview == old_preview || preview == new_preview,
                "round {round}: stored preview {preview:?} is neither the previous key's \
                 ({old_preview}) nor the new one's ({new_preview})"
            );
        }
        assert_eq!(settings.body["use_personal_ai_key"], true, "round {round}");
        if preview == new_preview {
            stored = new_key;
            new_key_kept += 1;
        }

        let chat = answered(
            server
                .request(Method::POST, "/api/ai/chat", &token)
                .json(&chat_body()),
        )
        .await;
        assert_eq!(chat.status, StatusCode::OK, "round {round}: {}", chat.text);
        assert_eq!(chat.body["meta"]["key_source"], "personal", "round {round}");
        let seen = last_chat_key(&deployment.mock);
        assert!(
            seen.as_deref() == Some(stored.as_str()),
            "round {round}: the provider got {:?}, not the stored key {preview}",
            seen.as_deref().map(mask_key_preview)
        );
        eprintln!(
            "faults: {kind:?} key save killed after {delay:?}: answered {was_answered}, {} key kept",
            if preview == new_preview { "new" } else { "previous" }
        );
    }
    eprintln!(
        "faults: {kind:?} key saves: {answered_saves}/{ROUNDS} answered before the kill, \
         new key kept {new_key_kept}/{ROUNDS} (a save takes {typical:?})"
    );
    let logs = deployment.logs();
    assert!(
        every_key.iter().all(|k| !logs.contains(k.as_str())),
        "a key reached the server log"
    );
}

/// A small text resume, unique to `round`.
fn resume(round: u32) -> Vec<u8> {
    format!(
        "Candidate Round{round}\nBackend Engineer\nEmail: round{round}@example.com\n\
         Skills: Rust, PostgreSQL, Kubernetes\nReference: {}\n",
        uuid::Uuid::new_v4()
    )
    .into_bytes()
}

/// SIGKILL while a resume is being uploaded, at delays spread over the upload. After each
/// restart every candidate whose upload was answered is listed with exactly its file, every
/// listed candidate has its file (one of the uploaded ones, each at most once), and no
/// candidate listed before is ever lost.
async fn sigkill_while_uploading(kind: DbKind) {
    let Some(deployment) = Deployment::new(kind).await else {
        return;
    };
    let mut server = deployment.start().await;
    let token = server.register("uma@example.com").await;
    let first = resume(0);
    let started = Instant::now();
    let r = answered(server.upload(&token, first.clone())).await;
    let typical = started.elapsed();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Uploads that were answered (id, bytes), and every file ever sent.
    let mut confirmed = vec![(r.body["id"].as_str().expect("id").to_owned(), first.clone())];
    let mut sent = vec![first];
    let mut listed_before: HashSet<String> = HashSet::new();

    for (round, delay) in (1..).zip(kill_delays(typical)) {
        let bytes = resume(round);
        sent.push(bytes.clone());
        let upload = tokio::spawn(server.upload(&token, bytes.clone()).send());
        tokio::time::sleep(delay).await;
        server.kill();
        let answer = match upload.await.expect("join") {
            Ok(res) => Some(into_response(res).await),
            Err(_) => None,
        };
        let was_answered = answer
            .as_ref()
            .is_some_and(|r| r.status == StatusCode::CREATED);
        if let Some(r) = answer.filter(|r| r.status == StatusCode::CREATED) {
            let id = r.body["id"].as_str().expect("candidate id in the answer");
            confirmed.push((id.to_owned(), bytes));
        }

        server = deployment.start().await;
        let listed = server.candidates_with_files(&token).await;
        if kind == DbKind::Sqlite {
            // An analysis the kill cut off is taken again as soon as the server is back (on
            // PostgreSQL, once its lease lapses): nothing stays pending.
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let page = answered(server.request(
                    Method::GET,
                    "/api/v1/candidates?per_page=100",
                    &token,
                ))
                .await;
                let items = page.body["items"].as_array().expect("items").clone();
                let Some(item) = items.iter().find(|i| i["analysis_status"] == "pending") else {
                    break;
                };
                assert!(
                    Instant::now() < deadline,
                    "round {round}: an analysis left pending after the restart: {item}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        for (id, file) in &listed {
            assert!(
                sent.contains(file),
                "round {round}: candidate {id} has a file that was never uploaded"
            );
        }
        let distinct: HashSet<&Vec<u8>> = listed.values().collect();
        assert_eq!(
            distinct.len(),
            listed.len(),
            "round {round}: an upload stored twice"
        );
        for (id, file) in &confirmed {
            assert!(
                listed.get(id) == Some(file),
                "round {round}: the answered upload {id} is missing or has another file"
            );
        }
        let lost: Vec<&String> = listed_before
            .iter()
            .filter(|id| !listed.contains_key(*id))
            .collect();
        assert!(lost.is_empty(), "round {round}: candidates lost: {lost:?}");
        listed_before = listed.keys().cloned().collect();
        eprintln!(
            "faults: {kind:?} upload killed after {delay:?}: answered {was_answered}, {} candidates",
            listed.len()
        );
    }
    eprintln!(
        "faults: {kind:?} uploads: {}/{ROUNDS} answered before the kill, {} of {} stored \
         (an upload takes {typical:?})",
        confirmed.len() - 1,
        listed_before.len() - 1,
        ROUNDS
    );
    assert!(
        !deployment.logs().contains(SYSTEM_KEY),
        "the system key reached the server log"
    );
}

mod sigkill_while_saving_a_key {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        sigkill_while_saving_a_key(DbKind::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        sigkill_while_saving_a_key(DbKind::Postgres).await;
    }
}

mod sigkill_while_uploading {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        sigkill_while_uploading(DbKind::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        sigkill_while_uploading(DbKind::Postgres).await;
    }
}
