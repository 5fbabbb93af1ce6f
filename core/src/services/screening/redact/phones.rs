//! Phone numbers.

use super::{
    doc::{is_dash, is_letter, is_word_char, is_year, Doc},
    lists::{in_list, CURRENCIES},
    run::Run,
    Kind,
};

impl Run<'_> {
    pub(super) fn phones(&mut self) {
        let doc = self.doc;
        let n = doc.len();
        let mut i = 0;
        while i < n {
            let c = doc.c(i);
            let startable = (c.is_ascii_digit()
                || (c == '+' && doc.c(i + 1).is_ascii_digit())
                || (c == '+' && doc.c(i + 1) == '(')
                || (c == '(' && (doc.c(i + 1).is_ascii_digit() || doc.c(i + 1) == '+')))
                && !is_word_char(doc.prev(i))
                && !matches!(
                    doc.prev(i),
                    '.' | ','
                        | '-'
                        | '/'
                        | '_'
                        | '+'
                        | '$'
                        | '€'
                        | '£'
                        | '¥'
                        | '₹'
                        | '#'
                        | '='
                        | '%'
                )
                && !is_dash(doc.prev(i));
            if !startable {
                i += 1;
                continue;
            }
            let run = parse_phone(doc, i);
            if phone_ok(doc, &run) {
                self.push(i, run.end, Kind::Phone);
                i = run.end.max(i + 1);
            } else {
                i = run.group_starts.get(1).copied().unwrap_or(i + 1).max(i + 1);
            }
        }
    }
}

struct PhoneRun {
    end: usize,
    digits: usize,
    groups: Vec<usize>,
    group_starts: Vec<usize>,
    /// The separator after each group but the last: ' ', '-', '.', '/'.
    seps: Vec<char>,
    plus: bool,
    paren: bool,
}

fn parse_phone(doc: &Doc, i: usize) -> PhoneRun {
    let n = doc.len();
    let mut run = PhoneRun {
        end: i,
        digits: 0,
        groups: Vec::new(),
        group_starts: Vec::new(),
        seps: Vec::new(),
        plus: false,
        paren: false,
    };
    let mut j = i;
    if doc.c(j) == '+' {
        run.plus = true;
        j += 1;
    }
    loop {
        if doc.c(j) == '(' {
            let mut k = j + 1;
            if doc.c(k) == '+' {
                run.plus = true;
                k += 1;
            }
            let gs = k;
            while doc.c(k).is_ascii_digit() {
                k += 1;
            }
            if k == gs || k - gs > 5 || doc.c(k) != ')' {
                break;
            }
            run.paren = true;
            run.groups.push(k - gs);
            run.group_starts.push(j);
            run.digits += k - gs;
            j = k + 1;
            run.end = j;
        } else if doc.c(j).is_ascii_digit() {
            let gs = j;
            while doc.c(j).is_ascii_digit() {
                j += 1;
            }
            run.groups.push(j - gs);
            run.group_starts.push(gs);
            run.digits += j - gs;
            run.end = j;
        } else {
            break;
        }
        if run.digits > 20 || j - i > 40 {
            break;
        }
        // the separator: spaces and at most one symbol (a run of dashes counts as one)
        let mut k = j;
        let mut spaces = 0;
        let mut sym: Option<char> = None;
        let mut glued_paren = false;
        let after_paren = doc.prev(j) == ')';
        while k < n && k - j < 5 {
            let d = doc.c(k);
            if d == ' ' || d == '\u{a0}' || (d == '\n' && after_paren && k == j) {
                spaces += 1;
                k += 1;
            } else if (is_dash(d) || d == '-') && sym.is_none_or(|s| s == '-') {
                sym = Some('-');
                k += 1;
            } else if (d == '.' || d == '/') && sym.is_none() {
                sym = Some(d);
                k += 1;
            } else {
                break;
            }
        }
        if k == j && doc.c(k) == '(' {
            glued_paren = true;
        }
        let next = doc.c(k);
        let spaces_ok = spaces <= 1 || (spaces == 2 && sym.is_some());
        let after_group_paren = k == j && doc.prev(j) == ')' && next.is_ascii_digit();
        if spaces_ok
            && (k > j || glued_paren || after_group_paren)
            && (next.is_ascii_digit() || next == '(')
        {
            run.seps.push(sym.unwrap_or(' '));
            j = k;
        } else {
            break;
        }
    }
    // masked digits: `87xxx`
    let mut e = run.end;
    while matches!(doc.c(e), 'x' | 'X') && e - run.end < 5 {
        e += 1;
    }
    if e > run.end && !is_word_char(doc.c(e)) {
        run.digits += e - run.end;
        run.end = e;
    }
    run
}

fn phone_ok(doc: &Doc, run: &PhoneRun) -> bool {
    let d = run.digits;
    let g = &run.groups;
    let Some(&first_start) = run.group_starts.first() else {
        return false;
    };
    if !(7..=16).contains(&d) {
        return false;
    }
    let after = doc.c(run.end);
    if is_word_char(after)
        || ((after == '.' || after == ',') && doc.c(run.end + 1).is_ascii_digit())
    {
        return false;
    }
    // a currency or a percentage next to it
    if matches!(after, '%' | '€' | '$' | '£' | '¥' | '₹')
        || matches!(doc.c(doc.skip_hspace(run.end)), '%' | '€' | '£' | '¥' | '₹')
    {
        return false;
    }
    let next_word = {
        let j = doc.skip_hspace(run.end);
        let mut q = j;
        while is_letter(doc.c(q)) {
            q += 1;
        }
        (j > run.end && j - run.end == 1).then(|| doc.lower(j, q))
    };
    if next_word.as_deref().is_some_and(|w| in_list(CURRENCIES, w)) {
        return false;
    }
    let start = first_start.min(run.group_starts.first().copied().unwrap_or(first_start));
    let label = doc.label_before(if run.plus || doc.c(start) == '(' {
        start.min(start)
    } else {
        start
    });
    let label_word = label.map(|(a, b, colon)| (doc.lower(a, b), colon));
    if let Some((w, _)) = &label_word {
        if matches!(
            w.as_str(),
            "isbn"
                | "issn"
                | "doi"
                | "version"
                | "ver"
                | "v"
                | "arxiv"
                | "id"
                | "ref"
                | "no"
                | "invoice"
                | "order"
                | "patent"
        ) && !matches!(w.as_str(), "no")
        {
            return false;
        }
        if label.is_some_and(|(_, _, colon)| !colon) && in_list(CURRENCIES, w) {
            return false;
        }
    }
    let phone_label = label_word.as_ref().is_some_and(|(w, colon)| {
        matches!(
            w.as_str(),
            "phone"
                | "telephone"
                | "tel"
                | "mobile"
                | "mob"
                | "cell"
                | "cellphone"
                | "handy"
                | "telefon"
                | "téléphone"
                | "tél"
                | "portable"
                | "móvil"
                | "movil"
                | "celular"
                | "whatsapp"
                | "fax"
                | "number"
                | "contact"
                | "ph"
                | "telp"
                | "mobil"
                | "tlf"
                | "tfn"
        ) || (*colon && matches!(w.as_str(), "m" | "t" | "p" | "c" | "h" | "w" | "no"))
    }) || matches!(
        doc.prev(doc.skip_hspace_back(start)),
        '☎' | '📞' | '✆' | '📱' | '☏'
    );
    if run.plus || run.paren || phone_label {
        return !(g.len() == 1 && d > 15);
    }
    let years = g
        .iter()
        .zip(&run.group_starts)
        .all(|(&len, &s)| is_year(doc, s, len));
    if g.len() >= 2 && years {
        return false;
    }
    // `2019 555-123-4567`: the year is not part of the number
    if g.len() >= 3 && is_year(doc, first_start, g.first().copied().unwrap_or(0)) && d - 4 >= 7 {
        return false;
    }
    // dates
    if g.len() == 3 {
        let (a, b, c) = (
            g.first().copied().unwrap_or(0),
            g.get(1).copied().unwrap_or(0),
            g.get(2).copied().unwrap_or(0),
        );
        let same_sep = run.seps.first() == run.seps.get(1);
        if same_sep && ((a <= 2 && b <= 2 && (c == 4 || c == 2)) || (a == 4 && b <= 2 && c <= 2)) {
            return false;
        }
    }
    if run.seps.contains(&'/') {
        return false;
    }
    if g.len() >= 2 && g.iter().skip(1).any(|&l| l == 1) {
        return false;
    }
    if run.seps.contains(&'.') && g.iter().any(|&l| !(2..=4).contains(&l)) {
        return false;
    }
    if g.len() == 1 {
        return (10..=12).contains(&d);
    }
    if g.iter().any(|&l| l > 8) {
        return false;
    }
    // a count: `10 000 000 users`
    if next_word
        .as_deref()
        .is_some_and(|w| !w.is_empty() && w.chars().next().is_some_and(|c| c.is_lowercase()))
    {
        return false;
    }
    true
}
