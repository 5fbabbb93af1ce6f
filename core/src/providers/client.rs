//! The one OpenAI-compatible client: a pooled reqwest client shared by the whole server.
use std::{pin::Pin, sync::Arc, time::Duration};

use futures::{Stream, StreamExt};
use reqwest::{header::HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::{
    outbound::{self, GuardedResolver, OutboundPolicy, Route, UrlSource},
    sse::SseParser,
    Provider,
};
use crate::vault::Secret;

/// Where a call goes: provider, base URL (and who chose it), key and model.
#[derive(Clone, Debug)]
pub struct Target {
    pub provider: Provider,
    pub base_url: String,
    pub url_source: UrlSource,
    pub api_key: Secret,
    pub model: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            content: content.into(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: i64,
    #[serde(default)]
    pub completion_tokens: i64,
}

/// What the provider said about the key's remaining quota.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateLimitSnapshot {
    pub limit_requests: Option<i64>,
    pub remaining_requests: Option<i64>,
    pub limit_tokens: Option<i64>,
    pub remaining_tokens: Option<i64>,
    pub reset_requests: Option<String>,
    pub reset_tokens: Option<String>,
}

impl RateLimitSnapshot {
    fn from_headers(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let num = |name: &str| text(name).and_then(|v| v.trim().parse::<i64>().ok());
        Self {
            limit_requests: num("x-ratelimit-limit-requests"),
            remaining_requests: num("x-ratelimit-remaining-requests"),
            limit_tokens: num("x-ratelimit-limit-tokens"),
            remaining_tokens: num("x-ratelimit-remaining-tokens"),
            reset_requests: text("x-ratelimit-reset-requests"),
            reset_tokens: text("x-ratelimit-reset-tokens"),
        }
    }
}

/// A completed (non-streamed) answer.
#[derive(Clone, Debug)]
pub struct ChatOutput {
    pub content: String,
    pub usage: Usage,
    pub rate_limit: RateLimitSnapshot,
}

/// One step of a streamed answer.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamItem {
    Token(String),
    Done { usage: Option<Usage> },
}

pub type ChatStream = Pin<Box<dyn Stream<Item = Result<StreamItem, ProviderError>> + Send>>;

pub use crate::error::ProviderError;

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelEntry>,
}

#[derive(Deserialize)]
struct ModelEntry {
    id: String,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<ChoiceMessage>,
    #[serde(default)]
    delta: Option<ChoiceMessage>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    x_groq: Option<GroqExtra>,
}

#[derive(Deserialize)]
struct GroqExtra {
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    stream: bool,
    temperature: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
}

/// The shared HTTP clients: one for the URLs the operator configured, one whose resolver only
/// connects to public addresses, for URLs users typed ([`outbound`]). Neither follows
/// redirects, so an allowed host cannot bounce a call to a local one.
#[derive(Clone)]
pub struct ProviderClient {
    trusted: reqwest::Client,
    guarded: reqwest::Client,
    policy: Arc<OutboundPolicy>,
}

/// At most this many model ids are passed on from a key test, each at most this long.
const MAX_MODELS: usize = 500;
const MAX_MODEL_ID_CHARS: usize = 200;

/// A text holding this many consecutive characters of a key (or the whole of a shorter key)
/// gives the key away.
const KEY_FRAGMENT_CHARS: usize = 8;

impl ProviderClient {
    pub fn new(timeout: Duration, policy: OutboundPolicy) -> anyhow::Result<Self> {
        Self::with_resolver(timeout, policy, GuardedResolver::system())
    }

    /// As [`ProviderClient::new`], with the guard around another resolver (for tests).
    pub fn with_resolver(
        timeout: Duration,
        policy: OutboundPolicy,
        resolver: GuardedResolver,
    ) -> anyhow::Result<Self> {
        // The one place an HTTP client is built (clippy.toml): with the outbound guard,
        // the timeouts and no redirects.
        #[allow(clippy::disallowed_methods)]
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5).min(timeout))
                .read_timeout(timeout)
                .pool_max_idle_per_host(256)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("hirekey/", env!("CARGO_PKG_VERSION")))
        };
        Ok(Self {
            trusted: builder().build()?,
            guarded: builder().dns_resolver(Arc::new(resolver)).build()?,
            policy: Arc::new(policy),
        })
    }

    /// The operator's allow-list, for the admin page.
    pub fn allowed_hosts(&self) -> Vec<String> {
        self.policy.entries()
    }

    /// The client a URL is called with; a user's URL at a non-public IP is refused here.
    fn client_for(
        &self,
        provider: Provider,
        url: &str,
        source: UrlSource,
    ) -> Result<&reqwest::Client, ProviderError> {
        if source == UrlSource::Operator {
            return Ok(&self.trusted);
        }
        let parsed = reqwest::Url::parse(url).map_err(|_| ProviderError::Unreachable(provider))?;
        match outbound::route(&self.policy, &parsed) {
            Ok(Route::Allowed) => Ok(&self.trusted),
            Ok(Route::Guarded) => Ok(&self.guarded),
            Err(_) => Err(ProviderError::BlockedAddress(provider)),
        }
    }

    /// `GET {base}/models`: cheap, spends no tokens. Returns the model ids the key may use.
    pub async fn list_models(
        &self,
        provider: Provider,
        base_url: &str,
        source: UrlSource,
        key: &Secret,
    ) -> Result<(Vec<String>, RateLimitSnapshot), ProviderError> {
        let url = format!("{}/models", base_url.trim_end_matches('/'));
        let response = self
            .client_for(provider, &url, source)?
            .get(url)
            .bearer_auth(key.expose())
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(|e| transport_error(provider, &e))?;
        let rate_limit = RateLimitSnapshot::from_headers(response.headers());
        let response = check_status(provider, None, key, response).await?;
        let list: ModelList = response
            .json()
            .await
            .map_err(|_| ProviderError::BadResponse(provider))?;
        // Only what looks like model ids goes back to the user, never whatever else an
        // upstream put in the list, and never an id that repeats the key (an upstream that
        // reflects the Authorization header would otherwise hand it back).
        let ids = list
            .data
            .into_iter()
            .map(|m| m.id)
            .filter(|id| {
                !id.is_empty()
                    && id.chars().count() <= MAX_MODEL_ID_CHARS
                    && !id.chars().any(char::is_control)
                    && !reveals_key(id, key.expose())
            })
            .take(MAX_MODELS)
            .collect();
        Ok((ids, rate_limit))
    }

    /// OpenRouter's `GET {base}/key`: what the key has spent and may still spend.
    pub async fn key_credit(
        &self,
        provider: Provider,
        base_url: &str,
        source: UrlSource,
        key: &Secret,
    ) -> Result<types::profile::KeyCredit, ProviderError> {
        #[derive(Deserialize)]
        struct KeyInfo {
            data: KeyData,
        }
        #[derive(Deserialize)]
        struct KeyData {
            #[serde(default)]
            usage: f64,
            #[serde(default)]
            limit: Option<f64>,
            #[serde(default)]
            limit_remaining: Option<f64>,
            #[serde(default)]
            is_free_tier: bool,
        }
        let url = format!("{}/key", base_url.trim_end_matches('/'));
        let response = self
            .client_for(provider, &url, source)?
            .get(url)
            .bearer_auth(key.expose())
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(|e| transport_error(provider, &e))?;
        let response = check_status(provider, None, key, response).await?;
        let body = read_capped(provider, response, 64 * 1024).await?;
        let info: KeyInfo =
            serde_json::from_slice(&body).map_err(|_| ProviderError::BadResponse(provider))?;
        let money = |v: f64| v.is_finite().then_some(v.max(0.0));
        let d = info.data;
        Ok(types::profile::KeyCredit {
            usage_usd: money(d.usage).unwrap_or(0.0),
            limit_usd: d.limit.and_then(money),
            remaining_usd: d.limit_remaining.and_then(money),
            is_free_tier: d.is_free_tier,
        })
    }

    /// OpenRouter's `GET {base}/models` `pricing` per model id (public: no key is sent). The
    /// body is read up to 16 MB; entries without a readable price are left out.
    pub async fn model_prices(
        &self,
        provider: Provider,
        base_url: &str,
    ) -> Result<std::collections::HashMap<String, super::prices::Price>, ProviderError> {
        #[derive(Deserialize)]
        struct PricedList {
            data: Vec<PricedModel>,
        }
        #[derive(Deserialize)]
        struct PricedModel {
            id: String,
            #[serde(default)]
            pricing: Option<Pricing>,
        }
        #[derive(Deserialize)]
        struct Pricing {
            prompt: String,
            completion: String,
        }
        const MAX_BODY: usize = 16 * 1024 * 1024;
        let url = format!("{}/models", base_url.trim_end_matches('/'));
        let response = self
            .trusted
            .get(url)
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .map_err(|e| transport_error(provider, &e))?;
        if !response.status().is_success() {
            return Err(ProviderError::Upstream {
                provider,
                status: response.status().as_u16(),
            });
        }
        let body = read_capped(provider, response, MAX_BODY).await?;
        let list: PricedList =
            serde_json::from_slice(&body).map_err(|_| ProviderError::BadResponse(provider))?;
        Ok(list
            .data
            .into_iter()
            .filter(|m| !m.id.is_empty() && m.id.chars().count() <= MAX_MODEL_ID_CHARS)
            .filter_map(|m| {
                let p = m.pricing?;
                Some((
                    m.id,
                    super::prices::openrouter_price(&p.prompt, &p.completion)?,
                ))
            })
            .take(10_000)
            .collect())
    }

    /// A complete answer.
    pub async fn chat(
        &self,
        target: &Target,
        messages: &[ChatMessage],
        max_tokens: Option<u32>,
    ) -> Result<ChatOutput, ProviderError> {
        let provider = target.provider;
        let response = self.send_chat(target, messages, false, max_tokens).await?;
        let rate_limit = RateLimitSnapshot::from_headers(response.headers());
        let response =
            check_status(provider, Some(&target.model), &target.api_key, response).await?;
        let body: Completion = response.json().await.map_err(|e| {
            if e.is_timeout() {
                ProviderError::Timeout(provider)
            } else {
                ProviderError::BadResponse(provider)
            }
        })?;
        let content = body
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message)
            .and_then(|m| m.content)
            .ok_or(ProviderError::BadResponse(provider))?;
        Ok(ChatOutput {
            content,
            usage: body.usage.unwrap_or_default(),
            rate_limit,
        })
    }

    /// A streamed answer: tokens as they come, then `Done`; a stream that ends without
    /// `[DONE]` yields [`ProviderError::StreamCut`].
    pub async fn chat_stream(
        &self,
        target: &Target,
        messages: &[ChatMessage],
        max_tokens: Option<u32>,
    ) -> Result<(ChatStream, RateLimitSnapshot), ProviderError> {
        let provider = target.provider;
        let response = self.send_chat(target, messages, true, max_tokens).await?;
        let rate_limit = RateLimitSnapshot::from_headers(response.headers());
        let response =
            check_status(provider, Some(&target.model), &target.api_key, response).await?;
        let bytes = response.bytes_stream();
        let stream = async_stream_items(provider, bytes);
        Ok((stream, rate_limit))
    }

    async fn send_chat(
        &self,
        target: &Target,
        messages: &[ChatMessage],
        stream: bool,
        max_tokens: Option<u32>,
    ) -> Result<reqwest::Response, ProviderError> {
        let body = ChatRequest {
            model: &target.model,
            messages,
            stream,
            temperature: 0.2,
            max_tokens,
        };
        let url = format!("{}/chat/completions", target.base_url.trim_end_matches('/'));
        self.client_for(target.provider, &url, target.url_source)?
            .post(url)
            .bearer_auth(target.api_key.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(target.provider, &e))
    }
}

/// A response's body, refused as unreadable past `cap` bytes (read as it arrives, so a huge
/// body is never held whole).
async fn read_capped(
    provider: Provider,
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, ProviderError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(provider, &e))?
    {
        if body.len() + chunk.len() > cap {
            return Err(ProviderError::BadResponse(provider));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn transport_error(provider: Provider, e: &reqwest::Error) -> ProviderError {
    if outbound::is_blocked(e) {
        ProviderError::BlockedAddress(provider)
    } else if e.is_timeout() {
        ProviderError::Timeout(provider)
    } else {
        ProviderError::Unreachable(provider)
    }
}

/// Maps an error status to a [`ProviderError`]. The body is never logged nor passed on: an
/// upstream may echo the key in it, in any format. The debug log gets the status and the
/// provider's error code, when it is a known one that does not give the key away.
async fn check_status(
    provider: Provider,
    model: Option<&str>,
    key: &Secret,
    response: reqwest::Response,
) -> Result<reqwest::Response, ProviderError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|s| s.ceil() as u64);
    let body = response.text().await.unwrap_or_default();
    let code = provider_error_code(&body).filter(|code| !reveals_key(code, key.expose()));
    tracing::debug!(
        provider = provider.as_str(),
        %status,
        code = code.unwrap_or("-"),
        "provider error"
    );
    Err(match (status, model) {
        (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _) => {
            ProviderError::InvalidKey(provider)
        }
        (StatusCode::PAYMENT_REQUIRED, _) => ProviderError::NoCredit(provider),
        (StatusCode::NOT_FOUND, Some(model)) => ProviderError::ModelNotFound {
            provider,
            // The model name is the user's; it is repeated unless it carries the key.
            model: if reveals_key(model, key.expose()) {
                "[redacted]".to_owned()
            } else {
                model.to_owned()
            },
        },
        (StatusCode::TOO_MANY_REQUESTS, _) => ProviderError::RateLimited {
            provider,
            retry_after: retry_after.or_else(|| retry_seconds_from_message(&body)),
        },
        (StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT, _) => {
            ProviderError::Timeout(provider)
        }
        (s, _) => ProviderError::Upstream {
            provider,
            status: s.as_u16(),
        },
    })
}

/// The provider's error code from an OpenAI-style body (`{"error": {"code": ...}}`, else its
/// `type`), as one of the codes providers are known to send, else `other`: never upstream text.
fn provider_error_code(body: &str) -> Option<&'static str> {
    use serde_json::Value;
    let value: Value = serde_json::from_str(body).ok()?;
    let error = value.get("error")?;
    let code = match (error.get("code"), error.get("type")) {
        (Some(Value::Number(n)), _) => n.to_string(),
        (Some(Value::String(s)), _) | (_, Some(Value::String(s))) => s.clone(),
        _ => return None,
    };
    let known = KNOWN_ERROR_CODES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(&code));
    Some(known.copied().unwrap_or("other"))
}

/// The error codes and types OpenAI-compatible providers send.
const KNOWN_ERROR_CODES: &[&str] = &[
    "invalid_api_key",
    "invalid_request_error",
    "authentication_error",
    "permission_error",
    "insufficient_quota",
    "rate_limit_exceeded",
    "model_not_found",
    "model_decommissioned",
    "context_length_exceeded",
    "internal_server_error",
    "server_error",
    "service_unavailable",
    "overloaded_error",
    "api_error",
    "requests",
    "tokens",
    "400",
    "401",
    "402",
    "403",
    "404",
    "408",
    "429",
    "500",
    "502",
    "503",
];

/// Whether a text gives a key away: it holds the whole key or [`KEY_FRAGMENT_CHARS`]
/// consecutive characters of it, in any case. Keys have no fixed format (a custom provider's
/// can be any string), so this looks for the key itself, not for a prefix.
pub(crate) fn reveals_key(text: &str, key: &str) -> bool {
    let key: Vec<char> = key.trim().to_lowercase().chars().collect();
    if key.is_empty() {
        return false;
    }
    let text = text.to_lowercase();
    let width = KEY_FRAGMENT_CHARS.min(key.len());
    key.windows(width)
        .any(|fragment| text.contains(&fragment.iter().collect::<String>()))
}

/// Groq says "Please try again in 7.5s" in the message when the header is missing.
fn retry_seconds_from_message(body: &str) -> Option<u64> {
    let at = body.find("try again in ")? + "try again in ".len();
    let number: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number.parse::<f64>().ok().map(|s| s.ceil() as u64)
}

/// Replaces anything that looks like a provider key with `[redacted]`.
pub fn scrub_secrets(text: &str) -> String {
    text.split_inclusive(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
        .map(|piece| {
            let word = piece
                .trim_end_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',');
            let looks_secret = ["gsk_", "sk-", "Bearer"]
                .iter()
                .any(|p| word.starts_with(p))
                && word.len() > 12;
            if looks_secret {
                piece.replacen(word, "[redacted]", 1)
            } else {
                piece.to_owned()
            }
        })
        .collect()
}

fn async_stream_items(
    provider: Provider,
    bytes: impl Stream<Item = reqwest::Result<bytes::Bytes>> + Send + 'static,
) -> ChatStream {
    struct State<S> {
        bytes: Pin<Box<S>>,
        parser: SseParser,
        queue: std::collections::VecDeque<Result<StreamItem, ProviderError>>,
        usage: Option<Usage>,
        finished: bool,
    }
    let state = State {
        bytes: Box::pin(bytes),
        parser: SseParser::new(),
        queue: Default::default(),
        usage: None,
        finished: false,
    };
    Box::pin(futures::stream::unfold(state, move |mut st| async move {
        loop {
            if let Some(item) = st.queue.pop_front() {
                return Some((item, st));
            }
            if st.finished {
                return None;
            }
            match st.bytes.next().await {
                Some(Ok(chunk)) => match st.parser.push(&chunk) {
                    Ok(events) => {
                        for event in events {
                            if event.data.trim() == "[DONE]" {
                                st.queue.push_back(Ok(StreamItem::Done { usage: st.usage }));
                                st.finished = true;
                                break;
                            }
                            match serde_json::from_str::<Chunk>(&event.data) {
                                Ok(chunk) => {
                                    if let Some(u) =
                                        chunk.usage.or(chunk.x_groq.and_then(|x| x.usage))
                                    {
                                        st.usage = Some(u);
                                    }
                                    let text: String = chunk
                                        .choices
                                        .into_iter()
                                        .filter_map(|c| c.delta.and_then(|d| d.content))
                                        .collect();
                                    if !text.is_empty() {
                                        st.queue.push_back(Ok(StreamItem::Token(text)));
                                    }
                                }
                                Err(_) => {
                                    tracing::debug!(
                                        provider = provider.as_str(),
                                        "unreadable stream chunk"
                                    );
                                }
                            }
                        }
                    }
                    Err(_) => {
                        st.queue
                            .push_back(Err(ProviderError::BadResponse(provider)));
                        st.finished = true;
                    }
                },
                Some(Err(e)) => {
                    st.finished = true;
                    let err = if e.is_timeout() {
                        ProviderError::Timeout(provider)
                    } else {
                        ProviderError::StreamCut(provider)
                    };
                    st.queue.push_back(Err(err));
                }
                None => {
                    st.finished = true;
                    st.queue.push_back(Err(ProviderError::StreamCut(provider)));
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_keys() {
        let body = r#"{"error":"bad key gsk_abcdefghijklmnopqrstuvwxyz1234","auth":"Bearer sk-abcdefghijklmnop"}"#;
        let out = scrub_secrets(body);
        assert!(!out.contains("gsk_abc"), "{out}");
        assert!(!out.contains("sk-abcdefghijklmnop"), "{out}");
    }

    #[test]
    fn a_key_is_found_whole_in_part_and_in_any_case() {
        let key = "hk-custom-0123456789abcdef";
        assert!(reveals_key("model-hk-custom-0123456789abcdef", key));
        assert!(reveals_key("ft:HK-CUSTOM-0123", key));
        assert!(reveals_key("x-456789ab-y", key));
        assert!(!reveals_key("llama-3.1-8b-instant", key));
        assert!(
            reveals_key("my-tok-model", "tok"),
            "a short key is looked for whole"
        );
        assert!(!reveals_key("anything", " "));
    }

    #[test]
    fn only_known_error_codes_are_logged() {
        let code = |body: &str| provider_error_code(body);
        assert_eq!(
            code(r#"{"error":{"message":"Invalid API Key hk-1","code":"invalid_api_key"}}"#),
            Some("invalid_api_key")
        );
        assert_eq!(code(r#"{"error":{"message":"x","code":402}}"#), Some("402"));
        assert_eq!(
            code(r#"{"error":{"message":"x","type":"internal_server_error"}}"#),
            Some("internal_server_error")
        );
        assert_eq!(
            code(r#"{"error":{"code":"hk-custom-0123456789abcdef"}}"#),
            Some("other")
        );
        assert_eq!(code("Incorrect API key provided: hk-custom-0123"), None);
    }

    #[test]
    fn retry_from_message() {
        assert_eq!(
            retry_seconds_from_message("Please try again in 7.5s."),
            Some(8)
        );
    }
}
