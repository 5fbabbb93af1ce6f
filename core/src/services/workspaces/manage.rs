//! Workspaces themselves: creating (the personal one too), listing, reading, renaming and
//! limiting, deleting, and switching the one requests act on.
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use types::workspaces::{CreateWorkspace, Role, UpdateWorkspace, Workspace, WorkspaceList};
use uuid::Uuid;

use super::{
    changed, dto, find, forbidden, leave_current, member_count, memberships, role_in,
    MAX_WORKSPACES_PER_USER,
};
use crate::{
    entities::{
        analysis_jobs, candidates, conversations, invites, users, workspace_members, workspaces,
    },
    error::{ServiceError, ServiceResult},
    services::notify::{self, Change},
    session::{AuthUser, Member},
    state::AppState,
};

const MAX_NAME_CHARS: usize = 100;

/// Creates the personal workspace of a new user (its id is the user's), inside the
/// registration's transaction.
pub(crate) async fn create_personal(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    insert_workspace(db, user_id, "Personal", true, user_id, now).await
}

async fn insert_workspace(
    db: &impl ConnectionTrait,
    id: Uuid,
    name: &str,
    personal: bool,
    owner: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    workspaces::ActiveModel {
        id: Set(id),
        name: Set(name.to_owned()),
        personal: Set(personal),
        created_by: Set(owner),
        team_calls_per_minute: Set(None),
        member_calls_per_minute: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    workspace_members::ActiveModel {
        workspace_id: Set(id),
        user_id: Set(owner),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

fn clean_name(name: &str) -> ServiceResult<String> {
    let name: String = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if name.is_empty() {
        return Err(ServiceError::Validation("name must not be empty".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ServiceError::Validation(format!(
            "name must be at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name)
}

/// The caller's workspaces with their role, the personal one first, then by name.
#[tracing::instrument(skip_all, fields(user_id = %member.id))]
pub async fn list(state: &AppState, member: &Member) -> ServiceResult<WorkspaceList> {
    let found = memberships(state, member.id).await?;
    let ids: Vec<Uuid> = found.roles.iter().map(|(id, _)| *id).collect();
    let rows = workspaces::Entity::find()
        .filter(workspaces::Column::Id.is_in(ids.clone()))
        .order_by_desc(workspaces::Column::Personal)
        .order_by_asc(workspaces::Column::Name)
        .all(&state.db)
        .await?;
    let counts: Vec<(Uuid, i64)> = workspace_members::Entity::find()
        .select_only()
        .column(workspace_members::Column::WorkspaceId)
        .column_as(workspace_members::Column::UserId.count(), "n")
        .filter(workspace_members::Column::WorkspaceId.is_in(ids))
        .group_by(workspace_members::Column::WorkspaceId)
        .into_tuple()
        .all(&state.db)
        .await?;
    let workspaces = rows
        .iter()
        .filter_map(|w| {
            let role = found.role_in(w.id)?;
            let n = counts
                .iter()
                .find(|(id, _)| *id == w.id)
                .map_or(0, |(_, n)| *n);
            Some(dto(w, role, w.id == member.workspace_id, n.max(0) as u64))
        })
        .collect();
    Ok(WorkspaceList {
        workspaces,
        current: member.workspace_id,
    })
}

/// One workspace the caller is a member of.
pub async fn get(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<Workspace> {
    let role = role_in(state, member, id).await?;
    let w = find(state, id).await?;
    let n = member_count(state, id).await?;
    Ok(dto(&w, role, id == member.workspace_id, n))
}

/// A new shared workspace, owned by the caller.
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
pub async fn create(
    state: &AppState,
    user: &AuthUser,
    request: CreateWorkspace,
) -> ServiceResult<Workspace> {
    let name = clean_name(&request.name)?;
    if memberships(state, user.id).await?.roles.len() >= MAX_WORKSPACES_PER_USER {
        return Err(ServiceError::Conflict(format!(
            "You are a member of {MAX_WORKSPACES_PER_USER} workspaces, the most there may be"
        )));
    }
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let txn = state.db.begin().await?;
    insert_workspace(&txn, id, &name, false, user.id, now).await?;
    let published = notify::publish(state, &txn, Change::Membership { user_id: user.id }).await?;
    txn.commit().await?;
    changed(state, user.id, published).await;
    let w = find(state, id).await?;
    Ok(dto(&w, Role::Owner, false, 1))
}

/// Renames a workspace (owners and admins).
pub async fn update(
    state: &AppState,
    member: &Member,
    id: Uuid,
    request: UpdateWorkspace,
) -> ServiceResult<Workspace> {
    let role = role_in(state, member, id).await?;
    if !role.can_manage() {
        return Err(forbidden("changing its settings"));
    }
    let limits_change =
        request.team_calls_per_minute.is_some() || request.member_calls_per_minute.is_some();
    if limits_change && role != Role::Owner {
        return Err(forbidden("setting its rate limits"));
    }
    let w = find(state, id).await?;
    let mut active: workspaces::ActiveModel = w.into();
    if let Some(name) = request.name {
        active.name = Set(clean_name(&name)?);
    }
    if let Some(limit) = request.team_calls_per_minute {
        active.team_calls_per_minute = Set(check_limit(limit)?);
    }
    if let Some(limit) = request.member_calls_per_minute {
        active.member_calls_per_minute = Set(check_limit(limit)?);
    }
    active.updated_at = Set(state.clock.now());
    let w = active.update(&state.db).await?;
    if limits_change {
        // The limits travel with the cached team key: drop it here and on the other instances.
        let published =
            notify::publish(state, &state.db, Change::TeamKey { workspace_id: id }).await?;
        state.key_cache.forget_workspace(id);
        published.delivered(state).await;
    }
    let n = member_count(state, id).await?;
    Ok(dto(&w, role, id == member.workspace_id, n))
}

/// The most calls per minute a team limit may name.
const MAX_CALLS_PER_MINUTE: u32 = 100_000;

fn check_limit(limit: Option<u32>) -> ServiceResult<Option<i32>> {
    match limit {
        None => Ok(None),
        Some(n) if (1..=MAX_CALLS_PER_MINUTE).contains(&n) => Ok(Some(n as i32)),
        Some(_) => Err(ServiceError::Validation(format!(
            "A rate limit is between 1 and {MAX_CALLS_PER_MINUTE} calls per minute, or null for none"
        ))),
    }
}

/// Deletes a shared workspace with its candidates, resumes, conversations and queued analyses
/// (owners only). Usage rows stay, for the record of what was spent. A personal workspace goes
/// only with its account.
#[tracing::instrument(skip_all, fields(user_id = %member.id, workspace_id = %id))]
pub async fn delete(state: &AppState, member: &Member, id: Uuid) -> ServiceResult<()> {
    let role = role_in(state, member, id).await?;
    if role != Role::Owner {
        return Err(forbidden("deleting it"));
    }
    let w = find(state, id).await?;
    if w.personal {
        return Err(ServiceError::Conflict(
            "A personal workspace cannot be deleted".into(),
        ));
    }
    let members: Vec<Uuid> = workspace_members::Entity::find()
        .select_only()
        .column(workspace_members::Column::UserId)
        .filter(workspace_members::Column::WorkspaceId.eq(id))
        .into_tuple()
        .all(&state.db)
        .await?;
    let txn = state.db.begin().await?;
    analysis_jobs::Entity::delete_many()
        .filter(analysis_jobs::Column::WorkspaceId.eq(id))
        .exec(&txn)
        .await?;
    crate::services::hiring::delete_workspace_rows(&txn, id).await?;
    // Resumes and messages go with their candidate and conversation (the foreign keys cascade).
    candidates::Entity::delete_many()
        .filter(candidates::Column::WorkspaceId.eq(id))
        .exec(&txn)
        .await?;
    conversations::Entity::delete_many()
        .filter(conversations::Column::WorkspaceId.eq(id))
        .exec(&txn)
        .await?;
    leave_current(&txn, id, None).await?;
    // Its unused invites can no longer join anything.
    invites::Entity::update_many()
        .col_expr(invites::Column::RevokedAt, Expr::value(state.clock.now()))
        .filter(invites::Column::WorkspaceId.eq(id))
        .filter(invites::Column::UsedAt.is_null())
        .filter(invites::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    crate::entities::workspace_keys::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    workspaces::Entity::delete_by_id(id).exec(&txn).await?;
    let mut published = Vec::with_capacity(members.len());
    for user_id in &members {
        published
            .push(notify::publish(state, &txn, Change::Membership { user_id: *user_id }).await?);
    }
    txn.commit().await?;
    for (user_id, published) in members.into_iter().zip(published) {
        changed(state, user_id, published).await;
    }
    tracing::info!("workspace deleted");
    Ok(())
}

/// Makes `id` the workspace the caller's requests act on (without an `X-Workspace-Id` header).
pub async fn switch(state: &AppState, user: &AuthUser, id: Uuid) -> ServiceResult<Workspace> {
    let role = role_in(state, user, id).await?;
    let w = find(state, id).await?;
    let txn = state.db.begin().await?;
    users::Entity::update_many()
        .col_expr(
            users::Column::CurrentWorkspaceId,
            Expr::value((!w.personal).then_some(id)),
        )
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let published = notify::publish(state, &txn, Change::Membership { user_id: user.id }).await?;
    txn.commit().await?;
    changed(state, user.id, published).await;
    let n = member_count(state, id).await?;
    Ok(dto(&w, role, true, n))
}
