//! Email addresses and phone numbers found in the resume text by pattern.
use types::candidates::ResumeAnalysis;

/// Email and phone found in the text by pattern win over the model's: models misread digits
/// and invent addresses, the pattern copies what is there.
pub fn merge_contacts(analysis: &mut ResumeAnalysis, text: &str) {
    if let Some(email) = find_email(text) {
        analysis.email = Some(email);
    }
    if let Some(phone) = find_phone(text) {
        analysis.phone = Some(phone);
    }
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

pub(super) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let tld = domain.rsplit('.').next().unwrap_or("");
    !local.is_empty()
        && local.chars().all(is_email_local)
        && !local.starts_with('.')
        && domain.contains('.')
        && domain.chars().all(is_email_domain)
        && domain.split('.').all(|label| !label.is_empty())
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
}

/// The first email address in the text.
pub fn find_email(text: &str) -> Option<String> {
    text.match_indices('@').find_map(|(at, _)| {
        let local_start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_email_local(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let domain_end = text[at + 1..]
            .char_indices()
            .take_while(|(_, c)| is_email_domain(*c))
            .last()
            .map_or(at + 1, |(i, c)| at + 1 + i + c.len_utf8());
        let local = text[local_start..at].trim_start_matches('.');
        let domain = text[at + 1..domain_end].trim_end_matches(['.', '-']);
        let email = format!("{local}@{domain}");
        is_email(&email).then_some(email)
    })
}

/// The first phone number in the text: 7 to 15 digits with the usual separators, not glued to
/// a word, not a year range or a date.
pub fn find_phone(text: &str) -> Option<String> {
    let is_part = |c: char| c.is_ascii_digit() || " -.()+".contains(c);
    let mut chars = text.char_indices().peekable();
    let mut before: Option<char> = None;
    while let Some((start, c)) = chars.next() {
        if !is_part(c) {
            before = Some(c);
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, d)) = chars.peek() {
            if !is_part(d) {
                break;
            }
            end = i + d.len_utf8();
            chars.next();
        }
        let run = &text[start..end];
        let lead = run.len() - run.trim_start_matches([' ', '-', '.', ')']).len();
        let glued_to_word = lead == 0 && before.is_some_and(char::is_alphanumeric);
        if !glued_to_word {
            if let Some(phone) = phone_in_run(&run[lead..]) {
                return Some(phone);
            }
        }
        before = run.chars().next_back();
    }
    None
}

/// The run trimmed to digits and balanced parentheses, if it looks like a phone number.
fn phone_in_run(run: &str) -> Option<String> {
    let mut phone = run.trim_end_matches(|c: char| !c.is_ascii_digit() && c != ')');
    // A closing parenthesis of the surrounding prose, or an opening one left alone.
    if phone.matches(')').count() > phone.matches('(').count() {
        phone = phone.strip_suffix(')').unwrap_or(phone).trim_end();
    }
    if !phone.contains(')') {
        phone = phone.strip_prefix('(').unwrap_or(phone).trim_start();
    }
    looks_like_phone(phone).then(|| phone.to_owned())
}

fn looks_like_phone(run: &str) -> bool {
    let digits = run.chars().filter(char::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return false;
    }
    let groups: Vec<&str> = run
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let is_year = |g: &str| g.len() == 4 && matches!(g.parse::<u32>(), Ok(1900..=2099));
    // "2015 - 2024", "2019-2021 2022".
    if groups.iter().all(|g| is_year(g)) {
        return false;
    }
    // "2020-01-15" and "15.01.2020".
    if groups.len() == 3
        && ((is_year(groups[0]) && groups[1].len() <= 2 && groups[2].len() <= 2)
            || (groups[0].len() <= 2 && groups[1].len() <= 2 && is_year(groups[2])))
    {
        return false;
    }
    // A decimal or version number ("3.14159265") is one or two groups split by dots.
    let decimal =
        groups.len() <= 2 && run.contains('.') && !run.contains(' ') && !run.contains('-');
    !decimal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_by_pattern() {
        assert_eq!(
            find_email("Built plugin@2.0.1 for npm. Mail: <jane.doe+cv@mail.example.co.uk>."),
            Some("jane.doe+cv@mail.example.co.uk".into())
        );
        assert_eq!(find_email("no address @ here"), None);
        assert_eq!(
            find_phone("Acme 2015 - 2024, born 1990-01-15, v3.14159265. Call +1 (555) 123-4567."),
            Some("+1 (555) 123-4567".into())
        );
        assert_eq!(
            find_phone("Tel: 030.1234.5678\n"),
            Some("030.1234.5678".into())
        );
        assert_eq!(find_phone("ID A12345678 and (2019-2021)"), None);
    }

    #[test]
    fn pattern_contacts_win_over_the_model() {
        let text = "Jane Doe\nWorked 2015 - 2024 on plugin@2.0.1\njane@example.com, +49 30 1234567";
        let mut a = ResumeAnalysis {
            email: Some("plugin@2.0.1".into()),
            phone: Some("2015 - 2024".into()),
            ..Default::default()
        };
        merge_contacts(&mut a, text);
        assert_eq!(a.email.as_deref(), Some("jane@example.com"));
        assert_eq!(a.phone.as_deref(), Some("+49 30 1234567"));
        // Nothing found by pattern: the model's answer stands.
        let mut b = ResumeAnalysis {
            email: Some("x@y.io".into()),
            ..Default::default()
        };
        merge_contacts(&mut b, "no contacts");
        assert_eq!(b.email.as_deref(), Some("x@y.io"));
    }
}
