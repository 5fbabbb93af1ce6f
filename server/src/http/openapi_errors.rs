//! The error answers every route shares, declared once for the whole OpenAPI document: what the
//! extractors answer (400 for a malformed path, query or body; 413 and 415 for bodies; 422 for
//! text with a control character), what the guard answers a write from another site (403) and
//! what any route that reads the database may answer (503). Each route declares its own errors
//! (401, 403, 404, 409, 422, 429, ...) in its `#[utoipa::path]`.
use utoipa::{
    openapi::{path::Operation, ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder},
    Modify, ToSchema,
};

/// One server-sent event as `text/event-stream` answers carry them (the `data` of `token`,
/// `done` and `error` events is JSON text).
#[derive(ToSchema)]
pub struct SseEvent {
    /// The event's name (`candidates`, `meta`, `done`, `error`); absent for token events.
    pub event: Option<String>,
    /// The event's data: JSON, or `[DONE]` last.
    pub data: String,
    pub id: Option<String>,
    pub retry: Option<u64>,
}

pub struct StandardErrors;

/// Routes that never touch the database.
const STATIC_PATHS: [&str; 2] = ["/api/openapi.json", "/api/docs"];

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let reads_database = !STATIC_PATHS.contains(&path.as_str());
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                declare(operation, reads_database);
                // Whatever calls a provider on the caller's key may meet a budget.
                let calls_ai = operation.responses.responses.get("403").is_some_and(
                    |r| matches!(r, RefOr::T(r) if r.description.contains("API key required")),
                );
                if calls_ai {
                    add(
                        operation,
                        "402",
                        "Budget exceeded: the call would take the key's monthly budget past its limit, so nothing was sent; or the provider account has no credit",
                    );
                }
            }
            // Every write must come from this site (`http/guard.rs`).
            let writes = [
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for operation in writes.into_iter().flatten() {
                add(
                    operation,
                    "403",
                    "A request from another site (its Origin or Referer is not this server's)",
                );
            }
        }
    }
}

fn declare(operation: &mut Operation, reads_database: bool) {
    let has_input = operation.parameters.as_ref().is_some_and(|p| !p.is_empty())
        || operation.request_body.is_some();
    if has_input {
        add(
            operation,
            "400",
            "Malformed input: a path, query or body that does not parse",
        );
        add(
            operation,
            "422",
            "Text with a control character, or a body without the fields and types this route reads",
        );
    }
    if operation.request_body.is_some() {
        add(operation, "413", "The body is too large");
        add(
            operation,
            "415",
            "The body is not in a content type this route reads",
        );
        add(
            operation,
            "422",
            "The body does not have the fields and types this route reads",
        );
    }
    if reads_database {
        add(operation, "503", "The database is not available right now");
    }
}

fn add(operation: &mut Operation, status: &str, description: &str) {
    let responses = &mut operation.responses.responses;
    if !responses.contains_key(status) {
        responses.insert(status.to_owned(), RefOr::T(error_response(description)));
    }
}

fn error_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}
