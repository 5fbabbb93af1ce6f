//! What makes two candidates the same person: the email lower-cased, the phone number in
//! E.164 form, and (for possible duplicates only) the name without case, accents or order.
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// The email as matched: trimmed and lower-cased (the domain is case-insensitive, and no
/// provider people use treats the local part's case as meaningful).
pub fn email_key(email: &str) -> Option<String> {
    let key = email.trim().to_lowercase();
    (key.contains('@') && key.len() <= 320).then_some(key)
}

/// The phone number in E.164 form: `+` and the digits when the number carries its country code
/// (`+44 20 7946 0958`, `0044 20 7946 0958`, or eleven digits or more), else the national
/// digits without the trunk `0`, so one number written two ways gives one key. Fewer than seven
/// digits is no phone number.
pub fn phone_key(phone: &str) -> Option<String> {
    let trimmed = phone.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if !(7..=15 + 2).contains(&digits.len()) {
        return None;
    }
    let key = if trimmed.starts_with('+') {
        format!("+{digits}")
    } else if let Some(rest) = digits.strip_prefix("00") {
        format!("+{rest}")
    } else if digits.len() >= 11 && !digits.starts_with('0') {
        format!("+{digits}")
    } else {
        digits.trim_start_matches('0').to_owned()
    };
    let count = key.trim_start_matches('+').len();
    (7..=15).contains(&count).then_some(key)
}

/// The name as compared for possible duplicates: accents dropped, lower-cased, punctuation
/// dropped and the words sorted, so "Müller, Anna" and "anna muller" agree. Needs two words:
/// one word alone names too many people.
pub fn name_key(name: &str) -> Option<String> {
    let folded: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    if words.len() < 2 {
        return None;
    }
    words.sort_unstable();
    let key = words.join(" ");
    (key.len() <= 320).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_match_without_case_or_spaces() {
        assert_eq!(email_key(" Ana@Example.COM "), email_key("ana@example.com"));
        assert_eq!(email_key("no-at-sign"), None);
    }

    #[test]
    fn one_phone_number_written_several_ways_is_one_key() {
        let want = Some("+442079460958".to_owned());
        assert_eq!(phone_key("+44 20 7946 0958"), want);
        assert_eq!(phone_key("0044 (20) 7946-0958"), want);
        assert_eq!(phone_key("+44.20.7946.0958"), want);
        assert_eq!(phone_key("(020) 7946 0958"), phone_key("020-7946-0958"));
        assert_eq!(phone_key("12345"), None);
        assert_ne!(phone_key("+1 415 555 0100"), phone_key("+1 415 555 0101"));
    }

    #[test]
    fn names_match_without_case_accents_or_order() {
        assert_eq!(name_key("Müller, Anna"), name_key("anna MULLER"));
        assert_eq!(name_key("José  García"), name_key("Garcia Jose"));
        assert_ne!(name_key("Anna Müller"), name_key("Anna Miller"));
        assert_eq!(name_key("Cher"), None);
    }
}
