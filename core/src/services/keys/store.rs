//! Saving, changing and deleting a personal key: each change tested (a new key), audited,
//! committed with the active provider and announced to the other instances.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use types::profile::{PersonalAiSettings, UpdatePersonalAiSettings};
use uuid::Uuid;

use super::{
    input::{
        base_url_for, check_base_url, parse_model, parse_provider, require_key_for_new_url,
        resolve_expiry,
    },
    settings,
};
use crate::audit::{self, AuditEvent};
use crate::services::users::{active_provider, load_user};
use crate::{
    entities::{provider_keys, users},
    error::{ServiceError, ServiceResult},
    providers::{Provider, ProviderKey},
    services::notify::{self, Change},
    session::{AuthUser, ClientInfo},
    state::AppState,
};

/// The seed's PUT: store a (tested) key, toggle its use, choose provider, model and expiry.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn update(
    state: &AppState,
    auth: &AuthUser,
    request: UpdatePersonalAiSettings,
    client: &ClientInfo,
) -> ServiceResult<PersonalAiSettings> {
    let user = load_user(state, auth.id).await?;
    let provider = parse_provider(request.provider.as_deref(), active_provider(&user))?;
    let now = state.clock.now();
    let change = KeyChange {
        provider,
        enabled: request.use_personal_ai_key,
        model: parse_model(request.model.as_deref())?,
        expiry: resolve_expiry(now, request.expires_at.clone(), request.expires_in_days)?,
        now,
    };
    let existing = provider_keys::Entity::find()
        .filter(provider_keys::Column::UserId.eq(auth.id))
        .filter(provider_keys::Column::Provider.eq(provider.as_str()))
        .one(&state.db)
        .await?;
    let new_key = request.api_key.as_deref().filter(|k| !k.trim().is_empty());
    match (new_key, existing) {
        (Some(raw), existing) => {
            let key = ProviderKey::parse(provider, raw)
                .map_err(|hint| ServiceError::Validation(hint.into()))?;
            let base_url = check_base_url(provider, request.base_url.as_deref())?;
            store_key(state, auth, &user, key, base_url, existing, change, client).await?;
        }
        (None, Some(row)) => {
            let base_url = match (provider, request.base_url.as_deref()) {
                (Provider::Custom, Some(url)) => {
                    let url = check_base_url(provider, Some(url))?;
                    require_key_for_new_url(row.base_url.as_deref(), url.as_deref())?;
                    Some(url)
                }
                _ => None,
            };
            change_stored_key(state, auth, &user, row, base_url, change, client).await?;
        }
        (None, None) => {
            if change.enabled == Some(true) {
                return Err(ServiceError::Validation(format!(
                    "No personal {} API key is stored; add one before turning it on",
                    provider.label()
                )));
            }
            // Choosing a provider without a key just makes it the active one; a model or an
            // expiry has no key to apply to yet and is left for when the key is saved.
            if request.provider.is_some() {
                let txn = state.db.begin().await?;
                set_active_provider(&txn, &user, provider, now).await?;
                let published =
                    notify::publish(state, &txn, Change::Keys { user_id: auth.id }).await?;
                txn.commit().await?;
                state.key_cache.forget(auth.id);
                published.delivered(state).await;
            }
        }
    }
    settings(state, auth.id).await
}

/// What a PUT asks to change on the chosen provider's key.
struct KeyChange {
    provider: Provider,
    enabled: Option<bool>,
    model: Option<String>,
    /// `Some(None)` clears the expiry.
    expiry: Option<Option<DateTime<Utc>>>,
    now: DateTime<Utc>,
}

/// Saves a new or replacement key. Seed: "Prevents saving invalid keys": the key is tested live
/// before it is stored, and a failed test is audited and stores nothing.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one PUT, each used once"
)]
async fn store_key(
    state: &AppState,
    auth: &AuthUser,
    user: &users::Model,
    key: ProviderKey,
    base_url: Option<String>,
    existing: Option<provider_keys::Model>,
    change: KeyChange,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let KeyChange {
        provider,
        enabled,
        model,
        expiry,
        now,
    } = change;
    let (url, url_source) = base_url_for(state, provider, base_url.as_deref())?;
    if let Err(e) = state
        .providers
        .list_models(provider, &url, url_source, key.secret())
        .await
    {
        let detail = Some(format!("failed: {}", e.kind()));
        audit::record(
            &state.db,
            Some(auth.id),
            AuditEvent::Tested,
            Some(provider.as_str()),
            detail,
            client,
            now,
        )
        .await?;
        return Err(ServiceError::Validation(format!(
            "The key was not saved: {e}"
        )));
    }
    let sealed = state
        .vault
        .encrypt(auth.id, provider.as_str(), key.secret())?;
    let enabled = enabled.unwrap_or(true);
    let event = if existing.is_some() {
        AuditEvent::Replaced
    } else {
        AuditEvent::Created
    };
    let txn = state.db.begin().await?;
    match existing {
        Some(row) => {
            let mut row = row.into_active_model();
            row.ciphertext = Set(sealed.ciphertext);
            row.nonce = Set(sealed.nonce);
            row.key_version = Set(sealed.key_version);
            row.preview = Set(key.preview());
            row.enabled = Set(enabled);
            if model.is_some() {
                row.model = Set(model);
            }
            row.base_url = Set(base_url);
            if let Some(e) = expiry {
                row.expires_at = Set(e);
                row.expired_notified = Set(false);
            }
            row.last_tested_at = Set(Some(now));
            row.last_test_ok = Set(Some(true));
            row.updated_at = Set(now);
            row.update(&txn).await?;
        }
        None => {
            provider_keys::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(auth.id),
                provider: Set(provider.as_str().to_owned()),
                ciphertext: Set(sealed.ciphertext),
                nonce: Set(sealed.nonce),
                key_version: Set(sealed.key_version),
                preview: Set(key.preview()),
                enabled: Set(enabled),
                model: Set(model),
                base_url: Set(base_url),
                expires_at: Set(expiry.flatten()),
                expired_notified: Set(false),
                last_tested_at: Set(Some(now)),
                last_test_ok: Set(Some(true)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
    }
    let change = Committed {
        provider,
        event: Some(event),
        now,
    };
    commit_key_change(state, txn, auth, user, change, client).await
}

/// Changes the stored key's switch, model, custom base URL or expiry, without a new key.
async fn change_stored_key(
    state: &AppState,
    auth: &AuthUser,
    user: &users::Model,
    row: provider_keys::Model,
    base_url: Option<Option<String>>,
    change: KeyChange,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let KeyChange {
        provider,
        enabled,
        model,
        expiry,
        now,
    } = change;
    let toggled = enabled.filter(|on| *on != row.enabled).map(|on| {
        if on {
            AuditEvent::Enabled
        } else {
            AuditEvent::Disabled
        }
    });
    let mut active = row.into_active_model();
    if let Some(on) = enabled {
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
    active.updated_at = Set(now);
    let txn = state.db.begin().await?;
    active.update(&txn).await?;
    let change = Committed {
        provider,
        event: toggled,
        now,
    };
    commit_key_change(state, txn, auth, user, change, client).await
}

/// What a key change records as it commits.
struct Committed {
    provider: Provider,
    event: Option<AuditEvent>,
    now: DateTime<Utc>,
}

/// The end of every key change: its audit row, the active provider and the change notification
/// for the other instances in the same transaction, then the cached key is dropped so the next
/// call sees the change.
async fn commit_key_change(
    state: &AppState,
    txn: sea_orm::DatabaseTransaction,
    auth: &AuthUser,
    user: &users::Model,
    change: Committed,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let Committed {
        provider,
        event,
        now,
    } = change;
    if let Some(event) = event {
        let provider_id = Some(provider.as_str());
        audit::record(&txn, Some(auth.id), event, provider_id, None, client, now).await?;
    }
    set_active_provider(&txn, user, provider, now).await?;
    let published = notify::publish(state, &txn, Change::Keys { user_id: auth.id }).await?;
    txn.commit().await?;
    state.key_cache.forget(auth.id);
    published.delivered(state).await;
    Ok(())
}

async fn set_active_provider(
    db: &impl sea_orm::ConnectionTrait,
    user: &users::Model,
    provider: Provider,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if user.active_provider.as_deref() != Some(provider.as_str()) {
        let mut row = user.clone().into_active_model();
        row.active_provider = Set(Some(provider.as_str().to_owned()));
        row.updated_at = Set(now);
        row.update(db).await?;
    }
    Ok(())
}

/// Removes a key (the active provider's when none is named). Deleting turns its use off.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn delete(
    state: &AppState,
    auth: &AuthUser,
    provider: Option<&str>,
    client: &ClientInfo,
) -> ServiceResult<PersonalAiSettings> {
    let user = load_user(state, auth.id).await?;
    let provider = parse_provider(provider, active_provider(&user))?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let deleted = provider_keys::Entity::delete_many()
        .filter(provider_keys::Column::UserId.eq(auth.id))
        .filter(provider_keys::Column::Provider.eq(provider.as_str()))
        .exec(&txn)
        .await?;
    let mut published = None;
    if deleted.rows_affected > 0 {
        audit::record(
            &txn,
            Some(auth.id),
            AuditEvent::Deleted,
            Some(provider.as_str()),
            None,
            client,
            now,
        )
        .await?;
        published = Some(notify::publish(state, &txn, Change::Keys { user_id: auth.id }).await?);
    }
    txn.commit().await?;
    state.key_cache.forget(auth.id);
    if let Some(published) = published {
        published.delivered(state).await;
    }
    settings(state, auth.id).await
}

/// Stores a key for OpenRouter and makes it the active, enabled provider (the second seed).
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn set_openrouter_key(
    state: &AppState,
    auth: &AuthUser,
    key: &str,
    client: &ClientInfo,
) -> ServiceResult<()> {
    update(
        state,
        auth,
        UpdatePersonalAiSettings {
            api_key: Some(key.to_owned()),
            use_personal_ai_key: Some(true),
            provider: Some(Provider::OpenRouter.as_str().to_owned()),
            ..Default::default()
        },
        client,
    )
    .await
    .map(|_| ())
}
