//! The multi-instance deployment, as it is run: two real `hirekey` processes
//! started at the same moment on one fresh PostgreSQL database, with the same master key and JWT
//! secret, behind Debian's nginx as a round-robin load balancer configured from
//! `scripts/nginx-cluster.conf.template` (the file `make cluster` uses too). One mock provider in
//! this test process serves both instances, so its recorded requests are the witness of which
//! key was sent after a change.
//!
//! Runs when PostgreSQL is reachable and `/usr/sbin/nginx` exists (`make setup` installs it);
//! under `CI=true` a missing one fails the test instead of skipping it. Every child process is
//! behind a guard that kills it when the test ends, passing or panicking; on a failure the test
//! prints each process's log.
use std::{
    fs,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use mock_provider::{MockProvider, RecordedRequest};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{fresh_postgres_database, groq_key, into_response, Response, SYSTEM_KEY};

/// The balancer's configuration, shared with `make cluster` and the cluster benchmark.
const NGINX_TEMPLATE: &str = include_str!("../../../scripts/nginx-cluster.conf.template");
const NGINX: &str = "/usr/sbin/nginx";
const JWT_SECRET: &str = "a-cluster-secret-of-at-least-32-characters";
const PASSWORD: &str = "correct horse battery";
const RESUME: &str = "Ada Lovelace\nSenior Python Engineer\nSkills: Python, Django, PostgreSQL\n\
Built Python data pipelines and Django services for 9 years.\n";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether the balancer can run here; under `CI=true` it must.
fn nginx_installed() -> bool {
    if Path::new(NGINX).exists() {
        return true;
    }
    assert!(
        !in_ci(),
        "CI=true but nginx is not installed at {NGINX}: the cluster test must run in CI \
         (`make setup` installs it)"
    );
    eprintln!(
        "nginx is not installed at {NGINX} (`make setup` installs it); skipping the cluster test"
    );
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The template with its placeholders filled in.
fn nginx_conf(prefix: &Path, listen: &str, upstreams: &[String]) -> String {
    let servers: Vec<String> = upstreams
        .iter()
        .map(|u| format!("server {u} max_fails=1 fail_timeout=5s;"))
        .collect();
    NGINX_TEMPLATE
        .replace("@PREFIX@", &prefix.display().to_string())
        .replace("@LISTEN@", listen)
        .replace("@UPSTREAMS@", &servers.join("\n        "))
}

/// A child process, stopped and reaped when dropped (also when the test panics); its output
/// goes to `log`.
struct Proc {
    name: String,
    child: Child,
    log: PathBuf,
    /// nginx stops its workers on SIGTERM; `hirekey` is simply killed.
    graceful: bool,
}

impl Proc {
    fn spawn(name: &str, mut command: Command, log: PathBuf, graceful: bool) -> Self {
        let out = fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Self {
            name: name.to_owned(),
            child,
            log,
            graceful,
        }
    }

    fn exited(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_some()
    }

    /// SIGKILL, then waits for the process to be gone.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.graceful && !self.exited() {
            let pid = libc::pid_t::try_from(self.child.id()).unwrap_or(0);
            // SAFETY: signals our own child, which has not been reaped (try_wait said so).
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(5);
            while !self.exited() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.kill();
    }
}

/// One `hirekey serve` process.
struct Instance {
    url: String,
    addr: String,
    proc: Proc,
}

/// Two instances, nginx in front of them and the mock provider behind them.
struct Cluster {
    a: Instance,
    b: Instance,
    nginx: Proc,
    /// The balancer's URL.
    lb: String,
    mock: MockProvider,
    http: reqwest::Client,
    /// Data directories and logs; removed last.
    _dir: tempfile::TempDir,
    nginx_dir: tempfile::TempDir,
}

impl Drop for Cluster {
    /// On a failure, every process's log (the ends of them), then the guards stop the processes.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let error_log = self.nginx_dir.path().join("error.log");
        let access_log = self.nginx_dir.path().join("access.log");
        let logs = [
            ("instance A", &self.a.proc.log),
            ("instance B", &self.b.proc.log),
            ("nginx", &self.nginx.log),
            ("nginx error.log", &error_log),
            ("nginx access.log", &access_log),
        ];
        for (name, path) in logs {
            let text = fs::read_to_string(path).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(150)..].join("\n");
            eprintln!("---- {name} ({}) ----\n{tail}", path.display());
        }
    }
}

/// Starts `hirekey serve` (instance `name`) on `port` with the configuration every instance of one deployment
/// shares, and the mock provider for every provider URL.
fn spawn_instance(
    name: &'static str,
    dir: &Path,
    port: u16,
    database_url: &str,
    master_key: &str,
    mock: &MockProvider,
) -> Instance {
    let data = dir.join(format!("instance-{name}"));
    fs::create_dir_all(&data).expect("data dir");
    let mock_url = mock.url();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hirekey"));
    command
        .arg("serve")
        // Nothing from this environment or a `.env` file reaches the instance.
        .env_clear()
        .current_dir(&data)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .env("DATABASE_URL", database_url)
        .env("HIREKEY_MASTER_KEY", master_key)
        .env("HIREKEY_JWT_SECRET", JWT_SECRET)
        .env("HIREKEY_DATA_DIR", &data)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", data.join("site"))
        .env("HIREKEY_GROQ_BASE_URL", format!("{mock_url}/openai/v1"))
        .env("HIREKEY_OPENROUTER_BASE_URL", format!("{mock_url}/api/v1"))
        .env("HIREKEY_DEEPSEEK_BASE_URL", &mock_url)
        .env("HIREKEY_OPENAI_BASE_URL", &mock_url)
        .env("AI_PROVIDER", "groq")
        .env("GROQ_API_KEY", SYSTEM_KEY)
        .env("GROQ_MODEL", "llama-3.3-70b-versatile")
        .env(
            "GROQ_API_URL",
            format!("{mock_url}/openai/v1/chat/completions"),
        )
        // Above the mock's 3 s `slow` delay: a slow analysis is still running when its
        // instance is killed, and finishes on the other one.
        .env("HIREKEY_PROVIDER_TIMEOUT_SECS", "10")
        .env("HIREKEY_REGISTRATION", "open")
        // As documented behind a balancer: the client address comes from X-Forwarded-For.
        .env("HIREKEY_TRUST_PROXY_HEADERS", "true");
    let log = dir.join(format!("instance-{name}.log"));
    Instance {
        url: format!("http://127.0.0.1:{port}"),
        addr: format!("127.0.0.1:{port}"),
        proc: Proc::spawn(&format!("instance {name}"), command, log, false),
    }
}

impl Cluster {
    /// The whole deployment, up and listening; `None` where PostgreSQL or nginx is missing
    /// (outside CI).
    async fn start() -> Option<Cluster> {
        if !nginx_installed() {
            return None;
        }
        let database_url = fresh_postgres_database().await?;
        let mock = MockProvider::start(0).await.expect("mock provider");
        let dir = tempfile::tempdir().expect("temp dir");
        let master_key = hirekey_core::vault::MasterKey::generate().to_base64();
        // Both at the same moment, on the empty database.
        let spawn =
            |name, port| spawn_instance(name, dir.path(), port, &database_url, &master_key, &mock);
        let a = spawn("A", free_port());
        let b = spawn("B", free_port());

        // nginx's workers may run as another user (nginx started as root): its directory must
        // be readable to them.
        let nginx_dir = tempfile::tempdir().expect("temp dir");
        let prefix = nginx_dir.path().to_owned();
        fs::set_permissions(&prefix, fs::Permissions::from_mode(0o755)).expect("chmod");
        let lb_port = free_port();
        let conf = nginx_conf(
            &prefix,
            &format!("127.0.0.1:{lb_port}"),
            &[a.addr.clone(), b.addr.clone()],
        );
        let conf_path = prefix.join("nginx.conf");
        fs::write(&conf_path, conf).expect("nginx.conf");
        let mut command = Command::new(NGINX);
        command
            .arg("-p")
            .arg(&prefix)
            .arg("-e")
            .arg(prefix.join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .arg("-g")
            .arg(format!("daemon off; pid {}/nginx.pid;", prefix.display()));
        let nginx = Proc::spawn("nginx", command, prefix.join("nginx.out"), true);

        let mut cluster = Cluster {
            a,
            b,
            nginx,
            lb: format!("http://127.0.0.1:{lb_port}"),
            mock,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            _dir: dir,
            nginx_dir,
        };
        // A debug build migrating on a busy 2-core machine: allow a minute and a half.
        let deadline = Instant::now() + Duration::from_secs(90);
        for which in [Which::A, Which::B, Which::Lb] {
            cluster.wait_healthy(which, deadline).await;
        }
        for url in [&cluster.a.url, &cluster.b.url] {
            cluster.wait_listening(url, deadline).await;
        }
        Some(cluster)
    }

    fn url(&self, which: Which) -> &str {
        match which {
            Which::A => &self.a.url,
            Which::B => &self.b.url,
            Which::Lb => &self.lb,
        }
    }

    /// Polls `/healthz` until it answers 200; fails at once if the process behind it exited.
    async fn wait_healthy(&mut self, which: Which, deadline: Instant) {
        loop {
            let proc = match which {
                Which::A => &mut self.a.proc,
                Which::B => &mut self.b.proc,
                Which::Lb => &mut self.nginx,
            };
            assert!(!proc.exited(), "{} exited during start-up", proc.name);
            let url = format!("{}/healthz", self.url(which));
            if let Ok(r) = self.http.get(&url).send().await {
                if r.status() == StatusCode::OK {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{url} did not answer 200 in time"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls `/healthz?detail=true` until the instance's notification listener is connected.
    async fn wait_listening(&self, url: &str, deadline: Instant) {
        loop {
            let health = self.health_detail(url).await;
            if health["notifications"]["state"] == "listening" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{url}: the listener never connected: {health}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn health_detail(&self, url: &str) -> Value {
        let r = self
            .send(url, Method::GET, "/healthz?detail=true", None, None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text);
        r.body
    }

    /// Changes from other instances that the instance at `url` has applied to its caches.
    async fn received(&self, url: &str) -> u64 {
        self.health_detail(url).await["notifications"]["received"]
            .as_u64()
            .expect("notifications.received")
    }

    /// Polls B's health detail (no request that reads a cache) until B has applied more than
    /// `before` changes: A answers once the change and its notification are committed, and B's
    /// listener applies it asynchronously, within milliseconds.
    async fn wait_received(&self, before: u64) {
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.received(&self.b.url).await <= before {
            assert!(
                Instant::now() < deadline,
                "B did not apply the change notification within 2 s"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn send(
        &self,
        base: &str,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = self.http.request(method, format!("{base}{path}"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        into_response(req.send().await.expect("request")).await
    }

    async fn get(&self, which: Which, path: &str, token: &str) -> Response {
        self.send(self.url(which), Method::GET, path, Some(token), None)
            .await
    }

    async fn register(&self, which: Which, email: &str) -> String {
        let body = json!({"email": email, "password": PASSWORD, "name": "Cluster User"});
        let r = self
            .send(
                self.url(which),
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "register: {}", r.text);
        r.body["token"].as_str().expect("token").to_owned()
    }

    async fn login(&self, which: Which, email: &str, password: &str) -> Response {
        let body = json!({"email": email, "password": password});
        self.send(
            self.url(which),
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(body),
        )
        .await
    }

    /// Wrong passwords until the login is refused with 429; how many attempts that took.
    async fn attempts_until_throttled(&self, which: Which, email: &str) -> usize {
        for attempt in 1..=20 {
            let r = self.login(which, email, "wrong password!").await;
            match r.status {
                StatusCode::UNAUTHORIZED => continue,
                StatusCode::TOO_MANY_REQUESTS => return attempt,
                other => panic!("login attempt {attempt}: {other} {}", r.text),
            }
        }
        panic!("20 wrong passwords for {email} were never throttled");
    }

    async fn settings(&self, which: Which, token: &str, body: Value) -> Response {
        let path = "/api/v1/profile/ai-settings";
        self.send(self.url(which), Method::PUT, path, Some(token), Some(body))
            .await
    }

    /// Chat requests the mock provider received, from both instances, oldest first.
    fn chat_requests(&self) -> Vec<RecordedRequest> {
        self.mock
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/chat/completions"))
            .collect()
    }

    /// One AI call through `which`; the key the mock provider received for it.
    async fn chat_key(&self, which: Which, token: &str) -> Option<String> {
        let before = self.chat_requests().len();
        let body = json!({"messages": [{"role": "user", "content": "Say hello"}]});
        let r = self
            .send(
                self.url(which),
                Method::POST,
                "/api/ai/chat",
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let sent = self.chat_requests();
        assert_eq!(sent.len(), before + 1, "one provider call per AI call");
        sent.last().and_then(|r| r.api_key.clone())
    }

    /// An upload of a text resume through `which`, ready to send.
    fn upload_request(&self, which: Which, token: &str, text: &str) -> reqwest::RequestBuilder {
        let part = reqwest::multipart::Part::bytes(text.as_bytes().to_vec())
            .file_name("resume.txt")
            .mime_str("text/plain")
            .expect("mime type");
        self.http
            .post(format!("{}/api/v1/resumes/upload", self.url(which)))
            .bearer_auth(token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
    }

    /// A streamed chat through `which`: the status, and the events as (name, data) in order.
    async fn stream_chat(&self, which: Which, token: &str) -> (StatusCode, Vec<(String, String)>) {
        let res = self
            .http
            .post(format!("{}/api/v1/ai/chat?stream=true", self.url(which)))
            .bearer_auth(token)
            .json(&json!({"query_text": "Find Python developers"}))
            .send()
            .await
            .expect("stream");
        let status = res.status();
        let text = res.text().await.expect("the whole stream");
        let events = text
            .split("\n\n")
            .filter_map(|block| {
                let name = block
                    .lines()
                    .find_map(|l| l.strip_prefix("event:"))
                    .map_or("message", str::trim);
                let data: Vec<&str> = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|d| d.strip_prefix(' ').unwrap_or(d))
                    .collect();
                (!data.is_empty()).then(|| (name.to_owned(), data.join("\n")))
            })
            .collect();
        (status, events)
    }

    /// Requests nginx passed to each instance so far, by path prefix: (to A, to B).
    fn balanced(&self, path: &str) -> (usize, usize) {
        let log = fs::read_to_string(self.nginx_dir.path().join("access.log")).unwrap_or_default();
        let count = |addr: &str| {
            log.lines()
                .filter(|l| {
                    l.contains(&format!(" {path}")) && l.contains(&format!("upstream={addr}"))
                })
                .count()
        };
        (count(&self.a.addr), count(&self.b.addr))
    }
}

#[derive(Clone, Copy, Debug)]
enum Which {
    A,
    B,
    Lb,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_nginx_act_as_one_service() {
    let Some(cluster) = Cluster::start().await else {
        return;
    };
    use Which::{Lb, A, B};

    // Both came up, and the balancer answers with either of them.
    for which in [A, B, Lb] {
        let r = cluster
            .send(cluster.url(which), Method::GET, "/healthz", None, None)
            .await;
        assert_eq!(
            (r.status, &r.body),
            (StatusCode::OK, &json!({"status": "ok"})),
            "{which:?}"
        );
    }
    for _ in 0..4 {
        let r = cluster
            .send(&cluster.lb, Method::GET, "/healthz", None, None)
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let (to_a, to_b) = cluster.balanced("/healthz");
    assert!(
        to_a >= 2 && to_b >= 2,
        "round robin: {to_a} to A, {to_b} to B"
    );

    // A token from one instance works on the other, and through the balancer.
    for (from, on) in [(A, B), (B, A)] {
        let email = format!("token-{from:?}@example.com").to_lowercase();
        let token = cluster.register(from, &email).await;
        for which in [on, Lb, Lb] {
            let me = cluster.get(which, "/api/v1/auth/me", &token).await;
            assert_eq!(
                me.status,
                StatusCode::OK,
                "{from:?} → {which:?}: {}",
                me.text
            );
            assert_eq!(me.body["email"], email.as_str());
        }
    }

    // Keys: K1 saved through A; B's call sends K1 (and keeps it in B's key cache).
    let token = cluster.register(Lb, "kim@example.com").await;
    let k1 = groq_key("one");
    let save = |key: &str| json!({"personal_groq_api_key": key, "use_personal_ai_key": true});
    let r = cluster.settings(A, &token, save(&k1)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        cluster.chat_key(B, &token).await.as_deref(),
        Some(k1.as_str())
    );

    // Replaced by K2 through A: B's very next call sends K2.
    let k2 = groq_key("two");
    let before = cluster.received(&cluster.b.url).await;
    let replaced_at = cluster.chat_requests().len();
    let r = cluster.settings(A, &token, save(&k2)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    cluster.wait_received(before).await;
    assert_eq!(
        cluster.chat_key(B, &token).await.as_deref(),
        Some(k2.as_str())
    );
    assert_eq!(
        cluster.chat_key(Lb, &token).await.as_deref(),
        Some(k2.as_str())
    );
    assert_eq!(
        cluster.chat_key(Lb, &token).await.as_deref(),
        Some(k2.as_str())
    );

    // Deleted through A: B never sends it again; the system key pays.
    let before = cluster.received(&cluster.b.url).await;
    let deleted_at = cluster.chat_requests().len();
    let r = cluster
        .send(
            &cluster.a.url,
            Method::DELETE,
            "/api/v1/profile/ai-settings",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    cluster.wait_received(before).await;
    for which in [B, B, Lb, Lb] {
        assert_eq!(
            cluster.chat_key(which, &token).await.as_deref(),
            Some(SYSTEM_KEY)
        );
    }

    // The witness, the Authorization header of every provider request after each change.
    let keys_since = |from: usize| -> Vec<Option<String>> {
        cluster.chat_requests()[from..]
            .iter()
            .map(|r| r.api_key.clone())
            .collect()
    };
    let after_replace = keys_since(replaced_at);
    assert!(
        !after_replace.contains(&Some(k1.clone())),
        "the replaced key K1 was sent after the replacement: {after_replace:?}"
    );
    let after_delete = keys_since(deleted_at);
    assert!(
        after_delete
            .iter()
            .all(|k| k.as_deref() == Some(SYSTEM_KEY)),
        "a personal key was sent after its deletion: {after_delete:?}"
    );

    // A streamed chat passes the balancer whole: the same events, in the same order, as
    // directly from an instance, down to `done` and `[DONE]`.
    let r = into_response(
        cluster
            .upload_request(Lb, &token, RESUME)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["analysis_status"], "done", "{}", r.text);
    let (status, direct) = cluster.stream_chat(A, &token).await;
    assert_eq!(status, StatusCode::OK, "{direct:?}");
    for _ in 0..2 {
        let (status, balanced) = cluster.stream_chat(Lb, &token).await;
        assert_eq!(status, StatusCode::OK, "{balanced:?}");
        let names = |events: &[(String, String)]| -> Vec<String> {
            events.iter().map(|(name, _)| name.clone()).collect()
        };
        assert_eq!(names(&balanced), names(&direct));
        let n = balanced.len();
        assert!(n > 4, "the answer came in several tokens: {balanced:?}");
        assert_eq!(balanced[0].0, "candidates");
        assert_eq!(balanced[n - 2].0, "done", "{balanced:?}");
        assert_eq!(balanced[n - 1].1, "[DONE]");
        // Every token, byte for byte (the first event names a new conversation, the last
        // but one the new stored message).
        assert_eq!(balanced[1..n - 2], direct[1..n - 2]);
        let tokens = |events: &[(String, String)]| {
            let done: Value = serde_json::from_str(&events[events.len() - 2].1).unwrap();
            (
                done["prompt_tokens"].clone(),
                done["completion_tokens"].clone(),
            )
        };
        assert_eq!(tokens(&balanced), tokens(&direct));
    }
    let (to_a, to_b) = cluster.balanced("/api/v1/ai/chat");
    assert_eq!(
        (to_a, to_b),
        (1, 1),
        "one stream through the balancer on each instance"
    );

    // Login throttling trips at the same attempt as on one instance: ten wrong passwords are
    // answered 401, the eleventh 429, whether they all reach A or alternate between A and B.
    cluster.register(Lb, "direct@example.com").await;
    cluster.register(Lb, "balanced@example.com").await;
    let direct = cluster
        .attempts_until_throttled(A, "direct@example.com")
        .await;
    let balanced = cluster
        .attempts_until_throttled(Lb, "balanced@example.com")
        .await;
    assert_eq!(direct, 11, "one instance: ten wrong passwords, then 429");
    assert_eq!(balanced, direct, "through the balancer as on one instance");
    let (to_a, to_b) = cluster.balanced("/api/v1/auth/login");
    assert!(
        to_a >= 5 && to_b >= 5,
        "attempts on both: {to_a} to A, {to_b} to B"
    );
}

/// Durable analysis jobs across processes: the instance analysing a resume is SIGKILLed mid-call,
/// and the other instance finishes that analysis (once the job's lease has lapsed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_instance_finishes_an_analysis_whose_instance_was_killed() {
    let Some(mut cluster) = Cluster::start().await else {
        return;
    };
    use Which::{Lb, A, B};
    let token = cluster.register(Lb, "ada@example.com").await;
    // The mock answers a key containing `slow` after 3 s (the instances wait 10).
    let slow = groq_key("slow");
    let body = json!({"personal_groq_api_key": slow, "use_personal_ai_key": true});
    let r = cluster.settings(A, &token, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // The upload goes to A directly; once the mock has A's analysis call, A is killed.
    let upload = tokio::spawn(cluster.upload_request(A, &token, RESUME).send());
    let analysing = |requests: Vec<RecordedRequest>| {
        requests
            .iter()
            .filter(|r| r.api_key.as_deref() == Some(slow.as_str()))
            .filter(|r| {
                r.messages
                    .iter()
                    .any(|m| m.content.contains("Ada Lovelace"))
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while analysing(cluster.chat_requests()) == 0 {
        assert!(Instant::now() < deadline, "A never called the provider");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cluster.a.proc.kill();
    let killed = Instant::now();
    // Its connection ended with A (whatever A had sent before).
    let _ = tokio::time::timeout(Duration::from_secs(10), upload)
        .await
        .expect("the upload's connection ends with A");

    // B, directly and through the balancer (which now sends everything to B), finishes it.
    let deadline = killed + Duration::from_secs(60);
    let candidate = loop {
        let list = cluster.get(B, "/api/v1/candidates", &token).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert_eq!(
            list.body["total"], 1,
            "the upload was stored before the AI call: {}",
            list.text
        );
        let item = list.body["items"][0].clone();
        match item["analysis_status"].as_str() {
            Some("done") => break item,
            Some("failed") => panic!("the analysis failed: {item}"),
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "B did not finish the analysis within 60 s of A's death: {item}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(candidate["name"], "Ada Lovelace", "{candidate}");
    let id = candidate["id"].as_str().expect("id");
    for _ in 0..3 {
        let r = cluster
            .get(Lb, &format!("/api/v1/candidates/{id}"), &token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["analysis_status"], "done", "{}", r.text);
    }
    assert!(
        analysing(cluster.chat_requests()) >= 2,
        "B called the provider for the analysis again"
    );
}

/// Durable screening runs across processes: the instance screening applications is SIGKILLed
/// mid-call, and the other instance finishes the run (once the items' leases have lapsed),
/// with every application screened and none failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_instance_finishes_a_screening_whose_instance_was_killed() {
    let Some(mut cluster) = Cluster::start().await else {
        return;
    };
    use Which::{Lb, A, B};
    let token = cluster.register(Lb, "screen@example.com").await;
    let body = json!({"personal_groq_api_key": groq_key("plain"), "use_personal_ai_key": true});
    let r = cluster.settings(A, &token, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let post = |path: String, body: Value| {
        let cluster = &cluster;
        let token = token.clone();
        async move {
            cluster
                .send(
                    cluster.url(A),
                    Method::POST,
                    &path,
                    Some(&token),
                    Some(body),
                )
                .await
        }
    };
    let r = post(
        "/api/v1/jobs".into(),
        json!({"title": "Engineer", "description": "Python", "status": "open"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let job = r.body["id"].as_str().expect("job id").to_owned();
    let r = cluster
        .send(
            cluster.url(A),
            Method::PUT,
            &format!("/api/v1/jobs/{job}/criteria"),
            Some(&token),
            Some(json!({"criteria": [{"text": "Python", "kind": "must"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Twelve applicants: more than one instance's eight runner slots, so both hold some.
    for i in 0..12 {
        let text = RESUME.replace("Ada Lovelace", &format!("Applicant Number{i}"));
        let r = into_response(
            cluster
                .upload_request(A, &token, &text)
                .send()
                .await
                .expect("upload"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let candidate = r.body["id"].as_str().expect("candidate id").to_owned();
        let r = post(
            format!("/api/v1/jobs/{job}/applications"),
            json!({"candidate_id": candidate}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    // The mock answers a key containing `slow` after 3 s (the instances wait 10).
    let slow = groq_key("slow");
    let body = json!({"personal_groq_api_key": slow, "use_personal_ai_key": true});
    let r = cluster.settings(A, &token, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = post(format!("/api/v1/jobs/{job}/screenings"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let run = r.body["id"].as_str().expect("run id").to_owned();

    let screening = |requests: Vec<RecordedRequest>| {
        requests
            .iter()
            .filter(|r| r.api_key.as_deref() == Some(slow.as_str()))
            .filter(|r| {
                r.messages
                    .iter()
                    .any(|m| m.content.contains("<candidate_resume>"))
            })
            .count()
    };
    // Both instances are calling the provider (eight and four): then A dies mid-call.
    let deadline = Instant::now() + Duration::from_secs(30);
    while screening(cluster.chat_requests()) < 12 {
        assert!(
            Instant::now() < deadline,
            "the runs never called the provider"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cluster.a.proc.kill();
    let killed = Instant::now();

    let deadline = killed + Duration::from_secs(90);
    let progress = loop {
        let r = cluster
            .get(B, &format!("/api/v1/screenings/{run}"), &token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.body["state"] != "running" {
            break r.body;
        }
        assert!(
            Instant::now() < deadline,
            "B did not finish the run within 90 s of A's death: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(progress["state"], "done", "{progress}");
    assert_eq!(progress["done"], 12, "{progress}");
    assert_eq!(progress["failed"], 0, "{progress}");
    // A's items were sent again, by B.
    assert!(
        screening(cluster.chat_requests()) > 12,
        "B screened A's applications again"
    );
    let r = cluster
        .get(Lb, &format!("/api/v1/jobs/{job}/screening"), &token)
        .await;
    let ranked = r.body["applications"].as_array().expect("applications");
    assert!(ranked.iter().all(|a| a["score"] == 100), "{}", r.text);
}

/// A scan's OCR across processes: the instance reading a three-page scan is SIGKILLed after its
/// first page, and the other instance reads it again and finishes the analysis (once the
/// job's lease has lapsed). The worker and its tools die with their instance's job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_instance_finishes_an_ocr_whose_instance_was_killed() {
    if !crate::ocr::ocr_here() {
        return;
    }
    let Some(mut cluster) = Cluster::start().await else {
        return;
    };
    use Which::{A, B};
    let token = cluster.register(A, "scanned@example.com").await;
    let scan = std::fs::read(format!("{}/s-r-awesome-cv-resume.pdf", crate::ocr::SCANNED))
        .expect("the scan");
    let part = reqwest::multipart::Part::bytes(scan)
        .file_name("scan.pdf")
        .mime_str("application/pdf")
        .expect("mime type");
    let r = into_response(
        cluster
            .http
            .post(format!("{}/api/v1/resumes/upload", cluster.url(A)))
            .bearer_auth(&token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .expect("upload"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/candidates/{id}");
    // Killed once A has counted the pages and read fewer than all of them.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let c = cluster.get(A, &path, &token).await;
        let (done, pages) = (
            c.body["ocr"]["pages_done"].as_u64().unwrap_or(0),
            c.body["ocr"]["pages"].as_u64().unwrap_or(0),
        );
        assert_ne!(
            c.body["ocr"]["state"], "done",
            "A read it all before the kill: {}",
            c.text
        );
        if pages == 3 && done < pages {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "A never started reading: {}",
            c.text
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cluster.a.proc.kill();
    let killed = Instant::now();
    let deadline = killed + Duration::from_secs(90);
    let c = loop {
        let c = cluster.get(B, &path, &token).await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.text);
        if c.body["analysis_status"] != "pending" {
            break c.body;
        }
        assert!(
            Instant::now() < deadline,
            "B did not finish within 90 s of A's death: {}",
            c.text
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(c["analysis_status"], "done", "{c}");
    assert_eq!(c["ocr"]["state"], "done", "{c}");
    assert_eq!(c["ocr"]["pages_done"], 3, "{c}");
    assert!(
        c["resume_text"]
            .as_str()
            .unwrap_or_default()
            .contains("Byungjin"),
        "{c}"
    );
}
