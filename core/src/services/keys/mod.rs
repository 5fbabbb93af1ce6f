//! Personal provider keys: one per (user, provider), encrypted by the vault.
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use types::profile::KeySource;
use types::profile::{PersonalAiSettings, ProviderKeyInfo};
use uuid::Uuid;

mod fallback;
mod input;
mod live_test;
mod store;
pub mod team;

use fallback::fallback_order;
pub use fallback::{fallback_targets, set_fallback};
use input::{
    base_url_for, check_base_url, comparable_url, parse_model, parse_provider,
    require_key_for_new_url, resolve_expiry,
};
pub use live_test::{test, test_response};
pub use store::{delete, set_openrouter_key, update};

use crate::services::users::active_provider;
use crate::{
    entities::{provider_keys, users},
    error::{ServiceError, ServiceResult},
    providers::{Provider, UrlSource},
    services::policy,
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
