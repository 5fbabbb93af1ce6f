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
    ActiveModelTrait, ConnectOptions, Database, DatabaseConnection, EntityTrait, Set,
};
use tokio::net::TcpListener;
use tower_http::{
    compression::CompressionLayer, set_header::SetResponseHeaderLayer, trace::TraceLayer,
};

use crate::{
    backend::ServerBackend,
    config::Config,
    entities::vault_meta,
    http::{self, auth::JwtKeys},
    providers::ProviderClient,
    services::{clock::Clock, rate_limit, resumes, usage::UsageRecorder},
    state::AppState,
    vault::{write_secret_file, MasterKey, Vault},
};

const CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Opens the database (creating the SQLite file and data directory when needed).
pub async fn connect_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    if config.is_sqlite() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("creating the data directory {}", config.data_dir.display())
        })?;
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
        });
    Database::connect(options)
        .await
        .context("connecting to the database (check DATABASE_URL)")
}

/// Loads or creates the master key and checks it against the canary row.
pub async fn open_vault(config: &Config, db: &DatabaseConnection) -> anyhow::Result<Vault> {
    let key_file = config.data_dir.join("master.key");
    let pending_file = config.data_dir.join("master.key.new");
    let canary = vault_meta::Entity::find_by_id(1).one(db).await?;
    let from_env = match &config.master_key {
        Some(text) => Some(MasterKey::from_base64(text.expose()).context("HIREKEY_MASTER_KEY")?),
        None => None,
    };
    let env_is_set = from_env.is_some();
    let master = match from_env {
        Some(k) => Some(k),
        None => MasterKey::read_file(&key_file)?,
    };
    match (master, canary) {
        (Some(master), Some(canary)) => {
            let vault = Vault::new(&master, canary.key_version);
            if vault.check_canary(&canary.canary_ciphertext, &canary.canary_nonce) {
                return Ok(vault);
            }
            // A rotation that committed but died before renaming its key file left it here.
            if !env_is_set {
                if let Some(pending) = MasterKey::read_file(&pending_file)? {
                    let vault = Vault::new(&pending, canary.key_version);
                    if vault.check_canary(&canary.canary_ciphertext, &canary.canary_nonce) {
                        std::fs::rename(&pending_file, &key_file)?;
                        tracing::warn!("finished an interrupted master-key rotation");
                        return Ok(vault);
                    }
                }
            }
            bail!(
                "The master key does not match this database (vault canary check failed). \
                 Set HIREKEY_MASTER_KEY to the key the database was created with, or restore {}. \
                 Refusing to start so that no stored API key becomes unreadable.",
                key_file.display()
            )
        }
        (None, Some(_)) => bail!(
            "The master key is missing: this database holds encrypted API keys, but neither \
             HIREKEY_MASTER_KEY nor {} is available. Restore the key to start.",
            key_file.display()
        ),
        (master, None) => {
            let master = match master {
                Some(m) => m,
                None => {
                    std::fs::create_dir_all(&config.data_dir)?;
                    let generated = MasterKey::generate();
                    generated.write_file(&key_file)?;
                    tracing::info!(path = %key_file.display(), "generated a new master key");
                    generated
                }
            };
            let vault = Vault::new(&master, 1);
            let sealed = vault.seal_canary()?;
            vault_meta::ActiveModel {
                id: Set(1),
                key_version: Set(1),
                canary_ciphertext: Set(sealed.ciphertext),
                canary_nonce: Set(sealed.nonce),
                updated_at: Set(chrono::Utc::now()),
            }
            .insert(db)
            .await
            .context("writing the vault canary")?;
            Ok(vault)
        }
    }
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

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = connect_database(&config).await?;
        migration::Migrator::up(&db, None)
            .await
            .context("running migrations")?;
        if config.is_sqlite() {
            // One process on SQLite: whatever is pending now was cut off by the last stop.
            // Done before the first request can start an analysis of its own.
            let failed = resumes::fail_interrupted(&db, None, chrono::Utc::now())
                .await
                .context("failing interrupted analyses")?;
            if failed > 0 {
                tracing::warn!(candidates = failed, "marked interrupted analyses as failed");
            }
        }
        let vault = open_vault(&config, &db).await?;
        let jwt = jwt_keys(&config)?;
        let listener = TcpListener::bind(config.site_addr)
            .await
            .with_context(|| format!("binding {}", config.site_addr))?;
        let leptos_options = LeptosOptions::builder()
            .output_name("hirekey")
            .site_root(config.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr()?)
            .build();
        let state = AppState {
            usage: UsageRecorder::start(db.clone()),
            db,
            providers: ProviderClient::new(config.provider_timeout)?,
            config: Arc::new(config),
            vault: Arc::new(vault),
            jwt: Arc::new(jwt),
            clock: Clock::default(),
            leptos_options,
            hashing: Arc::new(tokio::sync::Semaphore::new(2)),
            policy: Default::default(),
            key_cache: Default::default(),
        };
        let router = build_router(state.clone());
        spawn_housekeeping(state.clone());
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
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await?;
        Ok(())
    }
}

fn build_router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let backend: Arc<dyn app::api::Backend> = Arc::new(ServerBackend::new(state.clone()));
    let leptos_options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(http::healthz))
        .nest("/api", http::api_router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || app::shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
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
        .layer(TraceLayer::new_for_http())
}

/// Every five minutes: drop old rate-limit windows, and fail analyses pending far longer than
/// any provider call can take (on PostgreSQL, another instance may be mid-analysis, so a
/// restart alone proves nothing; on SQLite `Application::build` has already failed those the
/// last stop cut off).
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let stale = chrono::Duration::from_std(state.config.provider_timeout * 4)
            .unwrap_or(chrono::Duration::minutes(10))
            .max(chrono::Duration::minutes(10));
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            let now = state.clock.now();
            if let Err(e) = rate_limit::prune(&state.db, now.timestamp()).await {
                tracing::warn!(error = %e, "pruning rate-limit windows failed");
            }
            match resumes::fail_interrupted(&state.db, Some(now - stale), now).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(candidates = n, "marked interrupted analyses as failed"),
                Err(e) => tracing::warn!(error = %e, "failing interrupted analyses failed"),
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
