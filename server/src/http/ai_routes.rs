//! The second seed's AI endpoints: `/api/ai/chat`, `/api/ai/code-completion`,
//! `/api/ai/generate-code`, all on the caller's resolved key.
use crate::http::error::ApiResult;
use std::time::Instant;
use types::ErrorBody;

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue},
    response::{sse::Event, IntoResponse, Response},
    Json,
};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

use super::{
    extractors::ApiJson,
    openapi_errors,
    schemas::{AnswerMeta, ChatResponse, CodeCompletionResponse, GenerateCodeResponse},
    sse,
};
use hirekey_core::{
    error::ServiceError,
    providers::{ChatMessage, StreamItem},
    services::{
        ai::{self, AiAnswer, Feature},
        assistant::{self, MAX_PROMPT_CHARS},
    },
    session::Member,
    state::AppState,
};

/// This file's routes in the OpenAPI document (`openapi::document` merges it).
#[derive(utoipa::OpenApi)]
#[openapi(paths(chat, code_completion, generate_code))]
pub struct Doc;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChatRequest {
    messages: Vec<ChatMessage>,
    #[serde(default)]
    stream: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CodeCompletionRequest {
    code: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    cursor: Option<usize>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct GenerateCodeRequest {
    prompt: String,
    #[serde(default)]
    language: String,
}

/// A streamed chat's first event, `meta`: which key, model and provider answer. Fields in the
/// alphabetical order of their keys, as the body always had.
#[derive(Serialize)]
struct StreamMeta<'a> {
    key_source: &'a str,
    model: &'a str,
    provider: &'a str,
}

/// A streamed chat's `done` event: the tokens used (null when the provider did not say).
#[derive(Serialize)]
struct StreamDone {
    usage: serde_json::Value,
}

fn meta(answer: &AiAnswer) -> AnswerMeta {
    AnswerMeta {
        budget_warning: answer.budget_warning.clone(),
        key_source: answer.source.as_str(),
        model: answer.model.clone(),
        provider: answer.provider.as_str(),
        usage: answer.usage,
    }
}

/// `Server-Timing: hirekey;dur=<ms spent in Hirekey before the provider call>`.
fn server_timing(answer: &AiAnswer) -> [(header::HeaderName, HeaderValue); 1] {
    let value = format!("hirekey;dur={:.3}", answer.overhead_us as f64 / 1000.0);
    [(
        header::HeaderName::from_static("server-timing"),
        HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("hirekey")),
    )]
}

fn check_messages(messages: &[ChatMessage]) -> ApiResult<()> {
    if messages.is_empty() {
        return Err(
            ServiceError::Validation("messages must hold at least one message".into()).into(),
        );
    }
    if let Some(m) = messages
        .iter()
        .find(|m| !matches!(m.role.as_str(), "system" | "user" | "assistant"))
    {
        return Err(ServiceError::Validation(format!(
            "Unknown role '{}': use system, user or assistant",
            m.role.chars().take(20).collect::<String>()
        ))
        .into());
    }
    if messages.iter().map(|m| m.content.len()).sum::<usize>() > MAX_PROMPT_CHARS {
        return Err(ServiceError::Validation("The messages are too long".into()).into());
    }
    Ok(())
}

/// Chat
///
/// One answer on the caller's resolved key (personal, else the system key unless a personal
/// key is required). With `"stream": true` or `Accept: text/event-stream`, the answer streams
/// as server-sent events: `meta`, then `{"token"}` data events, then `done` with the usage
/// (or `error`), then `[DONE]`.
#[utoipa::path(post, path = "/api/ai/chat", tag = "ai",
    request_body = ChatRequest,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The answer, or its event stream", content(
            (ChatResponse = "application/json"),
            (openapi_errors::SseEvent = "text/event-stream"),
        )),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "API key required: no usable personal key and no system fallback; or the caller is a viewer in the current workspace", body = ErrorBody),
        (status = 422, description = "Invalid request, or the provider rejected the key or model", body = ErrorBody),
        (status = 429, description = "Rate limited (system-key quota or the provider's); see Retry-After", body = ErrorBody),
        (status = 502, description = "The provider failed", body = ErrorBody),
        (status = 504, description = "The provider timed out", body = ErrorBody),
    ))]
pub async fn chat(
    State(state): State<AppState>,
    user: Member,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ChatRequest>,
) -> ApiResult<Response> {
    check_messages(&req.messages)?;
    if req.stream || sse::accepts_event_stream(&headers) {
        let started = Instant::now();
        let (resolved, tokens) = ai::stream(&state, &user, Feature::Chat, &req.messages).await?;
        let overhead = started.elapsed();
        let first = Event::default().event("meta").json_data(StreamMeta {
            key_source: resolved.source.as_str(),
            model: &resolved.target.model,
            provider: resolved.target.provider.as_str(),
        });
        let events = futures::stream::iter(std::iter::once(first)).chain(tokens.map(|item| {
            match item {
                Ok(StreamItem::Token(t)) => sse::token_event(&t),
                Ok(StreamItem::Done { usage }) => {
                    // As a JSON value, its keys in alphabetical order, as the event always had.
                    let usage = serde_json::to_value(usage).unwrap_or_default();
                    Event::default()
                        .event("done")
                        .json_data(StreamDone { usage })
                }
                Err(e) => sse::error_event(&ServiceError::Provider(e)),
            }
        }));
        let mut response = sse::respond(events);
        if let Ok(v) = HeaderValue::from_str(&format!(
            "hirekey;dur={:.3}",
            overhead.as_secs_f64() * 1000.0
        )) {
            response.headers_mut().insert("server-timing", v);
        }
        return Ok(response);
    }
    let answer = ai::complete(&state, &user, Feature::Chat, &req.messages, None).await?;
    let timing = server_timing(&answer);
    let body = ChatResponse {
        meta: meta(&answer),
        message: ChatMessage::new("assistant", answer.content),
    };
    Ok((timing, Json(body)).into_response())
}

/// Code completion
///
/// The code that goes at the cursor (the end of `code` when `cursor` is absent).
#[utoipa::path(post, path = "/api/ai/code-completion", tag = "ai",
    request_body = CodeCompletionRequest,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The completion", body = CodeCompletionResponse),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "API key required: no usable personal key and no system fallback; or the caller is a viewer in the current workspace", body = ErrorBody),
        (status = 422, description = "Invalid request, or the provider rejected the key or model", body = ErrorBody),
        (status = 429, description = "Rate limited (system-key quota or the provider's); see Retry-After", body = ErrorBody),
        (status = 502, description = "The provider failed", body = ErrorBody),
        (status = 504, description = "The provider timed out", body = ErrorBody),
    ))]
pub async fn code_completion(
    State(state): State<AppState>,
    user: Member,
    ApiJson(req): ApiJson<CodeCompletionRequest>,
) -> ApiResult<Response> {
    let answer =
        assistant::complete_code(&state, &user, &req.code, &req.language, req.cursor).await?;
    let timing = server_timing(&answer);
    let body = CodeCompletionResponse {
        meta: meta(&answer),
        completion: answer.content,
        language: req.language,
    };
    Ok((timing, Json(body)).into_response())
}

/// Code generation
///
/// Code for the prompt, in one fenced block.
#[utoipa::path(post, path = "/api/ai/generate-code", tag = "ai",
    request_body = GenerateCodeRequest,
    security(("bearer_auth" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The generated code", body = GenerateCodeResponse),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "API key required: no usable personal key and no system fallback; or the caller is a viewer in the current workspace", body = ErrorBody),
        (status = 422, description = "Invalid request, or the provider rejected the key or model", body = ErrorBody),
        (status = 429, description = "Rate limited (system-key quota or the provider's); see Retry-After", body = ErrorBody),
        (status = 502, description = "The provider failed", body = ErrorBody),
        (status = 504, description = "The provider timed out", body = ErrorBody),
    ))]
pub async fn generate_code(
    State(state): State<AppState>,
    user: Member,
    ApiJson(req): ApiJson<GenerateCodeRequest>,
) -> ApiResult<Response> {
    let answer = assistant::generate_code(&state, &user, &req.prompt, &req.language).await?;
    let timing = server_timing(&answer);
    let body = GenerateCodeResponse {
        meta: meta(&answer),
        code: answer.content,
        language: req.language,
    };
    Ok((timing, Json(body)).into_response())
}
