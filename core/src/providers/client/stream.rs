//! A streamed answer: the server-sent events of a chat completion turned into tokens, then
//! `Done` with the usage, or the error that cut the stream.
use std::pin::Pin;

use futures::{Stream, StreamExt};

use super::{ChatStream, Chunk, StreamItem, Usage};
use crate::{
    error::ProviderError,
    providers::{sse::SseParser, Provider},
};

pub(super) fn async_stream_items(
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
