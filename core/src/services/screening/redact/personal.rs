//! Prose (ages, citizenship), single words (titles, pronouns, gender and marital words)
//! and photos.

use super::{
    doc::{
        is_bullet, is_hspace, is_letter, is_title_case, is_upper_start, is_word_char,
        title_or_caps, Doc,
    },
    lists::{
        in_list, lists, GENDER_WORDS, IMAGE_EXTS, MARITAL_AMBIGUOUS, MARITAL_CLEAR, PERSON_NOUNS,
        PRONOUNS,
    },
    run::Run,
    Kind,
};

impl Run<'_> {
    // --- prose: ages, citizenship ---------------------------------------------------------

    pub(super) fn prose(&mut self) {
        let doc = self.doc;
        let nw = doc.words.len();
        for k in 0..nw {
            let Some((s, e)) = doc.word(k) else { continue };
            if !matches!(
                doc.lw(s, s + 1),
                ['y' | 'c' | 'a' | 'j' | 'e' | 'k' | 'h' | 'f' | 's' | 'd']
            ) || e - s > 11
            {
                continue;
            }
            let w = doc.lower(s, e);
            match w.as_str() {
                // `34 years old`, `34-year-old engineer`, `34 y/o`
                "year" | "years" | "yrs" | "yr" => {
                    let Some(ns) = number_before(doc, s) else {
                        continue;
                    };
                    let hyphen = doc.prev(s) == '-';
                    let Some((os, oe)) = doc.word(k + 1) else {
                        continue;
                    };
                    let gap = doc.slice(e, os);
                    if !doc.eq_ci(os, oe, "old")
                        || gap.len() != 1
                        || !(gap == [' '] || gap == ['-'])
                    {
                        continue;
                    }
                    if hyphen && gap == ['-'] {
                        // attributive: `a 10-year-old codebase` is not a person's age
                        let after = doc.word(k + 2);
                        let attributive = doc.c(oe) == ' '
                            && after.is_some_and(|(a, _)| a == oe + 1 && doc.c(a).is_lowercase());
                        if attributive {
                            let noun = after.map(|(a, b)| doc.lower(a, b)).unwrap_or_default();
                            if !in_list(PERSON_NOUNS, &noun) {
                                continue;
                            }
                        }
                    }
                    self.push(ns, oe, Kind::Age);
                }
                // `44 ans,`, `41 Jahre alt`
                "ans" | "años" | "anos" | "jahre" | "anni" => {
                    let Some(ns) = number_before(doc, s) else {
                        continue;
                    };
                    let mut end = e;
                    if doc.c(e) == ' ' && doc.eq_ci(e + 1, e + 4, "alt") && !is_letter(doc.c(e + 4))
                    {
                        end = e + 4;
                    }
                    let after = doc.c(doc.skip_hspace(end));
                    if end > e || matches!(after, ',' | ';' | '.' | ')' | '\n' | '\0' | '|' | '·')
                    {
                        self.push(ns, end, Kind::Age);
                    }
                }
                // `3 enfants`, `two children` in personal details
                "enfants" | "enfant" | "kinder" | "kind" | "children" | "child" | "kids"
                | "hijos" | "hijas" | "figli" | "sons" | "daughters" | "son" | "daughter" => {
                    let Some(ns) = count_before(doc, s) else {
                        continue;
                    };
                    let line = doc.line_of(s);
                    let personal = self.personal.get(line).copied().unwrap_or(false);
                    if personal || listed_in_line(doc, line, ns, e) {
                        self.push(ns, e, Kind::MaritalStatus);
                    }
                }
                "y" if doc.c(e) == '/'
                    && doc.eq_ci(e + 1, e + 2, "o")
                    && !is_letter(doc.c(e + 2)) =>
                {
                    if let Some(ns) = number_before(doc, s) {
                        self.push(ns, e + 2, Kind::Age);
                    }
                }
                // `citizen of India`, `US citizen`
                "citizen" | "citizens" | "citizenship" => {
                    let (_, ne) = doc.word(k + 1).unwrap_or((e, e));
                    if doc
                        .word(k + 1)
                        .is_some_and(|(a, b)| a == e + 1 && doc.eq_ci(a, b, "of"))
                    {
                        // capitalised words after `of` (and `the`)
                        let mut end = e;
                        let mut m = k + 2;
                        let mut last = ne;
                        let mut got = 0;
                        while let Some((a, b)) = doc.word(m) {
                            if a != last + 1 || doc.c(last) != ' ' {
                                break;
                            }
                            let ww = doc.slice(a, b);
                            if is_upper_start(ww) {
                                end = b;
                                got += 1;
                            } else if !(doc.eq_ci(a, b, "the") || doc.eq_ci(a, b, "and"))
                                || got > 0 && doc.eq_ci(a, b, "the")
                            {
                                break;
                            }
                            last = b;
                            m += 1;
                            if got >= 3 {
                                break;
                            }
                        }
                        if got > 0 {
                            self.push(s, end, Kind::Nationality);
                        }
                    } else if k > 0 {
                        let Some((a, b)) = doc.word(k - 1) else {
                            continue;
                        };
                        let gap = doc.slice(b, s);
                        let ww = doc.slice(a, b);
                        if gap == [' ']
                            && is_upper_start(ww)
                            && !doc.eq_ci(a, b, "a")
                            && !doc.eq_ci(a, b, "the")
                        {
                            // `U.S. citizen`: back over the dotted letters
                            let mut start = a;
                            while start >= 2
                                && doc.c(start - 1) == '.'
                                && is_letter(doc.c(start - 2))
                            {
                                start -= 2;
                            }
                            self.push(start, e, Kind::Nationality);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // --- single words: titles, pronouns, gender and marital words -------------------------

    pub(super) fn words(&mut self) {
        let doc = self.doc;
        let single = &lists().single;
        let nw = doc.words.len();
        for k in 0..nw {
            let Some((s, e)) = doc.word(k) else { continue };
            if e - s > 14 || !doc.lower_in(s, e, single) {
                continue;
            }
            let w = doc.slice(s, e);
            let lower = doc.lower(s, e);
            let next = doc.c(e);
            let dot = next == '.';
            // a word glued to another by a hyphen or digits is not this word
            let glued = next == '-'
                || doc.prev(s) == '-'
                || next.is_ascii_digit()
                || doc.prev(s).is_ascii_digit();
            let followed_by_name = {
                let j = if dot { e + 1 } else { e };
                is_hspace(doc.c(j)) && doc.c(j + 1).is_uppercase()
            };
            // titles
            let title = match lower.as_str() {
                "mr" | "mrs" | "mme" | "mlle" => is_title_case(w) || (dot && !glued),
                "mx" | "ms" => is_title_case(w) && (dot || followed_by_name),
                "miss" | "herr" | "frau" => title_or_caps(w) && followed_by_name,
                "sir" => {
                    title_or_caps(w)
                        && (followed_by_name
                            || matches!(next, ',' | '\n' | '\0')
                            || doc.eq_ci(e + 1, e + 3, "or"))
                }
                "madam" | "madame" | "mister" => title_or_caps(w) || lower == "madam",
                _ => false,
            };
            if title && !glued {
                self.push(s, if dot { e + 1 } else { e }, Kind::Gender);
                continue;
            }
            if in_list(PRONOUNS, &lower)
                && !glued
                && !matches!(doc.prev(s), '@' | '/' | '.' | '_')
                && !matches!(next, '@' | '_')
            {
                self.push(s, e, Kind::Gender);
                continue;
            }
            let line = doc.line_of(s);
            let personal = self.personal.get(line).copied().unwrap_or(false);
            let listed = listed_in_line(doc, line, s, e);
            if in_list(GENDER_WORDS, &lower) && !glued {
                if personal || listed {
                    self.push(s, e, Kind::Gender);
                }
                continue;
            }
            let clear = in_list(MARITAL_CLEAR, &lower);
            let ambiguous = in_list(MARITAL_AMBIGUOUS, &lower);
            if (clear || ambiguous) && !glued {
                let (lts, _) = doc.line_trimmed(line);
                let mut first = lts;
                while first < s && !doc.c(first).is_alphanumeric() {
                    first += 1;
                }
                let at_start = first == s;
                let with_children = with_children_end(doc, e);
                let after_ok = matches!(
                    doc.c(doc.skip_hspace(e)),
                    ',' | ';' | '\n' | '\0' | '(' | '|' | '·' | '.'
                ) || with_children.is_some();
                let ok = if clear {
                    at_start || personal || listed
                } else {
                    (at_start && after_ok) || listed || (personal && after_ok)
                };
                if ok {
                    let end = with_children.unwrap_or(e);
                    self.push(s, end, Kind::MaritalStatus);
                }
            }
        }
    }

    // --- photos ---------------------------------------------------------------------------

    pub(super) fn photos(&mut self) {
        let doc = self.doc;
        let photo = &lists().photo;
        // caption lines
        for k in 0..doc.lines.len() {
            let (s, e) = doc.line_trimmed(k);
            if e <= s || e - s > 24 {
                continue;
            }
            let mut a = s;
            while a < e && !doc.c(a).is_alphanumeric() {
                a += 1;
            }
            let mut b = e;
            while b > a && !doc.c(b - 1).is_alphanumeric() {
                b -= 1;
            }
            if doc.lower_in(a, b, photo) {
                self.push(s, e, Kind::Photo);
            }
        }
        // `[photo]`, `(headshot)`
        let n = doc.len();
        for i in 0..n {
            let c = doc.c(i);
            let close = match c {
                '[' => ']',
                '(' => ')',
                '{' => '}',
                '<' => '>',
                _ => continue,
            };
            let mut j = i + 1;
            while j < n && j - i < 26 && doc.c(j) != close && doc.c(j) != '\n' {
                j += 1;
            }
            if doc.c(j) != close {
                continue;
            }
            let a = doc.skip_hspace(i + 1);
            let mut b = j;
            while b > a && (is_hspace(doc.c(b - 1)) || doc.c(b - 1) == ':') {
                b -= 1;
            }
            // `[photo]`, `[Insert photo here]`, `(passport size photograph)`
            let words = doc.word_at(a)..doc.word_at(b);
            let is_photo = doc.lower_in(a, b, photo)
                || (words.len() <= 4
                    && words.clone().any(|k| {
                        doc.word(k)
                            .is_some_and(|(ws, we)| doc.lower_in(ws, we, photo))
                    }));
            if is_photo {
                self.push(i, j + 1, Kind::Photo);
            }
        }
        // `headshot` anywhere, image file names
        for k in 0..doc.words.len() {
            let Some((s, e)) = doc.word(k) else { continue };
            if e - s > 14 || !matches!(doc.lw(s, s + 1), ['h' | 'b' | 'p' | 'j' | 'g' | 'w' | 't'])
            {
                continue;
            }
            let lower = doc.lower(s, e);
            if matches!(
                lower.as_str(),
                "headshot" | "headshots" | "bewerbungsfoto" | "passfoto"
            ) {
                self.push(s, e, Kind::Photo);
            }
            if in_list(IMAGE_EXTS, &lower) && doc.prev(s) == '.' && !is_word_char(doc.c(e)) {
                // back over the file name
                let mut a = s - 1;
                while a > 0
                    && (is_word_char(doc.c(a - 1)) || matches!(doc.c(a - 1), '.' | '-' | '_'))
                {
                    a -= 1;
                }
                if a < s - 1 {
                    self.push(a, e, Kind::Photo);
                }
            }
        }
    }
}

/// A place after a date of birth (` in Hamburg`, ` à Lyon`, `, Lyon`): its end.
pub(super) fn place_after(doc: &Doc, de: usize) -> Option<usize> {
    let mut j = de;
    if doc.c(j) == ',' {
        j += 1;
    }
    if doc.c(j) != ' ' {
        return None;
    }
    j += 1;
    let mut k = j;
    while is_letter(doc.c(k)) {
        k += 1;
    }
    let w = doc.lower(j, k);
    let start = if matches!(w.as_str(), "in" | "à" | "a" | "en" | "te" | "at") && doc.c(k) == ' ' {
        k + 1
    } else if doc.c(de) == ',' {
        j
    } else {
        return None;
    };
    capitalised_run(doc, start, 3)
}

/// The end of 1 to `max` capitalised words from `s` (`Frankfurt am Main`), particles between.
pub(super) fn capitalised_run(doc: &Doc, s: usize, max: usize) -> Option<usize> {
    let mut i = s;
    let mut end = None;
    let mut n = 0;
    while n < max {
        let ws = i;
        while is_letter(doc.c(i)) || matches!(doc.c(i), '-' | '\'' | '’') {
            i += 1;
        }
        let w = doc.slice(ws, i);
        if w.is_empty() {
            break;
        }
        if is_upper_start(w) {
            end = Some(i);
            n += 1;
        } else if end.is_none()
            || !matches!(
                doc.lower(ws, i).as_str(),
                "am" | "an" | "de" | "del" | "la" | "sur" | "upon" | "on" | "im"
            )
        {
            break;
        }
        if doc.c(i) != ' ' {
            break;
        }
        i += 1;
    }
    end
}

/// The age at `v` after an `Age:` label: `34`, `34 years`, `34 Jahre`.
pub(super) fn age_value(doc: &Doc, v: usize) -> Option<(usize, usize)> {
    let mut j = v;
    while doc.c(j).is_ascii_digit() {
        j += 1;
    }
    if j == v || j - v > 3 || is_word_char(doc.c(j)) && !doc.eq_ci(j, j + 1, "y") {
        return None;
    }
    let value: u32 = doc.string(v, j).parse().ok()?;
    if !(10..=120).contains(&value) {
        return None;
    }
    let mut end = j;
    let k = doc.skip_hspace(j);
    let mut q = k;
    while is_letter(doc.c(q)) {
        q += 1;
    }
    let unit = doc.lower(k, q);
    if matches!(
        unit.as_str(),
        "years" | "year" | "yrs" | "yr" | "y" | "jahre" | "ans" | "años" | "anni" | "anos"
    ) {
        end = q;
        if doc.c(q) == ' ' && doc.eq_ci(q + 1, q + 4, "old") {
            end = q + 4;
        }
    }
    Some((v, end))
}

/// The start of a 1–3 digit number right before the word at `s` (`34 years`, `34-year`).
fn number_before(doc: &Doc, s: usize) -> Option<usize> {
    let p = s.checked_sub(1)?;
    if !(doc.c(p) == ' ' || doc.c(p) == '-') {
        return None;
    }
    let e = p;
    let mut a = e;
    while a > 0 && doc.c(a - 1).is_ascii_digit() {
        a -= 1;
    }
    if a == e || e - a > 3 || is_word_char(doc.prev(a)) || doc.prev(a) == '.' || doc.prev(a) == '+'
    {
        return None;
    }
    let v: u32 = doc.string(a, e).parse().ok()?;
    (10..=120).contains(&v).then_some(a)
}

/// The start of a small count right before the word at `s` (`3 enfants`, `two children`).
fn count_before(doc: &Doc, s: usize) -> Option<usize> {
    let p = s.checked_sub(1)?;
    if doc.c(p) != ' ' {
        return None;
    }
    let mut a = p;
    while a > 0 && doc.c(a - 1).is_ascii_digit() {
        a -= 1;
    }
    if a < p {
        return (p - a <= 2 && !is_word_char(doc.prev(a))).then_some(a);
    }
    while a > 0 && is_letter(doc.c(a - 1)) {
        a -= 1;
    }
    let w = doc.lower(a, p);
    let number = matches!(
        w.as_str(),
        "one"
            | "two"
            | "three"
            | "four"
            | "five"
            | "six"
            | "un"
            | "une"
            | "deux"
            | "trois"
            | "quatre"
            | "ein"
            | "eine"
            | "zwei"
            | "drei"
            | "vier"
            | "dos"
            | "tres"
            | "cuatro"
            | "due"
            | "tre"
    );
    (number && a < p).then_some(a)
}

/// The word `[s, e)` is an item of a short list line (`Male, 34, married`), between list
/// punctuation or alone in a short line.
fn listed_in_line(doc: &Doc, line: usize, s: usize, e: usize) -> bool {
    let (ls, le) = doc.line_trimmed(line);
    if le <= ls || le - ls > 80 {
        return false;
    }
    let words = doc.word_at(le) - doc.word_at(ls);
    if words > 8 {
        return false;
    }
    let before = doc.prev(doc.skip_hspace_back(s));
    let after = doc.c(doc.skip_hspace(e));
    let list_punct = |c: char| {
        matches!(
            c,
            ',' | ';' | '|' | '·' | '/' | '(' | ')' | '\0' | '\n' | '•'
        )
    };
    (list_punct(before) || doc.skip_hspace_back(s) <= ls || is_bullet(before))
        && (list_punct(after) || doc.skip_hspace(e) >= le)
}

/// `Married with two children`: the end of ` with … children` after `e`, if it follows.
fn with_children_end(doc: &Doc, e: usize) -> Option<usize> {
    if !(doc.c(e) == ' ' && doc.eq_ci(e + 1, e + 5, "with") && doc.c(e + 5) == ' ') {
        return None;
    }
    let mut k = doc.word_at(e + 6);
    let mut n = 0;
    while let Some((a, b)) = doc.word(k) {
        if n > 3 || b > e + 40 {
            return None;
        }
        let w = doc.lower(a, b);
        if matches!(
            w.as_str(),
            "child" | "children" | "kids" | "kid" | "son" | "sons" | "daughter" | "daughters"
        ) {
            return Some(b);
        }
        n += 1;
        k += 1;
    }
    None
}
