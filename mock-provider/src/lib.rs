//! An OpenAI-compatible mock LLM provider that behaves like Groq and OpenRouter.
//!
//! Hirekey's integration tests, Playwright tests, benchmarks and `make run-mock`
//! point the app at this server instead of a paid provider. The same handlers
//! are served at the root, under Groq's `/openai/v1` and under OpenRouter's
//! `/api/v1`, so any of those works as a base URL.
//!
//! Behaviour is chosen by the API key (or by an `x-mock-behavior` header that
//! overrides it): keys containing `invalid`/`revoked`, `ratelimit`, `nocredit`,
//! `fail500`, `slow`, `cutstream` or `drip` (a slow stream) trigger the matching mode; any other
//! key is valid. A key containing `rpm30` is limited as a Groq free-tier key is: 30 requests per
//! window ([`PACED_LIMIT`]; the window is a minute unless [`MockState::set_paced_window`] or
//! `MOCK_PACED_WINDOW_MS` says otherwise), with real `x-ratelimit-*` figures and a 429 with
//! `retry-after` when exceeded. A key containing `invent` answers screening prompts with a
//! quote that is in no resume ([`screening::INVENTED_QUOTE`]); one containing `nolimit` is
//! answered without rate-limit headers, as a local model is. A key containing `reflect` is echoed back, as a careless or hostile upstream
//! would: in the message and code of every error body and as model ids of `GET /models`
//! (combine it with another word to choose the error, e.g. `reflect-invalid`).
//! Answers are deterministic: `<criteria>` with `<candidate_resume>` yields screening verdicts
//! quoting the resume, `<job_description>` drafted criteria, a `<resume>...</resume>` in any
//! message yields a JSON analysis of
//! it, a `<context>...</context>` in a system message yields the context lines matching the
//! last user message, and anything else is echoed as `Mock answer to: ...`.
//!
//! Every request to a provider route is recorded (see [`MockState::requests`])
//! and answered with Groq-style `x-ratelimit-*` headers.

mod answer;
mod completion;
mod headers;
mod lookups;
mod paced;
pub mod screening;
mod wire;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, OriginalUri, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use completion::{stream_response, Completion};
use headers::{bearer_token, header_str, header_u64, rate_limit_headers};
use lookups::{key_info, list_models};
use paced::{paced_headers, Paced};
pub use paced::{PACED_LIMIT, PACED_WINDOW};
use wire::{ErrorBody, ErrorCode};

/// Model ids listed by `GET /models`.
pub const DEFAULT_MODELS: &[&str] = &[
    "llama-3.1-8b-instant",
    "llama-3.3-70b-versatile",
    "openai/gpt-oss-20b",
    "deepseek-chat",
];

/// The prices `GET /models` lists, as OpenRouter does: `(model, USD per prompt token, USD per
/// completion token)`. A model not here is listed without a price.
pub const MODEL_PRICES: &[(&str, &str, &str)] = &[
    ("llama-3.1-8b-instant", "0.00000005", "0.00000008"),
    ("llama-3.3-70b-versatile", "0.00000059", "0.00000079"),
    ("openai/gpt-oss-20b", "0.00000004", "0.00000016"),
];

/// `GET /api/v1/key`'s credit figures for a key (in US dollars): a limit of 10 with 2.5 used;
/// keys containing `spent` have used all 10, `unlimited` keys have no limit.
pub const KEY_CREDIT_LIMIT: f64 = 10.0;
pub const KEY_CREDIT_USED: f64 = 2.5;

/// The model name that always answers 404 `model_not_found`.
pub const UNKNOWN_MODEL: &str = "unknown-model";

/// Header that overrides the behaviour derived from the API key.
pub const BEHAVIOR_HEADER: &str = "x-mock-behavior";
/// Header with a delay in milliseconds applied before answering.
pub const DELAY_HEADER: &str = "x-mock-delay-ms";
/// Header with a delay in milliseconds between streamed chunks.
pub const CHUNK_DELAY_HEADER: &str = "x-mock-chunk-delay-ms";

const REQUEST_LIMIT: u32 = 14_400;
const TOKEN_LIMIT: u64 = 6_000;
const DEFAULT_SLOW_MS: u64 = 3_000;
/// The pause between streamed chunks for keys containing `drip`.
pub const DRIP_CHUNK_MS: u64 = 200;
/// Resumes and long chats can exceed axum's 2 MB default.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// One request received on a `/models` or `/chat/completions` route.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Full request path including any provider prefix, e.g. `/openai/v1/chat/completions`.
    pub path: String,
    /// Bearer token from the `Authorization` header.
    pub api_key: Option<String>,
    /// Requested model, when the body had one.
    pub model: Option<String>,
    /// Whether a streamed answer was requested.
    pub stream: bool,
    /// Chat messages as sent (content parts flattened to text).
    pub messages: Vec<RecordedMessage>,
}

/// One chat message of a [`RecordedRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedMessage {
    /// `system`, `user`, `assistant`, ...
    pub role: String,
    /// Text content.
    pub content: String,
}

/// Shared state of a mock server: recorded requests and rate-limit counters.
#[derive(Clone, Debug, Default)]
pub struct MockState {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    requests: Mutex<Vec<RecordedRequest>>,
    /// Remaining request budget per API key.
    remaining: Mutex<HashMap<String, u32>>,
    completions: AtomicU64,
    /// Paced keys: when each one's window started and how many requests it has taken.
    windows: Mutex<HashMap<String, (std::time::Instant, u32)>>,
    /// The paced window in milliseconds (0: [`PACED_WINDOW`]).
    window_ms: AtomicU64,
    /// Requests answered 429 because a paced key was over its limit.
    paced_rejections: AtomicU64,
}

impl MockState {
    /// Fresh state with nothing recorded and full rate-limit budgets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.requests).clone()
    }

    /// Forgets all recorded requests.
    pub fn clear(&self) {
        lock(&self.inner.requests).clear();
    }

    fn record(&self, request: RecordedRequest) {
        lock(&self.inner.requests).push(request);
    }

    /// Spends one request of `key`'s budget and returns what is left.
    fn take_request(&self, key: &str) -> u32 {
        let mut remaining = lock(&self.inner.remaining);
        let left = remaining.entry(key.to_owned()).or_insert(REQUEST_LIMIT);
        *left = left.saturating_sub(1);
        *left
    }

    fn next_completion_id(&self) -> String {
        let n = self.inner.completions.fetch_add(1, Ordering::Relaxed) + 1;
        format!("chatcmpl-mock-{n}")
    }
}

/// A poisoned lock only means another handler panicked mid-update; the data is
/// still usable for a mock, so keep serving.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A mock provider serving on loopback in a background tokio task.
///
/// The server lives as long as the tokio runtime it was started on.
#[derive(Clone, Debug)]
pub struct MockProvider {
    addr: SocketAddr,
    state: MockState,
}

impl MockProvider {
    /// Binds 127.0.0.1:port (0 = random) and serves in a background tokio task.
    pub async fn start(port: u16) -> anyhow::Result<MockProvider> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let state = MockState::new();
        let app = router(state.clone());
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!(%err, "mock provider stopped");
            }
        });
        Ok(MockProvider { addr, state })
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.requests()
    }

    /// Forgets all recorded requests.
    pub fn clear(&self) {
        self.state.clear();
    }

    /// The server's shared state.
    pub fn state(&self) -> &MockState {
        &self.state
    }
}

/// Builds the mock's router (shared by the binary and [`MockProvider::start`]).
///
/// Routes, each also under `/openai/v1` and `/api/v1`:
/// `GET /models` and `POST /chat/completions`. Plus `GET /__mock/requests`
/// (recorded requests as JSON) and `DELETE /__mock/requests` (clear).
pub fn router(state: MockState) -> Router {
    let api = || {
        Router::new()
            .route("/models", get(list_models))
            .route("/key", get(key_info))
            .route("/chat/completions", axum::routing::post(chat_completions))
    };
    Router::new()
        .nest("/openai/v1", api())
        .nest("/api/v1", api())
        .merge(api())
        .route(
            "/__mock/requests",
            get(get_requests).delete(delete_requests),
        )
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn get_requests(State(state): State<MockState>) -> Json<Vec<RecordedRequest>> {
    Json(state.requests())
}

async fn delete_requests(State(state): State<MockState>) -> StatusCode {
    state.clear();
    StatusCode::NO_CONTENT
}

async fn unknown_route(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    let body = ErrorBody::new(
        format!("Unknown request URL: {method} {}", uri.path()),
        Some("invalid_request_error"),
        Some(ErrorCode::Text("unknown_url")),
    );
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// Failure modes selected by the API key or the override header.
#[derive(Debug, Default, Clone, Copy)]
struct Behavior {
    invalid: bool,
    ratelimit: bool,
    nocredit: bool,
    fail500: bool,
    slow: bool,
    cutstream: bool,
    /// Streams each chunk [`DRIP_CHUNK_MS`] apart, like a provider under load.
    drip: bool,
    /// Echoes the key in error bodies and in the model list.
    reflect: bool,
    /// Limited to [`PACED_LIMIT`] requests per window.
    paced: bool,
    /// Adds a quote found in no resume to screening verdicts.
    invent: bool,
    /// Sends no rate-limit headers, as a local model does.
    nolimit: bool,
}

impl Behavior {
    fn detect(source: &str) -> Self {
        Self {
            invalid: source.contains("invalid") || source.contains("revoked"),
            ratelimit: source.contains("ratelimit"),
            nocredit: source.contains("nocredit"),
            fail500: source.contains("fail500"),
            slow: source.contains("slow"),
            cutstream: source.contains("cutstream"),
            drip: source.contains("drip"),
            reflect: source.contains("reflect"),
            paced: source.contains("rpm30"),
            invent: source.contains("invent"),
            nolimit: source.contains("nolimit"),
        }
    }
}

/// Outcome of the checks every provider route shares.
struct Admitted {
    behavior: Behavior,
    remaining_requests: u32,
    /// A paced key's figures for the answer's headers.
    paced: Option<Paced>,
}

/// Records the request, spends rate-limit budget, applies delays and rejects
/// bad keys; on success the caller answers.
async fn admit(
    state: &MockState,
    headers: &HeaderMap,
    request: RecordedRequest,
) -> Result<Admitted, Response> {
    let key = request.api_key.clone();
    tracing::debug!(method = %request.method, path = %request.path, model = ?request.model, "mock request");
    state.record(request);
    let remaining_requests = state.take_request(key.as_deref().unwrap_or(""));
    let behavior = match header_str(headers, BEHAVIOR_HEADER) {
        Some(value) => Behavior::detect(value),
        None => Behavior::detect(key.as_deref().unwrap_or("")),
    };

    let explicit_delay = header_u64(headers, DELAY_HEADER);
    let delay = match (explicit_delay, behavior.slow) {
        (Some(ms), _) => ms,
        (None, true) => DEFAULT_SLOW_MS,
        (None, false) => 0,
    };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }

    // A reflecting upstream repeats the key it was sent in the message and the code.
    let echoed = key.as_deref().filter(|_| behavior.reflect);
    let reject = |status, body: ErrorBody| {
        let body = match echoed {
            Some(key) => body.echoing(key),
            None => body,
        };
        error_response(status, body, remaining_requests)
    };
    if key.is_none() || behavior.invalid {
        return Err(reject(StatusCode::UNAUTHORIZED, invalid_key_body()));
    }
    if behavior.ratelimit {
        let mut response = reject(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorBody::new(
                "Rate limit reached for model `llama-3.1-8b-instant` in organization `org_mock` \
                 on requests per minute (RPM): Limit 30, Used 30, Requested 1. \
                 Please try again in 7s.",
                Some("requests"),
                Some(ErrorCode::Text("rate_limit_exceeded")),
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        return Err(response);
    }
    let mut paced = None;
    if behavior.paced {
        let standing = state.take_paced(key.as_deref().unwrap_or(""));
        if !standing.admitted {
            let seconds = standing.reset.as_secs_f64().ceil().max(1.0) as u64;
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                paced_headers(&standing),
                Json(ErrorBody::new(
                    format!(
                        "Rate limit reached for model `llama-3.1-8b-instant` in organization \
                         `org_mock` on requests per minute (RPM): Limit {PACED_LIMIT}, Used \
                         {PACED_LIMIT}, Requested 1. Please try again in {seconds}s."
                    ),
                    Some("requests"),
                    Some(ErrorCode::Text("rate_limit_exceeded")),
                )),
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Err(response);
        }
        paced = Some(standing);
    }
    if behavior.nocredit {
        return Err(reject(
            StatusCode::PAYMENT_REQUIRED,
            ErrorBody::new("Insufficient credits", None, Some(ErrorCode::Number(402))),
        ));
    }
    if behavior.fail500 {
        return Err(reject(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorBody::new("Internal server error", Some("internal_server_error"), None),
        ));
    }
    Ok(Admitted {
        behavior,
        remaining_requests,
        paced,
    })
}

fn invalid_key_body() -> ErrorBody {
    ErrorBody::new(
        "Invalid API Key",
        Some("invalid_request_error"),
        Some(ErrorCode::Text("invalid_api_key")),
    )
}

fn error_response(status: StatusCode, body: ErrorBody, remaining_requests: u32) -> Response {
    (
        status,
        rate_limit_headers(remaining_requests, 0),
        Json(body),
    )
        .into_response()
}

/// The parts of an OpenAI chat request the mock looks at.
#[derive(Deserialize)]
struct ChatRequest {
    model: Option<String>,
    messages: Option<Vec<ChatMessage>>,
    #[serde(default)]
    stream: Option<bool>,
}

#[derive(Deserialize)]
struct ChatMessage {
    #[serde(default)]
    role: String,
    #[serde(default)]
    content: Value,
}

/// Flattens OpenAI message content (string, content parts or null) to text.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

async fn chat_completions(
    State(state): State<MockState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed = serde_json::from_slice::<ChatRequest>(&body);
    let (model, stream, messages) = match &parsed {
        Ok(req) => (
            req.model.clone(),
            req.stream.unwrap_or(false),
            req.messages
                .iter()
                .flatten()
                .map(|m| RecordedMessage {
                    role: m.role.clone(),
                    content: content_text(&m.content),
                })
                .collect(),
        ),
        Err(_) => (None, false, Vec::new()),
    };
    let request = RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        api_key: bearer_token(&headers),
        model: model.clone(),
        stream,
        messages,
    };
    let messages = request.messages.clone();
    // Authentication comes before body validation, as on the real providers.
    let admitted = match admit(&state, &headers, request).await {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    let remaining = admitted.remaining_requests;

    let invalid = |message: String| {
        error_response(
            StatusCode::BAD_REQUEST,
            ErrorBody::new(message, Some("invalid_request_error"), None),
            remaining,
        )
    };
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(err) => return invalid(format!("Invalid JSON body: {err}")),
    };
    let Some(model) = model else {
        return invalid("`model` is required".to_owned());
    };
    if parsed.messages.is_none() {
        return invalid("`messages` is required".to_owned());
    }
    if model == UNKNOWN_MODEL {
        return error_response(
            StatusCode::NOT_FOUND,
            ErrorBody::new(
                format!("The model `{model}` does not exist or you do not have access to it."),
                Some("invalid_request_error"),
                Some(ErrorCode::Text("model_not_found")),
            ),
            remaining,
        );
    }

    let answer = answer::choose_answer(&messages, admitted.behavior.invent);
    let prompt_tokens = messages
        .iter()
        .map(|m| answer::count_tokens(&m.content))
        .sum::<u64>()
        .max(1);
    let completion_tokens = answer::count_tokens(&answer);
    let usage = wire::Usage {
        prompt_tokens,
        completion_tokens,
        total_tokens: prompt_tokens + completion_tokens,
    };
    let completion = Completion {
        id: state.next_completion_id(),
        created: unix_now(),
        model,
        answer,
        usage,
    };
    let chunk_delay =
        header_u64(&headers, CHUNK_DELAY_HEADER).unwrap_or(if admitted.behavior.drip {
            DRIP_CHUNK_MS
        } else {
            0
        });
    let headers = match &admitted.paced {
        Some(standing) => paced_headers(standing),
        None if admitted.behavior.nolimit => HeaderMap::new(),
        None => rate_limit_headers(remaining, prompt_tokens + completion_tokens),
    };
    if stream {
        stream_response(
            &completion,
            headers,
            Duration::from_millis(chunk_delay),
            admitted.behavior.cutstream,
        )
    } else {
        (headers, Json(completion.full_body())).into_response()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
