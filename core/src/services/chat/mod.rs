//! AI chat over the caller's candidates, and semantic search: retrieve the best matches
//! (`services::search`), give the model only those (within a context budget) plus the earlier
//! turns, and answer on the caller's resolved key, whole or streamed. Conversations are stored
//! per user; the question is stored before the AI call, so a failed call loses nothing, and an
//! answer that stops early is stored with what arrived, marked incomplete.
pub mod conversations;
mod prompt;

use std::time::Instant;

use futures::{Stream, StreamExt};
use types::chat::{
    AiKeyStatus, CandidateHit, ChatAnswer, ChatQuery, SearchAnswer, SearchQuery, StreamDone,
    StreamStart,
};
use uuid::Uuid;

pub use self::prompt::{CONTEXT_BUDGET_CHARS, HISTORY_BUDGET_CHARS, MAX_QUESTION_CHARS};
use self::{
    conversations::{
        conversation_id, find_conversation, messages_of, store_answer, store_question,
    },
    prompt::{
        check_question, context_lines, mark_cited, prompt, CHAT_INSTRUCTIONS, SEARCH_INSTRUCTIONS,
    },
};
use crate::{
    error::{ServiceError, ServiceResult},
    providers::{ChatMessage, ProviderError, StreamItem},
    services::{
        ai::{self, Feature, ResolvedKey},
        privacy::processing::{self, Purpose},
        search,
    },
    session::Member,
    state::AppState,
};

/// Candidates a chat answer draws on at most.
pub const CHAT_CANDIDATES: u64 = 8;
/// Candidates a search returns by default, and at most.
pub const SEARCH_DEFAULT_LIMIT: u32 = 10;
pub const SEARCH_MAX_LIMIT: u32 = 50;
const ANSWER_MAX_TOKENS: u32 = 1_024;
/// Why an answer the user stopped is incomplete.
pub const STOPPED: &str = "Stopped";

/// What a streamed answer yields after its [`StreamStart`].
pub enum AnswerEvent {
    Token(String),
    Done(StreamDone),
    /// The provider failed mid-way; what arrived is kept (and stored, for chat).
    Failed(ServiceError),
}

/// Which key chat would use now, without calling anything.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn key_status(state: &AppState, auth: &Member) -> ServiceResult<AiKeyStatus> {
    match ai::lookup_ai_key(state, auth).await {
        Ok(resolved) => Ok(AiKeyStatus {
            key_source: Some(resolved.source),
            provider: resolved.target.provider.label().to_owned(),
            model: Some(resolved.target.model),
            message: None,
        }),
        Err(e @ ServiceError::ApiKeyRequired { provider }) => Ok(AiKeyStatus {
            key_source: None,
            provider: provider.to_owned(),
            model: None,
            message: Some(e.to_string()),
        }),
        Err(e) => Err(e),
    }
}

/// A question made ready: the key, the candidates, the prompt and, for chat, the stored turn.
struct Turn {
    resolved: ResolvedKey,
    hits: Vec<CandidateHit>,
    prompt: Vec<ChatMessage>,
    /// Chat only: the conversation the answer is stored in.
    conversation: Option<crate::entities::conversations::Model>,
    started: Instant,
}

/// Resolves the key (so nothing is stored when there is none), retrieves the candidates,
/// stores the question and builds the prompt.
async fn prepare_chat(state: &AppState, auth: &Member, query: &ChatQuery) -> ServiceResult<Turn> {
    auth.ensure_can_work()?;
    let started = Instant::now();
    let question = check_question(&query.query_text, "query_text")?;
    let existing = match query.conversation_id.as_deref().filter(|c| !c.is_empty()) {
        Some(id) => Some(find_conversation(&state.db, auth, conversation_id(id)?).await?),
        None => None,
    };
    let resolved = ai::resolve_ai_key(state, auth).await?;
    ai::check_quota(state, auth, &resolved).await?;

    let history = match &existing {
        Some(c) => messages_of(&state.db, c.id).await?,
        None => Vec::new(),
    };
    let mut retrieved =
        search::find_candidates(&state.db, auth.workspace_id, &question, CHAT_CANDIDATES).await?;
    if retrieved.is_empty() {
        // A follow-up such as "which of them is the most senior?" is about the last answer's
        // candidates.
        let earlier: Vec<CandidateHit> = history
            .iter()
            .rev()
            .find(|m| m.role == "assistant")
            .and_then(|m| m.candidates.as_deref())
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        retrieved = search::load_hits(&state.db, auth.workspace_id, &earlier).await?;
    }
    let lines = context_lines(&retrieved, &question);
    let prompt = prompt(CHAT_INSTRUCTIONS, &lines, &history, &question);

    let conversation = store_question(state, auth, existing, question).await?;

    Ok(Turn {
        resolved,
        hits: retrieved.into_iter().map(|r| r.hit).collect(),
        prompt,
        conversation: Some(conversation),
        started,
    })
}

async fn prepare_search(
    state: &AppState,
    auth: &Member,
    query: &SearchQuery,
) -> ServiceResult<Turn> {
    auth.ensure_can_work()?;
    let started = Instant::now();
    let question = check_question(&query.query, "query")?;
    let limit = query.limit.unwrap_or(SEARCH_DEFAULT_LIMIT);
    if !(1..=SEARCH_MAX_LIMIT).contains(&limit) {
        return Err(ServiceError::Validation(format!(
            "limit must be between 1 and {SEARCH_MAX_LIMIT}"
        )));
    }
    let resolved = ai::resolve_ai_key(state, auth).await?;
    ai::check_quota(state, auth, &resolved).await?;
    let retrieved =
        search::find_candidates(&state.db, auth.workspace_id, &question, limit.into()).await?;
    let lines = context_lines(&retrieved, &question);
    Ok(Turn {
        resolved,
        hits: retrieved.into_iter().map(|r| r.hit).collect(),
        prompt: prompt(SEARCH_INSTRUCTIONS, &lines, &[], &question),
        conversation: None,
        started,
    })
}

/// `POST /api/v1/ai/chat`: the whole answer. A provider failure is stored on the conversation
/// (the question stays, the answer is marked incomplete) and answered as the mapped error.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn ask(state: &AppState, auth: &Member, query: ChatQuery) -> ServiceResult<ChatAnswer> {
    let turn = prepare_chat(state, auth, &query).await?;
    let conversation =
        turn.conversation.as_ref().map(|c| c.id).ok_or_else(|| {
            ServiceError::Internal(anyhow::anyhow!("chat turn without conversation"))
        })?;
    let result = ai::complete_with(
        state,
        auth,
        Feature::CandidateChat,
        &turn.resolved,
        &turn.prompt,
        Some(ANSWER_MAX_TOKENS),
        turn.started,
    )
    .await;
    let mut hits = turn.hits;
    record_processing(state, auth, Purpose::Chat, &turn.resolved, &result, &hits).await;
    match result {
        Ok(answer) => {
            mark_cited(&mut hits, &answer.content);
            let message_id =
                store_answer(state, conversation, &answer.content, &hits, None).await?;
            Ok(ChatAnswer {
                response: answer.content,
                candidates: hits,
                conversation_id: conversation,
                message_id,
                key_source: answer.source,
                provider: answer.provider.as_str().to_owned(),
                model: answer.model,
                budget_warning: answer.budget_warning,
            })
        }
        Err(e) => {
            if let Err(store) =
                store_answer(state, conversation, "", &hits, Some(e.to_string())).await
            {
                tracing::warn!(error = %store, "could not store the failed answer");
            }
            Err(e)
        }
    }
}

/// `POST /api/v1/ai/search`: ranked candidates with a reason each, and the model's answer.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn search(
    state: &AppState,
    auth: &Member,
    query: SearchQuery,
) -> ServiceResult<SearchAnswer> {
    let turn = prepare_search(state, auth, &query).await?;
    let answer = ai::complete_with(
        state,
        auth,
        Feature::Search,
        &turn.resolved,
        &turn.prompt,
        Some(ANSWER_MAX_TOKENS),
        turn.started,
    )
    .await;
    record_processing(
        state,
        auth,
        Purpose::Search,
        &turn.resolved,
        &answer,
        &turn.hits,
    )
    .await;
    let answer = answer?;
    let mut hits = turn.hits;
    mark_cited(&mut hits, &answer.content);
    Ok(SearchAnswer {
        query: query.query.trim().to_owned(),
        candidates: hits,
        response: answer.content,
        key_source: answer.source,
        provider: answer.provider.as_str().to_owned(),
        model: answer.model,
        budget_warning: answer.budget_warning,
    })
}

/// The chat answer as a stream: its start (the candidates), then tokens, then done or failed.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn ask_streaming(
    state: &AppState,
    auth: &Member,
    query: ChatQuery,
) -> ServiceResult<(
    StreamStart,
    impl Stream<Item = AnswerEvent> + Send + 'static,
)> {
    let turn = prepare_chat(state, auth, &query).await?;
    stream_turn(state, auth, turn, Feature::CandidateChat).await
}

/// The search answer as a stream, like [`ask_streaming`] but stored nowhere.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn search_streaming(
    state: &AppState,
    auth: &Member,
    query: SearchQuery,
) -> ServiceResult<(
    StreamStart,
    impl Stream<Item = AnswerEvent> + Send + 'static,
)> {
    let turn = prepare_search(state, auth, &query).await?;
    stream_turn(state, auth, turn, Feature::Search).await
}

async fn stream_turn(
    state: &AppState,
    auth: &Member,
    turn: Turn,
    feature: Feature,
) -> ServiceResult<(
    StreamStart,
    impl Stream<Item = AnswerEvent> + Send + 'static,
)> {
    let conversation = turn.conversation.as_ref().map(|c| c.id);
    let mut answer = PartialAnswer {
        state: state.clone(),
        conversation,
        content: String::new(),
        hits: turn.hits.clone(),
        stored: false,
    };
    let (used, upstream) =
        match ai::stream_with(state, auth, feature, &turn.resolved, &turn.prompt).await {
            Ok(answer) => answer,
            Err(e) => {
                answer.finish(Some(e.to_string())).await;
                return Err(e);
            }
        };
    let provider = used.target.provider;
    let purpose = match feature {
        Feature::Search => Purpose::Search,
        _ => Purpose::Chat,
    };
    let call = processing::Call {
        workspace_id: auth.workspace_id,
        user_id: Some(auth.id),
        purpose,
        key_source: used.source.as_str(),
        provider,
        model: &used.target.model,
    };
    processing::record(state, call, &hit_ids(&turn.hits)).await;
    let start = StreamStart {
        conversation_id: conversation,
        key_source: used.source,
        provider: provider.as_str().to_owned(),
        model: used.target.model.clone(),
        candidates: turn.hits,
    };
    let events = futures::stream::unfold(
        (Box::pin(upstream), answer, false),
        move |(mut upstream, mut answer, ended)| async move {
            if ended {
                return None;
            }
            let event = match upstream.next().await {
                Some(Ok(StreamItem::Token(token))) => {
                    answer.content.push_str(&token);
                    return Some((AnswerEvent::Token(token), (upstream, answer, false)));
                }
                Some(Ok(StreamItem::Done { usage })) => {
                    let message_id = answer.finish(None).await;
                    let usage = usage.unwrap_or_default();
                    AnswerEvent::Done(StreamDone {
                        message_id,
                        prompt_tokens: usage.prompt_tokens,
                        completion_tokens: usage.completion_tokens,
                    })
                }
                Some(Err(e)) => {
                    let e = ServiceError::Provider(e);
                    answer.finish(Some(e.to_string())).await;
                    AnswerEvent::Failed(e)
                }
                None => {
                    let e = ServiceError::Provider(ProviderError::StreamCut(provider));
                    answer.finish(Some(e.to_string())).await;
                    AnswerEvent::Failed(e)
                }
            };
            Some((event, (upstream, answer, true)))
        },
    );
    Ok((start, events))
}

/// The answer as it streams in. Stored once: when it ends, or, if the client goes away first
/// (the stop button), when it is dropped, marked incomplete with what had arrived.
struct PartialAnswer {
    state: AppState,
    conversation: Option<Uuid>,
    content: String,
    hits: Vec<CandidateHit>,
    stored: bool,
}

impl PartialAnswer {
    async fn finish(&mut self, error: Option<String>) -> Option<Uuid> {
        self.stored = true;
        mark_cited(&mut self.hits, &self.content);
        let conversation = self.conversation?;
        match store_answer(&self.state, conversation, &self.content, &self.hits, error).await {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(error = %e, "could not store the streamed answer");
                None
            }
        }
    }
}

impl Drop for PartialAnswer {
    fn drop(&mut self) {
        let Some(conversation) = self.conversation.filter(|_| !self.stored) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let state = self.state.clone();
        let content = std::mem::take(&mut self.content);
        let mut hits = std::mem::take(&mut self.hits);
        mark_cited(&mut hits, &content);
        runtime.spawn(async move {
            if let Err(e) =
                store_answer(&state, conversation, &content, &hits, Some(STOPPED.into())).await
            {
                tracing::warn!(error = %e, "could not store the stopped answer");
            }
        });
    }
}

fn hit_ids(hits: &[CandidateHit]) -> Vec<Uuid> {
    hits.iter().map(|h| h.id).collect()
}

/// The processing log of a whole answer: every candidate whose data the prompt carried, when
/// the provider was reached (an answer, or its error).
async fn record_processing(
    state: &AppState,
    auth: &Member,
    purpose: Purpose,
    resolved: &ResolvedKey,
    result: &ServiceResult<ai::AiAnswer>,
    hits: &[CandidateHit],
) {
    let (source, provider, model) = match result {
        Ok(a) => (a.source, a.provider, a.model.as_str()),
        Err(ServiceError::Provider(_)) => (
            resolved.source,
            resolved.target.provider,
            resolved.target.model.as_str(),
        ),
        Err(_) => return,
    };
    let call = processing::Call {
        workspace_id: auth.workspace_id,
        user_id: Some(auth.id),
        purpose,
        key_source: source.as_str(),
        provider,
        model,
    };
    processing::record(state, call, &hit_ids(hits)).await;
}
