//! Personal names: the first line's, names spelled by e-mail local parts, name tokens.

use std::collections::HashSet;

use super::{
    doc::{fold, fold_chars, is_cjk, is_hspace, is_letter, is_separator, is_upper_start, Doc},
    lists::{in_list, is_in, lists, HEADINGS, NAME_SKIP, PARTICLES, TITLES},
    run::Run,
    Kind,
};

impl Run<'_> {
    /// The first line with letters (after a `Curriculum Vitae` heading), when it starts with a
    /// personal name; also the name split over two lines (`Leo` / `Leopard`), and the name in
    /// Chinese, Japanese or Korean on the line after it (`Wei Lin Zhang` / `张伟林`).
    pub(super) fn first_line_name(&mut self) {
        let doc = self.doc;
        let mut skipped = 0;
        for k in 0..doc.lines.len() {
            let (s, e) = doc.line_trimmed(k);
            if !doc.slice(s, e).iter().any(|&c| c.is_alphabetic()) {
                continue;
            }
            // a bullet or an icon before the name
            let mut s = s;
            while s < e && !doc.c(s).is_alphanumeric() {
                s += 1;
            }
            let seg_end = first_segment_end(doc, s, e);
            let lower = doc.lower(s, seg_end);
            let heading = lower.trim_end_matches([':', '.']).trim();
            if skipped < 2 && HEADINGS.contains(&heading) {
                skipped += 1;
                continue;
            }
            // `Dr. Jane Doe`, `Mrs Jane Doe`: the title is not the name (Mrs is gender's)
            let s = skip_title(doc, s, seg_end);
            if let Some(ne) = name_prefix(doc, s, seg_end, 2) {
                self.push(s, ne, Kind::Name);
                self.add_found_name(s, ne);
                // the name again in CJK script on the next line
                if let Some(n) = doc.next_text_line(k) {
                    let (ns, nend) = doc.line_trimmed(n);
                    let cjk = doc.slice(ns, nend);
                    if (2..=4).contains(&cjk.len())
                        && cjk.iter().all(|&c| is_cjk(c))
                        && !HEADINGS.contains(&doc.string(ns, nend).as_str())
                    {
                        self.push(ns, nend, Kind::Name);
                        self.add_found_name(ns, nend);
                    }
                }
            } else if seg_end == e
                && name_prefix(doc, s, e, 1).is_some_and(|ne| ne == e)
                && !doc.slice(s, e).contains(&' ')
            {
                // one word: the name may go on on the next line
                if let Some(n) = doc.next_text_line(k) {
                    let (ns, nend) = doc.line_trimmed(n);
                    if name_prefix(doc, ns, nend, 1) == Some(nend)
                        && !doc.slice(ns, nend).contains(&' ')
                    {
                        self.push(s, e, Kind::Name);
                        self.push(ns, nend, Kind::Name);
                        self.add_found_name(s, e);
                        self.add_found_name(ns, nend);
                    }
                }
            }
            return;
        }
    }

    /// Capitalised words that spell an e-mail address's local part found in the text:
    /// `Li Minghua` for `liminghua@`, `KATHERINE JOHNSON` for `kjohnson@`, `Wei Lin Zhang`
    /// for `wlzhang@`, `Sourabh` for `sourabh@`.
    pub(super) fn email_local_names(&mut self, locals: &HashSet<String>) {
        let doc = self.doc;
        if locals.is_empty() {
            return;
        }
        // every prefix of a local part: spelling a name stops as soon as it leaves them
        let mut prefixes: HashSet<String> = HashSet::new();
        for local in locals {
            let mut p = String::new();
            for c in local.chars() {
                p.push(c);
                prefixes.insert(p.clone());
            }
        }
        let firsts: HashSet<char> = locals.iter().filter_map(|l| l.chars().next()).collect();
        let first_of = |k: usize| -> bool {
            doc.word(k).is_some_and(|(s, _)| {
                let c = doc.lw(s, s + 1).first().copied().unwrap_or(' ');
                !c.is_ascii() || firsts.contains(&c)
            })
        };
        let nw = doc.words.len();
        for k in 0..nw {
            if !first_of(k) && !first_of(k + 1) {
                continue;
            }
            let Some(first) = name_word_at(doc, k) else {
                continue;
            };
            if first.2.chars().count() >= 4 && locals.contains(&first.2) {
                self.push(first.0, first.1, Kind::Name);
                self.tokens.insert(first.2.clone());
            }
            let mut seq = vec![first];
            for m in 1..3 {
                let Some(next) = name_word_at(doc, k + m) else {
                    break;
                };
                let last_end = seq.last().map_or(0, |w| w.1);
                if next.0 != last_end + 1 || !matches!(doc.c(last_end), ' ' | '-') {
                    break;
                }
                seq.push(next);
            }
            // the longest run that spells a local part, each word whole or as its initial;
            // two words also reversed (`Yamada Taro` for `taro.yamada`)
            let mut hit = None;
            for n in (2..=seq.len()).rev() {
                let words: Vec<&str> = seq.iter().take(n).map(|w| w.2.as_str()).collect();
                if spells(&words, 0, &mut String::new(), 0, locals, &prefixes) {
                    hit = Some(n);
                    break;
                }
                if n == 2 {
                    let reversed: Vec<&str> = words.iter().rev().copied().collect();
                    if spells(&reversed, 0, &mut String::new(), 0, locals, &prefixes) {
                        hit = Some(n);
                        break;
                    }
                }
            }
            if let Some(n) = hit {
                let a = seq.first().map_or(0, |w| w.0);
                let b = seq.get(n - 1).map_or(a, |w| w.1);
                self.push(a, b, Kind::Name);
                self.add_found_name(a, b);
            }
        }
    }

    pub(super) fn name_tokens(&mut self) {
        let doc = self.doc;
        if !self.tokens.is_empty() {
            let max = self
                .tokens
                .iter()
                .map(|t| t.chars().count())
                .max()
                .unwrap_or(0);
            let firsts: HashSet<char> = self
                .tokens
                .iter()
                .filter_map(|t| t.chars().next())
                .collect();
            for k in 0..doc.words.len() {
                let Some((s, e)) = doc.word(k) else { continue };
                if e - s > max + 2 || e - s < 2 {
                    continue;
                }
                let first = doc.lw(s, s + 1).first().copied().unwrap_or(' ');
                let first = if first.is_ascii() {
                    first
                } else {
                    fold(&first.to_string()).chars().next().unwrap_or(first)
                };
                if !firsts.contains(&first) || doc.slice(s, e).iter().any(|&c| is_cjk(c)) {
                    continue;
                }
                let word = doc.slice(s, e);
                let known = if word.iter().all(char::is_ascii) {
                    doc.with_lower(s, e, |w| self.tokens.contains(w))
                } else {
                    self.tokens.contains(&fold_chars(word))
                };
                if !known {
                    continue;
                }
                // `O'Brien`, `D'Angelo`: the prefix goes with the name
                let mut start = s;
                if matches!(doc.prev(s), '\'' | '’') && s >= 2 {
                    let mut q = s - 1;
                    while q > 0 && is_letter(doc.c(q - 1)) && s - q < 4 {
                        q -= 1;
                    }
                    if q < s - 1 && s - 1 - q <= 2 && !is_letter(doc.prev(q)) {
                        start = q;
                    }
                }
                self.push(start, e, Kind::Name);
            }
        }
        if !self.cjk_tokens.is_empty() {
            let text: String = doc.chars.iter().collect();
            let tokens = self.cjk_tokens.clone();
            for t in tokens {
                let n = t.chars().count();
                for (b, _) in text.match_indices(t.as_str()) {
                    if let Ok(ci) = doc.offs.binary_search(&b) {
                        self.push(ci, ci + n, Kind::Name);
                    }
                }
            }
        }
    }
}

/// The end of the first segment of a line: before ` - `, `|`, `,`, two spaces, a tab….
fn first_segment_end(doc: &Doc, s: usize, e: usize) -> usize {
    let mut i = s;
    while i < e {
        let c = doc.c(i);
        if c == '\t'
            || is_separator(c)
            || matches!(c, ',' | ';' | ':' | '/' | '(' | '@' | '—' | '–')
            || (is_hspace(c) && is_hspace(doc.c(i + 1)))
            || (is_hspace(c) && doc.c(i + 1) == '-' && is_hspace(doc.c(i + 2)))
        {
            break;
        }
        i += 1;
    }
    while i > s && is_hspace(doc.c(i - 1)) {
        i -= 1;
    }
    i
}

/// The word `k` if it can be part of a name: capitalised, not a heading or title word;
/// `(start, end, folded)`.
fn name_word_at(doc: &Doc, k: usize) -> Option<(usize, usize, String)> {
    let (s, e) = doc.word(k)?;
    let w = doc.slice(s, e);
    if w.len() < 2 || !is_upper_start(w) || w.iter().any(|&c| is_cjk(c)) {
        return None;
    }
    let f = fold_chars(w);
    (!is_in(&lists().not_name, &f) && !in_list(NAME_SKIP, &f)).then_some((s, e, f))
}

/// `words[i..]`, each whole or as its initial after `spelled`, spell one of `locals` (with at
/// least one word whole, five letters or more).
fn spells(
    words: &[&str],
    i: usize,
    spelled: &mut String,
    whole: usize,
    locals: &HashSet<String>,
    prefixes: &HashSet<String>,
) -> bool {
    let Some(word) = words.get(i) else {
        return whole >= 1 && spelled.chars().count() >= 5 && locals.contains(spelled.as_str());
    };
    let len = spelled.len();
    for (part, is_whole) in [
        (*word, true),
        (
            word.get(..word.chars().next().map_or(0, char::len_utf8))
                .unwrap_or(""),
            false,
        ),
    ] {
        spelled.truncate(len);
        spelled.push_str(part);
        if prefixes.contains(spelled.as_str())
            && spells(
                words,
                i + 1,
                spelled,
                whole + usize::from(is_whole),
                locals,
                prefixes,
            )
        {
            return true;
        }
    }
    spelled.truncate(len);
    false
}

/// `s` past a title before a name (`Dr.`, `Mrs`, `Shri`).
fn skip_title(doc: &Doc, s: usize, e: usize) -> usize {
    let mut i = s;
    for _ in 0..2 {
        let mut j = i;
        while j < e && is_letter(doc.c(j)) {
            j += 1;
        }
        let w = doc.lower(i, j);
        if j > i && in_list(TITLES, &w) {
            if doc.c(j) == '.' {
                j += 1;
            }
            if doc.c(j) == ' ' {
                i = j + 1;
                continue;
            }
        }
        break;
    }
    i
}

/// The end of a personal name starting at `s` (within `[s, e)`): 2–4 (at least `min`)
/// capitalised words, with particles and initials between; or 2–4 CJK characters.
pub(super) fn name_prefix(doc: &Doc, s: usize, e: usize, min: usize) -> Option<usize> {
    let s = skip_title(doc, s, e);
    let seg = doc.slice(s, e);
    let trimmed_len = seg
        .iter()
        .rposition(|c| !c.is_whitespace())
        .map_or(0, |p| p + 1);
    let seg = seg.get(..trimmed_len).unwrap_or(&[]);
    if !seg.is_empty() && seg.iter().all(|&c| is_cjk(c)) {
        return (2..=4).contains(&seg.len()).then_some(s + seg.len());
    }
    let mut i = s;
    let mut caps = 0;
    let mut end = s;
    let mut words = 0;
    while i < e && words < 6 {
        let ws = i;
        while i < e && !is_hspace(doc.c(i)) {
            i += 1;
        }
        let w = doc.slice(ws, i);
        let w = if w.last() == Some(&',') {
            w.get(..w.len() - 1).unwrap_or(&[])
        } else {
            w
        };
        if w.is_empty() {
            break;
        }
        let lower = fold_chars(w);
        let initial =
            w.len() == 2 && w.first().is_some_and(|c| c.is_uppercase()) && w.get(1) == Some(&'.');
        let particle = caps > 0 && in_list(PARTICLES, &lower);
        let name_word = w.len() >= 2
            && is_upper_start(w)
            && w.iter()
                .all(|&c| is_letter(c) || matches!(c, '-' | '\'' | '’'))
            && w.last().is_some_and(|&c| is_letter(c))
            && !is_in(&lists().not_name, &lower)
            && !is_in(&lists().networks, &lower)
            && !in_list(NAME_SKIP, &lower);
        if name_word {
            caps += 1;
            end = ws + w.len();
        } else if !(initial || particle) {
            break;
        }
        words += 1;
        if caps >= 4 {
            break;
        }
        // one space between words
        if !(doc.c(i) == ' ' && i + 1 < e && !is_hspace(doc.c(i + 1))) {
            break;
        }
        i += 1;
    }
    (caps >= min && caps <= 4 && end > s).then_some(end)
}
