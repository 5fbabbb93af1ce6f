//! Server-sent events as every streaming endpoint answers them: named events with JSON data,
//! `{"token"}` data events, an `error` event in the JSON error shape, and a last
//! `data: [DONE]`, with keep-alive comments while the provider is silent.
use std::convert::Infallible;

use axum::{
    http::{header, HeaderMap},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
};
use futures::{Stream, StreamExt};

use hirekey_core::error::ServiceError;

/// The client asked for a stream with `Accept: text/event-stream`.
pub fn accepts_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"))
}

/// `data: {"token": "..."}`.
pub fn token_event(token: &str) -> Result<Event, axum::Error> {
    #[derive(serde::Serialize)]
    struct Token<'a> {
        token: &'a str,
    }
    Event::default().json_data(Token { token })
}

/// `event: error` with `{"error", "message"}`, like every error response.
pub fn error_event(e: &ServiceError) -> Result<Event, axum::Error> {
    Event::default()
        .event("error")
        .json_data(types::ErrorBody::new(e.kind(), e.to_string()))
}

/// The stream as a response: events that failed to serialise are left out, `[DONE]` ends it.
pub fn respond(
    events: impl Stream<Item = Result<Event, axum::Error>> + Send + 'static,
) -> Response {
    let events = events
        .filter_map(|e| async move { e.ok() })
        .chain(futures::stream::once(async {
            Event::default().data("[DONE]")
        }))
        .map(Ok::<_, Infallible>);
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_asks_for_a_stream() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_event_stream(&headers));
        headers.insert(
            header::ACCEPT,
            axum::http::HeaderValue::from_static("text/event-stream"),
        );
        assert!(accepts_event_stream(&headers));
    }
}
