//! AI chat over the candidate database and semantic search: the shapes of `/api/v1/ai/chat`,
//! `/api/v1/ai/search` and `/api/v1/ai/conversations`.
//!
//! Streaming (`?stream=true` or `Accept: text/event-stream`) answers with server-sent events,
//! in this order: one `candidates` event ([`StreamStart`]), then `data: {"token": "..."}`
//! events, then either a `done` event ([`StreamDone`]) or an `error` event
//! (`{"error", "message"}`), and last `data: [DONE]`.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::profile::KeySource;
use crate::time::TimestampMs;

/// Who wrote a stored chat message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    User,
    Assistant,
}

impl Role {
    /// As stored in the database and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// `POST /api/v1/ai/chat`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatQuery {
    /// The question, e.g. "Find Python developers".
    pub query_text: String,
    /// Continue this conversation; a new one is started when absent.
    #[serde(default)]
    pub conversation_id: Option<String>,
}

/// A candidate the answer drew on, best match first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateHit {
    pub id: Uuid,
    /// The analysed name, else the resume's file name.
    pub name: String,
    /// Full-text rank relative to the best match of the same answer (1.0), higher is better.
    pub score: f64,
    pub current_title: Option<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    /// Why it matched, e.g. "python in skills and title".
    pub reason: String,
    /// The answer cites this candidate's id.
    #[serde(default)]
    pub cited: bool,
}

/// The answer of `POST /api/v1/ai/chat` (without streaming).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatAnswer {
    pub response: String,
    pub candidates: Vec<CandidateHit>,
    pub conversation_id: Uuid,
    pub message_id: Uuid,
    /// `personal` or `system`.
    pub key_source: KeySource,
    pub provider: String,
    pub model: String,
    /// 80 % or more of the key's monthly budget is used: what to tell the user; else null.
    #[serde(default)]
    pub budget_warning: Option<String>,
}

/// `POST /api/v1/ai/search`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchQuery {
    pub query: String,
    /// How many candidates at most; 10 by default, at most 50.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// The answer of `POST /api/v1/ai/search` (without streaming).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchAnswer {
    pub query: String,
    /// Ranked, best first, each with its reason.
    pub candidates: Vec<CandidateHit>,
    /// The model's answer over those candidates.
    pub response: String,
    pub key_source: KeySource,
    pub provider: String,
    pub model: String,
    /// 80 % or more of the key's monthly budget is used: what to tell the user; else null.
    #[serde(default)]
    pub budget_warning: Option<String>,
}

/// The first event of a streamed answer (`event: candidates`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamStart {
    /// Set for chat, absent for search.
    #[serde(default)]
    pub conversation_id: Option<Uuid>,
    pub key_source: KeySource,
    pub provider: String,
    pub model: String,
    pub candidates: Vec<CandidateHit>,
}

/// The `done` event of a streamed answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StreamDone {
    /// The stored assistant message (chat only).
    #[serde(default)]
    pub message_id: Option<Uuid>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

/// A conversation in the list, newest activity first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationSummary {
    pub id: Uuid,
    pub title: String,
    pub message_count: u64,
    pub created_at: TimestampMs,
    pub updated_at: TimestampMs,
}

/// One stored message of a conversation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredMessage {
    pub id: Uuid,
    pub role: Role,
    /// Markdown as the model wrote it (render it as text, never as HTML).
    pub content: String,
    /// The candidates an assistant message drew on.
    #[serde(default)]
    pub candidates: Vec<CandidateHit>,
    /// The answer stopped early (the provider failed mid-way, or the user pressed stop).
    pub incomplete: bool,
    /// Why it is incomplete: the mapped provider error, or "Stopped".
    pub error: Option<String>,
    pub created_at: TimestampMs,
}

/// `GET /api/v1/ai/conversations/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub conversation: ConversationSummary,
    pub messages: Vec<StoredMessage>,
}

/// The same flat JSON, read field by field: serde's `flatten` buffers the whole object before
/// reading it, and would bring that buffering deserialiser into the chat page's WASM.
impl<'de> Deserialize<'de> for ConversationDetail {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Flat {
            id: Uuid,
            title: String,
            message_count: u64,
            created_at: TimestampMs,
            updated_at: TimestampMs,
            messages: Vec<StoredMessage>,
        }
        let f = Flat::deserialize(deserializer)?;
        Ok(Self {
            conversation: ConversationSummary {
                id: f.id,
                title: f.title,
                message_count: f.message_count,
                created_at: f.created_at,
                updated_at: f.updated_at,
            },
            messages: f.messages,
        })
    }
}

/// `PATCH /api/v1/ai/conversations/{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationTitle {
    pub title: String,
}

/// Which key the next AI call would use, for the page's "using your Groq key" line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AiKeyStatus {
    /// `personal`, `system`, or absent when there is no usable key ("API key required").
    pub key_source: Option<KeySource>,
    /// The provider's label, e.g. "Groq".
    pub provider: String,
    pub model: Option<String>,
    /// Set when there is no usable key: what to do about it.
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_reads_back_from_its_flat_json() -> Result<(), serde_json::Error> {
        let detail = ConversationDetail {
            conversation: ConversationSummary {
                id: Uuid::from_u128(7),
                title: "Rust engineers".into(),
                message_count: 1,
                ..Default::default()
            },
            messages: vec![StoredMessage {
                id: Uuid::from_u128(8),
                role: Role::User,
                content: "Who knows Rust?".into(),
                ..Default::default()
            }],
        };
        let json = serde_json::to_value(&detail)?;
        assert_eq!(json["title"], "Rust engineers", "one flat object: {json}");
        assert!(json.get("conversation").is_none());
        let back: ConversationDetail = serde_json::from_value(json)?;
        assert_eq!(back, detail);
        Ok(())
    }
}
