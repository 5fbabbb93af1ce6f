//! The AI service: which key a call uses (DESIGN.md "Which key a call uses"), the call itself,
//! the system-key rate limit, and metering.
use std::time::Instant;

use futures::{Stream, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::{
    entities::{ai_usage, provider_keys},
    error::{ServiceError, ServiceResult},
    providers::{
        ChatMessage, Price, Provider, ProviderError, RateLimitSnapshot, StreamItem, Target,
        UrlSource, Usage,
    },
    services::{budgets::Hold, costs, keys, pacing, policy::system_fallback_allowed, rate_limit},
    session::{AuthUser, ClientInfo, Member},
    state::AppState,
};

/// Whose key pays for a call (`Missing` never reaches a call: resolution fails first).
pub use types::profile::KeySource;

pub use crate::state::keys::{KeyCache, ResolvedKey, KEY_CACHE_TTL};
pub use crate::state::policy::PolicyCache;

/// What an AI feature is, for metering.
#[derive(Clone, Copy, Debug)]
pub enum Feature {
    Chat,
    CodeCompletion,
    CodeGeneration,
    ResumeAnalysis,
    CandidateChat,
    Search,
    Screening,
    ScreeningCriteria,
}

impl Feature {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::CodeCompletion => "code_completion",
            Self::CodeGeneration => "code_generation",
            Self::ResumeAnalysis => "resume_analysis",
            Self::CandidateChat => "candidate_chat",
            Self::Search => "search",
            Self::Screening => "screening",
            Self::ScreeningCriteria => "screening_criteria",
        }
    }
}

/// Personal (enabled, not expired) → the workspace's team key → system configuration → "API
/// key required", logging `Using personal API key for user: {email}` or `Using team API key
/// for workspace: {name}` (never the key) when one of those is used.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn resolve_ai_key(state: &AppState, auth: &Member) -> ServiceResult<ResolvedKey> {
    let resolved = lookup_ai_key(state, auth).await?;
    match (&resolved.source, &resolved.team) {
        (KeySource::Personal, _) => {
            tracing::info!("Using personal API key for user: {}", auth.email);
        }
        (KeySource::Team, Some(team)) => {
            tracing::info!("Using team API key for workspace: {}", team.workspace_name);
        }
        _ => {}
    }
    Ok(resolved)
}

/// The key a call would use, without logging (for showing the user which key is in play).
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn lookup_ai_key(state: &AppState, auth: &Member) -> ServiceResult<ResolvedKey> {
    let now = state.clock.now();
    let cache_key = (auth.id, auth.workspace_id);
    if state.notifications.caches_trusted() {
        if let Some(resolved) = state.key_cache.get(auth.id, auth.workspace_id, now) {
            return Ok(resolved);
        }
    }
    // One miss per (user, workspace) at a time; the others then find what it stored.
    let _miss = state.key_cache.miss_lock(auth.id, auth.workspace_id).await;
    if state.notifications.caches_trusted() {
        if let Some(resolved) = state.key_cache.get(auth.id, auth.workspace_id, now) {
            return Ok(resolved);
        }
    }
    let epoch = state.key_cache.epoch();
    let user = crate::services::users::load_user(state, auth.id).await?;
    let provider = crate::services::users::active_provider(&user);
    let row = provider_keys::Entity::find()
        .filter(provider_keys::Column::UserId.eq(auth.id))
        .filter(provider_keys::Column::Provider.eq(provider.as_str()))
        .one(&state.db)
        .await?;
    if let Some(row) = row {
        let expired = row.expires_at.is_some_and(|t| t <= now);
        if expired {
            note_expired(state, &row, now).await;
        } else if row.enabled {
            let target = keys::personal_target(state, provider, &row)?;
            let resolved = ResolvedKey {
                source: KeySource::Personal,
                target,
                team: None,
            };
            // Until the key's own expiry at the latest; any change to it drops the entry.
            state
                .key_cache
                .put(cache_key, &resolved, row.expires_at, epoch);
            return Ok(resolved);
        }
    }
    if let Some((resolved, expires_at)) = keys::team::lookup(state, auth, now).await? {
        state.key_cache.put(cache_key, &resolved, expires_at, epoch);
        return Ok(resolved);
    }
    if system_fallback_allowed(state).await {
        if let Some(system) = &state.config.system_ai {
            let resolved = ResolvedKey {
                source: KeySource::System,
                target: Target {
                    provider: system.provider,
                    base_url: system.base_url.clone(),
                    url_source: UrlSource::Operator,
                    api_key: system.api_key.clone(),
                    model: system.model.clone(),
                },
                team: None,
            };
            state.key_cache.put(cache_key, &resolved, None, epoch);
            return Ok(resolved);
        }
    }
    Err(ServiceError::ApiKeyRequired {
        provider: provider.label(),
    })
}

/// The team key of workspace `id` as `member` sees it (`keys::team::settings`), with the key
/// their own calls there would use.
pub async fn team_settings(
    state: &AppState,
    member: &Member,
    id: Uuid,
) -> ServiceResult<types::workspaces::TeamAiSettings> {
    let mut settings = keys::team::settings(state, member, id).await?;
    let there = Member {
        user: member.user.clone(),
        workspace_id: id,
        role: member.role,
    };
    settings.my_key_source = match lookup_ai_key(state, &there).await {
        Ok(resolved) => resolved.source,
        Err(ServiceError::ApiKeyRequired { .. }) => KeySource::Missing,
        Err(e) => return Err(e),
    };
    Ok(settings)
}

/// The banner for the budget of the key `member`'s calls use now, when 80 % or more of it is
/// spent (see `budgets::banner`).
pub async fn budget_banner(
    state: &AppState,
    member: &Member,
) -> ServiceResult<Option<(String, bool)>> {
    let resolved = match lookup_ai_key(state, member).await {
        Ok(resolved) => resolved,
        Err(ServiceError::ApiKeyRequired { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    match crate::services::budgets::BudgetKey::for_call(member, &resolved) {
        Some(key) => crate::services::budgets::banner(state, key).await,
        None => Ok(None),
    }
}

/// Writes the `expired` audit event once per expiry.
async fn note_expired(
    state: &AppState,
    row: &provider_keys::Model,
    now: chrono::DateTime<chrono::Utc>,
) {
    if row.expired_notified {
        return;
    }
    let claimed = provider_keys::Entity::update_many()
        .col_expr(
            provider_keys::Column::ExpiredNotified,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(provider_keys::Column::Id.eq(row.id))
        .filter(provider_keys::Column::ExpiredNotified.eq(false))
        .exec(&state.db)
        .await;
    if matches!(claimed, Ok(r) if r.rows_affected == 1) {
        let _ = audit::record(
            &state.db,
            Some(row.user_id),
            AuditEvent::Expired,
            Some(&row.provider),
            None,
            &ClientInfo::default(),
            now,
        )
        .await;
    }
}

/// Calls on the system key are limited per user, calls on a team key by the workspace's limits;
/// personal keys only by their provider.
pub async fn check_quota(
    state: &AppState,
    auth: &Member,
    resolved: &ResolvedKey,
) -> ServiceResult<()> {
    match (resolved.source, &resolved.team) {
        (KeySource::System, _) => check_system_quota(state, auth).await,
        (KeySource::Team, Some(team)) => keys::team::check_limits(state, auth, team).await,
        _ => Ok(()),
    }
}

async fn check_system_quota(state: &AppState, auth: &AuthUser) -> ServiceResult<()> {
    let limit = state.config.system_key_calls_per_minute;
    let now = state.clock.now().timestamp();
    match rate_limit::hit(&state.db, &format!("system-ai:{}", auth.id), 60, limit, now).await? {
        Ok(()) => Ok(()),
        Err(retry_after) => Err(ServiceError::TooManyRequests {
            message: format!(
                "You have used the shared system key {limit} times this minute. Try again in {retry_after}s, or add your own API key in My Profile for your own limits."
            ),
            retry_after,
        }),
    }
}

/// A finished AI answer.
#[derive(Clone, Debug)]
pub struct AiAnswer {
    pub content: String,
    pub source: KeySource,
    pub provider: Provider,
    pub model: String,
    pub usage: Usage,
    /// Time spent inside Hirekey (not waiting for the provider), in microseconds.
    pub overhead_us: u128,
    /// 80 % or more of the key's monthly budget is used: what to tell the user.
    pub budget_warning: Option<String>,
}

/// The longest answer a call asks for when its caller sets no limit: a budget reserves it as
/// the call's worst case, so it must be bounded.
pub const ANSWER_MAX_TOKENS: u32 = 4096;

// One usage row is every column of it; a struct to pass them would only rename the row.
#[allow(clippy::too_many_arguments)]
fn usage_row(
    caller: &Member,
    attempt: &Attempt,
    feature: Feature,
    usage: Usage,
    price: Option<&Price>,
    latency_ms: u128,
    status: &str,
    rate: &RateLimitSnapshot,
    now: chrono::DateTime<chrono::Utc>,
) -> ai_usage::Model {
    let resolved = &attempt.resolved;
    ai_usage::Model {
        id: Uuid::new_v4(),
        user_id: caller.id,
        workspace_id: Some(caller.workspace_id),
        key_source: resolved.source.as_str().to_owned(),
        provider: resolved.target.provider.as_str().to_owned(),
        model: resolved.target.model.clone(),
        feature: feature.as_str().to_owned(),
        prompt_tokens: usage.prompt_tokens.clamp(0, i32::MAX as i64) as i32,
        completion_tokens: usage.completion_tokens.clamp(0, i32::MAX as i64) as i32,
        latency_ms: latency_ms.min(i32::MAX as u128) as i32,
        status: status.to_owned(),
        remaining_requests: rate.remaining_requests,
        limit_requests: rate.limit_requests,
        remaining_tokens: rate.remaining_tokens,
        limit_tokens: rate.limit_tokens,
        reset_requests: rate.reset_requests.clone(),
        cost_micro_usd: costs::cost_micro_usd(price, usage),
        fallback_from: attempt.fallback_from.clone(),
        created_at: now,
    }
}

/// One complete answer on the user's resolved key, metered.
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn complete(
    state: &AppState,
    auth: &Member,
    feature: Feature,
    messages: &[ChatMessage],
    max_tokens: Option<u32>,
) -> ServiceResult<AiAnswer> {
    auth.ensure_can_work()?;
    let started = Instant::now();
    let resolved = resolve_ai_key(state, auth).await?;
    check_quota(state, auth, &resolved).await?;
    complete_with(
        state, auth, feature, &resolved, messages, max_tokens, started,
    )
    .await
}

/// Like [`complete`] with a key already resolved (so a caller can store the key source even
/// when the call fails). A call on a personal key that answers 429 or 5xx, times out or cannot
/// be reached goes on to the user's next key in their fallback order.
pub async fn complete_with(
    state: &AppState,
    auth: &Member,
    feature: Feature,
    resolved: &ResolvedKey,
    messages: &[ChatMessage],
    max_tokens: Option<u32>,
    started: Instant,
) -> ServiceResult<AiAnswer> {
    let mut attempt = Attempt {
        resolved: resolved.clone(),
        fallback_from: None,
    };
    let mut next_keys: Option<std::vec::IntoIter<Target>> = None;
    loop {
        let result = complete_once(
            state, auth, feature, &attempt, messages, max_tokens, started,
        );
        match result.await {
            Err(ServiceError::Provider(e)) if attempt.may_fall_back(&e) => {
                attempt = attempt.next(state, auth, &mut next_keys, e).await?;
            }
            other => return other,
        }
    }
}

/// The key one attempt of a call uses, and the one it fell back from (`groq: rate_limited`).
#[derive(Clone)]
struct Attempt {
    resolved: ResolvedKey,
    fallback_from: Option<String>,
}

impl Attempt {
    /// Only personal keys fall back, and only for faults that pass: a rate limit, a server
    /// error, a timeout, no connection. Never a rejected key (401) or no credit (402).
    fn may_fall_back(&self, e: &ProviderError) -> bool {
        self.resolved.source == KeySource::Personal
            && match e {
                ProviderError::RateLimited { .. }
                | ProviderError::Timeout(_)
                | ProviderError::Unreachable(_) => true,
                ProviderError::Upstream { status, .. } => *status >= 500,
                _ => false,
            }
    }

    /// The attempt on the user's next key after this one failed with `e` (the keys are read
    /// once, at the first fallback of a call), or `e` when there is none left.
    async fn next(
        self,
        state: &AppState,
        auth: &Member,
        next_keys: &mut Option<std::vec::IntoIter<Target>>,
        e: ProviderError,
    ) -> ServiceResult<Self> {
        if next_keys.is_none() {
            let failed = self.resolved.target.provider;
            *next_keys = Some(
                keys::fallback_targets(state, auth.id, failed)
                    .await?
                    .into_iter(),
            );
        }
        match next_keys.as_mut().and_then(Iterator::next) {
            Some(next) => Ok(self.fall_back(next, &e)),
            None => Err(ServiceError::Provider(e)),
        }
    }

    fn fall_back(self, next: Target, e: &ProviderError) -> Self {
        let from = format!("{}: {}", self.resolved.target.provider.as_str(), e.kind());
        tracing::info!(
            from = %from,
            to = next.provider.as_str(),
            "falling back to the user's next personal key"
        );
        Self {
            resolved: ResolvedKey {
                source: KeySource::Personal,
                target: next,
                team: None,
            },
            fallback_from: Some(from),
        }
    }
}

/// One attempt of a complete answer, metered and held against its budget.
async fn complete_once(
    state: &AppState,
    auth: &Member,
    feature: Feature,
    attempt: &Attempt,
    messages: &[ChatMessage],
    max_tokens: Option<u32>,
    started: Instant,
) -> ServiceResult<AiAnswer> {
    let resolved = &attempt.resolved;
    let price = costs::price_for(state, &resolved.target).await;
    let max_tokens = max_tokens.unwrap_or(ANSWER_MAX_TOKENS);
    let hold = Hold::take(state, auth, resolved, price.as_ref(), messages, max_tokens).await?;
    let before_call = started.elapsed();
    let call_started = Instant::now();
    let result = state
        .providers
        .chat(&resolved.target, messages, Some(max_tokens))
        .await;
    let latency = call_started.elapsed().as_millis();
    let now = state.clock.now();
    note_limits(state, &resolved.target, &result).await;
    match result {
        Ok(output) => {
            let budget_warning = hold.warning();
            hold.settle(costs::cost_micro_usd(price.as_ref(), output.usage));
            state.usage.record(usage_row(
                auth,
                attempt,
                feature,
                output.usage,
                price.as_ref(),
                latency,
                "ok",
                &output.rate_limit,
                now,
            ));
            Ok(AiAnswer {
                content: output.content,
                source: resolved.source,
                provider: resolved.target.provider,
                model: resolved.target.model.clone(),
                usage: output.usage,
                overhead_us: before_call.as_micros(),
                budget_warning,
            })
        }
        Err(e) => {
            // A failed call used no tokens.
            hold.settle(Some(0));
            state.usage.record(usage_row(
                auth,
                attempt,
                feature,
                Usage::default(),
                None,
                latency,
                e.kind(),
                &RateLimitSnapshot::default(),
                now,
            ));
            Err(ServiceError::Provider(e))
        }
    }
}

/// Tells the key's pacing what the provider said about its limits (`services::pacing`). A
/// failure to record it costs pacing one answer's news, never the answer.
async fn note_limits(
    state: &AppState,
    target: &Target,
    result: &Result<crate::providers::ChatOutput, ProviderError>,
) {
    let key = pacing::pace_key(target);
    let recorded = match result {
        Ok(output) => pacing::observe(state, &key, &output.rate_limit).await,
        Err(ProviderError::RateLimited { retry_after, .. }) => {
            pacing::blocked(state, &key, *retry_after).await
        }
        Err(_) => Ok(()),
    };
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "recording a key's rate limits failed");
    }
}

/// A streamed answer: the resolved key and the token stream. Metering happens when the
/// stream ends, fails or is dropped (the client went away).
#[tracing::instrument(skip_all, fields(user_id = %auth.id))]
pub async fn stream(
    state: &AppState,
    auth: &Member,
    feature: Feature,
    messages: &[ChatMessage],
) -> ServiceResult<(
    ResolvedKey,
    impl Stream<Item = Result<StreamItem, ProviderError>> + Send + 'static,
)> {
    auth.ensure_can_work()?;
    let resolved = resolve_ai_key(state, auth).await?;
    check_quota(state, auth, &resolved).await?;
    stream_with(state, auth, feature, &resolved, messages).await
}

/// Like [`stream`] with a key already resolved and its quota checked: the key that answers
/// (a personal key falls back as in [`complete_with`], but only before the stream starts, so
/// never once a token was sent) and its tokens.
pub async fn stream_with(
    state: &AppState,
    auth: &Member,
    feature: Feature,
    resolved: &ResolvedKey,
    messages: &[ChatMessage],
) -> ServiceResult<(
    ResolvedKey,
    impl Stream<Item = Result<StreamItem, ProviderError>> + Send + 'static,
)> {
    let mut attempt = Attempt {
        resolved: resolved.clone(),
        fallback_from: None,
    };
    let mut next_keys: Option<std::vec::IntoIter<Target>> = None;
    loop {
        match stream_once(state, auth, feature, &attempt, messages).await {
            Err(ServiceError::Provider(e)) if attempt.may_fall_back(&e) => {
                attempt = attempt.next(state, auth, &mut next_keys, e).await?;
            }
            Err(e) => return Err(e),
            Ok(tokens) => return Ok((attempt.resolved, tokens)),
        }
    }
}

/// One attempt of a streamed answer: the stream once the provider has accepted the call.
async fn stream_once(
    state: &AppState,
    auth: &Member,
    feature: Feature,
    attempt: &Attempt,
    messages: &[ChatMessage],
) -> ServiceResult<impl Stream<Item = Result<StreamItem, ProviderError>> + Send + 'static> {
    let resolved = &attempt.resolved;
    let started = Instant::now();
    let price = costs::price_for(state, &resolved.target).await;
    let hold = Hold::take(
        state,
        auth,
        resolved,
        price.as_ref(),
        messages,
        ANSWER_MAX_TOKENS,
    )
    .await?;
    let (upstream, rate) = match state
        .providers
        .chat_stream(&resolved.target, messages, Some(ANSWER_MAX_TOKENS))
        .await
    {
        Ok(ok) => ok,
        Err(e) => {
            hold.settle(Some(0));
            let now = state.clock.now();
            state.usage.record(usage_row(
                auth,
                attempt,
                feature,
                Usage::default(),
                None,
                started.elapsed().as_millis(),
                e.kind(),
                &RateLimitSnapshot::default(),
                now,
            ));
            return Err(ServiceError::Provider(e));
        }
    };
    let meter = StreamMeter {
        state: state.clone(),
        caller: auth.clone(),
        attempt: attempt.clone(),
        feature,
        rate,
        price,
        hold: Some(hold),
        started,
        completion_chars: 0,
        usage: None,
        status: "cancelled",
        prompt_chars: messages.iter().map(|m| m.content.len()).sum(),
    };
    let stream = futures::stream::unfold(
        (upstream, meter, false),
        |(mut upstream, mut meter, done)| async move {
            if done {
                return None;
            }
            let item = upstream.next().await?;
            let finished = match &item {
                Ok(StreamItem::Token(t)) => {
                    meter.completion_chars += t.len();
                    false
                }
                Ok(StreamItem::Done { usage }) => {
                    meter.usage = *usage;
                    meter.status = "ok";
                    true
                }
                Err(e) => {
                    meter.status = e.kind();
                    true
                }
            };
            Some((item, (upstream, meter, finished)))
        },
    );
    Ok(stream)
}

/// Writes the usage row of a stream when it is dropped, however it ended.
struct StreamMeter {
    state: AppState,
    caller: Member,
    attempt: Attempt,
    feature: Feature,
    rate: RateLimitSnapshot,
    price: Option<Price>,
    hold: Option<Hold>,
    started: Instant,
    completion_chars: usize,
    prompt_chars: usize,
    usage: Option<Usage>,
    status: &'static str,
}

impl Drop for StreamMeter {
    fn drop(&mut self) {
        // Providers that omit usage in streams get an estimate of four characters a token.
        let usage = self.usage.unwrap_or(Usage {
            prompt_tokens: (self.prompt_chars / 4) as i64,
            completion_tokens: (self.completion_chars / 4) as i64,
        });
        if let Some(hold) = self.hold.take() {
            hold.settle(costs::cost_micro_usd(self.price.as_ref(), usage));
        }
        let row = usage_row(
            &self.caller,
            &self.attempt,
            self.feature,
            usage,
            self.price.as_ref(),
            self.started.elapsed().as_millis(),
            self.status,
            &self.rate,
            self.state.clock.now(),
        );
        self.state.usage.record(row);
    }
}
