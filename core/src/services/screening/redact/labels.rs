//! Labels (`Name:`, `Date of birth:`, `GitHub:`…) and their values.

use super::{
    doc::{is_dash, is_hspace, is_letter, is_separator, is_upper_start, is_word_char},
    lists::{is_in, is_personal, lists, Label, Val, LABELS},
    names::name_prefix,
    personal::{age_value, capitalised_run, place_after},
    run::Run,
    Kind,
};

impl Run<'_> {
    pub(super) fn labels(&mut self) {
        let doc = self.doc;
        let nwords = doc.words.len();
        let lists = lists();
        for k in 0..nwords {
            let Some((ws, we)) = doc.word(k) else {
                continue;
            };
            if we - ws > 24 {
                continue;
            }
            let Some(ids) = doc.with_lower(ws, we, |w| lists.labels.get(w)) else {
                continue;
            };
            for label in ids.iter().filter_map(|&i| LABELS.get(i)) {
                let Some(end) = self.match_label(k, label.words) else {
                    continue;
                };
                if !label.prose && !doc.at_segment_start(ws) {
                    continue;
                }
                if self.label_value(ws, end, label) {
                    // `Née le …`: the label's ending is the person's gender
                    if label.words.starts_with("né") {
                        self.push(ws, we, Kind::Gender);
                    }
                    break;
                }
            }
        }
        // handle labels: `GitHub: user`
        for k in 0..nwords {
            let Some((ws, we)) = doc.word(k) else {
                continue;
            };
            if we - ws > 24 {
                continue;
            }
            let Some(nets) = doc.with_lower(ws, we, |w| lists.network_first.get(w)) else {
                continue;
            };
            for net in nets {
                let Some(end) = self.match_label(k, net) else {
                    continue;
                };
                let mut j = end;
                while doc.c(j) == '.' {
                    j += 1;
                }
                // `X (Twitter):`
                let mut i = doc.skip_hspace(j);
                if doc.c(i) == '(' {
                    let mut q = i + 1;
                    while q < doc.len() && q < i + 16 && doc.c(q) != ')' && doc.c(q) != '\n' {
                        q += 1;
                    }
                    if doc.c(q) == ')' {
                        i = doc.skip_hspace(q + 1);
                    }
                }
                if !matches!(doc.c(i), ':' | '：') {
                    break;
                }
                if *net == "x" && !doc.at_segment_start(ws) {
                    break;
                }
                let v = doc.skip_hspace(i + 1);
                self.handle_value(v);
                break;
            }
        }
    }

    /// Words `k…` are `label` (its words separated by spaces in the table); the label's end.
    fn match_label(&self, k: usize, label: &str) -> Option<usize> {
        let doc = self.doc;
        let mut end = None;
        let mut prev_end: Option<usize> = None;
        for (n, lw) in label.split(' ').enumerate() {
            let (ws, we) = doc.word(k + n)?;
            if let Some(pe) = prev_end {
                // the gap: one or two spaces, dots, hyphens or slashes, on one line
                let gap = doc.slice(pe, ws);
                if gap.is_empty()
                    || gap.len() > 3
                    || !gap
                        .iter()
                        .all(|&c| is_hspace(c) || matches!(c, '.' | '-' | '/' | '_' | '\'' | '’'))
                {
                    return None;
                }
            }
            if !doc.eq_ci(ws, we, lw) {
                return None;
            }
            end = Some(we);
            prev_end = Some(we);
        }
        let end = end?;
        // the label is a whole word
        if is_word_char(doc.c(end)) {
            return None;
        }
        Some(end)
    }

    /// The value after a label ending at `end`; true if the label was used.
    fn label_value(&mut self, ls: usize, end: usize, label: &Label) -> bool {
        let doc = self.doc;
        let mut i = end;
        // `D.O.B.`, `Geb.`
        while doc.c(i) == '.' {
            i += 1;
        }
        let after_label = i;
        // `Name (optional)`? keep it simple: colon, spaces, or nothing for prose labels
        let mut j = doc.skip_hspace(i);
        let mut colon = false;
        let dash = (is_dash(doc.c(j)) || doc.c(j) == '-') && is_hspace(doc.prev(j));
        if matches!(doc.c(j), ':' | '：' | '=') || dash {
            colon = true;
            j = doc.skip_hspace(j + 1);
        }
        let wide_gap = j >= after_label + 2 || doc.c(after_label) == '\t';
        let line = doc.line_of(ls);
        let (_, line_end) = doc.line(line);
        let alone = doc.skip_hspace(j) >= line_end;
        // table layouts: `Nationality   British`, or the value on the next line
        let mut v = j;
        if alone {
            let (ls_trim, _) = doc.line_trimmed(line);
            // a label alone on its line takes the next line's text only when it is a label
            // beyond doubt: with a colon, or of several words, or a word no heading has
            let weak = matches!(
                label.words,
                "children"
                    | "kinder"
                    | "dependents"
                    | "enfants"
                    | "age"
                    | "alter"
                    | "sex"
                    | "name"
                    | "nom"
                    | "mail"
                    | "email"
                    | "pin"
                    | "zip"
                    | "residence"
                    | "cell"
                    | "tel"
                    | "mobile"
                    | "handy"
                    | "portable"
                    | "phone"
                    | "telephone"
                    | "religion"
                    | "caste"
                    | "adres"
                    | "address"
                    | "adresse"
                    | "nombre"
                    | "surname"
                    | "mob"
            );
            if ls_trim != ls || label.prose || label.val == Val::Whole || (weak && !colon) {
                if label.val == Val::Whole && colon {
                    self.push(ls, doc.skip_hspace_back(j), label.kind);
                    return true;
                }
                return false;
            }
            match doc.next_text_line(line) {
                Some(n) => v = doc.line_trimmed(n).0,
                None => return false,
            }
        } else if !colon && !label.prose && !wide_gap {
            // `Nationalité française`, `Familienstand ledig`: a short value, alone after the
            // label at the line's start
            let (lts, le) = doc.line_trimmed(line);
            let rest = doc.slice(j, le);
            let words = rest
                .split(|c| c.is_whitespace())
                .filter(|w| !w.is_empty())
                .count();
            let value_kind = matches!(
                label.kind,
                Kind::Nationality | Kind::MaritalStatus | Kind::Gender
            );
            let parens = doc.c(j) == '(';
            let short_value =
                value_kind && lts == ls && (1..=3).contains(&words) && !rest.contains(&':');
            if !(short_value || parens) {
                return false;
            }
        }
        // `Pronouns (she/they)`
        if doc.c(j) == '(' && matches!(label.val, Val::Short | Val::Segment) {
            let mut q = j + 1;
            while q < doc.len() && q < j + 40 && !matches!(doc.c(q), ')' | '\n') {
                q += 1;
            }
            if doc.c(q) == ')' && q > j + 1 {
                self.push(j + 1, q, label.kind);
                return true;
            }
            return false;
        }
        let found = match label.val {
            Val::Date => match self.date_value(v) {
                // `3 May 1979 in Hamburg`, `5 juin 1992 à Lyon`: the place goes too
                Some((ds, de)) => Some((ds, place_after(doc, de).unwrap_or(de))),
                None => {
                    // `Born in Monterrey`: the place of birth
                    if label.words.starts_with("born")
                        || label.words.starts_with("geboren")
                        || label.words.starts_with("né")
                    {
                        if let Some(pe) = capitalised_run(doc, v, 3) {
                            self.push(v, pe, Kind::Nationality);
                            return true;
                        }
                    }
                    None
                }
            },
            Val::Age => age_value(doc, v),
            Val::Segment => {
                let e = doc.segment_end(v, 120);
                (e > v && doc.slice(v, e).iter().any(|c| c.is_alphanumeric())).then_some((v, e))
            }
            Val::Short => {
                let e = doc.segment_end(v, 40);
                let words = doc.slice(v, e).iter().filter(|&&c| c == ' ').count() + 1;
                (e > v && words <= 4 && doc.slice(v, e).iter().any(|c| c.is_alphanumeric()))
                    .then_some((v, e))
            }
            Val::Name => {
                let e = doc.segment_end(v, 60);
                match name_prefix(doc, v, e, 1) {
                    Some(ne) => {
                        self.add_found_name(v, ne);
                        Some((v, ne))
                    }
                    None => None,
                }
            }
            Val::Email => {
                let e = doc.segment_end(v, 80);
                let value = doc.lower(v, e);
                (e > v
                    && (value.contains('@')
                        || value.contains(" at ")
                        || value.contains("(at)")
                        || value.contains("[at]")
                        || value.contains("{at}")))
                .then_some((v, e))
            }
            Val::Phone => {
                let e = doc.segment_end(v, 40);
                let value = doc.slice(v, e);
                let digits = value.iter().filter(|c| c.is_ascii_digit()).count();
                (digits >= 7
                    && value.iter().all(|&c| {
                        c.is_ascii_digit()
                            || is_hspace(c)
                            || is_dash(c)
                            || matches!(c, '+' | '(' | ')' | '-' | '.' | '/' | 'x' | 'X')
                    }))
                .then_some((v, e))
            }
            Val::Whole => {
                if !colon {
                    return false;
                }
                let e = doc.segment_end(v, 80);
                Some((ls, e.max(after_label)))
            }
        };
        let Some((s, e)) = found else { return false };
        self.push(s, e, label.kind);
        if is_personal(label.kind) {
            if let Some(p) = self.personal.get_mut(line) {
                *p = true;
            }
            let vl = doc.line_of(s);
            if let Some(p) = self.personal.get_mut(vl) {
                *p = true;
            }
        }
        true
    }

    /// A date at `v` (`12/03/1990`, `12 March 1990`, `March 12th, 1990`, `1990`).
    fn date_value(&self, v: usize) -> Option<(usize, usize)> {
        let doc = self.doc;
        let mut i = v;
        let mut end = v;
        let mut digits = 0;
        let mut month = false;
        let mut tokens = 0;
        let mut numbers = 0;
        while i < doc.len() && tokens < 6 {
            let c = doc.c(i);
            if c.is_ascii_digit() {
                let s = i;
                while doc.c(i).is_ascii_digit() {
                    i += 1;
                }
                if i - s > 4 || numbers >= 3 {
                    break;
                }
                numbers += 1;
                // `1990年4月1日`
                if matches!(doc.c(i), '年' | '月' | '日') {
                    month |= doc.c(i) == '月';
                    digits += i - s;
                    i += 1;
                    end = i;
                    tokens += 1;
                    continue;
                }
                // ordinal suffix
                let q = i;
                while doc.c(i).is_alphabetic() && i - q < 2 {
                    i += 1;
                }
                let suffix = doc.lower(q, i);
                if !(suffix.is_empty()
                    || matches!(suffix.as_str(), "st" | "nd" | "rd" | "th" | "er"))
                    || is_letter(doc.c(i))
                {
                    i = q;
                    if is_letter(doc.c(i)) {
                        break;
                    }
                }
                digits += i - s - (i - q).min(i - s);
                end = i;
                tokens += 1;
                // a year after the day or the month ends the date (`14/04/1980, 44 ans`)
                if q - s == 4
                    && (numbers >= 3 || (numbers >= 2 && month) || (numbers >= 2 && tokens >= 3))
                {
                    break;
                }
            } else if is_letter(c) {
                let s = i;
                while is_letter(doc.c(i)) {
                    i += 1;
                }
                let w = doc.lower(s, i);
                if is_in(&lists().months, &w) {
                    month = true;
                    end = i;
                    if doc.c(i) == '.' {
                        i += 1;
                        end = i;
                    }
                    tokens += 1;
                } else if w == "of" && tokens == 1 {
                    // `12th of March`
                } else {
                    break;
                }
            } else {
                break;
            }
            // separator
            let s = i;
            while i < doc.len() && i - s < 3 {
                let c = doc.c(i);
                if is_hspace(c) || matches!(c, '/' | '-' | '.' | ',') || is_dash(c) {
                    i += 1;
                } else {
                    break;
                }
            }
            if i == s {
                break;
            }
        }
        (end > v && (digits >= 4 || (month && digits >= 1) || (digits >= 2 && month)))
            .then_some((v, end))
    }

    /// Takes the value of a handle label at `v`: a link or a user name, or up to three
    /// capitalised words (`LinkedIn: Jane Doe`).
    fn handle_value(&mut self, v: usize) {
        let doc = self.doc;
        let mut e = v;
        while e < doc.len() && !doc.c(e).is_whitespace() && !is_separator(doc.c(e)) {
            e += 1;
        }
        while e > v && matches!(doc.c(e - 1), ',' | ';' | '.' | ')' | ':') {
            e -= 1;
        }
        if e <= v || !doc.slice(v, e).iter().any(|c| c.is_alphanumeric()) {
            return;
        }
        let first = doc.slice(v, e);
        if first.iter().all(|&c| is_letter(c)) && is_upper_start(first) {
            // a name: up to three capitalised words
            let mut end = e;
            let mut words = 1;
            loop {
                let s = end;
                if doc.c(s) != ' ' || words >= 3 {
                    break;
                }
                let ws = s + 1;
                let mut we = ws;
                while is_letter(doc.c(we)) {
                    we += 1;
                }
                if we == ws || !is_upper_start(doc.slice(ws, we)) || is_word_char(doc.c(we)) {
                    break;
                }
                end = we;
                words += 1;
            }
            e = end;
        }
        self.push(v, e, Kind::Handle);
    }
}
