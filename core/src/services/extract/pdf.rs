//! PDF text, after the structural checks the engines themselves do not make, with one of two
//! engines (`super::Engine`): pdf-extract, and pdf_oxide as the fallback for the fonts whose
//! text pdf-extract drops. lopdf (through pdf-extract) loads and checks every file and finds
//! its hidden text whichever engine reads it, so the hidden-text defence holds for both.
//! Runs inside the extraction worker (`super::worker`), never in the server process.
use std::collections::HashMap;

use super::{
    pdf_checks::{check_inflated_sizes, check_structure, drop_image_samples},
    Engine, ExtractError,
};

/// What one engine read from a PDF.
pub(super) struct PdfText {
    /// The text a reader sees: the hidden runs are taken out.
    pub text: String,
    /// The text a reader cannot see (`super::hidden`).
    pub hidden: Vec<String>,
    pub pages: u32,
    /// Images the size of a scanned page (`pdf_checks::drop_image_samples`).
    pub scan_images: u32,
}

/// The PDF's text as `engine` reads it (`Engine::PdfExtract` or `Engine::PdfOxide`).
pub(super) fn pdf_text(bytes: &[u8], engine: Engine) -> Result<PdfText, ExtractError> {
    let mut doc = match pdf_extract::Document::load_mem(bytes) {
        Ok(doc) => doc,
        // An encryption dictionary that fails to load is still an encrypted PDF to the user.
        Err(_) if contains(bytes, b"/Encrypt") => return Err(ExtractError::Encrypted),
        Err(_) => return Err(ExtractError::BrokenPdf),
    };
    // lopdf opens PDFs restricted only by an owner password with the empty password, as every
    // viewer does, and then drops /Encrypt from the trailer; if it is still there, the PDF
    // needs a password we do not have.
    if doc.is_encrypted() {
        return Err(ExtractError::Encrypted);
    }
    let scan_images = drop_image_samples(&mut doc);
    check_inflated_sizes(&doc)?;
    check_structure(&doc)?;
    let pages = u32::try_from(doc.get_pages().len()).unwrap_or(u32::MAX);
    let mut text = match engine {
        Engine::PdfOxide => oxide_text(bytes)?,
        _ => {
            spell_out_next_line_shows(&mut doc);
            let mut text = String::new();
            pdf_extract::output_doc(&doc, &mut LaidOutText::new(&mut text))
                .map_err(|_| ExtractError::BrokenPdf)?;
            text
        }
    };
    // Text nobody can see never reaches a prompt.
    let hidden = super::hidden::hidden_runs(&doc);
    if !hidden.is_empty() {
        text = super::hidden::without_runs(&text, &hidden);
        // Whatever the engine did with spaces and line breaks, a reading that still holds a
        // hidden run is not used (the other engine's is).
        if super::hidden::still_contains(&text, &hidden) {
            return Err(ExtractError::BrokenPdf);
        }
    }
    Ok(PdfText {
        text,
        hidden,
        pages,
        scan_images,
    })
}

/// pdf_oxide's reading of every page, one line break between pages (a form feed would be
/// dropped by normalising, gluing two pages' lines together), with fake bold read once.
fn oxide_text(bytes: &[u8]) -> Result<String, ExtractError> {
    let doc = pdf_oxide::document::PdfDocument::from_bytes(bytes.to_vec())
        .map_err(|_| ExtractError::BrokenPdf)?;
    let pages = doc.page_count().map_err(|_| ExtractError::BrokenPdf)?;
    let mut text = String::new();
    for page in 0..pages {
        if page > 0 {
            text.push('\n');
        }
        // As `extract_all_text`: a page that cannot be read leaves its place empty.
        let Ok(page_text) = doc.extract_text(page) else {
            continue;
        };
        if !may_hold_overprints(&page_text) {
            text.push_str(&page_text);
            continue;
        }
        // pdf_oxide's own glyph list drops overprinted glyphs but its text keeps them; its
        // spans keep them too, with where each glyph stands.
        let mut spans = doc.extract_spans(page).unwrap_or_default();
        spans.sort_by_key(|span| span.sequence);
        let glyphs = spans.iter().flat_map(span_glyphs);
        text.push_str(&without_overprints(page_text, glyphs));
    }
    Ok(text)
}

/// The glyphs of one pdf_oxide span, in drawing order: each at its own x when the span lists
/// them, else at the span's start plus the advances before it (which go back to the start when
/// a string is drawn again over itself). Without either, no position: nothing can match.
fn span_glyphs(span: &pdf_oxide::layout::TextSpan) -> impl Iterator<Item = Glyph> + '_ {
    let count = span.text.chars().count();
    let y = f64::from(span.bbox.y);
    let size = f64::from(span.font_size);
    let mut pen = f64::from(span.bbox.x);
    span.text.chars().enumerate().map(move |(i, text)| {
        let x = if span.char_x_offsets.len() == count {
            f64::from(span.char_x_offsets[i])
        } else if span.char_widths.len() == count {
            let x = pen;
            pen += f64::from(span.char_widths[i]);
            x
        } else {
            f64::NAN
        };
        Glyph { text, x, y, size }
    })
}

/// The longest string whose drawing over itself [`may_hold_overprints`] looks for.
const MAX_OVERPRINTED_RUN: usize = 64;

/// Whether a page's text could hold what [`is_drawn_over`] replaces: a string of two or more
/// glyphs written twice in a row (`EDUCATIONEDUCATION`), or two glyphs each written twice
/// (`学学位位`). Most pages hold neither, and reading their spans a second time is skipped.
fn may_hold_overprints(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let doubled_pair = chars
        .windows(4)
        .any(|w| w[0] == w[1] && w[2] == w[3] && !w[0].is_whitespace());
    doubled_pair
        || (2..=MAX_OVERPRINTED_RUN).any(|length| {
            // How many glyphs in a row equal the glyph `length` before them.
            let mut same = 0;
            chars.iter().zip(chars.iter().skip(length)).any(|(a, b)| {
                same = if a == b && !b.is_whitespace() {
                    same + 1
                } else {
                    0
                };
                same >= length
            })
        })
}

/// One glyph as an engine placed it on the page (page space, points).
struct Glyph {
    text: char,
    x: f64,
    y: f64,
    size: f64,
}

/// `text` with each run of overprinted glyphs read once. Fake bold (a glyph, or a whole
/// string, drawn again a fraction of a point to the side) comes out of pdf_oxide as
/// `学学学位位位` or `EDUCATIONEDUCATIONEDUCATION`; the page's glyphs, in drawing order, show
/// which runs those are, and each such run in the text becomes its glyphs drawn once. The text
/// is unchanged on a page without overprinting.
fn without_overprints(mut text: String, glyphs: impl Iterator<Item = Glyph>) -> String {
    let glyphs: Vec<Glyph> = glyphs.collect();
    let mut seen = Overprints::default();
    // Glyphs drawn again over themselves, and glyphs that a later one overprints.
    let mut repeat = vec![false; glyphs.len()];
    let mut overprinted = vec![false; glyphs.len()];
    let mut key = [0u8; 4];
    for (index, glyph) in glyphs.iter().enumerate() {
        let glyph_key: &str = glyph.text.encode_utf8(&mut key);
        if let Some(first) = seen.repeats(glyph_key, glyph.x, glyph.y, glyph.size, index) {
            repeat[index] = true;
            overprinted[first] = true;
        }
    }
    if !repeat.contains(&true) {
        return text;
    }
    let mut index = 0;
    while index < glyphs.len() {
        if !(repeat[index] || overprinted[index]) {
            index += 1;
            continue;
        }
        let (mut drawn, mut once) = (String::new(), String::new());
        let line = glyphs[index].y;
        // A run ends with the line: the text puts a line break there.
        while index < glyphs.len()
            && (repeat[index] || overprinted[index])
            && (glyphs[index].y - line).abs() <= glyphs[index].size * 0.5
        {
            drawn.push(glyphs[index].text);
            if !repeat[index] {
                once.push(glyphs[index].text);
            }
            index += 1;
        }
        if is_drawn_over(&drawn, &once) {
            text = text.replacen(&drawn, &once, 1);
        }
    }
    text
}

/// Whether `drawn` is `once` drawn over itself: each glyph k times (`学学学位位位`) or the
/// whole string k times (`EDUCATIONEDUCATION`), for two glyphs or more. Only such a run is
/// replaced in the text: a shorter or irregular one could match other words (`ll` in
/// `Hello`), and pdf_oxide's text has sometimes read those overprints once already.
fn is_drawn_over(drawn: &str, once: &str) -> bool {
    let (glyphs, all) = (once.chars().count(), drawn.chars().count());
    if glyphs < 2 || all % glyphs != 0 || all / glyphs < 2 {
        return false;
    }
    let times = all / glyphs;
    let each_glyph = once
        .chars()
        .flat_map(|c| std::iter::repeat_n(c, times))
        .eq(drawn.chars());
    each_glyph || once.repeat(times) == drawn
}

/// The farthest a glyph drawn again may be from the same glyph drawn before it, in points, to
/// be the same mark: fake bold offsets its copies by 0.2 to 0.5 pt, while a letter repeated
/// in a word (`ll`, `学学`) stands at least a narrow glyph's width (a fifth of an em) away.
const OVERPRINT_PT: f64 = 1.0;
/// [`OVERPRINT_PT`] as a share of the font size, for text too small for a whole point.
const OVERPRINT_EM: f64 = 0.15;

/// Where each glyph was drawn on a page, to find glyphs drawn again over themselves: per glyph,
/// its drawings filed by the 1 pt square they fall in, so a look-up reads nine squares.
#[derive(Default)]
struct Overprints {
    drawn: HashMap<String, HashMap<(i64, i64), Drawing>>,
}

/// Where a glyph was drawn, and the number of that drawing.
#[derive(Clone, Copy)]
struct Drawing {
    x: f64,
    y: f64,
    index: usize,
}

impl Overprints {
    /// Records `glyph` drawn at (`x`, `y`) as drawing number `index`; when the same glyph was
    /// drawn before within [`OVERPRINT_PT`] of there, the number of that drawing.
    fn repeats(&mut self, glyph: &str, x: f64, y: f64, size: f64, index: usize) -> Option<usize> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        let tolerance = if size.is_finite() && size > 0.0 {
            (size * OVERPRINT_EM).min(OVERPRINT_PT)
        } else {
            OVERPRINT_PT
        };
        // `as` saturates: coordinates past i64 (none on a real page) share the edge square.
        let square = |v: f64| (v / OVERPRINT_PT).floor() as i64;
        let (column, row) = (square(x), square(y));
        let squares = match self.drawn.get_mut(glyph) {
            Some(squares) => squares,
            None => self.drawn.entry(glyph.to_owned()).or_default(),
        };
        let near = (-1..=1)
            .flat_map(|dc| {
                (-1..=1).map(move |dr| (column.saturating_add(dc), row.saturating_add(dr)))
            })
            .filter_map(|key| squares.get(&key))
            .find(|d| (x - d.x).abs() <= tolerance && (y - d.y).abs() <= tolerance)
            .map(|d| d.index);
        squares.insert((column, row), Drawing { x, y, index });
        near
    }

    fn clear(&mut self) {
        self.drawn.clear();
    }
}

/// Ghostscript writes each line after the first with `'` (next line, show) and `"` (set
/// spacing, next line, show), which pdf-extract does not know: it reads a page of such lines
/// as its first line alone. Content streams that use them get the same drawing spelled with
/// `T*` and `Tj` before pdf-extract reads them.
fn spell_out_next_line_shows(doc: &mut pdf_extract::Document) {
    let mut ids: Vec<pdf_extract::ObjectId> = doc
        .page_iter()
        .flat_map(|page| doc.get_page_contents(page))
        .collect();
    ids.extend(doc.objects.iter().filter_map(|(id, object)| {
        let stream = object.as_stream().ok()?;
        let subtype = stream.dict.get(b"Subtype").and_then(|s| s.as_name()).ok()?;
        (subtype == b"Form").then_some(*id)
    }));
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let Ok(stream) = doc.get_object_mut(id).and_then(|o| o.as_stream_mut()) else {
            continue;
        };
        let content = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        // Most content has neither byte at all; it is left as it is, undecoded.
        if !content.iter().any(|b| matches!(b, b'\'' | b'"')) {
            continue;
        }
        let Ok(decoded) = pdf_extract::content::Content::decode(&content) else {
            continue;
        };
        if !decoded
            .operations
            .iter()
            .any(|op| matches!(op.operator.as_str(), "'" | "\""))
        {
            continue;
        }
        let mut operations = Vec::with_capacity(decoded.operations.len() + 8);
        for op in decoded.operations {
            let op_name = op.operator.as_str();
            match (op_name, op.operands.as_slice()) {
                ("'", [text]) => {
                    operations.push(pdf_extract::content::Operation::new("T*", Vec::new()));
                    operations.push(pdf_extract::content::Operation::new(
                        "Tj",
                        vec![text.clone()],
                    ));
                }
                ("\"", [word_spacing, char_spacing, text]) => {
                    let set = |name, operand: &pdf_extract::Object| {
                        pdf_extract::content::Operation::new(name, vec![operand.clone()])
                    };
                    operations.push(set("Tw", word_spacing));
                    operations.push(set("Tc", char_spacing));
                    operations.push(pdf_extract::content::Operation::new("T*", Vec::new()));
                    operations.push(set("Tj", text));
                }
                _ => operations.push(op),
            }
        }
        let Ok(encoded) = (pdf_extract::content::Content { operations }).encode() else {
            continue;
        };
        stream.set_plain_content(encoded);
    }
}

/// Text ahead of this many ems on the same line, after a gap, belongs to another column or
/// cell: it is set apart by [`COLUMN_SEPARATOR`] instead of one space.
const COLUMN_GAP_EMS: f64 = 3.0;
/// What stands between two runs of text far apart on one line.
const COLUMN_SEPARATOR: &str = "   ";

/// pdf-extract's plain-text output, in the text's own direction, with what it lacked: its
/// line and space decisions worked on page x and y, so text set sideways (a landscape page
/// printed rotated, `0 1 -1 0 Tm`) had no line breaks or spaces at all and a two-column
/// page read `Alan TuringSKILLS`; text far apart on one line is kept apart; and a glyph drawn
/// again over itself (fake bold) is written once.
struct LaidOutText<'a> {
    out: &'a mut String,
    /// The glyph written last: its origin and where it ended, in page space.
    last: Option<Pen>,
    /// The next glyph starts a shown string: the place to decide on a space or a line break.
    starts_string: bool,
    drawn: Overprints,
    drawings: usize,
}

#[derive(Clone, Copy)]
struct Pen {
    x: f64,
    y: f64,
    end_x: f64,
    end_y: f64,
}

impl<'a> LaidOutText<'a> {
    fn new(out: &'a mut String) -> Self {
        Self {
            out,
            last: None,
            starts_string: false,
            drawn: Overprints::default(),
            drawings: 0,
        }
    }
}

impl pdf_extract::OutputDev for LaidOutText<'_> {
    fn begin_page(
        &mut self,
        _page_num: u32,
        _media_box: &pdf_extract::MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), pdf_extract::OutputError> {
        self.drawn.clear();
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &pdf_extract::Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        glyph: &str,
    ) -> Result<(), pdf_extract::OutputError> {
        // The text's direction on the page, and its size: the text matrix's scale.
        let along = trm.m11.hypot(trm.m12);
        let (dx, dy) = if along.is_normal() {
            (trm.m11 / along, trm.m12 / along)
        } else {
            (1.0, 0.0)
        };
        let size = (font_size * font_size * (trm.m11 * trm.m22 - trm.m12 * trm.m21))
            .abs()
            .sqrt();
        let (x, y) = (trm.m31, trm.m32);
        self.drawings += 1;
        if !glyph.is_empty()
            && self
                .drawn
                .repeats(glyph, x, y, size, self.drawings)
                .is_some()
        {
            return Ok(());
        }
        if let (true, Some(last)) = (self.starts_string, self.last) {
            // How far this glyph starts past the end of the last one, along the line, and how
            // far it stands above or below it.
            let gap = (x - last.end_x) * dx + (y - last.end_y) * dy;
            let rise = ((y - last.y) * dx - (x - last.x) * dy).abs();
            if rise > size * 1.5 {
                self.out.push('\n');
            }
            // Back to the left and down: the next line.
            if gap < 0.0 && rise > size * 0.5 {
                self.out.push('\n');
            }
            if gap > size * COLUMN_GAP_EMS && rise <= size * 0.5 {
                self.out.push_str(COLUMN_SEPARATOR);
            } else if gap > size * 0.1 {
                self.out.push(' ');
            }
        }
        self.out.push_str(glyph);
        self.starts_string = false;
        let advance = width * size;
        self.last = Some(Pen {
            x,
            y,
            end_x: x + advance * dx,
            end_y: y + advance * dy,
        });
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.starts_string = true;
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), pdf_extract::OutputError> {
        Ok(())
    }
}

pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(drawn: &[(char, f64)], y: f64) -> Vec<Glyph> {
        drawn
            .iter()
            .map(|&(text, x)| Glyph {
                text,
                x,
                y,
                size: 11.0,
            })
            .collect()
    }

    #[test]
    fn fake_bold_is_read_once() {
        let per_glyph = glyphs(
            &[
                ('学', 72.0),
                ('学', 72.3),
                ('学', 72.6),
                ('位', 83.0),
                ('位', 83.3),
                ('位', 83.6),
            ],
            680.0,
        );
        assert_eq!(
            without_overprints("学学学位位位 北京大学".into(), per_glyph.into_iter()),
            "学位 北京大学"
        );
        // Letters repeated side by side, a glyph width apart, are words.
        let hello = glyphs(
            &[
                ('H', 0.0),
                ('e', 7.0),
                ('l', 13.0),
                ('l', 15.4),
                ('o', 17.8),
            ],
            700.0,
        );
        assert_eq!(
            without_overprints("Hello".into(), hello.into_iter()),
            "Hello"
        );
        assert!(is_drawn_over("EDUCATIONEDUCATIONEDUCATION", "EDUCATION"));
        assert!(may_hold_overprints("x\nEDUCATIONEDUCATION\n"));
        assert!(may_hold_overprints("学学位位 北京"));
        assert!(!may_hold_overprints(
            "Hello, a well-tested office workflow\n1953 - 1954"
        ));
        assert!(is_drawn_over("李李李明明明", "李明"));
        for (drawn, once) in [("ll", "l"), ("www", "w"), ("ess", "es"), ("cati", "")] {
            assert!(!is_drawn_over(drawn, once), "{drawn} -> {once}");
        }
    }
}
