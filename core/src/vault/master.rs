//! The master key's life: where it comes from (environment or `master.key`), the canary row
//! that proves it opens this database, and its rotation.
use anyhow::{bail, Context};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set, TransactionTrait,
};

use super::{MasterKey, Vault};
use crate::audit::{self, AuditEvent};
use crate::{
    config::Config,
    entities::{provider_keys, vault_meta, workspace_keys},
    session::ClientInfo,
};

/// Loads or creates the master key and checks it against the canary row.
pub async fn open(config: &Config, db: &DatabaseConnection) -> anyhow::Result<Vault> {
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

/// Re-encrypts every row in one transaction under a new master key (`None` generates one).
/// The new key is written to `master.key.new` first and renamed over `master.key` only after
/// the commit, so a crash at any point leaves a key that opens the database (`open` finishes an
/// interrupted rename).
pub async fn rotate(
    config: &Config,
    db: &DatabaseConnection,
    new_master: Option<MasterKey>,
) -> anyhow::Result<()> {
    let old = open(config, db).await?;
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
    let team_rows = workspace_keys::Entity::find().all(&txn).await?;
    let count = count + team_rows.len();
    for row in team_rows {
        let plain = old
            .decrypt_team(row.workspace_id, &row.provider, &row.ciphertext, &row.nonce)
            .with_context(|| {
                format!("decrypting the team key of workspace {}", row.workspace_id)
            })?;
        let sealed = new.encrypt_team(row.workspace_id, &row.provider, &plain)?;
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
