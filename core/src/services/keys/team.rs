//! The team key: one provider key per shared workspace, stored by its owners and admins in the
//! same vault as personal keys (sealed under associated data bound to the workspace), used by
//! every member who has no usable personal key of their own, and never shown to anyone: members
//! see its provider, masked preview and model.
//!
//! The workspace's limits on it (`team_calls_per_minute`, `member_calls_per_minute`) are checked
//! on every call in `services::ai`, with counters in the database that every instance shares.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, TransactionTrait};
use types::profile::{KeySource, TestAiKeyRequest, TestAiKeyResponse};
use types::workspaces::{Role, TeamAiSettings, UpdateTeamAiSettings};
use uuid::Uuid;

use super::{
    base_url_for, check_base_url,
    live_test::{run, Outcome, SavedKey},
    parse_model, parse_provider, require_key_for_new_url, resolve_expiry,
};
use crate::audit::{self, AuditEvent};
use crate::{
    entities::{workspace_keys, workspaces},
    error::{ServiceError, ServiceResult},
    providers::{Provider, ProviderError, ProviderKey, Target, UrlSource},
    services::{
        notify::{self, Change},
        rate_limit,
        workspaces::{find, role_in},
    },
    session::{ClientInfo, Member},
    state::{
        keys::{ResolvedKey, TeamKey},
        AppState,
    },
    vault::Secret,
};

/// The rate-limit bucket of a workspace's calls on its team key.
pub(crate) fn team_bucket(workspace_id: Uuid) -> String {
    format!("team-ai:{workspace_id}")
}

/// The rate-limit bucket of one member's calls on a workspace's team key.
pub(crate) fn member_bucket(workspace_id: Uuid, user_id: Uuid) -> String {
    format!("team-ai:{workspace_id}:{user_id}")
}

/// What the team key's audit rows say besides the event: which workspace's key it was.
fn audit_detail(workspace_id: Uuid, extra: Option<&str>) -> String {
    match extra {
        Some(extra) => format!("team key of workspace {workspace_id}: {extra}"),
        None => format!("team key of workspace {workspace_id}"),
    }
}

/// The caller's role in `id` when it allows managing the team key (owners and admins), and the
/// workspace. A personal workspace has no team key: its owner's key is their personal one.
async fn manageable(
    state: &AppState,
    member: &Member,
    id: Uuid,
) -> ServiceResult<(Role, workspaces::Model)> {
    let role = role_in(state, member, id).await?;
    if !role.can_manage() {
        return Err(ServiceError::Forbidden(
            "Only the workspace's owners and admins manage its team key".into(),
        ));
    }
    let w = find(state, id).await?;
    if w.personal {
        return Err(ServiceError::Conflict(
            "A personal workspace has no team key; your own key is in My Profile".into(),
        ));
    }
    Ok((role, w))
}

/// What every member sees of the team key: never the key (`ai::team_settings` adds which key
/// the caller's own calls use).
#[tracing::instrument(skip_all, fields(user_id = %member.id, workspace_id = %id))]
pub async fn settings(
    state: &AppState,
    member: &Member,
    id: Uuid,
) -> ServiceResult<TeamAiSettings> {
    let role = role_in(state, member, id).await?;
    let w = find(state, id).await?;
    let row = workspace_keys::Entity::find_by_id(id)
        .one(&state.db)
        .await?;
    let now = state.clock.now();
    let stamp = now.timestamp();
    let team_calls = rate_limit::recent(&state.db, &team_bucket(id), 60, stamp).await?;
    let my_calls = rate_limit::recent(&state.db, &member_bucket(id, member.id), 60, stamp).await?;
    let limit = |n: Option<i32>| n.map(|n| n.max(0) as u32);
    let mut out = TeamAiSettings {
        workspace_id: id,
        team_calls_per_minute: limit(w.team_calls_per_minute),
        member_calls_per_minute: limit(w.member_calls_per_minute),
        team_calls_last_minute: team_calls,
        my_calls_last_minute: my_calls,
        // Filled in by `ai::team_settings`, which knows which key a call would use.
        my_key_source: KeySource::Missing,
        ..Default::default()
    };
    if let Some(k) = row {
        out.has_team_key = true;
        out.enabled = k.enabled;
        out.provider = Some(k.provider.clone());
        out.key_preview = Some(k.preview.clone());
        out.model = k.model.clone().or_else(|| {
            Provider::parse(&k.provider)
                .ok()
                .map(|p| state.config.providers.default_model(p).to_owned())
        });
        // Where a custom key is sent is for those who manage it.
        out.base_url = if role.can_manage() {
            k.base_url.clone()
        } else {
            None
        };
        out.expires_at = k.expires_at.map(Into::into);
        out.expired = k.expires_at.is_some_and(|t| t <= now);
        out.last_tested_at = k.last_tested_at.map(Into::into);
        out.last_test_ok = k.last_test_ok;
    }
    Ok(out)
}

/// The workspace's stored team key, and the provider a request names (else the stored key's,
/// else Groq).
async fn load_stored(
    state: &AppState,
    id: Uuid,
    requested: Option<&str>,
) -> ServiceResult<(Option<workspace_keys::Model>, Provider)> {
    let row = workspace_keys::Entity::find_by_id(id)
        .one(&state.db)
        .await?;
    let fallback = row
        .as_ref()
        .and_then(|k| Provider::parse(&k.provider).ok())
        .unwrap_or(Provider::Groq);
    Ok((row, parse_provider(requested, fallback)?))
}

/// Stores (after a live test), toggles or changes the team key.
#[tracing::instrument(skip_all, fields(user_id = %member.id, workspace_id = %id))]
pub async fn update(
    state: &AppState,
    member: &Member,
    id: Uuid,
    request: UpdateTeamAiSettings,
    client: &ClientInfo,
) -> ServiceResult<()> {
    manageable(state, member, id).await?;
    let (existing, provider) = load_stored(state, id, request.provider.as_deref()).await?;
    let stored_provider = existing
        .as_ref()
        .and_then(|k| Provider::parse(&k.provider).ok());
    let now = state.clock.now();
    let model = parse_model(request.model.as_deref())?;
    let expiry = resolve_expiry(now, request.expires_at.clone(), None)?;
    let new_key = request
        .api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let (row, event) = match (new_key, existing) {
        (Some(raw), existing) => {
            let key = ProviderKey::parse(provider, raw)
                .map_err(|hint| ServiceError::Validation(hint.into()))?;
            let base_url = check_base_url(provider, request.base_url.as_deref())?;
            let (url, url_source) = base_url_for(state, provider, base_url.as_deref())?;
            if let Err(e) = state
                .providers
                .list_models(provider, &url, url_source, key.secret())
                .await
            {
                let detail = audit_detail(id, Some(&format!("failed: {}", e.kind())));
                record(
                    &state.db,
                    member,
                    AuditEvent::Tested,
                    provider,
                    detail,
                    client,
                    now,
                )
                .await?;
                if let ProviderError::BlockedAddress(_) = e {
                    return Err(ServiceError::Validation(e.to_string()));
                }
                return Err(ServiceError::Validation(format!(
                    "The key was not saved: {e}"
                )));
            }
            let sealed = state
                .vault
                .encrypt_team(id, provider.as_str(), key.secret())?;
            let same = existing
                .as_ref()
                .filter(|k| k.provider == provider.as_str());
            let event = if existing.is_some() {
                AuditEvent::Replaced
            } else {
                AuditEvent::Created
            };
            let row = workspace_keys::Model {
                workspace_id: id,
                provider: provider.as_str().to_owned(),
                ciphertext: sealed.ciphertext,
                nonce: sealed.nonce,
                key_version: sealed.key_version,
                preview: key.preview(),
                enabled: request.enabled.unwrap_or(true),
                model: model.or_else(|| same.and_then(|k| k.model.clone())),
                base_url,
                expires_at: match expiry {
                    Some(e) => e,
                    None => same.and_then(|k| k.expires_at),
                },
                expired_notified: false,
                last_tested_at: Some(now),
                last_test_ok: Some(true),
                updated_by: Some(member.id),
                created_at: existing.as_ref().map_or(now, |k| k.created_at),
                updated_at: now,
            };
            (
                if existing.is_some() {
                    Stored::Update(Box::new(row.into_active_model().reset_all()))
                } else {
                    Stored::Insert(Box::new(row.into_active_model().reset_all()))
                },
                Some(event),
            )
        }
        (None, Some(row)) => {
            if row.provider != provider.as_str() {
                return Err(ServiceError::Validation(format!(
                    "The team key is a {} key; send a {} API key to switch provider",
                    stored_provider.map_or("stored", |p| p.label()),
                    provider.label()
                )));
            }
            let base_url = match (provider, request.base_url.as_deref()) {
                (Provider::Custom, Some(url)) => {
                    let url = check_base_url(provider, Some(url))?;
                    require_key_for_new_url(row.base_url.as_deref(), url.as_deref())?;
                    Some(url)
                }
                _ => None,
            };
            let toggled = request.enabled.filter(|on| *on != row.enabled).map(|on| {
                if on {
                    AuditEvent::Enabled
                } else {
                    AuditEvent::Disabled
                }
            });
            let mut active = row.into_active_model();
            if let Some(on) = request.enabled {
                active.enabled = Set(on);
            }
            if model.is_some() {
                active.model = Set(model);
            }
            if let Some(url) = base_url {
                active.base_url = Set(url);
            }
            if let Some(e) = expiry {
                active.expires_at = Set(e);
                active.expired_notified = Set(false);
            }
            active.updated_by = Set(Some(member.id));
            active.updated_at = Set(now);
            (Stored::Update(Box::new(active)), toggled)
        }
        (None, None) => {
            return Err(ServiceError::Validation(
                "No team key is stored; send api_key to add one".into(),
            ));
        }
    };
    let txn = state.db.begin().await?;
    match row {
        Stored::Insert(active) => {
            active.insert(&txn).await?;
        }
        Stored::Update(active) => {
            active.update(&txn).await?;
        }
    }
    if let Some(event) = event {
        record(
            &txn,
            member,
            event,
            provider,
            audit_detail(id, None),
            client,
            now,
        )
        .await?;
    }
    commit(state, txn, id).await
}

/// The end of every team-key change: the change notification in its transaction, the commit,
/// then every member's cached key in the workspace dropped, here and on the other instances.
async fn commit(
    state: &AppState,
    txn: sea_orm::DatabaseTransaction,
    id: Uuid,
) -> ServiceResult<()> {
    let published = notify::publish(state, &txn, Change::TeamKey { workspace_id: id }).await?;
    txn.commit().await?;
    state.key_cache.forget_workspace(id);
    published.delivered(state).await;
    Ok(())
}

/// The row to write: a new key, or a replaced or changed one.
enum Stored {
    Insert(Box<workspace_keys::ActiveModel>),
    Update(Box<workspace_keys::ActiveModel>),
}

/// Removes the team key: members without a personal key fall back to the system key, or to
/// "API key required".
#[tracing::instrument(skip_all, fields(user_id = %member.id, workspace_id = %id))]
pub async fn delete(
    state: &AppState,
    member: &Member,
    id: Uuid,
    client: &ClientInfo,
) -> ServiceResult<()> {
    manageable(state, member, id).await?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let existing = workspace_keys::Entity::find_by_id(id).one(&txn).await?;
    if let Some(row) = existing {
        workspace_keys::Entity::delete_by_id(id).exec(&txn).await?;
        let provider = Provider::parse(&row.provider).unwrap_or(Provider::Custom);
        record(
            &txn,
            member,
            AuditEvent::Deleted,
            provider,
            audit_detail(id, None),
            client,
            now,
        )
        .await?;
        commit(state, txn, id).await?;
    } else {
        txn.commit().await?;
    }
    Ok(())
}

/// Tests a key live (`GET /models`, no tokens spent): the one given, else the stored team key.
#[tracing::instrument(skip_all, fields(user_id = %member.id, workspace_id = %id))]
pub async fn test(
    state: &AppState,
    member: &Member,
    id: Uuid,
    request: TestAiKeyRequest,
    client: &ClientInfo,
) -> ServiceResult<TestAiKeyResponse> {
    manageable(state, member, id).await?;
    let (stored, provider) = load_stored(state, id, request.provider.as_deref()).await?;
    let stored_for_provider = stored.filter(|k| k.provider == provider.as_str());
    let saved = stored_for_provider.as_ref().map(|row| SavedKey {
        secret: decrypt(state, row).ok(),
        base_url: row.base_url.clone(),
    });
    let (response, outcome, stored_ok) = match run(state, provider, &request, saved).await? {
        Outcome::Refused(response) => return Ok(response),
        Outcome::Called {
            response,
            detail,
            stored_ok,
        } => (response, detail, stored_ok),
    };
    let now = state.clock.now();
    // The stored key's last test, when it is that key (at that URL) that was tested.
    if let (Some(row), Some(ok)) = (stored_for_provider, stored_ok) {
        let mut active = row.into_active_model();
        active.last_tested_at = Set(Some(now));
        active.last_test_ok = Set(Some(ok));
        active.update(&state.db).await?;
    }
    let detail = audit_detail(id, Some(&outcome));
    record(
        &state.db,
        member,
        AuditEvent::Tested,
        provider,
        detail,
        client,
        now,
    )
    .await?;
    Ok(response)
}

async fn record(
    db: &impl sea_orm::ConnectionTrait,
    member: &Member,
    event: AuditEvent,
    provider: Provider,
    detail: String,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    audit::record(
        db,
        Some(member.id),
        event,
        Some(provider.as_str()),
        Some(detail),
        client,
        now,
    )
    .await?;
    Ok(())
}

fn decrypt(state: &AppState, row: &workspace_keys::Model) -> ServiceResult<Secret> {
    Ok(state
        .vault
        .decrypt_team(row.workspace_id, &row.provider, &row.ciphertext, &row.nonce)?)
}

/// The team key a member's call uses when they have no usable personal key: `None` when the
/// workspace has none, or it is off or expired. Personal workspaces have none (no query).
pub(crate) async fn lookup(
    state: &AppState,
    member: &Member,
    now: DateTime<Utc>,
) -> ServiceResult<Option<(ResolvedKey, Option<DateTime<Utc>>)>> {
    if member.workspace_id == member.id {
        return Ok(None);
    }
    let Some(row) = workspace_keys::Entity::find_by_id(member.workspace_id)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    if row.expires_at.is_some_and(|t| t <= now) {
        note_expired(state, &row, now).await;
        return Ok(None);
    }
    if !row.enabled {
        return Ok(None);
    }
    let Ok(provider) = Provider::parse(&row.provider) else {
        return Ok(None);
    };
    let w = find(state, member.workspace_id).await?;
    let api_key = decrypt(state, &row)?;
    let (base_url, url_source) = match state.config.providers.base_url(provider) {
        Some(url) => (url.to_owned(), UrlSource::Operator),
        None => (row.base_url.clone().unwrap_or_default(), UrlSource::User),
    };
    let model = row
        .model
        .clone()
        .unwrap_or_else(|| state.config.providers.default_model(provider).to_owned());
    let limit = |n: Option<i32>| n.map(|n| n.max(0) as u32);
    Ok(Some((
        ResolvedKey {
            source: KeySource::Team,
            target: Target {
                provider,
                base_url,
                url_source,
                api_key,
                model,
            },
            team: Some(TeamKey {
                workspace_id: w.id,
                workspace_name: w.name,
                team_calls_per_minute: limit(w.team_calls_per_minute),
                member_calls_per_minute: limit(w.member_calls_per_minute),
            }),
        },
        row.expires_at,
    )))
}

/// Writes the `expired` audit event once per expiry (for the member whose call found it).
async fn note_expired(state: &AppState, row: &workspace_keys::Model, now: DateTime<Utc>) {
    use sea_orm::{sea_query::Expr, ColumnTrait, QueryFilter};
    if row.expired_notified {
        return;
    }
    let claimed = workspace_keys::Entity::update_many()
        .col_expr(workspace_keys::Column::ExpiredNotified, Expr::value(true))
        .filter(workspace_keys::Column::WorkspaceId.eq(row.workspace_id))
        .filter(workspace_keys::Column::ExpiredNotified.eq(false))
        .exec(&state.db)
        .await;
    if matches!(claimed, Ok(r) if r.rows_affected == 1) {
        let _ = audit::record(
            &state.db,
            row.updated_by,
            AuditEvent::Expired,
            Some(&row.provider),
            Some(audit_detail(row.workspace_id, None)),
            &ClientInfo::default(),
            now,
        )
        .await;
    }
}

/// Counts one call on the team key against the workspace's limits (the member's first): a
/// call past either is refused with 429 "Team rate limit reached" and the seconds to wait.
/// Without limits nothing is counted (no query on the call's path).
pub(crate) async fn check_limits(
    state: &AppState,
    member: &Member,
    team: &TeamKey,
) -> ServiceResult<()> {
    let now = state.clock.now().timestamp();
    if let Some(limit) = team.member_calls_per_minute {
        let bucket = member_bucket(team.workspace_id, member.id);
        if let Err(retry_after) = rate_limit::hit(&state.db, &bucket, 60, limit, now).await? {
            return Err(ServiceError::TeamRateLimited {
                message: format!(
                    "You have used the team key of {} {limit} times this minute, the most one member may. Try again in {retry_after}s.",
                    team.workspace_name
                ),
                retry_after,
            });
        }
    }
    if let Some(limit) = team.team_calls_per_minute {
        let bucket = team_bucket(team.workspace_id);
        if let Err(retry_after) = rate_limit::hit(&state.db, &bucket, 60, limit, now).await? {
            return Err(ServiceError::TeamRateLimited {
                message: format!(
                    "The team key of {} has been used {limit} times this minute, the workspace's limit. Try again in {retry_after}s.",
                    team.workspace_name
                ),
                retry_after,
            });
        }
    }
    Ok(())
}

/// Whether the user's calls in the workspace they last switched to would use its team key (for
/// My Profile, which has no workspace of its own): a member there, with the key on and current.
pub(crate) async fn in_use(
    state: &AppState,
    user: &crate::entities::users::Model,
    now: DateTime<Utc>,
) -> bool {
    let Some(workspace_id) = user.current_workspace_id.filter(|id| *id != user.id) else {
        return false;
    };
    let member = crate::entities::workspace_members::Entity::find_by_id((workspace_id, user.id))
        .one(&state.db)
        .await;
    if !matches!(member, Ok(Some(_))) {
        return false;
    }
    matches!(
        workspace_keys::Entity::find_by_id(workspace_id).one(&state.db).await,
        Ok(Some(k)) if k.enabled && k.expires_at.is_none_or(|t| t > now)
    )
}
