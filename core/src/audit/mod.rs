//! The audit trail of key, account and admin events, chained so that an edit shows
//! (`chain.rs`). Rows never hold a key, a password, a token or a candidate's personal data.
pub mod chain;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{entities::audit_events, session::ClientInfo};

/// A key or account event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditEvent {
    Created,
    Replaced,
    Tested,
    Enabled,
    Disabled,
    Expired,
    Deleted,
    MasterKeyRotated,
    /// An admin created a sign-up invite (recorded for the admin).
    InviteCreated,
    /// An admin revoked one (recorded for the admin).
    InviteRevoked,
    /// A new account registered with one (recorded for the new user).
    InviteUsed,
    PasswordChanged,
    /// The user ended every session.
    SignedOutEverywhere,
    /// A budget was set, changed or removed (recorded for who did it).
    BudgetChanged,
    /// A month's spend reached 80 % of a budget (once per month, for the caller whose call
    /// reached it).
    BudgetWarning,
    /// An admin changed the key policy.
    PolicyChanged,
    /// An admin tested the system key.
    SystemKeyTested,
    /// A workspace owner changed a member's role (the detail names the member's id and the role).
    RoleChanged,
    /// A workspace owner removed a member.
    MemberRemoved,
    /// A candidate was erased, on request or by retention (the detail is the candidate's id and
    /// why, nothing personal).
    CandidateErased,
    /// A candidate's data was exported (the detail is the candidate's id).
    CandidateExported,
    /// A workspace's retention period was set or removed.
    RetentionChanged,
}

impl AuditEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Replaced => "replaced",
            Self::Tested => "tested",
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
            Self::Expired => "expired",
            Self::Deleted => "deleted",
            Self::MasterKeyRotated => "master_key_rotated",
            Self::InviteCreated => "invite_created",
            Self::InviteRevoked => "invite_revoked",
            Self::InviteUsed => "invite_used",
            Self::PasswordChanged => "password_changed",
            Self::SignedOutEverywhere => "signed_out_everywhere",
            Self::BudgetChanged => "budget_changed",
            Self::BudgetWarning => "budget_warning",
            Self::PolicyChanged => "policy_changed",
            Self::SystemKeyTested => "system_key_tested",
            Self::RoleChanged => "role_changed",
            Self::MemberRemoved => "member_removed",
            Self::CandidateErased => "candidate_erased",
            Self::CandidateExported => "candidate_exported",
            Self::RetentionChanged => "retention_changed",
        }
    }
}

/// Appends an event to the chain (inside the caller's transaction when there is one).
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: Option<Uuid>,
    event: AuditEvent,
    provider: Option<&str>,
    detail: Option<String>,
    client: &ClientInfo,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sea_orm::DbErr> {
    let entry = chain::Entry {
        id: Uuid::new_v4(),
        user_id,
        event: event.as_str().to_owned(),
        provider: provider.map(str::to_owned),
        detail,
        ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
        created_at: chain::stored_time(now),
    };
    chain::append(db, &entry).await?;
    Ok(())
}

/// The user's key events, newest first.
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    user_id: Uuid,
    limit: u64,
) -> Result<Vec<types::usage::AuditEntry>, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    Ok(audit_events::Entity::find()
        .filter(audit_events::Column::UserId.eq(user_id))
        .order_by_desc(audit_events::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|e| types::usage::AuditEntry {
            event: e.event,
            provider: e.provider,
            detail: e.detail,
            ip: e.ip,
            user_agent: e.user_agent,
            created_at: e.created_at.into(),
        })
        .collect())
}
