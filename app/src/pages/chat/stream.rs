//! Streaming an answer from `POST /api/v1/ai/chat?stream=true` into the page.
//!
//! The browser side uses `XMLHttpRequest` rather than `EventSource` (which cannot POST) or
//! `fetch` (whose body reader would need extra crates): each `progress` event exposes the
//! whole response so far, and [`take_events`] turns its new complete events into
//! [`StreamEvent`]s. On the server nothing streams; [`ActiveStream`] is then inert.
use serde::Deserialize;

use crate::api::chat::{StreamDone, StreamStart};

/// What the page learns from the stream, in the order the server sends it.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    /// The `candidates` event: which conversation, key and candidates the answer uses.
    Start(StreamStart),
    /// A piece of the answer's text.
    Token(String),
    /// The answer is complete and stored.
    Done(StreamDone),
    /// The provider failed mid-way (`event: error`), the request was refused before the
    /// stream started (a non-200 status with a JSON error body; `status` is then set), or
    /// the user stopped it (error "Stopped").
    Failed {
        status: Option<u16>,
        error: String,
        message: String,
    },
    /// The response has ended, whatever happened; always the last event.
    // Only the browser's request ends; the server build never makes one.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    Closed,
}

#[derive(Deserialize)]
struct TokenData {
    token: String,
}

/// Parses the complete events at the start of `text` (each ends with a blank line) and
/// returns them with the number of bytes they used; an unfinished event is left for later.
// Only the browser reads a stream; the server build keeps this for the tests.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn take_events(text: &str) -> (Vec<StreamEvent>, usize) {
    let mut events = Vec::new();
    let mut used = 0;
    while let Some(end) = text[used..].find("\n\n") {
        events.extend(parse_event(&text[used..used + end]));
        used += end + 2;
    }
    (events, used)
}

/// One server-sent event block: `event:` and `data:` lines; `:` lines are keep-alives.
/// `[DONE]` and anything unreadable give nothing: the page learns the end from `Closed`.
pub fn parse_event(block: &str) -> Option<StreamEvent> {
    let mut name = "message";
    let mut data: Vec<&str> = Vec::new();
    for line in block.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(value) = line.strip_prefix("event:") {
            name = value.trim();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    if data.is_empty() {
        return None;
    }
    let data = data.join("\n");
    if data.trim() == "[DONE]" {
        return None;
    }
    match name {
        "candidates" => serde_json::from_slice(data.as_bytes())
            .ok()
            .map(StreamEvent::Start),
        "done" => serde_json::from_slice(data.as_bytes())
            .ok()
            .map(StreamEvent::Done),
        "error" => Some(failure(None, &data)),
        _ => serde_json::from_slice::<TokenData>(data.as_bytes())
            .ok()
            .map(|t| StreamEvent::Token(t.token)),
    }
}

/// A JSON `{"error", "message"}` body (or anything else) as a [`StreamEvent::Failed`].
pub fn failure(status: Option<u16>, body: &str) -> StreamEvent {
    let parsed = serde_json::from_slice::<crate::api::error::ErrorBody>(body.as_bytes()).ok();
    let error = parsed
        .as_ref()
        .map(|e| e.error.clone())
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| "Chat failed".to_owned());
    let message = parsed
        .map(|e| e.message)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| match status {
            Some(0) | None => "The connection to the server was lost".to_owned(),
            Some(code) => format!("The server answered with status {code}"),
        });
    StreamEvent::Failed {
        status,
        error,
        message,
    }
}

pub use active::ActiveStream;

#[cfg(feature = "hydrate")]
mod active {
    use std::{
        cell::{Cell, RefCell},
        rc::Rc,
    };

    use leptos::prelude::*;
    use leptos::wasm_bindgen::{closure::Closure, JsCast};
    use leptos::web_sys::XmlHttpRequest;

    use super::{failure, take_events, StreamEvent};
    use crate::api::chat::ChatQuery;

    const HEADERS_RECEIVED: u16 = 2;
    const DONE: u16 = 4;
    /// The reason a stopped answer gives, as the server stores it.
    const STOPPED: &str = "Stopped";

    /// The page's one in-flight answer, if any. Dropping it (a new question, leaving the
    /// page) detaches its handlers and aborts it.
    #[derive(Clone, Copy)]
    pub struct ActiveStream(StoredValue<Option<ChatRequest>, LocalStorage>);

    impl ActiveStream {
        /// Creates the slot; the request in it is aborted when the page goes away.
        pub fn new() -> Self {
            let slot = StoredValue::new_local(None);
            on_cleanup(move || {
                slot.try_set_value(None);
            });
            Self(slot)
        }

        /// Posts `query` and calls `on_event` for each [`StreamEvent`]; replaces (and aborts)
        /// any earlier request. Errors only when the browser refuses to start the request.
        pub fn start(
            &self,
            query: &ChatQuery,
            on_event: impl FnMut(StreamEvent) + 'static,
        ) -> Result<(), String> {
            self.0.try_set_value(None);
            let request = ChatRequest::send(query, Box::new(on_event))?;
            self.0.try_set_value(Some(request));
            Ok(())
        }

        /// Aborts the request; the server keeps the partial answer, marked "Stopped", and the
        /// page hears `Failed` ("Stopped") then `Closed`.
        pub fn stop(&self) {
            // Abort outside the slot's lock: the page's handler runs during `abort()`.
            let request = self
                .0
                .try_with_value(|request| {
                    request.as_ref().map(|r| (r.xhr.clone(), r.stopped.clone()))
                })
                .flatten();
            if let Some((xhr, stopped)) = request {
                stopped.set(true);
                let _ = xhr.abort();
            }
        }

        /// Forgets the request without telling the page anything more (aborting it).
        pub fn detach(&self) {
            self.0.try_set_value(None);
        }
    }

    type Handler = Rc<RefCell<Box<dyn FnMut(StreamEvent)>>>;

    /// One XHR and the JS callbacks it holds; the callbacks live exactly as long as this.
    pub struct ChatRequest {
        xhr: XmlHttpRequest,
        stopped: Rc<Cell<bool>>,
        _on_progress: Closure<dyn FnMut()>,
        _on_ready_state: Closure<dyn FnMut()>,
    }

    impl ChatRequest {
        fn send(query: &ChatQuery, on_event: Box<dyn FnMut(StreamEvent)>) -> Result<Self, String> {
            let body = serde_json::to_string(query).map_err(|e| e.to_string())?;
            let xhr = XmlHttpRequest::new().map_err(|_| "Your browser cannot stream answers")?;
            xhr.open("POST", "/api/v1/ai/chat?stream=true")
                .and_then(|()| xhr.set_request_header("Content-Type", "application/json"))
                .and_then(|()| xhr.set_request_header("Accept", "text/event-stream"))
                .map_err(|_| "Could not start the request")?;

            let handler: Handler = Rc::new(RefCell::new(on_event));
            let consumed = Rc::new(Cell::new(0usize));
            let closed = Rc::new(Cell::new(false));
            let stopped = Rc::new(Cell::new(false));
            let pump = {
                let xhr = xhr.clone();
                let stopped = stopped.clone();
                move || pump(&xhr, &handler, &consumed, &closed, &stopped)
            };
            let on_progress = Closure::<dyn FnMut()>::new(pump.clone());
            let on_ready_state = Closure::<dyn FnMut()>::new(pump);
            xhr.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            xhr.set_onreadystatechange(Some(on_ready_state.as_ref().unchecked_ref()));
            xhr.send_with_opt_str(Some(&body))
                .map_err(|_| "Could not send the question")?;
            Ok(Self {
                xhr,
                stopped,
                _on_progress: on_progress,
                _on_ready_state: on_ready_state,
            })
        }
    }

    impl Drop for ChatRequest {
        fn drop(&mut self) {
            // Detach first: the closures die with this struct and must not be called after.
            self.xhr.set_onprogress(None);
            self.xhr.set_onreadystatechange(None);
            let _ = self.xhr.abort();
        }
    }

    /// Hands the events that arrived since the last call to the page.
    fn pump(
        xhr: &XmlHttpRequest,
        handler: &Handler,
        consumed: &Cell<usize>,
        closed: &Cell<bool>,
        stopped: &Cell<bool>,
    ) {
        let state = xhr.ready_state();
        if state < HEADERS_RECEIVED || closed.get() {
            return;
        }
        // `abort()` calls back synchronously; the page that asked is still busy then.
        let Ok(mut emit) = handler.try_borrow_mut() else {
            return;
        };
        let status = xhr.status().unwrap_or(0);
        let text = || xhr.response_text().ok().flatten().unwrap_or_default();
        if status == 200 {
            let text = text();
            if let Some(new) = text.get(consumed.get()..) {
                let (events, used) = take_events(new);
                consumed.set(consumed.get() + used);
                for event in events {
                    emit(event);
                }
            }
        }
        if state == DONE {
            closed.set(true);
            if stopped.get() {
                emit(StreamEvent::Failed {
                    status: None,
                    error: STOPPED.to_owned(),
                    message: STOPPED.to_owned(),
                });
            } else if status != 200 {
                emit(failure(Some(status), &text()));
            }
            emit(StreamEvent::Closed);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod active {
    use super::StreamEvent;
    use crate::api::chat::ChatQuery;

    /// On the server the page never streams: this keeps the page free of `cfg`s.
    #[derive(Clone, Copy)]
    pub struct ActiveStream;

    impl ActiveStream {
        pub fn new() -> Self {
            Self
        }

        pub fn start(
            &self,
            _query: &ChatQuery,
            _on_event: impl FnMut(StreamEvent) + 'static,
        ) -> Result<(), String> {
            Err("Answers stream only in the browser".to_owned())
        }

        pub fn stop(&self) {}

        pub fn detach(&self) {}
    }
}

#[cfg(test)]
// A test fails on the first unwrap that does not hold: that is its assertion.
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const START: &str = r#"{"conversation_id":"00000000-0000-4000-8000-0000000000c1","key_source":"personal","provider":"groq","model":"m","candidates":[{"id":"00000000-0000-4000-8000-00000000000a","name":"Ada","score":1.5,"current_title":null,"skills":["Python"],"reason":"python in skills"}]}"#;

    #[test]
    fn a_whole_stream_in_order() {
        let text = format!(
            "event: candidates\ndata: {START}\n\n: keep-alive\n\ndata: {{\"token\":\"Hello\"}}\n\ndata: {{\"token\":\" wörld\\n\"}}\n\nevent: done\ndata: {{\"message_id\":\"00000000-0000-4000-8000-0000000000e1\",\"prompt_tokens\":3,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n"
        );
        let (events, used) = take_events(&text);
        assert_eq!(used, text.len());
        assert_eq!(events.len(), 4);
        assert!(
            matches!(&events[0], StreamEvent::Start(s)
                if s.conversation_id.map(|id| id.to_string()).as_deref()
                    == Some("00000000-0000-4000-8000-0000000000c1")
                    && s.candidates[0].name == "Ada"
                    && !s.candidates[0].cited),
            "{:?}",
            events[0]
        );
        assert_eq!(events[1], StreamEvent::Token("Hello".to_owned()));
        assert_eq!(events[2], StreamEvent::Token(" wörld\n".to_owned()));
        assert_eq!(
            events[3],
            StreamEvent::Done(StreamDone {
                message_id: uuid::Uuid::parse_str("00000000-0000-4000-8000-0000000000e1").ok(),
                prompt_tokens: 3,
                completion_tokens: 2
            })
        );
    }

    #[test]
    fn an_unfinished_event_waits_for_more() {
        let first = "data: {\"token\":\"a\"}\n\ndata: {\"tok";
        let (events, used) = take_events(first);
        assert_eq!(events, vec![StreamEvent::Token("a".to_owned())]);
        let whole = format!("{first}en\":\"b\"}}\n\n");
        let (events, more) = take_events(&whole[used..]);
        assert_eq!(events, vec![StreamEvent::Token("b".to_owned())]);
        assert_eq!(used + more, whole.len());
    }

    #[test]
    fn an_error_event_and_crlf_lines() {
        let text = "event: error\r\ndata: {\"error\":\"Rate limited\",\"message\":\"Try again in 2 s\"}\r\n\n";
        let (events, _) = take_events(text);
        assert_eq!(
            events,
            vec![StreamEvent::Failed {
                status: None,
                error: "Rate limited".to_owned(),
                message: "Try again in 2 s".to_owned()
            }]
        );
    }

    #[test]
    fn a_refusal_body_names_the_reason() {
        let body = r#"{"error":"API key required","message":"Please set up your Groq API key in settings to use AI features"}"#;
        assert!(matches!(
            failure(Some(403), body),
            StreamEvent::Failed { status: Some(403), error, .. } if error == "API key required"
        ));
        assert!(matches!(
            failure(Some(502), "<html>bad gateway</html>"),
            StreamEvent::Failed { error, message, .. }
                if error == "Chat failed" && message == "The server answered with status 502"
        ));
    }

    #[test]
    fn unknown_or_broken_events_are_skipped() {
        let (events, _) =
            take_events("event: ping\n\ndata: not json\n\nevent: candidates\ndata: {}\n\n");
        assert!(events.is_empty(), "{events:?}");
    }
}
