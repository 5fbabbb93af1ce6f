//! `hirekey serve` (the default), `hirekey migrate`, `hirekey rotate-master-key`.
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use migration::MigratorTrait;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, TransactionTrait};

use crate::{
    config::Config,
    entities::{provider_keys, vault_meta},
    http::auth::ClientInfo,
    services::audit::{self, AuditEvent},
    startup::{connect_database, open_vault, Application},
    telemetry,
    vault::{MasterKey, Vault},
};

#[derive(Parser)]
#[command(
    name = "hirekey",
    version,
    about = "Hirekey: applicant tracking on your own AI key"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Re-encrypt every stored key under a new master key (HIREKEY_NEW_MASTER_KEY, or generated).
    RotateMasterKey,
}

pub async fn run() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Migrate => migrate().await,
        Command::RotateMasterKey => rotate_master_key().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("hirekey: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let app = Application::build(Config::from_env()?).await?;
    tracing::info!("Hirekey listening on http://{}", app.local_addr());
    app.run_until_stopped().await
}

async fn migrate() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let db = connect_database(&config).await?;
    migration::Migrator::up(&db, None).await?;
    tracing::info!("migrations applied");
    Ok(())
}

/// Re-encrypts every row in one transaction. The new key is written to `master.key.new` first
/// and renamed over `master.key` only after the commit, so a crash at any point leaves a key
/// that opens the database (start-up finishes an interrupted rename).
async fn rotate_master_key() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let new_master = match std::env::var("HIREKEY_NEW_MASTER_KEY") {
        Ok(text) if !text.trim().is_empty() => {
            Some(MasterKey::from_base64(&text).context("HIREKEY_NEW_MASTER_KEY")?)
        }
        _ => None,
    };
    rotate_master_key_with(&config, new_master).await
}

/// The rotation itself; `None` generates the new key.
pub async fn rotate_master_key_with(
    config: &Config,
    new_master: Option<MasterKey>,
) -> anyhow::Result<()> {
    let db = connect_database(config).await?;
    migration::Migrator::up(&db, None).await?;
    let old = open_vault(config, &db).await?;
    let new_master = new_master.unwrap_or_else(MasterKey::generate);
    let new_version = old.key_version() + 1;
    let new = Vault::new(&new_master, new_version);
    let key_file = config.data_dir.join("master.key");
    let pending_file = config.data_dir.join("master.key.new");
    std::fs::create_dir_all(&config.data_dir)?;
    new_master.write_file(&pending_file)?;

    let txn = db.begin().await?;
    let rows = provider_keys::Entity::find().all(&txn).await?;
    let count = rows.len();
    for row in rows {
        let plain = old
            .decrypt(row.user_id, &row.provider, &row.ciphertext, &row.nonce)
            .with_context(|| format!("decrypting key {}", row.id))?;
        let sealed = new.encrypt(row.user_id, &row.provider, &plain)?;
        let mut active = row.into_active_model();
        active.ciphertext = Set(sealed.ciphertext);
        active.nonce = Set(sealed.nonce);
        active.key_version = Set(new_version);
        active.update(&txn).await?;
    }
    let canary = new.seal_canary()?;
    let meta = vault_meta::Entity::find_by_id(1)
        .one(&txn)
        .await?
        .context("the vault canary is missing")?;
    let mut meta = meta.into_active_model();
    meta.key_version = Set(new_version);
    meta.canary_ciphertext = Set(canary.ciphertext);
    meta.canary_nonce = Set(canary.nonce);
    meta.updated_at = Set(chrono::Utc::now());
    meta.update(&txn).await?;
    audit::record(
        &txn,
        None,
        AuditEvent::MasterKeyRotated,
        None,
        Some(format!("{count} keys re-encrypted, version {new_version}")),
        &ClientInfo::default(),
        chrono::Utc::now(),
    )
    .await?;
    txn.commit().await?;

    std::fs::rename(&pending_file, &key_file).context("installing the new master key file")?;
    tracing::info!(keys = count, version = new_version, "master key rotated");
    if config.master_key.is_some() {
        eprintln!(
            "hirekey: the new master key is in {}; set HIREKEY_MASTER_KEY to its contents on every instance before restarting",
            key_file.display()
        );
    }
    Ok(())
}
