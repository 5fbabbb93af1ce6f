//! The text as characters: [`Doc`] (lines, words, char offsets) and char helpers.

use std::{cell::RefCell, collections::HashSet};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use super::Kind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) s: usize,
    pub(super) e: usize,
    pub(super) kind: Kind,
}

/// Lines, char offsets: `[start, end)` without the `\n`.
pub(super) struct Doc {
    pub(super) chars: Vec<char>,
    /// Each char in lower case (its first lower-case char).
    lower: Vec<char>,
    /// A buffer for [`Doc::with_lower`].
    buf: RefCell<String>,
    /// Byte offset of each char, then the text's length.
    pub(super) offs: Vec<usize>,
    pub(super) lines: Vec<(usize, usize)>,
    /// Letter runs: `[start, end)`.
    pub(super) words: Vec<(usize, usize)>,
}

impl Doc {
    pub(super) fn new(text: &str) -> Self {
        let mut chars = Vec::with_capacity(text.len());
        let mut offs = Vec::with_capacity(text.len() + 1);
        for (b, c) in text.char_indices() {
            chars.push(c);
            offs.push(b);
        }
        offs.push(text.len());
        let mut lines = Vec::new();
        let mut start = 0;
        let mut words = Vec::new();
        let mut word_start = None;
        for (i, &c) in chars.iter().enumerate() {
            if c == '\n' {
                lines.push((start, i));
                start = i + 1;
            }
            if is_letter(c) {
                if word_start.is_none() {
                    word_start = Some(i);
                }
            } else if let Some(ws) = word_start.take() {
                words.push((ws, i));
            }
        }
        if let Some(ws) = word_start {
            words.push((ws, chars.len()));
        }
        lines.push((start, chars.len()));
        let lower = chars
            .iter()
            .map(|&c| {
                if c.is_ascii() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_lowercase().next().unwrap_or(c)
                }
            })
            .collect();
        Doc {
            lower,
            buf: RefCell::new(String::new()),
            chars,
            offs,
            lines,
            words,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.chars.len()
    }

    /// The char at `i`, NUL past either end.
    pub(super) fn c(&self, i: usize) -> char {
        self.chars.get(i).copied().unwrap_or('\0')
    }

    /// The char before `i`, NUL at the start.
    pub(super) fn prev(&self, i: usize) -> char {
        if i == 0 {
            '\0'
        } else {
            self.c(i - 1)
        }
    }

    pub(super) fn byte(&self, i: usize) -> usize {
        self.offs
            .get(i)
            .copied()
            .unwrap_or_else(|| self.offs.last().copied().unwrap_or(0))
    }

    pub(super) fn slice(&self, s: usize, e: usize) -> &[char] {
        self.chars.get(s..e).unwrap_or(&[])
    }

    pub(super) fn string(&self, s: usize, e: usize) -> String {
        self.slice(s, e).iter().collect()
    }

    pub(super) fn lower(&self, s: usize, e: usize) -> String {
        self.lw(s, e).iter().collect()
    }

    /// `[s, e)` in lower case.
    pub(super) fn lw(&self, s: usize, e: usize) -> &[char] {
        self.lower.get(s..e).unwrap_or(&[])
    }

    /// `f` of `[s, e)` in lower case, without allocating.
    pub(super) fn with_lower<R>(&self, s: usize, e: usize, f: impl FnOnce(&str) -> R) -> R {
        match self.buf.try_borrow_mut() {
            Ok(mut buf) => {
                buf.clear();
                buf.extend(self.lw(s, e));
                f(&buf)
            }
            Err(_) => f(&self.lower(s, e)),
        }
    }

    /// `[s, e)` is in `set` (lower case).
    pub(super) fn lower_in(&self, s: usize, e: usize, set: &HashSet<&'static str>) -> bool {
        e > s && e - s <= 32 && self.with_lower(s, e, |w| set.contains(w))
    }

    /// `[s, e)` is `lit` (lower case), ignoring case.
    pub(super) fn eq_ci(&self, s: usize, e: usize, lit: &str) -> bool {
        e <= self.len() && lit.chars().eq(self.lw(s, e).iter().copied())
    }

    pub(super) fn line_of(&self, i: usize) -> usize {
        match self.lines.binary_search_by(|&(s, _)| s.cmp(&i)) {
            Ok(k) => k,
            Err(k) => k.saturating_sub(1),
        }
    }

    pub(super) fn line(&self, k: usize) -> (usize, usize) {
        self.lines.get(k).copied().unwrap_or((0, 0))
    }

    /// The index of the first word starting at or after `i`.
    pub(super) fn word_at(&self, i: usize) -> usize {
        match self.words.binary_search_by(|&(s, _)| s.cmp(&i)) {
            Ok(k) | Err(k) => k,
        }
    }

    pub(super) fn word(&self, k: usize) -> Option<(usize, usize)> {
        self.words.get(k).copied()
    }

    pub(super) fn skip_hspace(&self, mut i: usize) -> usize {
        while i < self.len() && is_hspace(self.c(i)) {
            i += 1;
        }
        i
    }

    pub(super) fn skip_hspace_back(&self, mut i: usize) -> usize {
        while i > 0 && is_hspace(self.c(i - 1)) {
            i -= 1;
        }
        i
    }

    /// `i` starts a segment: the line's start (after indentation and a bullet), or after a
    /// separator (`|`, `·`, `,`, `;`, `:`, a dash, a tab or two spaces…).
    pub(super) fn at_segment_start(&self, i: usize) -> bool {
        let j = self.skip_hspace_back(i);
        if i - j >= 2 {
            return true;
        }
        let p = self.prev(j);
        p == '\0'
            || p == '\n'
            || p == '\t'
            || is_separator(p)
            || is_bullet(p)
            || is_dash(p)
            || matches!(
                p,
                ',' | ';' | ':' | '(' | '[' | '{' | '/' | '>' | '"' | '“' | '-' | '*'
            )
    }

    /// Where the segment starting at `p` ends: a line break, a tab, two spaces, a separator, or
    /// a comma before another label (`Gender: Male, Nationality: …`); trailing spaces and
    /// punctuation trimmed. At most `cap` chars.
    pub(super) fn segment_end(&self, p: usize, cap: usize) -> usize {
        let mut i = p;
        let limit = (p + cap).min(self.len());
        while i < limit {
            let c = self.c(i);
            if c == '\n' || c == '\t' || is_separator(c) || c == ';' {
                break;
            }
            if is_hspace(c) && is_hspace(self.c(i + 1)) {
                break;
            }
            if (c == ',' || (is_hspace(c) && (is_dash(self.c(i + 1)) || self.c(i + 1) == '-')))
                && self.label_follows(i + 1)
            {
                break;
            }
            i += 1;
        }
        while i > p && (is_hspace(self.c(i - 1)) || matches!(self.c(i - 1), ',' | ';' | ':')) {
            i -= 1;
        }
        i
    }

    /// A short label and a colon follow `i` (after spaces and a dash).
    fn label_follows(&self, i: usize) -> bool {
        let mut j = self.skip_hspace(i);
        while is_dash(self.c(j)) || self.c(j) == '-' {
            j += 1;
        }
        j = self.skip_hspace(j);
        let start = j;
        let mut words = 0;
        while j < self.len() && j - start < 32 {
            let c = self.c(j);
            if is_letter(c) {
                let ws = j;
                while is_letter(self.c(j)) || self.c(j) == '.' {
                    j += 1;
                }
                if j > ws {
                    words += 1;
                }
            } else if c == ' ' && words > 0 && words < 3 {
                j += 1;
            } else {
                break;
            }
        }
        words > 0 && (self.c(j) == ':' || (self.c(j) == ' ' && self.c(j + 1) == ':'))
    }

    /// The line `k`'s first non-space char and end (trimmed).
    pub(super) fn line_trimmed(&self, k: usize) -> (usize, usize) {
        let (s, e) = self.line(k);
        let s = self.skip_hspace(s).min(e);
        let mut e = e;
        while e > s && self.c(e - 1).is_whitespace() {
            e -= 1;
        }
        (s, e)
    }

    /// The next line after `k` with any text, within two lines.
    pub(super) fn next_text_line(&self, k: usize) -> Option<usize> {
        (k + 1..(k + 3).min(self.lines.len())).find(|&j| {
            let (s, e) = self.line_trimmed(j);
            s < e
        })
    }

    pub(super) fn prev_text_line(&self, k: usize) -> Option<usize> {
        (k.saturating_sub(2)..k).rev().find(|&j| {
            let (s, e) = self.line_trimmed(j);
            s < e
        })
    }

    /// The word (letter run) that ends right before `i`, skipping spaces, `:` and `.`;
    /// `(start, end, a colon was skipped)`.
    pub(super) fn label_before(&self, i: usize) -> Option<(usize, usize, bool)> {
        let mut j = i;
        let mut colon = false;
        let mut steps = 0;
        while j > 0 && steps < 6 {
            let p = self.c(j - 1);
            if is_hspace(p) || p == '.' || p == '#' {
                j -= 1;
            } else if p == ':' || p == '：' {
                colon = true;
                j -= 1;
            } else {
                break;
            }
            steps += 1;
        }
        let e = j;
        while j > 0 && is_letter(self.c(j - 1)) {
            j -= 1;
        }
        let whole = !is_word_char(self.prev(j)) && self.prev(j) != '_';
        (j < e && whole).then_some((j, e, colon))
    }
}

pub(super) fn is_hspace(c: char) -> bool {
    if c.is_ascii() {
        c == ' ' || c == '\t' || c == '\r' || c == '\x0b' || c == '\x0c'
    } else {
        c.is_whitespace()
    }
}

pub(super) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic() || is_combining_mark(c)
    }
}

pub(super) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() || is_combining_mark(c)
    }
}

pub(super) fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}'
    )
}

pub(super) fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '•' | '◦' | '▪' | '●' | '■' | '♦' | '‣' | '∙' | '○' | '➢' | '►' | '✓'
    )
}

/// Chars that separate the fields of a contact line.
pub(super) fn is_separator(c: char) -> bool {
    matches!(
        c,
        '|' | '·' | '•' | '◦' | '▪' | '●' | '■' | '♦' | '∙' | '⋅' | '¦'
    )
}

pub(super) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}' // kana
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}'
        | '\u{ac00}'..='\u{d7af}' // hangul
        | '\u{20000}'..='\u{2fa1f}')
}

pub(super) fn is_upper_start(w: &[char]) -> bool {
    w.first().is_some_and(|c| c.is_uppercase())
}

/// Title case (`Mr`) or all capitals (`MR`), at least one letter.
pub(super) fn title_or_caps(w: &[char]) -> bool {
    is_upper_start(w)
        && (w.iter().skip(1).all(|c| !c.is_uppercase()) || w.iter().all(|c| !c.is_lowercase()))
}

pub(super) fn is_title_case(w: &[char]) -> bool {
    is_upper_start(w) && w.iter().skip(1).all(|c| !c.is_uppercase())
}

/// Lower case without accents (`Ångström` is `angstrom`, `ß` is `ss`).
pub(super) fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        for l in c.to_lowercase() {
            match l {
                'ß' => out.push_str("ss"),
                'ø' => out.push('o'),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ł' => out.push('l'),
                'đ' => out.push('d'),
                'ı' => out.push('i'),
                'þ' => out.push_str("th"),
                _ => out.push(l),
            }
        }
    }
    out
}

pub(super) fn fold_chars(w: &[char]) -> String {
    if w.iter().all(char::is_ascii) {
        return w.iter().map(char::to_ascii_lowercase).collect();
    }
    fold(&w.iter().collect::<String>())
}

pub(super) fn is_year(doc: &Doc, start: usize, len: usize) -> bool {
    len == 4
        && (doc.eq_ci(start, start + 2, "18")
            || doc.eq_ci(start, start + 2, "19")
            || doc.eq_ci(start, start + 2, "20"))
}

/// Whitespace-separated tokens of `[s, e)`.
pub(super) fn tokens(doc: &Doc, s: usize, e: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = s;
    while i < e {
        while i < e && doc.c(i).is_whitespace() {
            i += 1;
        }
        let ts = i;
        while i < e && !doc.c(i).is_whitespace() {
            i += 1;
        }
        if i > ts {
            out.push((ts, i));
        }
    }
    out
}

/// A token without trailing `,`, `.` or `;`: its end.
pub(super) fn core_end(doc: &Doc, (s, e): (usize, usize)) -> usize {
    let mut e = e;
    while e > s && matches!(doc.c(e - 1), ',' | '.' | ';' | ':' | ')') {
        e -= 1;
    }
    e
}

pub(super) fn tok_lower(doc: &Doc, t: (usize, usize)) -> String {
    doc.lower(t.0, core_end(doc, t))
}
