//! Word lists, their sets ([`lists`]) and the labels ([`LABELS`]).

use std::{
    collections::{HashMap, HashSet},
    sync::OnceLock,
};

use super::Kind;

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
pub(super) const PARTICLES: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "das", "dos", "du", "di", "del", "della", "la", "le",
    "el", "al", "bin", "binti", "ibn", "ten", "ter", "y", "zu", "af", "av",
];

/// Name-string tokens that are titles, not names.
#[rustfmt::skip]
pub(super) const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "shri", "smt", "sri", "kum",
    "herr", "frau", "mme", "mlle", "dipl", "ing",
];

#[rustfmt::skip]
pub(super) const NAME_SKIP: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "jr", "sr", "ii", "iii", "iv",
    "phd", "md", "mba", "msc", "bsc", "esq", "herr", "frau", "mme", "mlle",
];

/// Headings a resume may open with, above the name.
#[rustfmt::skip]
pub(super) const HEADINGS: &[&str] = &[
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
pub(super) const NOT_DOMAINS: &[&str] = &[
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

pub(super) const AU_STATES: &[&str] = &["NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"];

#[rustfmt::skip]
pub(super) const US_STATES: &[&str] = &[
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
pub(super) const STREET_ENDINGS: &[&str] = &[
    "straße", "strasse", "str.", "weg", "gasse", "allee", "platz", "straat", "laan", "gracht",
    "plein", "damm", "ufer", "chaussee", "steig", "kade", "singel",
];

#[rustfmt::skip]
pub(super) const UNITS: &[&str] = &[
    "apt", "apartment", "suite", "unit", "flat", "room", "ste", "floor", "fl",
];

#[rustfmt::skip]
pub(super) const DIRECTIONS: &[&str] = &[
    "n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west",
];

/// Words that follow a number but are not a city (`10000 Users`).
#[rustfmt::skip]
pub(super) const NOT_CITY: &[&str] = &[
    "users", "employees", "customers", "students", "downloads", "lines", "requests", "stars",
    "members", "people", "clients", "records", "transactions", "orders", "visits", "views", "hours",
    "followers", "subscribers", "devices", "servers", "nodes", "tests", "units", "items", "pages",
    "words", "points", "usd", "eur", "gbp", "inr", "dollars", "euros",
];

/// Dutch postcode letters that are abbreviations more often (`2015 BA Mathematics`).
#[rustfmt::skip]
pub(super) const NOT_NL_LETTERS: &[&str] = &[
    "BA", "BS", "MA", "MS", "MD", "AI", "IT", "HR", "QA", "UX", "UI", "PM", "VP", "AG", "EU", "UK",
    "US", "CV", "IO", "OS", "DB", "ML", "CI", "CD", "BI", "PR", "TV", "JS", "TS", "GO", "PH", "MB",
    "GB", "KB", "TB", "AM", "ET", "PT", "CT", "ID", "SA", "SD", "SS", "BE", "ME", "AD", "BC", "CE",
    "IS", "ON", "OR", "AT", "TO", "IN", "OF", "NO", "SO", "UP", "AN", "AS", "BY", "HE", "IF", "MY",
    "WE", "US", "EN", "DE", "FR", "ES", "NL",
];

#[rustfmt::skip]
pub(super) const CURRENCIES: &[&str] = &[
    "usd", "eur", "gbp", "inr", "rs", "chf", "jpy", "cny", "rmb", "aud", "cad", "sek", "nok", "dkk",
    "pln", "brl", "k", "m", "mn", "bn", "million", "billion", "lakh", "lakhs", "crore", "crores",
    "euro", "euros", "dollars", "rupees", "pounds",
];

/// Words after a hyphenated age that make it the person's (`34-year-old engineer`).
#[rustfmt::skip]
pub(super) const PERSON_NOUNS: &[&str] = &[
    "engineer", "developer", "professional", "man", "woman", "male", "female", "graduate",
    "student", "manager", "designer", "analyst", "scientist", "consultant", "mother", "father",
    "candidate", "applicant", "person", "individual", "programmer", "nurse", "teacher",
];

#[rustfmt::skip]
pub(super) const MARITAL_CLEAR: &[&str] = &[
    "married", "divorced", "widowed", "widow", "widower", "unmarried", "verheiratet", "ledig",
    "geschieden", "verwitwet", "marié", "mariée", "célibataire", "divorcé", "divorcée", "pacsé",
    "pacsée", "casado", "casada", "soltero", "soltera", "divorciado", "divorciada", "sposato",
    "sposata", "nubile", "celibe",
];

pub(super) const MARITAL_AMBIGUOUS: &[&str] = &["single", "engaged", "separated", "partnered"];

#[rustfmt::skip]
pub(super) const GENDER_WORDS: &[&str] = &[
    "male", "female", "männlich", "weiblich", "masculin", "féminin", "féminine", "masculino",
    "femenino", "femenina", "maschile", "femminile",
];

#[rustfmt::skip]
pub(super) const PRONOUNS: &[&str] = &[
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
pub(super) const GENERIC_LOCALS: &[&str] = &[
    "info", "contact", "hello", "mail", "jobs", "careers", "admin", "office", "team", "support",
    "yourname", "name", "email", "example", "test", "user", "username", "career", "recruiting",
    "hr", "noreply", "sales", "help", "firstname", "firstnamelastname", "lastname", "your",
];

#[rustfmt::skip]
pub(super) const IMAGE_EXTS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "heic", "bmp", "tif", "tiff",
];

pub(super) fn in_list(list: &[&str], w: &str) -> bool {
    list.contains(&w)
}

pub(super) fn is_in(set: &HashSet<&'static str>, w: &str) -> bool {
    set.contains(w)
}

/// The long word lists as sets, and the labels by their first word.
pub(super) struct Lists {
    pub(super) not_name: HashSet<&'static str>,
    pub(super) months: HashSet<&'static str>,
    pub(super) tlds: HashSet<&'static str>,
    pub(super) networks: HashSet<&'static str>,
    pub(super) network_first: HashMap<&'static str, Vec<&'static str>>,
    pub(super) labels: HashMap<&'static str, Vec<usize>>,
    /// Titles, pronouns, gender and marital words: what
    /// [`Run::words`](super::run::Run::words) looks at.
    pub(super) single: HashSet<&'static str>,
    pub(super) photo: HashSet<&'static str>,
    pub(super) street_suffix: HashSet<&'static str>,
    pub(super) street_prefix: HashSet<&'static str>,
}

pub(super) fn lists() -> &'static Lists {
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
pub(super) enum Val {
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

pub(super) struct Label {
    pub(super) words: &'static str,
    pub(super) kind: Kind,
    pub(super) val: Val,
    /// Found in running text (`born on 5 May 1990`), not only at a segment's start, and
    /// without a colon.
    pub(super) prose: bool,
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
pub(super) const LABELS: &[Label] = &[
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
pub(super) fn is_personal(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Age | Kind::BirthDate | Kind::Gender | Kind::Nationality | Kind::MaritalStatus
    )
}
