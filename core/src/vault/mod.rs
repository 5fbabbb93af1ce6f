//! The key vault: XChaCha20-Poly1305 with a fresh nonce per encryption and the owner and
//! provider as associated data, so a ciphertext moved to another row does not decrypt.
use std::{fmt, path::Path};

use anyhow::{anyhow, bail, Context};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;
use zeroize::Zeroizing;

mod master;
pub use master::{open, rotate};

/// A plaintext secret: a password, the JWT or master key text, a decrypted provider key.
/// Debug and Display print `[redacted]`; the memory is zeroed on drop.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// An encrypted key as stored in `provider_keys`.
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_version: i32,
}

/// The 32-byte master key.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        Self(bytes)
    }

    pub fn from_base64(text: &str) -> anyhow::Result<Self> {
        let decoded = Zeroizing::new(
            B64.decode(text.trim())
                .context("the master key is not valid base64")?,
        );
        let bytes: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| anyhow!("the master key must be 32 bytes (44 base64 characters)"))?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(B64.encode(self.0.as_ref()))
    }

    /// Reads a key file; `None` when it does not exist.
    pub fn read_file(path: &Path) -> anyhow::Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(
                Self::from_base64(&Zeroizing::new(text))
                    .with_context(|| format!("reading {}", path.display()))?,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes the key with mode 0600 through a temporary file, so a crash never leaves half a key.
    pub fn write_file(&self, path: &Path) -> anyhow::Result<()> {
        write_secret_file(path, self.to_base64().as_bytes())
    }
}

/// Writes a secret file readable by its owner only, atomically.
pub fn write_secret_file(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(&tmp)
            .with_context(|| format!("creating {}", tmp.display()))?;
        file.write_all(contents)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Encrypts and decrypts provider keys under the master key.
pub struct Vault {
    cipher: XChaCha20Poly1305,
    key_version: i32,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("key_version", &self.key_version)
            .finish_non_exhaustive()
    }
}

const CANARY_PLAINTEXT: &str = "hirekey-vault-canary";

impl Vault {
    pub fn new(master: &MasterKey, key_version: i32) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(master.0.as_ref().into()),
            key_version,
        }
    }

    pub fn key_version(&self) -> i32 {
        self.key_version
    }

    fn associated_data(user_id: Uuid, provider: &str) -> Vec<u8> {
        let mut ad = Vec::with_capacity(16 + 1 + provider.len());
        ad.extend_from_slice(user_id.as_bytes());
        ad.push(b':');
        ad.extend_from_slice(provider.as_bytes());
        ad
    }

    pub fn encrypt(&self, user_id: Uuid, provider: &str, key: &Secret) -> anyhow::Result<Sealed> {
        self.seal(
            &Self::associated_data(user_id, provider),
            key.expose().as_bytes(),
        )
    }

    pub fn decrypt(
        &self,
        user_id: Uuid,
        provider: &str,
        ciphertext: &[u8],
        nonce: &[u8],
    ) -> anyhow::Result<Secret> {
        let plain = self.open(&Self::associated_data(user_id, provider), ciphertext, nonce)?;
        let text =
            String::from_utf8(plain.to_vec()).map_err(|_| anyhow!("decrypted key is not text"))?;
        Ok(Secret::new(text))
    }

    /// Team keys are bound to `team:` + the workspace + the provider: the prefix keeps them apart
    /// from a personal key whose user id equals the workspace id (a personal workspace's).
    fn team_associated_data(workspace_id: Uuid, provider: &str) -> Vec<u8> {
        let mut ad = Vec::with_capacity(5 + 16 + 1 + provider.len());
        ad.extend_from_slice(b"team:");
        ad.extend_from_slice(workspace_id.as_bytes());
        ad.push(b':');
        ad.extend_from_slice(provider.as_bytes());
        ad
    }

    pub fn encrypt_team(
        &self,
        workspace_id: Uuid,
        provider: &str,
        key: &Secret,
    ) -> anyhow::Result<Sealed> {
        self.seal(
            &Self::team_associated_data(workspace_id, provider),
            key.expose().as_bytes(),
        )
    }

    pub fn decrypt_team(
        &self,
        workspace_id: Uuid,
        provider: &str,
        ciphertext: &[u8],
        nonce: &[u8],
    ) -> anyhow::Result<Secret> {
        let ad = Self::team_associated_data(workspace_id, provider);
        let plain = self.open(&ad, ciphertext, nonce)?;
        let text =
            String::from_utf8(plain.to_vec()).map_err(|_| anyhow!("decrypted key is not text"))?;
        Ok(Secret::new(text))
    }

    pub fn seal_canary(&self) -> anyhow::Result<Sealed> {
        self.seal(b"canary", CANARY_PLAINTEXT.as_bytes())
    }

    pub fn check_canary(&self, ciphertext: &[u8], nonce: &[u8]) -> bool {
        self.open(b"canary", ciphertext, nonce)
            .is_ok_and(|p| p.as_slice() == CANARY_PLAINTEXT.as_bytes())
    }

    fn seal(&self, ad: &[u8], plaintext: &[u8]) -> anyhow::Result<Sealed> {
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: ad,
                },
            )
            .map_err(|_| anyhow!("encryption failed"))?;
        Ok(Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_version: self.key_version,
        })
    }

    fn open(
        &self,
        ad: &[u8],
        ciphertext: &[u8],
        nonce: &[u8],
    ) -> anyhow::Result<Zeroizing<Vec<u8>>> {
        if nonce.len() != 24 {
            bail!("stored nonce has the wrong length");
        }
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: ad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| anyhow!("the key could not be decrypted (wrong master key or moved row)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_associated_data() -> anyhow::Result<()> {
        let vault = Vault::new(&MasterKey::generate(), 1);
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let key = Secret::new("gsk_secretsecretsecretsecretsecretsecretsecret1234");
        let sealed = vault.encrypt(alice, "groq", &key)?;
        assert_eq!(
            vault
                .decrypt(alice, "groq", &sealed.ciphertext, &sealed.nonce)?
                .expose(),
            key.expose()
        );
        assert!(vault
            .decrypt(bob, "groq", &sealed.ciphertext, &sealed.nonce)
            .is_err());
        assert!(vault
            .decrypt(alice, "openrouter", &sealed.ciphertext, &sealed.nonce)
            .is_err());
        let again = vault.encrypt(alice, "groq", &key)?;
        assert_ne!(
            again.nonce, sealed.nonce,
            "every encryption uses a fresh nonce"
        );
        Ok(())
    }

    #[test]
    fn a_team_key_opens_only_as_that_workspace_s_team_key() -> anyhow::Result<()> {
        let vault = Vault::new(&MasterKey::generate(), 1);
        let (team, other) = (Uuid::new_v4(), Uuid::new_v4());
        let key = Secret::new("gsk_teamteamteamteamteamteamteamteamteamteam1234");
        let sealed = vault.encrypt_team(team, "groq", &key)?;
        let opened = vault.decrypt_team(team, "groq", &sealed.ciphertext, &sealed.nonce)?;
        assert_eq!(opened.expose(), key.expose());
        // Not as another workspace's, another provider's, or as a personal key of the same id
        // (a personal workspace's id is its user's).
        assert!(vault
            .decrypt_team(other, "groq", &sealed.ciphertext, &sealed.nonce)
            .is_err());
        assert!(vault
            .decrypt_team(team, "openai", &sealed.ciphertext, &sealed.nonce)
            .is_err());
        assert!(vault
            .decrypt(team, "groq", &sealed.ciphertext, &sealed.nonce)
            .is_err());
        let personal = vault.encrypt(team, "groq", &key)?;
        assert!(vault
            .decrypt_team(team, "groq", &personal.ciphertext, &personal.nonce)
            .is_err());
        Ok(())
    }

    #[test]
    fn wrong_master_key_fails_the_canary() -> anyhow::Result<()> {
        let sealed = Vault::new(&MasterKey::generate(), 1).seal_canary()?;
        assert!(
            !Vault::new(&MasterKey::generate(), 1).check_canary(&sealed.ciphertext, &sealed.nonce)
        );
        Ok(())
    }

    #[test]
    fn secrets_are_redacted() {
        let key = Secret::new("gsk_topsecret");
        assert_eq!(format!("{key:?} {key}"), "[redacted] [redacted]");
    }
}
