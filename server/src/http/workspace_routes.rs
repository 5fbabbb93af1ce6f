//! Workspaces, switching between them, and their members. The handlers only translate HTTP; the
//! work is in `services::workspaces`. A workspace the caller is not a member of answers 404.
use app::api::session::link_origin;
use axum::{extract::State, http::StatusCode, Json};
use hirekey_core::{
    services::{ai, invites, keys::team, workspaces},
    session::{AuthUser, ClientInfo, Member},
    state::AppState,
};
use types::profile::{TestAiKeyRequest, TestAiKeyResponse};
use types::workspaces::{
    CreateWorkspace, CreatedMemberInvite, InviteMember, JoinWorkspace, Member as MemberDto,
    MemberInviteList, MemberList, SwitchWorkspace, TeamAiSettings, UpdateMember,
    UpdateTeamAiSettings, UpdateWorkspace, Workspace, WorkspaceList, WorkspaceUsage,
};
use types::ErrorBody;

use super::{
    extractors::{path_id, ApiJson, ApiPath},
    ApiRoute,
};
use crate::http::error::ApiResult;

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_workspaces,
    create_workspace,
    current_workspace,
    switch_workspace,
    get_workspace,
    update_workspace,
    delete_workspace,
    list_members,
    update_member,
    remove_member,
    create_invite,
    list_invites,
    revoke_invite,
    join_workspace,
    get_team_key,
    put_team_key,
    delete_team_key,
    test_team_key,
    workspace_usage
))]
pub struct Doc;

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::get("/v1/workspaces", list_workspaces),
        ApiRoute::post("/v1/workspaces", create_workspace),
        ApiRoute::get("/v1/workspaces/current", current_workspace),
        ApiRoute::put("/v1/workspaces/current", switch_workspace),
        ApiRoute::get("/v1/workspaces/{id}", get_workspace),
        ApiRoute::patch("/v1/workspaces/{id}", update_workspace),
        ApiRoute::delete("/v1/workspaces/{id}", delete_workspace),
        ApiRoute::get("/v1/workspaces/{id}/members", list_members),
        ApiRoute::patch("/v1/workspaces/{id}/members/{user_id}", update_member),
        ApiRoute::delete("/v1/workspaces/{id}/members/{user_id}", remove_member),
        ApiRoute::post("/v1/workspaces/{id}/invites", create_invite),
        ApiRoute::get("/v1/workspaces/{id}/invites", list_invites),
        ApiRoute::delete("/v1/workspaces/{id}/invites/{invite_id}", revoke_invite),
        ApiRoute::post("/v1/workspaces/join", join_workspace),
        ApiRoute::get("/v1/workspaces/{id}/ai-settings", get_team_key),
        ApiRoute::put("/v1/workspaces/{id}/ai-settings", put_team_key),
        ApiRoute::delete("/v1/workspaces/{id}/ai-settings", delete_team_key),
        ApiRoute::post("/v1/workspaces/{id}/ai-settings/test", test_team_key),
        ApiRoute::get("/v1/workspaces/{id}/usage", workspace_usage),
    ]
}

/// List my workspaces
///
/// Every workspace the caller is a member of, with their role in it; `current` is the one
/// requests act on (the `X-Workspace-Id` header's, else the one last switched to, else the
/// personal workspace).
#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The caller's workspaces", body = WorkspaceList),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn list_workspaces(
    State(state): State<AppState>,
    member: Member,
) -> ApiResult<Json<WorkspaceList>> {
    Ok(Json(workspaces::list(&state, &member).await?))
}

/// Create a workspace
///
/// A new shared workspace, owned by the caller. It does not become the current one.
#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces",
    request_body = CreateWorkspace,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "Created", body = Workspace),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 409, description = "The caller belongs to as many workspaces as there may be", body = ErrorBody),
        (status = 422, description = "Empty or over-long name", body = ErrorBody),
    ))]
pub async fn create_workspace(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<CreateWorkspace>,
) -> ApiResult<(StatusCode, Json<Workspace>)> {
    Ok((
        StatusCode::CREATED,
        Json(workspaces::create(&state, &user, body).await?),
    ))
}

/// The current workspace
#[utoipa::path(get, path = "/api/v1/workspaces/current", tag = "workspaces",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The workspace requests act on", body = Workspace),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn current_workspace(
    State(state): State<AppState>,
    member: Member,
) -> ApiResult<Json<Workspace>> {
    Ok(Json(
        workspaces::get(&state, &member, member.workspace_id).await?,
    ))
}

/// Switch workspace
///
/// Makes the workspace the one the caller's requests act on, on every instance, until they
/// switch again. A workspace the caller is not a member of is a 404.
#[utoipa::path(put, path = "/api/v1/workspaces/current", tag = "workspaces",
    request_body = SwitchWorkspace,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Switched", body = Workspace),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
        (status = 422, description = "Invalid request", body = ErrorBody),
    ))]
pub async fn switch_workspace(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<SwitchWorkspace>,
) -> ApiResult<Json<Workspace>> {
    Ok(Json(
        workspaces::switch(&state, &user, body.workspace_id).await?,
    ))
}

/// Get a workspace
#[utoipa::path(get, path = "/api/v1/workspaces/{id}", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The workspace", body = Workspace),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
    ))]
pub async fn get_workspace(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Workspace>> {
    Ok(Json(
        workspaces::get(&state, &member, path_id(&id, "Workspace")?).await?,
    ))
}

/// Rename a workspace, or set its team limits
///
/// Owners and admins rename it. Owners alone set the limits on the team key:
/// `team_calls_per_minute` for the whole workspace and `member_calls_per_minute` for each
/// member (1 to 100000; `null` removes a limit). A call past either answers 429
/// `{"error": "Team rate limit reached"}` with `Retry-After`, on every instance.
#[utoipa::path(patch, path = "/api/v1/workspaces/{id}", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    request_body = UpdateWorkspace,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The workspace as changed", body = Workspace),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow it", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
        (status = 422, description = "Empty or over-long name, or a limit out of range", body = ErrorBody),
    ))]
pub async fn update_workspace(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateWorkspace>,
) -> ApiResult<Json<Workspace>> {
    Ok(Json(
        workspaces::update(&state, &member, path_id(&id, "Workspace")?, body).await?,
    ))
}

/// Delete a workspace
///
/// Owners only: the workspace with its candidates, resumes, conversations and queued
/// analyses. A personal workspace cannot be deleted (409).
#[utoipa::path(delete, path = "/api/v1/workspaces/{id}", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Only an owner may delete it", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
        (status = 409, description = "A personal workspace", body = ErrorBody),
    ))]
pub async fn delete_workspace(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    workspaces::delete(&state, &member, path_id(&id, "Workspace")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List members
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/members", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The members, owners first", body = MemberList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
    ))]
pub async fn list_members(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<MemberList>> {
    Ok(Json(
        workspaces::members(&state, &member, path_id(&id, "Workspace")?).await?,
    ))
}

/// Change a member's role
///
/// Owners and admins; only an owner makes or unmakes an owner. The last owner cannot step
/// down (409).
#[utoipa::path(patch, path = "/api/v1/workspaces/{id}/members/{user_id}", tag = "workspaces",
    params(
        ("id" = Uuid, Path, description = "The workspace's id"),
        ("user_id" = Uuid, Path, description = "The member's user id"),
    ),
    request_body = UpdateMember,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The member with the new role", body = MemberDto),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow it", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's, or no such member", body = ErrorBody),
        (status = 409, description = "The last owner", body = ErrorBody),
        (status = 422, description = "Invalid role", body = ErrorBody),
    ))]
pub async fn update_member(
    State(state): State<AppState>,
    member: Member,
    client: ClientInfo,
    ApiPath((id, user_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<UpdateMember>,
) -> ApiResult<Json<MemberDto>> {
    let id = path_id(&id, "Workspace")?;
    let user_id = path_id(&user_id, "Member")?;
    Ok(Json(
        workspaces::update_member(&state, &member, &client, id, user_id, body.role).await?,
    ))
}

/// Remove a member, or leave
///
/// Owners and admins remove members; anyone may remove themselves. The last owner cannot leave,
/// and nobody leaves a personal workspace (409). The member's next request, on any instance,
/// no longer sees the workspace.
#[utoipa::path(delete, path = "/api/v1/workspaces/{id}/members/{user_id}", tag = "workspaces",
    params(
        ("id" = Uuid, Path, description = "The workspace's id"),
        ("user_id" = Uuid, Path, description = "The member's user id"),
    ),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow it", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's, or no such member", body = ErrorBody),
        (status = 409, description = "The last owner, or a personal workspace", body = ErrorBody),
    ))]
pub async fn remove_member(
    State(state): State<AppState>,
    member: Member,
    client: ClientInfo,
    ApiPath((id, user_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "Workspace")?;
    let user_id = path_id(&user_id, "Member")?;
    workspaces::remove_member(&state, &member, &client, id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Invite a member
///
/// An invite for one email address, with the role they will have; single use, expiring, stored
/// hashed. The `url` leads to the sign-up page: someone new registers and joins (even when
/// sign-up is by invitation only), a signed-in user joins with `POST /api/v1/workspaces/join`.
/// Owners and admins; only an owner invites an owner.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/invites", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    request_body = InviteMember,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "The invite, with its token and link shown this once", body = CreatedMemberInvite),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow it", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
        (status = 409, description = "A personal workspace cannot be shared", body = ErrorBody),
        (status = 422, description = "Invalid email, role or expiry", body = ErrorBody),
    ))]
pub async fn create_invite(
    State(state): State<AppState>,
    member: Member,
    client: ClientInfo,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<InviteMember>,
) -> ApiResult<(StatusCode, Json<CreatedMemberInvite>)> {
    let id = path_id(&id, "Workspace")?;
    let origin = link_origin(&state.config);
    let created =
        invites::create_for_workspace(&state, &member, id, body, &origin, &client).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// List a workspace's invites
///
/// Newest first, without their tokens.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/invites", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The invites", body = MemberInviteList),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
    ))]
pub async fn list_invites(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<MemberInviteList>> {
    Ok(Json(
        invites::list_for_workspace(&state, &member, path_id(&id, "Workspace")?).await?,
    ))
}

/// Revoke an invite
#[utoipa::path(delete, path = "/api/v1/workspaces/{id}/invites/{invite_id}", tag = "workspaces",
    params(
        ("id" = Uuid, Path, description = "The workspace's id"),
        ("invite_id" = Uuid, Path, description = "The invite's id"),
    ),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The caller's role does not allow it", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's, or no such invite", body = ErrorBody),
        (status = 409, description = "Already used", body = ErrorBody),
    ))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    member: Member,
    ApiPath((id, invite_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let id = path_id(&id, "Workspace")?;
    let invite_id = path_id(&invite_id, "Invite")?;
    invites::revoke_for_workspace(&state, &member, id, invite_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Join a workspace
///
/// Uses an invite made for the caller's email address. Joining does not switch to the
/// workspace.
#[utoipa::path(post, path = "/api/v1/workspaces/join", tag = "workspaces",
    request_body = JoinWorkspace,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Joined", body = Workspace),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The invite is not valid for the caller (unknown, used, revoked, expired, another address, or a sign-up invite)", body = ErrorBody),
        (status = 409, description = "Already a member", body = ErrorBody),
        (status = 422, description = "Invalid request", body = ErrorBody),
    ))]
pub async fn join_workspace(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(body): ApiJson<JoinWorkspace>,
) -> ApiResult<Json<Workspace>> {
    Ok(Json(
        invites::join(&state, &user, &body.token, &client).await?,
    ))
}

/// The team key
///
/// What every member sees of the workspace's team key: provider, masked preview and model, never
/// the key; the team limits with the calls of the last minute; and which key the caller's calls
/// here use (`personal`, `team`, `system` or `none`).
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/ai-settings", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The team key, without the key", body = TeamAiSettings),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
    ))]
pub async fn get_team_key(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<TeamAiSettings>> {
    Ok(Json(
        ai::team_settings(&state, &member, path_id(&id, "Workspace")?).await?,
    ))
}

/// Store or change the team key
///
/// Owners and admins. A new `api_key` is tested live (the provider's `GET /models`) and stored
/// only if it works, sealed in the vault; without one, `enabled`, `model`, `base_url` and
/// `expires_at` change the stored key. Members without a usable personal key then use it.
#[utoipa::path(put, path = "/api/v1/workspaces/{id}/ai-settings", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    request_body = UpdateTeamAiSettings,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The team key as stored", body = TeamAiSettings),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Only owners and admins manage the team key", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
        (status = 409, description = "A personal workspace has no team key", body = ErrorBody),
        (status = 422, description = "The key failed its test, or a field is invalid", body = ErrorBody),
    ))]
pub async fn put_team_key(
    State(state): State<AppState>,
    member: Member,
    client: ClientInfo,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateTeamAiSettings>,
) -> ApiResult<Json<TeamAiSettings>> {
    let id = path_id(&id, "Workspace")?;
    team::update(&state, &member, id, body, &client).await?;
    Ok(Json(ai::team_settings(&state, &member, id).await?))
}

/// Remove the team key
///
/// Owners and admins. Members without a personal key fall back to the system key (where the
/// operator allows it), else AI features answer "API key required".
#[utoipa::path(delete, path = "/api/v1/workspaces/{id}/ai-settings", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The workspace without a team key", body = TeamAiSettings),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Only owners and admins manage the team key", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
        (status = 409, description = "A personal workspace has no team key", body = ErrorBody),
    ))]
pub async fn delete_team_key(
    State(state): State<AppState>,
    member: Member,
    client: ClientInfo,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<TeamAiSettings>> {
    let id = path_id(&id, "Workspace")?;
    team::delete(&state, &member, id, &client).await?;
    Ok(Json(ai::team_settings(&state, &member, id).await?))
}

/// Test a team key
///
/// Owners and admins. Calls the provider's `GET /models` with the given key, or the stored team
/// key when `api_key` is empty; no tokens are spent. The outcome is in the body.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/ai-settings/test", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    request_body = TestAiKeyRequest,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The outcome of the test", body = TestAiKeyResponse),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Only owners and admins manage the team key", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
        (status = 409, description = "A personal workspace has no team key", body = ErrorBody),
        (status = 422, description = "The address is not allowed, or a field is invalid", body = ErrorBody),
    ))]
pub async fn test_team_key(
    State(state): State<AppState>,
    member: Member,
    client: ClientInfo,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<TestAiKeyRequest>,
) -> ApiResult<Json<TestAiKeyResponse>> {
    let id = path_id(&id, "Workspace")?;
    Ok(Json(team::test(&state, &member, id, body, &client).await?))
}

/// Usage per member
///
/// Owners and admins: the workspace's AI calls and tokens this month, per member, and how many
/// of the calls the team key paid for.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/usage", tag = "workspaces",
    params(("id" = Uuid, Path, description = "The workspace's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "This month's use per member", body = WorkspaceUsage),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "Only owners and admins read usage per member", body = ErrorBody),
        (status = 404, description = "No such workspace of the caller's", body = ErrorBody),
    ))]
pub async fn workspace_usage(
    State(state): State<AppState>,
    member: Member,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<WorkspaceUsage>> {
    Ok(Json(
        workspaces::usage(&state, &member, path_id(&id, "Workspace")?).await?,
    ))
}
