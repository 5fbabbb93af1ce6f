//! `Application`: everything `hirekey serve` starts, and what the integration tests start too.
use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::{bail, Context};
use axum::{
    http::{header, HeaderName, HeaderValue},
    routing::get,
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use migration::MigratorTrait;
use sea_orm::{
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
};
use tokio::net::TcpListener;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use crate::http::{self, auth::WebState};
use hirekey_core::state::clock::Clock;
use hirekey_core::{
    config::Config,
    providers::ProviderClient,
    services::{
        notify::{self, Notifications},
        privacy, rate_limit,
        resumes::jobs,
        screening,
    },
    session::JwtKeys,
    state::AppState,
    vault::{self, write_secret_file, MasterKey},
};

/// Opens the database (creating the SQLite file and data directory when needed).
pub async fn connect_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    if config.is_sqlite() {
        restrict_sqlite_files(config)?;
    }
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(if config.is_sqlite() { 8 } else { 32 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Deleted content is overwritten with zeros, so an erased candidate's text is
                // not left in free pages (README, "Personal data").
                .pragma("secure_delete", "ON")
        });
    Database::connect(options)
        .await
        .context("connecting to the database (check DATABASE_URL)")
}

/// The data directory and the SQLite database are the owner's alone (0700 and 0600), as
/// `master.key` is: they hold every resume. The database file is created with that mode before
/// SQLite opens it, and SQLite gives its `-wal` and `-shm` files the database's mode; files an
/// earlier version left readable by others are tightened.
fn restrict_sqlite_files(config: &Config) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let private = |path: &std::path::Path, mode: u32| -> anyhow::Result<()> {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("making {} private", path.display()))
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&config.data_dir)
        .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
    private(&config.data_dir, 0o700)?;
    let Some(database) = sqlite_file(&config.database_url) else {
        return Ok(());
    };
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&database)
        .with_context(|| format!("creating the database {}", database.display()))?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = database.clone().into_os_string();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        if file.exists() {
            private(&file, 0o600)?;
        }
    }
    Ok(())
}

/// The file of a `sqlite://path?options` URL; `None` for an in-memory database.
fn sqlite_file(database_url: &str) -> Option<std::path::PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.contains(":memory:") && !rest.contains("mode=memory"))
        .then(|| std::path::PathBuf::from(path))
}

/// The JWT secret: `HIREKEY_JWT_SECRET`, or `jwt.secret` in the data directory.
fn jwt_keys(config: &Config) -> anyhow::Result<JwtKeys> {
    if let Some(secret) = &config.jwt_secret {
        if secret.expose().len() < 32 {
            bail!("HIREKEY_JWT_SECRET must be at least 32 characters");
        }
        return Ok(JwtKeys::new(secret.expose().as_bytes()));
    }
    let path = config.data_dir.join("jwt.secret");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= 32 => Ok(JwtKeys::new(&bytes)),
        Ok(_) => bail!(
            "{} is too short; delete it to generate a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&config.data_dir)?;
            let secret = MasterKey::generate().to_base64();
            write_secret_file(&path, secret.as_bytes())?;
            Ok(JwtKeys::new(secret.as_bytes()))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    pub state: AppState,
}

/// The PostgreSQL advisory lock that instances starting together take in turn while they
/// migrate and set up the vault (an arbitrary constant: "hirekey" in ASCII, truncated).
const STARTUP_LOCK: i64 = 0x0068_6972_656b_6579;

/// Holds the start-up lock on PostgreSQL: a single dedicated connection, so the session-level
/// lock and its release happen on the same session. SQLite (one process) needs none.
pub struct StartupLock(Option<DatabaseConnection>);

impl StartupLock {
    pub async fn acquire(config: &Config) -> anyhow::Result<Self> {
        if config.is_sqlite() {
            return Ok(Self(None));
        }
        let mut options = ConnectOptions::new(config.database_url.clone());
        options
            .max_connections(1)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .sqlx_logging(false);
        let lock = Database::connect(options)
            .await
            .context("connecting to the database for the start-up lock")?;
        lock.execute_unprepared(&format!("SELECT pg_advisory_lock({STARTUP_LOCK})"))
            .await
            .context("taking the start-up lock")?;
        Ok(Self(Some(lock)))
    }

    pub async fn release(self) {
        if let Some(lock) = self.0 {
            let unlock = format!("SELECT pg_advisory_unlock({STARTUP_LOCK})");
            if let Err(e) = lock.execute_unprepared(&unlock).await {
                tracing::warn!(error = %e, "releasing the start-up lock");
            }
            // Closing the session releases the lock in any case.
            let _ = lock.close().await;
        }
    }
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = connect_database(&config).await?;
        let lock = StartupLock::acquire(&config).await?;
        let prepared = prepare(&config, &db).await;
        lock.release().await;
        let vault = prepared?;
        let jwt = jwt_keys(&config)?;
        if config.public_url.is_none() && config.site_addr.ip().is_unspecified() {
            tracing::warn!(
                "HIREKEY_PUBLIC_URL is not set and Hirekey listens on {}: invite links will name \
                 that address; set HIREKEY_PUBLIC_URL to the address users reach Hirekey at",
                config.site_addr
            );
        }
        let listener = TcpListener::bind(config.site_addr)
            .await
            .with_context(|| format!("binding {}", config.site_addr))?;
        Self::serve_with(config, db, vault, jwt, listener)
    }
}

/// Migrations, the SQLite release of analysis jobs the last stop cut off, and the vault (whose
/// canary the first instance creates): what one instance at a time does at start-up, under the
/// lock, so instances starting together on an empty database take turns.
async fn prepare(config: &Config, db: &DatabaseConnection) -> anyhow::Result<vault::Vault> {
    let pending = migration::Migrator::get_pending_migrations(db)
        .await
        .context("reading the migrations to run")?
        .len();
    migration::Migrator::up(db, None)
        .await
        .context("running migrations")?;
    if pending > 0 {
        // Statistics for the tables migrations filled or reshaped, so the first queries after
        // an upgrade are planned well (PostgreSQL; nothing on SQLite).
        hirekey_core::services::search::analyze_after_migrations(db)
            .await
            .context("analysing the database after migrations")?;
    }
    // Audit rows written before the chain existed get their places, once per database.
    hirekey_core::audit::chain::seal_unchained(db)
        .await
        .context("sealing the audit trail's earlier rows")?;
    if config.is_sqlite() {
        // One process on SQLite: a job running now was cut off by the last stop, so the runner
        // may take it at once rather than after its lease. (On PostgreSQL another instance may
        // be running it: its lease decides.)
        let released = jobs::release_interrupted(db, chrono::Utc::now())
            .await
            .context("releasing interrupted analysis jobs")?;
        if released > 0 {
            tracing::warn!(jobs = released, "resuming analyses the last stop cut off");
        }
        let released = screening::queue::release_interrupted(db, chrono::Utc::now())
            .await
            .context("releasing interrupted screening items")?;
        if released > 0 {
            tracing::warn!(
                items = released,
                "resuming screenings the last stop cut off"
            );
        }
    }
    vault::open(config, db).await
}

impl Application {
    fn serve_with(
        config: Config,
        db: DatabaseConnection,
        vault: vault::Vault,
        jwt: JwtKeys,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let hash_file = bundle_hash_file(&config.site_root);
        let leptos_options = LeptosOptions::builder()
            .output_name("hirekey")
            .site_root(config.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr()?)
            .hash_files(hash_file.is_some())
            .hash_file(std::sync::Arc::<str>::from(
                hash_file.map_or_else(|| "hash.txt".into(), |f| f.display().to_string()),
            ))
            .build();
        let is_sqlite = config.is_sqlite();
        let state = AppState {
            usage: hirekey_core::services::usage::start_writer(db.clone()),
            db,
            providers: ProviderClient::new(
                config.provider_timeout,
                config.allowed_provider_hosts.clone(),
            )?,
            config: Arc::new(config),
            vault: Arc::new(vault),
            jwt: Arc::new(jwt),
            clock: Clock::default(),
            hashing: Arc::new(tokio::sync::Semaphore::new(2)),
            policy: Default::default(),
            key_cache: Default::default(),
            sessions: Default::default(),
            memberships: Default::default(),
            notifications: Notifications::new(!is_sqlite),
            live_prices: Default::default(),
            budget_ledger: Default::default(),
        };
        let router = build_router(state.clone(), leptos_options);
        spawn_housekeeping(state.clone());
        notify::spawn_listener(state.clone());
        jobs::spawn_runner(state.clone());
        screening::worker::spawn_runner(state.clone());
        privacy::retention::spawn(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| self.state.config.site_addr)
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        crate::serve::serve(self.listener, self.router, shutdown_signal()).await?;
        Ok(())
    }
}

/// The list of the bundles' content hashes that `make build` leaves in the site
/// (`target/site/hash.txt`, cargo-leptos's `hash-file`), as an absolute path, when there is
/// one: the pages then name `hirekey.<hash>.js` and the rest, and `/pkg` lets browsers keep
/// them for a year. Without it (a build without hashing, the integration tests) the plain
/// names are used and revalidated.
fn bundle_hash_file(site_root: &str) -> Option<std::path::PathBuf> {
    let file = std::path::Path::new(site_root).join("hash.txt");
    // Leptos joins this to the executable's directory: only an absolute path stays as it is.
    std::path::absolute(file).ok().filter(|f| f.is_file())
}

/// Whether a bundle's file name carries its content hash, as cargo-leptos writes it: a part of
/// 22 base64url characters (an MD5), as in `hirekey.Ab3_….wasm` or `__wasm_split.Ab3_….js`.
fn is_content_hashed(file_name: &str) -> bool {
    file_name.split('.').any(|part| {
        part.len() == 22
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Caching for `/pkg`: a file under a hashed name never changes, so a browser may keep it for
/// a year without asking again; anything else is revalidated (`Last-Modified`) on each use.
async fn bundle_cache_control(
    hashed: bool,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let immutable = hashed
        && request
            .uri()
            .path()
            .rsplit('/')
            .next()
            .is_some_and(is_content_hashed);
    let mut response = next.run(request).await;
    let value = if immutable && response.status().is_success() {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    response.headers_mut().insert(header::CACHE_CONTROL, value);
    response
}

/// Removes compressed copies older than the file they were made from (a build without
/// `scripts/precompress.mjs`, e.g. `cargo leptos watch`), so a stale bundle is never sent.
fn drop_stale_copies(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
        let is_copy = matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz"));
        if !is_copy {
            continue;
        }
        let source = path.with_extension("");
        if modified(&source).is_none_or(|s| modified(&path).is_none_or(|c| c < s)) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn build_router(state: AppState, leptos_options: LeptosOptions) -> Router {
    let routes = generate_route_list(app::App);
    let web = WebState {
        app: state.clone(),
        leptos: leptos_options.clone(),
    };
    // Server functions call the services with this state (`app::api::context`).
    let services = state.clone();
    // The WASM and JS bundles: sent as the brotli or gzip copies `make build` wrote beside them
    // (`scripts/precompress.mjs`) when the browser takes them, so no CPU goes into compressing
    // them per request (the compression layer leaves encoded answers alone); under hashed names
    // they are cached for a year.
    let pkg = format!("/{}", leptos_options.site_pkg_dir.trim_matches('/'));
    let pkg_dir = format!(
        "{}/{}",
        leptos_options.site_root,
        leptos_options.site_pkg_dir.trim_matches('/')
    );
    drop_stale_copies(std::path::Path::new(&pkg_dir));
    let hashed = leptos_options.hash_files;
    let guard = http::guard::Guard::new(state.clone());
    let bundles = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn(move |request, next| {
            bundle_cache_control(hashed, request, next)
        }))
        .service(
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new()
        .route("/healthz", get(http::healthz))
        .nest("/api", http::api_router())
        .nest_service(&pkg, bundles)
        .leptos_routes_with_context(
            &web,
            routes,
            move || provide_context(services.clone()),
            move || app::shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<WebState, _>(
            app::shell,
        ))
        .with_state(web)
        .layer(axum::middleware::from_fn_with_state(
            state,
            http::auth::login_first,
        ))
        // Inside compression, so a server function's error body is read as written.
        .layer(axum::middleware::from_fn_with_state(
            guard,
            http::guard::guard,
        ))
        .layer(CompressionLayer::new())
        // Pages set their own, with the response's nonce (`app::shell`); everything else gets
        // the policy without one.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&app::content_security_policy(None))
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        // Outermost: every request gets an id (or keeps the one a proxy gave it) before its
        // span opens, and the answer carries it back in `x-request-id`.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The span every log line of a request sits in: method, path (never the query string) and
/// the request id.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}

/// Every five minutes: drop old rate-limit windows and analysis jobs finished long ago.
/// (Analyses cut off by a stop need no sweep: their jobs' leases lapse and a runner takes them.)
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            let now = state.clock.now();
            if let Err(e) = rate_limit::prune(&state.db, now.timestamp()).await {
                tracing::warn!(error = %e, "pruning rate-limit windows failed");
            }
            if let Err(e) = jobs::prune(&state.db, now).await {
                tracing::warn!(error = %e, "pruning finished analysis jobs failed");
            }
            // Budget holds of calls whose instance died.
            match hirekey_core::services::budgets::release_expired(&state, None, now).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(
                    holds = n,
                    "gave back budget holds their calls never settled"
                ),
                Err(e) => tracing::warn!(error = %e, "giving back expired budget holds failed"),
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn hashed_names_are_told_from_plain_ones() {
        // As cargo-leptos names them: an MD5 in unpadded base64url.
        assert!(is_content_hashed("hirekey.x2Xb_1qT0-vJ4kFzA9cRmw.wasm"));
        assert!(is_content_hashed("__wasm_split.x2Xb_1qT0-vJ4kFzA9cRmw.js"));
        assert!(is_content_hashed("hirekey.x2Xb_1qT0-vJ4kFzA9cRmw.wasm.br"));
        assert!(!is_content_hashed("hirekey.wasm"));
        assert!(!is_content_hashed("hirekey_bg.wasm"));
        // One character short, one too many, or not base64url.
        assert!(!is_content_hashed("hirekey.x2Xb_1qT0-vJ4kFzA9cRm.js"));
        assert!(!is_content_hashed("hirekey.x2Xb_1qT0-vJ4kFzA9cRmwQ.js"));
        assert!(!is_content_hashed("hirekey.x2Xb_1qT0+vJ4kFzA9cRmw.js"));
        assert!(!is_content_hashed(""));
    }
}
