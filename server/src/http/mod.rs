//! The REST API: its routes, the auth extractor and `ServiceError`.
pub mod admin_routes;
pub mod ai_routes;
pub mod auth;
pub mod auth_routes;
pub mod budget_routes;
pub mod chat_routes;
pub mod error;
pub mod extractors;
pub mod guard;
pub mod hiring_routes;
pub mod openapi;
pub mod openapi_errors;
pub mod privacy_routes;
pub mod profile_routes;
pub mod resume_routes;
pub mod schemas;
pub mod screening_routes;
pub mod sse;
pub mod usage_routes;
pub mod workspace_routes;

use crate::http::auth::WebState;
use axum::{
    extract::{DefaultBodyLimit, State},
    handler::Handler,
    http::Method,
    routing::{self, MethodRouter},
    Json, Router,
};
use types::ErrorBody;

use hirekey_core::error::ServiceError;
use hirekey_core::state::AppState;

/// One REST route: method, path under `/api` and handler. The router is built from
/// [`api_routes`] alone and the OpenAPI test walks the same table, so a route cannot be served
/// without being in the document (`openapi::ApiDoc`).
pub struct ApiRoute {
    pub method: Method,
    /// The path under `/api`, in axum's syntax (`/v1/candidates/{id}`), which is OpenAPI's too.
    pub path: &'static str,
    handler: MethodRouter<WebState>,
}

impl ApiRoute {
    pub fn get<H: Handler<T, WebState>, T: 'static>(path: &'static str, handler: H) -> Self {
        Self {
            method: Method::GET,
            path,
            handler: routing::get(handler),
        }
    }

    pub fn post<H: Handler<T, WebState>, T: 'static>(path: &'static str, handler: H) -> Self {
        Self {
            method: Method::POST,
            path,
            handler: routing::post(handler),
        }
    }

    pub fn put<H: Handler<T, WebState>, T: 'static>(path: &'static str, handler: H) -> Self {
        Self {
            method: Method::PUT,
            path,
            handler: routing::put(handler),
        }
    }

    pub fn patch<H: Handler<T, WebState>, T: 'static>(path: &'static str, handler: H) -> Self {
        Self {
            method: Method::PATCH,
            path,
            handler: routing::patch(handler),
        }
    }

    pub fn delete<H: Handler<T, WebState>, T: 'static>(path: &'static str, handler: H) -> Self {
        Self {
            method: Method::DELETE,
            path,
            handler: routing::delete(handler),
        }
    }

    /// A body limit of this route's own, below the API's 1 MB.
    fn body_limit(mut self, bytes: usize) -> Self {
        self.handler = self.handler.layer(DefaultBodyLimit::max(bytes));
        self
    }
}

/// Sign-in and registration take a few short fields, from callers not yet known.
const ACCOUNT_FORM_LIMIT: usize = 16 * 1024;

/// Every REST route under `/api`. Each handler carries its `#[utoipa::path]`.
pub fn api_routes() -> Vec<ApiRoute> {
    let mut routes = vec![
        ApiRoute::get("/openapi.json", openapi::openapi_json),
        ApiRoute::get("/docs", openapi::docs_page),
        ApiRoute::post("/v1/auth/register", auth_routes::register).body_limit(ACCOUNT_FORM_LIMIT),
        ApiRoute::post("/v1/auth/login", auth_routes::login).body_limit(ACCOUNT_FORM_LIMIT),
        ApiRoute::post("/v1/auth/logout", auth_routes::logout),
        ApiRoute::post("/v1/auth/logout-all", auth_routes::logout_all),
        ApiRoute::put("/v1/auth/password", auth_routes::change_password),
        ApiRoute::get("/v1/auth/me", auth_routes::me),
        ApiRoute::get("/v1/profile/ai-settings", profile_routes::get_settings),
        ApiRoute::put("/v1/profile/ai-settings", profile_routes::put_settings),
        ApiRoute::delete("/v1/profile/ai-settings", profile_routes::delete_settings),
        ApiRoute::post("/v1/profile/ai-settings/test", profile_routes::test_key),
        ApiRoute::put(
            "/v1/profile/ai-settings/fallback",
            profile_routes::put_fallback,
        ),
        ApiRoute::get("/v1/profile/ai-settings/guide", profile_routes::guide),
        ApiRoute::get("/user/api-key", profile_routes::get_user_api_key),
        ApiRoute::post("/user/api-key", profile_routes::post_user_api_key),
        ApiRoute::delete("/user/api-key", profile_routes::delete_user_api_key),
        ApiRoute::post("/ai/chat", ai_routes::chat),
        ApiRoute::post("/ai/code-completion", ai_routes::code_completion),
        ApiRoute::post("/ai/generate-code", ai_routes::generate_code),
    ];
    routes.extend(chat_routes::routes());
    routes.extend(usage_routes::routes());
    routes.extend(budget_routes::routes());
    // Uploads set their own, larger body limit per request (from HIREKEY_MAX_UPLOAD_MB).
    routes.extend(resume_routes::routes());
    routes.extend(admin_routes::routes());
    routes.extend(workspace_routes::routes());
    routes.extend(hiring_routes::routes());
    routes.extend(screening_routes::routes());
    routes.extend(privacy_routes::routes());
    routes
}

/// Every REST route, under `/api`, with JSON 404/405 answers for anything else.
pub fn api_router() -> Router<WebState> {
    api_routes()
        .into_iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.handler)
        })
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .fallback(|| async { error::ApiError(ServiceError::NotFound("API route")) })
        .method_not_allowed_fallback(|| async {
            (
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                Json(ErrorBody::new(
                    "Method not allowed",
                    "This route does not accept that method",
                )),
            )
        })
}

/// `GET /healthz?detail=true`.
#[derive(serde::Deserialize)]
pub struct HealthQuery {
    #[serde(default)]
    detail: Option<bool>,
}

/// Health check
///
/// 200 once the database answers, 503 otherwise. Served at `/healthz`, outside `/api`. With
/// `detail=true`, on PostgreSQL, the answer also shows the change-notification listener that
/// keeps this instance's caches in step with the other instances (`notifications`).
#[utoipa::path(get, path = "/healthz", tag = "meta",
    params(("detail" = Option<bool>, Query, description = "Add the change-notification listener's state (PostgreSQL)")),
    responses(
        (status = 200, description = "The server and its database are up", body = schemas::Health),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 503, description = "The database does not answer", body = ErrorBody),
    ))]
pub async fn healthz(
    State(state): State<AppState>,
    extractors::ApiQuery(query): extractors::ApiQuery<HealthQuery>,
) -> Result<Json<schemas::Health>, error::ApiError> {
    // A load balancer's probe gives up after a second or two: answer 503 by then rather than
    // wait out the pool's acquire timeout while the database is down.
    match tokio::time::timeout(std::time::Duration::from_secs(1), state.db.ping()).await {
        Ok(Ok(())) => {}
        _ => return Err(ServiceError::Unavailable.into()),
    }
    let detail = query.detail == Some(true);
    // Figures the listener keeps: never waits for it.
    let notifications = detail.then(|| state.notifications.health()).flatten();
    Ok(Json(schemas::Health {
        status: "ok".to_owned(),
        notifications,
    }))
}
