//! Response bodies as typed structs, so JSON keys come out in the providers'
//! order (a `serde_json::Value` map would sort them).

use serde::Serialize;

/// OpenAI/Groq error envelope: `{"error":{...}}`.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize)]
pub(crate) struct ErrorDetail {
    pub message: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
}

/// Groq uses string codes; OpenRouter's 402 uses the numeric status.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum ErrorCode {
    Text(&'static str),
    Number(u16),
    /// A code made up at run time (a reflecting upstream's).
    Owned(String),
}

impl ErrorBody {
    pub fn new(
        message: impl Into<String>,
        kind: Option<&'static str>,
        code: Option<ErrorCode>,
    ) -> Self {
        Self {
            error: ErrorDetail {
                message: message.into(),
                kind,
                code,
            },
        }
    }

    /// The same body with `key` repeated in its message and code, as an upstream that echoes
    /// what it was sent would answer.
    pub fn echoing(mut self, key: &str) -> Self {
        self.error.message = format!("{} (incorrect API key provided: {key})", self.error.message);
        self.error.code = Some(ErrorCode::Owned(format!("key_{key}")));
        self
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct ModelList {
    pub object: &'static str,
    pub data: Vec<Model>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Model {
    pub id: String,
    pub object: &'static str,
    pub created: u64,
    pub owned_by: &'static str,
    pub active: bool,
    pub context_window: u64,
    /// OpenRouter's prices: US dollars per token, as decimal strings.
    pub pricing: Pricing,
}

#[derive(Debug, Serialize)]
pub(crate) struct Pricing {
    pub prompt: &'static str,
    pub completion: &'static str,
}

/// OpenRouter's `GET /api/v1/key`.
#[derive(Debug, Serialize)]
pub(crate) struct KeyInfo {
    pub data: KeyData,
}

#[derive(Debug, Serialize)]
pub(crate) struct KeyData {
    pub label: String,
    /// Credits used, in US dollars.
    pub usage: f64,
    /// The key's credit limit; `null` for none.
    pub limit: Option<f64>,
    pub limit_remaining: Option<f64>,
    pub is_free_tier: bool,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct ChatCompletion<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub choices: [Choice<'a>; 1],
    pub usage: Usage,
}

#[derive(Debug, Serialize)]
pub(crate) struct Choice<'a> {
    pub index: u32,
    pub message: Message<'a>,
    pub finish_reason: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Message<'a> {
    pub role: &'static str,
    pub content: &'a str,
}

#[derive(Debug, Serialize)]
pub(crate) struct Chunk<'a> {
    pub id: &'a str,
    pub object: &'static str,
    pub created: u64,
    pub model: &'a str,
    pub choices: [ChunkChoice<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x_groq: Option<XGroq<'a>>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ChunkChoice<'a> {
    pub index: u32,
    pub delta: Delta<'a>,
    pub finish_reason: Option<&'static str>,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<&'a str>,
}

/// Groq repeats the usage of a stream under `x_groq` in the final chunk.
#[derive(Debug, Serialize)]
pub(crate) struct XGroq<'a> {
    pub id: &'a str,
    pub usage: Usage,
}
