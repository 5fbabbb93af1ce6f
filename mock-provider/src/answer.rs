//! Deterministic answer generation: resume analysis, context chat and echo.

use serde::Serialize;

use crate::RecordedMessage;

/// Skills looked for when a resume has no `Skills:` line, in output order.
const KNOWN_SKILLS: &[&str] = &[
    "Python",
    "Rust",
    "JavaScript",
    "TypeScript",
    "Go",
    "Java",
    "SQL",
    "PostgreSQL",
    "React",
    "Django",
    "Kubernetes",
    "Docker",
    "AWS",
];

/// Words that carry no meaning when matching a question against context lines.
const STOP_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "find",
    "who",
    "are",
    "any",
    "all",
    "show",
    "me",
    "list",
    "developers",
    "developer",
    "candidates",
    "candidate",
    "know",
    "knows",
];

const EDUCATION_MARKERS: &[&str] = &[
    "University",
    "College",
    "B.Sc",
    "M.Sc",
    "Bachelor",
    "Master",
    "PhD",
];

/// Words of working life: one of them, contact details, skills or education make a text a
/// resume for the mock's `is_resume` verdict.
const WORK_WORDS: &[&str] = &[
    "experience",
    "work",
    "worked",
    "working",
    "job",
    "employer",
    "company",
    "engineer",
    "developer",
    "manager",
    "analyst",
    "designer",
    "consultant",
    "intern",
    "title",
    "skills",
    "resume",
    "cv",
    "education",
    "profile",
    "summary",
];

/// Below this many words, a text with no contact details and no work words is not a resume.
const RESUME_MIN_WORDS: usize = 30;

/// Marker in a resume asking for the JSON to be wrapped in prose and a code fence.
const SWITCH_FENCED: &str = "MOCK_FENCED";
/// Marker in a resume asking for an answer that is not JSON at all.
const SWITCH_INVALID_JSON: &str = "MOCK_INVALID_JSON";

/// Picks the answer for a conversation (see the crate docs for the rules).
pub(crate) fn choose_answer(messages: &[RecordedMessage], invent: bool) -> String {
    for m in messages {
        if let (Some(criteria), Some(resume)) = (
            between(&m.content, "<criteria>", "</criteria>"),
            between(&m.content, "<candidate_resume>", "</candidate_resume>"),
        ) {
            return crate::screening::verdicts_answer(criteria, resume, invent);
        }
        if let Some(description) = between(&m.content, "<job_description>", "</job_description>") {
            return crate::screening::draft_answer(description);
        }
    }
    if let Some(resume) = messages
        .iter()
        .find_map(|m| between(&m.content, "<resume>", "</resume>"))
    {
        return resume_answer(resume);
    }
    let last_user = messages
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .map_or("", |m| m.content.as_str());
    if let Some(context) = messages
        .iter()
        .filter(|m| m.role == "system")
        .find_map(|m| between(&m.content, "<context>", "</context>"))
    {
        return context_answer(context, last_user);
    }
    format!("Mock answer to: {last_user}")
}

/// Counts tokens the way the mock bills them: whitespace-separated words.
pub(crate) fn count_tokens(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// Splits text into word pieces that keep their surrounding whitespace, so that
/// concatenating the pieces gives back the text exactly.
pub(crate) fn word_pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut prev_ws = false;
    let mut seen_word = false;
    for (i, c) in text.char_indices() {
        let ws = c.is_whitespace();
        // A new piece begins where a word starts after whitespace; leading
        // whitespace stays attached to the first word.
        if !ws && prev_ws && seen_word {
            pieces.push(&text[start..i]);
            start = i;
        }
        if !ws {
            seen_word = true;
        }
        prev_ws = ws;
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

fn resume_answer(resume: &str) -> String {
    if resume.contains(SWITCH_INVALID_JSON) {
        return "I am unable to produce JSON for this resume.".to_owned();
    }
    let fenced = resume.contains(SWITCH_FENCED);
    // The switches are instructions to the mock, not resume content.
    let text = resume.replace(SWITCH_FENCED, "");
    let analysis = analyze_resume(&text);
    let json = match serde_json::to_string(&analysis) {
        Ok(json) => json,
        // Serializing plain strings and numbers cannot fail; answer with the
        // non-JSON reply rather than crash if it ever does.
        Err(_) => return "I am unable to produce JSON for this resume.".to_owned(),
    };
    if fenced {
        format!("Here is the analysis:\n```json\n{json}\n```\nLet me know if you need more.")
    } else {
        json
    }
}

/// Structured facts extracted from a resume; field order is the JSON key order.
#[derive(Debug, Serialize, PartialEq)]
pub(crate) struct ResumeAnalysis {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    pub skills: Vec<String>,
    pub years_experience: Option<u32>,
    pub education: Vec<String>,
    pub current_title: Option<String>,
    pub seniority: &'static str,
    pub summary: String,
    /// False for a short text with no contact details, skills, education or work words (a
    /// shopping list).
    pub is_resume: bool,
}

pub(crate) fn analyze_resume(text: &str) -> ResumeAnalysis {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let name = lines
        .first()
        .map(|l| strip_prefix_ci(l, "name:").map_or(*l, str::trim).to_owned());
    let current_title =
        value_after(text, "title:").or_else(|| lines.get(1).map(|l| (*l).to_owned()));
    let skills = extract_skills(text);
    let years_experience = extract_years(text);
    let seniority = match years_experience {
        Some(y) if y >= 8 => "senior",
        Some(y) if y >= 3 => "mid",
        _ => "junior",
    };
    let summary = format!(
        "{}, {} with {} years of experience in {}.",
        name.as_deref().unwrap_or("Unknown"),
        current_title.as_deref().unwrap_or("candidate"),
        years_experience.map_or_else(|| "unknown".to_owned(), |y| y.to_string()),
        if skills.is_empty() {
            "unspecified skills".to_owned()
        } else {
            skills
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    let email = extract_email(text);
    let phone = extract_phone(text);
    let education: Vec<String> = lines
        .iter()
        .filter(|l| EDUCATION_MARKERS.iter().any(|m| l.contains(m)))
        .map(|l| (*l).to_owned())
        .collect();
    let lower = text.to_ascii_lowercase();
    let is_resume = text.split_whitespace().count() >= RESUME_MIN_WORDS
        || email.is_some()
        || phone.is_some()
        || years_experience.is_some()
        || !skills.is_empty()
        || !education.is_empty()
        || WORK_WORDS.iter().any(|w| contains_word(&lower, w));
    ResumeAnalysis {
        name,
        email,
        phone,
        location: value_after(text, "location:"),
        skills,
        years_experience,
        education,
        current_title,
        seniority,
        summary,
        is_resume,
    }
}

/// `line` without `prefix` (ASCII case-insensitive), if it starts with it.
fn strip_prefix_ci<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let head = line.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &line[prefix.len()..])
}

/// Trimmed text after `label` (lowercase, matched ASCII case-insensitively) on
/// the first line containing it; `None` when absent or empty.
fn value_after(text: &str, label: &str) -> Option<String> {
    text.lines().find_map(|line| {
        // ASCII lowercasing keeps byte offsets valid for slicing `line`.
        let pos = line.to_ascii_lowercase().find(label)?;
        let value = line[pos + label.len()..].trim();
        (!value.is_empty()).then(|| value.to_owned())
    })
}

fn extract_email(text: &str) -> Option<String> {
    text.split_whitespace().find_map(|token| {
        let token = token.trim_matches(|c: char| ",;()<>[]{}\"'.:|".contains(c));
        // "Email:jane@x.com" or "mailto:jane@x.com" carry a label before the address.
        let at = token.find('@')?;
        let token = match token[..at].rfind(':') {
            Some(colon) => &token[colon + 1..],
            None => token,
        };
        let at = token.find('@')?;
        (at > 0 && token[at + 1..].contains('.')).then(|| token.to_owned())
    })
}

fn extract_phone(text: &str) -> Option<String> {
    const ALLOWED: &str = "+0123456789 -()";
    let mut run_start: Option<usize> = None;
    // The trailing sentinel closes a run that reaches the end of the text.
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), '\n')))
    {
        if ALLOWED.contains(c) {
            run_start.get_or_insert(i);
            continue;
        }
        let Some(start) = run_start.take() else {
            continue;
        };
        let run = &text[start..i];
        if run.chars().filter(char::is_ascii_digit).count() >= 7 {
            let mut phone = run.trim_matches(|c: char| c.is_whitespace() || c == '-');
            // Drop a closing parenthesis that belongs to surrounding prose.
            if phone.ends_with(')') && phone.matches(')').count() > phone.matches('(').count() {
                phone = phone[..phone.len() - 1].trim_end();
            }
            return Some(phone.to_owned());
        }
    }
    None
}

fn extract_skills(text: &str) -> Vec<String> {
    if let Some(list) = text
        .lines()
        .find_map(|l| strip_prefix_ci(l.trim(), "skills:"))
    {
        return list
            .split(',')
            .map(|s| s.trim().trim_end_matches('.').trim())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
    }
    let lower = text.to_ascii_lowercase();
    KNOWN_SKILLS
        .iter()
        .filter(|skill| contains_word(&lower, &skill.to_ascii_lowercase()))
        .map(|s| (*s).to_owned())
        .collect()
}

/// Whether `word` occurs in `haystack` bounded by non-alphanumeric characters.
fn contains_word(haystack: &str, word: &str) -> bool {
    haystack.match_indices(word).any(|(pos, _)| {
        let before = haystack[..pos].chars().next_back();
        let after = haystack[pos + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The N of the first "N years" / "N+ years".
fn extract_years(text: &str) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &lower[start..i];
        let mut rest = &lower[i..];
        rest = rest.strip_prefix('+').unwrap_or(rest);
        let rest = rest.trim_start_matches([' ', '\t']);
        if rest.starts_with("years") {
            if let Ok(n) = digits.parse() {
                return Some(n);
            }
        }
    }
    None
}

fn context_answer(context: &str, question: &str) -> String {
    let wanted = significant_words(question);
    let kept: Vec<String> = context
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| significant_words(l).iter().any(|w| wanted.contains(w)))
        .map(|l| format!("- {l}"))
        .collect();
    if kept.is_empty() {
        "I found no matching candidates in the context.".to_owned()
    } else {
        format!("Here is what I found:\n{}", kept.join("\n"))
    }
}

/// Lowercased alphanumeric words of 3+ characters that are not stop words.
fn significant_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(role: &str, content: &str) -> RecordedMessage {
        RecordedMessage {
            role: role.to_owned(),
            content: content.to_owned(),
        }
    }

    const RESUME: &str = "
Jane Doe
Senior Backend Engineer
Email: jane.doe@example.com, Phone: +1 (555) 123-4567
Location: Berlin, Germany

Worked 9+ years on distributed systems with Rust, Python and PostgreSQL (2015 - 2024).
Also used Docker and AWS.

M.Sc Computer Science, Technical University of Munich
";

    #[test]
    fn resume_fields() {
        let a = analyze_resume(RESUME);
        assert_eq!(a.name.as_deref(), Some("Jane Doe"));
        assert_eq!(a.email.as_deref(), Some("jane.doe@example.com"));
        assert_eq!(a.phone.as_deref(), Some("+1 (555) 123-4567"));
        assert_eq!(a.location.as_deref(), Some("Berlin, Germany"));
        assert_eq!(a.skills, ["Python", "Rust", "PostgreSQL", "Docker", "AWS"]);
        assert_eq!(a.years_experience, Some(9));
        assert_eq!(
            a.education,
            ["M.Sc Computer Science, Technical University of Munich"]
        );
        assert_eq!(a.current_title.as_deref(), Some("Senior Backend Engineer"));
        assert_eq!(a.seniority, "senior");
        assert_eq!(
            a.summary,
            "Jane Doe, Senior Backend Engineer with 9 years of experience in Python, Rust, PostgreSQL."
        );
    }

    #[test]
    fn resume_explicit_fields() {
        let a = analyze_resume(
            "Name: Bob Smith\nbob@example.org\nTitle: Data Analyst\nSkills: SQL, Excel , Tableau.\n2 years in BI\n",
        );
        assert_eq!(a.name.as_deref(), Some("Bob Smith"));
        assert_eq!(a.current_title.as_deref(), Some("Data Analyst"));
        assert_eq!(a.skills, ["SQL", "Excel", "Tableau"]);
        assert_eq!(a.years_experience, Some(2));
        assert_eq!(a.seniority, "junior");
        assert_eq!(a.phone, None);
        assert_eq!(a.location, None);
    }

    #[test]
    fn shopping_list_is_not_a_resume() {
        assert!(!analyze_resume("Milk — Eggs\nBread\nButter\n2 apples").is_resume);
        assert!(analyze_resume(RESUME).is_resume);
        assert!(analyze_resume("Sam Smith\nSkills: Rust").is_resume);
        assert!(analyze_resume("Ann Lee\nWorked at a bakery").is_resume);
        assert!(analyze_resume("Ann Lee\nann@example.com").is_resume);
    }

    #[test]
    fn resume_whole_words_only() {
        let a = analyze_resume("Ann\nJavaScript and TypeScript; we go far\n4 years");
        assert_eq!(a.skills, ["JavaScript", "TypeScript", "Go"]);
        assert_eq!(a.seniority, "mid");
    }

    #[test]
    fn resume_switches() {
        let fenced = choose_answer(&[msg("user", "<resume>MOCK_FENCED\nAl\n</resume>")], false);
        assert!(fenced.starts_with("Here is the analysis:\n```json\n{\"name\":\"Al\""));
        assert!(fenced.ends_with("\n```\nLet me know if you need more."));
        let invalid = choose_answer(
            &[msg("user", "<resume>MOCK_INVALID_JSON Al</resume>")],
            false,
        );
        assert_eq!(invalid, "I am unable to produce JSON for this resume.");
    }

    #[test]
    fn context_matching() {
        let system =
            "Use this.\n<context>\nAlice: Rust, Kubernetes\n\nBob: Python, Django\n</context>";
        let msgs = [msg("system", system), msg("user", "who knows python?")];
        assert_eq!(
            choose_answer(&msgs, false),
            "Here is what I found:\n- Bob: Python, Django"
        );
        let none = [msg("system", system), msg("user", "Find all developers")];
        assert_eq!(
            choose_answer(&none, false),
            "I found no matching candidates in the context."
        );
    }

    #[test]
    fn echo_last_user_message() {
        let msgs = [
            msg("user", "first"),
            msg("assistant", "x"),
            msg("user", "hi there"),
        ];
        assert_eq!(choose_answer(&msgs, false), "Mock answer to: hi there");
    }

    #[test]
    fn pieces_round_trip() {
        for text in ["  a bb\n ccc  ", "one", "", "a\n\nb"] {
            assert_eq!(word_pieces(text).concat(), text);
        }
        assert_eq!(word_pieces("a bb ccc"), ["a ", "bb ", "ccc"]);
    }
}
