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
