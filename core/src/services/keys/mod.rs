//! Personal provider keys: one per (user, provider), encrypted by the vault.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use types::profile::KeySource;
use types::profile::{PersonalAiSettings, ProviderKeyInfo, UpdatePersonalAiSettings};
use uuid::Uuid;

mod live_test;
pub mod team;

pub use live_test::{test, test_response};

use crate::audit::{self, AuditEvent};
use crate::services::users::{active_provider, load_user};
use crate::{
    entities::{provider_keys, users},
    error::{ServiceError, ServiceResult},
    providers::{Provider, ProviderKey, UrlSource},
    services::{
        notify::{self, Change},
        policy,
    },
    session::{AuthUser, ClientInfo},
    state::AppState,
    vault::Secret,
};

/// Every stored key of the user, one per provider.
pub async fn load_keys(
    state: &AppState,
    user_id: Uuid,
) -> ServiceResult<Vec<provider_keys::Model>> {
    Ok(provider_keys::Entity::find()
        .filter(provider_keys::Column::UserId.eq(user_id))
        .all(&state.db)
        .await?)
}

/// The user's settings, without any key.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn settings(state: &AppState, user_id: Uuid) -> ServiceResult<PersonalAiSettings> {
    // One query (the user joined with their keys): this is the most frequent read there is.
    let (user, keys) = users::Entity::find_by_id(user_id)
        .find_with_related(provider_keys::Entity)
        .all(&state.db)
        .await?
        .pop()
        .ok_or(ServiceError::Unauthorized)?;
    Ok(describe(state, &user, &keys).await)
}

async fn describe(
    state: &AppState,
    user: &users::Model,
    keys: &[provider_keys::Model],
) -> PersonalAiSettings {
    let now = state.clock.now();
    let active = active_provider(user);
    let info = |k: &provider_keys::Model| {
        let expired = k.expires_at.is_some_and(|t| t <= now);
        ProviderKeyInfo {
            provider: k.provider.clone(),
            key_preview: k.preview.clone(),
            model: k.model.clone(),
            base_url: k.base_url.clone(),
            enabled: k.enabled,
            active: k.provider == active.as_str(),
            expires_at: k.expires_at.map(Into::into),
            expired,
            last_tested_at: k.last_tested_at.map(Into::into),
            last_test_ok: k.last_test_ok,
        }
    };
    let current = keys.iter().find(|k| k.provider == active.as_str());
    let usable_personal =
        current.is_some_and(|k| k.enabled && k.expires_at.is_none_or(|t| t > now));
    let key_source = if usable_personal {
        KeySource::Personal
    } else if team::in_use(state, user, now).await {
        KeySource::Team
    } else if policy::system_fallback_allowed(state).await && state.config.system_ai.is_some() {
        KeySource::System
    } else {
        KeySource::Missing
    };
    PersonalAiSettings {
        has_personal_key: current.is_some(),
        use_personal_ai_key: current.is_some_and(|k| k.enabled),
        key_preview: current.map(|k| k.preview.clone()),
        provider: active.as_str().to_owned(),
        model: current
            .and_then(|k| k.model.clone())
            .or_else(|| Some(state.config.providers.default_model(active).to_owned())),
        base_url: current.and_then(|k| k.base_url.clone()),
        expires_at: current.and_then(|k| k.expires_at.map(Into::into)),
        expired: current.is_some_and(|k| k.expires_at.is_some_and(|t| t <= now)),
        expires_soon: current.is_some_and(|k| {
            k.expires_at
                .is_some_and(|t| t > now && t <= now + Duration::days(3))
        }),
        last_tested_at: current.and_then(|k| k.last_tested_at.map(Into::into)),
        last_test_ok: current.and_then(|k| k.last_test_ok),
        key_source,
        providers: keys.iter().map(info).collect(),
        fallback_providers: fallback_order(user)
            .into_iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
    }
}

/// The user's fallback order, as stored (unknown ids, which no release writes, are skipped).
fn fallback_order(user: &users::Model) -> Vec<Provider> {
    user.fallback_providers
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| Provider::parse(id).ok())
        .collect()
}

/// At most this many keys in a fallback order: one per provider.
const MAX_FALLBACKS: usize = Provider::ALL.len();

/// `PUT /api/v1/profile/ai-settings/fallback`: the order in which the user's saved keys are
/// tried after the active one fails. Each must be a provider the user saved a key for, once.
pub async fn set_fallback(
    state: &AppState,
    auth: &AuthUser,
    order: types::profile::FallbackOrder,
) -> ServiceResult<PersonalAiSettings> {
    if order.providers.len() > MAX_FALLBACKS {
        return Err(ServiceError::Validation(format!(
            "A fallback order lists at most {MAX_FALLBACKS} providers"
        )));
    }
    let saved: Vec<String> = provider_keys::Entity::find()
        .filter(provider_keys::Column::UserId.eq(auth.id))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|k| k.provider)
        .collect();
    let mut providers: Vec<Provider> = Vec::new();
    for raw in &order.providers {
        let provider = Provider::parse(raw)?;
        if providers.contains(&provider) {
            return Err(ServiceError::Validation(format!(
                "{} is listed twice in the fallback order",
                provider.label()
            )));
        }
        if !saved.iter().any(|p| p == provider.as_str()) {
            return Err(ServiceError::Validation(format!(
                "You have no saved {} key: save one in My Profile before ordering it",
                provider.label()
            )));
        }
        providers.push(provider);
    }
    let stored = (!providers.is_empty()).then(|| {
        providers
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(",")
    });
    users::Entity::update_many()
        .col_expr(
            users::Column::FallbackProviders,
            sea_orm::sea_query::Expr::value(stored),
        )
        .col_expr(
            users::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(state.clock.now()),
        )
        .filter(users::Column::Id.eq(auth.id))
        .exec(&state.db)
        .await?;
    settings(state, auth.id).await
}

/// The personal keys a call tries after `failed` fails, in the user's fallback order: each one
/// saved, switched on and not expired, for another provider. They are read when a call needs
/// them, so they are never cached.
pub async fn fallback_targets(
    state: &AppState,
    user_id: Uuid,
    failed: Provider,
) -> ServiceResult<Vec<crate::providers::Target>> {
    let Some(user) = users::Entity::find_by_id(user_id).one(&state.db).await? else {
        return Ok(Vec::new());
    };
    let order: Vec<Provider> = fallback_order(&user)
        .into_iter()
        .filter(|p| *p != failed)
        .collect();
    if order.is_empty() {
        return Ok(Vec::new());
    }
    let rows = provider_keys::Entity::find()
        .filter(provider_keys::Column::UserId.eq(user_id))
        .all(&state.db)
        .await?;
    let now = state.clock.now();
    let mut targets = Vec::new();
    for provider in order {
        let Some(row) = rows.iter().find(|r| r.provider == provider.as_str()) else {
            continue;
        };
        if !row.enabled || row.expires_at.is_some_and(|t| t <= now) {
            continue;
        }
        targets.push(personal_target(state, provider, row)?);
    }
    Ok(targets)
}

/// Where a call on the saved personal key `row` of `provider` goes.
pub fn personal_target(
    state: &AppState,
    provider: Provider,
    row: &provider_keys::Model,
) -> ServiceResult<crate::providers::Target> {
    let api_key = decrypt_row(state, row)?;
    let (base_url, url_source) = match state.config.providers.base_url(provider) {
        Some(url) => (url.to_owned(), UrlSource::Operator),
        None => (row.base_url.clone().unwrap_or_default(), UrlSource::User),
    };
    let model = row
        .model
        .clone()
        .unwrap_or_else(|| state.config.providers.default_model(provider).to_owned());
    Ok(crate::providers::Target {
        provider,
        base_url,
        url_source,
        api_key,
        model,
    })
}

fn parse_provider(raw: Option<&str>, fallback: Provider) -> ServiceResult<Provider> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => Provider::parse(p).map_err(ServiceError::from),
        None => Ok(fallback),
    }
}

fn check_base_url(provider: Provider, base_url: Option<&str>) -> ServiceResult<Option<String>> {
    if provider != Provider::Custom {
        return Ok(None);
    }
    let url = base_url
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ServiceError::Validation(
                "A custom provider needs its base URL, e.g. http://127.0.0.1:11434/v1".into(),
            )
        })?;
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| ServiceError::Validation("The base URL is not a valid URL".into()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ServiceError::Validation(
            "The base URL must start with http:// or https://".into(),
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() || parsed.query().is_some() {
        return Err(ServiceError::Validation(
            "Put the key in the key field, not in the URL".into(),
        ));
    }
    Ok(Some(url.trim_end_matches('/').to_owned()))
}

/// A base URL in the form two spellings of it are compared in: as the URL parser writes it
/// (scheme and host in lower case, default port dropped), without trailing slashes.
fn comparable_url(url: &str) -> String {
    let url = url.trim();
    match reqwest::Url::parse(url) {
        Ok(parsed) => parsed.as_str().trim_end_matches('/').to_owned(),
        Err(_) => url.trim_end_matches('/').to_owned(),
    }
}

/// A stored key is sent only to the base URL it was saved for: naming another one needs the
/// key again, so that whoever holds the session cannot send the key to a server of their
/// choosing.
fn require_key_for_new_url(stored_url: Option<&str>, requested: Option<&str>) -> ServiceResult<()> {
    let Some(requested) = requested.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(());
    };
    let same = stored_url.is_some_and(|saved| comparable_url(saved) == comparable_url(requested));
    if same {
        Ok(())
    } else {
        Err(ServiceError::Validation(
            "The stored key was saved for another base URL; enter the API key again to use it with this one"
                .into(),
        ))
    }
}

/// Where a provider is called: the configured URL, else the user's own (a custom provider's),
/// which the outbound policy guards.
fn base_url_for(
    state: &AppState,
    provider: Provider,
    custom: Option<&str>,
) -> ServiceResult<(String, UrlSource)> {
    match state.config.providers.base_url(provider) {
        Some(url) => Ok((url.to_owned(), UrlSource::Operator)),
        None => custom
            .map(|url| (url.to_owned(), UrlSource::User))
            .ok_or_else(|| ServiceError::Validation("A custom provider needs a base URL".into())),
    }
}

fn resolve_expiry(
    now: DateTime<Utc>,
    expires_at: Option<Option<String>>,
    expires_in_days: Option<u32>,
) -> ServiceResult<Option<Option<DateTime<Utc>>>> {
    if let Some(days) = expires_in_days {
        if days > 3650 {
            return Err(ServiceError::Validation(
                "An expiry can be at most ten years away".into(),
            ));
        }
        return Ok(Some((days > 0).then(|| now + Duration::days(days.into()))));
    }
    match expires_at {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(text)) => {
            let t = DateTime::parse_from_rfc3339(text.trim())
                .map_err(|_| {
                    ServiceError::Validation(
                        "expires_at must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z".into(),
                    )
                })?
                .with_timezone(&Utc);
            if t <= now {
                return Err(ServiceError::Validation(
                    "expires_at must be in the future".into(),
                ));
            }
            Ok(Some(Some(t)))
        }
    }
}

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

fn parse_model(raw: Option<&str>) -> ServiceResult<Option<String>> {
    let model = raw.map(str::trim).filter(|m| !m.is_empty());
    if model.is_some_and(|m| m.len() > 200) {
        return Err(ServiceError::Validation(
            "The model name is too long".into(),
        ));
    }
    Ok(model.map(str::to_owned))
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

/// The decrypted key of one of the user's rows.
pub fn decrypt_row(state: &AppState, row: &provider_keys::Model) -> ServiceResult<Secret> {
    Ok(state
        .vault
        .decrypt(row.user_id, &row.provider, &row.ciphertext, &row.nonce)?)
}

/// What the user's stored OpenRouter key has spent and may still spend, as OpenRouter says
/// (`GET /api/v1/key`); `None` without such a key or when OpenRouter does not answer.
pub async fn openrouter_credit(
    state: &AppState,
    user_id: Uuid,
) -> ServiceResult<Option<types::profile::KeyCredit>> {
    let row = provider_keys::Entity::find()
        .filter(provider_keys::Column::UserId.eq(user_id))
        .filter(provider_keys::Column::Provider.eq(Provider::OpenRouter.as_str()))
        .one(&state.db)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let key = decrypt_row(state, &row)?;
    let (base_url, source) = base_url_for(state, Provider::OpenRouter, None)?;
    Ok(state
        .providers
        .key_credit(Provider::OpenRouter, &base_url, source, &key)
        .await
        .ok())
}
