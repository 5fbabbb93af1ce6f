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

mod addresses;
mod contacts;
mod doc;
mod labels;
mod lists;
mod merge;
mod names;
mod personal;
mod phones;
mod postcodes;
mod run;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};

use self::{
    doc::Doc,
    merge::{build, merge},
    run::Run,
};

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
