//! The text as search and the model should see it: one form for every engine's reading.
use super::MAX_TEXT_CHARS;

/// Unix line ends, no control characters (PostgreSQL text cannot hold NUL), at most one blank
/// line in a row, trimmed lines, capped length.
pub fn normalise(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(MAX_TEXT_CHARS * 4));
    let mut blank_run = 0;
    let mut chars = 0;
    for line in raw.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        let line: String = line
            .chars()
            .flat_map(plain_chars)
            .filter(|c| !c.is_control())
            .collect();
        let line = join_letter_spacing(line.trim());
        let line = line.as_str();
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        let take = MAX_TEXT_CHARS.saturating_sub(chars);
        if take == 0 {
            break;
        }
        let piece: String = line.chars().take(take).collect();
        chars += piece.chars().count() + 1;
        out.push_str(&piece);
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// A character as search and the model should see it: a tab or any Unicode space (NBSP, thin,
/// ideographic) is a plain space, and a ligature its letters (`ﬁ` is `fi`: PDF producers that
/// map ligature glyphs to their Unicode code points make "eﬃcient" unsearchable otherwise).
fn plain_chars(c: char) -> impl Iterator<Item = char> {
    let letters: &'static str = match c {
        '\u{fb00}' => "ff",
        '\u{fb01}' => "fi",
        '\u{fb02}' => "fl",
        '\u{fb03}' => "ffi",
        '\u{fb04}' => "ffl",
        '\u{fb05}' | '\u{fb06}' => "st",
        _ => "",
    };
    let single = if !letters.is_empty() {
        None
    } else if c == '\t' || (c.is_whitespace() && c != '\n') {
        Some(' ')
    } else if is_private_use(c) {
        private_use_letter(c)
    } else {
        Some(c)
    };
    letters.chars().chain(single)
}

/// A private-use code point: it means something only to the font that drew it (an icon, a
/// small capital, a logo), never to search or the model.
fn is_private_use(c: char) -> bool {
    matches!(c, '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..='\u{ffffd}' | '\u{100000}'..='\u{10fffd}')
}

/// The letter or digit behind a private-use code point, where the glyph's name gave it one:
/// the Adobe Glyph List places the small capitals `Asmall`..`Zsmall` at U+F761..U+F77A and
/// the old-style figures `zerooldstyle`..`nineoldstyle` at U+F730..U+F739, so a PDF whose
/// ToUnicode was made from those names reads `\u{f764}\u{f761}` for a small-caps "da".
/// Any other private-use character (an icon font's envelope or phone) is dropped.
fn private_use_letter(c: char) -> Option<char> {
    let code = u32::from(c);
    match code {
        0xf761..=0xf77a => char::from_u32(u32::from('a') + (code - 0xf761)),
        0xf730..=0xf739 => char::from_u32(u32::from('0') + (code - 0xf730)),
        _ => None,
    }
}

/// Puts letter-spaced words back together. Letter-spaced headings (`K A T H E R I N E`) come
/// out one letter at a time, single spaces inside a word and wider gaps between words. A line
/// made only of such pieces (each one or two characters, mostly one) is read as words: the
/// pieces of each gap-separated group join. A line of ordinary words has long tokens and is
/// left alone.
pub(super) fn join_letter_spacing(line: &str) -> String {
    let groups: Vec<&str> = line
        .split("  ")
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .collect();
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let singles = tokens.iter().filter(|t| t.chars().count() == 1).count();
    let spaced = tokens.len() >= 3
        && tokens.iter().all(|t| t.chars().count() <= 2)
        && singles * 3 >= tokens.len() * 2;
    if !spaced {
        return line.to_owned();
    }
    groups
        .iter()
        .map(|g| g.split_whitespace().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}
