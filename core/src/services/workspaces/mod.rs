//! Workspaces and their members: which workspace a request acts on (`resolve`), the caller's
//! list, creating, renaming, deleting and switching, and the members with their roles.
//!
//! A workspace the caller is not a member of is "not found", never "forbidden": its existence is
//! not revealed. A member whose role does not allow an action gets 403.
use std::sync::Arc;

use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use types::workspaces::{Role, Workspace};
use uuid::Uuid;

use crate::{
    entities::{users, workspace_members, workspaces},
    error::{ServiceError, ServiceResult},
    services::notify::{self, Change, Published},
    session::{AuthUser, Member},
    state::{memberships::Memberships, AppState},
};

mod manage;
mod report;
mod roster;

pub(crate) use manage::create_personal;
pub use manage::{create, delete, get, list, switch, update};
pub use report::usage;
pub(crate) use roster::add_member;
pub use roster::{members, remove_member, update_member};

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
