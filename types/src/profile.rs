//! Personal AI keys: the seed's `/api/v1/profile/ai-settings` shapes.
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Whose key an AI call runs on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    /// The user's own key.
    Personal,
    /// The current workspace's team key (the member has no usable personal key).
    Team,
    /// The server's key (the seed's `.env`).
    System,
    /// No usable key: AI features answer "API key required".
    #[default]
    #[serde(rename = "none")]
    Missing,
}

impl KeySource {
    /// How the pages name it: "your personal key", "the team key", "the system key".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Personal => "your personal key",
            Self::Team => "the team key",
            Self::System => "the system key",
            Self::Missing => "no key",
        }
    }

    /// As stored in usage rows and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Team => "team",
            Self::System => "system",
            Self::Missing => "none",
        }
    }

    /// Reads a stored value; `None` for anything that is not a key source.
    pub fn from_stored(value: &str) -> Option<Self> {
        match value {
            "personal" => Some(Self::Personal),
            "team" => Some(Self::Team),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// `GET /api/v1/profile/ai-settings`: the seed's three fields first, then Hirekey's extras.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonalAiSettings {
    pub has_personal_key: bool,
    pub use_personal_ai_key: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_preview: Option<String>,
    /// The user's active personal provider.
    pub provider: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    #[serde(default)]
    pub expired: bool,
    /// The key expires within three days.
    #[serde(default)]
    pub expires_soon: bool,
    #[serde(default)]
    pub last_tested_at: Option<Timestamp>,
    #[serde(default)]
    pub last_test_ok: Option<bool>,
    /// What an AI call made now would use: "personal", "system" or "none".
    pub key_source: KeySource,
    /// One entry per stored key.
    #[serde(default)]
    pub providers: Vec<ProviderKeyInfo>,
    /// The providers whose saved keys a call tries, in this order, when the active key answers
    /// 429 or 5xx, times out or cannot be reached.
    #[serde(default)]
    pub fallback_providers: Vec<String>,
}

/// `PUT /api/v1/profile/ai-settings/fallback`: the order in which the user's saved keys are
/// tried after the active one fails (the active key is always tried first; `[]` for none).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FallbackOrder {
    pub providers: Vec<String>,
}

impl PersonalAiSettings {
    /// A key is stored, has not expired, and is switched off: the state the page offers to
    /// turn on.
    pub fn stored_but_off(&self) -> bool {
        self.has_personal_key && !self.use_personal_ai_key && !self.expired
    }
}

/// A stored key, described without the key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderKeyInfo {
    pub provider: String,
    pub key_preview: String,
    pub model: Option<String>,
    pub base_url: Option<String>,
    pub enabled: bool,
    pub active: bool,
    pub expires_at: Option<Timestamp>,
    pub expired: bool,
    pub last_tested_at: Option<Timestamp>,
    pub last_test_ok: Option<bool>,
}

/// `PUT /api/v1/profile/ai-settings`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePersonalAiSettings {
    /// The key for whichever provider is chosen. On the wire it keeps the seed's name,
    /// `personal_groq_api_key`; `api_key` is read too.
    #[serde(default, rename = "personal_groq_api_key", alias = "api_key")]
    pub api_key: Option<String>,
    #[serde(default)]
    pub use_personal_ai_key: Option<bool>,
    /// Defaults to the active provider (Groq for a new user).
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    /// Required for the `custom` provider.
    #[serde(default)]
    pub base_url: Option<String>,
    /// RFC 3339 time; `null` clears the expiry.
    #[serde(default, with = "crate::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub expires_at: Option<Option<String>>,
    /// Alternative to `expires_at`: 0 = never, else days from now.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// `POST /api/v1/profile/ai-settings/test`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestAiKeyRequest {
    pub api_key: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestAiKeyResponse {
    pub success: bool,
    pub message: String,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_time: Option<f64>,
    pub provider: String,
    #[serde(default)]
    pub available_models: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// For an OpenRouter key: its credit use and limit, from OpenRouter's `GET /api/v1/key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<KeyCredit>,
}

/// What a provider says a key has spent and may still spend (OpenRouter's `GET /api/v1/key`),
/// in US dollars.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyCredit {
    /// Credit the key has used.
    pub usage_usd: f64,
    /// The key's credit limit; `null` for none.
    pub limit_usd: Option<f64>,
    /// What is left under the limit; `null` without a limit.
    pub remaining_usd: Option<f64>,
    pub is_free_tier: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupGuide {
    pub title: String,
    pub steps: Vec<SetupStep>,
    pub benefits: Vec<String>,
    pub model_info: ModelInfo,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupStep {
    pub number: u32,
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelInfo {
    pub name: String,
    pub speed: String,
    pub context: String,
}
