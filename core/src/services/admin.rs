//! The admin area: the user list, the system AI configuration and its test, the run-time
//! "require a personal key" policy and everyone's usage. Every function takes an [`Admin`],
//! which only [`require_admin`] makes, from the database's `users.is_admin`: a token issued
//! before a demotion stops working at once.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use types::{
    admin::{AdminAiConfig, AdminSettings, AdminUser},
    profile::TestAiKeyResponse,
    usage::UsageSummary,
};
use uuid::Uuid;

use crate::{
    audit::{self, AuditEvent},
    entities::{provider_keys, settings, users},
    error::{ServiceError, ServiceResult},
    providers::{mask_key_preview, UrlSource},
    services::{
        keys,
        notify::{self, Change},
        policy, usage,
    },
    session::{AuthUser, ClientInfo},
    state::AppState,
};

pub use crate::session::Admin;

/// The caller as an [`Admin`], or 403.
pub async fn require_admin(state: &AppState, auth: &AuthUser) -> ServiceResult<Admin> {
    let user = crate::services::users::load_user(state, auth.id).await?;
    if user.is_admin {
        Ok(Admin {
            id: user.id,
            email: user.email,
        })
    } else {
        Err(ServiceError::Forbidden(
            "This area is for admins only".to_owned(),
        ))
    }
}

/// Every user, oldest first, with whether they have a key for their active provider. The key
/// rows are read without their ciphertext or preview, so neither can reach the answer.
#[tracing::instrument(skip_all)]
pub async fn list_users(state: &AppState, _admin: &Admin) -> ServiceResult<Vec<AdminUser>> {
    let users = users::Entity::find()
        .order_by_asc(users::Column::CreatedAt)
        .all(&state.db)
        .await?;
    let keys: HashMap<(Uuid, String), Option<DateTime<Utc>>> = provider_keys::Entity::find()
        .select_only()
        .columns([
            provider_keys::Column::UserId,
            provider_keys::Column::Provider,
            provider_keys::Column::ExpiresAt,
        ])
        .into_tuple::<(Uuid, String, Option<DateTime<Utc>>)>()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|(user_id, provider, expires_at)| ((user_id, provider), expires_at))
        .collect();
    let costs = crate::services::usage::month_cost_by_user(state).await?;
    let budgets: HashMap<Uuid, i64> = crate::entities::budgets::Entity::find()
        .filter(crate::entities::budgets::Column::Scope.eq("system"))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|b| (b.subject_id, b.monthly_micro_usd))
        .collect();
    Ok(users
        .into_iter()
        .map(|u| {
            let provider = crate::services::users::active_provider(&u)
                .as_str()
                .to_owned();
            let key = keys.get(&(u.id, provider.clone()));
            let (cost, unpriced, calls) = costs.get(&u.id).copied().unwrap_or_default();
            AdminUser {
                id: u.id,
                email: u.email,
                name: u.name,
                is_admin: u.is_admin,
                created_at: u.created_at.into(),
                has_personal_key: key.is_some(),
                provider,
                expires_at: key.copied().flatten().map(Into::into),
                month_cost_usd: (unpriced <= 0 || unpriced < calls)
                    .then(|| crate::services::costs::usd(cost.max(0))),
                month_unpriced_calls: unpriced.max(0) as u64,
                system_budget_usd: budgets.get(&u.id).map(|m| crate::services::costs::usd(*m)),
            }
        })
        .collect())
}

/// The system configuration with its key masked, and the key policy in force.
#[tracing::instrument(skip_all)]
pub async fn ai_config(state: &AppState, _admin: &Admin) -> ServiceResult<AdminAiConfig> {
    Ok(describe_ai_config(state).await)
}

async fn describe_ai_config(state: &AppState) -> AdminAiConfig {
    let system = state.config.system_ai.as_ref();
    AdminAiConfig {
        configured: system.is_some(),
        provider: system.map(|s| s.provider.as_str().to_owned()),
        model: system.map(|s| s.model.clone()),
        base_url: system.map(|s| s.base_url.clone()),
        key_preview: system.map(|s| mask_key_preview(s.api_key.expose())),
        require_personal_key: !policy::system_fallback_allowed(state).await,
        require_personal_key_env: state.config.require_personal_key,
        allowed_provider_hosts: state.providers.allowed_hosts(),
        registration_open: matches!(state.config.registration, crate::config::Registration::Open),
    }
}

/// Tests the system key with the provider's `GET /models`, as the personal test does.
#[tracing::instrument(skip_all)]
pub async fn test_system_key(
    state: &AppState,
    admin: &Admin,
    client: &ClientInfo,
) -> ServiceResult<TestAiKeyResponse> {
    let Some(system) = &state.config.system_ai else {
        return Ok(TestAiKeyResponse {
            success: false,
            message: "No system key is configured; set AI_PROVIDER and its API key".to_owned(),
            ..Default::default()
        });
    };
    let started = std::time::Instant::now();
    let result = state
        .providers
        .list_models(
            system.provider,
            &system.base_url,
            UrlSource::Operator,
            &system.api_key,
        )
        .await;
    tracing::info!(
        admin = %admin.email,
        provider = system.provider.as_str(),
        ok = result.is_ok(),
        "system key tested"
    );
    audit::record(
        &state.db,
        Some(admin.id),
        AuditEvent::SystemKeyTested,
        Some(system.provider.as_str()),
        Some(if result.is_ok() { "works" } else { "failed" }.to_owned()),
        client,
        state.clock.now(),
    )
    .await?;
    Ok(keys::test_response(
        system.provider,
        result,
        started.elapsed(),
    ))
}

/// Stores the run-time policy. This instance applies it at once (the policy and every cached
/// key are dropped); the other instances when the change notification, committed with it,
/// reaches them (`services::notify`).
#[tracing::instrument(skip_all)]
pub async fn update_settings(
    state: &AppState,
    admin: &Admin,
    client: &ClientInfo,
    request: AdminSettings,
) -> ServiceResult<AdminAiConfig> {
    let row = settings::ActiveModel {
        name: Set(policy::REQUIRE_PERSONAL_SETTING.to_owned()),
        value: Set(request.require_personal_key.to_string()),
    };
    let txn = state.db.begin().await?;
    settings::Entity::insert(row)
        .on_conflict(
            OnConflict::column(settings::Column::Name)
                .update_column(settings::Column::Value)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    audit::record(
        &txn,
        Some(admin.id),
        AuditEvent::PolicyChanged,
        None,
        Some(format!(
            "require_personal_key: {}",
            request.require_personal_key
        )),
        client,
        state.clock.now(),
    )
    .await?;
    let published = notify::publish(state, &txn, Change::Policy).await?;
    txn.commit().await?;
    state.policy.invalidate();
    state.key_cache.clear();
    published.delivered(state).await;
    tracing::info!(
        admin = %admin.email,
        require_personal_key = request.require_personal_key,
        "key policy changed"
    );
    Ok(describe_ai_config(state).await)
}

/// Everyone's AI calls of the last `days` days, split by key source, provider, model and feature.
#[tracing::instrument(skip_all)]
pub async fn usage(state: &AppState, _admin: &Admin, days: u32) -> ServiceResult<UsageSummary> {
    Ok(usage::summary_all_users(state, days).await?)
}
