//! Street addresses.

use super::{
    doc::{
        core_end, is_dash, is_letter, is_title_case, is_upper_start, is_year, tok_lower, tokens,
        Doc,
    },
    lists::{in_list, is_in, lists, DIRECTIONS, STREET_ENDINGS, UNITS},
    run::Run,
    Kind,
};

impl Run<'_> {
    pub(super) fn addresses(&mut self) {
        let doc = self.doc;
        // paragraphs: a street may run over a line break (`555` / `La` / `Verne` / `Way`)
        let mut paragraphs = Vec::new();
        let mut start = 0;
        for k in 0..doc.lines.len() {
            let (ls, le) = doc.line(k);
            if doc.skip_hspace(ls) >= le {
                if k > start {
                    paragraphs.push((doc.line(start).0, doc.line(k - 1).1));
                }
                start = k + 1;
            }
        }
        if start < doc.lines.len() {
            paragraphs.push((doc.line(start).0, doc.line(doc.lines.len() - 1).1));
        }
        for (ls, le) in paragraphs {
            let toks = tokens(doc, ls, le);
            if toks.len() < 2 {
                continue;
            }
            let mut t = 0;
            while t < toks.len() {
                if let Some((s, e, next)) = street_at(doc, &toks, t) {
                    self.push(s, e, Kind::Address);
                    // `boulevard Haussmann 75009 Paris`: the code right after the street
                    if let (Some(code), Some(city)) =
                        (toks.get(next).copied(), toks.get(next + 1).copied())
                    {
                        let ce = core_end(doc, code);
                        let digits = doc.slice(code.0, ce);
                        if (4..=5).contains(&digits.len())
                            && digits.iter().all(|c| c.is_ascii_digit())
                            && is_upper_start(doc.slice(city.0, city.1))
                        {
                            self.push(code.0, ce, Kind::Postcode);
                        }
                    }
                    t = next.max(t + 1);
                } else {
                    t += 1;
                }
            }
        }
    }
}

/// A house number: `221B`, `12`, `12a`, `12-14`, `No.` not included.
fn is_house_number(doc: &Doc, t: (usize, usize)) -> bool {
    let e = core_end(doc, t);
    let w = doc.slice(t.0, e);
    let digits = w.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 5 {
        return false;
    }
    let rest = w.get(digits..).unwrap_or(&[]);
    match rest {
        [] => true,
        [c] => c.is_ascii_alphabetic(),
        [dash, more @ ..]
            if (*dash == '-' || is_dash(*dash)) && !more.is_empty() && more.len() <= 4 =>
        {
            more.iter().take_while(|c| c.is_ascii_digit()).count() >= 1
                && more.iter().all(|c| c.is_ascii_alphanumeric())
        }
        _ => false,
    }
}

/// A word of a street's name: capitalised, a particle, or an ordinal (`5th`).
fn is_street_word(doc: &Doc, t: (usize, usize)) -> bool {
    let e = core_end(doc, t);
    let w = doc.slice(t.0, e);
    if w.is_empty() {
        return false;
    }
    let lower = doc.lower(t.0, e);
    if matches!(
        lower.as_str(),
        "de" | "la"
            | "le"
            | "du"
            | "des"
            | "del"
            | "della"
            | "di"
            | "da"
            | "do"
            | "dos"
            | "das"
            | "of"
            | "the"
            | "von"
            | "van"
            | "der"
            | "den"
            | "y"
            | "les"
            | "l"
            | "d"
    ) || lower.starts_with("d'")
        || lower.starts_with("l'")
        || lower.starts_with("d’")
        || lower.starts_with("l’")
    {
        return true;
    }
    let digits = w.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 {
        let suffix: String = w
            .get(digits..)
            .unwrap_or(&[])
            .iter()
            .flat_map(|c| c.to_lowercase())
            .collect();
        return matches!(suffix.as_str(), "st" | "nd" | "rd" | "th");
    }
    is_upper_start(w)
        && w.iter()
            .all(|&c| is_letter(c) || matches!(c, '-' | '\'' | '’' | '.'))
}

/// A street type after its name: `Street`, `St.`; capitalised.
fn is_suffix_type(doc: &Doc, t: (usize, usize)) -> bool {
    let e = core_end(doc, t);
    let w = doc.slice(t.0, e);
    is_upper_start(w) && is_in(&lists().street_suffix, &doc.lower(t.0, e))
}

/// A street address starting at token `t`: `(start, end, next token)`.
fn street_at(doc: &Doc, toks: &[(usize, usize)], t: usize) -> Option<(usize, usize, usize)> {
    let tok = |k: usize| toks.get(k).copied();
    let cur = tok(t)?;
    // every street starts with a number or a capital
    let c0 = doc.c(cur.0);
    if !(c0.is_ascii_digit() || c0.is_uppercase()) || cur.1 - cur.0 > 40 {
        return None;
    }
    if c0.is_uppercase() {
        // a street name before its number, or a street type before its name
        let next_number = tok(t + 1).is_some_and(|n| is_house_number(doc, n));
        let cur_end = core_end(doc, cur);
        if !next_number && c0 != 'P' && !doc.lower_in(cur.0, cur_end, &lists().street_prefix) {
            return None;
        }
    }
    // P.O. Box 123
    let lower = if c0 == 'P' {
        tok_lower(doc, cur)
    } else {
        String::new()
    };
    if matches!(lower.as_str(), "p.o" | "po" | "p.o." | "postfach") {
        let (mut k, mut ok) = (t + 1, lower == "postfach");
        if !ok && tok(k).is_some_and(|b| tok_lower(doc, b) == "box") {
            k += 1;
            ok = true;
        }
        if ok {
            let num = tok(k)?;
            if is_house_number(doc, num)
                || doc
                    .slice(num.0, core_end(doc, num))
                    .iter()
                    .all(|c| c.is_ascii_digit())
            {
                return Some((cur.0, core_end(doc, num), k + 1));
            }
        }
        return None;
    }
    // a house number first
    if is_house_number(doc, cur) {
        let mut start = cur.0;
        // `Flat 3, 10 Downing St`
        if t >= 2 {
            if let (Some(u), Some(un)) = (tok(t - 2), tok(t - 1)) {
                if in_list(UNITS, &tok_lower(doc, u))
                    && is_house_number(doc, un)
                    && is_upper_start(doc.slice(u.0, u.1))
                {
                    start = u.0;
                }
            }
        }
        // `12, rue …`
        let next = tok(t + 1)?;
        if doc.slice(cur.1, next.0).contains(&'\n')
            && is_year(doc, cur.0, core_end(doc, cur) - cur.0)
        {
            return None;
        }
        let next_lower = tok_lower(doc, next);
        let bis = matches!(next_lower.as_str(), "bis" | "ter");
        let type_at = if bis { t + 2 } else { t + 1 };
        let ty = tok(type_at)?;
        let ty_lower = tok_lower(doc, ty);
        if is_in(&lists().street_prefix, &ty_lower)
            && core_end(doc, cur) == cur.1 - usize::from(doc.c(cur.1 - 1) == ',')
        {
            // the name after the type
            let mut k = type_at + 1;
            let mut end = None;
            while k < toks.len() && k <= type_at + 6 {
                let w = tok(k)?;
                if !is_street_word(doc, w) {
                    break;
                }
                end = Some(core_end(doc, w));
                let stop = matches!(doc.c(w.1 - 1), ',' | ';');
                k += 1;
                if stop {
                    break;
                }
            }
            let end = end?;
            // the name must hold a capitalised word
            if !doc.slice(ty.1, end).iter().any(|c| c.is_uppercase()) {
                return None;
            }
            return Some((start, end, k));
        }
        // name words, then a street type
        let mut k = t + 1;
        let mut names = 0;
        while k < toks.len() && names < 5 {
            let w = tok(k)?;
            if (names > 0 || tok_lower(doc, w) == "broadway") && is_suffix_type(doc, w) {
                // `2021 2nd Place` is an award
                let ordinals_only =
                    (t + 1..k).all(|q| tok(q).is_some_and(|x| doc.c(x.0).is_ascii_digit()));
                if ordinals_only && tok_lower(doc, w) == "place" {
                    return None;
                }
                let mut end = core_end(doc, w);
                // `St.` keeps its dot
                if doc.c(end) == '.' && doc.slice(w.0, end).len() <= 4 {
                    end += 1;
                }
                let mut next = k + 1;
                // `NW`
                if let Some(dir) = tok(next) {
                    let dl = tok_lower(doc, dir);
                    let dw = doc.slice(dir.0, core_end(doc, dir));
                    if in_list(DIRECTIONS, &dl)
                        && dw.iter().all(|c| c.is_uppercase())
                        && doc.c(w.1 - 1) != ','
                    {
                        end = core_end(doc, dir);
                        next += 1;
                    }
                }
                // `, Apt 4B`, `Suite 100`, `#12`
                if let Some(u) = tok(next) {
                    let ul = tok_lower(doc, u);
                    if in_list(UNITS, &ul) {
                        if let Some(num) = tok(next + 1) {
                            if is_house_number(doc, num) {
                                end = core_end(doc, num);
                                next += 2;
                            }
                        }
                    } else if doc.c(u.0) == '#' && is_house_number(doc, (u.0 + 1, u.1)) {
                        end = core_end(doc, u);
                        next += 1;
                    }
                }
                // `3 Supreme Court cases`: a street is not followed by a lower-case word
                if let Some(after) = tok(next) {
                    let glued = !doc
                        .slice(end, after.0)
                        .iter()
                        .any(|&c| c == ',' || c == '\n');
                    if glued && doc.c(after.0).is_lowercase() {
                        return None;
                    }
                }
                return Some((start, end, next));
            }
            if !is_street_word(doc, w) {
                return None;
            }
            // a comma ends the name: `12 Main, Springfield` is no street
            names += 1;
            if matches!(doc.c(w.1 - 1), ',' | ';') {
                return None;
            }
            k += 1;
        }
        return None;
    }
    // `Hauptstraße 5`, `Berliner Straße 12`, `Keizersgracht 123`
    let cur_end = core_end(doc, cur);
    let word = doc.lower(cur.0, cur.1.min(cur_end + 1));
    let word_core = doc.lower(cur.0, cur_end);
    let ends_street = STREET_ENDINGS.iter().any(|end| {
        let w = if end.ends_with('.') {
            word.as_str()
        } else {
            word_core.as_str()
        };
        w.ends_with(end) && w.chars().count() >= end.chars().count()
    });
    if ends_street && is_upper_start(doc.slice(cur.0, cur.1)) {
        let num = tok(t + 1)?;
        if !is_house_number(doc, num) {
            return None;
        }
        let mut start = cur.0;
        let standalone = STREET_ENDINGS.iter().any(|end| {
            let w = if end.ends_with('.') {
                word.as_str()
            } else {
                word_core.as_str()
            };
            w == *end
        });
        if standalone {
            // `Berliner Straße`: the name before
            let prev = tok(t.checked_sub(1)?)?;
            if !is_upper_start(doc.slice(prev.0, prev.1)) || core_end(doc, prev) != prev.1 {
                return None;
            }
            start = prev.0;
        }
        return Some((start, core_end(doc, num), t + 2));
    }
    // `Via Roma 12`, `Calle Mayor, 5`, `Avenida Paulista 1000`
    if is_in(&lists().street_prefix, &word_core)
        && is_title_case(doc.slice(cur.0, cur_end))
        && cur_end == cur.1
    {
        let mut k = t + 1;
        let mut names = 0;
        while k < toks.len() && names <= 4 {
            let w = tok(k)?;
            if names > 0 && is_house_number(doc, w) {
                return Some((cur.0, core_end(doc, w), k + 1));
            }
            if !is_street_word(doc, w) {
                return None;
            }
            names += 1;
            k += 1;
        }
    }
    None
}
