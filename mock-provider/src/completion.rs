//! A finished answer, sent whole or as server-sent events (with the stream faults the mock can
//! play: a cut stream, a slow drip).
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use crate::{answer, wire};

/// A finished answer, rendered either whole or as stream chunks.
pub(crate) struct Completion {
    pub(crate) id: String,
    pub(crate) created: u64,
    pub(crate) model: String,
    pub(crate) answer: String,
    pub(crate) usage: wire::Usage,
}

impl Completion {
    pub(crate) fn full_body(&self) -> wire::ChatCompletion<'_> {
        wire::ChatCompletion {
            id: &self.id,
            object: "chat.completion",
            created: self.created,
            model: &self.model,
            choices: [wire::Choice {
                index: 0,
                message: wire::Message {
                    role: "assistant",
                    content: &self.answer,
                },
                finish_reason: "stop",
            }],
            usage: self.usage,
        }
    }

    fn chunk<'a>(
        &'a self,
        delta: wire::Delta<'a>,
        finish_reason: Option<&'static str>,
    ) -> wire::Chunk<'a> {
        wire::Chunk {
            id: &self.id,
            object: "chat.completion.chunk",
            created: self.created,
            model: &self.model,
            choices: [wire::ChunkChoice {
                index: 0,
                delta,
                finish_reason,
            }],
            usage: None,
            x_groq: None,
        }
    }

    /// Server-sent events in order: role, one per word, final with usage, `[DONE]`.
    pub(crate) fn events(&self) -> Vec<String> {
        let mut chunks = vec![self.chunk(
            wire::Delta {
                role: Some("assistant"),
                content: Some(""),
            },
            None,
        )];
        chunks.extend(answer::word_pieces(&self.answer).into_iter().map(|piece| {
            self.chunk(
                wire::Delta {
                    role: None,
                    content: Some(piece),
                },
                None,
            )
        }));
        let mut last = self.chunk(wire::Delta::default(), Some("stop"));
        last.usage = Some(self.usage);
        last.x_groq = Some(wire::XGroq {
            id: &self.id,
            usage: self.usage,
        });
        chunks.push(last);
        let mut events: Vec<String> = chunks
            .iter()
            // Serializing these plain structs cannot fail; skip rather than crash.
            .filter_map(|chunk| serde_json::to_string(chunk).ok())
            .map(|json| format!("data: {json}\n\n"))
            .collect();
        events.push("data: [DONE]\n\n".to_owned());
        events
    }
}

/// Pause before failing a cut stream, so hyper flushes the response head and
/// the first chunks instead of dropping the connection before anything is sent.
const CUT_FLUSH_DELAY: Duration = Duration::from_millis(50);

pub(crate) fn stream_response(
    completion: &Completion,
    mut headers: HeaderMap,
    chunk_delay: Duration,
    cut: bool,
) -> Response {
    let mut events = completion.events();
    if cut {
        // Roughly half the events, then a body error: hyper aborts the chunked
        // body, which clients see as a truncated stream without `[DONE]`.
        events.truncate(events.len().div_ceil(2));
    }
    let chunks = futures::stream::iter(events).then(move |event| async move {
        if !chunk_delay.is_zero() {
            tokio::time::sleep(chunk_delay).await;
        }
        Ok::<_, std::io::Error>(Bytes::from(event))
    });
    let cut_error = futures::stream::iter(cut.then_some(())).then(|()| async {
        tokio::time::sleep(CUT_FLUSH_DELAY).await;
        Err(std::io::Error::other("mock stream cut"))
    });
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    (headers, Body::from_stream(chunks.chain(cut_error))).into_response()
}
