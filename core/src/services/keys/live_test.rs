//! A key tested live: the provider's `GET /models` with the key given, or the stored one (no
//! tokens spent), and the answer the profile page and the admin's system-key test show.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use types::profile::{TestAiKeyRequest, TestAiKeyResponse};

use super::{
    base_url_for, check_base_url, comparable_url, decrypt_row, parse_provider,
    require_key_for_new_url,
};
use crate::audit::{self, AuditEvent};
use crate::{
    entities::provider_keys,
    error::{ServiceError, ServiceResult},
    providers::{Provider, ProviderError, ProviderKey, RateLimitSnapshot},
    services::users::{active_provider, load_user},
    session::{AuthUser, ClientInfo},
    state::AppState,
    vault::Secret,
};

/// Tests a key with the provider's `GET /models` (no tokens spent). With no key given, tests the
/// user's stored key for that provider.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn test(
    state: &AppState,
    auth: &AuthUser,
    request: TestAiKeyRequest,
    client: &ClientInfo,
) -> ServiceResult<TestAiKeyResponse> {
    let user = load_user(state, auth.id).await?;
    let provider = parse_provider(request.provider.as_deref(), active_provider(&user))?;
    let stored = provider_keys::Entity::find()
        .filter(provider_keys::Column::UserId.eq(auth.id))
        .filter(provider_keys::Column::Provider.eq(provider.as_str()))
        .one(&state.db)
        .await?;
    let saved = stored.as_ref().map(|row| SavedKey {
        secret: decrypt_row(state, row).ok(),
        base_url: row.base_url.clone(),
    });
    let (response, detail, stored_ok) = match run(state, provider, &request, saved).await? {
        Outcome::Refused(response) => return Ok(response),
        Outcome::Called {
            response,
            detail,
            stored_ok,
        } => (response, detail, stored_ok),
    };
    let now = state.clock.now();
    // Record the outcome on the stored row when it is that key that was tested, where it is
    // used.
    if let (Some(row), Some(ok)) = (stored, stored_ok) {
        let mut active = row.into_active_model();
        active.last_tested_at = Set(Some(now));
        active.last_test_ok = Set(Some(ok));
        active.update(&state.db).await?;
    }
    audit::record(
        &state.db,
        Some(auth.id),
        AuditEvent::Tested,
        Some(provider.as_str()),
        Some(detail),
        client,
        now,
    )
    .await?;
    Ok(response)
}

/// A stored key a test may fall back to: its secret (`None`: it could not be decrypted) and the
/// base URL it was saved for.
pub(super) struct SavedKey {
    pub secret: Option<Secret>,
    pub base_url: Option<String>,
}

/// What a live test came to.
pub(super) enum Outcome {
    /// Refused before any call (no key, a malformed key, a bad URL): nothing to record.
    Refused(TestAiKeyResponse),
    /// The provider was asked: the answer, the audit detail (`ok` or `failed: <kind>`), and
    /// `Some(ok)` when the key tested was the saved one, at its URL.
    Called {
        response: TestAiKeyResponse,
        detail: String,
        stored_ok: Option<bool>,
    },
}

/// The live test of a personal or team key: the key given, else the saved one (only at the URL
/// it was saved for), with the provider's `GET /models`. A refused address is a 422.
pub(super) async fn run(
    state: &AppState,
    provider: Provider,
    request: &TestAiKeyRequest,
    saved: Option<SavedKey>,
) -> ServiceResult<Outcome> {
    let refused = |message: String| {
        Ok(Outcome::Refused(TestAiKeyResponse {
            success: false,
            message,
            provider: provider.as_str().to_owned(),
            ..Default::default()
        }))
    };
    let given = request.api_key.trim();
    let raw = if given.is_empty() {
        match &saved {
            Some(saved) => {
                if provider == Provider::Custom {
                    require_key_for_new_url(
                        saved.base_url.as_deref(),
                        request.base_url.as_deref(),
                    )?;
                }
                saved.secret.clone().ok_or_else(|| {
                    ServiceError::Internal(anyhow::anyhow!("the stored key could not be decrypted"))
                })?
            }
            None => return refused("Enter an API key to test".into()),
        }
    } else {
        Secret::new(given)
    };
    let key = match ProviderKey::parse(provider, raw.expose()) {
        Ok(key) => key,
        Err(hint) => return refused(hint.into()),
    };
    let custom_url = match provider {
        Provider::Custom => {
            let url = request
                .base_url
                .clone()
                .or_else(|| saved.as_ref().and_then(|s| s.base_url.clone()));
            match check_base_url(provider, url.as_deref()) {
                Ok(u) => u,
                Err(e) => return refused(e.to_string()),
            }
        }
        _ => None,
    };
    let (base_url, url_source) = base_url_for(state, provider, custom_url.as_deref())?;
    let started = std::time::Instant::now();
    let result = state
        .providers
        .list_models(provider, &base_url, url_source, key.secret())
        .await;
    let elapsed = started.elapsed();
    // A refused address is a bad request, not a failed key: 422 with the reason.
    if let Err(e @ ProviderError::BlockedAddress(_)) = &result {
        return Err(ServiceError::Validation(e.to_string()));
    }
    let stored_ok = saved.and_then(|saved| {
        let same_key = saved
            .secret
            .as_ref()
            .is_some_and(|k| k.expose() == key.expose());
        let same_url = provider != Provider::Custom
            || custom_url
                .as_deref()
                .zip(saved.base_url.as_deref())
                .is_some_and(|(tested, saved)| comparable_url(tested) == comparable_url(saved));
        (same_key && same_url).then_some(result.is_ok())
    });
    let detail = match &result {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("failed: {}", e.kind()),
    };
    let mut response = test_response(provider, result, elapsed);
    if response.success && provider == Provider::OpenRouter {
        // The key's credit, when OpenRouter tells it; the test stands without it.
        response.credit = state
            .providers
            .key_credit(provider, &base_url, url_source, key.secret())
            .await
            .ok();
    }
    Ok(Outcome::Called {
        response,
        detail,
        stored_ok,
    })
}

/// The answer to a key test, from the provider's `GET /models` outcome (personal and system
/// keys alike).
pub fn test_response(
    provider: Provider,
    result: Result<(Vec<String>, RateLimitSnapshot), ProviderError>,
    elapsed: std::time::Duration,
) -> TestAiKeyResponse {
    let response_time = (elapsed.as_secs_f64() * 1000.0).round() / 1000.0;
    match result {
        Ok((models, _)) => TestAiKeyResponse {
            success: true,
            message: "API key is valid!".into(),
            response_time: Some(response_time),
            provider: provider.as_str().to_owned(),
            available_models: models,
            retry_after_seconds: None,
            credit: None,
        },
        Err(e) => {
            let retry_after_seconds = match &e {
                ProviderError::RateLimited { retry_after, .. } => Some(retry_after.unwrap_or(60)),
                _ => None,
            };
            let message = match &e {
                ProviderError::InvalidKey(_) => "Invalid API key".to_owned(),
                other => other.to_string(),
            };
            TestAiKeyResponse {
                success: false,
                message,
                response_time: Some(response_time),
                provider: provider.as_str().to_owned(),
                available_models: vec![],
                retry_after_seconds,
                credit: None,
            }
        }
    }
}
