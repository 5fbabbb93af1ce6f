//! Reading a scan by OCR: what the OCR worker (`hirekey extract ocr`, `ocr_worker`) runs in its
//! sandbox. Its working directory holds the upload as `input`; it answers with one JSON
//! [`OcrEvent`] per line on stdout: the page count, each page as it is read, then the text or
//! why there is none.
//!
//! - A PDF's pages (at most [`MAX_OCR_PAGES`]) are rendered by poppler's `pdftoppm` to
//!   greyscale PGM at [`RENDER_DPI`], lowered for a page that would pass [`MAX_MEGAPIXELS`].
//!   (PGM, not PNG: compressing a noisy scan to PNG took 11 s a page, writing PGM 0.2 s.)
//! - Each page (or the image) is read by Tesseract 5 in English first. A page whose words
//!   are read with a mean confidence under [`SCRIPT_PROBE_BELOW`] has its script detected
//!   (Tesseract's OSD) and, when it is Han or Japanese, is read again with that language; a
//!   page whose words are mostly German, French, Spanish, Portuguese, Italian or Dutch is read
//!   again with that language beside English. The reading with the better confidence is kept.
//! - Two pages are read at once (the worker holds the machine's OCR slot; `ocr_worker`).
//!
//! Every tool runs under the worker's limits, inherited (`sandbox`), and is killed if the
//! worker dies (`PR_SET_PDEATHSIG`).
use std::{
    io::Write,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Command, ExitCode, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Mutex, PoisonError,
    },
};

use serde::{Deserialize, Serialize};

use super::{
    image::{self, MAX_MEGAPIXELS, MAX_OCR_PAGES},
    normalise, ExtractError,
};

/// The resolution pages are rendered at: on the scanned corpus (README, "Scanned resumes"),
/// 300 dpi read 1 to 6 points more of the words than 200 dpi on the two-column and CJK files,
/// for about a third more time a page.
pub const RENDER_DPI: u32 = 300;
/// A page read in English with a mean word confidence under this has its script detected: a
/// Han or Japanese page read as English scores 40 to 55, a Latin page 85 to 96 (measured on the
/// scanned corpus).
pub const SCRIPT_PROBE_BELOW: f64 = 70.0;
/// How much better a Chinese reading of a poorly read page must score when OSD did not say Han:
/// a poor Latin scan read as Chinese scores about the same as in English.
const CJK_GUESS_MARGIN: f64 = 10.0;
/// How much worse a German, French, ... reading of a page may score and still be kept over the
/// English one.
const LATIN_MARGIN: f64 = 10.0;
/// The name the upload has in the worker's directory.
pub const INPUT: &str = "input";

/// One line of the worker's answer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(super) enum OcrEvent {
    Pages {
        pages: u32,
    },
    PageDone {
        page: u32,
    },
    Done {
        text: String,
        /// Mean word confidence, 0 to 100.
        confidence: f64,
        words: u32,
        languages: Vec<String>,
    },
    Failed {
        code: String,
    },
}

impl OcrEvent {
    pub(super) fn failed(e: &ExtractError) -> Self {
        let code = match e {
            ExtractError::TooManyPages => "too_many_pages",
            ExtractError::ImageTooLarge { .. } => "image_too_large",
            ExtractError::BrokenImage => "broken_image",
            ExtractError::BrokenPdf => "broken_pdf",
            ExtractError::TimedOut => "timed_out",
            _ => "no_text",
        };
        Self::Failed { code: code.into() }
    }

    pub(super) fn error(code: &str) -> ExtractError {
        match code {
            "too_many_pages" => ExtractError::TooManyPages,
            "image_too_large" => ExtractError::ImageTooLarge {
                width: 0,
                height: 0,
            },
            "broken_image" => ExtractError::BrokenImage,
            "broken_pdf" => ExtractError::BrokenPdf,
            "timed_out" => ExtractError::TimedOut,
            _ => ExtractError::NoText,
        }
    }
}

/// Where the tools are (resolved by the server on its `PATH`, passed as arguments).
#[derive(Clone, Debug)]
pub struct Tools {
    pub tesseract: PathBuf,
    pub pdftoppm: PathBuf,
    pub pdfinfo: PathBuf,
}

/// One page's reading.
#[derive(Clone, Debug, Default)]
struct PageText {
    text: String,
    confidences: Vec<f64>,
    languages: String,
}

impl PageText {
    fn mean(&self) -> f64 {
        if self.confidences.is_empty() {
            return 0.0;
        }
        self.confidences.iter().sum::<f64>() / self.confidences.len() as f64
    }
}

/// `hirekey extract ocr <tesseract> <pdftoppm> <pdfinfo>`, in the directory holding [`INPUT`].
pub fn run_child(tools: &Tools) -> ExitCode {
    let out = Mutex::new(std::io::stdout());
    let emit = |event: &OcrEvent| {
        let mut out = out.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = serde_json::to_writer(&mut *out, event);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    };
    let result = read(tools, &emit);
    match result {
        Ok(done) => emit(&done),
        Err(e) => emit(&OcrEvent::failed(&e)),
    }
    ExitCode::SUCCESS
}

fn read(tools: &Tools, emit: &(dyn Fn(&OcrEvent) + Sync)) -> Result<OcrEvent, ExtractError> {
    let bytes = std::fs::read(INPUT).map_err(|_| ExtractError::NoText)?;
    let units: Vec<Unit> = if bytes.starts_with(b"%PDF-") {
        drop(bytes);
        pdf_pages(tools)?
    } else {
        let format = match image::sniff(&bytes) {
            Some(Ok(format)) => format,
            _ => return Err(ExtractError::BrokenImage),
        };
        // Checked at upload already; again here, where the decoder runs.
        image::inspect(format, &bytes)?;
        vec![Unit {
            page: 1,
            dpi: None,
            source: Source::Image,
        }]
    };
    let total = units.len() as u32;
    emit(&OcrEvent::Pages { pages: total });
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(u32, Result<PageText, ExtractError>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2.min(units.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(unit) = units.get(i) else { break };
                let read = read_unit(tools, unit);
                emit(&OcrEvent::PageDone { page: unit.page });
                results
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((unit.page, read));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
    results.sort_by_key(|(page, _)| *page);
    let mut text = String::new();
    let mut confidences = Vec::new();
    let mut languages: Vec<String> = Vec::new();
    for (_, read) in results {
        let page = read?;
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&page.text);
        confidences.extend(page.confidences.iter().copied());
        for lang in page.languages.split('+') {
            if !languages.iter().any(|l| l == lang) {
                languages.push(lang.to_owned());
            }
        }
    }
    let text = normalise(&text);
    if !text.chars().any(char::is_alphabetic) {
        return Err(ExtractError::NoText);
    }
    let words = confidences.len() as u32;
    let confidence = if confidences.is_empty() {
        0.0
    } else {
        confidences.iter().sum::<f64>() / confidences.len() as f64
    };
    Ok(OcrEvent::Done {
        text,
        confidence: (confidence * 10.0).round() / 10.0,
        words,
        languages,
    })
}

enum Source {
    Image,
    PdfPage,
}

struct Unit {
    page: u32,
    /// The resolution a PDF page was rendered at (Tesseract is told; an image says its own).
    dpi: Option<u32>,
    source: Source,
}

/// A command for a tool: no stdin, killed when the thread that waits for it goes.
fn tool(path: &Path) -> Command {
    let mut command = Command::new(path);
    command.stdin(Stdio::null()).stderr(Stdio::null());
    // SAFETY: prctl is async-signal-safe; nothing is allocated between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    command
}

/// Counts the PDF's pages and the resolution each is rendered at.
fn pdf_pages(tools: &Tools) -> Result<Vec<Unit>, ExtractError> {
    let last = (MAX_OCR_PAGES + 1).to_string();
    let info = tool(&tools.pdfinfo)
        .args(["-f", "1", "-l", &last, INPUT])
        .output()
        .map_err(|_| ExtractError::BrokenPdf)?;
    if !info.status.success() {
        return Err(ExtractError::BrokenPdf);
    }
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or(ExtractError::BrokenPdf)?;
    if pages == 0 {
        return Err(ExtractError::BrokenPdf);
    }
    if pages > MAX_OCR_PAGES {
        return Err(ExtractError::TooManyPages);
    }
    let mut units = Vec::new();
    for page in 1..=pages {
        let size = info
            .lines()
            .find(|l| l.starts_with("Page") && l.contains(&format!(" {page} size:")))
            .and_then(page_size)
            .unwrap_or((612.0, 792.0));
        units.push(Unit {
            page,
            dpi: Some(render_dpi(size)?),
            source: Source::PdfPage,
        });
    }
    Ok(units)
}

/// "Page    1 size:  614.16 x 854.64 pts (A4)" → points.
fn page_size(line: &str) -> Option<(f64, f64)> {
    let rest = line.split("size:").nth(1)?;
    let mut parts = rest.split_whitespace();
    let w: f64 = parts.next()?.parse().ok()?;
    let _x = parts.next()?;
    let h: f64 = parts.next()?.parse().ok()?;
    Some((w, h))
}

/// [`RENDER_DPI`], or less for a page that would pass [`MAX_MEGAPIXELS`] at it; a page too
/// large even at 72 dpi (a poster, or a hostile MediaBox) is refused.
fn render_dpi((w, h): (f64, f64)) -> Result<u32, ExtractError> {
    let square_inches = (w / 72.0).abs() * (h / 72.0).abs();
    if !square_inches.is_finite() || square_inches <= 0.0 {
        return Err(ExtractError::BrokenPdf);
    }
    let fits = ((MAX_MEGAPIXELS as f64 * 1_000_000.0) / square_inches).sqrt();
    let dpi = fits.min(f64::from(RENDER_DPI)).floor();
    if dpi < 72.0 {
        return Err(ExtractError::ImageTooLarge {
            width: (w / 72.0 * 72.0) as u32,
            height: (h / 72.0 * 72.0) as u32,
        });
    }
    Ok(dpi as u32)
}

fn read_unit(tools: &Tools, unit: &Unit) -> Result<PageText, ExtractError> {
    let image = match unit.source {
        Source::Image => PathBuf::from(INPUT),
        Source::PdfPage => {
            let root = format!("page-{}", unit.page);
            let page = unit.page.to_string();
            let dpi = unit.dpi.unwrap_or(RENDER_DPI).to_string();
            let rendered = tool(&tools.pdftoppm)
                .args(["-r", &dpi, "-gray", "-f", &page, "-l", &page, "-singlefile"])
                .arg(INPUT)
                .arg(&root)
                .status()
                .map_err(|_| ExtractError::BrokenPdf)?;
            if !rendered.success() {
                return Err(ExtractError::BrokenPdf);
            }
            let path = PathBuf::from(format!("{root}.pgm"));
            clean_page(&path)?;
            path
        }
    };
    let first = tesseract(tools, &image, unit.dpi, "eng")?;
    // Another reading, and how much better its mean confidence must be to be kept.
    let second = if first.mean() < SCRIPT_PROBE_BELOW {
        match script_language(tools, &image, unit.dpi) {
            Some(languages) => Some((languages, 0.0)),
            // OSD is often unsure of a page mixing CJK with Latin lines (it says Latin with a
            // confidence near 2): Chinese is tried, and kept only when clearly better.
            None => Some(("chi_sim+eng".to_owned(), CJK_GUESS_MARGIN)),
        }
    } else {
        // The language's own model reads its accents; English's confidence on the same page is
        // as high, so the language's reading is kept unless clearly worse.
        latin_language(&first.text).map(|lang| (format!("{lang}+eng"), -LATIN_MARGIN))
    };
    let best = match second {
        Some((languages, margin)) => match tesseract(tools, &image, unit.dpi, &languages) {
            Ok(other) if other.mean() >= first.mean() + margin || first.confidences.len() < 3 => {
                other
            }
            _ => first,
        },
        None => first,
    };
    if matches!(unit.source, Source::PdfPage) {
        let _ = std::fs::remove_file(&image);
    }
    Ok(best)
}

/// Cleans a rendered page in place before Tesseract reads it: a Gaussian blur of 1.3 pixels
/// (a scan embedded at 150 to 200 dpi is drawn at 300 by repeating pixels, whose stair-steps
/// turned `0` into `d`, `l` into `i` and `ü` into `u`), then the levels stretched from 20-80 %
/// to the full range (grey, unevenly lit paper becomes white, faint ink black). Chosen on the
/// scanned corpus, where sigma 1.0 and 1.6 each misread one of those three (README, "Scanned
/// resumes").
fn clean_page(path: &Path) -> Result<(), ExtractError> {
    let mut pgm = std::fs::read(path).map_err(|_| ExtractError::BrokenPdf)?;
    let Some((width, height, start)) = pgm_header(&pgm) else {
        return Err(ExtractError::BrokenPdf);
    };
    let pixels = &mut pgm[start..];
    if pixels.len() < width * height || width < 8 || height < 8 {
        return Err(ExtractError::BrokenPdf);
    }
    let pixels = &mut pixels[..width * height];
    blur(pixels, width, height);
    for v in pixels.iter_mut() {
        let stretched = (i32::from(*v) - 51) * 255 / (204 - 51);
        *v = stretched.clamp(0, 255) as u8;
    }
    std::fs::write(path, &pgm).map_err(|_| ExtractError::BrokenPdf)
}

/// Width, height and where the pixels start, of a binary 8-bit PGM (`P5`), as pdftoppm writes.
fn pgm_header(pgm: &[u8]) -> Option<(usize, usize, usize)> {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        if *pgm.get(at)? == b'#' {
            while *pgm.get(at)? != b'\n' {
                at += 1;
            }
            continue;
        }
        let begin = at;
        while !pgm.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&pgm[begin..at]).ok()?);
    }
    if fields[0] != "P5" || fields[3] != "255" {
        return None;
    }
    Some((fields[1].parse().ok()?, fields[2].parse().ok()?, at + 1))
}

/// A separable Gaussian blur of sigma 1.3 pixels, in place (integer weights of
/// exp(-x² / 2σ²), x from -4 to 4).
fn blur(pixels: &mut [u8], width: usize, height: usize) {
    const K: [u32; 9] = [1, 4, 20, 48, 64, 48, 20, 4, 1];
    const SUM: u32 = 210;
    const R: usize = 4;
    let mut line = vec![0u8; width.max(height)];
    let mut out = vec![0u8; width.max(height)];
    let smooth = |line: &[u8], out: &mut [u8]| {
        let n = line.len();
        for (i, o) in out.iter_mut().enumerate().take(n) {
            let sum: u32 = if i >= R && i + R < n {
                K.iter()
                    .zip(&line[i - R..=i + R])
                    .map(|(k, v)| k * u32::from(*v))
                    .sum()
            } else {
                K.iter()
                    .enumerate()
                    .map(|(j, k)| k * u32::from(line[(i + j).saturating_sub(R).min(n - 1)]))
                    .sum()
            };
            *o = (sum / SUM) as u8;
        }
    };
    for row in pixels.chunks_exact_mut(width) {
        line[..width].copy_from_slice(row);
        smooth(&line[..width], &mut out[..width]);
        row.copy_from_slice(&out[..width]);
    }
    for x in 0..width {
        for y in 0..height {
            line[y] = pixels[y * width + x];
        }
        smooth(&line[..height], &mut out[..height]);
        for y in 0..height {
            pixels[y * width + x] = out[y];
        }
    }
}

/// Tesseract's reading of one image: the text, line by line and a blank line between
/// paragraphs, and each word's confidence.
fn tesseract(
    tools: &Tools,
    image: &Path,
    dpi: Option<u32>,
    languages: &str,
) -> Result<PageText, ExtractError> {
    let mut command = tool(&tools.tesseract);
    command
        .arg(image)
        .arg("stdout")
        .args(["-l", languages, "--psm", "3"]);
    if let Some(dpi) = dpi {
        command.args(["--dpi", &dpi.to_string()]);
    }
    let out = command
        .arg("tsv")
        .stdout(Stdio::piped())
        .output()
        .map_err(|_| ExtractError::BrokenImage)?;
    if !out.status.success() {
        return Err(ExtractError::BrokenImage);
    }
    let mut page = parse_tsv(&String::from_utf8_lossy(&out.stdout));
    page.languages = languages.to_owned();
    Ok(page)
}

/// Tesseract's TSV: level, page, block, paragraph, line, word, left, top, width, height,
/// confidence, text.
fn parse_tsv(tsv: &str) -> PageText {
    let mut page = PageText::default();
    let mut at: Option<(u32, u32, u32)> = None;
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let word = cols[11].trim();
        if word.is_empty() {
            continue;
        }
        let num = |i: usize| cols[i].parse::<u32>().unwrap_or(0);
        let here = (num(2), num(3), num(4));
        match at {
            Some((block, par, _)) if (block, par) != (here.0, here.1) => page.text.push_str("\n\n"),
            Some(line) if line != here => page.text.push('\n'),
            Some(_) => page.text.push(' '),
            None => {}
        }
        at = Some(here);
        page.text.push_str(word);
        if let Ok(conf) = cols[10].parse::<f64>() {
            if conf >= 0.0 {
                page.confidences.push(conf);
            }
        }
    }
    page
}

/// The languages to read a page with whose English reading was poor, by its script (OSD).
fn script_language(tools: &Tools, image: &Path, dpi: Option<u32>) -> Option<String> {
    let mut command = tool(&tools.tesseract);
    command
        .arg(image)
        .arg("stdout")
        .args(["--psm", "0", "-l", "osd"]);
    if let Some(dpi) = dpi {
        command.args(["--dpi", &dpi.to_string()]);
    }
    let out = command.stdout(Stdio::piped()).output().ok()?;
    let said = String::from_utf8_lossy(&out.stdout);
    let script = said
        .lines()
        .find_map(|l| l.strip_prefix("Script:"))?
        .trim()
        .to_owned();
    match script.as_str() {
        "Han" => Some("chi_sim+eng".into()),
        "Japanese" | "Hiragana" | "Katakana" => Some("jpn+eng".into()),
        _ => None,
    }
}

/// Common words of the Latin-script languages Hirekey reads besides English.
const STOPWORDS: [(&str, &[&str]); 6] = [
    (
        "deu",
        &[
            "und", "der", "die", "das", "mit", "für", "von", "den", "ist", "nicht", "auf", "im",
            "zu", "bei", "des", "eine", "einer",
        ],
    ),
    (
        "fra",
        &[
            "et", "le", "les", "des", "du", "pour", "avec", "une", "dans", "sur", "aux", "au",
            "est", "d'un", "d'une",
        ],
    ),
    (
        "spa",
        &[
            "y", "el", "los", "las", "del", "para", "con", "una", "por", "como", "al", "es",
        ],
    ),
    (
        "por",
        &[
            "e", "o", "os", "do", "da", "dos", "das", "com", "em", "uma", "não", "na", "no",
        ],
    ),
    (
        "ita",
        &[
            "il", "di", "della", "delle", "per", "che", "nel", "nella", "gli", "dei", "un",
        ],
    ),
    (
        "nld",
        &[
            "het", "een", "van", "voor", "met", "op", "bij", "naar", "zijn", "en", "ik",
        ],
    ),
];
const ENGLISH: &[&str] = &[
    "and", "the", "of", "to", "for", "with", "on", "at", "by", "from", "in", "a",
];

/// The Latin-script language other than English that most of the page's common words are
/// of, if they outnumber English ones.
fn latin_language(text: &str) -> Option<&'static str> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
    let english = count(ENGLISH);
    let (lang, best) = STOPWORDS
        .iter()
        .map(|(lang, list)| (*lang, count(list)))
        .max_by_key(|(_, n)| *n)?;
    (best >= 4 && best > english).then_some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_become_lines_and_paragraphs() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t96.5\tJane\n\
                   5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t91.5\tDoe\n\
                   5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t80\tjane@example.org\n\
                   4\t1\t2\t1\t1\t0\t0\t0\t1\t1\t-1\t\n\
                   5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t-1\t \n\
                   5\t1\t2\t1\t1\t2\t0\t0\t1\t1\t72\tRust\n";
        let page = parse_tsv(tsv);
        assert_eq!(page.text, "Jane Doe\njane@example.org\n\nRust");
        assert_eq!(page.confidences, vec![96.5, 91.5, 80.0, 72.0]);
        assert!((page.mean() - 85.0).abs() < 1e-9);
    }

    #[test]
    fn languages_are_told_by_their_common_words() {
        assert_eq!(
            latin_language("Verantwortlich für die Planung und Umsetzung der Auftragsverwaltung mit Rust und PostgreSQL"),
            Some("deu")
        );
        assert_eq!(
            latin_language("Conception d'un entrepôt de données pour le suivi des livraisons et des équipes avec les analystes"),
            Some("fra")
        );
        assert_eq!(
            latin_language(
                "Led the team of five and shipped the billing service for the company in Rust"
            ),
            None
        );
    }

    #[test]
    fn pages_are_cleaned_in_place() {
        let mut pgm = b"P5\n# pdftoppm\n8 8\n255\n".to_vec();
        let start = pgm.len();
        pgm.extend([200u8; 64]);
        pgm[start + 27] = 20;
        assert_eq!(pgm_header(&pgm), Some((8, 8, start)));
        assert_eq!(pgm_header(b"P6\n4 8\n255\n"), None);
        assert_eq!(pgm_header(b"P5\n4"), None);
        let dir = std::env::temp_dir().join(format!("hirekey-pgm-{}", std::process::id()));
        std::fs::write(&dir, &pgm).unwrap_or_default();
        assert!(clean_page(&dir).is_ok());
        let cleaned = std::fs::read(&dir).unwrap_or_default();
        let _ = std::fs::remove_file(&dir);
        // Paper at 200 of 255 becomes near white; the dark dot stays the darkest, spread.
        assert!(cleaned[start] > 240, "{}", cleaned[start]);
        let darkest = cleaned[start..].iter().copied().min().unwrap_or(255);
        assert_eq!(darkest, cleaned[start + 27]);
        assert!(darkest + 20 < cleaned[start], "{darkest}");
    }

    #[test]
    fn large_pages_are_rendered_smaller_or_refused() {
        assert_eq!(render_dpi((612.0, 792.0)), Ok(RENDER_DPI));
        // A0 at 300 dpi would be 139 MP: lowered to fit 40.
        let a0 = render_dpi((2384.0, 3370.0)).unwrap_or(0);
        assert!((72..RENDER_DPI).contains(&a0), "{a0}");
        assert!(matches!(
            render_dpi((14_400.0, 14_400.0)),
            Err(ExtractError::ImageTooLarge { .. })
        ));
        assert_eq!(render_dpi((0.0, 792.0)), Err(ExtractError::BrokenPdf));
        assert_eq!(
            page_size("Page    1 size:  614.16 x 854.64 pts (A4)"),
            Some((614.16, 854.64))
        );
    }
}
