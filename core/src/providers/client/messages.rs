//! What a call takes and gives back: chat messages, token usage, the provider's rate-limit
//! figures, a whole answer and the items of a streamed one.
use std::pin::Pin;

use futures::Stream;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::error::ProviderError;

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
    pub(super) fn from_headers(headers: &HeaderMap) -> Self {
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
