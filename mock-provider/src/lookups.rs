//! The read-only provider routes: `GET /models` (the model ids, with OpenRouter's prices) and
//! OpenRouter's `GET /api/v1/key` (the key's credit).
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::headers::{bearer_token, rate_limit_headers};
use crate::{
    admit, wire, Admitted, Behavior, MockState, RecordedRequest, DEFAULT_MODELS, KEY_CREDIT_LIMIT,
    KEY_CREDIT_USED, MODEL_PRICES, REQUEST_LIMIT,
};

pub(crate) async fn list_models(
    State(state): State<MockState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let request = RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        api_key: bearer_token(&headers),
        model: None,
        stream: false,
        messages: Vec::new(),
    };
    // OpenRouter lists its models (and their prices) to anyone, key or not.
    let public = request.api_key.is_none() && uri.path().starts_with("/api/v1/");
    let admitted = if public {
        state.record(request);
        Admitted {
            behavior: Behavior::default(),
            remaining_requests: REQUEST_LIMIT,
            paced: None,
        }
    } else {
        match admit(&state, &headers, request).await {
            Ok(admitted) => admitted,
            Err(response) => return response,
        }
    };
    // A reflecting upstream lists the key, whole and in part, among the model ids.
    let reflected = bearer_token(&headers)
        .filter(|_| admitted.behavior.reflect)
        .map(|key| {
            let half = key
                .chars()
                .skip(key.chars().count() / 2)
                .collect::<String>();
            vec![key.clone(), format!("ft:{key}"), format!("mirror-{half}")]
        })
        .unwrap_or_default();
    let data = DEFAULT_MODELS
        .iter()
        .map(|&id| id.to_owned())
        .chain(reflected)
        .map(|id| {
            let (owned_by, context_window) = match id.as_str() {
                "openai/gpt-oss-20b" => ("OpenAI", 131_072),
                "deepseek-chat" => ("DeepSeek", 65_536),
                _ => ("Meta", 131_072),
            };
            let (prompt, completion) = MODEL_PRICES
                .iter()
                .find(|(model, _, _)| *model == id)
                .map_or(("", ""), |&(_, p, c)| (p, c));
            wire::Model {
                id,
                object: "model",
                created: 1_693_721_698,
                owned_by,
                active: true,
                context_window,
                pricing: wire::Pricing { prompt, completion },
            }
        })
        .collect();
    (
        rate_limit_headers(admitted.remaining_requests, 0),
        Json(wire::ModelList {
            object: "list",
            data,
        }),
    )
        .into_response()
}

/// OpenRouter's `GET /api/v1/key`: the key's credit use and limit.
pub(crate) async fn key_info(
    State(state): State<MockState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let key = bearer_token(&headers).unwrap_or_default();
    let request = RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        api_key: Some(key.clone()),
        model: None,
        stream: false,
        messages: Vec::new(),
    };
    let admitted = match admit(&state, &headers, request).await {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    let (usage, limit) = if key.contains("unlimited") {
        (KEY_CREDIT_USED, None)
    } else if key.contains("spent") {
        (KEY_CREDIT_LIMIT, Some(KEY_CREDIT_LIMIT))
    } else {
        (KEY_CREDIT_USED, Some(KEY_CREDIT_LIMIT))
    };
    let data = wire::KeyData {
        label: "mock key".to_owned(),
        usage,
        limit,
        limit_remaining: limit.map(|l| (l - usage).max(0.0)),
        is_free_tier: false,
    };
    (
        rate_limit_headers(admitted.remaining_requests, 0),
        Json(wire::KeyInfo { data }),
    )
        .into_response()
}
