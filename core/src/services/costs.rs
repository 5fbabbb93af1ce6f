//! What AI calls cost: the price a call is charged at, and its cost in micro-dollars. The
//! operator's price file wins; then, for OpenRouter, OpenRouter's own price list; then the
//! shipped table. A model none of them prices has no cost (`None`), never a cost of 0.
use crate::{
    providers::{Price, Provider, Target, Usage},
    state::AppState,
};

/// The price `target`'s model is charged at, if one is known.
pub async fn price_for(state: &AppState, target: &Target) -> Option<Price> {
    let listed = state.config.prices.get(target.provider, &target.model);
    if let Some(price) = listed.filter(|p| p.operator) {
        return Some(price.clone());
    }
    if target.provider == Provider::OpenRouter {
        if let Some(live) = openrouter_price(state, &target.model).await {
            return Some(live);
        }
    }
    listed.cloned()
}

/// OpenRouter's own price for `model`, from its model list read at most once an hour. The first
/// call of an instance waits for the list; later reads happen beside the calls.
async fn openrouter_price(state: &AppState, model: &str) -> Option<Price> {
    let base = state
        .config
        .providers
        .base_url(Provider::OpenRouter)?
        .to_owned();
    let (price, fresh) = state.live_prices.get(model);
    if !fresh {
        let state2 = state.clone();
        let refresh = async move {
            let live = state2.live_prices.clone();
            live.refresh(|| async {
                match state2
                    .providers
                    .model_prices(Provider::OpenRouter, &base)
                    .await
                {
                    Ok(models) => Some(models),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not read OpenRouter's prices");
                        None
                    }
                }
            })
            .await;
        };
        if state.live_prices.tried() {
            tokio::spawn(refresh);
        } else {
            refresh.await;
            return state.live_prices.get(model).0;
        }
    }
    price
}

/// What a call with `usage` cost at `price`: nothing for a call that used no tokens (it failed
/// before any), else unknown without a price.
pub fn cost_micro_usd(price: Option<&Price>, usage: Usage) -> Option<i64> {
    if usage.prompt_tokens <= 0 && usage.completion_tokens <= 0 {
        return Some(0);
    }
    price.map(|p| p.cost_micro_usd(usage))
}

/// Micro-dollars as dollars, for the API and the pages.
pub fn usd(micro: i64) -> f64 {
    micro as f64 / 1_000_000.0
}
