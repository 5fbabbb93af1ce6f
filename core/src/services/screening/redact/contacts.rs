//! E-mail addresses, URLs and handles.

use std::collections::HashSet;

use super::{
    doc::{fold, is_bullet, is_hspace, is_letter, is_separator, is_word_char, Doc},
    lists::{in_list, is_in, lists, GENERIC_LOCALS, NOT_DOMAINS},
    run::Run,
    Kind,
};

impl Run<'_> {
    // --- e-mail ---------------------------------------------------------------------------

    /// E-mail addresses; their local parts, letters only, for [`Self::email_local_names`].
    pub(super) fn emails(&mut self) -> HashSet<String> {
        let doc = self.doc;
        let mut locals = HashSet::new();
        for i in 0..doc.len() {
            if doc.c(i) != '@' {
                continue;
            }
            let mut s = i;
            while s > 0 && is_local_char(doc.c(s - 1)) {
                s -= 1;
            }
            while s < i && matches!(doc.c(s), '.' | '-' | '\'') {
                s += 1;
            }
            if s == i {
                continue;
            }
            let Some(e) = domain_end(doc, i + 1) else {
                continue;
            };
            let local = fold(
                &doc.string(s, i)
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .collect::<String>(),
            );
            if local.chars().count() >= 4 && !in_list(GENERIC_LOCALS, &local) {
                locals.insert(local);
            }
            if s >= 7 && doc.eq_ci(s - 7, s, "mailto:") {
                s -= 7;
            }
            self.push(s, e, Kind::Email);
        }
        locals
    }

    /// `jane [at] example [dot] com`, `jane(at)example.com`, `jane at example dot com`.
    pub(super) fn obfuscated_emails(&mut self) {
        let doc = self.doc;
        let n = doc.len();
        let mut i = 0;
        while i < n {
            let c = doc.c(i);
            let marker = if matches!(c, '[' | '(' | '{' | '<') {
                let j = doc.skip_hspace(i + 1);
                let close = match c {
                    '[' => ']',
                    '(' => ')',
                    '{' => '}',
                    _ => '>',
                };
                if (doc.eq_ci(j, j + 2, "at") && !is_letter(doc.c(j + 2))) || doc.c(j) == '@' {
                    let k = doc.skip_hspace(j + if doc.c(j) == '@' { 1 } else { 2 });
                    (doc.c(k) == close).then_some((i, k + 1, true))
                } else {
                    None
                }
            } else if is_hspace(c) && doc.eq_ci(i + 1, i + 3, "at") && is_hspace(doc.c(i + 3)) {
                Some((i, i + 4, false))
            } else {
                None
            };
            let Some((ms, me, bracketed)) = marker else {
                i += 1;
                continue;
            };
            // the local part
            let le = doc.skip_hspace_back(ms);
            let mut ls = le;
            while ls > 0 && is_local_char(doc.c(ls - 1)) {
                ls -= 1;
            }
            if ls == le || !doc.slice(ls, le).iter().any(|c| c.is_alphabetic()) {
                i += 1;
                continue;
            }
            // the domain: labels separated by `.` or a bracketed or spelled-out `dot`
            let mut j = doc.skip_hspace(me);
            let mut dots = 0;
            let mut worded = false;
            let mut end = j;
            let mut last_label = (j, j);
            loop {
                let s = j;
                while doc.c(j).is_ascii_alphanumeric() || doc.c(j) == '-' {
                    j += 1;
                }
                if j == s {
                    break;
                }
                last_label = (s, j);
                end = j;
                if doc.c(j) == '.' && doc.c(j + 1).is_ascii_alphanumeric() {
                    j += 1;
                    dots += 1;
                    continue;
                }
                let k = doc.skip_hspace(j);
                let c = doc.c(k);
                if matches!(c, '[' | '(' | '{' | '<') {
                    let q = doc.skip_hspace(k + 1);
                    if doc.eq_ci(q, q + 3, "dot") {
                        let r = doc.skip_hspace(q + 3);
                        if matches!(doc.c(r), ']' | ')' | '}' | '>') {
                            j = doc.skip_hspace(r + 1);
                            dots += 1;
                            worded = true;
                            continue;
                        }
                    }
                } else if k > j && doc.eq_ci(k, k + 3, "dot") && is_hspace(doc.c(k + 3)) {
                    j = doc.skip_hspace(k + 3);
                    dots += 1;
                    worded = true;
                    continue;
                }
                break;
            }
            let tld = doc.slice(last_label.0, last_label.1);
            if dots >= 1
                && tld.len() >= 2
                && tld.iter().all(|c| c.is_ascii_alphabetic())
                && (bracketed || worded)
            {
                self.push(ls, end, Kind::Email);
                i = end;
            } else {
                i += 1;
            }
        }
    }

    // --- links ----------------------------------------------------------------------------

    pub(super) fn urls(&mut self) {
        let doc = self.doc;
        let n = doc.len();
        let mut i = 0;
        while i < n {
            // a letter-spaced link: `h t t p s : //g it h u b . c o m / j o h n`
            if matches!(doc.c(i), 'h' | 'H')
                && !is_word_char(doc.prev(i))
                && doc.eq_ci(i, i + 7, "h t t p")
                && !is_word_char(doc.c(i + 7))
            {
                let e = doc.segment_end(i, 200);
                if doc.slice(i, e).windows(2).any(|w| w == ['/', '/']) {
                    self.push(i, e, Kind::Url);
                    i = e.max(i + 1);
                    continue;
                }
            }
            if !is_url_char(doc.c(i)) {
                i += 1;
                continue;
            }
            let s = i;
            while i < n && is_url_char(doc.c(i)) {
                i += 1;
            }
            let mut e = i;
            while e > s && matches!(doc.c(e - 1), '.' | ':' | '!' | '?' | '*' | '\'' | '’' | '"')
            {
                e -= 1;
            }
            if e <= s {
                continue;
            }
            let tok = doc.slice(s, e);
            if !tok.iter().any(|&c| c == '.' || c == ':') {
                continue;
            }
            if let Some(span) = url_in(doc, s, e) {
                self.push(span.0, span.1, Kind::Url);
            }
        }
    }

    pub(super) fn handles(&mut self) {
        let doc = self.doc;
        let n = doc.len();
        for i in 0..n {
            if doc.c(i) != '@' {
                continue;
            }
            let p = doc.prev(i);
            if is_word_char(p) || matches!(p, '.' | '-' | '_' | '/' | '@' | '+') {
                continue;
            }
            let mut e = i + 1;
            while e < n && (doc.c(e).is_alphanumeric() || matches!(doc.c(e), '_' | '.' | '-')) {
                e += 1;
            }
            while e > i + 1 && matches!(doc.c(e - 1), '.' | '-') {
                e -= 1;
            }
            if e - i < 3 || !doc.c(i + 1).is_alphanumeric() && doc.c(i + 1) != '_' {
                continue;
            }
            // `@user@instance.social`
            if doc.c(e) == '@' {
                let mut de = e + 1;
                while is_word_char(doc.c(de)) || matches!(doc.c(de), '.' | '-') {
                    de += 1;
                }
                while de > e + 1 && matches!(doc.c(de - 1), '.' | '-') {
                    de -= 1;
                }
                if de > e + 1 {
                    e = de;
                }
            }
            self.push(i, e, Kind::Handle);
        }
        // `GITHUB-SQUARE posquit0 |`: a network's name (an icon's, maybe) and a user name
        for k in 0..doc.words.len() {
            let Some((ws, we)) = doc.word(k) else {
                continue;
            };
            if we - ws > 24 || !doc.lower_in(ws, we, &lists().networks) {
                continue;
            }
            let lower = doc.lower(ws, we);
            if !lists().networks.contains(lower.as_str())
                || lower.chars().count() < 3
                || !doc.at_segment_start(ws)
            {
                continue;
            }
            let mut j = we;
            if doc.c(j) == '-' && doc.c(j + 1).is_uppercase() {
                j += 1;
                while doc.c(j).is_alphabetic() {
                    j += 1;
                }
            }
            if !is_hspace(doc.c(j)) {
                continue;
            }
            let v = doc.skip_hspace(j);
            let mut e = v;
            while e < n && (doc.c(e).is_ascii_alphanumeric() || matches!(doc.c(e), '_' | '.' | '-'))
            {
                e += 1;
            }
            let tok = doc.slice(v, e);
            let seg_end = {
                let q = doc.skip_hspace(e);
                matches!(doc.c(q), '\n' | '\0' | ',' | ';') || is_separator(doc.c(q)) || q >= e + 2
            };
            let caps_network = doc.slice(ws, we).iter().all(|c| !c.is_lowercase());
            let handle_like = tok
                .iter()
                .any(|&c| c.is_ascii_digit() || matches!(c, '_' | '-' | '.'));
            if tok.len() >= 2
                && seg_end
                && (caps_network || handle_like)
                && !tok.iter().any(|c| c.is_uppercase())
                && tok.iter().any(|c| c.is_ascii_alphabetic())
                && !is_in(&lists().not_name, &doc.lower(v, e))
            {
                self.push(v, e, Kind::Handle);
            }
        }
        // a user name on the line next to the network's name (`johndoe` / `GitHub`)
        for k in 0..doc.lines.len() {
            let (s, e) = doc.line_trimmed(k);
            if e <= s || e - s > 20 {
                continue;
            }
            let lower = doc.lower(s, e);
            if !lists().networks.contains(lower.as_str()) || lower == "x" {
                continue;
            }
            for other in [doc.prev_text_line(k), doc.next_text_line(k)]
                .into_iter()
                .flatten()
            {
                let (os, oe) = doc.line_trimmed(other);
                let tok = doc.slice(os, oe);
                if (2..=39).contains(&tok.len())
                    && tok
                        .iter()
                        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '@'))
                    && tok.iter().any(|c| c.is_ascii_alphabetic())
                    && !lists().networks.contains(doc.lower(os, oe).as_str())
                    && !is_in(&lists().not_name, &doc.lower(os, oe))
                {
                    self.push(os, oe, Kind::Handle);
                    break;
                }
            }
        }
    }
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'')
}

/// The end of a domain starting at `i` (`example.co.uk`), if it is one.
fn domain_end(doc: &Doc, i: usize) -> Option<usize> {
    let mut e = i;
    while e < doc.len() && (doc.c(e).is_alphanumeric() || matches!(doc.c(e), '.' | '-')) {
        e += 1;
    }
    while e > i && matches!(doc.c(e - 1), '.' | '-') {
        e -= 1;
    }
    let dom = doc.slice(i, e);
    let last_dot = dom.iter().rposition(|&c| c == '.')?;
    let tld = dom.get(last_dot + 1..)?;
    (last_dot > 0 && tld.len() >= 2 && tld.iter().all(|c| c.is_alphabetic())).then_some(e)
}

fn is_url_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '"' | '<'
                | '>'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '|'
                | '·'
                | '•'
                | ','
                | ';'
                | '`'
                | '“'
                | '”'
                | '‘'
                | '\\'
                | '^'
        )
        && !is_bullet(c)
}

/// The link in the token `[s, e)`, if any.
fn url_in(doc: &Doc, s: usize, e: usize) -> Option<(usize, usize)> {
    let tok = doc.slice(s, e);
    // scheme://
    if let Some(p) = (0..tok.len().saturating_sub(2)).find(|&p| {
        tok.get(p) == Some(&':') && tok.get(p + 1) == Some(&'/') && tok.get(p + 2) == Some(&'/')
    }) {
        let mut a = p;
        while a > 0 && tok.get(a - 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            a -= 1;
        }
        if p - a >= 2 && p + 3 < tok.len() {
            return Some((s + a, e));
        }
        return None;
    }
    // www.
    let lower: String = tok.iter().flat_map(|c| c.to_lowercase()).collect();
    if let Some(p) = lower.find("www.") {
        let cp = lower.get(..p).map_or(0, |h| h.chars().count());
        let before_ok = cp == 0 || tok.get(cp - 1).is_some_and(|&c| c == ':' || c == '/');
        if before_ok && lower.chars().count() > cp + 5 {
            return Some((s + cp, e));
        }
    }
    // a bare domain, maybe after `label:`
    let mut start = 0;
    if let Some(p) = tok.iter().position(|&c| c == ':') {
        // `homepage:example.com`: take what follows a word and a colon
        if tok
            .get(..p)
            .is_some_and(|h| h.iter().all(|c| c.is_alphabetic()))
        {
            start = p + 1;
        } else {
            return None;
        }
    }
    let rest = tok.get(start..)?;
    let host_len = rest
        .iter()
        .position(|&c| c == '/' || c == '?' || c == '#')
        .unwrap_or(rest.len());
    let host = rest.get(..host_len)?;
    let path = rest.get(host_len..).unwrap_or(&[]);
    if host.contains(&'@') || host.is_empty() {
        return None;
    }
    let host_s: String = host.iter().collect();
    let labels: Vec<&str> = host_s.split('.').collect();
    if labels.len() < 2 {
        return None;
    }
    if !labels.iter().all(|lab| {
        !lab.is_empty()
            && lab.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !lab.starts_with('-')
            && !lab.ends_with('-')
    }) {
        return None;
    }
    let tld = labels
        .last()
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default();
    if !is_in(&lists().tlds, &tld) {
        return None;
    }
    if !labels
        .iter()
        .take(labels.len() - 1)
        .any(|lab| lab.chars().any(|c| c.is_ascii_alphabetic()))
    {
        return None;
    }
    let has_path = path.len() > 1;
    let lower_host = host_s.to_ascii_lowercase();
    if !has_path && (host_s != lower_host || in_list(NOT_DOMAINS, &lower_host)) {
        return None;
    }
    Some((s + start, e))
}
