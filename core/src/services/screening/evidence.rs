//! Checking the model's evidence and scoring: the parts of a screening that Hirekey decides,
//! not the model.
//!
//! **Quotes.** A quote is kept only if it appears in the resume text Hirekey extracted (the
//! redacted text in a blind run). Both are compared after Unicode NFC, lower-casing and
//! collapsing every run of whitespace to one space; quote marks and an ellipsis around a quote
//! are ignored. A quote that is not in the text is dropped and counted. A `met` or `partly`
//! left with no kept quote becomes `insufficient_evidence`.
//!
//! **Score** (0–100, [`score`]). Each criterion weighs 2 when it is a must-have and 1 when it
//! is nice to have; a verdict earns 1 for `met`, ½ for `partly` and 0 for `not_met` or
//! `insufficient_evidence`. The score is 100 × Σ weight × earned / Σ weight, rounded to the
//! nearest whole number. A must-have that is `not_met` or `insufficient_evidence` caps the
//! score at [`MISSING_MUST_CAP`], so no applicant missing a must-have outranks one who meets
//! them all half-way.
use std::ops::Range;

use types::screening::{CriterionKind, Verdict, VerdictKind};
use unicode_normalization::UnicodeNormalization;

/// The highest score of an application missing a must-have.
pub const MISSING_MUST_CAP: i32 = 40;
/// Quotes kept per criterion; more are ignored.
pub const MAX_QUOTES: usize = 5;
/// Characters per quote; a longer one is dropped.
pub const MAX_QUOTE_CHARS: usize = 600;
/// A quote shorter than this (after normalising) proves nothing and is dropped.
const MIN_QUOTE_CHARS: usize = 3;

/// Text as quotes are compared: NFC, lower case, whitespace runs as one space, trimmed; with
/// each output character's byte range in the NFC form of the input (see [`Normalized::nfc`]).
pub struct Normalized {
    /// The input in NFC: what the ranges point into.
    pub nfc: String,
    text: String,
    /// For each byte of `text`, the start of the NFC character it came from; for its end,
    /// `ends`.
    starts: Vec<usize>,
    ends: Vec<usize>,
}

impl Normalized {
    pub fn new(input: &str) -> Self {
        let nfc: String = input.nfc().collect();
        let mut text = String::with_capacity(nfc.len());
        let mut starts = Vec::with_capacity(nfc.len());
        let mut ends = Vec::with_capacity(nfc.len());
        let mut pending_space: Option<(usize, usize)> = None;
        for (at, c) in nfc.char_indices() {
            let end = at + c.len_utf8();
            if c.is_whitespace() {
                if !text.is_empty() && pending_space.is_none() {
                    pending_space = Some((at, end));
                }
                continue;
            }
            if let Some((s, e)) = pending_space.take() {
                text.push(' ');
                starts.push(s);
                ends.push(e);
            }
            for lower in c.to_lowercase() {
                let before = text.len();
                text.push(lower);
                for _ in before..text.len() {
                    starts.push(at);
                    ends.push(end);
                }
            }
        }
        Self {
            nfc,
            text,
            starts,
            ends,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Where `quote` (normalised the same way) first appears, as a byte range of
    /// [`Normalized::nfc`].
    pub fn find(&self, quote: &str) -> Option<Range<usize>> {
        let needle = Normalized::new(clean_quote(quote)).text;
        if needle.chars().count() < MIN_QUOTE_CHARS {
            return None;
        }
        let at = self.text.find(&needle)?;
        let last = at + needle.len() - 1;
        Some(*self.starts.get(at)?..*self.ends.get(last)?)
    }

    pub fn contains(&self, quote: &str) -> bool {
        self.find(quote).is_some()
    }
}

/// A quote without the quote marks or ellipsis a model may wrap it in.
fn clean_quote(quote: &str) -> &str {
    const WRAP: &[char] = &['"', '\'', '“', '”', '‘', '’', '«', '»', '…', '`'];
    let mut q = quote.trim();
    loop {
        let before = q.len();
        q = q.trim_matches(WRAP).trim();
        q = q.strip_prefix("...").unwrap_or(q);
        q = q.strip_suffix("...").unwrap_or(q).trim();
        if q.len() == before {
            return q;
        }
    }
}

/// What the model said about one criterion, before checking.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claimed {
    pub verdict: VerdictKind,
    pub quotes: Vec<String>,
}

/// Checks one criterion's claim against the resume text: keeps the quotes found, counts the
/// rest, and turns an unsupported `met` or `partly` into `insufficient_evidence`.
pub fn check(text: &Normalized, criterion: &str, kind: CriterionKind, claimed: Claimed) -> Verdict {
    let mut quotes: Vec<String> = Vec::new();
    let mut dropped = 0;
    for quote in claimed.quotes.into_iter().take(MAX_QUOTES) {
        let found = quote.chars().count() <= MAX_QUOTE_CHARS && text.find(&quote).is_some();
        if found {
            let kept = clean_quote(&quote).to_owned();
            if !quotes.contains(&kept) {
                quotes.push(kept);
            }
        } else {
            dropped += 1;
        }
    }
    let supported = !quotes.is_empty();
    let verdict = match claimed.verdict {
        VerdictKind::Met | VerdictKind::Partly if !supported => VerdictKind::InsufficientEvidence,
        other => other,
    };
    Verdict {
        criterion: criterion.to_owned(),
        kind,
        verdict,
        model_verdict: (verdict != claimed.verdict).then_some(claimed.verdict),
        quotes,
        dropped_quotes: dropped,
    }
}

/// The application's score from its checked verdicts (the formula is in the module docs).
pub fn score(verdicts: &[Verdict]) -> i32 {
    let mut total = 0u32;
    let mut earned = 0u32; // in halves
    let mut missing_must = false;
    for v in verdicts {
        let weight = match v.kind {
            CriterionKind::Must => 2,
            CriterionKind::Nice => 1,
        };
        total += weight;
        earned += weight
            * match v.verdict {
                VerdictKind::Met => 2,
                VerdictKind::Partly => 1,
                VerdictKind::NotMet | VerdictKind::InsufficientEvidence => 0,
            };
        if v.kind == CriterionKind::Must
            && matches!(
                v.verdict,
                VerdictKind::NotMet | VerdictKind::InsufficientEvidence
            )
        {
            missing_must = true;
        }
    }
    if total == 0 {
        return 0;
    }
    // 100 × earned / (2 × total), rounded half up, in integers.
    let raw = ((100 * earned + total) / (2 * total)) as i32;
    if missing_must {
        raw.min(MISSING_MUST_CAP)
    } else {
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(kind: CriterionKind, verdict: VerdictKind) -> Verdict {
        Verdict {
            kind,
            verdict,
            ..Verdict::default()
        }
    }

    #[test]
    fn quotes_compare_after_nfc_case_and_whitespace() {
        let text = Normalized::new("Led the  Café\nplatform team\t(5 people)");
        // Decomposed é, other case, other whitespace, wrapped in quotes.
        assert!(text.contains("\u{201c}led the cafe\u{301} platform TEAM\u{201d}"));
        assert!(text.contains("platform team (5 people)..."));
        assert!(!text.contains("led the cafe platform team of 50"));
        assert!(!text.contains("  "), "a quote of nothing proves nothing");
        let range = text.find("café platform");
        assert_eq!(range.map(|r| &text.nfc[r]), Some("Café\nplatform"));
    }

    #[test]
    fn invented_quotes_are_dropped_and_met_without_evidence_is_insufficient() {
        let text = Normalized::new("Rust and PostgreSQL at Acme since 2019.");
        let kept = check(
            &text,
            "Rust",
            CriterionKind::Must,
            Claimed {
                verdict: VerdictKind::Met,
                quotes: vec!["Rust and PostgreSQL".into(), "Rust at Google".into()],
            },
        );
        assert_eq!(kept.verdict, VerdictKind::Met);
        assert_eq!(kept.quotes, vec!["Rust and PostgreSQL".to_owned()]);
        assert_eq!(kept.dropped_quotes, 1);
        assert_eq!(kept.model_verdict, None);
        let invented = check(
            &text,
            "Kubernetes",
            CriterionKind::Nice,
            Claimed {
                verdict: VerdictKind::Partly,
                quotes: vec!["ran Kubernetes clusters".into()],
            },
        );
        assert_eq!(invented.verdict, VerdictKind::InsufficientEvidence);
        assert_eq!(invented.model_verdict, Some(VerdictKind::Partly));
        assert_eq!(invented.dropped_quotes, 1);
        let not_met = check(
            &text,
            "Go",
            CriterionKind::Nice,
            Claimed {
                verdict: VerdictKind::NotMet,
                quotes: vec![],
            },
        );
        assert_eq!(not_met.verdict, VerdictKind::NotMet);
    }

    #[test]
    fn score_follows_the_formula() {
        use CriterionKind::*;
        use VerdictKind::*;
        assert_eq!(score(&[]), 0);
        assert_eq!(score(&[verdict(Must, Met), verdict(Nice, Met)]), 100);
        // (2×1 + 1×½) / 3 = 83.3
        assert_eq!(score(&[verdict(Must, Met), verdict(Nice, Partly)]), 83);
        // (2×½ + 1×0) / 3 = 33.3
        assert_eq!(score(&[verdict(Must, Partly), verdict(Nice, NotMet)]), 33);
        // (2×1 + 2×0 + 1×1 + 1×1) / 6 = 66.7, capped: a must-have is missing.
        assert_eq!(
            score(&[
                verdict(Must, Met),
                verdict(Must, InsufficientEvidence),
                verdict(Nice, Met),
                verdict(Nice, Met)
            ]),
            MISSING_MUST_CAP
        );
        // Half points round up: (1×½) / 1 = 50.
        assert_eq!(score(&[verdict(Nice, Partly)]), 50);
        // (2×1 + 1×½ + 1×0)/4 = 62.5 → 63
        assert_eq!(
            score(&[
                verdict(Must, Met),
                verdict(Nice, Partly),
                verdict(Nice, NotMet)
            ]),
            63
        );
    }
}
