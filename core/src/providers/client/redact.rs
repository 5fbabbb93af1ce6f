//! Keeping keys out of what is shown or logged: whether a text gives a key away, and scrubbing
//! key-like words from a text.

/// A text holding this many consecutive characters of a key (or the whole of a shorter key)
/// gives the key away.
const KEY_FRAGMENT_CHARS: usize = 8;

/// Whether a text gives a key away: it holds the whole key or [`KEY_FRAGMENT_CHARS`]
/// consecutive characters of it, in any case. Keys have no fixed format (a custom provider's
/// can be any string), so this looks for the key itself, not for a prefix.
pub(crate) fn reveals_key(text: &str, key: &str) -> bool {
    let key: Vec<char> = key.trim().to_lowercase().chars().collect();
    if key.is_empty() {
        return false;
    }
    let text = text.to_lowercase();
    let width = KEY_FRAGMENT_CHARS.min(key.len());
    key.windows(width)
        .any(|fragment| text.contains(&fragment.iter().collect::<String>()))
}

/// Replaces anything that looks like a provider key with `[redacted]`.
pub fn scrub_secrets(text: &str) -> String {
    text.split_inclusive(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
        .map(|piece| {
            let word = piece
                .trim_end_matches(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',');
            let looks_secret = ["gsk_", "sk-", "Bearer"]
                .iter()
                .any(|p| word.starts_with(p))
                && word.len() > 12;
            if looks_secret {
                piece.replacen(word, "[redacted]", 1)
            } else {
                piece.to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_keys() {
        let body = r#"{"error":"bad key gsk_abcdefghijklmnopqrstuvwxyz1234","auth":"Bearer sk-abcdefghijklmnop"}"#;
        let out = scrub_secrets(body);
        assert!(!out.contains("gsk_abc"), "{out}");
        assert!(!out.contains("sk-abcdefghijklmnop"), "{out}");
    }

    #[test]
    fn a_key_is_found_whole_in_part_and_in_any_case() {
        let key = "hk-custom-0123456789abcdef";
        assert!(reveals_key("model-hk-custom-0123456789abcdef", key));
        assert!(reveals_key("ft:HK-CUSTOM-0123", key));
        assert!(reveals_key("x-456789ab-y", key));
        assert!(!reveals_key("llama-3.1-8b-instant", key));
        assert!(
            reveals_key("my-tok-model", "tok"),
            "a short key is looked for whole"
        );
        assert!(!reveals_key("anything", " "));
    }
}
