//! The one test harness: the real server on a random port, a fresh database per test
//! (SQLite file, or a new PostgreSQL database), and the project's mock provider on loopback.
use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

use hirekey_core::{config::Config, state::clock::Clock, state::AppState};
use mock_provider::MockProvider;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{json, Value};
use server::startup::Application;

pub const SYSTEM_KEY: &str = "gsk_SYSTEMkey0000000000000000000000000000000000000000";

/// Every log line the servers in this test binary wrote, to prove no key reaches a log.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().map(|b| b.clone()).unwrap_or_default())
        .into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| Arc::new(Mutex::new(Vec::new())))
}

struct BufWriter(Arc<Mutex<Vec<u8>>>);

impl Write for BufWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let buf = log_buffer().clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug,sqlx=warn,sea_orm=warn,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info"))
            .with_writer(move || BufWriter(buf.clone()))
            .with_ansi(false)
            .try_init();
    });
}

/// A Groq-format key carrying `tag` (the mock provider reacts to words such as `invalid`).
pub fn groq_key(tag: &str) -> String {
    let filler: String = uuid::Uuid::new_v4().simple().to_string();
    let mut key = format!("gsk_{tag}{filler}{filler}");
    key.truncate(4 + 52);
    key
}

pub fn openrouter_key() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("sk-or-v1-{a}{b}")
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub url: String,
    pub http: reqwest::Client,
    pub mock: MockProvider,
    pub state: AppState,
    pub data_dir: tempfile::TempDir,
    pub kind: DbKind,
    pub database_url: String,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

/// The PostgreSQL server to test against, if any. In CI (`CI=true`) it must be there.
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("HIREKEY_TEST_POSTGRES_URL")
        .ok()
        .or_else(|| {
            std::env::var("DATABASE_URL")
                .ok()
                .filter(|u| u.starts_with("postgres"))
        })
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let reachable = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|hostport| {
            std::net::TcpStream::connect_timeout(
                &match hostport.parse() {
                    Ok(a) => a,
                    Err(_) => return false,
                },
                std::time::Duration::from_secs(1),
            )
            .is_ok()
        })
        .unwrap_or(false);
    if reachable {
        return Some(url);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but PostgreSQL is not reachable at {url}: the PostgreSQL tests must run in CI"
        );
    }
    eprintln!("PostgreSQL not reachable at {url}; skipping the PostgreSQL variant");
    None
}

/// `n` instances started at the same moment on one fresh PostgreSQL database, with the same
/// master key and JWT secret, as in production; `None` when PostgreSQL is not reachable here.
pub async fn instances_on_one_database(
    n: usize,
    configure: fn(Spawn) -> Spawn,
) -> Option<Vec<TestApp>> {
    let url = fresh_postgres_database().await?;
    let master = hirekey_core::vault::MasterKey::generate().to_base64();
    let starts = (0..n).map(|_| {
        configure(Spawn::new(DbKind::Postgres))
            .database(&url)
            .env("HIREKEY_MASTER_KEY", master.as_str())
            .env(
                "HIREKEY_JWT_SECRET",
                "a-shared-secret-of-at-least-32-characters",
            )
            .start()
    });
    let apps = futures::future::join_all(starts).await;
    Some(
        apps.into_iter()
            .map(|app| app.expect("every instance came up"))
            .collect(),
    )
}

/// A new, empty database on the test PostgreSQL server; `None` when it is not reachable here.
pub async fn fresh_postgres_database() -> Option<String> {
    let admin = postgres_admin_url()?;
    let name = format!("hirekey_test_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(&admin)
        .await
        .expect("connect to PostgreSQL");
    db.execute(Statement::from_string(
        db.get_database_backend(),
        format!("CREATE DATABASE {name}"),
    ))
    .await
    .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(admin);
    Some(format!("{base}/{name}"))
}

pub struct Spawn {
    env: HashMap<String, String>,
    kind: DbKind,
    database_url: Option<String>,
    allow_mock_host: bool,
}

impl Spawn {
    pub fn new(kind: DbKind) -> Self {
        Self {
            env: HashMap::new(),
            kind,
            database_url: None,
            allow_mock_host: false,
        }
    }

    /// Puts the mock provider's `host:port` on `HIREKEY_ALLOWED_PROVIDER_HOSTS`, as an operator
    /// would for a local model server, so a custom provider may call it.
    pub fn allow_mock_host(mut self) -> Self {
        self.allow_mock_host = true;
        self
    }

    /// Runs on this database instead of a fresh one (e.g. a private PostgreSQL cluster that a
    /// test stops and starts); `kind` must match it.
    pub fn database(mut self, url: &str) -> Self {
        self.database_url = Some(url.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    pub fn without_system_key(self) -> Self {
        self.env("GROQ_API_KEY", "")
    }

    /// Starts the app; `None` when the PostgreSQL variant cannot run here.
    pub async fn start(self) -> Option<TestApp> {
        init_logs();
        // The server runs inside this test binary, which is not `hirekey`: its extraction
        // workers are the `hirekey` binary Cargo built for these tests.
        hirekey_core::services::extract::set_worker_path(env!("CARGO_BIN_EXE_hirekey"));
        let mock = MockProvider::start(0).await.expect("mock provider");
        let data_dir = tempfile::tempdir().expect("temp dir");
        let database_url = match (self.database_url, self.kind) {
            (Some(url), _) => url,
            (None, DbKind::Sqlite) => format!(
                "sqlite://{}?mode=rwc",
                data_dir.path().join("hirekey.db").display()
            ),
            (None, DbKind::Postgres) => fresh_postgres_database().await?,
        };
        let mut env: HashMap<String, String> = HashMap::from([
            (
                "HIREKEY_DATA_DIR".into(),
                data_dir.path().display().to_string(),
            ),
            ("DATABASE_URL".into(), database_url.clone()),
            ("LEPTOS_SITE_ADDR".into(), "127.0.0.1:0".into()),
            (
                "LEPTOS_SITE_ROOT".into(),
                data_dir.path().join("site").display().to_string(),
            ),
            (
                "HIREKEY_GROQ_BASE_URL".into(),
                format!("{}/openai/v1", mock.url()),
            ),
            (
                "HIREKEY_OPENROUTER_BASE_URL".into(),
                format!("{}/api/v1", mock.url()),
            ),
            ("HIREKEY_DEEPSEEK_BASE_URL".into(), mock.url()),
            ("HIREKEY_OPENAI_BASE_URL".into(), mock.url()),
            ("AI_PROVIDER".into(), "groq".into()),
            ("GROQ_API_KEY".into(), SYSTEM_KEY.into()),
            ("GROQ_MODEL".into(), "llama-3.3-70b-versatile".into()),
            (
                "GROQ_API_URL".into(),
                format!("{}/openai/v1/chat/completions", mock.url()),
            ),
            // Below the mock's 3 s `slow` delay, so timeouts are tested; above what a loaded
            // 2-core machine running the whole suite at once needs for a normal answer.
            ("HIREKEY_PROVIDER_TIMEOUT_SECS".into(), "2.5".into()),
            // Tests register many users; the invite tests set `invite` themselves.
            ("HIREKEY_REGISTRATION".into(), "open".into()),
        ]);
        if self.allow_mock_host {
            let host_port = mock.url().trim_start_matches("http://").to_owned();
            env.insert("HIREKEY_ALLOWED_PROVIDER_HOSTS".into(), host_port);
        }
        env.extend(self.env);
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("config");
        let app = Application::build(config).await.expect("application");
        let url = format!("http://{}", app.local_addr());
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());
        Some(TestApp {
            url,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            mock,
            state,
            data_dir,
            kind: self.kind,
            database_url,
        })
    }
}

impl TestApp {
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.http.request(method, format!("{}{}", self.url, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        into_response(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PUT, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    /// Registers a user and returns their token.
    pub async fn register(&self, email: &str) -> String {
        let r = self
            .request(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(json!({"email": email, "password": "correct horse battery", "name": "Test User"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "register: {}", r.text);
        r.body["token"].as_str().expect("token").to_owned()
    }

    /// Stores and enables a personal Groq key.
    pub async fn save_groq_key(&self, token: &str, key: &str) -> Response {
        self.put(
            "/api/v1/profile/ai-settings",
            token,
            json!({"personal_groq_api_key": key, "use_personal_ai_key": true}),
        )
        .await
    }

    /// Every stored row of the tables that could hold a key, as text.
    pub async fn database_dump(&self) -> Vec<u8> {
        match self.kind {
            DbKind::Sqlite => {
                let mut bytes = Vec::new();
                for file in ["hirekey.db", "hirekey.db-wal"] {
                    if let Ok(b) = std::fs::read(self.data_dir.path().join(file)) {
                        bytes.extend(b);
                    }
                }
                bytes
            }
            DbKind::Postgres => {
                let db = Database::connect(&self.database_url)
                    .await
                    .expect("connect");
                let mut out = Vec::new();
                for table in [
                    "users",
                    "provider_keys",
                    "audit_events",
                    "ai_usage",
                    "vault_meta",
                    "settings",
                    "rate_limits",
                ] {
                    let rows = db
                        .query_all(Statement::from_string(
                            db.get_database_backend(),
                            format!("SELECT row_to_json(t)::text AS j FROM {table} t"),
                        ))
                        .await
                        .expect("dump");
                    for row in rows {
                        let j: String = row.try_get("", "j").expect("text");
                        out.extend(j.into_bytes());
                    }
                }
                out
            }
        }
    }

    /// Usage rows are written in the background; wait until `n` exist for the user.
    pub async fn wait_for_usage_rows(
        &self,
        n: usize,
    ) -> Vec<hirekey_core::entities::ai_usage::Model> {
        use sea_orm::EntityTrait;
        for _ in 0..100 {
            let rows = hirekey_core::entities::ai_usage::Entity::find()
                .all(&self.state.db)
                .await
                .expect("usage");
            if rows.len() >= n {
                return rows;
            }
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        }
        panic!("usage rows did not appear");
    }
}

/// Runs a test body on SQLite and, where it is running, on PostgreSQL.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $spawn:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let app = ($spawn)($crate::helpers::Spawn::new($crate::helpers::DbKind::Sqlite))
                    .start()
                    .await
                    .expect("sqlite app");
                ($body)(app).await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(app) = ($spawn)($crate::helpers::Spawn::new(
                    $crate::helpers::DbKind::Postgres,
                ))
                .start()
                .await
                else {
                    return;
                };
                ($body)(app).await;
            }
        }
    };
    ($name:ident, $body:expr) => {
        $crate::db_test!($name, |s| s, $body);
    };
}

impl TestApp {
    /// The caller's audit trail, newest first, as event names.
    pub async fn audit_events(&self, token: &str) -> Vec<String> {
        let r = self.get("/api/v1/profile/audit", token).await;
        assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.text);
        r.body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The id of the user behind a token.
    pub async fn user_id(&self, token: &str) -> uuid::Uuid {
        let me = self.get("/api/v1/auth/me", token).await;
        me.body["id"].as_str().unwrap().parse().unwrap()
    }

    /// Stores a key without the live test (for keys the mock provider is told to fail with),
    /// enabled and made the active provider, replacing the user's key for that provider.
    pub async fn store_key_directly(&self, token: &str, provider: &str, key: &str) {
        use hirekey_core::entities::{provider_keys, users};
        use sea_orm::{
            ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
        };
        let user_id = self.user_id(token).await;
        provider_keys::Entity::delete_many()
            .filter(provider_keys::Column::UserId.eq(user_id))
            .filter(provider_keys::Column::Provider.eq(provider))
            .exec(&self.state.db)
            .await
            .unwrap();
        let sealed = self
            .state
            .vault
            .encrypt(user_id, provider, &hirekey_core::vault::Secret::new(key))
            .unwrap();
        let now = chrono::Utc::now();
        provider_keys::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            user_id: Set(user_id),
            provider: Set(provider.into()),
            ciphertext: Set(sealed.ciphertext),
            nonce: Set(sealed.nonce),
            key_version: Set(sealed.key_version),
            preview: Set(hirekey_core::providers::mask_key_preview(key)),
            enabled: Set(true),
            model: Set(None),
            base_url: Set(None),
            expires_at: Set(None),
            expired_notified: Set(false),
            last_tested_at: Set(None),
            last_test_ok: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&self.state.db)
        .await
        .unwrap();
        let user = users::Entity::find_by_id(user_id)
            .one(&self.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut user = user.into_active_model();
        user.active_provider = Set(Some(provider.into()));
        user.update(&self.state.db).await.unwrap();
        self.state.key_cache.forget(user_id);
    }

    /// Chat requests the mock provider received, oldest first.
    pub fn chat_requests(&self) -> Vec<mock_provider::RecordedRequest> {
        self.mock
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/chat/completions"))
            .collect()
    }
}

// ---- Uploads and streams -------------------------------------------------------------------

pub async fn into_response(res: reqwest::Response) -> Response {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Response {
        status,
        headers,
        body,
        text,
    }
}

pub async fn upload_to(
    app: &TestApp,
    token: &str,
    path: &str,
    file_name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> Response {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(file_name.to_owned())
        .mime_str(mime)
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("note", "ignored")
        .part("file", part);
    let res = app
        .http
        .post(format!("{}{}", app.url, path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    into_response(res).await
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    file_name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> Response {
    upload_to(app, token, "/api/v1/resumes/upload", file_name, mime, bytes).await
}

pub async fn upload_text(app: &TestApp, token: &str, text: &str) -> Response {
    upload(
        app,
        token,
        "resume.txt",
        "text/plain",
        text.as_bytes().to_vec(),
    )
    .await
}

/// Posts `body` to `path` asking for a stream; the status and the server-sent events as
/// (event name, data) pairs, in order (`message` for unnamed events).
pub async fn sse_events(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Vec<(String, String)>) {
    use futures::StreamExt;
    let res = app
        .http
        .post(format!("{}{}", app.url, path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    if status == StatusCode::OK {
        assert!(res
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
    }
    let mut bytes = res.bytes_stream();
    let mut text = String::new();
    while let Some(chunk) = bytes.next().await {
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
    }
    if status != StatusCode::OK {
        return (status, vec![("http-error".to_owned(), text)]);
    }
    let events = text
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut event = "message".to_owned();
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = e.to_owned();
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push(d.to_owned());
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push(d.to_owned());
                }
            }
            (event, data.join("\n"))
        })
        .filter(|(_, d)| !d.is_empty())
        .collect();
    (status, events)
}

/// A request acting in `workspace` through the `X-Workspace-Id` header.
pub async fn in_ws(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    workspace: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app
        .http
        .request(method, format!("{}{}", app.url, path))
        .bearer_auth(token)
        .header("X-Workspace-Id", workspace);
    if let Some(b) = body {
        req = req.json(&b);
    }
    into_response(req.send().await.unwrap()).await
}

/// A text resume uploaded into `workspace` through the `X-Workspace-Id` header.
pub async fn upload_in(app: &TestApp, token: &str, workspace: &str, text: &str) -> Response {
    let part = reqwest::multipart::Part::bytes(text.as_bytes().to_vec())
        .file_name("resume.txt")
        .mime_str("text/plain")
        .unwrap();
    let res = app
        .http
        .post(format!("{}/api/v1/resumes/upload", app.url))
        .bearer_auth(token)
        .header("X-Workspace-Id", workspace)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    into_response(res).await
}
