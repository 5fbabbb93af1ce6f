//! BM25 for retrieval on SQLite, from the workspace's candidates alone. FTS5's own `bm25()` takes
//! its statistics (how many resumes hold a word, how long resumes are on average) from the
//! whole index, every workspace's resumes, so a score would tell one workspace whether a word
//! is in another's resumes. Here FTS5 only finds the workspace's matches; [`Query::count`] reads
//! each match's fields and [`scores`] scores them as `bm25()` would, with the statistics of
//! the workspace's candidates.
//!
//! Words are read as the index reads them (`porter unicode61 remove_diacritics 2`, migration
//! `m20261123_000004`): runs of letters and digits, case and diacritics folded, then stemmed by
//! the same Porter algorithm, so every match the index finds is counted here.

/// Field weights, in the index's column order: name, current title, skills, summary, text.
pub(super) const FIELD_WEIGHTS: [f64; 5] = [10.0, 8.0, 8.0, 3.0, 1.0];
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// The least weight a word gets: FTS5's floor for a word in more than half the resumes.
const MIN_IDF: f64 = 1e-6;

/// A question's words as the index stores them.
pub(super) struct Query {
    stems: Vec<Vec<u8>>,
}

/// What scoring needs of one matched candidate.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Counts {
    /// Per search word: its occurrences, each weighted by its field.
    frequency: Vec<f64>,
    /// Words in all fields together.
    length: u64,
}

impl Query {
    pub(super) fn new(terms: &[String]) -> Self {
        let stems = terms
            .iter()
            .map(|term| {
                let mut stem = Vec::with_capacity(term.len());
                for c in term.chars() {
                    push_folded(c, &mut stem);
                }
                porter(&mut stem);
                stem
            })
            .collect();
        Self { stems }
    }

    /// The counts of one candidate, its fields in [`FIELD_WEIGHTS`] order.
    pub(super) fn count(&self, fields: [&str; 5]) -> Counts {
        let mut frequency = vec![0.0; self.stems.len()];
        let mut length = 0u64;
        let mut token = Vec::new();
        for (text, weight) in fields.iter().zip(FIELD_WEIGHTS) {
            tokens(text, &mut token, |word| {
                length += 1;
                // Stemming keeps a word's first byte: most words cannot match and are not
                // stemmed.
                let Some(&first) = word.first() else {
                    return;
                };
                if !self.stems.iter().any(|s| s.first() == Some(&first)) {
                    return;
                }
                porter(word);
                for (stem, f) in self.stems.iter().zip(frequency.iter_mut()) {
                    if stem.as_slice() == word.as_slice() {
                        *f += weight;
                    }
                }
            });
        }
        Counts { frequency, length }
    }
}

/// The BM25 score of each of `matched` (higher is better), computed as FTS5's `bm25()` does:
/// per word, IDF × f(k1 + 1) / (f + k1(1 − b + b·len/avglen)), f the field-weighted count.
/// The statistics are the workspace's: `collection` is how many candidates they have, and a word's
/// document count and the average length are taken over `matched`.
pub(super) fn scores(matched: &[Counts], collection: u64) -> Vec<f64> {
    let Some(first) = matched.first() else {
        return Vec::new();
    };
    let documents = collection.max(matched.len() as u64) as f64;
    let idf: Vec<f64> = (0..first.frequency.len())
        .map(|i| {
            let holding = matched
                .iter()
                .filter(|c| c.frequency.get(i).is_some_and(|f| *f > 0.0))
                .count() as f64;
            let idf = ((documents - holding + 0.5) / (holding + 0.5)).ln();
            if idf > 0.0 {
                idf
            } else {
                MIN_IDF
            }
        })
        .collect();
    let total: u64 = matched.iter().map(|c| c.length).sum();
    let average = (total as f64 / matched.len() as f64).max(1.0);
    matched
        .iter()
        .map(|c| {
            let norm = K1 * (1.0 - B + B * c.length as f64 / average);
            c.frequency
                .iter()
                .zip(&idf)
                .map(|(f, idf)| idf * (f * (K1 + 1.0)) / (f + norm))
                .sum()
        })
        .collect()
}

/// Calls `each` with every word of `text`, case and diacritics folded, not yet stemmed:
/// unicode61's tokens (a run starts at a letter or digit and goes on over letters, digits and
/// combining accents).
fn tokens(text: &str, word: &mut Vec<u8>, mut each: impl FnMut(&mut Vec<u8>)) {
    word.clear();
    let mut in_word = false;
    for c in text.chars() {
        if c.is_alphanumeric() || (in_word && is_diacritic_mark(c)) {
            in_word = true;
            push_folded(c, word);
        } else if in_word {
            in_word = false;
            if !word.is_empty() {
                each(word);
            }
            word.clear();
        }
    }
    if in_word && !word.is_empty() {
        each(word);
    }
}

/// `c` lower-cased, without its diacritic, as UTF-8; nothing for a combining accent.
fn push_folded(c: char, out: &mut Vec<u8>) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase() as u8);
        return;
    }
    let lower = case_folded(c);
    let folded = without_diacritic(lower);
    if folded != '\0' {
        let mut utf8 = [0u8; 4];
        out.extend_from_slice(folded.encode_utf8(&mut utf8).as_bytes());
    }
}

/// `c` in lower case; where Unicode's case folding differs from lower-casing (a few Greek and
/// Latin letters), as SQLite folds it.
fn case_folded(c: char) -> char {
    match c {
        '\u{b5}' => '\u{3bc}',
        '\u{17f}' => 's',
        '\u{345}' | '\u{1fbe}' => '\u{3b9}',
        '\u{3c2}' => '\u{3c3}',
        '\u{3d0}' => '\u{3b2}',
        '\u{3d1}' => '\u{3b8}',
        '\u{3d5}' => '\u{3c6}',
        '\u{3d6}' => '\u{3c0}',
        '\u{3f0}' => '\u{3ba}',
        '\u{3f1}' => '\u{3c1}',
        '\u{3f5}' => '\u{3b5}',
        '\u{1e9b}' => '\u{1e61}',
        _ => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(one), None) => one,
                _ => c,
            }
        }
    }
}

/// Combining accents unicode61 keeps inside a word (and then drops).
fn is_diacritic_mark(c: char) -> bool {
    const LOW: u32 = 0x0802_9FDF;
    const HIGH: u32 = 0x0003_61F8;
    match c as u32 {
        c @ 768..=799 => LOW & (1 << (c - 768)) != 0,
        c @ 800..=817 => HIGH & (1 << (c - 800)) != 0,
        _ => false,
    }
}

/// The base letter of `c` (`remove_diacritics 2`): SQLite's table of ranges, each entry
/// `first code point << 3 | range length`, and the letter the range folds to.
fn without_diacritic(c: char) -> char {
    const RANGES: [u16; 126] = [
        0, 1797, 1848, 1859, 1891, 1928, 1940, 1995, 2024, 2040, 2060, 2110, 2168, 2206, 2264,
        2286, 2344, 2383, 2472, 2488, 2516, 2596, 2668, 2732, 2782, 2842, 2894, 2954, 2984, 3000,
        3028, 3336, 3456, 3696, 3712, 3728, 3744, 3766, 3832, 3896, 3912, 3928, 3944, 3968, 4008,
        4040, 4056, 4106, 4138, 4170, 4202, 4234, 4266, 4296, 4312, 4344, 4408, 4424, 4442, 4472,
        4488, 4504, 6148, 6198, 6264, 6280, 6360, 6429, 6505, 6529, 61448, 61468, 61512, 61534,
        61592, 61610, 61642, 61672, 61688, 61704, 61726, 61784, 61800, 61816, 61836, 61880, 61896,
        61914, 61948, 61998, 62062, 62122, 62154, 62184, 62200, 62218, 62252, 62302, 62364, 62410,
        62442, 62478, 62536, 62554, 62584, 62604, 62640, 62648, 62656, 62664, 62730, 62766, 62830,
        62890, 62924, 62974, 63032, 63050, 63082, 63118, 63182, 63242, 63274, 63310, 63368, 63390,
    ];
    const BASES: &[u8; 126] = b"\0aceinouyyacdeeghijklnorstuuwyzouaiouuagkoojgnaaeiorusthaeoooy\
        \0\0\0\0\0\0\0\0abcddeeefghhiiklllmnoprrrsstuuvwwxyzhtwyaaaaeeeioooouuuy";
    let code = c as u32;
    let key = (code << 3) | 7;
    let Some(i) = RANGES
        .partition_point(|&r| u32::from(r) <= key)
        .checked_sub(1)
    else {
        return c;
    };
    let (Some(&range), Some(&base)) = (RANGES.get(i), BASES.get(i)) else {
        return c;
    };
    let range = u32::from(range);
    if code > (range >> 3) + (range & 7) {
        c
    } else {
        char::from(base)
    }
}

fn is_vowel(c: u8, y_is_vowel: bool) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u') || (y_is_vowel && c == b'y')
}

/// Where the first vowels-then-consonants run of `stem` ends (0 when there is none).
fn vowels_then_consonants(stem: &[u8], previous_is_consonant: bool) -> usize {
    let mut consonant = previous_is_consonant;
    let mut i = 0;
    while i < stem.len() {
        consonant = !is_vowel(stem[i], consonant);
        if !consonant {
            break;
        }
        i += 1;
    }
    i += 1;
    while i < stem.len() {
        consonant = !is_vowel(stem[i], consonant);
        if consonant {
            return i + 1;
        }
        i += 1;
    }
    0
}

/// Porter's m > 0.
fn measure_above_0(stem: &[u8]) -> bool {
    vowels_then_consonants(stem, false) != 0
}

/// Porter's m > 1.
fn measure_above_1(stem: &[u8]) -> bool {
    let n = vowels_then_consonants(stem, false);
    n != 0 && vowels_then_consonants(stem.get(n..).unwrap_or_default(), true) != 0
}

/// Porter's m = 1.
fn measure_is_1(stem: &[u8]) -> bool {
    let n = vowels_then_consonants(stem, false);
    n != 0 && vowels_then_consonants(stem.get(n..).unwrap_or_default(), true) == 0
}

/// Porter's *o: ends consonant-vowel-consonant, the last not w, x or y.
fn ends_cvc(stem: &[u8]) -> bool {
    match stem.last() {
        None | Some(b'w' | b'x' | b'y') => false,
        Some(_) => {
            let mut consonant = false;
            let mut last_three = 0u8;
            for &c in stem {
                consonant = !is_vowel(c, consonant);
                last_three = ((last_three << 1) | u8::from(consonant)) & 0b111;
            }
            last_three == 0b101
        }
    }
}

fn has_vowel(stem: &[u8]) -> bool {
    stem.iter().enumerate().any(|(i, &c)| is_vowel(c, i > 0))
}

#[derive(Clone, Copy)]
enum Condition {
    MeasureAbove0,
    MeasureAbove1,
    MeasureAbove1EndingSOrT,
}

impl Condition {
    fn holds(self, stem: &[u8]) -> bool {
        match self {
            Self::MeasureAbove0 => measure_above_0(stem),
            Self::MeasureAbove1 => measure_above_1(stem),
            Self::MeasureAbove1EndingSOrT => {
                matches!(stem.last(), Some(b's' | b't')) && measure_above_1(stem)
            }
        }
    }
}

type Rule = (&'static [u8], &'static [u8], Condition);

const STEP_2: &[Rule] = {
    use Condition::MeasureAbove0 as M;
    &[
        (b"ational", b"ate", M),
        (b"tional", b"tion", M),
        (b"enci", b"ence", M),
        (b"anci", b"ance", M),
        (b"izer", b"ize", M),
        (b"logi", b"log", M),
        (b"bli", b"ble", M),
        (b"alli", b"al", M),
        (b"entli", b"ent", M),
        (b"eli", b"e", M),
        (b"ousli", b"ous", M),
        (b"ization", b"ize", M),
        (b"ation", b"ate", M),
        (b"ator", b"ate", M),
        (b"alism", b"al", M),
        (b"iveness", b"ive", M),
        (b"fulness", b"ful", M),
        (b"ousness", b"ous", M),
        (b"aliti", b"al", M),
        (b"iviti", b"ive", M),
        (b"biliti", b"ble", M),
    ]
};

const STEP_3: &[Rule] = {
    use Condition::MeasureAbove0 as M;
    &[
        (b"ical", b"ic", M),
        (b"ness", b"", M),
        (b"icate", b"ic", M),
        (b"iciti", b"ic", M),
        (b"ful", b"", M),
        (b"ative", b"", M),
        (b"alize", b"al", M),
    ]
};

const STEP_4: &[Rule] = {
    use Condition::MeasureAbove1 as M;
    &[
        (b"al", b"", M),
        (b"ance", b"", M),
        (b"ence", b"", M),
        (b"er", b"", M),
        (b"ic", b"", M),
        (b"able", b"", M),
        (b"ible", b"", M),
        (b"ant", b"", M),
        (b"ement", b"", M),
        (b"ment", b"", M),
        (b"ent", b"", M),
        (b"ion", b"", Condition::MeasureAbove1EndingSOrT),
        (b"ou", b"", M),
        (b"ism", b"", M),
        (b"ate", b"", M),
        (b"iti", b"", M),
        (b"ous", b"", M),
        (b"ive", b"", M),
        (b"ize", b"", M),
    ]
};

/// The first rule whose suffix ends `word` (leaving a stem) applies if its condition holds;
/// no later rule is tried either way.
fn apply_first(word: &mut Vec<u8>, rules: &[Rule]) {
    for &(suffix, replacement, condition) in rules {
        if word.len() > suffix.len() && word.ends_with(suffix) {
            let stem = word.len() - suffix.len();
            if condition.holds(&word[..stem]) {
                word.truncate(stem);
                word.extend_from_slice(replacement);
            }
            return;
        }
    }
}

/// Step 1b: -eed, -ed, -ing. True when -ed or -ing was removed.
fn step_1b(word: &mut Vec<u8>) -> bool {
    let n = word.len();
    if n > 3 && word.ends_with(b"eed") {
        if measure_above_0(&word[..n - 3]) {
            word.truncate(n - 1);
        }
        false
    } else if n > 2 && word.ends_with(b"ed") && has_vowel(&word[..n - 2]) {
        word.truncate(n - 2);
        true
    } else if n > 3 && word.ends_with(b"ing") && has_vowel(&word[..n - 3]) {
        word.truncate(n - 3);
        true
    } else {
        false
    }
}

/// The word stemmed in place as FTS5's `porter` tokenizer does: the original Porter algorithm
/// on the folded word's bytes (anything but a, e, i, o, u and y is a consonant); words under
/// 3 or over 64 bytes are left as they are.
fn porter(word: &mut Vec<u8>) {
    if word.len() < 3 || word.len() > 64 {
        return;
    }
    // Step 1a: plurals.
    let n = word.len();
    if word[n - 1] == b's' {
        if word[n - 2] == b'e' {
            if (n > 4 && word[n - 4] == b's' && word[n - 3] == b's')
                || (n > 3 && word[n - 3] == b'i')
            {
                word.truncate(n - 2);
            } else {
                word.truncate(n - 1);
            }
        } else if word[n - 2] != b's' {
            word.truncate(n - 1);
        }
    }
    if step_1b(word) {
        let extended = [(&b"at"[..], &b"ate"[..]), (b"bl", b"ble"), (b"iz", b"ize")]
            .into_iter()
            .find(|(suffix, _)| word.len() > 2 && word.ends_with(suffix));
        if let Some((_, longer)) = extended {
            word.truncate(word.len() - 2);
            word.extend_from_slice(longer);
        } else {
            let n = word.len();
            let last = word[n - 1];
            if !is_vowel(last, false)
                && !matches!(last, b'l' | b's' | b'z')
                && n >= 2
                && word[n - 2] == last
            {
                word.truncate(n - 1);
            } else if measure_is_1(word) && ends_cvc(word) {
                word.push(b'e');
            }
        }
    }
    // Step 1c: a final y after a vowel somewhere becomes i.
    if let Some((&b'y', stem)) = word.split_last() {
        if has_vowel(stem) {
            let n = word.len();
            word[n - 1] = b'i';
        }
    }
    apply_first(word, STEP_2);
    apply_first(word, STEP_3);
    apply_first(word, STEP_4);
    // Step 5a: a final e.
    if let Some((&b'e', stem)) = word.split_last() {
        if measure_above_1(stem) || (measure_is_1(stem) && !ends_cvc(stem)) {
            word.truncate(word.len() - 1);
        }
    }
    // Step 5b: a final double l.
    let n = word.len();
    if n > 1 && word[n - 1] == b'l' && word[n - 2] == b'l' && measure_above_1(&word[..n - 1]) {
        word.truncate(n - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem(word: &str) -> String {
        let mut folded = Vec::new();
        for c in word.chars() {
            push_folded(c, &mut folded);
        }
        porter(&mut folded);
        String::from_utf8(folded).unwrap_or_default()
    }

    #[test]
    fn words_are_stemmed_as_the_index_stems_them() {
        // Each pair as SQLite's `porter unicode61 remove_diacritics 2` tokenizer gives it.
        for (word, expected) in [
            ("developers", "develop"),
            ("development", "develop"),
            ("caresses", "caress"),
            ("ponies", "poni"),
            ("running", "run"),
            ("hoping", "hope"),
            ("relational", "relat"),
            ("generalization", "gener"),
            ("happy", "happi"),
            ("Kubernetes", "kubernet"),
            ("José", "jose"),
            ("Müller", "muller"),
            ("go", "go"),
        ] {
            assert_eq!(stem(word), expected, "{word}");
        }
    }

    #[test]
    fn words_split_like_unicode61() {
        let mut seen = Vec::new();
        let mut word = Vec::new();
        tokens("C++, Node.js; e\u{301}cole 3.5", &mut word, |w| {
            seen.push(String::from_utf8(w.clone()).unwrap_or_default());
        });
        assert_eq!(seen, ["c", "node", "js", "ecole", "3", "5"]);
    }

    #[test]
    fn rarer_words_weigh_more_and_only_the_given_candidates_count() {
        let query = Query::new(&["rust".to_owned(), "python".to_owned()]);
        let both = query.count(["", "", "Rust Python", "", "rust python"]);
        let python = query.count(["", "", "Python", "", "python"]);
        let rust = query.count(["", "", "Rust", "", "rust"]);
        let scored = scores(&[both.clone(), python.clone(), rust.clone()], 10);
        assert!(scored[0] > scored[1] && scored[0] > scored[2], "{scored:?}");
        // Python is in three of the four, Rust in two: Rust weighs more.
        let scored = scores(&[both, python.clone(), python, rust], 10);
        assert!(scored[3] > scored[1], "{scored:?}");
    }
}
