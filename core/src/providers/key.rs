//! `ProviderKey`: a provider key that has been checked against its provider's format. User
//! input becomes one through [`ProviderKey::parse`] only, so a malformed key never reaches the
//! vault or the network.
use std::fmt;

use super::Provider;
use crate::vault::Secret;

#[derive(Clone)]
pub struct ProviderKey {
    provider: Provider,
    secret: Secret,
}

impl ProviderKey {
    /// Parses what a user typed or pasted (surrounding spaces are ignored). The error says what
    /// is wrong with the shape and never repeats the key.
    pub fn parse(provider: Provider, raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        provider.check_key_format(raw)?;
        Ok(Self {
            provider,
            secret: Secret::new(raw),
        })
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    pub fn expose(&self) -> &str {
        self.secret.expose()
    }

    /// The seed's masked preview (`gsk_...wxyz`).
    pub fn preview(&self) -> String {
        super::mask_key_preview(self.expose())
    }
}

impl fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProviderKey({}, [redacted])", self.provider.as_str())
    }
}

impl fmt::Display for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_redacts() {
        let raw = format!("  gsk_{}wxyz ", "a1".repeat(24));
        let key = ProviderKey::parse(Provider::Groq, &raw);
        let Ok(key) = key else {
            unreachable!("a well-formed Groq key parses")
        };
        assert_eq!(key.expose(), raw.trim());
        assert_eq!(key.preview(), "gsk_...wxyz");
        assert!(!format!("{key:?} {key}").contains("a1a1"));
        let bad = ProviderKey::parse(Provider::Groq, "gsk_short");
        assert!(bad.is_err());
        assert!(!format!("{:?}", bad.err()).contains("short"));
    }
}
