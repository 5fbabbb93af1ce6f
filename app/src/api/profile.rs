//! Personal AI keys: the seed's `/api/v1/profile/ai-settings` shapes and the Profile page's
//! server functions.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

use super::AppError;

/// Whose key an AI call runs on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    /// The user's own key.
    Personal,
    /// The server's key (the seed's `.env`).
    System,
    /// No usable key: AI features answer "API key required".
    #[default]
    #[serde(rename = "none")]
    Missing,
}

impl KeySource {
    /// As stored in usage rows and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::System => "system",
            Self::Missing => "none",
        }
    }

    /// Reads a stored value; `None` for anything that is not a key source.
    pub fn from_stored(value: &str) -> Option<Self> {
        match value {
            "personal" => Some(Self::Personal),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// `GET /api/v1/profile/ai-settings`: the seed's three fields first, then Hirekey's extras.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub expires_at: Option<Option<String>>,
    /// Alternative to `expires_at`: 0 = never, else days from now.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// `POST /api/v1/profile/ai-settings/test`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TestAiKeyRequest {
    pub api_key: String,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetupGuide {
    pub title: String,
    pub steps: Vec<SetupStep>,
    pub benefits: Vec<String>,
    pub model_info: ModelInfo,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetupStep {
    pub number: u32,
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModelInfo {
    pub name: String,
    pub speed: String,
    pub context: String,
}

/// `serde(with)` helper telling "absent" from "null".
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Option<String>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

#[server(prefix = "/sfn")]
pub async fn get_ai_settings() -> Result<PersonalAiSettings, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend.ai_settings(&user).await
}

/// What the layout's key banner needs: whether the personal key has expired or expires soon.
/// Its own small answer, so that every page's WASM does not carry the whole settings DTO.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyExpiry {
    pub expires_at: Option<Timestamp>,
    pub expired: bool,
    pub expires_soon: bool,
}

/// My Profile's "Current Status" section, rendered (`components/reports.rs`).
#[server(prefix = "/sfn")]
pub async fn get_key_status_html() -> Result<String, AppError> {
    use crate::components::{reports::KeyStatus, server_html::render};
    let settings = get_ai_settings().await?;
    Ok(render(move || leptos::view! { <KeyStatus settings /> }))
}

#[server(prefix = "/sfn")]
pub async fn get_key_expiry() -> Result<KeyExpiry, AppError> {
    let settings = get_ai_settings().await?;
    Ok(KeyExpiry {
        expires_at: settings.expires_at,
        expired: settings.expired,
        expires_soon: settings.expires_soon,
    })
}

/// My Profile's setup guide for a provider, rendered (`components/reports.rs`).
#[server(prefix = "/sfn")]
pub async fn get_setup_guide_html(provider: Option<String>) -> Result<String, AppError> {
    use crate::components::{reports::GuideBody, server_html::render};
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    backend.authenticate(&parts).await?;
    let guide = backend.setup_guide(provider.as_deref())?;
    Ok(render(move || leptos::view! { <GuideBody guide /> }))
}

/// The Profile form's Save: one call carries the whole form, so it works without WASM.
#[server(prefix = "/sfn")]
pub async fn save_ai_settings(
    provider: String,
    api_key: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    use_personal_ai_key: Option<String>,
    expires_in_days: Option<String>,
) -> Result<PersonalAiSettings, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    let non_empty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let expires_in_days = match non_empty(expires_in_days).as_deref() {
        None | Some("keep") => None,
        Some("never") => Some(0),
        Some(days) => Some(days.parse::<u32>().map_err(|_| {
            AppError::new(422, "Invalid expiry", "Choose never, 1, 7, 30 or 90 days")
        })?),
    };
    let request = UpdatePersonalAiSettings {
        api_key: non_empty(api_key),
        use_personal_ai_key: Some(use_personal_ai_key.is_some_and(|v| v == "on" || v == "true")),
        provider: Some(provider),
        model: non_empty(model),
        base_url: non_empty(base_url),
        expires_at: None,
        expires_in_days,
    };
    backend.update_ai_settings(&user, request, &parts).await
}

#[server(prefix = "/sfn")]
pub async fn test_ai_key(
    provider: String,
    api_key: String,
    base_url: Option<String>,
) -> Result<TestAiKeyResponse, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    let request = TestAiKeyRequest {
        api_key,
        provider: Some(provider),
        base_url: base_url.filter(|s| !s.trim().is_empty()),
    };
    backend.test_ai_key(&user, request, &parts).await
}

#[server(prefix = "/sfn")]
pub async fn remove_ai_key(provider: Option<String>) -> Result<PersonalAiSettings, AppError> {
    let backend = super::backend()?;
    let parts = super::request_parts()?;
    let user = backend.authenticate(&parts).await?;
    backend
        .delete_ai_key(&user, provider.filter(|p| !p.is_empty()), &parts)
        .await
}
