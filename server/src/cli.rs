//! `hirekey serve` (the default), `hirekey migrate`, `hirekey rotate-master-key`, `hirekey audit
//! verify`, and the hidden
//! `hirekey extract <pdf|docx|ocr>` the server runs as its extraction and OCR workers
//! (`services/extract/worker.rs`, `services/extract/ocr_worker.rs`).
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use migration::MigratorTrait;

use crate::{
    startup::{connect_database, Application, StartupLock},
    telemetry,
};
use hirekey_core::{
    audit::chain,
    config::Config,
    services::extract,
    vault::{self, MasterKey},
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
    /// The audit trail: `hirekey audit verify` walks its hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Internal: the extraction worker. Reads one file on stdin, writes its text as JSON on
    /// stdout. Started by the server under resource limits; not for people.
    #[command(hide = true)]
    Extract {
        /// pdf (pdf-extract), pdf-oxide, docx, txt, ocr (a scan, in the working directory) or
        /// sandbox-probe
        kind: String,
        /// For ocr: the paths of tesseract, pdftoppm and pdfinfo.
        tools: Vec<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every row of the audit trail against its hash and its place in the chain; exits
    /// non-zero naming the first row altered, inserted or removed.
    Verify,
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Extract { kind, tools } = &command {
        // Before logging is set up: the worker's stdout carries its answer and nothing else.
        return extract::worker::run_child(kind, tools);
    }
    telemetry::init();
    let result = match command {
        Command::Serve => serve().await,
        Command::Migrate => migrate().await,
        Command::RotateMasterKey => rotate_master_key().await,
        Command::Audit {
            command: AuditCommand::Verify,
        } => verify_audit().await,
        Command::Extract { .. } => Ok(()),
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
    let lock = StartupLock::acquire(&config).await?;
    let migrated = migration::Migrator::up(&db, None).await;
    lock.release().await;
    migrated?;
    tracing::info!("migrations applied");
    Ok(())
}

/// Walks the audit chain (read-only: no migration runs).
async fn verify_audit() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let db = connect_database(&config).await?;
    match chain::verify(&db).await? {
        chain::Verdict::Intact { rows } => {
            tracing::info!(rows, "the audit trail is intact");
            eprintln!("hirekey: the audit trail is intact ({rows} rows)");
            Ok(())
        }
        chain::Verdict::Broken { problem, .. } => {
            anyhow::bail!("the audit trail was tampered with: {problem}")
        }
    }
}

/// Re-encrypts every row in one transaction. The new key is written to `master.key.new` first
/// and renamed over `master.key` only after the commit, so a crash at any point leaves a key
/// that opens the database (start-up finishes an interrupted rename).
async fn rotate_master_key() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let new_master = match Config::new_master_key_text() {
        Some(text) => Some(MasterKey::from_base64(&text).context("HIREKEY_NEW_MASTER_KEY")?),
        None => None,
    };
    let db = connect_database(&config).await?;
    migration::Migrator::up(&db, None).await?;
    vault::rotate(&config, &db, new_master).await
}
