//! A workspace's members: listing them, changing their roles, removing them (or leaving), and
//! adding one when an invite is used; a workspace always keeps an owner.
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use types::workspaces::{Member as MemberDto, MemberList, Role};
use uuid::Uuid;

use super::{changed, find, forbidden, leave_current, role_in};
use crate::{
    audit::{self, AuditEvent},
    entities::{users, workspace_members, workspaces},
    error::{ServiceError, ServiceResult},
    services::notify::{self, Change},
    session::{ClientInfo, Member},
    state::AppState,
};

/// The members of a workspace the caller belongs to, owners first.
pub async fn members(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<MemberList> {
    role_in(state, member, id).await?;
    let rows = workspace_members::Entity::find()
        .filter(workspace_members::Column::WorkspaceId.eq(id))
        .order_by_asc(workspace_members::Column::CreatedAt)
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|m| m.user_id).collect();
    let people = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(&state.db)
        .await?;
    let mut members: Vec<MemberDto> = rows
        .iter()
        .filter_map(|m| {
            let user = people.iter().find(|u| u.id == m.user_id)?;
            Some(MemberDto {
                user_id: m.user_id,
                name: user.name.clone(),
                email: user.email.clone(),
                role: Role::parse(&m.role)?,
                joined_at: m.created_at.into(),
            })
        })
        .collect();
    members.sort_by_key(|m| m.role);
    Ok(MemberList { members })
}

/// Changes a member's role. Owners and admins manage members; only an owner makes or unmakes
/// an owner, and the last owner cannot step down (409).
pub async fn update_member(
    state: &AppState,
    member: &Member,
    client: &ClientInfo,
    id: Uuid,
    user_id: Uuid,
    role: Role,
) -> ServiceResult<MemberDto> {
    let mine = role_in(state, member, id).await?;
    let target = find_member(state, id, user_id).await?;
    let theirs = Role::parse(&target.role).unwrap_or(Role::Viewer);
    if !mine.can_manage() {
        return Err(forbidden("changing roles"));
    }
    if (role == Role::Owner || theirs == Role::Owner) && mine != Role::Owner {
        return Err(forbidden("changing an owner's role or making an owner"));
    }
    let txn = state.db.begin().await?;
    if theirs == Role::Owner && role != Role::Owner {
        lock_workspace(&txn, id, state.clock.now()).await?;
        ensure_another_owner(&txn, id, user_id).await?;
    }
    workspace_members::Entity::update_many()
        .col_expr(workspace_members::Column::Role, Expr::value(role.as_str()))
        .filter(workspace_members::Column::WorkspaceId.eq(id))
        .filter(workspace_members::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        Some(member.id),
        AuditEvent::RoleChanged,
        None,
        Some(format!(
            "workspace {id}: member {user_id} is now {}",
            role.as_str()
        )),
        client,
        state.clock.now(),
    )
    .await?;
    let published = notify::publish(state, &txn, Change::Membership { user_id }).await?;
    txn.commit().await?;
    changed(state, user_id, published).await;
    let user = users::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Member"))?;
    Ok(MemberDto {
        user_id,
        name: user.name,
        email: user.email,
        role,
        joined_at: target.created_at.into(),
    })
}

/// Removes a member (owners and admins), or the caller themselves (leaving). The last owner
/// cannot leave, and nobody leaves a personal workspace (409). The removed member's next
/// request, on any instance, no longer sees the workspace.
pub async fn remove_member(
    state: &AppState,
    member: &Member,
    client: &ClientInfo,
    id: Uuid,
    user_id: Uuid,
) -> ServiceResult<()> {
    let mine = role_in(state, member, id).await?;
    let target = find_member(state, id, user_id).await?;
    let theirs = Role::parse(&target.role).unwrap_or(Role::Viewer);
    let leaving = user_id == member.id;
    if !leaving && !mine.can_manage() {
        return Err(forbidden("removing members"));
    }
    if !leaving && theirs == Role::Owner && mine != Role::Owner {
        return Err(forbidden("removing an owner"));
    }
    if find(state, id).await?.personal {
        return Err(ServiceError::Conflict(
            "Nobody can leave a personal workspace".into(),
        ));
    }
    let txn = state.db.begin().await?;
    if theirs == Role::Owner {
        lock_workspace(&txn, id, state.clock.now()).await?;
        ensure_another_owner(&txn, id, user_id).await?;
    }
    workspace_members::Entity::delete_many()
        .filter(workspace_members::Column::WorkspaceId.eq(id))
        .filter(workspace_members::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    leave_current(&txn, id, Some(user_id)).await?;
    audit::record(
        &txn,
        Some(member.id),
        AuditEvent::MemberRemoved,
        None,
        Some(format!(
            "workspace {id}: member {user_id} {}",
            if leaving { "left" } else { "removed" }
        )),
        client,
        state.clock.now(),
    )
    .await?;
    let published = notify::publish(state, &txn, Change::Membership { user_id }).await?;
    txn.commit().await?;
    changed(state, user_id, published).await;
    tracing::info!(workspace_id = %id, member = %user_id, leaving, "member removed");
    Ok(())
}

async fn find_member(
    state: &AppState,
    id: Uuid,
    user_id: Uuid,
) -> ServiceResult<workspace_members::Model> {
    workspace_members::Entity::find_by_id((id, user_id))
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Member"))
}

/// Takes the workspace's row for the rest of the transaction (a write: PostgreSQL's row lock,
/// SQLite's write lock), so two owners stepping down at the same moment are judged one after
/// the other and the workspace always keeps one.
async fn lock_workspace(
    txn: &sea_orm::DatabaseTransaction,
    id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    workspaces::Entity::update_many()
        .col_expr(workspaces::Column::UpdatedAt, Expr::value(now))
        .filter(workspaces::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

async fn ensure_another_owner(
    db: &impl ConnectionTrait,
    id: Uuid,
    except: Uuid,
) -> ServiceResult<()> {
    let others = workspace_members::Entity::find()
        .filter(workspace_members::Column::WorkspaceId.eq(id))
        .filter(workspace_members::Column::Role.eq(Role::Owner.as_str()))
        .filter(workspace_members::Column::UserId.ne(except))
        .count(db)
        .await?;
    if others == 0 {
        return Err(ServiceError::Conflict(
            "A workspace needs an owner: make another member an owner first".into(),
        ));
    }
    Ok(())
}

/// Adds `user_id` to the workspace with `role`, inside the caller's transaction (an invite being
/// used). A workspace deleted meanwhile is skipped: the invite then joins nothing.
pub(crate) async fn add_member(
    db: &impl ConnectionTrait,
    workspace_id: Uuid,
    user_id: Uuid,
    role: Role,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if workspaces::Entity::find_by_id(workspace_id)
        .one(db)
        .await?
        .is_none()
    {
        return Ok(());
    }
    workspace_members::ActiveModel {
        workspace_id: Set(workspace_id),
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}
