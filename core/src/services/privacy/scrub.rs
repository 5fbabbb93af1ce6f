//! What identifies an erased candidate in stored text, and the text without it: their names,
//! e-mails and phone numbers, and, in an answer that listed them, the lines quoted from their
//! resume, each replaced by [`ERASED`].
use crate::{entities::candidates, services::resumes::contacts};

/// What stands where the candidate was.
pub const ERASED: &str = "[erased candidate]";

/// Shorter lines are not taken for quotes of the resume (a "- Rust" bullet is not personal).
const MIN_QUOTE_CHARS: usize = 16;
/// A line holding this many consecutive words of the resume quotes it.
const QUOTE_WORDS: usize = 5;

/// The candidate as text can name them.
#[derive(Clone, Debug, Default)]
pub struct Marks {
    /// Full names, longest first.
    names: Vec<String>,
    /// Parts of the names (capitalised words of two letters or more).
    name_parts: Vec<String>,
    emails: Vec<String>,
    /// Phone numbers, as their digits (seven or more).
    phones: Vec<String>,
    /// The resumes' texts, whitespace collapsed and lower-cased.
    resumes: Vec<String>,
    /// Every run of [`QUOTE_WORDS`] consecutive words of the resumes, lower-cased.
    runs: std::collections::HashSet<String>,
    /// The candidate's id, as answers cite it.
    id: String,
}

/// Lower-cased words with the punctuation around them trimmed.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn collapse(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

impl Marks {
    pub fn new(c: &candidates::Model, resume_texts: Vec<String>) -> Self {
        let mut m = Self::default();
        let analysis: serde_json::Value = c
            .analysis
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        let field = |k: &str| analysis.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        for name in [c.name.clone(), field("name")].into_iter().flatten() {
            let name = name.trim().to_owned();
            if name.chars().count() >= 2 && !m.names.contains(&name) {
                m.names.push(name);
            }
        }
        for name in &m.names {
            for part in name.split(|ch: char| !ch.is_alphabetic() && ch != '\'' && ch != '-') {
                if part.chars().count() >= 2
                    && part.chars().next().is_some_and(char::is_uppercase)
                    && !m.name_parts.iter().any(|p| p == part)
                {
                    m.name_parts.push(part.to_owned());
                }
            }
        }
        m.names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let mut emails: Vec<String> = [c.email.clone(), field("email")]
            .into_iter()
            .flatten()
            .collect();
        let mut phones: Vec<String> = field("phone").into_iter().collect();
        for text in &resume_texts {
            emails.extend(contacts::find_email(text));
            phones.extend(contacts::find_phone(text));
        }
        for e in emails {
            let e = e.trim().to_lowercase();
            if e.contains('@') && !m.emails.contains(&e) {
                m.emails.push(e);
            }
        }
        for p in phones {
            let d = digits(&p);
            if d.len() >= 7 && !m.phones.contains(&d) {
                m.phones.push(d);
            }
        }
        m.resumes = resume_texts.iter().map(|t| collapse(t)).collect();
        for text in &resume_texts {
            for run in words(text).windows(QUOTE_WORDS) {
                m.runs.insert(run.join(" "));
            }
        }
        m.id = c.id.to_string();
        m
    }

    /// Strings whose presence (in any case) means a text may name the candidate: the full
    /// names and the e-mails. (Phones are written too many ways to search for.)
    pub fn needles(&self) -> Vec<String> {
        self.names.iter().chain(&self.emails).cloned().collect()
    }

    /// `text` without the candidate. `listed`: the text is an answer that listed them among
    /// its candidates, so lines quoted from their resume go too, and the parts of their name.
    pub fn scrub(&self, text: &str, listed: bool) -> String {
        let mut out: Vec<String> = Vec::new();
        for line in text.split('\n') {
            if listed && self.quotes_resume(line) {
                let prefix: String = line
                    .chars()
                    .take_while(|c| c.is_whitespace() || "-*•>".contains(*c))
                    .collect();
                out.push(format!("{prefix}{ERASED}"));
            } else {
                out.push(line.to_owned());
            }
        }
        let mut text = out.join("\n");
        if !self.id.is_empty() {
            text = text.replace(&self.id, ERASED);
        }
        for email in &self.emails {
            text = replace_ignoring_case(&text, email);
        }
        for name in &self.names {
            text = replace_ignoring_case(&text, name);
        }
        text = self.replace_phones(&text);
        if listed {
            for part in &self.name_parts {
                text = replace_word(&text, part);
            }
        }
        collapse_repeats(&text)
    }

    fn quotes_resume(&self, line: &str) -> bool {
        let quoted = line
            .trim()
            .trim_start_matches(|c: char| c.is_whitespace() || "-*•>".contains(c))
            .trim_matches(|c: char| c == '"' || c == '“' || c == '”');
        if words(quoted)
            .windows(QUOTE_WORDS)
            .any(|run| self.runs.contains(&run.join(" ")))
        {
            return true;
        }
        let quoted = collapse(quoted);
        quoted.chars().count() >= MIN_QUOTE_CHARS
            && self.resumes.iter().any(|r| r.contains(&quoted))
    }

    /// Runs of digits and phone punctuation whose digits hold one of the phone numbers.
    fn replace_phones(&self, text: &str) -> String {
        if self.phones.is_empty() {
            return text.to_owned();
        }
        let is_part = |c: char| c.is_ascii_digit() || " -.()+/".contains(c);
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_ascii_digit() || chars[i] == '+' || chars[i] == '(' {
                let mut j = i;
                while j < chars.len() && is_part(chars[j]) {
                    j += 1;
                }
                // The run ends at its last digit (or a closing parenthesis after one).
                while j > i && !chars[j - 1].is_ascii_digit() {
                    j -= 1;
                }
                let d = digits(&chars[i..j].iter().collect::<String>());
                if d.len() >= 7
                    && self
                        .phones
                        .iter()
                        .any(|p| d.contains(p.as_str()) || p.ends_with(&d))
                {
                    out.push_str(ERASED);
                    i = j;
                    continue;
                }
            }
            out.push(chars[i]);
            i += 1;
        }
        out
    }
}

/// Every occurrence of `needle` in any case (by Unicode lower-casing that keeps lengths;
/// otherwise exact matches only).
fn replace_ignoring_case(text: &str, needle: &str) -> String {
    if needle.is_empty() {
        return text.to_owned();
    }
    let lower = text.to_lowercase();
    let needle_lower = needle.to_lowercase();
    if lower.len() != text.len() || needle_lower.len() != needle.len() {
        return text.replace(needle, ERASED);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lower.match_indices(&needle_lower) {
        if at < last {
            continue;
        }
        out.push_str(&text[last..at]);
        out.push_str(ERASED);
        last = at + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

/// `word` where it stands as a whole word (case as written).
fn replace_word(text: &str, word: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(word) {
        if at < last {
            continue;
        }
        let end = at + word.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if boundary(before) && boundary(after) {
            out.push_str(&text[last..at]);
            out.push_str(ERASED);
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// "[erased candidate] [erased candidate]" (a first and a last name replaced apart) as one.
fn collapse_repeats(text: &str) -> String {
    let twice = format!("{ERASED} {ERASED}");
    let mut text = text.to_owned();
    while text.contains(&twice) {
        text = text.replace(&twice, ERASED);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jane() -> Marks {
        let c = candidates::Model {
            id: uuid::Uuid::nil(),
            owner_id: uuid::Uuid::nil(),
            workspace_id: uuid::Uuid::nil(),
            name: Some("Jane Doe".into()),
            email: Some("jane.doe@example.com".into()),
            current_title: None,
            skills: String::new(),
            summary: None,
            analysis: Some(r#"{"name":"Jane Doe","phone":"+1 (555) 123-4567"}"#.into()),
            analysis_status: "done".into(),
            analysis_error: None,
            key_source: None,
            search_text: String::new(),
            warnings: None,
            not_a_resume: false,
            email_key: None,
            phone_key: None,
            name_key: None,
            seniority: None,
            years_experience: None,
            last_activity_at: None,
            corrections: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        Marks::new(
            &c,
            vec!["Jane Doe\nKubernetes operator work on project Zephyr-Quill\nEmail: jane.doe@example.com".into()],
        )
    }

    #[test]
    fn names_emails_and_phones_are_replaced() {
        let m = jane();
        let out = m.scrub(
            "JANE DOE (jane.doe@EXAMPLE.com, 555-123-4567) knows Rust. Call +1 555 123 4567.",
            false,
        );
        assert_eq!(
            out,
            "[erased candidate] ([erased candidate], [erased candidate]) knows Rust. Call [erased candidate]."
        );
    }

    #[test]
    fn quoted_resume_lines_and_name_parts_go_only_from_answers_that_listed_them() {
        let m = jane();
        let answer = "Here is what I found:\n- Kubernetes operator work on project Zephyr-Quill\nJane has five years.\n- Rust";
        assert_eq!(
            m.scrub(answer, true),
            "Here is what I found:\n- [erased candidate]\n[erased candidate] has five years.\n- Rust"
        );
        assert_eq!(
            m.scrub(answer, false),
            answer,
            "an answer that did not list them keeps its words"
        );
    }

    #[test]
    fn a_line_holding_five_words_of_the_resume_goes_whole() {
        let m = jane();
        let answer = "- [00000000-0000-0000-0000-000000000000] Jane Doe | Resume: Jane Doe Kubernetes operator work on project Zephyr-Quill Email\n- Ada | Python";
        assert_eq!(
            m.scrub(answer, true),
            "- [erased candidate]\n- Ada | Python"
        );
    }

    #[test]
    fn needles_are_the_full_names_and_emails() {
        assert_eq!(jane().needles(), vec!["Jane Doe", "jane.doe@example.com"]);
    }
}
