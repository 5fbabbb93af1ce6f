//! AI chat over the candidate database and semantic search (the first seed's
//! `/api/v1/ai/chat` and `/api/v1/ai/search`), and the conversation history. The handlers only
//! translate HTTP; the work is in `services::chat`.
use crate::http::error::ApiResult;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{sse::Event, IntoResponse, Response},
    Json,
};
use futures::{Stream, StreamExt};
use serde::Deserialize;
use types::chat::{
    ChatAnswer, ChatQuery, ConversationDetail, ConversationSummary, ConversationTitle,
    SearchAnswer, SearchQuery, StreamStart,
};
use types::ErrorBody;

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    chat,
    search,
    list_conversations,
    get_conversation,
    rename_conversation,
    delete_conversation
))]
pub struct Doc;

use super::{
    extractors::{path_id, ApiJson, ApiPath, ApiQuery},
    openapi_errors, sse, ApiRoute,
};
use hirekey_core::{
    services::chat::{self, AnswerEvent},
    session::Member,
    state::AppState,
};

pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::post("/v1/ai/chat", chat),
        ApiRoute::post("/v1/ai/search", search),
        ApiRoute::get("/v1/ai/conversations", list_conversations),
        ApiRoute::get("/v1/ai/conversations/{id}", get_conversation),
        ApiRoute::patch("/v1/ai/conversations/{id}", rename_conversation),
        ApiRoute::delete("/v1/ai/conversations/{id}", delete_conversation),
    ]
}

/// `?stream=true` asks for server-sent events.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParam {
    /// Stream the answer as server-sent events (also chosen by `Accept: text/event-stream`).
    #[serde(default)]
    stream: Option<bool>,
}

fn wants_stream(param: &StreamParam, headers: &HeaderMap) -> bool {
    param.stream.unwrap_or(false) || sse::accepts_event_stream(headers)
}

/// `candidates`, then `{"token"}` data events, then `done` or `error`, then `[DONE]`.
fn answer_stream(
    start: StreamStart,
    events: impl Stream<Item = AnswerEvent> + Send + 'static,
) -> Response {
    let first = Event::default().event("candidates").json_data(&start);
    let rest = events.map(|event| match event {
        AnswerEvent::Token(token) => sse::token_event(&token),
        AnswerEvent::Done(done) => Event::default().event("done").json_data(&done),
        AnswerEvent::Failed(e) => sse::error_event(&e),
    });
    sse::respond(futures::stream::iter([first]).chain(rest))
}

/// Ask about your candidates
///
/// Finds the caller's candidates that best match `query_text` (full-text, ranked), gives the
/// model only those plus the conversation's earlier turns, and answers on the caller's resolved
/// key. The question is stored first; a failed answer is stored marked incomplete. With
/// `?stream=true` or `Accept: text/event-stream` the answer streams: a `candidates` event
/// (`StreamStart`), `{"token"}` data events, `done` (`StreamDone`) or `error`, then `[DONE]`.
#[utoipa::path(post, path = "/api/v1/ai/chat", tag = "ai",
    params(StreamParam),
    request_body = ChatQuery,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The answer and the candidates it drew on, or its event stream", content(
            (ChatAnswer = "application/json"),
            (openapi_errors::SseEvent = "text/event-stream"),
        )),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "API key required: no usable personal key and no system fallback; or the caller is a viewer in the current workspace", body = ErrorBody),
        (status = 404, description = "No such conversation of the caller's", body = ErrorBody),
        (status = 422, description = "Invalid request, or the provider rejected the key or model", body = ErrorBody),
        (status = 429, description = "Rate limited (system-key quota or the provider's); see Retry-After", body = ErrorBody),
        (status = 502, description = "The provider failed", body = ErrorBody),
        (status = 504, description = "The provider timed out", body = ErrorBody),
    ))]
pub async fn chat(
    State(state): State<AppState>,
    user: Member,
    headers: HeaderMap,
    ApiQuery(param): ApiQuery<StreamParam>,
    ApiJson(query): ApiJson<ChatQuery>,
) -> ApiResult<Response> {
    if wants_stream(&param, &headers) {
        let (start, events) = chat::ask_streaming(&state, &user, query).await?;
        return Ok(answer_stream(start, events));
    }
    Ok(Json(chat::ask(&state, &user, query).await?).into_response())
}

/// Semantic search
///
/// The caller's candidates ranked for `query` (at most `limit`, 10 by default, 50 at most),
/// each with a short reason, and the model's answer over them. Streams like the chat.
#[utoipa::path(post, path = "/api/v1/ai/search", tag = "ai",
    params(StreamParam),
    request_body = SearchQuery,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Ranked candidates and the answer, or its event stream", content(
            (SearchAnswer = "application/json"),
            (openapi_errors::SseEvent = "text/event-stream"),
        )),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "API key required: no usable personal key and no system fallback; or the caller is a viewer in the current workspace", body = ErrorBody),
        (status = 422, description = "Invalid request, or the provider rejected the key or model", body = ErrorBody),
        (status = 429, description = "Rate limited (system-key quota or the provider's); see Retry-After", body = ErrorBody),
        (status = 502, description = "The provider failed", body = ErrorBody),
        (status = 504, description = "The provider timed out", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    user: Member,
    headers: HeaderMap,
    ApiQuery(param): ApiQuery<StreamParam>,
    ApiJson(query): ApiJson<SearchQuery>,
) -> ApiResult<Response> {
    if wants_stream(&param, &headers) {
        let (start, events) = chat::search_streaming(&state, &user, query).await?;
        return Ok(answer_stream(start, events));
    }
    Ok(Json(chat::search(&state, &user, query).await?).into_response())
}

/// List conversations
///
/// The caller's AI chat conversations, most recently active first.
#[utoipa::path(get, path = "/api/v1/ai/conversations", tag = "ai",
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The conversations", body = [ConversationSummary]),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ))]
pub async fn list_conversations(
    State(state): State<AppState>,
    user: Member,
) -> ApiResult<Json<Vec<ConversationSummary>>> {
    Ok(Json(chat::conversations::list(&state, &user).await?))
}

/// Open a conversation
///
/// The conversation and its messages, oldest first.
#[utoipa::path(get, path = "/api/v1/ai/conversations/{id}", tag = "ai",
    params(("id" = Uuid, Path, description = "The conversation's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The conversation", body = ConversationDetail),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such conversation of the caller's", body = ErrorBody),
    ))]
pub async fn get_conversation(
    State(state): State<AppState>,
    user: Member,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ConversationDetail>> {
    Ok(Json(
        chat::conversations::get(&state, &user, path_id(&id, "Conversation")?).await?,
    ))
}

/// Rename a conversation
#[utoipa::path(patch, path = "/api/v1/ai/conversations/{id}", tag = "ai",
    params(("id" = Uuid, Path, description = "The conversation's id")),
    request_body = ConversationTitle,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The renamed conversation", body = ConversationSummary),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such conversation of the caller's", body = ErrorBody),
        (status = 422, description = "Empty title", body = ErrorBody),
    ))]
pub async fn rename_conversation(
    State(state): State<AppState>,
    user: Member,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ConversationTitle>,
) -> ApiResult<Json<ConversationSummary>> {
    Ok(Json(
        chat::conversations::rename(&state, &user, path_id(&id, "Conversation")?, &body.title)
            .await?,
    ))
}

/// Delete a conversation
///
/// The conversation and all its messages.
#[utoipa::path(delete, path = "/api/v1/ai/conversations/{id}", tag = "ai",
    params(("id" = Uuid, Path, description = "The conversation's id")),
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such conversation of the caller's", body = ErrorBody),
    ))]
pub async fn delete_conversation(
    State(state): State<AppState>,
    user: Member,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    chat::conversations::delete(&state, &user, path_id(&id, "Conversation")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_chosen_by_query_or_accept() {
        let mut headers = HeaderMap::new();
        assert!(!wants_stream(&StreamParam { stream: None }, &headers));
        assert!(wants_stream(&StreamParam { stream: Some(true) }, &headers));
        headers.insert(
            axum::http::header::ACCEPT,
            axum::http::HeaderValue::from_static("text/event-stream"),
        );
        assert!(wants_stream(&StreamParam { stream: None }, &headers));
    }
}
