//! The admin area: the shapes of `/api/v1/admin/*`. Nothing here ever carries a key or a key
//! preview of a user.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::Timestamp;

/// `GET /api/v1/admin/users`: one user, with whether they have a personal key but never the
/// key or its preview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUser {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub created_at: Timestamp,
    /// A key is stored for the user's active provider.
    pub has_personal_key: bool,
    /// The user's active provider.
    pub provider: String,
    /// When that key expires (RFC 3339); null when it does not or there is no key.
    pub expires_at: Option<Timestamp>,
    /// What the user's priced AI calls cost this month (UTC), on any key, in US dollars; null
    /// when every call was on a model with no known price.
    pub month_cost_usd: Option<f64>,
    /// The user's calls this month on a model with no known price.
    pub month_unpriced_calls: u64,
    /// The admin's monthly budget on the user's use of the system key, in US dollars; null for
    /// none.
    pub system_budget_usd: Option<f64>,
}

/// `GET /api/v1/admin/ai-config`: the system AI configuration, its key masked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminAiConfig {
    /// A system key is configured (`AI_PROVIDER` and its `*_API_KEY`).
    pub configured: bool,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
    /// The masked key, e.g. `gsk_...wxyz`.
    pub key_preview: Option<String>,
    /// In force now: calls never fall back to the system key.
    pub require_personal_key: bool,
    /// `HIREKEY_REQUIRE_PERSONAL_KEY=true` forces it; the run-time setting cannot turn it off.
    pub require_personal_key_env: bool,
    /// `HIREKEY_ALLOWED_PROVIDER_HOSTS`: local `host:port`s a custom provider may call.
    #[serde(default)]
    pub allowed_provider_hosts: Vec<String>,
    /// `HIREKEY_REGISTRATION=open`: anyone who reaches the server may sign up; otherwise
    /// (`invite`, the default) only with an invite once the first account exists.
    #[serde(default)]
    pub registration_open: bool,
}

/// `PUT /api/v1/admin/settings`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminSettings {
    pub require_personal_key: bool,
}

/// `POST /api/v1/admin/invites`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInviteRequest {
    /// When set, only this address may register with the invite.
    #[serde(default)]
    pub email: Option<String>,
    /// Days until the invite expires: 1 to 90, 7 when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 90))]
    pub expires_in_days: Option<u32>,
}

/// The answer to creating an invite: the only time its token is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedInvite {
    pub id: Uuid,
    /// The secret to register with (`"invite"` in `POST /api/v1/auth/register`). Only its
    /// hash is stored; it cannot be shown again.
    pub token: String,
    /// The sign-up page with the invite filled in: `<origin>/register?invite=<token>`.
    pub url: String,
    pub expires_at: Timestamp,
    /// The only address that may use it; null for anyone.
    pub email: Option<String>,
}

/// Where an invite stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum InviteStatus {
    /// Can still be used.
    Pending,
    Used,
    Revoked,
    Expired,
}

impl InviteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Used => "used",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
}

/// `GET /api/v1/admin/invites`: one invite, never its token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    pub id: Uuid,
    /// The only address that may use it; null for anyone.
    pub email: Option<String>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub status: InviteStatus,
}
