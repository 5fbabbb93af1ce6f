//! The first seed's `/api/v1/profile/ai-settings` and the second seed's `/api/user/api-key`.
use app::api::profile::{
    PersonalAiSettings, SetupGuide, TestAiKeyRequest, TestAiKeyResponse, UpdatePersonalAiSettings,
};
use axum::{extract::State, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    auth::{AuthUser, ClientInfo},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiQuery},
};
use crate::{
    providers::{mask_key_asterisks, Provider},
    services::{guide, keys},
    state::AppState,
};

pub async fn get_settings(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<PersonalAiSettings>> {
    Ok(Json(keys::settings(&state, user.id).await?))
}

pub async fn put_settings(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<UpdatePersonalAiSettings>,
) -> ApiResult<Json<PersonalAiSettings>> {
    Ok(Json(keys::update(&state, &user, req, &client).await?))
}

#[derive(Deserialize, Default)]
pub struct ProviderQuery {
    provider: Option<String>,
}

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

pub async fn test_key(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<TestAiKeyRequest>,
) -> ApiResult<Json<TestAiKeyResponse>> {
    Ok(Json(keys::test(&state, &user, req, &client).await?))
}

pub async fn guide(
    State(state): State<AppState>,
    _user: AuthUser,
    ApiQuery(q): ApiQuery<ProviderQuery>,
) -> ApiResult<Json<SetupGuide>> {
    let provider = match q.provider.as_deref() {
        Some(p) => Provider::parse(p).map_err(ApiError::Validation)?,
        None => Provider::Groq,
    };
    Ok(Json(guide::setup_guide(
        provider,
        state.config.default_models.for_provider(provider),
    )))
}

/// Second seed: `GET /api/user/api-key` → `{"hasApiKey", "apiKey"}` for the OpenRouter key.
pub async fn get_user_api_key(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<Json<Value>> {
    let rows = keys::load_keys(&state, user.id).await?;
    let row = rows
        .iter()
        .find(|r| r.provider == Provider::OpenRouter.as_str());
    let masked = match row {
        Some(r) => Some(mask_key_asterisks(keys::decrypt_row(&state, r)?.expose())),
        None => None,
    };
    Ok(Json(json!({"hasApiKey": row.is_some(), "apiKey": masked})))
}

#[derive(Deserialize)]
pub struct UserApiKeyRequest {
    #[serde(rename = "apiKey")]
    api_key: String,
}

pub async fn post_user_api_key(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
    ApiJson(req): ApiJson<UserApiKeyRequest>,
) -> ApiResult<Json<Value>> {
    keys::set_openrouter_key(&state, &user, &req.api_key, &client).await?;
    Ok(Json(json!({
        "message": "API key updated successfully",
        "user": {"id": user.id, "email": user.email, "name": user.name},
    })))
}

pub async fn delete_user_api_key(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientInfo,
) -> ApiResult<Json<Value>> {
    keys::delete(&state, &user, Some(Provider::OpenRouter.as_str()), &client).await?;
    Ok(Json(json!({"message": "API key removed successfully"})))
}
