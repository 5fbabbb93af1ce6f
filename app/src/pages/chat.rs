//! AI Chat: questions about the candidate database in plain language. Answers stream in as
//! they are written, name the candidates they drew on, and every conversation is kept.
mod stream;

use leptos::{ev, prelude::*, server_fn::ServerFn, task::spawn_local};
use leptos_router::{
    hooks::{use_navigate, use_params_map},
    NavigateOptions,
};

use crate::api::chat::{
    chat_key_status, delete_conversation, get_conversation, list_conversations, AiKeyStatus,
    CandidateHit, ChatQuery, ConversationSummary, RenameConversation, StoredMessage,
};
use crate::api::codec::{resource, Loaded};
use crate::api::{profile::KeySource, AppError};
use crate::components::error_view::ErrorMessage;
use crate::components::loaded::{loaded, loaded_view};
use crate::components::markdown::Markdown;
use crate::components::time::RelativeTime;
use crate::provider::Provider;
use stream::{ActiveStream, StreamEvent};

/// The question the empty chat offers; a click puts it in the question box.
const EXAMPLE_QUESTION: &str = "Find Python developers with Django experience";

/// Shown when an answer ended without `done` or `error`: the connection dropped.
const CUT_OFF: &str = "The answer was cut off";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    User,
    Assistant,
}

/// One message on screen; its parts are signals so a streaming answer grows in place.
/// Reference-counted signals: entries are made in event handlers and async tasks, outside the
/// page's reactive owner, and must live exactly as long as something shows or fills them.
#[derive(Clone)]
struct ChatEntry {
    role: Role,
    content: ArcRwSignal<String>,
    candidates: ArcRwSignal<Vec<CandidateHit>>,
    /// Why the answer stopped early ("Stopped", a provider error); `None` when complete.
    incomplete: ArcRwSignal<Option<String>>,
    streaming: ArcRwSignal<bool>,
}

impl ChatEntry {
    fn mark_incomplete(&self, reason: String) {
        self.incomplete.set(Some(reason));
        self.streaming.set(false);
    }
}

/// The messages on screen, in order.
#[derive(Clone, Copy)]
struct Transcript {
    entries: RwSignal<Vec<ChatEntry>>,
}

impl Transcript {
    fn new() -> Self {
        Self {
            entries: RwSignal::new(Vec::new()),
        }
    }

    fn entry(&self, role: Role, content: String) -> ChatEntry {
        ChatEntry {
            role,
            content: ArcRwSignal::new(content),
            candidates: ArcRwSignal::new(Vec::new()),
            incomplete: ArcRwSignal::new(None),
            streaming: ArcRwSignal::new(false),
        }
    }

    fn push(&self, role: Role, content: String) -> ChatEntry {
        let entry = self.entry(role, content);
        self.entries.update(|e| e.push(entry.clone()));
        entry
    }

    fn replace(&self, messages: Vec<StoredMessage>) {
        let entries = messages
            .into_iter()
            .map(|m| {
                let role = if m.role == crate::api::chat::Role::User {
                    Role::User
                } else {
                    Role::Assistant
                };
                let entry = self.entry(role, m.content);
                entry.candidates.set(m.candidates);
                if m.incomplete {
                    entry.incomplete.set(Some(m.error.unwrap_or_default()));
                }
                entry
            })
            .collect();
        self.entries.set(entries);
    }

    fn clear(&self) {
        self.entries.set(Vec::new());
    }
}

/// The key an answer is (or would be) generated with.
#[derive(Clone, Debug, PartialEq)]
struct KeyInUse {
    source: KeySource,
    provider: String,
    model: Option<String>,
}

/// The name users know a provider by; the status line may hand over a label already.
/// Capitalised, as it may start the line ("Custom provider"). Provider labels are ASCII; the
/// ASCII-only capital keeps Unicode's case tables out of the page's WASM.
fn provider_label(provider: &str) -> String {
    let mut label = Provider::label_of(provider).unwrap_or(provider).to_owned();
    if let Some(first) = label.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    label
}

fn bump(version: RwSignal<u32>) {
    version.update(|v| *v = v.wrapping_add(1));
}

/// What the chat page's parts share: the transcript, the answer in flight and the key line.
#[derive(Clone, Copy)]
struct ChatState {
    /// The conversation the address names.
    route_id: Memo<Option<String>>,
    transcript: Transcript,
    active: ActiveStream,
    /// The conversation on screen; it runs ahead of the address while a new one is created.
    shown_id: RwSignal<Option<String>>,
    loading: RwSignal<bool>,
    load_error: RwSignal<Option<AppError>>,
    streaming: RwSignal<bool>,
    key_in_use: RwSignal<Option<KeyInUse>>,
    key_required: RwSignal<Option<String>>,
    /// Bumped to reload the conversation list.
    list_version: RwSignal<u32>,
    draft: RwSignal<String>,
}

impl ChatState {
    fn new(route_id: Memo<Option<String>>) -> Self {
        Self {
            route_id,
            transcript: Transcript::new(),
            active: ActiveStream::new(),
            shown_id: RwSignal::new(None),
            loading: RwSignal::new(route_id.get_untracked().is_some()),
            load_error: RwSignal::new(None),
            streaming: RwSignal::new(false),
            key_in_use: RwSignal::new(None),
            key_required: RwSignal::new(None),
            list_version: RwSignal::new(0),
            draft: RwSignal::new(String::new()),
        }
    }

    /// Drops the answer in flight and empties the screen.
    fn clear(self) {
        self.active.detach();
        self.streaming.set(false);
        self.transcript.clear();
        self.load_error.set(None);
    }

    /// Opens the conversation the address names: a list link, `/chat/:id`, or none for `/chat`.
    fn open(self, id: Option<String>) {
        if id == self.shown_id.get_untracked() {
            return;
        }
        self.clear();
        self.shown_id.set(id.clone());
        let Some(id) = id else {
            self.loading.set(false);
            return;
        };
        self.loading.set(true);
        spawn_local(async move {
            let result = get_conversation(id.clone()).await;
            // Another conversation may have been opened meanwhile, or the page left.
            if self.shown_id.try_get_untracked().flatten().as_ref() != Some(&id) {
                return;
            }
            match result {
                Ok(detail) => self.transcript.replace(detail.messages),
                Err(e) => self.load_error.set(Some(e)),
            }
            self.loading.set(false);
        });
    }

    /// Empties the screen for a new conversation (the caller goes to `/chat`).
    fn start_new(self) {
        self.clear();
        self.loading.set(false);
        self.shown_id.set(None);
    }

    /// Asks `question` in the conversation on screen and streams the answer in below it.
    fn send(self, question: String, navigate: impl Fn(&str, NavigateOptions) + 'static) {
        let question = question.trim().to_owned();
        if question.is_empty() || self.streaming.get_untracked() {
            return;
        }
        self.draft.set(String::new());
        self.transcript.push(Role::User, question.clone());
        let answer = self.transcript.push(Role::Assistant, String::new());
        answer.streaming.set(true);
        self.streaming.set(true);
        let query = ChatQuery {
            query_text: question,
            conversation_id: self.shown_id.get_untracked(),
        };
        let unsent = answer.clone();
        if let Err(message) = self.active.start(&query, self.on_event(answer, navigate)) {
            unsent.mark_incomplete(message);
            self.streaming.set(false);
        }
    }

    /// What each event of the stream does to `answer` and the page.
    fn on_event(
        self,
        answer: ChatEntry,
        navigate: impl Fn(&str, NavigateOptions) + 'static,
    ) -> impl FnMut(StreamEvent) + 'static {
        // Done or failed: a later event (a stop after the end) changes nothing.
        let mut settled = false;
        move |event: StreamEvent| match event {
            StreamEvent::Start(start) => {
                self.key_required.set(None);
                self.key_in_use.set(Some(KeyInUse {
                    source: start.key_source,
                    provider: provider_label(&start.provider),
                    model: Some(start.model),
                }));
                answer.candidates.set(start.candidates);
                if let Some(id) = start.conversation_id.map(|id| id.to_string()) {
                    self.follow_new_conversation(id, &navigate);
                }
            }
            StreamEvent::Token(token) => answer.content.update(|c| c.push_str(&token)),
            StreamEvent::Done(_) => {
                settled = true;
                answer.streaming.set(false);
            }
            StreamEvent::Failed {
                status,
                error,
                message,
            } if !settled => {
                settled = true;
                if status == Some(403) && error == "API key required" {
                    self.key_required.set(Some(message.clone()));
                }
                answer.mark_incomplete(message);
            }
            StreamEvent::Failed { .. } => {}
            StreamEvent::Closed => {
                if !settled {
                    answer.mark_incomplete(CUT_OFF.to_owned());
                }
                self.streaming.set(false);
                bump(self.list_version);
            }
        }
    }

    /// The server started conversation `id` for the answer: put it in the address and the list.
    fn follow_new_conversation(self, id: String, navigate: &impl Fn(&str, NavigateOptions)) {
        if self.shown_id.try_get_untracked().flatten().as_ref() == Some(&id) {
            return;
        }
        // Set first, so opening the new address does not reload it.
        self.shown_id.set(Some(id.clone()));
        bump(self.list_version);
        navigate(
            &format!("/chat/{id}"),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    }
}

/// The AI Chat page, at `/chat` and `/chat/:id`.
#[component]
pub fn ChatPage() -> impl IntoView {
    let params = use_params_map();
    let route_id = Memo::new(move |_| params.read().get("id"));
    let chat = ChatState::new(route_id);
    let conversations = resource(move || chat.list_version.get(), |_| list_conversations());
    let key_status = resource(|| (), |_| chat_key_status());
    Effect::new(move |_| chat.open(route_id.get()));
    view! {
        <div class="chat">
            <ChatSidebar chat conversations />
            <section class="chat-main">
                <h1>"AI Chat"</h1>
                {loaded_view("Checking your AI key…", move || async move {
                    let status = key_status.await;
                    view! { <KeyLine status key_in_use=chat.key_in_use key_required=chat.key_required /> }.into_any()
                })}
                <MessageList chat />
                <Composer chat />
            </section>
        </div>
    }
}

/// The conversations, newest first, and the way to start a new one.
#[component]
fn ChatSidebar(chat: ChatState, conversations: Loaded<Vec<ConversationSummary>>) -> impl IntoView {
    let navigate = use_navigate();
    let new_chat = move |_| {
        chat.start_new();
        navigate("/chat", NavigateOptions::default());
    };
    let ChatState {
        route_id,
        list_version,
        ..
    } = chat;
    view! {
        <aside class="chat-sidebar" aria-label="Conversations">
            <button type="button" class="primary new-chat" on:click=new_chat>"New chat"</button>
            {loaded("Loading conversations…", move || async move {
                conversations.await.map(|list| if list.is_empty() {
                    view! { <p class="muted">"No conversations yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="conversation-list" data-testid="conversation-list">
                            {list.into_iter().map(|conversation| view! {
                                <ConversationItem conversation route_id list_version />
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })
            })}
        </aside>
    }
}

/// The questions and answers on screen, or what stands in for them.
#[component]
fn MessageList(chat: ChatState) -> impl IntoView {
    let ChatState {
        transcript,
        loading,
        load_error,
        draft,
        ..
    } = chat;
    let empty = move || {
        !loading.get() && load_error.with(Option::is_none) && transcript.entries.with(Vec::is_empty)
    };
    view! {
        <div class="chat-messages" role="log" data-testid="chat-messages">
            {move || loading.get().then(|| view! { <p class="loading">"Loading the conversation…"</p> })}
            {move || load_error.get().map(|error| view! { <ErrorMessage error /> })}
            {move || empty().then(|| view! {
                <p class="muted chat-empty">
                    "Ask about the candidates you have uploaded, for example: "
                    <button type="button" class="link-button" data-testid="example-question"
                        on:click=move |_| draft.set(EXAMPLE_QUESTION.to_owned())>{EXAMPLE_QUESTION}</button>
                </p>
            })}
            // Not a keyed `<For>`: a conversation only ever grows at its end or is replaced as a
            // whole, so the list is rebuilt in place (the messages already shown keep their DOM
            // nodes), and the page's WASM does without the keyed diff.
            {move || transcript.entries.get().into_iter().map(|entry| view! { <Message entry /> }).collect_view()}
        </div>
    }
}

/// The question box: Enter or Send asks, Stop ends the answer in flight.
#[component]
fn Composer(chat: ChatState) -> impl IntoView {
    let ChatState {
        active,
        streaming,
        draft,
        ..
    } = chat;
    let navigate = use_navigate();
    let send = move || chat.send(draft.get_untracked(), navigate.clone());
    let on_submit = {
        let send = send.clone();
        move |ev: ev::SubmitEvent| {
            ev.prevent_default();
            send();
        }
    };
    // Enter sends; Shift+Enter (or Enter while an input method composes) is a new line.
    let on_keydown = move |ev: ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    view! {
        <form class="composer" on:submit=on_submit>
            <textarea
                aria-label="Ask about your candidates"
                placeholder="Ask about your candidates… (Enter sends, Shift+Enter adds a line)"
                rows="3"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            {move || if streaming.get() {
                view! {
                    <button type="button" class="danger stop" on:click=move |_| active.stop()>"Stop"</button>
                }.into_any()
            } else {
                view! {
                    <button type="submit" class="primary" disabled=move || draft.with(|d| d.trim().is_empty())>"Send"</button>
                }.into_any()
            }}
        </form>
    }
}

/// Which key answers use, or the "API key required" state with the way out.
#[component]
fn KeyLine(
    status: Result<AiKeyStatus, AppError>,
    key_in_use: RwSignal<Option<KeyInUse>>,
    key_required: RwSignal<Option<String>>,
) -> impl IntoView {
    // Until a stream says otherwise, the status the server computed for this user.
    let (from_status, status_required) = match status {
        Ok(AiKeyStatus {
            key_source: Some(source),
            provider,
            model,
            ..
        }) => (
            Some(KeyInUse {
                source,
                provider: provider_label(&provider),
                model,
            }),
            None,
        ),
        Ok(AiKeyStatus { message, .. }) => (
            None,
            Some(message.unwrap_or_else(|| {
                "Please set up your API key in settings to use AI features".to_owned()
            })),
        ),
        Err(e) => (None, Some(e.message)),
    };
    move || {
        let required = key_required.get().or_else(|| {
            key_in_use
                .with(Option::is_none)
                .then(|| status_required.clone())
                .flatten()
        });
        if let Some(message) = required {
            return view! {
                <div class="alert" role="alert" data-testid="api-key-required">
                    <strong>"API key required"</strong>
                    <p>{message}</p>
                    <a href="/profile">"Set up your API key in My Profile"</a>
                </div>
            }
            .into_any();
        }
        let key = key_in_use.get().or_else(|| from_status.clone());
        view! {
            <p class="key-source" data-testid="key-source">
                {key.as_ref().map(|k| match k.source {
                    KeySource::Personal => format!("Using your {} key", k.provider),
                    KeySource::Team => format!("Using the team's {} key", k.provider),
                    _ => "Using the system key".to_owned(),
                })}
                {key.and_then(|k| k.model).map(|m| view! { <span class="muted">" · " {m}</span> })}
            </p>
        }
        .into_any()
    }
}

/// One conversation in the sidebar: open, rename, delete.
#[component]
fn ConversationItem(
    conversation: ConversationSummary,
    route_id: Memo<Option<String>>,
    list_version: RwSignal<u32>,
) -> impl IntoView {
    let navigate = use_navigate();
    let id = StoredValue::new(conversation.id.to_string());
    let title = conversation.title.clone();
    let is_open = move || route_id.with(|r| r.as_deref() == Some(id.get_value().as_str()));
    let delete = move |_| {
        if !window()
            .confirm_with_message("Delete this conversation?")
            .unwrap_or(false)
        {
            return;
        }
        let was_open = is_open();
        let navigate = navigate.clone();
        let id = id.get_value();
        spawn_local(async move {
            match delete_conversation(id).await {
                Ok(()) if was_open => navigate("/chat", NavigateOptions::default()),
                Ok(()) => {}
                Err(e) => {
                    window().alert_with_message(&e.message).ok();
                }
            }
            bump(list_version);
        });
    };
    view! {
        <li class="conversation" class:active=is_open data-testid="conversation">
            <a href=format!("/chat/{}", conversation.id) aria-current=move || is_open().then_some("page")>
                {title.clone()}
            </a>
            <span class="muted conversation-date"><RelativeTime t=conversation.updated_at.0 /></span>
            <details class="conversation-actions">
                <summary>"Rename or delete"</summary>
                // A plain form: the browser posts it and the server sends it back to this page, so
                // renaming costs the page no code of its own.
                <form class="rename-form" method="post" action=RenameConversation::url()>
                    <input type="hidden" name="id" value=conversation.id.to_string() />
                    <label>"New title" <input type="text" name="title" value=title required maxlength="200" /></label>
                    <button type="submit" class="secondary">"Rename"</button>
                </form>
                <button type="button" class="link-button danger-link" on:click=delete>"Delete this conversation"</button>
            </details>
        </li>
    }
}

/// A question as typed, or an answer rendered from Markdown with its candidates.
#[component]
fn Message(entry: ChatEntry) -> impl IntoView {
    let ChatEntry {
        role,
        content,
        candidates,
        incomplete,
        streaming,
        ..
    } = entry;
    if role == Role::User {
        return view! {
            <div class="message user" data-testid="chat-message" data-role="user">
                <p class="message-text">{move || content.get()}</p>
            </div>
        }
        .into_any();
    }
    let busy = streaming.clone();
    let thinking = {
        let content = content.clone();
        move || {
            (streaming.get() && content.with(String::is_empty))
                .then(|| view! { <p class="muted thinking">"Thinking…"</p> })
        }
    };
    let cards = {
        let candidates = candidates.clone();
        move || {
            let candidates = candidates.get();
            (!candidates.is_empty()).then(|| view! {
                <div class="chat-candidates">
                    {candidates.into_iter().enumerate().map(|(i, candidate)| view! { <CandidateCard number=i + 1 candidate /> }).collect_view()}
                </div>
            })
        }
    };
    view! {
        <div
            class="message assistant"
            data-testid="chat-message"
            data-role="assistant"
            aria-busy=move || busy.get().to_string()
        >
            <div class="markdown" data-testid="answer">
                <Markdown text=content candidates />
            </div>
            {thinking}
            {move || incomplete.get().map(|reason| view! {
                <p class="incomplete" data-testid="message-incomplete">
                    <span class="badge warn">"Incomplete"</span>
                    " "
                    {reason}
                </p>
            })}
            {cards}
        </div>
    }
    .into_any()
}

/// A candidate an answer drew on, linking to their page; `number`, the rank, is what citations
/// show.
#[component]
fn CandidateCard(number: usize, candidate: CandidateHit) -> impl IntoView {
    view! {
        <article
            class=if candidate.cited { "chat-candidate cited" } else { "chat-candidate" }
            data-testid="chat-candidate"
        >
            <div class="chat-candidate-head">
                <span class="card-number" aria-hidden="true">{format!("[{number}]")}</span>
                <a href=format!("/candidates/{}", candidate.id) data-testid="chat-candidate-link">
                    {candidate.name.clone()}
                </a>
            </div>
            {candidate.current_title.clone().map(|t| view! { <p class="muted">{t}</p> })}
            <div class="chips">
                {candidate.skills.iter().map(|s| view! { <span class="chip">{s.clone()}</span> }).collect_view()}
            </div>
            <p class="reason">{candidate.reason.clone()}</p>
        </article>
    }
}
