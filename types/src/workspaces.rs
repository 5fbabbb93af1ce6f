//! Workspaces and their members: the shapes of `/api/v1/workspaces*`.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::time::Timestamp;

/// What a member may do in a workspace, from most to least.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Named apart from the chat's `Role` (user, assistant) in the OpenAPI document.
#[cfg_attr(feature = "openapi", schema(as = WorkspaceRole))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including deleting the workspace and transferring ownership.
    Owner,
    /// Everything but deleting the workspace or transferring ownership.
    Admin,
    /// Candidates, uploads and chat.
    Recruiter,
    /// Reads candidates; makes no AI calls.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Recruiter, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Recruiter => "recruiter",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Uploads, analyses, chat, deleting candidates: every role but `viewer`.
    pub fn can_work(self) -> bool {
        self != Role::Viewer
    }

    /// Renaming the workspace, its members and (later) its key: owners and admins.
    pub fn can_manage(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One workspace as its member sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workspace {
    pub id: Uuid,
    pub name: String,
    /// The user's personal workspace: it cannot be deleted, left or shared.
    pub personal: bool,
    /// The caller's role in it.
    pub role: Role,
    /// The workspace the caller's requests act on now.
    pub current: bool,
    pub members: u64,
    /// Calls per minute on the team key by the whole workspace (`null`: no limit).
    #[serde(default)]
    pub team_calls_per_minute: Option<u32>,
    /// Calls per minute on the team key by one member (`null`: no limit).
    #[serde(default)]
    pub member_calls_per_minute: Option<u32>,
    pub created_at: Timestamp,
}

/// `GET /api/v1/workspaces`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceList {
    pub workspaces: Vec<Workspace>,
    /// The id of the workspace requests act on now.
    pub current: Uuid,
}

/// `POST /api/v1/workspaces`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateWorkspace {
    pub name: String,
}

/// `PATCH /api/v1/workspaces/{id}`: the fields to change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateWorkspace {
    #[serde(default)]
    pub name: Option<String>,
    /// Calls per minute on the team key by the whole workspace; `null` removes the limit
    /// (owners only).
    #[serde(default, with = "crate::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, minimum = 1, maximum = 100000))]
    pub team_calls_per_minute: Option<Option<u32>>,
    /// Calls per minute on the team key by one member; `null` removes the limit (owners only).
    #[serde(default, with = "crate::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u32>, minimum = 1, maximum = 100000))]
    pub member_calls_per_minute: Option<Option<u32>>,
}

/// `PUT /api/v1/workspaces/current`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SwitchWorkspace {
    pub workspace_id: Uuid,
}

/// One member of a workspace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: Timestamp,
}

/// `GET /api/v1/workspaces/{id}/members`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    pub members: Vec<Member>,
}

/// `PATCH /api/v1/workspaces/{id}/members/{user_id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMember {
    pub role: Role,
}

/// `POST /api/v1/workspaces/{id}/invites`: who to invite, and as what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteMember {
    /// Only this address can use the invite.
    pub email: String,
    pub role: Role,
    /// Days until it expires (1 to 90; 7 when not given).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// The invite just made: its token and link are shown this once (only a hash is stored).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedMemberInvite {
    pub id: Uuid,
    pub token: String,
    /// The sign-up page with the token: a new user registers and joins, a signed-in one joins.
    pub url: String,
    pub expires_at: Timestamp,
}

/// A workspace's invite, without its token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberInvite {
    pub id: Uuid,
    pub email: Option<String>,
    pub role: Role,
    /// `pending`, `used`, `revoked` or `expired`.
    pub status: crate::admin::InviteStatus,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// `GET /api/v1/workspaces/{id}/invites`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberInviteList {
    pub invites: Vec<MemberInvite>,
}

/// `POST /api/v1/workspaces/join`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinWorkspace {
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_and_write_as_lowercase_words() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_string(&role).ok(),
                Some(format!("\"{}\"", role.as_str()))
            );
        }
        assert_eq!(Role::parse("Owner"), None);
        assert!(!Role::Viewer.can_work() && Role::Recruiter.can_work());
        assert!(Role::Admin.can_manage() && !Role::Recruiter.can_manage());
    }
}

/// `GET /api/v1/workspaces/{id}/ai-settings`: what every member may see of the team key (never
/// the key: its provider, a masked preview and the model), the limits and their headroom.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamAiSettings {
    pub workspace_id: Uuid,
    pub has_team_key: bool,
    /// Stored and turned on (it may still have expired: see `expired`).
    pub enabled: bool,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub key_preview: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    /// The custom provider's base URL (owners and admins only; `null` for other members).
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    #[serde(default)]
    pub expired: bool,
    #[serde(default)]
    pub last_tested_at: Option<Timestamp>,
    #[serde(default)]
    pub last_test_ok: Option<bool>,
    #[serde(default)]
    pub team_calls_per_minute: Option<u32>,
    #[serde(default)]
    pub member_calls_per_minute: Option<u32>,
    /// Calls on the team key by the whole workspace in the last minute.
    pub team_calls_last_minute: u64,
    /// Calls on the team key by the caller in the last minute.
    pub my_calls_last_minute: u64,
    /// The key the caller's AI calls in this workspace use now.
    pub my_key_source: crate::profile::KeySource,
}

/// `PUT /api/v1/workspaces/{id}/ai-settings` (owners and admins): store a (tested) team key,
/// toggle it, choose its model and expiry. The shapes mirror the personal key's.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateTeamAiSettings {
    /// Defaults to the stored key's provider, else Groq.
    #[serde(default)]
    pub provider: Option<String>,
    /// A new key (tested before it is stored); absent to change only the other fields.
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub model: Option<String>,
    /// Required for the `custom` provider.
    #[serde(default)]
    pub base_url: Option<String>,
    /// RFC 3339 time; `null` clears the expiry.
    #[serde(default, with = "crate::double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub expires_at: Option<Option<String>>,
}

/// One member's AI use in a workspace over a window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberUsage {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub calls: u64,
    /// Calls paid by the team key.
    pub team_key_calls: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// What the member's priced calls cost this month, in US dollars; `null` when every call
    /// was on a model with no known price.
    pub cost_usd: Option<f64>,
    /// Calls on a model with no known price.
    pub unpriced_calls: u64,
}

/// `GET /api/v1/workspaces/{id}/usage` (owners and admins): the workspace's AI use this month,
/// per member, busiest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceUsage {
    /// The window's start: the first instant of this month (UTC).
    pub since: Timestamp,
    pub members: Vec<MemberUsage>,
}
