//! Workspaces and their members: which workspace a request acts on (`resolve`), the caller's
//! list, creating, renaming, deleting and switching, and the members with their roles.
//!
//! A workspace the caller is not a member of is "not found", never "forbidden": its existence is
//! not revealed. A member whose role does not allow an action gets 403.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use types::workspaces::{
    CreateWorkspace, Member as MemberDto, MemberList, Role, UpdateWorkspace, Workspace,
    WorkspaceList,
};
use uuid::Uuid;

use crate::{
    entities::{
        analysis_jobs, candidates, conversations, invites, users, workspace_members, workspaces,
    },
    error::{ServiceError, ServiceResult},
    services::notify::{self, Change, Published},
    session::{AuthUser, Member},
    state::{memberships::Memberships, AppState},
};

const MAX_NAME_CHARS: usize = 100;
/// Workspaces one user may belong to; keeps the per-request membership lookup small.
pub const MAX_WORKSPACES_PER_USER: usize = 100;

/// The workspace a request acts on: `requested` (the `X-Workspace-Id` header) when given, else
/// the one the user last switched to, else the personal one. A requested workspace the user is
/// not a member of is a 404; a remembered one they have since left falls back to the personal
/// workspace.
pub async fn resolve(
    state: &AppState,
    user: AuthUser,
    requested: Option<Uuid>,
) -> ServiceResult<Member> {
    let memberships = memberships(state, user.id).await?;
    let (workspace_id, role) = match requested {
        Some(id) => (
            id,
            memberships
                .role_in(id)
                .ok_or(ServiceError::NotFound("Workspace"))?,
        ),
        None => {
            let chosen = memberships
                .current
                .and_then(|id| memberships.role_in(id).map(|role| (id, role)));
            match chosen {
                Some(found) => found,
                None => (
                    user.id,
                    memberships
                        .role_in(user.id)
                        .ok_or(ServiceError::NotFound("Workspace"))?,
                ),
            }
        }
    };
    Ok(Member {
        user,
        workspace_id,
        role,
    })
}

/// The user's memberships, from the cache when the change listener vouches for it.
async fn memberships(state: &AppState, user_id: Uuid) -> ServiceResult<Arc<Memberships>> {
    if state.notifications.caches_trusted() {
        if let Some(found) = state.memberships.get(user_id) {
            return Ok(found);
        }
    }
    let epoch = state.memberships.epoch();
    let current = users::Entity::find_by_id(user_id)
        .select_only()
        .column(users::Column::CurrentWorkspaceId)
        .into_tuple::<Option<Uuid>>()
        .one(&state.db)
        .await?
        .ok_or(ServiceError::Unauthorized)?;
    let rows: Vec<(Uuid, String)> = workspace_members::Entity::find()
        .select_only()
        .column(workspace_members::Column::WorkspaceId)
        .column(workspace_members::Column::Role)
        .filter(workspace_members::Column::UserId.eq(user_id))
        .limit(MAX_WORKSPACES_PER_USER as u64 + 1)
        .into_tuple()
        .all(&state.db)
        .await?;
    let roles = rows
        .into_iter()
        .filter_map(|(id, role)| Role::parse(&role).map(|role| (id, role)))
        .collect();
    let found = Arc::new(Memberships { current, roles });
    state.memberships.put_read(user_id, found.clone(), epoch);
    Ok(found)
}

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

/// The caller's role in `id`, or 404 when they are not a member.
pub(crate) async fn role_in(state: &AppState, user: &AuthUser, id: Uuid) -> ServiceResult<Role> {
    memberships(state, user.id)
        .await?
        .role_in(id)
        .ok_or(ServiceError::NotFound("Workspace"))
}

fn forbidden(what: &str) -> ServiceError {
    ServiceError::Forbidden(format!("Your role in this workspace does not allow {what}"))
}

pub(crate) async fn find(state: &AppState, id: Uuid) -> ServiceResult<workspaces::Model> {
    workspaces::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound("Workspace"))
}

async fn member_count(state: &AppState, id: Uuid) -> ServiceResult<u64> {
    Ok(workspace_members::Entity::find()
        .filter(workspace_members::Column::WorkspaceId.eq(id))
        .count(&state.db)
        .await?)
}

fn dto(w: &workspaces::Model, role: Role, current: bool, members: u64) -> Workspace {
    Workspace {
        id: w.id,
        name: w.name.clone(),
        personal: w.personal,
        role,
        current,
        members,
        team_calls_per_minute: w.team_calls_per_minute.map(|n| n.max(0) as u32),
        member_calls_per_minute: w.member_calls_per_minute.map(|n| n.max(0) as u32),
        created_at: w.created_at.into(),
    }
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
    let published = notify::publish(state, &txn, Change::Membership { user_id }).await?;
    txn.commit().await?;
    changed(state, user_id, published).await;
    tracing::info!(workspace_id = %id, member = %user_id, leaving, "member removed");
    Ok(())
}

/// Those whose current workspace is `id` (all of them, or `only` that user) go back to their
/// personal one.
async fn leave_current(
    db: &impl ConnectionTrait,
    id: Uuid,
    only: Option<Uuid>,
) -> ServiceResult<()> {
    let mut update = users::Entity::update_many()
        .col_expr(
            users::Column::CurrentWorkspaceId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(users::Column::CurrentWorkspaceId.eq(id));
    if let Some(user_id) = only {
        update = update.filter(users::Column::Id.eq(user_id));
    }
    update.exec(db).await?;
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

pub(crate) async fn is_member(
    state: &AppState,
    workspace_id: Uuid,
    user_id: Uuid,
) -> ServiceResult<bool> {
    Ok(
        workspace_members::Entity::find_by_id((workspace_id, user_id))
            .one(&state.db)
            .await?
            .is_some(),
    )
}

/// Tells the other instances, inside `txn`, that `user_id`'s memberships changed.
pub(crate) async fn publish_change(
    state: &AppState,
    txn: &impl ConnectionTrait,
    user_id: Uuid,
) -> ServiceResult<Published> {
    notify::publish(state, txn, Change::Membership { user_id }).await
}

/// After a committed membership change: this instance drops its entry at once, and waits for
/// the notification that tells the others.
pub(crate) async fn changed(state: &AppState, user_id: Uuid, published: Published) {
    state.memberships.forget(user_id);
    published.delivered(state).await;
}

/// The workspace's AI use this month, per member, busiest first (owners and admins).
#[tracing::instrument(skip_all, fields(user_id = %member.id, workspace_id = %id))]
pub async fn usage(
    state: &AppState,
    member: &Member,
    id: Uuid,
) -> ServiceResult<types::workspaces::WorkspaceUsage> {
    use crate::entities::ai_usage;
    use chrono::Datelike;
    use sea_orm::sea_query::{Alias, Expr as E};
    if !role_in(state, member, id).await?.can_manage() {
        return Err(forbidden("reading its usage per member"));
    }
    let now = state.clock.now();
    let since = now
        .date_naive()
        .with_day(1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(now, |d| d.and_utc());
    let team_call = E::case(ai_usage::Column::KeySource.eq("team"), 1).finally(0);
    let unpriced = E::case(ai_usage::Column::CostMicroUsd.is_null(), 1).finally(0);
    // (member, calls, calls on the team key, prompt tokens, completion tokens, cost, unpriced)
    type Row = (
        Uuid,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> = ai_usage::Entity::find()
        .select_only()
        .column(ai_usage::Column::UserId)
        .column_as(ai_usage::Column::Id.count(), "calls")
        .column_as(
            E::expr(team_call).sum().cast_as(Alias::new("BIGINT")),
            "team_calls",
        )
        .column_as(
            ai_usage::Column::PromptTokens
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "prompt",
        )
        .column_as(
            ai_usage::Column::CompletionTokens
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "completion",
        )
        .column_as(
            ai_usage::Column::CostMicroUsd
                .sum()
                .cast_as(Alias::new("BIGINT")),
            "cost",
        )
        .column_as(
            E::expr(unpriced).sum().cast_as(Alias::new("BIGINT")),
            "unpriced",
        )
        .filter(ai_usage::Column::WorkspaceId.eq(id))
        .filter(ai_usage::Column::CreatedAt.gte(since))
        .group_by(ai_usage::Column::UserId)
        .into_tuple()
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let people = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(&state.db)
        .await?;
    let n = |v: Option<i64>| v.unwrap_or(0).max(0) as u64;
    let mut members: Vec<types::workspaces::MemberUsage> = rows
        .into_iter()
        .map(
            |(user_id, calls, team, prompt, completion, cost, unpriced)| {
                let person = people.iter().find(|p| p.id == user_id);
                let unpriced = n(unpriced);
                types::workspaces::MemberUsage {
                    user_id,
                    name: person.map_or_else(|| "Former member".to_owned(), |p| p.name.clone()),
                    email: person.map(|p| p.email.clone()).unwrap_or_default(),
                    calls: calls.max(0) as u64,
                    team_key_calls: n(team),
                    prompt_tokens: n(prompt),
                    completion_tokens: n(completion),
                    cost_usd: (unpriced < calls.max(0) as u64)
                        .then(|| crate::services::costs::usd(cost.unwrap_or(0).max(0))),
                    unpriced_calls: unpriced,
                }
            },
        )
        .collect();
    members.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
    Ok(types::workspaces::WorkspaceUsage {
        since: since.into(),
        members,
    })
}
