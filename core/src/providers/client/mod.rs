//! The one OpenAI-compatible client: a pooled reqwest client shared by the whole server.
use std::{sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};

use super::{
    outbound::{self, GuardedResolver, OutboundPolicy, Route, UrlSource},
    Provider,
};
use crate::vault::Secret;

mod errors;
mod messages;
mod redact;
mod stream;

use errors::{check_status, read_capped, transport_error};
pub use messages::{ChatMessage, ChatOutput, ChatStream, RateLimitSnapshot, StreamItem, Usage};
use redact::reveals_key;
pub use redact::scrub_secrets;
use stream::async_stream_items;

/// Where a call goes: provider, base URL (and who chose it), key and model.
#[derive(Clone, Debug)]
pub struct Target {
    pub provider: Provider,
    pub base_url: String,
    pub url_source: UrlSource,
    pub api_key: Secret,
    pub model: String,
}

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
