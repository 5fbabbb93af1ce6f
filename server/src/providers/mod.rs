//! LLM providers: the provider table, key formats and previews, and the one OpenAI-compatible
//! client every AI call goes through.
mod client;
pub mod sse;

pub use client::{
    scrub_secrets, ChatMessage, ChatOutput, ProviderClient, ProviderError, RateLimitSnapshot,
    StreamItem, Target, Usage,
};

use serde::Serialize;

/// A provider Hirekey can call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Groq,
    OpenRouter,
    DeepSeek,
    OpenAi,
    Custom,
}

impl Provider {
    pub const ALL: [Provider; 5] = [
        Provider::Groq,
        Provider::OpenRouter,
        Provider::DeepSeek,
        Provider::OpenAi,
        Provider::Custom,
    ];

    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "groq" => Ok(Self::Groq),
            "openrouter" => Ok(Self::OpenRouter),
            "deepseek" => Ok(Self::DeepSeek),
            "openai" => Ok(Self::OpenAi),
            "custom" => Ok(Self::Custom),
            _ => Err(format!(
                "Unknown provider '{}'; choose groq, openrouter, deepseek, openai or custom",
                value.chars().take(40).collect::<String>()
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Groq => "groq",
            Self::OpenRouter => "openrouter",
            Self::DeepSeek => "deepseek",
            Self::OpenAi => "openai",
            Self::Custom => "custom",
        }
    }

    /// The name users know it by.
    pub fn label(self) -> &'static str {
        match self {
            Self::Groq => "Groq",
            Self::OpenRouter => "OpenRouter",
            Self::DeepSeek => "DeepSeek",
            Self::OpenAi => "OpenAI",
            Self::Custom => "custom provider",
        }
    }

    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::Groq => "https://api.groq.com/openai/v1",
            Self::OpenRouter => "https://openrouter.ai/api/v1",
            Self::DeepSeek => "https://api.deepseek.com/v1",
            Self::OpenAi => "https://api.openai.com/v1",
            Self::Custom => "",
        }
    }

    /// Prefix of the seed-style system variables (`GROQ_API_KEY`, ...).
    pub fn env_prefix(self) -> &'static str {
        match self {
            Self::Groq => "GROQ",
            Self::OpenRouter => "OPENROUTER",
            Self::DeepSeek => "DEEPSEEK",
            Self::OpenAi => "OPENAI",
            Self::Custom => "CUSTOM",
        }
    }

    /// Checks a key's shape before any network call. The message never repeats the key.
    pub fn check_key_format(self, key: &str) -> Result<(), String> {
        if key.is_empty() {
            return Err("The API key is empty".into());
        }
        if key.len() > 512 || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("The API key contains spaces or is too long".into());
        }
        let ok = match self {
            Self::Groq => key.strip_prefix("gsk_").is_some_and(|rest| {
                (40..=60).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
            }),
            Self::OpenRouter => key.strip_prefix("sk-or-v1-").is_some_and(|rest| {
                (32..=128).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_hexdigit())
            }),
            Self::DeepSeek | Self::OpenAi => key.strip_prefix("sk-").is_some_and(|rest| {
                rest.len() >= 20
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }),
            Self::Custom => true,
        };
        if ok {
            Ok(())
        } else {
            Err(match self {
                Self::Groq => "Invalid key format: a Groq key starts with gsk_ followed by 40-60 letters and digits".into(),
                Self::OpenRouter => "Invalid key format: an OpenRouter key starts with sk-or-v1- followed by hex digits".into(),
                Self::DeepSeek => "Invalid key format: a DeepSeek key starts with sk-".into(),
                Self::OpenAi => "Invalid key format: an OpenAI key starts with sk-".into(),
                Self::Custom => "Invalid key format".into(),
            })
        }
    }
}

/// The seed's preview: the key's prefix, `...`, and its last four characters (`gsk_...wxyz`).
pub fn mask_key_preview(key: &str) -> String {
    let prefix = ["sk-or-v1-", "gsk_", "sk-"]
        .into_iter()
        .find(|p| key.starts_with(p))
        .unwrap_or("");
    let tail: String = {
        let chars: Vec<char> = key.chars().collect();
        // Short custom keys show less, so the preview never gives most of the key away.
        let n = if chars.len() >= 16 {
            4
        } else {
            chars.len() / 4
        };
        chars[chars.len() - n..].iter().collect()
    };
    format!("{prefix}...{tail}")
}

/// The second seed's mask: `sk-`, asterisks, and the last six characters.
pub fn mask_key_asterisks(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let n = if chars.len() >= 24 {
        6
    } else {
        chars.len() / 4
    };
    format!(
        "sk-{}{}",
        "*".repeat(19),
        chars[chars.len() - n..].iter().collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let groq = format!("gsk_{}", "a1".repeat(26));
        assert!(Provider::Groq.check_key_format(&groq).is_ok());
        assert!(Provider::Groq.check_key_format("invalid_key_123").is_err());
        assert!(Provider::Groq.check_key_format("gsk_short").is_err());
        let or = format!("sk-or-v1-{}", "ab12".repeat(16));
        assert!(Provider::OpenRouter.check_key_format(&or).is_ok());
        assert!(Provider::OpenRouter.check_key_format(&groq).is_err());
        assert!(Provider::OpenAi
            .check_key_format("sk-abcdefghijklmnopqrstuv")
            .is_ok());
        assert!(Provider::Custom.check_key_format("anything").is_ok());
        assert!(Provider::Custom.check_key_format("has space").is_err());
    }

    #[test]
    fn previews() {
        let groq = format!("gsk_{}wxyz", "a".repeat(48));
        assert_eq!(mask_key_preview(&groq), "gsk_...wxyz");
        let or = format!("sk-or-v1-{}abc123", "0".repeat(58));
        assert_eq!(mask_key_asterisks(&or), "sk-*******************abc123");
        assert_eq!(mask_key_preview("ollama"), "...a");
    }
}
