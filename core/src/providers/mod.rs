//! LLM providers: the provider table (shared with the pages, in `app::provider`), parsed keys,
//! and the one OpenAI-compatible client every AI call goes through.
mod client;
mod key;
pub mod outbound;
pub mod prices;
pub mod sse;

pub use key::ProviderKey;
pub use outbound::{OutboundPolicy, UrlSource};
pub use prices::{LivePrices, Price, PriceTable};
pub use types::provider::{mask_key_asterisks, mask_key_preview, Provider, ProviderSpec};

pub use client::{
    scrub_secrets, ChatMessage, ChatOutput, ProviderClient, ProviderError, RateLimitSnapshot,
    StreamItem, Target, Usage,
};
