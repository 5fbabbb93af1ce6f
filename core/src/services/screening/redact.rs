//! Blind screening: the candidate's identity and protected characteristics leave a resume's
//! text before it reaches a model. Deterministic and local (no model call, no regular
//! expressions): hand-written scanners over the text's characters, linear in its length. A
//! 200 KB resume takes a few milliseconds.
//!
//! **What is redacted.** Each span found is replaced by its kind's [`Kind::placeholder`];
//! overlapping spans merge into one, named by the widest span's kind (at equal width a postcode
//! or a date beats a phone number). Everything else is kept byte for byte (whitespace and line
//! breaks included), so a quote from the redacted text can be found in it.
//! - **Names**: every token (two letters or more, a whole word, case- and accent-insensitive)
//!   of the `names` the app passes (the analysed name, e-mail local parts), CJK names as
//!   substrings (CJK text has no spaces). Found in the text too: the first line with letters
//!   (after a `Curriculum Vitae`/`Resume` heading and a title such as `Dr.`), or its first
//!   segment before ` - `, `|`, `,`, two spaces…, when it is 2–4 capitalised words of letters,
//!   hyphens and apostrophes (initials and `van`/`de` between) that are not headings or job
//!   words, or 2–4 Han/Hangul characters; the same name split over two lines (`Leo`/`Leopard`)
//!   and in CJK script on the next line; the value of `Name:`, `Father's Name:`, `S/O`,
//!   `姓名：`, `my name is`; capitalised words that spell the local part of an e-mail address
//!   in the text, whole or by initials (`Li Minghua` for `liminghua@`, `Wei Lin Zhang` for
//!   `wlzhang@`). The tokens of every name found are then redacted wherever they appear.
//! - **E-mail** addresses (with `mailto:`), obfuscated ones (`jane [at] example [dot] com`,
//!   `jane(at)example.com`), and an `Email:` label's value when it holds `@` or `at`.
//! - **Phones**: 7 to 16 digits in phone groupings (`+44 20 7946 0958`, `(555) 123-4567`,
//!   `555.123.4567`, `+49 (0)30 1234567`, `01 23 45 67 89`, `(909)` then a line break, a bare
//!   10–12 digit number). Not year ranges (`2015 - 2019`, `1842 - 1843`), dates (`2019-01-05`,
//!   `12/03/1990`), ISBNs and versions (a one-digit group after the first), decimals, amounts
//!   (a currency next to it) or counts (`10 000 000 users`). After `Phone:`, `Tel:`, `Mobile:`,
//!   `M:` or a phone icon any grouping of 7 digits or more counts.
//! - **URLs**: `scheme://…`, `www.…`, a bare `domain.tld[/path]` with a known top-level domain
//!   (without a path it must be lower case, so `ASP.NET`, `Node.js`, `socket.io` stay), and a
//!   letter-spaced `h t t p s : //…`. **Handles**: `@handle`, `@user@instance`, the value of a
//!   network label (`GitHub: user`, `LinkedIn: /in/x`, `XING: …`), a user name after an
//!   icon-font network name (`GITHUB-SQUARE posquit0`), a lone user name on the line next to a
//!   line naming the network (`johndoe` / `GitHub`).
//! - **Addresses**: a house number, then 1–4 capitalised words and a street type (`221B Baker
//!   Street`, `1600 Pennsylvania Ave NW`, `Flat 3, 10 Downing St`, `2400 Lakeshore Blvd, Apt
//!   4B`, `1234 Broadway`), also over line breaks within a paragraph; French, Italian, Spanish
//!   and Portuguese streets (`12 rue de la Paix`, `Via Roma 12`, `Calle Mayor, 5`); German and
//!   Dutch ones (`Hauptstraße 5`, `Berliner Str. 12a`, `Lindenweg 7`, `Keizersgracht 123`);
//!   P.O. boxes; the value of `Address:`, `Anschrift:`, `Adresse:`, `住所`…; the rest of the
//!   segment after a Japanese `〒` postcode.
//! - **Postcodes**: British (`SW1A 1AA`), Canadian (`K1A 0B1`), Dutch (`1012 AB`), a US ZIP
//!   after a state code or a city and a comma (`CA 94105`, `NY 10001-1234`), Australian after
//!   a state (`NSW 2026`), a 5-digit code before a city at a segment's start, after a comma or
//!   right after a street (`10115 Berlin`, `D-60311`), an Indian PIN after a city
//!   (`Bengaluru - 560001`), `〒150-0001`, and the value of `Postcode:`, `ZIP:`, `PLZ:`, `PIN:`.
//! - **Dates of birth**: the date after `Date of birth`, `DOB`, `D.O.B.`, `Born`, `born on`,
//!   `Geburtsdatum`, `geboren am`, `Date de naissance`, `Né(e) le`, `生年月日`… (numeric, with
//!   month names in six languages, `1990年4月1日`), with the place after it (` in Hamburg`);
//!   `Born in Monterrey` without a date gives the place (as nationality).
//! - **Ages**: `Age: 34`, `34 years old`, `29 year old`, `aged 34`, `34 y/o`, `44 ans,`,
//!   `41 Jahre alt`, and `34-year-old` unless it qualifies a thing (`a 10-year-old codebase`).
//! - **Gender**: titles (`Mr`, `Mrs`, `Ms`, `Miss`, `Mx`, `Sir`, `Madam`, `Herr`, `Frau`,
//!   `Mme`, `Mlle`), the pronouns he/him/his/himself/she/her/hers/herself (whole words, any
//!   case), the value of `Pronouns:`, `Gender:`, `Sex:`, `Geschlecht:`, `性别：`, male/female
//!   (and German, French, Spanish, Italian forms) in a personal-details line, and the `Née` of
//!   `Née le`.
//! - **Nationality**: the value of `Nationality:`, `Citizenship:`, `Staatsangehörigkeit:`,
//!   `Nationalité`, `国籍`, and of place-of-birth, ethnicity, religion and caste labels (no kind
//!   of their own, counted here); `citizen of X`, `X citizen`.
//! - **Marital status**: the value of `Marital status:`, `Familienstand:`, `Situation
//!   familiale`, `Children:`…; married/divorced/widowed/verheiratet/célibataire… at a line's
//!   start or in a personal-details line; single/engaged/separated only as a list item there
//!   (never `single-page`, `Single sign-on`, `Engaged stakeholders`); `with two children`
//!   after them, `3 enfants` in personal details.
//! - **Photos**: caption lines (`Photo`, `Headshot`), bracketed tokens (`[photo]`, `[Passport
//!   size photograph]`), `Photo:`/`Picture:`/`Image:`/`Foto:` labels with their value, and
//!   image file names (`me.jpg`).
//!
//! A label is taken at the start of a line or segment (after `|`, `·`, `,`, two spaces…), with
//! a colon, a dash or a wide gap after it, or alone on its line with the value on the next.
//!
//! **What it does not do.** A name is known only from `names`, the first line, a label, `my
//! name is` or an e-mail address that spells it: a name elsewhere (a referee's, one after a job
//! title on the second line with an e-mail that does not spell it) stays. A town without street
//! or postcode stays (`Tucson, Arizona`), so do user names without a label or a network beside
//! them, placeholder-like addresses without a number (`Address, Street`), street names without
//! a street-type word, photos themselves (the text has none), languages (`Native French`),
//! schools and graduation years that hint at an age, and gendered words other than the ones
//! above (feminine job titles such as `Directrice`, `Abogada`; `fraternity`; `Women in Tech`).
//! `Ms` is redacted only as `Ms`/`Ms.` before a name (`MS` is a degree, `ms` a millisecond),
//! `Mr` not as `MR` (a merge request), `Miss` only before a capitalised name. A name token is
//! redacted wherever it is a word, so a candidate called Will or Young loses those words too:
//! blind screening errs towards hiding.
use std::{
    cell::RefCell,
    collections::{BTreeMap, HashMap, HashSet},
    sync::OnceLock,
};

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// What a redacted span was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Name,
    Email,
    Phone,
    Url,
    Handle,
    Address,
    Postcode,
    BirthDate,
    Age,
    Gender,
    Nationality,
    MaritalStatus,
    Photo,
}

impl Kind {
    /// Every kind, in order.
    pub const ALL: [Kind; 13] = [
        Kind::Name,
        Kind::Email,
        Kind::Phone,
        Kind::Url,
        Kind::Handle,
        Kind::Address,
        Kind::Postcode,
        Kind::BirthDate,
        Kind::Age,
        Kind::Gender,
        Kind::Nationality,
        Kind::MaritalStatus,
        Kind::Photo,
    ];

    /// What replaces a span of this kind in the text.
    pub fn placeholder(self) -> &'static str {
        match self {
            Kind::Name => "[NAME]",
            Kind::Email => "[EMAIL]",
            Kind::Phone => "[PHONE]",
            Kind::Url => "[URL]",
            Kind::Handle => "[HANDLE]",
            Kind::Address => "[ADDRESS]",
            Kind::Postcode => "[POSTCODE]",
            Kind::BirthDate => "[DOB]",
            Kind::Age => "[AGE]",
            Kind::Gender => "[GENDER]",
            Kind::Nationality => "[NATIONALITY]",
            Kind::MaritalStatus => "[MARITAL_STATUS]",
            Kind::Photo => "[PHOTO]",
        }
    }

    /// The kind's snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Name => "name",
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Url => "url",
            Kind::Handle => "handle",
            Kind::Address => "address",
            Kind::Postcode => "postcode",
            Kind::BirthDate => "birth_date",
            Kind::Age => "age",
            Kind::Gender => "gender",
            Kind::Nationality => "nationality",
            Kind::MaritalStatus => "marital_status",
            Kind::Photo => "photo",
        }
    }

    /// The kind named `s` ([`Kind::as_str`]).
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A redacted text and how many spans of each kind left it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub counts: BTreeMap<Kind, usize>,
}

impl Redacted {
    /// Spans redacted, all kinds together.
    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }
}

/// `text` without the candidate's identity and protected characteristics (module docs).
///
/// `names`: what the app knows of the person (the analysed name, may be empty; also e-mail
/// local parts are fine to pass). Redacts every token of those names (>= 2 letters, case- and
/// accent-insensitive, whole words) wherever it appears, plus everything found by the scanners.
pub fn redact(text: &str, names: &[&str]) -> Redacted {
    let doc = Doc::new(text);
    let mut r = Run {
        doc: &doc,
        spans: Vec::new(),
        tokens: HashSet::new(),
        cjk_tokens: Vec::new(),
        personal: vec![false; doc.lines.len()],
    };
    for name in names {
        r.add_name_tokens(name);
    }
    r.labels();
    r.first_line_name();
    let locals = r.emails();
    r.email_local_names(&locals);
    r.name_tokens();
    r.obfuscated_emails();
    r.urls();
    r.handles();
    r.phones();
    r.addresses();
    r.postcodes();
    r.prose();
    r.words();
    r.photos();
    let spans = merge(&doc, r.spans);
    build(text, &doc, &spans)
}

// ---------------------------------------------------------------------------------------------
// The text as characters.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    s: usize,
    e: usize,
    kind: Kind,
}

/// Lines, char offsets: `[start, end)` without the `\n`.
struct Doc {
    chars: Vec<char>,
    /// Each char in lower case (its first lower-case char).
    lower: Vec<char>,
    /// A buffer for [`Doc::with_lower`].
    buf: RefCell<String>,
    /// Byte offset of each char, then the text's length.
    offs: Vec<usize>,
    lines: Vec<(usize, usize)>,
    /// Letter runs: `[start, end)`.
    words: Vec<(usize, usize)>,
}

impl Doc {
    fn new(text: &str) -> Self {
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

    fn len(&self) -> usize {
        self.chars.len()
    }

    /// The char at `i`, NUL past either end.
    fn c(&self, i: usize) -> char {
        self.chars.get(i).copied().unwrap_or('\0')
    }

    /// The char before `i`, NUL at the start.
    fn prev(&self, i: usize) -> char {
        if i == 0 {
            '\0'
        } else {
            self.c(i - 1)
        }
    }

    fn byte(&self, i: usize) -> usize {
        self.offs
            .get(i)
            .copied()
            .unwrap_or_else(|| self.offs.last().copied().unwrap_or(0))
    }

    fn slice(&self, s: usize, e: usize) -> &[char] {
        self.chars.get(s..e).unwrap_or(&[])
    }

    fn string(&self, s: usize, e: usize) -> String {
        self.slice(s, e).iter().collect()
    }

    fn lower(&self, s: usize, e: usize) -> String {
        self.lw(s, e).iter().collect()
    }

    /// `[s, e)` in lower case.
    fn lw(&self, s: usize, e: usize) -> &[char] {
        self.lower.get(s..e).unwrap_or(&[])
    }

    /// `f` of `[s, e)` in lower case, without allocating.
    fn with_lower<R>(&self, s: usize, e: usize, f: impl FnOnce(&str) -> R) -> R {
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
    fn lower_in(&self, s: usize, e: usize, set: &HashSet<&'static str>) -> bool {
        e > s && e - s <= 32 && self.with_lower(s, e, |w| set.contains(w))
    }

    /// `[s, e)` is `lit` (lower case), ignoring case.
    fn eq_ci(&self, s: usize, e: usize, lit: &str) -> bool {
        e <= self.len() && lit.chars().eq(self.lw(s, e).iter().copied())
    }

    fn line_of(&self, i: usize) -> usize {
        match self.lines.binary_search_by(|&(s, _)| s.cmp(&i)) {
            Ok(k) => k,
            Err(k) => k.saturating_sub(1),
        }
    }

    fn line(&self, k: usize) -> (usize, usize) {
        self.lines.get(k).copied().unwrap_or((0, 0))
    }

    /// The index of the first word starting at or after `i`.
    fn word_at(&self, i: usize) -> usize {
        match self.words.binary_search_by(|&(s, _)| s.cmp(&i)) {
            Ok(k) | Err(k) => k,
        }
    }

    fn word(&self, k: usize) -> Option<(usize, usize)> {
        self.words.get(k).copied()
    }

    fn skip_hspace(&self, mut i: usize) -> usize {
        while i < self.len() && is_hspace(self.c(i)) {
            i += 1;
        }
        i
    }

    fn skip_hspace_back(&self, mut i: usize) -> usize {
        while i > 0 && is_hspace(self.c(i - 1)) {
            i -= 1;
        }
        i
    }

    /// `i` starts a segment: the line's start (after indentation and a bullet), or after a
    /// separator (`|`, `·`, `,`, `;`, `:`, a dash, a tab or two spaces…).
    fn at_segment_start(&self, i: usize) -> bool {
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
    fn segment_end(&self, p: usize, cap: usize) -> usize {
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
    fn line_trimmed(&self, k: usize) -> (usize, usize) {
        let (s, e) = self.line(k);
        let s = self.skip_hspace(s).min(e);
        let mut e = e;
        while e > s && self.c(e - 1).is_whitespace() {
            e -= 1;
        }
        (s, e)
    }

    /// The next line after `k` with any text, within two lines.
    fn next_text_line(&self, k: usize) -> Option<usize> {
        (k + 1..(k + 3).min(self.lines.len())).find(|&j| {
            let (s, e) = self.line_trimmed(j);
            s < e
        })
    }

    fn prev_text_line(&self, k: usize) -> Option<usize> {
        (k.saturating_sub(2)..k).rev().find(|&j| {
            let (s, e) = self.line_trimmed(j);
            s < e
        })
    }

    /// The word (letter run) that ends right before `i`, skipping spaces, `:` and `.`;
    /// `(start, end, a colon was skipped)`.
    fn label_before(&self, i: usize) -> Option<(usize, usize, bool)> {
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

fn is_hspace(c: char) -> bool {
    if c.is_ascii() {
        c == ' ' || c == '\t' || c == '\r' || c == '\x0b' || c == '\x0c'
    } else {
        c.is_whitespace()
    }
}

fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic() || is_combining_mark(c)
    }
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() || is_combining_mark(c)
    }
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}'
    )
}

fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '•' | '◦' | '▪' | '●' | '■' | '♦' | '‣' | '∙' | '○' | '➢' | '►' | '✓'
    )
}

/// Chars that separate the fields of a contact line.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '|' | '·' | '•' | '◦' | '▪' | '●' | '■' | '♦' | '∙' | '⋅' | '¦'
    )
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}' // kana
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}'
        | '\u{ac00}'..='\u{d7af}' // hangul
        | '\u{20000}'..='\u{2fa1f}')
}

fn is_upper_start(w: &[char]) -> bool {
    w.first().is_some_and(|c| c.is_uppercase())
}

/// Title case (`Mr`) or all capitals (`MR`), at least one letter.
fn title_or_caps(w: &[char]) -> bool {
    is_upper_start(w)
        && (w.iter().skip(1).all(|c| !c.is_uppercase()) || w.iter().all(|c| !c.is_lowercase()))
}

fn is_title_case(w: &[char]) -> bool {
    is_upper_start(w) && w.iter().skip(1).all(|c| !c.is_uppercase())
}

/// Lower case without accents (`Ångström` is `angstrom`, `ß` is `ss`).
fn fold(s: &str) -> String {
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

fn fold_chars(w: &[char]) -> String {
    if w.iter().all(char::is_ascii) {
        return w.iter().map(char::to_ascii_lowercase).collect();
    }
    fold(&w.iter().collect::<String>())
}

// ---------------------------------------------------------------------------------------------
// Word lists.

/// Words never taken for part of a personal name: headings, job titles, organisations.
#[rustfmt::skip]
const NOT_NAME: &[&str] = &[
    "curriculum", "vitae", "vita", "resume", "cv", "lebenslauf", "summary", "profile", "profil",
    "contact", "contacts", "experience", "education", "skills", "objective", "personal", "details",
    "information", "info", "about", "me", "references", "page", "work", "employment", "history",
    "projects", "publications", "languages", "interests", "hobbies", "certifications", "awards",
    "achievements", "career", "professional", "overview", "portfolio", "address", "phone", "email",
    "mail", "engineer", "engineering", "developer", "development", "manager", "management",
    "designer", "design", "analyst", "scientist", "science", "consultant", "architect",
    "specialist", "software", "senior", "junior", "lead", "intern", "director", "officer",
    "administrator", "assistant", "associate", "technician", "teacher", "nurse", "student",
    "graduate", "head", "chief", "vice", "president", "executive", "coordinator", "representative",
    "sales", "marketing", "data", "web", "full", "stack", "frontend", "backend", "front", "end",
    "devops", "sre", "product", "project", "program", "programmer", "research", "researcher",
    "professor", "lecturer", "doctor", "accountant", "lawyer", "attorney", "editor", "writer",
    "the", "and", "of", "for", "your", "my", "name", "here", "inc", "ltd", "llc", "gmbh", "corp",
    "company", "university", "college", "school", "institute", "street", "road", "city", "new",
    "confidential", "draft", "updated", "version", "application", "cover", "letter", "dear",
    "hiring", "team", "to", "whom", "it", "may", "concern", "candidate", "applicant", "position",
    "job", "title", "statement", "key", "core", "technical", "selected", "recent", "general",
    "home", "welcome", "hello", "portfolio", "expert", "freelance", "freelancer", "staff",
    "principal", "owner", "founder", "ceo", "cto", "cfo", "coo", "partner", "member", "volunteer",
    "contractor", "operations", "support", "customer", "service", "services", "systems", "network",
    "security", "cloud", "platform", "mobile", "ios", "android", "java", "python", "rust", "react",
    "sql", "machine", "learning", "ai", "ml", "qa", "test", "quality", "ux", "ui", "hr", "human",
    "resources", "finance", "financial", "business", "it", "tech", "solutions", "group", "global",
    "international", "national", "department", "office", "certified", "public", "registered",
    "licensed", "chartered", "electrician", "mechanic", "driver", "chef", "pharmacist", "physician",
    "therapist", "account", "relationship", "accounting", "legal", "digital", "creative",
    "innovative", "graphic", "visual", "content", "social", "media",
];

/// Lowercase particles of personal names (`Ludwig van Beethoven`).
#[rustfmt::skip]
const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "das", "dos", "du", "di", "del", "della", "la", "le",
    "el", "al", "bin", "binti", "ibn", "ten", "ter", "y", "zu", "af", "av",
];

/// Name-string tokens that are titles, not names.
#[rustfmt::skip]
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "shri", "smt", "sri", "kum",
    "herr", "frau", "mme", "mlle", "dipl", "ing",
];

#[rustfmt::skip]
const NAME_SKIP: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "jr", "sr", "ii", "iii", "iv",
    "phd", "md", "mba", "msc", "bsc", "esq", "herr", "frau", "mme", "mlle",
];

/// Headings a resume may open with, above the name.
#[rustfmt::skip]
const HEADINGS: &[&str] = &[
    "curriculum vitae", "curriculum vitæ", "cv", "resume", "résumé", "lebenslauf", "vita",
    "personal details", "personal information", "personal data", "persönliche daten", "简历", "个人简历",
    "履历", "履歴書", "이력서",
];

#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june",
    "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november",
    "dec", "december", "januar", "jänner", "februar", "märz", "maerz", "mai", "juni", "juli",
    "oktober", "okt", "dezember", "dez", "janvier", "février", "fevrier", "mars", "avril", "juin",
    "juillet", "août", "aout", "septembre", "octobre", "novembre", "décembre", "decembre", "janv",
    "févr", "avr", "juil", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
    "septiembre", "setiembre", "octubre", "noviembre", "diciembre", "gennaio", "febbraio", "aprile",
    "maggio", "giugno", "luglio", "settembre", "ottobre", "dicembre", "ene", "abr", "ago", "dic",
];

/// Top-level domains a bare `domain.tld` may end with.
#[rustfmt::skip]
const TLDS: &[&str] = &[
    "com", "org", "net", "io", "dev", "me", "co", "ai", "app", "edu", "gov", "info", "biz", "xyz",
    "tech", "page", "site", "online", "blog", "cloud", "email", "codes", "design", "studio", "pro",
    "name", "social", "website", "space", "link", "ly", "to", "gg", "tv", "fm", "cc", "uk", "de",
    "fr", "in", "us", "ca", "au", "nl", "es", "it", "ch", "at", "se", "dk", "fi", "pl", "cn", "jp",
    "kr", "ru", "br", "eu", "ie", "be", "pt", "nz", "za", "sg", "hk", "tw", "mx", "ar", "cz", "il",
    "inc", "works", "digital", "engineer", "network", "systems", "academy", "ninja", "zone", "one",
    "world", "live", "art", "photo", "photography", "science", "software",
];

/// Domain-like technology names that are not addresses.
#[rustfmt::skip]
const NOT_DOMAINS: &[&str] = &[
    "asp.net", "ado.net", "vb.net", "socket.io", "dot.net", "vue.js",
];

/// Networks whose label or line names a handle.
#[rustfmt::skip]
const NETWORKS: &[&str] = &[
    "github", "gitlab", "bitbucket", "linkedin", "twitter", "mastodon", "stackoverflow",
    "stack overflow", "kaggle", "leetcode", "hackerrank", "codeforces", "codechef", "behance",
    "dribbble", "medium", "instagram", "facebook", "telegram", "skype", "discord", "xing", "orcid",
    "researchgate", "google scholar", "keybase", "bluesky", "threads", "youtube", "tiktok",
    "reddit", "hugging face", "huggingface", "devpost", "wechat", "weixin", "website", "web site",
    "homepage", "home page", "portfolio", "blog", "personal website", "personal site", "url", "x",
    "x twitter", "twitter x", "codepen", "npm", "hashnode", "substack", "twitch", "vk", "qq",
    "kakao",
];

const AU_STATES: &[&str] = &["NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"];

#[rustfmt::skip]
const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "PR",
];

/// Street-type words that follow a street's name (`Baker Street`).
#[rustfmt::skip]
const STREET_SUFFIX: &[&str] = &[
    "street", "st", "road", "rd", "avenue", "ave", "av", "lane", "ln", "drive", "dr", "boulevard",
    "blvd", "way", "court", "ct", "place", "pl", "square", "sq", "terrace", "ter", "close",
    "crescent", "cres", "highway", "hwy", "parkway", "pkwy", "circle", "cir", "mews", "gardens",
    "grove", "row", "walk", "trail", "plaza", "alley", "marg", "broadway",
];

/// Street-type words that come before the street's name (`rue de la Paix`, `Via Roma`).
#[rustfmt::skip]
const STREET_PREFIX: &[&str] = &[
    "rue", "avenue", "av", "boulevard", "bd", "bld", "place", "chemin", "allée", "allee", "impasse",
    "quai", "cours", "route", "via", "viale", "calle", "avenida", "avda", "rua", "carrer", "piazza",
    "plaza", "paseo", "corso", "largo", "strada", "travessa", "praça",
];

/// Street words that end a German or Dutch street's name (`Hauptstraße`, `Lindenweg`).
#[rustfmt::skip]
const STREET_ENDINGS: &[&str] = &[
    "straße", "strasse", "str.", "weg", "gasse", "allee", "platz", "straat", "laan", "gracht",
    "plein", "damm", "ufer", "chaussee", "steig", "kade", "singel",
];

#[rustfmt::skip]
const UNITS: &[&str] = &[
    "apt", "apartment", "suite", "unit", "flat", "room", "ste", "floor", "fl",
];

#[rustfmt::skip]
const DIRECTIONS: &[&str] = &[
    "n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west",
];

/// Words that follow a number but are not a city (`10000 Users`).
#[rustfmt::skip]
const NOT_CITY: &[&str] = &[
    "users", "employees", "customers", "students", "downloads", "lines", "requests", "stars",
    "members", "people", "clients", "records", "transactions", "orders", "visits", "views", "hours",
    "followers", "subscribers", "devices", "servers", "nodes", "tests", "units", "items", "pages",
    "words", "points", "usd", "eur", "gbp", "inr", "dollars", "euros",
];

/// Dutch postcode letters that are abbreviations more often (`2015 BA Mathematics`).
#[rustfmt::skip]
const NOT_NL_LETTERS: &[&str] = &[
    "BA", "BS", "MA", "MS", "MD", "AI", "IT", "HR", "QA", "UX", "UI", "PM", "VP", "AG", "EU", "UK",
    "US", "CV", "IO", "OS", "DB", "ML", "CI", "CD", "BI", "PR", "TV", "JS", "TS", "GO", "PH", "MB",
    "GB", "KB", "TB", "AM", "ET", "PT", "CT", "ID", "SA", "SD", "SS", "BE", "ME", "AD", "BC", "CE",
    "IS", "ON", "OR", "AT", "TO", "IN", "OF", "NO", "SO", "UP", "AN", "AS", "BY", "HE", "IF", "MY",
    "WE", "US", "EN", "DE", "FR", "ES", "NL",
];

#[rustfmt::skip]
const CURRENCIES: &[&str] = &[
    "usd", "eur", "gbp", "inr", "rs", "chf", "jpy", "cny", "rmb", "aud", "cad", "sek", "nok", "dkk",
    "pln", "brl", "k", "m", "mn", "bn", "million", "billion", "lakh", "lakhs", "crore", "crores",
    "euro", "euros", "dollars", "rupees", "pounds",
];

/// Words after a hyphenated age that make it the person's (`34-year-old engineer`).
#[rustfmt::skip]
const PERSON_NOUNS: &[&str] = &[
    "engineer", "developer", "professional", "man", "woman", "male", "female", "graduate",
    "student", "manager", "designer", "analyst", "scientist", "consultant", "mother", "father",
    "candidate", "applicant", "person", "individual", "programmer", "nurse", "teacher",
];

#[rustfmt::skip]
const MARITAL_CLEAR: &[&str] = &[
    "married", "divorced", "widowed", "widow", "widower", "unmarried", "verheiratet", "ledig",
    "geschieden", "verwitwet", "marié", "mariée", "célibataire", "divorcé", "divorcée", "pacsé",
    "pacsée", "casado", "casada", "soltero", "soltera", "divorciado", "divorciada", "sposato",
    "sposata", "nubile", "celibe",
];

const MARITAL_AMBIGUOUS: &[&str] = &["single", "engaged", "separated", "partnered"];

#[rustfmt::skip]
const GENDER_WORDS: &[&str] = &[
    "male", "female", "männlich", "weiblich", "masculin", "féminin", "féminine", "masculino",
    "femenino", "femenina", "maschile", "femminile",
];

#[rustfmt::skip]
const PRONOUNS: &[&str] = &[
    "he", "him", "his", "himself", "she", "her", "hers", "herself",
];

#[rustfmt::skip]
const PHOTO_WORDS: &[&str] = &[
    "photo", "photograph", "picture", "image", "headshot", "portrait", "foto", "bild", "avatar",
    "profile photo", "profile picture", "profile image", "passport photo", "bewerbungsfoto",
    "passfoto", "photo d'identité", "photo here", "insert photo", "your photo", "pic",
];

/// E-mail local parts that name no one.
#[rustfmt::skip]
const GENERIC_LOCALS: &[&str] = &[
    "info", "contact", "hello", "mail", "jobs", "careers", "admin", "office", "team", "support",
    "yourname", "name", "email", "example", "test", "user", "username", "career", "recruiting",
    "hr", "noreply", "sales", "help", "firstname", "firstnamelastname", "lastname", "your",
];

#[rustfmt::skip]
const IMAGE_EXTS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "heic", "bmp", "tif", "tiff",
];

fn in_list(list: &[&str], w: &str) -> bool {
    list.contains(&w)
}

fn is_in(set: &HashSet<&'static str>, w: &str) -> bool {
    set.contains(w)
}

/// The long word lists as sets, and the labels by their first word.
struct Lists {
    not_name: HashSet<&'static str>,
    months: HashSet<&'static str>,
    tlds: HashSet<&'static str>,
    networks: HashSet<&'static str>,
    network_first: HashMap<&'static str, Vec<&'static str>>,
    labels: HashMap<&'static str, Vec<usize>>,
    /// Titles, pronouns, gender and marital words: what [`Run::words`] looks at.
    single: HashSet<&'static str>,
    photo: HashSet<&'static str>,
    street_suffix: HashSet<&'static str>,
    street_prefix: HashSet<&'static str>,
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let set = |l: &[&'static str]| l.iter().copied().collect::<HashSet<_>>();
        let mut labels: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, label) in LABELS.iter().enumerate() {
            let first = label.words.split(' ').next().unwrap_or(label.words);
            labels.entry(first).or_default().push(i);
        }
        let mut network_first: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for net in NETWORKS {
            let first = net.split(' ').next().unwrap_or(net);
            network_first.entry(first).or_default().push(net);
        }
        let mut single = set(PRONOUNS);
        single.extend(GENDER_WORDS.iter().copied());
        single.extend(MARITAL_CLEAR.iter().copied());
        single.extend(MARITAL_AMBIGUOUS.iter().copied());
        single.extend([
            "mr", "mrs", "mme", "mlle", "mx", "ms", "miss", "herr", "frau", "sir", "madam",
            "madame", "mister",
        ]);
        Lists {
            not_name: set(NOT_NAME),
            months: set(MONTHS),
            tlds: set(TLDS),
            networks: set(NETWORKS),
            network_first,
            labels,
            single,
            photo: set(PHOTO_WORDS),
            street_suffix: set(STREET_SUFFIX),
            street_prefix: set(STREET_PREFIX),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Labels.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    /// The rest of the segment.
    Segment,
    /// The rest of the segment if short (a word or three).
    Short,
    /// A date.
    Date,
    /// An age in years.
    Age,
    /// A personal name.
    Name,
    /// An e-mail address, maybe obfuscated.
    Email,
    /// A phone number in any grouping.
    Phone,
    /// The label and its value together.
    Whole,
}

struct Label {
    words: &'static str,
    kind: Kind,
    val: Val,
    /// Found in running text (`born on 5 May 1990`), not only at a segment's start, and
    /// without a colon.
    prose: bool,
}

const fn l(words: &'static str, kind: Kind, val: Val) -> Label {
    Label {
        words,
        kind,
        val,
        prose: false,
    }
}

const fn p(words: &'static str, kind: Kind, val: Val) -> Label {
    Label {
        words,
        kind,
        val,
        prose: true,
    }
}

/// Longest first where two start alike (`born on` before `born`).
const LABELS: &[Label] = &[
    l("date of birth", Kind::BirthDate, Val::Date),
    l("d o b", Kind::BirthDate, Val::Date),
    l("dob", Kind::BirthDate, Val::Date),
    l("birth date", Kind::BirthDate, Val::Date),
    l("birthdate", Kind::BirthDate, Val::Date),
    l("birthday", Kind::BirthDate, Val::Date),
    l("date of birth age", Kind::BirthDate, Val::Date),
    p("born on", Kind::BirthDate, Val::Date),
    p("born in", Kind::BirthDate, Val::Date),
    p("born", Kind::BirthDate, Val::Date),
    l("geburtsdatum", Kind::BirthDate, Val::Date),
    p("geboren am", Kind::BirthDate, Val::Date),
    p("geboren", Kind::BirthDate, Val::Date),
    l("geb", Kind::BirthDate, Val::Date),
    l("date de naissance", Kind::BirthDate, Val::Date),
    p("né le", Kind::BirthDate, Val::Date),
    p("née le", Kind::BirthDate, Val::Date),
    l("fecha de nacimiento", Kind::BirthDate, Val::Date),
    l("data di nascita", Kind::BirthDate, Val::Date),
    l("data de nascimento", Kind::BirthDate, Val::Date),
    l("geboortedatum", Kind::BirthDate, Val::Date),
    l("出生日期", Kind::BirthDate, Val::Date),
    l("出生年月", Kind::BirthDate, Val::Date),
    l("生年月日", Kind::BirthDate, Val::Date),
    l("age", Kind::Age, Val::Age),
    l("alter", Kind::Age, Val::Age),
    l("âge", Kind::Age, Val::Age),
    l("edad", Kind::Age, Val::Age),
    l("età", Kind::Age, Val::Age),
    l("idade", Kind::Age, Val::Age),
    p("aged", Kind::Age, Val::Age),
    l("leeftijd", Kind::Age, Val::Age),
    l("年龄", Kind::Age, Val::Age),
    l("年齢", Kind::Age, Val::Age),
    l("gender identity", Kind::Gender, Val::Short),
    l("gender", Kind::Gender, Val::Short),
    l("sex", Kind::Gender, Val::Short),
    l("geschlecht", Kind::Gender, Val::Short),
    l("sexe", Kind::Gender, Val::Short),
    l("género", Kind::Gender, Val::Short),
    l("genero", Kind::Gender, Val::Short),
    l("genere", Kind::Gender, Val::Short),
    l("preferred pronouns", Kind::Gender, Val::Short),
    l("pronouns", Kind::Gender, Val::Short),
    l("pronoun", Kind::Gender, Val::Short),
    l("pronomen", Kind::Gender, Val::Short),
    l("geslacht", Kind::Gender, Val::Short),
    l("性别", Kind::Gender, Val::Short),
    l("性別", Kind::Gender, Val::Short),
    l("pronoms", Kind::Gender, Val::Short),
    l("nationality", Kind::Nationality, Val::Segment),
    l("nationalities", Kind::Nationality, Val::Segment),
    l("citizenship", Kind::Nationality, Val::Segment),
    l("citizenships", Kind::Nationality, Val::Segment),
    l("staatsangehörigkeit", Kind::Nationality, Val::Segment),
    l("staatsbürgerschaft", Kind::Nationality, Val::Segment),
    l("nationalität", Kind::Nationality, Val::Segment),
    l("nationalité", Kind::Nationality, Val::Segment),
    l("nacionalidad", Kind::Nationality, Val::Segment),
    l("nazionalità", Kind::Nationality, Val::Segment),
    l("nacionalidade", Kind::Nationality, Val::Segment),
    l("nationaliteit", Kind::Nationality, Val::Segment),
    l("国籍", Kind::Nationality, Val::Segment),
    l("民族", Kind::Nationality, Val::Segment),
    l("籍贯", Kind::Nationality, Val::Segment),
    l("place of birth", Kind::Nationality, Val::Segment),
    l("birthplace", Kind::Nationality, Val::Segment),
    l("country of birth", Kind::Nationality, Val::Segment),
    l("country of origin", Kind::Nationality, Val::Segment),
    l("geburtsort", Kind::Nationality, Val::Segment),
    l("lieu de naissance", Kind::Nationality, Val::Segment),
    l("lugar de nacimiento", Kind::Nationality, Val::Segment),
    l("luogo di nascita", Kind::Nationality, Val::Segment),
    l("ethnicity", Kind::Nationality, Val::Segment),
    l("ethnic origin", Kind::Nationality, Val::Segment),
    l("religion", Kind::Nationality, Val::Segment),
    l("religious affiliation", Kind::Nationality, Val::Segment),
    l("konfession", Kind::Nationality, Val::Segment),
    l("caste", Kind::Nationality, Val::Segment),
    l("marital status", Kind::MaritalStatus, Val::Segment),
    l("martial status", Kind::MaritalStatus, Val::Segment),
    l("civil status", Kind::MaritalStatus, Val::Segment),
    l("family status", Kind::MaritalStatus, Val::Segment),
    l("relationship status", Kind::MaritalStatus, Val::Segment),
    l("familienstand", Kind::MaritalStatus, Val::Segment),
    l("situation familiale", Kind::MaritalStatus, Val::Segment),
    l("état civil", Kind::MaritalStatus, Val::Segment),
    l("estado civil", Kind::MaritalStatus, Val::Segment),
    l("stato civile", Kind::MaritalStatus, Val::Segment),
    l("burgerlijke staat", Kind::MaritalStatus, Val::Segment),
    l("婚姻状况", Kind::MaritalStatus, Val::Segment),
    l("婚姻状態", Kind::MaritalStatus, Val::Segment),
    l("number of children", Kind::MaritalStatus, Val::Short),
    l("children", Kind::MaritalStatus, Val::Short),
    l("kinder", Kind::MaritalStatus, Val::Short),
    l("dependents", Kind::MaritalStatus, Val::Short),
    l("enfants", Kind::MaritalStatus, Val::Short),
    l("home address", Kind::Address, Val::Segment),
    l("postal address", Kind::Address, Val::Segment),
    l("mailing address", Kind::Address, Val::Segment),
    l("street address", Kind::Address, Val::Segment),
    l("residential address", Kind::Address, Val::Segment),
    l("permanent address", Kind::Address, Val::Segment),
    l("current address", Kind::Address, Val::Segment),
    l("correspondence address", Kind::Address, Val::Segment),
    l("address", Kind::Address, Val::Segment),
    l("mailaddress", Kind::Address, Val::Segment),
    l("adresse", Kind::Address, Val::Segment),
    l("anschrift", Kind::Address, Val::Segment),
    l("dirección", Kind::Address, Val::Segment),
    l("direccion", Kind::Address, Val::Segment),
    l("indirizzo", Kind::Address, Val::Segment),
    l("endereço", Kind::Address, Val::Segment),
    l("residence", Kind::Address, Val::Segment),
    l("wohnort", Kind::Address, Val::Segment),
    l("adres", Kind::Address, Val::Segment),
    l("住所", Kind::Address, Val::Segment),
    l("地址", Kind::Address, Val::Segment),
    l("现住址", Kind::Address, Val::Segment),
    l("postcode", Kind::Postcode, Val::Short),
    l("post code", Kind::Postcode, Val::Short),
    l("postal code", Kind::Postcode, Val::Short),
    l("zip code", Kind::Postcode, Val::Short),
    l("zipcode", Kind::Postcode, Val::Short),
    l("zip", Kind::Postcode, Val::Short),
    l("plz", Kind::Postcode, Val::Short),
    l("postleitzahl", Kind::Postcode, Val::Short),
    l("code postal", Kind::Postcode, Val::Short),
    l("pin code", Kind::Postcode, Val::Short),
    l("pincode", Kind::Postcode, Val::Short),
    l("pin", Kind::Postcode, Val::Short),
    l("full name", Kind::Name, Val::Name),
    p("my name is", Kind::Name, Val::Name),
    p("mein name ist", Kind::Name, Val::Name),
    p("je m appelle", Kind::Name, Val::Name),
    p("me llamo", Kind::Name, Val::Name),
    p("mi chiamo", Kind::Name, Val::Name),
    l("father s name", Kind::Name, Val::Name),
    l("mother s name", Kind::Name, Val::Name),
    l("husband s name", Kind::Name, Val::Name),
    l("wife s name", Kind::Name, Val::Name),
    l("spouse s name", Kind::Name, Val::Name),
    l("spouse name", Kind::Name, Val::Name),
    l("guardian s name", Kind::Name, Val::Name),
    l("father name", Kind::Name, Val::Name),
    p("s o", Kind::Name, Val::Name),
    p("d o", Kind::Name, Val::Name),
    p("w o", Kind::Name, Val::Name),
    l("姓名", Kind::Name, Val::Name),
    l("氏名", Kind::Name, Val::Name),
    l("first name", Kind::Name, Val::Name),
    l("last name", Kind::Name, Val::Name),
    l("given name", Kind::Name, Val::Name),
    l("family name", Kind::Name, Val::Name),
    l("candidate name", Kind::Name, Val::Name),
    l("name", Kind::Name, Val::Name),
    l("surname", Kind::Name, Val::Name),
    l("vorname", Kind::Name, Val::Name),
    l("nachname", Kind::Name, Val::Name),
    l("nom", Kind::Name, Val::Name),
    l("prénom", Kind::Name, Val::Name),
    l("nombre", Kind::Name, Val::Name),
    l("apellidos", Kind::Name, Val::Name),
    l("apellido", Kind::Name, Val::Name),
    l("e mail", Kind::Email, Val::Email),
    l("email", Kind::Email, Val::Email),
    l("mail", Kind::Email, Val::Email),
    l("phone number", Kind::Phone, Val::Phone),
    l("mobile number", Kind::Phone, Val::Phone),
    l("contact number", Kind::Phone, Val::Phone),
    l("phone", Kind::Phone, Val::Phone),
    l("telephone", Kind::Phone, Val::Phone),
    l("tel", Kind::Phone, Val::Phone),
    l("mobile", Kind::Phone, Val::Phone),
    l("mob", Kind::Phone, Val::Phone),
    l("cell", Kind::Phone, Val::Phone),
    l("handy", Kind::Phone, Val::Phone),
    l("telefon", Kind::Phone, Val::Phone),
    l("téléphone", Kind::Phone, Val::Phone),
    l("tél", Kind::Phone, Val::Phone),
    l("portable", Kind::Phone, Val::Phone),
    l("whatsapp", Kind::Phone, Val::Phone),
    l("móvil", Kind::Phone, Val::Phone),
    l("celular", Kind::Phone, Val::Phone),
    l("telefoon", Kind::Phone, Val::Phone),
    l("mobiel", Kind::Phone, Val::Phone),
    l("mobil", Kind::Phone, Val::Phone),
    l("电话", Kind::Phone, Val::Phone),
    l("手机", Kind::Phone, Val::Phone),
    l("電話", Kind::Phone, Val::Phone),
    l("profile photo", Kind::Photo, Val::Whole),
    l("profile picture", Kind::Photo, Val::Whole),
    l("photo", Kind::Photo, Val::Whole),
    l("photograph", Kind::Photo, Val::Whole),
    l("picture", Kind::Photo, Val::Whole),
    l("image", Kind::Photo, Val::Whole),
    l("headshot", Kind::Photo, Val::Whole),
    l("portrait", Kind::Photo, Val::Whole),
    l("foto", Kind::Photo, Val::Whole),
    l("bild", Kind::Photo, Val::Whole),
];

/// Kinds whose label marks its line as personal details (for male/female, single…).
fn is_personal(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Age | Kind::BirthDate | Kind::Gender | Kind::Nationality | Kind::MaritalStatus
    )
}

// ---------------------------------------------------------------------------------------------
// The scanners.

struct Run<'a> {
    doc: &'a Doc,
    spans: Vec<Span>,
    /// Folded name tokens.
    tokens: HashSet<String>,
    /// Name tokens in CJK script, matched as substrings.
    cjk_tokens: Vec<String>,
    /// Lines with a personal-details label.
    personal: Vec<bool>,
}

impl Run<'_> {
    fn push(&mut self, s: usize, e: usize, kind: Kind) {
        if s < e && e <= self.doc.len() {
            self.spans.push(Span { s, e, kind });
        }
    }

    fn add_name_tokens(&mut self, name: &str) {
        let name = name.split('@').next().unwrap_or("");
        let chars: Vec<char> = name.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if !chars.get(i).copied().is_some_and(is_letter) {
                i += 1;
                continue;
            }
            let s = i;
            while chars.get(i).copied().is_some_and(is_letter) {
                i += 1;
            }
            let run = chars.get(s..i).unwrap_or(&[]);
            if run.iter().any(|&c| is_cjk(c)) {
                if run.len() >= 2 {
                    let t: String = run.iter().collect();
                    if !self.cjk_tokens.contains(&t) {
                        self.cjk_tokens.push(t);
                    }
                }
                continue;
            }
            let t = fold_chars(run);
            if t.chars().count() >= 2 && !in_list(NAME_SKIP, &t) {
                self.tokens.insert(t);
            }
        }
    }

    /// Adds the tokens of a name found in the text (not the words no name has).
    fn add_found_name(&mut self, s: usize, e: usize) {
        let doc = self.doc;
        let text = doc.string(s, e);
        if text.chars().all(is_cjk) {
            if text.chars().count() >= 2 && !self.cjk_tokens.contains(&text) {
                self.cjk_tokens.push(text);
            }
            return;
        }
        for w in text.split(|c: char| !is_letter(c)) {
            let t = fold(w);
            if t.chars().count() >= 2
                && !is_in(&lists().not_name, &t)
                && !in_list(PARTICLES, &t)
                && !in_list(NAME_SKIP, &t)
            {
                self.tokens.insert(t);
            }
        }
    }

    // --- labels ---------------------------------------------------------------------------

    fn labels(&mut self) {
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

    // --- names ----------------------------------------------------------------------------

    /// The first line with letters (after a `Curriculum Vitae` heading), when it starts with a
    /// personal name; also the name split over two lines (`Leo` / `Leopard`), and the name in
    /// Chinese, Japanese or Korean on the line after it (`Wei Lin Zhang` / `张伟林`).
    fn first_line_name(&mut self) {
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
    fn email_local_names(&mut self, locals: &HashSet<String>) {
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

    fn name_tokens(&mut self) {
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

    // --- e-mail ---------------------------------------------------------------------------

    /// E-mail addresses; their local parts, letters only, for [`Self::email_local_names`].
    fn emails(&mut self) -> HashSet<String> {
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
    fn obfuscated_emails(&mut self) {
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

    fn urls(&mut self) {
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

    fn handles(&mut self) {
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

    // --- phones ---------------------------------------------------------------------------

    fn phones(&mut self) {
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

    // --- addresses ------------------------------------------------------------------------

    fn addresses(&mut self) {
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

    // --- postcodes ------------------------------------------------------------------------

    fn postcodes(&mut self) {
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

    // --- prose: ages, citizenship ---------------------------------------------------------

    fn prose(&mut self) {
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

    fn words(&mut self) {
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

    fn photos(&mut self) {
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

// ---------------------------------------------------------------------------------------------
// Helpers of the scanners.

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
fn name_prefix(doc: &Doc, s: usize, e: usize, min: usize) -> Option<usize> {
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

fn is_year(doc: &Doc, start: usize, len: usize) -> bool {
    len == 4
        && (doc.eq_ci(start, start + 2, "18")
            || doc.eq_ci(start, start + 2, "19")
            || doc.eq_ci(start, start + 2, "20"))
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

/// Whitespace-separated tokens of `[s, e)`.
fn tokens(doc: &Doc, s: usize, e: usize) -> Vec<(usize, usize)> {
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
fn core_end(doc: &Doc, (s, e): (usize, usize)) -> usize {
    let mut e = e;
    while e > s && matches!(doc.c(e - 1), ',' | '.' | ';' | ':' | ')') {
        e -= 1;
    }
    e
}

fn tok_lower(doc: &Doc, t: (usize, usize)) -> String {
    doc.lower(t.0, core_end(doc, t))
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

/// A place after a date of birth (` in Hamburg`, ` à Lyon`, `, Lyon`): its end.
fn place_after(doc: &Doc, de: usize) -> Option<usize> {
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
fn capitalised_run(doc: &Doc, s: usize, max: usize) -> Option<usize> {
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
fn age_value(doc: &Doc, v: usize) -> Option<(usize, usize)> {
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

// ---------------------------------------------------------------------------------------------
// Merging and writing.

fn merge(doc: &Doc, mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| s.s < s.e && s.e <= doc.len());
    // at equal spans the more specific kind names it (`NY 10001-1234` is a postcode)
    let rank = |k: Kind| match k {
        Kind::Phone => 2,
        Kind::Name | Kind::Handle => 1,
        _ => 0,
    };
    spans.sort_by(|a, b| {
        a.s.cmp(&b.s)
            .then(b.e.cmp(&a.e))
            .then(rank(a.kind).cmp(&rank(b.kind)))
            .then(a.kind.cmp(&b.kind))
    });
    let mut out: Vec<(Span, usize)> = Vec::with_capacity(spans.len());
    for sp in spans {
        if let Some((last, width)) = out.last_mut() {
            if sp.s < last.e {
                if sp.e - sp.s > *width {
                    *width = sp.e - sp.s;
                    last.kind = sp.kind;
                }
                last.e = last.e.max(sp.e);
                continue;
            }
        }
        out.push((sp, sp.e - sp.s));
    }
    // `Jean-Luc Picard` is one name, not three
    let mut merged: Vec<Span> = Vec::with_capacity(out.len());
    for (sp, _) in out {
        if let Some(last) = merged.last_mut() {
            if last.kind == Kind::Name && sp.kind == Kind::Name {
                let gap = doc.slice(last.e, sp.s);
                if gap.len() <= 3
                    && gap
                        .iter()
                        .all(|&c| matches!(c, ' ' | '-' | '\'' | '’' | '.' | '\u{a0}'))
                {
                    last.e = sp.e;
                    continue;
                }
            }
        }
        merged.push(sp);
    }
    merged
}

fn build(text: &str, doc: &Doc, spans: &[Span]) -> Redacted {
    let mut out = String::with_capacity(text.len());
    let mut counts = BTreeMap::new();
    let mut at = 0;
    for sp in spans {
        let (bs, be) = (doc.byte(sp.s), doc.byte(sp.e));
        if bs < at {
            continue;
        }
        out.push_str(text.get(at..bs).unwrap_or(""));
        out.push_str(sp.kind.placeholder());
        *counts.entry(sp.kind).or_insert(0) += 1;
        at = be;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    Redacted { text: out, counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> String {
        redact(text, &[]).text
    }

    /// `text` redacted with no names: every `gone` string leaves, every `kept` one stays.
    fn check(text: &str, gone: &[&str], kept: &[&str]) {
        let out = r(text);
        for g in gone {
            assert!(
                !out.contains(g),
                "{g:?} should be redacted from {text:?}: {out:?}"
            );
        }
        for k in kept {
            assert!(out.contains(k), "{k:?} should stay in {text:?}: {out:?}");
        }
        assert_kept(text, &out);
    }

    /// The text between placeholders is the input's, in order.
    fn assert_kept(input: &str, output: &str) {
        let mut rest = output;
        let mut at = 0;
        loop {
            let next = Kind::ALL
                .iter()
                .filter_map(|k| {
                    rest.find(k.placeholder())
                        .map(|p| (p, k.placeholder().len()))
                })
                .min();
            let (piece, tail) = match next {
                Some((p, len)) => (&rest[..p], Some(&rest[p + len..])),
                None => (rest, None),
            };
            let found = input[at..].find(piece);
            assert!(
                found.is_some(),
                "{piece:?} is not in the input after byte {at}: {input:?} -> {output:?}"
            );
            at += found.map_or(0, |p| p + piece.len());
            match tail {
                Some(t) => rest = t,
                None => break,
            }
        }
    }

    fn count(text: &str, kind: Kind) -> usize {
        redact(text, &[]).counts.get(&kind).copied().unwrap_or(0)
    }

    #[test]
    fn kinds_have_placeholders_and_names() {
        for kind in Kind::ALL {
            assert!(kind.placeholder().starts_with('[') && kind.placeholder().ends_with(']'));
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::BirthDate.placeholder(), "[DOB]");
        assert_eq!(Kind::BirthDate.as_str(), "birth_date");
        assert_eq!(Kind::MaritalStatus.placeholder(), "[MARITAL_STATUS]");
        assert_eq!(Kind::MaritalStatus.as_str(), "marital_status");
    }

    #[test]
    fn empty_and_plain_text_pass_through() {
        assert_eq!(redact("", &[]), Redacted::default());
        let plain = "EXPERIENCE\n  Built a Rust service in 2019 – 2021.\r\n\tTabs stay.\n\n";
        let out = redact(plain, &["Nobody Here"]);
        assert_eq!(out.text, plain);
        assert!(out.counts.is_empty());
    }

    #[test]
    fn names_given_are_redacted_everywhere() {
        let text = "JOSÉ MARÍA Ñúñez-Gómez\nReferences: ask jose maria or Mr Nunez-Gomez.\nJosephine stays.";
        let out = redact(text, &["José María Núñez-Gómez", "jm.nunez@example.com"]);
        assert!(!out.text.to_lowercase().contains("jose "), "{}", out.text);
        assert!(
            !out.text.contains("MARÍA")
                && !out.text.contains("Gómez")
                && !out.text.contains("Gomez")
        );
        assert!(
            out.text.contains("Josephine stays."),
            "whole words only: {}",
            out.text
        );
        assert!(
            out.text.starts_with("[NAME]\n"),
            "a name is one placeholder: {}",
            out.text
        );
        // an e-mail passed whole gives its local part only (`example` and `com` are no names)
        let out = redact("an example, com.", &["jm.nunez@example.com"]);
        assert_eq!(out.text, "an example, com.");
        // one-letter tokens and titles are no names
        let out = redact("A. B. Dr Smith went to A Dr.", &["Dr. A. B. Smith"]);
        assert_eq!(out.text, "A. B. Dr [NAME] went to A Dr.");
        // O'Brien keeps its prefix with the name
        assert_eq!(redact("Mary O'Brien.", &["Mary O'Brien"]).text, "[NAME].");
    }

    #[test]
    fn cjk_names_are_found_inside_words() {
        let out = redact("张伟林\n我是张伟林，后端工程师", &["张伟林"]);
        assert_eq!(out.text, "[NAME]\n我是[NAME]，后端工程师");
        assert_eq!(out.counts.get(&Kind::Name), Some(&2));
    }

    #[test]
    fn first_line_names() {
        check(
            "Jane van der Berg\nSoftware Engineer",
            &["Jane", "Berg"],
            &["Software Engineer"],
        );
        check(
            "  • Dr. Jane Q. Doe, PhD\nData Scientist",
            &["Jane", "Doe"],
            &["Dr.", "PhD", "Data Scientist"],
        );
        check(
            "Curriculum Vitae\n\nPierre-Louis D'Arcy | pl@x.fr",
            &["Pierre-Louis", "Arcy"],
            &["Curriculum Vitae"],
        );
        check(
            "MARGARET HOLLOWAY - Site Reliability Engineer\n\nReferences: Margaret Holloway",
            &["HOLLOWAY", "Holloway"],
            &["Site Reliability Engineer"],
        );
        check("Leo\n\nLeopard\n555 La Verne Way", &["Leo", "Leopard"], &[]);
        check(
            "李明华\nLi Minghua - liminghua@example.cn",
            &["李明华", "Li Minghua"],
            &[],
        );
        check(
            "Wei Lin Zhang\n张伟林\nwlzhang@example.net",
            &["Wei", "Zhang", "张伟林"],
            &[],
        );
        // not names: headings, job titles, one word, sentences
        check(
            "Senior Software Engineer\nJane",
            &[],
            &["Senior Software Engineer", "Jane"],
        );
        check("Summary\nExperienced engineer.", &[], &["Summary"]);
        check("Professional Profile\nx", &[], &["Professional Profile"]);
        check("I build things that work well.\n", &[], &["I build things"]);
    }

    #[test]
    fn name_labels_and_email_spelled_names() {
        check(
            "Name: Ravi Kumar\nFather's Name: R. Krishnan\nS/O Shri Vijay Sharma",
            &["Ravi", "Kumar", "Krishnan", "Vijay Sharma"],
            &["Name:", "S/O"],
        );
        check(
            "Senior Data Scientist\nRavi Kumar\nravi.kumar@example.in",
            &["Ravi Kumar"],
            &["Senior Data Scientist"],
        );
        check(
            "CONTACT\njohn.doe@email.com\n\nJOHN DOE\nSoftware Developer",
            &["JOHN DOE"],
            &["Software Developer"],
        );
        check(
            "Katherine Johnson\nKATHERINE JOHNSON\nkjohnson@example.org",
            &["JOHNSON", "Johnson"],
            &[],
        );
        check(
            "Project name: Apollo\nhello@openresume.com Hello World",
            &[],
            &["Apollo", "Hello World"],
        );
    }

    #[test]
    fn emails() {
        check(
            "a: jane.doe+cv@mail.example.co.uk, b: mailto:x_y@ex-ample.io. c: o'neil@example.ie",
            &["jane.doe", "mail.example", "mailto:", "x_y@", "o'neil@"],
            &["a: ", ", b: ", ". c: "],
        );
        check(
            "jane [at] example [dot] com",
            &["jane", "example", "[at]"],
            &[],
        );
        check(
            "jane(at)example.com and bob{at}example{dot}org",
            &["jane", "bob", "example"],
            &[" and "],
        );
        check(
            "Email: jane dot doe at gmail dot com",
            &["jane", "gmail"],
            &["Email:"],
        );
        check(
            "worked at google.com for 3 years; user@localhost; @ Institute",
            &["@google"],
            &["worked at ", "user@localhost", "@ Institute"],
        );
        assert_eq!(count("x@y.com z@w.org", Kind::Email), 2);
    }

    #[test]
    fn phones() {
        for phone in [
            "+44 20 7946 0958",
            "(555) 123-4567",
            "555-123-4567",
            "+49 (0)30 1234567",
            "555.123.4567",
            "+1-123-456-7890",
            "(+82) 10-9030-1843",
            "01 23 45 67 89",
            "+33 6 12 34 56 78",
            "+91 98765 43210",
            "9876543210",
            "07700 900123",
            "0151 23456789",
            "+4915112345678",
            "(+86) 131-221-87xxx",
            "(909)\n555-\u{ad}\u{2010}5555",
        ] {
            let text = format!("Contact | {phone} | x");
            let out = r(&text);
            assert_eq!(out, "Contact | [PHONE] | x", "{phone:?}");
        }
        check(
            "Tel: 000-00-0000\nMobile: 123 4567",
            &["000-00-0000", "123 4567"],
            &["Tel: ", "Mobile: "],
        );
        check(
            "M: 555 0100 | T: 020 7946",
            &["555 0100", "020 7946"],
            &["M: "],
        );
    }

    #[test]
    fn numbers_that_are_not_phones() {
        check(
            "2015 - 2019 | 2015-2019 | 1936 – 1938 | 1842 - 1843 | 2019-01-05 | 12/03/1990 | 12.03.1990 \
             | Python 3.11 | v1.2.3 | ISBN 978-3-16-148410-0 | 10 000 000 users | $1 200 000 | 1 200 000 € \
             | 3.6 million | 9.15/10.0 | 100,000 | 1,234,567 | 2020 2021 2022 | 1234567 | 12345678",
            &["[PHONE]"],
            &["2015 - 2019", "2015-2019", "1936 – 1938", "2019-01-05", "12/03/1990", "12.03.1990", "Python 3.11", "v1.2.3", "978-3-16-148410-0", "10 000 000 users", "9.15/10.0", "1,234,567", "12345678"],
        );
        // a year before a phone is not part of it
        check("2019 555-123-4567", &["555-123-4567"], &["2019 "]);
    }

    #[test]
    fn urls() {
        for url in [
            "https://example.com/a?b=c#d",
            "http://www.yuanbin.me",
            "www.posquit0.com",
            "linkedin.com/in/john-doe",
            "github.com/ada-example",
            "sourabhbajaj.com",
            "behance.net/sannedevries",
            "LinkedIn.com/in/JaneDoe",
        ] {
            assert_eq!(r(&format!("see {url}, ok")), "see [URL], ok", "{url:?}");
        }
        check(
            "(https://x.com/@x-handle).",
            &["x.com", "x-handle"],
            &["(", ")."],
        );
        check(
            "h t t p s : //g it h u b . c o m / j o h n y D",
            &["j o h n y D"],
            &[],
        );
        check(
            "Node.js, Vue.js, ASP.NET, asp.net, socket.io, ES.Next, e.g. B.Sc. S.Korea Ph.D. i.e. Amazon.com main.rs",
            &["[URL]"],
            &["Node.js", "Vue.js", "ASP.NET", "asp.net", "socket.io", "ES.Next", "e.g.", "B.Sc.", "S.Korea", "Amazon.com", "main.rs"],
        );
    }

    #[test]
    fn handles() {
        check(
            "Twitter: @jane_doe · GitHub: janedoe42 | LinkedIn: /in/janedoe",
            &["jane_doe", "janedoe42", "/in/janedoe"],
            &["Twitter: ", "GitHub: ", "LinkedIn: "],
        );
        check(
            "LinkedIn: Jane Doe\nXING: katharina_mueller",
            &["Jane Doe", "katharina_mueller"],
            &["XING: "],
        );
        check(
            "GITHUB-SQUARE posquit0 | LINKEDIN posquit0",
            &["posquit0"],
            &["GITHUB-SQUARE"],
        );
        check(
            "johndoe\n\nLinkedIn\n\njohndoe\n\nGitHub",
            &["johndoe"],
            &["LinkedIn", "GitHub"],
        );
        check(
            "@username@instance and @user@mastodon.social",
            &["username", "instance", "mastodon"],
            &[" and "],
        );
        // not handles
        check(
            "GitHub Actions, GitHub repository; we @ Acme; a@b",
            &[],
            &["GitHub Actions", "GitHub repository", "@ Acme"],
        );
        check(
            "Summary\nGitHub Actions, GitHub repository;",
            &[],
            &["GitHub Actions", "GitHub repository"],
        );
    }

    #[test]
    fn addresses() {
        for (text, street) in [
            ("221B Baker Street, London", "221B Baker Street"),
            (
                "1600 Pennsylvania Ave NW, Washington",
                "1600 Pennsylvania Ave NW",
            ),
            ("12 rue de la Paix, Paris", "12 rue de la Paix"),
            ("Hauptstraße 5, Berlin", "Hauptstraße 5"),
            ("Berliner Str. 12a, Frankfurt", "Berliner Str. 12a"),
            ("Flat 3, 10 Downing St, London", "Flat 3, 10 Downing St"),
            (
                "2400 Lakeshore Blvd, Apt 4B, Chicago",
                "2400 Lakeshore Blvd, Apt 4B",
            ),
            ("Via Roma 12, Roma", "Via Roma 12"),
            ("Calle Mayor, 5, Madrid", "Calle Mayor, 5"),
            ("Keizersgracht 123, Amsterdam", "Keizersgracht 123"),
            ("Lindenweg 7, München", "Lindenweg 7"),
            ("P.O. Box 1234, Anytown", "P.O. Box 1234"),
            ("1234 Broadway, New York", "1234 Broadway"),
        ] {
            let out = r(text);
            assert!(
                out.starts_with("[ADDRESS]") && !out.contains(street),
                "{text:?}: {out:?}"
            );
        }
        check(
            "Address: 12-3-456, Gandhi Nagar, Hyderabad\nAddress Line 1",
            &["Gandhi Nagar"],
            &["Address: ", "Address Line 1"],
        );
        check("555\nLa\nVerne\nWay,\nLa Verne, CA", &["555", "Way"], &[]);
        // not addresses
        check(
            "2021 2nd Place, AWS GameDay | Won 1st Place | cited in 3 Supreme Court cases | Managed 3 Kubernetes clusters | Spring 2014 | Via REST API | Route 53",
            &["[ADDRESS]"],
            &["2nd Place", "1st Place", "3 Supreme Court cases", "3 Kubernetes clusters", "Spring 2014", "Via REST API", "Route 53"],
        );
    }

    #[test]
    fn postcodes() {
        for (text, code) in [
            ("London SW1A 1AA", "SW1A 1AA"),
            ("London EC1A 1BB", "EC1A 1BB"),
            ("Manchester M1 1AE.", "M1 1AE"),
            ("San Francisco, CA 94105", "94105"),
            ("New York, NY 10001-1234", "10001-1234"),
            ("Wilmington, 19801", "19801"),
            ("Hauptstraße 5, 10115 Berlin", "10115"),
            ("Ottawa, ON K1A 0B1", "K1A 0B1"),
            ("Keizersgracht 1, 1012 AB Amsterdam", "1012 AB"),
            ("Bengaluru - 560001", "560001"),
            ("Mumbai 400 001", "400 001"),
            ("Bondi NSW 2026", "2026"),
            ("Postcode: EH1 1YZ", "EH1 1YZ"),
            ("PLZ: 8001", "8001"),
            ("〒150-0001 東京都渋谷区神宮前1-2-3", "150-0001"),
            ("D-60311 Frankfurt am Main", "60311"),
        ] {
            let out = r(text);
            assert!(
                out.contains("[POSTCODE]") && !out.contains(code),
                "{text:?}: {out:?}"
            );
        }
        check(
            "Served 100000 users; 2015 BA Mathematics; 2014 MS Computer Science; 12345 lines; H264; B2B; A1 2BC; IN 2019",
            &["[POSTCODE]"],
            &["100000", "2015 BA", "2014 MS", "12345 lines", "H264", "A1 2BC", "IN 2019"],
        );
    }

    #[test]
    fn dates_of_birth() {
        for (text, date) in [
            ("Date of birth: 12/03/1990", "12/03/1990"),
            ("DOB: 1990-03-12", "1990-03-12"),
            ("D.O.B.: 12.03.1990", "12.03.1990"),
            ("Born: 12 March 1990", "12 March 1990"),
            ("I was born on March 12th, 1990.", "March 12th, 1990"),
            ("Geburtsdatum: 14.02.1988", "14.02.1988"),
            ("Date de naissance : 21/09/1995", "21/09/1995"),
            ("Née le 5 juin 1992 à Lyon", "5 juin 1992"),
            ("Date of Birth\n15th August 1997", "15th August 1997"),
            ("生年月日: 1990年4月1日", "1990年4月1日"),
            ("Born in 1990", "1990"),
        ] {
            let out = r(text);
            assert!(
                out.contains("[DOB]") && !out.contains(date),
                "{text:?}: {out:?}"
            );
        }
        check(
            "Born: 3 May 1979 in Hamburg",
            &["1979", "Hamburg"],
            &["Born: "],
        );
        check(
            "Born in Monterrey, she moved",
            &["Monterrey"],
            &["Born in "],
        );
        check(
            "born and raised in Ohio; Date: June 2019",
            &["[DOB]"],
            &["born and raised", "June 2019"],
        );
    }

    #[test]
    fn ages() {
        check(
            "Age: 34 | Alter: 41 Jahre | Âge : 29 ans",
            &["34", "41", "29"],
            &["Age: ", "Alter: "],
        );
        check(
            "I am 34 years old and aged 35; a 34-year-old engineer",
            &["34 years old", "aged 35", "34-year-old"],
            &["I am ", "engineer"],
        );
        check(
            "a 10-year-old codebase; 5 years of experience; Age of Empires",
            &["[AGE]"],
            &[
                "10-year-old codebase",
                "5 years of experience",
                "Age of Empires",
            ],
        );
    }

    #[test]
    fn gender() {
        check(
            "Summary\nMr John Smith, Mrs. Jones, Ms Lee, Ms. Park, Miss Taylor, Mx. Doe, Sir Ian, Dear Sir or Madam",
            &["Mr ", "Mrs.", "Ms ", "Ms.", "Miss ", "Mx.", "Sir", "Madam"],
            &["John Smith", "Jones", "Lee"],
        );
        check(
            "He led; him; his; himself; SHE; her; hers; herself.",
            &["He", "him", "his", "SHE", "her"],
            &["led"],
        );
        check(
            "Pronouns: she/her\nGender: Female\nSex: M\nGeschlecht: männlich",
            &["she/her", "Female", "männlich"],
            &["Pronouns: ", "Gender: ", "Sex: "],
        );
        check("Male, 39, married", &["Male", "married"], &[]);
        // not gender
        check(
            "MS Computer Science; MS Office; 50 ms; MR 42 and MRs; MX records; never miss deadlines; the hero; shell; their",
            &["[GENDER]"],
            &["MS Computer Science", "MS Office", "50 ms", "MR 42", "MRs", "MX records", "miss deadlines", "hero", "shell", "their"],
        );
        check(
            "a male connector; female founders",
            &["[GENDER]"],
            &["male connector"],
        );
    }

    #[test]
    fn nationality() {
        check(
            "Nationality: British\nCitizenship: U.S. Citizen",
            &["British", "U.S."],
            &["Nationality: "],
        );
        check(
            "Staatsangehörigkeit: deutsch | Nationalité : française",
            &["deutsch", "française"],
            &["Staatsangehörigkeit: "],
        );
        check(
            "I am a citizen of the United Kingdom and a US citizen.",
            &["United Kingdom", "US citizen"],
            &["I am a "],
        );
        check(
            "Religion: Hindu; Place of birth: Lagos",
            &["Hindu", "Lagos"],
            &["Religion: "],
        );
        check(
            "Languages: French (native), German",
            &["[NATIONALITY]"],
            &["French (native)"],
        );
    }

    #[test]
    fn marital_status() {
        check(
            "Marital status: Married\nFamilienstand: verheiratet, 2 Kinder",
            &["Married", "verheiratet"],
            &["Marital status: "],
        );
        check(
            "Married with two children\nSingle, no children",
            &["Married with two children", "Single,"],
            &[],
        );
        check(
            "Gender: Male | Marital Status: Single | Children: 2",
            &["Single", "Children: 2"],
            &[],
        );
        check(
            "Single sign-on (SSO)\nsingle-page app\nEngaged stakeholders across teams\nSeparated the control plane\nSingle source of truth for data",
            &["[MARITAL_STATUS]"],
            &["Single sign-on", "single-page", "Engaged stakeholders", "Separated the", "Single source"],
        );
    }

    #[test]
    fn photos() {
        check(
            "[photo]\nPhoto\nHeadshot\n(insert photo here)",
            &["photo", "Photo", "Headshot", "insert"],
            &[],
        );
        check(
            "Image: headshot.jpg\nPicture: attached\nFoto: siehe Anhang",
            &["headshot", "attached", "Anhang"],
            &[],
        );
        check(
            "me.png and photo_2024.jpeg",
            &["me.png", "photo_2024"],
            &[" and "],
        );
        check(
            "Photography, photo editing, Adobe Photoshop, Docker image: nginx",
            &["[PHOTO]"],
            &["Photography", "photo editing", "Photoshop", "Docker image"],
        );
    }

    #[test]
    fn overlapping_spans_merge_and_the_widest_kind_wins() {
        // the phone inside the link, the name inside the e-mail
        let out = redact(
            "https://orcid.org/0000-0002-1825-0097 jane.doe@example.com",
            &["Jane Doe"],
        );
        assert_eq!(out.text, "[URL] [EMAIL]");
        assert_eq!(out.counts.get(&Kind::Url), Some(&1));
        assert_eq!(out.counts.get(&Kind::Email), Some(&1));
        assert_eq!(out.counts.get(&Kind::Phone), None);
        assert_eq!(out.counts.get(&Kind::Name), None);
        assert_eq!(out.total(), 2);
    }

    #[test]
    fn text_is_kept_byte_for_byte() {
        let text = "Jane Doe\r\n\tjane@example.com  |  +1 555 0100 2000\n\n\nSKILLS:\u{a0}Rust,\u{2003}Go\n  — 2019 – 2021 —  ";
        let out = r(text);
        assert_eq!(out, "[NAME]\r\n\t[EMAIL]  |  [PHONE]\n\n\nSKILLS:\u{a0}Rust,\u{2003}Go\n  — 2019 – 2021 —  ");
    }

    #[test]
    fn utf8_multibyte_emoji_and_cjk_are_safe() {
        let texts = [
            "📱 +44 20 7946 0958 🖂 jané@exämple.com 🏠 221B Baker Street 👩‍💻",
            "Zoë Ångström-Øvergård\nØresund Allé 7, 2300 København S · zoë@example.dk",
            "山田太郎\n〒150-0001 東京都渋谷区神宮前1-2-3\n性別：男\n生年月日：1990年4月1日",
            "محمد علي\nالهاتف: +971 50 123 4567",
            "Ιωάννης Παπαδόπουλος\nΤηλ: +30 210 1234567",
            "e\u{301}\u{301}\u{301}@\u{301}.\u{301}\u{301} 1\u{301}2\u{301} (\u{301}) ",
            "\u{feff}\u{200d}\u{fe0f}@@@..::// www. http:// [at] [dot] 〒 Mr. ",
            "ß\u{130}\u{149}İstanbul ǅemal ﬁ ﬂ",
        ];
        for text in texts {
            let out = redact(text, &["Zoë Ångström", "山田太郎", "محمد", "\u{301}", ""]);
            assert_kept(text, &out.text);
        }
        let out = redact(
            "Zoë Ångström-Øvergård\nzoe@example.dk",
            &["Zoe Angstrom-Overgard"],
        );
        assert_eq!(out.text, "[NAME]\n[EMAIL]", "accent-insensitive names");
        let out = r("📱 +44 20 7946 0958 🖂 jané@exämple.com");
        assert_eq!(out, "📱 [PHONE] 🖂 [EMAIL]");
    }

    #[test]
    fn never_panics_on_odd_input() {
        // a small deterministic fuzz over characters the scanners care about
        let palette: Vec<char> =
            "aZ0 9\n\t.-–/@:()[]{}<>|·•,;'’+#xX年月日〒ß😀é\u{301}\u{a0}\u{ad}MrsSt5"
                .chars()
                .collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..400 {
            let len = (round % 60) + 1;
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    palette[(seed % palette.len() as u64) as usize]
                })
                .collect();
            let out = redact(&text, &["Mr St", "é"]);
            assert_kept(&text, &out.text);
        }
    }

    #[test]
    fn a_200_kb_resume_redacts() {
        let block = "Jane Doe\njane.doe@example.com · +1 (415) 555-0136 · 500 Howard Street, San Francisco, CA 94105\n\
                     Date of birth: 12 March 1990 · Nationality: British · Marital status: Single\n\
                     Built Rust and Go services (2015 – 2019), Python 3.11, single-page apps; she led 5 teams.\n\
                     李明华 · 〒150-0001 東京都 · https://github.com/janedoe · @janedoe · 📱\n\n";
        let mut text = String::new();
        while text.len() < 200_000 {
            text.push_str(block);
        }
        let out = redact(&text, &["Jane Doe", "jane.doe"]);
        let blocks = text.matches("Jane Doe").count();
        assert!(blocks > 500);
        assert!(
            !out.text.contains("Jane")
                && !out.text.contains("555-0136")
                && !out.text.contains("Howard")
        );
        assert!(out.text.contains("Python 3.11") && out.text.contains("2015 – 2019"));
        assert!(out.counts.get(&Kind::Email).is_some_and(|&n| n >= blocks));
        assert_kept(&text, &out.text);
    }
}
