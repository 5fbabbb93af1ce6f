//! Words that follow a number: "1 candidate", "2 candidates".

/// `n` and the noun that fits it: `count(1, "error", "errors")` is "1 error".
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A query-string value, percent-encoded.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// Where to go after logging in: a path on this site (`/candidates?q=python`), never another
/// site (`//evil.example`, `/\evil.example`, `https://...`).
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        use super::local_path;
        for good in ["/", "/candidates?q=python", "/chat/abc"] {
            assert_eq!(local_path(good), Some(good));
        }
        for bad in [
            "",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil",
            "/a b",
            "/\tx",
        ] {
            assert_eq!(local_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(super::encode("a b&c=/é"), "a%20b%26c%3D%2F%C3%A9");
    }

    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(count(0, "candidate", "candidates"), "0 candidates");
        assert_eq!(count(1, "candidate", "candidates"), "1 candidate");
        assert_eq!(count(2, "analysis", "analyses"), "2 analyses");
    }
}
