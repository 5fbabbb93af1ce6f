//! Text as it comes in. Control characters (NUL, the C0 and C1 ranges, DEL) are refused at the
//! boundary with 422, wherever text arrives: they have no business in a name, an e-mail or a
//! question, and PostgreSQL cannot store NUL. Labels that are shown as one line (a person's
//! name, a conversation title, a file name) also lose the bidirectional controls that make
//! `…\u{202e}gnp.txt` read as `…txt.png`.
use serde_json::Value;

use crate::error::ServiceError;

/// A control character that text may not carry (tab and line breaks are text).
pub fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Characters that reorder how the text around them is shown: the embeddings, overrides and
/// isolates, and the marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// 422 when `text` holds a forbidden control character, naming it.
pub fn refuse_control(text: &str) -> Result<(), ServiceError> {
    match text.chars().find(|&c| is_forbidden_control(c)) {
        Some(c) => Err(ServiceError::Validation(format!(
            "Text may not contain control characters (found U+{:04X})",
            u32::from(c)
        ))),
        None => Ok(()),
    }
}

/// [`refuse_control`] over every string of a JSON document, keys included.
pub fn refuse_control_in_json(value: &Value) -> Result<(), ServiceError> {
    match value {
        Value::String(s) => refuse_control(s),
        Value::Array(items) => items.iter().try_for_each(refuse_control_in_json),
        Value::Object(fields) => fields.iter().try_for_each(|(k, v)| {
            refuse_control(k)?;
            refuse_control_in_json(v)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// A one-line label as it is stored and shown: bidirectional controls dropped, any other
/// control character (a line break in a file name) turned into a space, the ends trimmed.
pub fn clean_label(text: &str) -> String {
    text.chars()
        .filter(|&c| !is_bidi_control(c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A syntactically valid, lower-cased email address.
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ServiceError> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            });
        if valid {
            Ok(Self(email))
        } else {
            Err(ServiceError::Validation(
                "Enter a valid email address".into(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::disallowed_macros)] // A test writes its input literally.
    fn controls_are_refused_and_text_is_not() {
        assert!(refuse_control("Ada Lovelace\twrote\r\nthis").is_ok());
        assert!(refuse_control("日本語 — Zoë 😀").is_ok());
        for bad in ["a\0b", "\u{7}", "\u{7f}", "\u{85}", "\u{9f}x"] {
            assert!(refuse_control(bad).is_err(), "{bad:?}");
        }
        let nested = serde_json::json!({"a": [{"b": "ok"}, {"c\u{0}": 1}]});
        assert!(refuse_control_in_json(&nested).is_err());
        assert!(refuse_control_in_json(&serde_json::json!({"a": ["x", 1, null]})).is_ok());
    }

    #[test]
    fn labels_lose_bidi_controls() {
        assert_eq!(clean_label("resume\u{202e}gnp.txt"), "resumegnp.txt");
        assert_eq!(clean_label(" \u{2066}Bob\u{2069} "), "Bob");
        assert_eq!(clean_label("two\nlines"), "two lines");
        assert_eq!(clean_label("שלום Zoë"), "שלום Zoë");
    }
}
