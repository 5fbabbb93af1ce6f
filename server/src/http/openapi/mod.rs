//! The OpenAPI 3 document of the REST API (`GET /api/openapi.json`) and a page that renders it
//! (`GET /api/docs`), built on the server because the CSP allows no viewer from a CDN.
//!
//! Every route in [`super::api_routes`] must be listed in [`ApiDoc`]; the `openapi` integration
//! test fails otherwise. Three files: the document and its two routes (here), the types only the
//! document names (`schemas.rs`), and the page that renders it (`docs_page.rs`).
mod docs_page;

use std::sync::LazyLock;

use axum::{
    http::{header, HeaderValue},
    response::{Html, IntoResponse, Response},
};
use serde_json::Value;
use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use docs_page::render_docs;

use super::{
    admin_routes, ai_routes, auth_routes, budget_routes, chat_routes, hiring_routes,
    openapi_errors::StandardErrors, privacy_routes, profile_routes, resume_routes,
    screening_routes, usage_routes, workspace_routes,
};

/// The whole document: the meta routes declared here, every `*_routes.rs` file's own `Doc`
/// (each lists its handlers, so a new route is documented where it is written), then the
/// security schemes and the standard error responses over all of it.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    for part in [
        auth_routes::Doc::openapi(),
        profile_routes::Doc::openapi(),
        usage_routes::Doc::openapi(),
        budget_routes::Doc::openapi(),
        ai_routes::Doc::openapi(),
        chat_routes::Doc::openapi(),
        resume_routes::Doc::openapi(),
        admin_routes::Doc::openapi(),
        workspace_routes::Doc::openapi(),
        hiring_routes::Doc::openapi(),
        screening_routes::Doc::openapi(),
        privacy_routes::Doc::openapi(),
    ] {
        document.merge(part);
    }
    SecuritySchemes.modify(&mut document);
    StandardErrors.modify(&mut document);
    document
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Hirekey REST API",
        description = "Hirekey's REST API: accounts, personal AI keys (bring your own LLM key), \
AI calls on the resolved key, resumes and candidates, usage, and the admin area. Authenticate \
with `Authorization: Bearer <token>` (the token from register or login) or, in a browser, the \
`hirekey_session` cookie. Candidates, resumes and conversations belong to a workspace: a \
request acts on the one named by an `X-Workspace-Id` header (404 when the caller is not a \
member), else the caller's current workspace (`PUT /api/v1/workspaces/current`). Every error \
is answered as `{\"error\", \"message\"}`."
    ),
    paths(super::healthz, openapi_json, docs_page),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "profile", description = "The caller's personal AI keys"),
        (name = "usage", description = "What the caller's keys are doing"),
        (name = "ai", description = "AI calls on the caller's resolved key"),
        (name = "candidates", description = "Resume upload and candidates: resume versions, duplicates, notes and the timeline"),
        (name = "jobs", description = "Jobs, their pipeline stages and the applications moving through them"),
        (name = "screening", description = "AI screening of a job's applicants against its criteria, with checked quotes"),
        (name = "workspaces", description = "Workspaces, switching between them, and their members"),
        (name = "admin", description = "Admins only: users, sign-up invites, the system key and the key policy"),
        (name = "meta", description = "Health and this documentation"),
    )
)]
pub struct ApiDoc;

/// `bearer_auth` (the JWT from register or login) and `session_cookie` (the browser session).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The `token` from register or login, valid for 24 hours",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                app::api::session::SESSION_COOKIE,
                "The browser session (HttpOnly). Requests that change state must come from this origin.",
            ))),
        );
    }
}

/// Every error: `{"error": "<kind>", "message": "<sentence for the user>"}`, the one type the
/// pages read too.
pub use types::ErrorBody;

/// The document as JSON, built once.
static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::to_value(document()).unwrap_or(Value::Null));
static DOCUMENT_TEXT: LazyLock<String> = LazyLock::new(|| DOCUMENT.to_string());
static DOCS_PAGE: LazyLock<String> = LazyLock::new(|| render_docs(&DOCUMENT));

/// The OpenAPI document
///
/// This API's OpenAPI 3 document (JSON).
#[utoipa::path(get, path = "/api/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        DOCUMENT_TEXT.as_str(),
    )
        .into_response()
}

/// The API documentation page
///
/// The OpenAPI document as a readable HTML page: every path, method, summary, parameter and
/// request and response schema.
#[utoipa::path(get, path = "/api/docs", tag = "meta",
    responses((status = 200, description = "The documentation page", content_type = "text/html")))]
pub async fn docs_page() -> Html<&'static str> {
    Html(DOCS_PAGE.as_str())
}
