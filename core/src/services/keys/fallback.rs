//! The user's fallback order: the saved keys a call tries, in turn, after the active one fails.
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use types::profile::PersonalAiSettings;
use uuid::Uuid;

use super::{personal_target, settings};
use crate::{
    entities::{provider_keys, users},
    error::{ServiceError, ServiceResult},
    providers::Provider,
    session::AuthUser,
    state::AppState,
};

/// The user's fallback order, as stored (unknown ids, which no release writes, are skipped).
pub(super) fn fallback_order(user: &users::Model) -> Vec<Provider> {
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
