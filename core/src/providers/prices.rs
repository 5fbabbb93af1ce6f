//! What a model costs: the shipped price table, the operator's `HIREKEY_PRICES_FILE` over it,
//! and OpenRouter's own prices from its `GET /models`. A model with no known price has no cost
//! (`None`), never a cost of 0.
use std::{
    collections::HashMap,
    path::Path,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Provider, Usage};

/// One model's price in micro-dollars per million tokens (so $0.05 per million is 50 000):
/// a call's cost in micro-dollars is then its tokens times this, divided by a million.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Price {
    pub input_micro_per_mtok: i64,
    pub output_micro_per_mtok: i64,
    /// The page the price was read from, and when.
    pub source: String,
    pub as_of: String,
    /// From the operator's `HIREKEY_PRICES_FILE`: wins over the provider's own prices too.
    pub operator: bool,
}

impl Price {
    /// What `usage` costs at this price, in micro-dollars, rounded to the nearest.
    pub fn cost_micro_usd(&self, usage: Usage) -> i64 {
        let tokens = |n: i64| i128::from(n.max(0));
        let total = tokens(usage.prompt_tokens) * i128::from(self.input_micro_per_mtok)
            + tokens(usage.completion_tokens) * i128::from(self.output_micro_per_mtok);
        let rounded = (total + 500_000) / 1_000_000;
        rounded.min(i128::from(i64::MAX)) as i64
    }
}

/// The most a price may be, per million tokens: far above any model sold today, so a typo
/// (a price per token written per million, say) is caught.
const MAX_USD_PER_MTOK: f64 = 10_000.0;

/// Dollars per million tokens as micro-dollars per million tokens.
fn micro(usd_per_mtok: f64) -> i64 {
    (usd_per_mtok * 1_000_000.0).round() as i64
}

/// The prices Hirekey ships with, from each provider's pricing page on the date given.
/// `(provider, model, input $/Mtok, output $/Mtok, source, as of)`.
const SHIPPED: &[(Provider, &str, f64, f64, &str, &str)] = &[
    (
        Provider::Groq,
        "llama-3.1-8b-instant",
        0.05,
        0.08,
        GROQ,
        "2025-10-01",
    ),
    (
        Provider::Groq,
        "llama-3.3-70b-versatile",
        0.59,
        0.79,
        GROQ,
        "2025-10-01",
    ),
    (
        Provider::Groq,
        "openai/gpt-oss-20b",
        0.075,
        0.30,
        GROQ,
        "2025-10-01",
    ),
    (
        Provider::Groq,
        "openai/gpt-oss-120b",
        0.15,
        0.60,
        GROQ,
        "2025-10-01",
    ),
    (
        Provider::Groq,
        "meta-llama/llama-4-scout-17b-16e-instruct",
        0.11,
        0.34,
        GROQ,
        "2025-10-01",
    ),
    (
        Provider::Groq,
        "meta-llama/llama-4-maverick-17b-128e-instruct",
        0.20,
        0.60,
        GROQ,
        "2025-10-01",
    ),
    (
        Provider::Groq,
        "qwen/qwen3-32b",
        0.29,
        0.59,
        GROQ,
        "2025-10-01",
    ),
    (
        Provider::Groq,
        "moonshotai/kimi-k2-instruct-0905",
        1.00,
        3.00,
        GROQ,
        "2025-10-01",
    ),
    (
        Provider::OpenRouter,
        "meta-llama/llama-3.1-8b-instruct",
        0.02,
        0.03,
        OPENROUTER,
        "2025-10-01",
    ),
    (
        Provider::OpenRouter,
        "meta-llama/llama-3.3-70b-instruct",
        0.13,
        0.39,
        OPENROUTER,
        "2025-10-01",
    ),
    (
        Provider::DeepSeek,
        "deepseek-chat",
        0.28,
        0.42,
        DEEPSEEK,
        "2025-10-01",
    ),
    (
        Provider::DeepSeek,
        "deepseek-reasoner",
        0.28,
        0.42,
        DEEPSEEK,
        "2025-10-01",
    ),
    (
        Provider::OpenAi,
        "gpt-4o-mini",
        0.15,
        0.60,
        OPENAI,
        "2025-10-01",
    ),
    (
        Provider::OpenAi,
        "gpt-4o",
        2.50,
        10.00,
        OPENAI,
        "2025-10-01",
    ),
    (
        Provider::OpenAi,
        "gpt-4.1",
        2.00,
        8.00,
        OPENAI,
        "2025-10-01",
    ),
    (
        Provider::OpenAi,
        "gpt-4.1-mini",
        0.40,
        1.60,
        OPENAI,
        "2025-10-01",
    ),
    (
        Provider::OpenAi,
        "gpt-4.1-nano",
        0.10,
        0.40,
        OPENAI,
        "2025-10-01",
    ),
    (Provider::OpenAi, "gpt-5", 1.25, 10.00, OPENAI, "2025-10-01"),
    (
        Provider::OpenAi,
        "gpt-5-mini",
        0.25,
        2.00,
        OPENAI,
        "2025-10-01",
    ),
    (
        Provider::OpenAi,
        "gpt-5-nano",
        0.05,
        0.40,
        OPENAI,
        "2025-10-01",
    ),
];
const GROQ: &str = "https://groq.com/pricing";
const OPENROUTER: &str = "https://openrouter.ai/models";
const DEEPSEEK: &str = "https://api-docs.deepseek.com/quick_start/pricing";
const OPENAI: &str = "https://openai.com/api/pricing";

/// The price table: the shipped prices, with the operator's file over them.
#[derive(Clone, Debug, Default)]
pub struct PriceTable {
    entries: HashMap<(Provider, String), Price>,
    /// How many models the operator's file priced.
    from_file: usize,
}

/// `HIREKEY_PRICES_FILE`: `{"prices": [...]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceFile {
    prices: Vec<FileEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    provider: String,
    model: String,
    input_usd_per_mtok: f64,
    output_usd_per_mtok: f64,
    source: String,
    as_of: String,
}

impl PriceTable {
    /// The prices Hirekey ships with.
    pub fn shipped() -> Self {
        let entries = SHIPPED
            .iter()
            .map(|&(provider, model, input, output, source, as_of)| {
                (
                    (provider, model.to_owned()),
                    Price {
                        input_micro_per_mtok: micro(input),
                        output_micro_per_mtok: micro(output),
                        source: source.to_owned(),
                        as_of: as_of.to_owned(),
                        operator: false,
                    },
                )
            })
            .collect();
        Self {
            entries,
            from_file: 0,
        }
    }

    /// The shipped prices with the operator's file (if any) over them. A file that cannot be
    /// read or holds a bad entry is an error naming the file, the entry and the field.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let mut table = Self::shipped();
        let Some(path) = path else {
            return Ok(table);
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("HIREKEY_PRICES_FILE: cannot read {}", path.display()))?;
        table
            .apply_file(&text)
            .with_context(|| format!("HIREKEY_PRICES_FILE ({})", path.display()))?;
        Ok(table)
    }

    /// Validates the file's text and lays its entries over the table.
    pub fn apply_file(&mut self, text: &str) -> anyhow::Result<()> {
        let file: PriceFile = serde_json::from_str(text).context(
            "not a price file: expected {\"prices\": [{\"provider\", \"model\", \"input_usd_per_mtok\", \"output_usd_per_mtok\", \"source\", \"as_of\"}]}",
        )?;
        let mut seen = HashMap::new();
        for (i, entry) in file.prices.into_iter().enumerate() {
            let at = format!("entry {} ({}/{})", i + 1, entry.provider, entry.model);
            let provider = Provider::parse(&entry.provider)
                .map_err(|_| anyhow::anyhow!("{at}: unknown provider `{}`", entry.provider))?;
            let model = entry.model.trim();
            if model.is_empty()
                || model.chars().count() > 200
                || model.chars().any(char::is_control)
            {
                bail!("{at}: model must be a model id of 1 to 200 characters");
            }
            for (field, value) in [
                ("input_usd_per_mtok", entry.input_usd_per_mtok),
                ("output_usd_per_mtok", entry.output_usd_per_mtok),
            ] {
                if !value.is_finite() || !(0.0..=MAX_USD_PER_MTOK).contains(&value) {
                    bail!("{at}: {field} must be dollars per million tokens, from 0 to {MAX_USD_PER_MTOK}, not {value}");
                }
            }
            if entry.source.trim().is_empty() {
                bail!("{at}: source must say where the price came from");
            }
            if NaiveDate::parse_from_str(&entry.as_of, "%Y-%m-%d").is_err() {
                bail!(
                    "{at}: as_of must be a date such as 2026-11-01, not `{}`",
                    entry.as_of
                );
            }
            if let Some(first) = seen.insert((provider, model.to_owned()), i + 1) {
                bail!("{at}: the same model is priced again (first in entry {first})");
            }
            self.entries.insert(
                (provider, model.to_owned()),
                Price {
                    input_micro_per_mtok: micro(entry.input_usd_per_mtok),
                    output_micro_per_mtok: micro(entry.output_usd_per_mtok),
                    source: entry.source.trim().to_owned(),
                    as_of: entry.as_of,
                    operator: true,
                },
            );
        }
        self.from_file = seen.len();
        Ok(())
    }

    pub fn get(&self, provider: Provider, model: &str) -> Option<&Price> {
        self.entries.get(&(provider, model.to_owned()))
    }

    /// How many models the operator's file priced.
    pub fn from_file(&self) -> usize {
        self.from_file
    }
}

/// OpenRouter's own prices, read from its `GET /models` at most once an hour per instance; a
/// failed read is tried again after a minute.
#[derive(Clone, Default)]
pub struct LivePrices {
    inner: Arc<LiveInner>,
}

#[derive(Default)]
struct LiveInner {
    prices: RwLock<Option<Fetched>>,
    refresh: tokio::sync::Mutex<()>,
}

struct Fetched {
    at: Instant,
    ok: bool,
    models: HashMap<String, Price>,
}

/// How long OpenRouter's prices are kept, and how soon a failed read is tried again.
pub const LIVE_PRICES_TTL: Duration = Duration::from_secs(3600);
const LIVE_RETRY: Duration = Duration::from_secs(60);

impl LivePrices {
    /// The model's price if one is known and fresh enough to use; `fresh` says whether to
    /// read the list again first.
    pub fn get(&self, model: &str) -> (Option<Price>, bool) {
        let guard = self.inner.prices.read().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            None => (None, false),
            Some(f) => {
                let ttl = if f.ok { LIVE_PRICES_TTL } else { LIVE_RETRY };
                (f.models.get(model).cloned(), f.at.elapsed() < ttl)
            }
        }
    }

    /// Whether a list was ever read (or tried).
    pub fn tried(&self) -> bool {
        self.inner
            .prices
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Reads the list with `fetch` unless another task just did; one read at a time.
    pub async fn refresh<F, Fut>(&self, fetch: F)
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Option<HashMap<String, Price>>>,
    {
        let _one = self.inner.refresh.lock().await;
        if let (_, true) = self.get("") {
            return;
        }
        let fetched = fetch().await;
        let mut guard = self.inner.prices.write().unwrap_or_else(|e| e.into_inner());
        let kept = guard.take().map(|f| f.models).unwrap_or_default();
        *guard = Some(match fetched {
            Some(models) => Fetched {
                at: Instant::now(),
                ok: true,
                models,
            },
            // The last good list stays in use until a read succeeds.
            None => Fetched {
                at: Instant::now(),
                ok: false,
                models: kept,
            },
        });
    }
}

/// OpenRouter's `pricing` of one model: dollars per token, as decimal strings.
pub fn openrouter_price(prompt: &str, completion: &str) -> Option<Price> {
    let per_token = |s: &str| -> Option<f64> {
        let v: f64 = s.trim().parse().ok()?;
        (v.is_finite() && v >= 0.0 && v * 1_000_000.0 <= MAX_USD_PER_MTOK).then_some(v)
    };
    let (input, output) = (per_token(prompt)?, per_token(completion)?);
    Some(Price {
        input_micro_per_mtok: micro(input * 1_000_000.0),
        output_micro_per_mtok: micro(output * 1_000_000.0),
        source: "OpenRouter GET /models".to_owned(),
        as_of: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        operator: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::{anyhow, Result};

    fn usage(prompt: i64, completion: i64) -> Usage {
        Usage {
            prompt_tokens: prompt,
            completion_tokens: completion,
        }
    }

    fn priced<'a>(table: &'a PriceTable, provider: Provider, model: &str) -> Result<&'a Price> {
        table
            .get(provider, model)
            .ok_or_else(|| anyhow!("{model} has no price"))
    }

    /// The error a file's text gives, as its message chain.
    fn error_of(table: &mut PriceTable, text: &str) -> String {
        match table.apply_file(text) {
            Ok(()) => "accepted".to_owned(),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn a_call_costs_its_tokens_times_the_price() -> Result<()> {
        let table = PriceTable::shipped();
        let price = priced(&table, Provider::Groq, "llama-3.1-8b-instant")?;
        // 1000 × $0.05/M + 500 × $0.08/M = $0.00005 + $0.00004 = 90 µ$.
        assert_eq!(price.cost_micro_usd(usage(1000, 500)), 90);
        assert_eq!(price.cost_micro_usd(usage(0, 0)), 0);
        assert_eq!(price.cost_micro_usd(usage(-5, 0)), 0);
        // 7 × 0.05 = 0.35 µ$ rounds to 0; 10 × 0.05 = 0.5 rounds up.
        assert_eq!(price.cost_micro_usd(usage(7, 0)), 0);
        assert_eq!(price.cost_micro_usd(usage(10, 0)), 1);
        assert!(table.get(Provider::Groq, "no-such-model").is_none());
        Ok(())
    }

    #[test]
    fn every_default_model_has_a_shipped_price() {
        let table = PriceTable::shipped();
        for p in Provider::ALL {
            if p == Provider::Custom {
                continue;
            }
            let spec = p.spec();
            assert!(
                table.get(p, spec.default_model).is_some(),
                "{}",
                spec.default_model
            );
            assert!(
                table.get(p, spec.system_model).is_some(),
                "{}",
                spec.system_model
            );
        }
    }

    #[test]
    fn the_operator_file_overrides_and_extends() -> Result<()> {
        let mut table = PriceTable::shipped();
        table.apply_file(
            r#"{"prices": [
              {"provider": "groq", "model": "llama-3.1-8b-instant", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2, "source": "contract", "as_of": "2026-11-01"},
              {"provider": "custom", "model": "llama3.1", "input_usd_per_mtok": 0, "output_usd_per_mtok": 0, "source": "our own GPU", "as_of": "2026-11-01"}
            ]}"#,
        )?;
        let groq = priced(&table, Provider::Groq, "llama-3.1-8b-instant")?;
        assert_eq!(groq.input_micro_per_mtok, 1_000_000);
        assert_eq!(groq.source, "contract");
        assert!(groq.operator);
        let local = priced(&table, Provider::Custom, "llama3.1")?;
        assert_eq!(local.cost_micro_usd(usage(10, 10)), 0);
        assert_eq!(table.from_file(), 2);
        Ok(())
    }

    #[test]
    fn a_bad_entry_is_named() {
        let entry = |fields: &str| {
            let text = format!(
                r#"{{"prices": [{{"provider": "groq", "model": "m", "source": "s", "as_of": "2026-11-01", {fields}}}]}}"#
            );
            error_of(&mut PriceTable::shipped(), &text)
        };
        assert_eq!(
            entry(r#""input_usd_per_mtok": 1, "output_usd_per_mtok": 2"#),
            "accepted"
        );
        let err = entry(r#""input_usd_per_mtok": -1, "output_usd_per_mtok": 2"#);
        assert!(
            err.contains("entry 1 (groq/m)") && err.contains("input_usd_per_mtok"),
            "{err}"
        );
        let err = entry(r#""input_usd_per_mtok": 1, "output_usd_per_mtok": 20000"#);
        assert!(err.contains("output_usd_per_mtok"), "{err}");
        let err = entry(r#""input_usd_per_mtok": 1, "output_usd_per_mtok": 2, "typo": 1"#);
        assert!(err.contains("typo"), "{err}");
        let mut table = PriceTable::shipped();
        let err = error_of(
            &mut table,
            r#"{"prices": [{"provider": "acme", "model": "m", "input_usd_per_mtok": 1, "output_usd_per_mtok": 1, "source": "s", "as_of": "2026-11-01"}]}"#,
        );
        assert!(err.contains("unknown provider `acme`"), "{err}");
        let err = error_of(
            &mut table,
            r#"{"prices": [{"provider": "groq", "model": "m", "input_usd_per_mtok": 1, "output_usd_per_mtok": 1, "source": "s", "as_of": "November"}]}"#,
        );
        assert!(err.contains("as_of"), "{err}");
        let twice = r#"{"provider": "groq", "model": "m", "input_usd_per_mtok": 1, "output_usd_per_mtok": 1, "source": "s", "as_of": "2026-11-01"}"#;
        let err = error_of(&mut table, &format!(r#"{{"prices": [{twice}, {twice}]}}"#));
        assert!(err.contains("priced again"), "{err}");
    }

    #[test]
    fn openrouter_prices_are_per_token() -> Result<()> {
        let p = openrouter_price("0.00000002", "0.00000003").ok_or_else(|| anyhow!("no price"))?;
        assert_eq!(p.input_micro_per_mtok, 20_000);
        assert_eq!(p.output_micro_per_mtok, 30_000);
        assert!(openrouter_price("-1", "0").is_none());
        assert!(openrouter_price("free", "0").is_none());
        assert!(openrouter_price("1", "0").is_none());
        Ok(())
    }
}
