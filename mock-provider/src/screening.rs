//! Deterministic answers to Hirekey's screening prompts: criteria drafted from a job
//! description, and verdicts with quotes copied from the resume.

use serde::Serialize;

/// The quote an inventing model (a key containing `invent`) adds to every criterion: it is in
/// no resume.
pub const INVENTED_QUOTE: &str = "Led a team of 40 engineers at NASA";

/// Words that say nothing about what a criterion asks.
const FILLER: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "years",
    "year",
    "experience",
    "least",
    "plus",
    "strong",
    "good",
    "ability",
    "using",
    "knowledge",
    "working",
    "must",
    "have",
    "has",
    "nice",
    "able",
    "skills",
    "skill",
    "of",
    "in",
    "or",
    "a",
    "an",
    "to",
    "on",
    "at",
    "is",
    "are",
    "be",
];

#[derive(Serialize)]
struct DraftCriterion {
    text: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Draft {
    criteria: Vec<DraftCriterion>,
}

/// Criteria from a job description: one per sentence or line of three words or more, `must`
/// when it says "must", "required" or "need", at most eight.
pub(crate) fn draft_answer(description: &str) -> String {
    let criteria = description
        .split(['.', '\n', ';'])
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 3)
        .take(8)
        .map(|s| {
            let lower = s.to_lowercase();
            let must = ["must", "required", "need"]
                .iter()
                .any(|w| lower.contains(w));
            DraftCriterion {
                text: s.chars().take(200).collect(),
                kind: if must { "must" } else { "nice" },
            }
        })
        .collect();
    serde_json::to_string(&Draft { criteria }).unwrap_or_default()
}

#[derive(Serialize)]
struct Verdict {
    criterion: usize,
    verdict: &'static str,
    quotes: Vec<String>,
}

#[derive(Serialize)]
struct Verdicts {
    verdicts: Vec<Verdict>,
}

fn keywords(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '+' && c != '#')
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 2 && !FILLER.contains(&w.as_str()))
        .collect()
}

/// Verdicts for `criteria` (lines `N. [kind] text`) on `resume`: `met` with the first resume
/// line that holds one of the criterion's words, quoted exactly, else `not_met`. With
/// `invent`, every criterion also gets [`INVENTED_QUOTE`] and is `met`.
pub(crate) fn verdicts_answer(criteria: &str, resume: &str, invent: bool) -> String {
    let lines: Vec<&str> = resume
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let verdicts = criteria
        .lines()
        .filter_map(|line| {
            let (number, rest) = line.trim().split_once(". ")?;
            let number: usize = number.parse().ok()?;
            let text = rest.split_once("] ").map_or(rest, |(_, t)| t);
            Some((number, keywords(text)))
        })
        .map(|(criterion, words)| {
            let found = lines.iter().find(|line| {
                let line_words = keywords(line);
                words.iter().any(|w| line_words.contains(w))
            });
            let mut quotes: Vec<String> = found
                .map(|l| l.chars().take(200).collect::<String>())
                .into_iter()
                .collect();
            if invent {
                quotes.push(INVENTED_QUOTE.to_owned());
            }
            Verdict {
                criterion,
                verdict: if found.is_some() || invent {
                    "met"
                } else {
                    "not_met"
                },
                quotes,
            }
        })
        .collect();
    serde_json::to_string(&Verdicts { verdicts }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_quote_resume_lines() {
        let answer = verdicts_answer(
            "1. [must] Rust in production\n2. [nice] Kubernetes\n",
            "Jane\n  Built Rust services at Acme  \nLikes tea",
            false,
        );
        let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
        assert_eq!(v["verdicts"][0]["verdict"], "met");
        assert_eq!(v["verdicts"][0]["quotes"][0], "Built Rust services at Acme");
        assert_eq!(v["verdicts"][1]["verdict"], "not_met");
        let invented = verdicts_answer("1. [nice] Kubernetes\n", "Likes tea", true);
        assert!(invented.contains(INVENTED_QUOTE));
    }

    #[test]
    fn drafts_split_sentences() {
        let answer = draft_answer("You must know Rust well. Kubernetes experience is a plus.\nHi");
        let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
        assert_eq!(v["criteria"][0]["kind"], "must");
        assert_eq!(v["criteria"][1]["kind"], "nice");
        assert_eq!(v["criteria"].as_array().map(Vec::len), Some(2));
    }
}
