//! Sign-up invites (`HIREKEY_REGISTRATION=invite`, the default): once the first account exists,
//! registering needs an invite an admin created. An invite is a random token shown once; only
//! its SHA-256 is stored. It is used at most once (a conditional update in the registering
//! transaction), also by a registration for an email that already has an account (so it cannot
//! probe addresses again), expires, can be revoked, and may be bound to one email address.
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use sha2::{Digest, Sha256};
use types::admin::{CreateInviteRequest, CreatedInvite, Invite, InviteStatus};
use types::workspaces::{
    CreatedMemberInvite, InviteMember, MemberInvite, MemberInviteList, Role, Workspace,
};
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::{
    entities::invites,
    error::{ServiceError, ServiceResult},
    services::{text::Email, workspaces},
    session::{Admin, AuthUser, ClientInfo, Member},
    state::AppState,
};

/// Days an invite lasts when the admin does not say.
pub const DEFAULT_EXPIRY_DAYS: u32 = 7;
/// The longest an invite may last.
pub const MAX_EXPIRY_DAYS: u32 = 90;
/// The invites the list shows, newest first.
const LIST_LIMIT: u64 = 500;

/// The stored form of a token: SHA-256, hex. A token has 256 random bits, so a fast hash is
/// enough: nothing can be guessed from it.
pub(crate) fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 32 random bytes, base64url without padding (43 characters, safe in a URL).
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn status(row: &invites::Model, now: DateTime<Utc>) -> InviteStatus {
    if row.revoked_at.is_some() {
        InviteStatus::Revoked
    } else if row.used_at.is_some() {
        InviteStatus::Used
    } else if row.expires_at <= now {
        InviteStatus::Expired
    } else {
        InviteStatus::Pending
    }
}

fn refused(message: &str) -> ServiceError {
    ServiceError::InviteRequired(message.to_owned())
}

/// The answer to an invite that has been used, whoever used it and how (an account made with
/// it, or a registration for an address that already had one): the same words every time, so
/// an invite holder cannot tell from them whether an email is registered.
pub(crate) fn used() -> ServiceError {
    refused("This invite has already been used. If you already have an account, log in.")
}

/// Creates an invite; `origin` (`https://host`) makes its link.
#[tracing::instrument(skip_all)]
pub async fn create(
    state: &AppState,
    admin: &Admin,
    request: CreateInviteRequest,
    origin: &str,
    client: &ClientInfo,
) -> ServiceResult<CreatedInvite> {
    let days = request.expires_in_days.unwrap_or(DEFAULT_EXPIRY_DAYS);
    if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
        return Err(ServiceError::Validation(format!(
            "An invite lasts from 1 to {MAX_EXPIRY_DAYS} days"
        )));
    }
    let email = request
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()?
        .map(|e| e.as_str().to_owned());
    let for_whom = email.as_deref().unwrap_or("anyone").to_owned();
    let new = NewInvite {
        email: email.clone(),
        created_by: admin.id(),
        days,
        workspace: None,
    };
    let (id, token, expires_at) = insert(state, new, &for_whom, client).await?;
    tracing::info!(invite = %id, "invite created");
    Ok(CreatedInvite {
        id,
        url: format!("{}/register?invite={token}", origin.trim_end_matches('/')),
        token,
        expires_at: expires_at.into(),
        email,
    })
}

/// An invite to store: a sign-up invite (`workspace: None`) or one that also joins a workspace.
struct NewInvite {
    email: Option<String>,
    created_by: Uuid,
    days: u32,
    workspace: Option<(Uuid, Role)>,
}

/// Stores the invite with its audit row (`for_whom` names it there) in one transaction;
/// answers its id, its token (shown once, only its hash is kept) and its expiry.
async fn insert(
    state: &AppState,
    new: NewInvite,
    for_whom: &str,
    client: &ClientInfo,
) -> ServiceResult<(Uuid, String, DateTime<Utc>)> {
    let token = new_token();
    let now = state.clock.now();
    let expires_at = now + Duration::days(i64::from(new.days));
    let id = Uuid::new_v4();
    let txn = state.db.begin().await?;
    invites::ActiveModel {
        id: Set(id),
        token_hash: Set(hash_token(&token)),
        email: Set(new.email),
        created_by: Set(Some(new.created_by)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        used_by: Set(None),
        revoked_at: Set(None),
        workspace_id: Set(new.workspace.map(|(w, _)| w)),
        role: Set(new.workspace.map(|(_, r)| r.as_str().to_owned())),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(new.created_by),
        AuditEvent::InviteCreated,
        None,
        Some(format!(
            "invite {id} for {for_whom}, expires {}",
            types::time::format_rfc3339(&expires_at, false)
        )),
        client,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((id, token, expires_at))
}

/// The newest invites first, without their tokens (only hashes are stored).
#[tracing::instrument(skip_all)]
pub async fn list(state: &AppState, _admin: &Admin) -> ServiceResult<Vec<Invite>> {
    let now = state.clock.now();
    Ok(invites::Entity::find()
        .order_by_desc(invites::Column::CreatedAt)
        .limit(LIST_LIMIT)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|row| Invite {
            id: row.id,
            status: status(&row, now),
            email: row.email,
            created_at: row.created_at.into(),
            expires_at: row.expires_at.into(),
            used_at: row.used_at.map(Into::into),
            revoked_at: row.revoked_at.map(Into::into),
        })
        .collect())
}

/// Revokes an invite that has not been used: 404 for an unknown one, 409 for a used one;
/// revoking twice changes nothing.
#[tracing::instrument(skip_all)]
pub async fn revoke(
    state: &AppState,
    admin: &Admin,
    id: Uuid,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let row = invites::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Invite"))?;
    if row.revoked_at.is_some() {
        return Ok(());
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    // Only while unused: a registration using it at this moment wins or loses as a whole.
    let updated = invites::Entity::update_many()
        .col_expr(invites::Column::RevokedAt, Expr::value(now))
        .filter(invites::Column::Id.eq(id))
        .filter(invites::Column::UsedAt.is_null())
        .filter(invites::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(ServiceError::Conflict(
            "This invite has already been used".into(),
        ));
    }
    audit::record(
        &txn,
        Some(admin.id()),
        AuditEvent::InviteRevoked,
        None,
        Some(format!("invite {id}")),
        client,
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(invite = %id, "invite revoked");
    Ok(())
}

/// The invite behind `token` if `email` may register with it now; otherwise 403
/// "Invite required" with the reason.
pub(crate) async fn check(
    db: &impl ConnectionTrait,
    token: Option<&str>,
    email: &Email,
    now: DateTime<Utc>,
) -> ServiceResult<invites::Model> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            refused("Registration is by invitation only: ask an administrator for an invite link")
        })?;
    let row = invites::Entity::find()
        .filter(invites::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?
        .ok_or_else(|| {
            refused(
                "This invite is not valid: check the link, or ask an administrator for a new one",
            )
        })?;
    match status(&row, now) {
        InviteStatus::Pending => {}
        InviteStatus::Used => return Err(used()),
        InviteStatus::Revoked => return Err(refused("This invite has been revoked")),
        InviteStatus::Expired => {
            return Err(refused(
                "This invite has expired: ask an administrator for a new one",
            ))
        }
    }
    if row.email.as_deref().is_some_and(|e| e != email.as_str()) {
        return Err(refused("This invite is for another email address"));
    }
    Ok(row)
}

/// Marks the invite used by `user_id`, inside the registering transaction. Only one
/// registration can do so: the update applies only while the invite is unused, unrevoked and
/// unexpired, so a second one racing it finds nothing to update and is refused.
pub(crate) async fn redeem(
    txn: &impl ConnectionTrait,
    invite: &invites::Model,
    user_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let updated = invites::Entity::update_many()
        .col_expr(invites::Column::UsedAt, Expr::value(now))
        .col_expr(invites::Column::UsedBy, Expr::value(user_id))
        .filter(invites::Column::Id.eq(invite.id))
        .filter(invites::Column::UsedAt.is_null())
        .filter(invites::Column::RevokedAt.is_null())
        .filter(invites::Column::ExpiresAt.gt(now))
        .exec(txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(used());
    }
    if let Some((workspace_id, role)) = workspace_of(invite) {
        workspaces::add_member(txn, workspace_id, user_id, role, now).await?;
    }
    audit::record(
        txn,
        Some(user_id),
        AuditEvent::InviteUsed,
        None,
        Some(format!("invite {}", invite.id)),
        client,
        now,
    )
    .await?;
    Ok(())
}

/// With open sign-up (`HIREKEY_REGISTRATION=open`): marks the invite behind `token` used by
/// the account just made, when it was valid for `email`. An unusable invite (unknown, used,
/// revoked, expired, for another address) changes nothing: open sign-up did not need it.
pub(crate) async fn redeem_if_usable<D: ConnectionTrait + TransactionTrait>(
    db: &D,
    token: Option<&str>,
    email: &Email,
    user_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if token.is_none_or(|t| t.trim().is_empty()) {
        return Ok(());
    }
    let invite = match check(db, token, email, now).await {
        Ok(invite) => invite,
        Err(ServiceError::InviteRequired(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    let txn = db.begin().await?;
    match redeem(&txn, &invite, user_id, client, now).await {
        Ok(()) => txn.commit().await?,
        // Another registration used it meanwhile.
        Err(ServiceError::InviteRequired(_)) => txn.rollback().await?,
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Uses up the invite without an account: a registration with it asked for an email that
/// already has one. Spending it makes the attempt count, so one invite answers at most one
/// question about whether an address is registered. Recorded for the admin who created it.
/// A registration racing this one for the same invite may win; either way it is used.
pub(crate) async fn spend(
    db: &impl TransactionTrait,
    invite: &invites::Model,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let txn = db.begin().await?;
    let updated = invites::Entity::update_many()
        .col_expr(invites::Column::UsedAt, Expr::value(now))
        .filter(invites::Column::Id.eq(invite.id))
        .filter(invites::Column::UsedAt.is_null())
        .filter(invites::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected > 0 {
        audit::record(
            &txn,
            invite.created_by,
            AuditEvent::InviteUsed,
            None,
            Some(format!(
                "invite {} spent on a registration for an email that already has an account",
                invite.id
            )),
            client,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    if updated.rows_affected > 0 {
        tracing::info!(invite = %invite.id, "invite spent on an existing account's email");
    }
    Ok(())
}

/// The workspace and role a workspace invite joins; none for a sign-up invite.
fn workspace_of(invite: &invites::Model) -> Option<(Uuid, Role)> {
    let workspace_id = invite.workspace_id?;
    let role = invite.role.as_deref().and_then(Role::parse)?;
    Some((workspace_id, role))
}

/// An invite to join a workspace, for one email address (owners and admins; only an owner
/// invites an owner). Whoever holds it may also register, even when sign-up is by invitation
/// only: the link leads to the sign-up page, and a signed-in user joins with
/// `POST /api/v1/workspaces/join`.
#[tracing::instrument(skip_all, fields(user_id = %member.id, workspace_id = %workspace_id))]
pub async fn create_for_workspace(
    state: &AppState,
    member: &Member,
    workspace_id: Uuid,
    request: InviteMember,
    origin: &str,
    client: &ClientInfo,
) -> ServiceResult<CreatedMemberInvite> {
    let mine = workspaces::role_in(state, member, workspace_id).await?;
    if !mine.can_manage() || (request.role == Role::Owner && mine != Role::Owner) {
        return Err(ServiceError::Forbidden(
            "Your role in this workspace does not allow inviting this member".into(),
        ));
    }
    if workspaces::find(state, workspace_id).await?.personal {
        return Err(ServiceError::Conflict(
            "A personal workspace cannot be shared: create a workspace for the team".into(),
        ));
    }
    let days = request.expires_in_days.unwrap_or(DEFAULT_EXPIRY_DAYS);
    if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
        return Err(ServiceError::Validation(format!(
            "An invite lasts from 1 to {MAX_EXPIRY_DAYS} days"
        )));
    }
    let email = Email::parse(&request.email)?.as_str().to_owned();
    let for_whom = format!("{email} to workspace {workspace_id} as {}", request.role);
    let new = NewInvite {
        email: Some(email),
        created_by: member.id,
        days,
        workspace: Some((workspace_id, request.role)),
    };
    let (id, token, expires_at) = insert(state, new, &for_whom, client).await?;
    tracing::info!(invite = %id, "workspace invite created");
    Ok(CreatedMemberInvite {
        id,
        url: format!("{}/register?invite={token}", origin.trim_end_matches('/')),
        token,
        expires_at: expires_at.into(),
    })
}

/// A workspace's invites, newest first, without their tokens (any member may see them).
pub async fn list_for_workspace(
    state: &AppState,
    member: &Member,
    workspace_id: Uuid,
) -> ServiceResult<MemberInviteList> {
    workspaces::role_in(state, member, workspace_id).await?;
    let now = state.clock.now();
    let invites = invites::Entity::find()
        .filter(invites::Column::WorkspaceId.eq(workspace_id))
        .order_by_desc(invites::Column::CreatedAt)
        .limit(LIST_LIMIT)
        .all(&state.db)
        .await?
        .into_iter()
        .filter_map(|row| {
            let (_, role) = workspace_of(&row)?;
            Some(MemberInvite {
                id: row.id,
                status: status(&row, now),
                email: row.email,
                role,
                created_at: row.created_at.into(),
                expires_at: row.expires_at.into(),
            })
        })
        .collect();
    Ok(MemberInviteList { invites })
}

/// Revokes one of the workspace's unused invites (owners and admins): 404 for another
/// workspace's, 409 for a used one.
pub async fn revoke_for_workspace(
    state: &AppState,
    member: &Member,
    workspace_id: Uuid,
    id: Uuid,
) -> ServiceResult<()> {
    if !workspaces::role_in(state, member, workspace_id)
        .await?
        .can_manage()
    {
        return Err(ServiceError::Forbidden(
            "Your role in this workspace does not allow revoking invites".into(),
        ));
    }
    let row = invites::Entity::find_by_id(id)
        .filter(invites::Column::WorkspaceId.eq(workspace_id))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Invite"))?;
    if row.revoked_at.is_some() {
        return Ok(());
    }
    let updated = invites::Entity::update_many()
        .col_expr(invites::Column::RevokedAt, Expr::value(state.clock.now()))
        .filter(invites::Column::Id.eq(id))
        .filter(invites::Column::UsedAt.is_null())
        .filter(invites::Column::RevokedAt.is_null())
        .exec(&state.db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(ServiceError::Conflict(
            "This invite has already been used".into(),
        ));
    }
    Ok(())
}

/// A signed-in user joins the workspace of an invite made for their address. A sign-up invite,
/// or one for another address, is refused; joining a workspace one already belongs to is a 409
/// that leaves the invite unused.
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn join(
    state: &AppState,
    user: &AuthUser,
    token: &str,
    client: &ClientInfo,
) -> ServiceResult<Workspace> {
    let now = state.clock.now();
    let email = Email::parse(&user.email)?;
    let invite = check(&state.db, Some(token), &email, now).await?;
    let Some((workspace_id, role)) = workspace_of(&invite) else {
        return Err(refused(
            "This is a sign-up invite, not an invitation to a workspace",
        ));
    };
    if workspaces::is_member(state, workspace_id, user.id).await? {
        return Err(ServiceError::Conflict(
            "You are already a member of this workspace".into(),
        ));
    }
    let txn = state.db.begin().await?;
    redeem(&txn, &invite, user.id, client, now).await?;
    let published = workspaces::publish_change(state, &txn, user.id).await?;
    txn.commit().await?;
    workspaces::changed(state, user.id, published).await;
    tracing::info!(workspace_id = %workspace_id, role = %role, "joined a workspace");
    let member = workspaces::resolve(state, user.clone(), Some(workspace_id)).await?;
    workspaces::get(state, &member, workspace_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_stored_as_sha256() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let hash = hash_token(&a);
        assert_eq!(hash.len(), 64);
        assert_ne!(hash, a);
        // SHA-256 of "abc".
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
