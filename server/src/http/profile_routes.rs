//! The first seed's `/api/v1/profile/ai-settings` and the second seed's `/api/user/api-key`.
use crate::http::error::ApiResult;
use axum::{extract::State, Json};
use serde::Deserialize;
use types::profile::{
    PersonalAiSettings, SetupGuide, TestAiKeyRequest, TestAiKeyResponse, UpdatePersonalAiSettings,
};
use types::ErrorBody;

use super::{
    extractors::{ApiJson, ApiQuery},
    schemas::{MessageResponse, UserApiKeyStatus, UserApiKeyUpdated, UserSummary},
};
use hirekey_core::{
    providers::{mask_key_asterisks, Provider},
    services::{guide, keys},
    session::{AuthUser, ClientInfo},
    state::AppState,
};

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    get_settings,
    put_settings,
    delete_settings,
    test_key,
    put_fallback,
    guide,
    get_user_api_key,
    post_user_api_key,
    delete_user_api_key
))]
pub struct Doc;

/// The caller's AI settings
///
/// Whether a personal key is stored and used (with its masked preview, never the key), the
/// active provider and model, expiry, last test, and which key an AI call would use now.
#[utoipa::path(get, path = "/api/v1/profile/ai-settings", tag = "profile",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The settings", body = PersonalAiSettings),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn get_settings(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<PersonalAiSettings>> {
    Ok(Json(keys::settings(&state, user.id).await?))
}

/// Order the fallback across my keys
///
/// `{"providers": ["groq", "openrouter"]}`: when a call on the active key answers 429 or 5xx,
/// times out or cannot connect, the next saved key in this order answers it (a stream only
/// before its first token). Never on 401 or 402. `[]` turns fallback off. Each provider must
/// have a saved key, once.
#[utoipa::path(put, path = "/api/v1/profile/ai-settings/fallback", tag = "profile",
    request_body = types::profile::FallbackOrder,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The settings after the change", body = PersonalAiSettings),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "An unknown provider, one listed twice, or one without a saved key", body = ErrorBody),
    ))]
pub async fn put_fallback(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<types::profile::FallbackOrder>,
) -> ApiResult<Json<PersonalAiSettings>> {
    Ok(Json(keys::set_fallback(&state, &user, req).await?))
}

/// Save a key or change the AI settings
///
/// A new key is checked for its format and tested live against the provider before it is
/// stored encrypted; the other fields toggle its use, choose the provider and model, and set
/// an expiry.
#[utoipa::path(put, path = "/api/v1/profile/ai-settings", tag = "profile",
    request_body = UpdatePersonalAiSettings,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The settings after the change", body = PersonalAiSettings),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "Malformed or rejected key, or invalid field", body = ErrorBody),
    ))]
pub async fn put_settings(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<UpdatePersonalAiSettings>,
) -> ApiResult<Json<PersonalAiSettings>> {
    Ok(Json(keys::update(&state, &user, req, &client).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderQuery {
    /// groq, openrouter, deepseek, openai or custom; the active provider when absent.
    provider: Option<String>,
}

/// Remove a personal key
///
/// Deletes the key of the named provider (the active one when none is named).
#[utoipa::path(delete, path = "/api/v1/profile/ai-settings", tag = "profile",
    params(ProviderQuery),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The settings after the removal", body = PersonalAiSettings),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "Unknown provider", body = ErrorBody),
    ))]
pub async fn delete_settings(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiQuery(q): ApiQuery<ProviderQuery>,
) -> ApiResult<Json<PersonalAiSettings>> {
    Ok(Json(
        keys::delete(&state, &user, q.provider.as_deref(), &client).await?,
    ))
}

/// Test a key
///
/// Calls the provider's `GET /models` with the given key (or the stored one when `api_key` is
/// empty); no tokens are spent. The outcome is in the body, not the status.
#[utoipa::path(post, path = "/api/v1/profile/ai-settings/test", tag = "profile",
    request_body = TestAiKeyRequest,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Whether the key works, and the models it can use", body = TestAiKeyResponse),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn test_key(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<TestAiKeyRequest>,
) -> ApiResult<Json<TestAiKeyResponse>> {
    Ok(Json(keys::test(&state, &user, req, &client).await?))
}

/// Setup guide for a provider
///
/// How to get a key for the provider, its benefits and its default model.
#[utoipa::path(get, path = "/api/v1/profile/ai-settings/guide", tag = "profile",
    params(ProviderQuery),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The guide", body = SetupGuide),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "Unknown provider", body = ErrorBody),
    ))]
pub async fn guide(
    State(state): State<AppState>,
    _user: AuthUser,
    ApiQuery(q): ApiQuery<ProviderQuery>,
) -> ApiResult<Json<SetupGuide>> {
    Ok(guide::for_request(&state.config.providers, q.provider.as_deref()).map(Json)?)
}

/// The OpenRouter key, masked (second seed)
///
/// `{"hasApiKey", "apiKey"}` for the caller's OpenRouter key, masked as `sk-***...abc123`.
#[utoipa::path(get, path = "/api/user/api-key", tag = "profile",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Whether an OpenRouter key is stored, masked", body = UserApiKeyStatus),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn get_user_api_key(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<UserApiKeyStatus>> {
    let rows = keys::load_keys(&state, user.id).await?;
    let row = rows
        .iter()
        .find(|r| r.provider == Provider::OpenRouter.as_str());
    let masked = match row {
        Some(r) => Some(mask_key_asterisks(keys::decrypt_row(&state, r)?.expose())),
        None => None,
    };
    Ok(Json(UserApiKeyStatus {
        api_key: masked,
        has_api_key: row.is_some(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UserApiKeyRequest {
    #[serde(rename = "apiKey")]
    api_key: String,
}

/// Store an OpenRouter key (second seed)
///
/// Tests and stores the key, and makes OpenRouter the caller's active, enabled provider.
#[utoipa::path(post, path = "/api/user/api-key", tag = "profile",
    request_body = UserApiKeyRequest,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Stored", body = UserApiKeyUpdated),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 422, description = "Malformed or rejected key", body = ErrorBody),
    ))]
pub async fn post_user_api_key(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<UserApiKeyRequest>,
) -> ApiResult<Json<UserApiKeyUpdated>> {
    keys::set_openrouter_key(&state, &user, &req.api_key, &client).await?;
    Ok(Json(UserApiKeyUpdated {
        message: "API key updated successfully".into(),
        user: UserSummary {
            email: user.email,
            id: user.id,
            name: user.name,
        },
    }))
}

/// Remove the OpenRouter key (second seed)
#[utoipa::path(delete, path = "/api/user/api-key", tag = "profile",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Removed", body = MessageResponse),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn delete_user_api_key(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
) -> ApiResult<Json<MessageResponse>> {
    keys::delete(&state, &user, Some(Provider::OpenRouter.as_str()), &client).await?;
    Ok(Json(MessageResponse {
        message: "API key removed successfully".into(),
    }))
}
