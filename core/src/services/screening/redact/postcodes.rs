//! Postcodes.

use super::{
    doc::{
        is_dash, is_hspace, is_letter, is_separator, is_upper_start, is_word_char, is_year, Doc,
    },
    lists::{in_list, AU_STATES, CURRENCIES, NOT_CITY, NOT_NL_LETTERS, US_STATES},
    run::Run,
    Kind,
};

impl Run<'_> {
    pub(super) fn postcodes(&mut self) {
        let doc = self.doc;
        let n = doc.len();
        let mut i = 0;
        while i < n {
            let c = doc.c(i);
            // Japan: `〒150-0001 東京都渋谷区…`, the address after it too
            if c == '〒' {
                let j = doc.skip_hspace(i + 1);
                let ok = (0..3).all(|q| doc.c(j + q).is_ascii_digit())
                    && (doc.c(j + 3) == '-' || is_dash(doc.c(j + 3)))
                    && (4..8).all(|q| doc.c(j + q).is_ascii_digit())
                    && !doc.c(j + 8).is_ascii_digit();
                if ok {
                    self.push(i, j + 8, Kind::Postcode);
                    let a = doc.skip_hspace(j + 8);
                    let e = doc.segment_end(a, 80);
                    self.push(a, e, Kind::Address);
                    i = e.max(j + 8);
                    continue;
                }
            }
            if is_word_char(doc.prev(i)) || !(c.is_ascii_uppercase() || c.is_ascii_digit()) {
                i += 1;
                continue;
            }
            if let Some(e) = uk_postcode(doc, i).or_else(|| ca_postcode(doc, i)) {
                self.push(i, e, Kind::Postcode);
                i = e;
                continue;
            }
            if c.is_ascii_digit() {
                if let Some((s, e)) = numeric_postcode(doc, i) {
                    self.push(s, e, Kind::Postcode);
                    i = e.max(i + 1);
                    continue;
                }
                // skip the rest of the number
                while doc.c(i).is_ascii_digit() {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
    }
}

/// A British postcode at `i`: `SW1A 1AA`, `M1 1AE`.
fn uk_postcode(doc: &Doc, i: usize) -> Option<usize> {
    let mut j = i;
    let mut letters = 0;
    while doc.c(j).is_ascii_uppercase() && letters < 2 {
        j += 1;
        letters += 1;
    }
    if letters == 0 || !doc.c(j).is_ascii_digit() {
        return None;
    }
    j += 1;
    if doc.c(j).is_ascii_digit() || doc.c(j).is_ascii_uppercase() {
        // the outward code's optional fourth char, unless the inward code starts here
        if !(doc.c(j).is_ascii_digit()
            && doc.c(j + 1).is_ascii_uppercase()
            && doc.c(j + 2).is_ascii_uppercase()
            && !doc.c(j + 3).is_ascii_alphanumeric())
        {
            j += 1;
        }
    }
    if doc.c(j) == ' ' {
        j += 1;
    }
    let d = doc.c(j);
    let a = doc.c(j + 1);
    let b = doc.c(j + 2);
    let inward =
        |c: char| c.is_ascii_uppercase() && !matches!(c, 'C' | 'I' | 'K' | 'M' | 'O' | 'V');
    if d.is_ascii_digit() && inward(a) && inward(b) && !is_word_char(doc.c(j + 3)) {
        Some(j + 3)
    } else {
        None
    }
}

/// A Canadian postcode at `i`: `K1A 0B1`.
fn ca_postcode(doc: &Doc, i: usize) -> Option<usize> {
    let first = |c: char| "ABCEGHJKLMNPRSTVXY".contains(c);
    let letter = |c: char| c.is_ascii_uppercase() && !"DFIOQU".contains(c);
    let (a, b, c) = (doc.c(i), doc.c(i + 1), doc.c(i + 2));
    if !(first(a) && b.is_ascii_digit() && letter(c)) {
        return None;
    }
    let j = if doc.c(i + 3) == ' ' || doc.c(i + 3) == '-' {
        i + 4
    } else {
        i + 3
    };
    let (d, e, f) = (doc.c(j), doc.c(j + 1), doc.c(j + 2));
    (d.is_ascii_digit() && letter(e) && f.is_ascii_digit() && !is_word_char(doc.c(j + 3)))
        .then_some(j + 3)
}

/// A numeric postcode at `i` (a digit not after a word char): a US ZIP, a 5-digit European
/// code before a city, a Dutch `1012 AB`, an Indian PIN. `(start, end)`.
fn numeric_postcode(doc: &Doc, i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    while doc.c(j).is_ascii_digit() {
        j += 1;
    }
    let len = j - i;
    let prev = doc.prev(i);
    if matches!(prev, '.' | ',' | '/' | '$' | '€' | '£' | '+' | '#' | ':')
        && !(prev == ',' || prev == ':')
    {
        return None;
    }
    if prev == '-' || is_dash(prev) {
        // `D-10115`, `F-75002` are prefixes of a code, `555-12345` is no code
        let q = i.saturating_sub(1);
        let mut a = q;
        while a > 0 && doc.c(a - 1).is_ascii_uppercase() {
            a -= 1;
        }
        if !(1..=2).contains(&(q - a)) || is_word_char(doc.prev(a)) {
            return None;
        }
    }
    let after = doc.c(j);
    if after == '.' && doc.c(j + 1).is_ascii_digit()
        || after == ',' && doc.c(j + 1).is_ascii_digit()
    {
        return None;
    }
    // the word before, across spaces
    let b = doc.skip_hspace_back(i);
    let comma_before = doc.prev(b) == ',';
    let word_before = {
        let mut a = b;
        while a > 0 && is_letter(doc.c(a - 1)) {
            a -= 1;
        }
        (a < b).then_some((a, b))
    };
    let segment_start = {
        let p = doc.prev(b);
        p == '\0'
            || p == '\n'
            || p == ','
            || is_separator(p)
            || i - b >= 2
            || p == '\t'
            || p == ';'
            || p == '('
    };
    // the word after
    let after_word = {
        let s = j + 1;
        let mut e = s;
        while is_letter(doc.c(e)) {
            e += 1;
        }
        (doc.c(j) == ' ' && e > s).then_some((s, e))
    };
    if len == 5 {
        // ZIP+4
        let mut end = j;
        if doc.c(j) == '-'
            && (1..=4).all(|k| doc.c(j + k).is_ascii_digit())
            && !doc.c(j + 5).is_ascii_digit()
        {
            end = j + 5;
        }
        if is_word_char(doc.c(end)) {
            return None;
        }
        if let Some((a, bw)) = word_before {
            let w = doc.string(a, bw);
            if bw == b
                && i - b >= 1
                && i - b <= 2
                && US_STATES.contains(&w.as_str())
                && !is_word_char(doc.prev(a))
            {
                return Some((i, end));
            }
        }
        // `San Francisco, 94105`
        if comma_before && i - b == 1 {
            let c = b - 1;
            let mut a = c;
            while a > 0 && is_letter(doc.c(a - 1)) {
                a -= 1;
            }
            if a < c && is_upper_start(doc.slice(a, c)) {
                return Some((i, end));
            }
        }
        if comma_before && word_before.is_none() {
            // `…, 94105` after a state written out
        }
        // `10115 Berlin`
        if let Some((s, e)) = after_word {
            let city = doc.slice(s, e);
            if is_upper_start(city)
                && !in_list(NOT_CITY, &doc.lower(s, e))
                && (segment_start || comma_before || prev == '-' || is_dash(prev))
            {
                let start = if prev == '-' || is_dash(prev) {
                    let mut a = i - 1;
                    while a > 0 && doc.c(a - 1).is_ascii_uppercase() {
                        a -= 1;
                    }
                    a
                } else {
                    i
                };
                return Some((start, j));
            }
        }
        return None;
    }
    if len == 4 {
        let first = doc.c(i);
        // Australia: `NSW 2026`
        if let Some((a, bw)) = word_before {
            let w = doc.string(a, bw);
            if bw == b
                && i - b >= 1
                && i - b <= 2
                && AU_STATES.contains(&w.as_str())
                && !is_word_char(after)
                && !is_word_char(doc.prev(a))
            {
                return Some((i, j));
            }
        }
        // Dutch `1012 AB`
        if first != '0' && doc.c(j) == ' ' {
            let (a, bb, c) = (doc.c(j + 1), doc.c(j + 2), doc.c(j + 3));
            if a.is_ascii_uppercase() && bb.is_ascii_uppercase() && !is_word_char(c) {
                let pair: String = [a, bb].iter().collect();
                let year = is_year(doc, i, 4);
                if !NOT_NL_LETTERS.contains(&pair.as_str()) && (!year || comma_before) {
                    return Some((i, j + 3));
                }
            }
        }
        // Austrian and Swiss `1010 Wien` after a comma
        if comma_before && !is_year(doc, i, 4) && first != '0' {
            if let Some((s, e)) = after_word {
                if is_upper_start(doc.slice(s, e))
                    && !in_list(NOT_CITY, &doc.lower(s, e))
                    && !is_word_char(after)
                {
                    return Some((i, j));
                }
            }
        }
        return None;
    }
    // Indian PIN: `560001`, `400 001` after a city
    let (pin_end, pin_len) = if len == 3
        && doc.c(j) == ' '
        && (1..=3).all(|k| doc.c(j + k).is_ascii_digit())
        && !doc.c(j + 4).is_ascii_digit()
    {
        (j + 4, 6)
    } else {
        (j, len)
    };
    if pin_len == 6 && doc.c(i) != '0' && !is_word_char(doc.c(pin_end)) {
        // the word before, across ` - ` or `, `
        let mut q = i;
        while q > 0
            && i - q < 3
            && (is_hspace(doc.c(q - 1))
                || matches!(doc.c(q - 1), '-' | ',')
                || is_dash(doc.c(q - 1)))
        {
            q -= 1;
        }
        let mut a = q;
        while a > 0 && is_letter(doc.c(a - 1)) {
            a -= 1;
        }
        if a < q {
            let bw = q;
            let w = doc.slice(a, bw);
            let lower = doc.lower(a, bw);
            let sep = doc.slice(bw, i);
            let sep_ok = sep
                .iter()
                .all(|&c| is_hspace(c) || c == '-' || is_dash(c) || c == ',')
                && !sep.is_empty()
                && sep.len() <= 3;
            let next_lower = {
                let q = doc.skip_hspace(pin_end);
                q > pin_end && doc.c(q).is_lowercase()
            };
            if sep_ok
                && is_upper_start(w)
                && !in_list(CURRENCIES, &lower)
                && !next_lower
                && w.len() >= 3
            {
                return Some((i, pin_end));
            }
        }
    }
    None
}
