//! The providers Hirekey can call, and everything known about each in one table
//! ([`ProviderSpec`]): configuration, key checks, previews, the setup guide and the pages all
//! read it. Adding a provider is one enum variant and one table row.
use serde::{Deserialize, Serialize};

/// A provider Hirekey can call. Serialised as its id (`"groq"`, `"openrouter"`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Groq,
    OpenRouter,
    DeepSeek,
    OpenAi,
    Custom,
}

/// The shape a provider's keys have, checked before any network call.
#[derive(Clone, Copy, Debug)]
pub enum KeyFormat {
    /// `prefix` followed by `min..=max` characters of `charset`.
    Prefixed {
        prefix: &'static str,
        min: usize,
        max: usize,
        charset: Charset,
    },
    /// Anything without spaces (a local model server may take any token).
    Any,
}

#[derive(Clone, Copy, Debug)]
pub enum Charset {
    Alphanumeric,
    Hex,
    /// Letters, digits, `-` and `_`.
    Token,
}

impl Charset {
    fn allows(self, c: char) -> bool {
        match self {
            Self::Alphanumeric => c.is_ascii_alphanumeric(),
            Self::Hex => c.is_ascii_hexdigit(),
            Self::Token => c.is_ascii_alphanumeric() || c == '-' || c == '_',
        }
    }
}

/// Each provider's id and label, as in [`SPECS`] (a test holds them equal).
const LABELS: [(&str, &str); 5] = [
    ("groq", "Groq"),
    ("openrouter", "OpenRouter"),
    ("deepseek", "DeepSeek"),
    ("openai", "OpenAI"),
    ("custom", "custom provider"),
];

/// Everything Hirekey knows about one provider.
#[derive(Debug)]
pub struct ProviderSpec {
    pub provider: Provider,
    /// The id in URLs, JSON and the database.
    pub id: &'static str,
    /// The name in sentences ("Please set up your Groq API key").
    pub label: &'static str,
    /// The name in the provider menu.
    pub menu_label: &'static str,
    /// Prefix of the environment variables: `{PREFIX}_API_KEY`, `HIREKEY_{PREFIX}_BASE_URL`, ...
    pub env_prefix: &'static str,
    /// The OpenAI-compatible base URL; `None` for a custom provider, whose users give their own.
    pub default_base_url: Option<&'static str>,
    /// The model a personal key uses when its owner chose none.
    pub default_model: &'static str,
    /// The model the system key uses when `{PREFIX}_MODEL` is not set.
    pub system_model: &'static str,
    pub key_format: KeyFormat,
    /// What the key format check says when a key does not fit.
    pub key_format_hint: &'static str,
    /// What the key field shows while empty.
    pub key_placeholder: &'static str,
    /// The setup guide's console, key page and sign-up note.
    pub console_url: &'static str,
    pub keys_url: &'static str,
    pub signup_note: &'static str,
    /// The guide's model facts.
    pub model_speed: &'static str,
    pub model_context: &'static str,
}

const SPECS: [ProviderSpec; 5] = [
    ProviderSpec {
        provider: Provider::Groq,
        id: "groq",
        label: "Groq",
        menu_label: "Groq",
        env_prefix: "GROQ",
        default_base_url: Some("https://api.groq.com/openai/v1"),
        default_model: "llama-3.1-8b-instant",
        system_model: "llama-3.3-70b-versatile",
        key_format: KeyFormat::Prefixed {
            prefix: "gsk_",
            min: 40,
            max: 60,
            charset: Charset::Alphanumeric,
        },
        key_format_hint:
            "Invalid key format: a Groq key starts with gsk_ followed by 40-60 letters and digits",
        key_placeholder: "gsk_...",
        console_url: "https://console.groq.com",
        keys_url: "https://console.groq.com/keys",
        signup_note: "Sign up for free; no credit card is required",
        model_speed: "~750 tokens/sec",
        model_context: "128K tokens",
    },
    ProviderSpec {
        provider: Provider::OpenRouter,
        id: "openrouter",
        label: "OpenRouter",
        menu_label: "OpenRouter",
        env_prefix: "OPENROUTER",
        default_base_url: Some("https://openrouter.ai/api/v1"),
        default_model: "meta-llama/llama-3.1-8b-instruct",
        system_model: "meta-llama/llama-3.3-70b-instruct",
        key_format: KeyFormat::Prefixed {
            prefix: "sk-or-v1-",
            min: 32,
            max: 128,
            charset: Charset::Hex,
        },
        key_format_hint:
            "Invalid key format: an OpenRouter key starts with sk-or-v1- followed by hex digits",
        key_placeholder: "Paste your key",
        console_url: "https://openrouter.ai",
        keys_url: "https://openrouter.ai/settings/keys",
        signup_note: "Sign up; free models need no credit",
        model_speed: "depends on the provider",
        model_context: "depends on the model",
    },
    ProviderSpec {
        provider: Provider::DeepSeek,
        id: "deepseek",
        label: "DeepSeek",
        menu_label: "DeepSeek",
        env_prefix: "DEEPSEEK",
        default_base_url: Some("https://api.deepseek.com/v1"),
        default_model: "deepseek-chat",
        system_model: "deepseek-chat",
        key_format: KeyFormat::Prefixed {
            prefix: "sk-",
            min: 20,
            max: 512,
            charset: Charset::Token,
        },
        key_format_hint: "Invalid key format: a DeepSeek key starts with sk-",
        key_placeholder: "Paste your key",
        console_url: "https://platform.deepseek.com",
        keys_url: "https://platform.deepseek.com/api_keys",
        signup_note: "Sign up and add credit to your account",
        model_speed: "depends on the provider",
        model_context: "depends on the model",
    },
    ProviderSpec {
        provider: Provider::OpenAi,
        id: "openai",
        label: "OpenAI",
        menu_label: "OpenAI",
        env_prefix: "OPENAI",
        default_base_url: Some("https://api.openai.com/v1"),
        default_model: "gpt-4o-mini",
        system_model: "gpt-4o-mini",
        key_format: KeyFormat::Prefixed {
            prefix: "sk-",
            min: 20,
            max: 512,
            charset: Charset::Token,
        },
        key_format_hint: "Invalid key format: an OpenAI key starts with sk-",
        key_placeholder: "Paste your key",
        console_url: "https://platform.openai.com",
        keys_url: "https://platform.openai.com/api-keys",
        signup_note: "Sign up and set up billing",
        model_speed: "depends on the provider",
        model_context: "depends on the model",
    },
    ProviderSpec {
        provider: Provider::Custom,
        id: "custom",
        label: "custom provider",
        menu_label: "Custom (OpenAI-compatible URL)",
        env_prefix: "CUSTOM",
        default_base_url: None,
        default_model: "llama3.1",
        system_model: "llama3.1",
        key_format: KeyFormat::Any,
        key_format_hint: "Invalid key format",
        key_placeholder: "Paste your key",
        console_url: "https://ollama.com",
        keys_url: "https://github.com/ollama/ollama/blob/main/docs/openai.md",
        signup_note: "Install the server and start it (for Ollama: ollama serve)",
        model_speed: "depends on the provider",
        model_context: "depends on the model",
    },
];

/// Why a text is not a provider id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Unknown provider '{0}'; choose groq, openrouter, deepseek, openai or custom")]
pub struct UnknownProvider(String);

impl Provider {
    /// The provider of a user who has not chosen one, of a setup guide asked for without one,
    /// and of the system key when `AI_PROVIDER` is unset: the seed's Groq.
    pub const DEFAULT: Provider = Provider::Groq;

    pub const ALL: [Provider; 5] = [
        Provider::Groq,
        Provider::OpenRouter,
        Provider::DeepSeek,
        Provider::OpenAi,
        Provider::Custom,
    ];

    /// This provider's row of the table.
    pub fn spec(self) -> &'static ProviderSpec {
        // The table is in declaration order; `table_matches_enum` checks it.
        &SPECS[self as usize]
    }

    /// Parses an id, case-insensitively and ignoring surrounding spaces.
    pub fn parse(value: &str) -> Result<Self, UnknownProvider> {
        let wanted = value.trim();
        SPECS
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(wanted))
            .map(|s| s.provider)
            .ok_or_else(|| UnknownProvider(value.chars().take(40).collect()))
    }

    pub fn as_str(self) -> &'static str {
        self.spec().id
    }

    /// The name users know it by, in sentences.
    pub fn label(self) -> &'static str {
        self.spec().label
    }

    /// The label of the provider with id `id` (`"groq"` → `"Groq"`), for pages that show a
    /// provider the server named: a small table of its own, so their WASM does not carry the
    /// whole provider table.
    pub fn label_of(id: &str) -> Option<&'static str> {
        LABELS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(id.trim()))
            .map(|(_, label)| *label)
    }

    /// Checks a key's shape before any network call. The message never repeats the key.
    pub fn check_key_format(self, key: &str) -> Result<(), &'static str> {
        if key.is_empty() {
            return Err("The API key is empty");
        }
        if key.len() > 512 || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("The API key contains spaces or is too long");
        }
        let spec = self.spec();
        let fits = match spec.key_format {
            KeyFormat::Prefixed {
                prefix,
                min,
                max,
                charset,
            } => key.strip_prefix(prefix).is_some_and(|rest| {
                (min..=max).contains(&rest.len()) && rest.chars().all(|c| charset.allows(c))
            }),
            KeyFormat::Any => true,
        };
        if fits {
            Ok(())
        } else {
            Err(spec.key_format_hint)
        }
    }
}

/// The seed's preview: the key's known prefix, `...`, and its last four characters
/// (`gsk_...wxyz`). Short keys show less, so the preview never gives most of the key away.
pub fn mask_key_preview(key: &str) -> String {
    let prefix = SPECS
        .iter()
        .filter_map(|s| match s.key_format {
            KeyFormat::Prefixed { prefix, .. } => Some(prefix),
            KeyFormat::Any => None,
        })
        .filter(|p| key.starts_with(p))
        .max_by_key(|p| p.len())
        .unwrap_or("");
    let chars: Vec<char> = key.chars().collect();
    let n = if chars.len() >= 16 {
        4
    } else {
        chars.len() / 4
    };
    let tail: String = chars[chars.len() - n..].iter().collect();
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
    fn table_matches_enum() {
        for p in Provider::ALL {
            assert_eq!(p.spec().provider, p);
            assert_eq!(Provider::parse(p.as_str()), Ok(p));
            assert_eq!(Provider::label_of(p.as_str()), Some(p.label()));
            assert_eq!(
                serde_json::to_string(&p).ok(),
                Some(format!("\"{}\"", p.as_str()))
            );
        }
        assert_eq!(Provider::parse(" GROQ "), Ok(Provider::Groq));
        assert!(Provider::parse("mistral").is_err());
        assert_eq!(LABELS.len(), Provider::ALL.len());
        assert_eq!(Provider::label_of("mistral"), None);
    }

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
        assert_eq!(mask_key_preview(&or), "sk-or-v1-...c123");
        assert_eq!(mask_key_asterisks(&or), "sk-*******************abc123");
        assert_eq!(mask_key_preview("ollama"), "...a");
    }
}
