//! The REST API: its routes, the auth extractor and `ApiError`.
pub mod ai_routes;
pub mod auth;
pub mod auth_routes;
pub mod error;
pub mod extract;
pub mod profile_routes;
pub mod resume_routes;
pub mod usage_routes;

use axum::{
    extract::{DefaultBodyLimit, State},
    routing::{get, post},
    Json, Router,
};
use serde_json::json;

use crate::state::AppState;
use error::ApiError;

/// Every REST route, under `/api`, with JSON 404/405 answers for anything else.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/register", post(auth_routes::register))
        .route("/v1/auth/login", post(auth_routes::login))
        .route("/v1/auth/logout", post(auth_routes::logout))
        .route("/v1/auth/me", get(auth_routes::me))
        .route(
            "/v1/profile/ai-settings",
            get(profile_routes::get_settings).put(profile_routes::put_settings).delete(profile_routes::delete_settings),
        )
        .route("/v1/profile/ai-settings/test", post(profile_routes::test_key))
        .route("/v1/profile/ai-settings/guide", get(profile_routes::guide))
        .route(
            "/user/api-key",
            get(profile_routes::get_user_api_key).post(profile_routes::post_user_api_key).delete(profile_routes::delete_user_api_key),
        )
        .route("/ai/chat", post(ai_routes::chat))
        .route("/ai/code-completion", post(ai_routes::code_completion))
        .route("/ai/generate-code", post(ai_routes::generate_code))
        .merge(usage_routes::routes())
        // Uploads set their own, larger body limit per request (from HIREKEY_MAX_UPLOAD_MB).
        .merge(resume_routes::routes())
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .fallback(|| async { ApiError::NotFound("API route") })
        .method_not_allowed_fallback(|| async {
            (
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                Json(json!({"error": "Method not allowed", "message": "This route does not accept that method"})),
            )
        })
}

/// `GET /healthz`: 200 once the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.db.ping().await.map_err(|_| ApiError::Unavailable)?;
    Ok(Json(json!({"status": "ok"})))
}
