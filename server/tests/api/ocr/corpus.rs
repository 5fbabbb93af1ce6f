//! Word recall of OCR on the scanned corpus (`tests/data/scanned/`, made by
//! `scripts/fixtures/scan.py` from the real-world resumes and the producers' fixtures): each
//! scan is read through the OCR worker as an upload's job reads it, and compared with the
//! original's text layer as poppler's `pdftotext` reads it. Each file has a floor, set from the
//! measurement a few points under it, so a regression shows; the English files together must
//! keep 95 %; each file's name and e-mail (where the original has one) must be read.
use std::collections::HashMap;
use std::time::Instant;

use bytes::Bytes;
use hirekey_core::services::extract;
use unicode_normalization::UnicodeNormalization;

use crate::manifest::{manifest, CORPUS, PRODUCED};

pub const SCANNED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/scanned");

/// (scanned file, language, floor of word recall in %): three points under what was measured
/// (the README's "Scanned resumes" table; Tesseract reads the same page the same way each run,
/// one thread each).
const FLOORS: &[(&str, &str, f64)] = &[
    ("s-r-awesome-cv-resume.pdf", "eng", 92.0),
    ("s-r-sb2nov-resume.pdf", "eng", 96.0),
    ("s-r-sb2nov-resume.jpg", "eng", 96.0),
    ("s-r-altacv-twocol.pdf", "eng", 80.0),
    ("s-r-openresume-reactpdf.pdf", "eng", 96.0),
    ("s-r-openresume-reactpdf.png", "eng", 96.0),
    ("s-r-laverne-word-quartz.pdf", "eng", 96.0),
    ("s-r-reactive-resume-azurill.pdf", "eng", 94.0),
    ("s-r-best-resume-ever-sidebar.pdf", "eng", 74.0),
    ("s-r-billryan-zh.pdf", "chi_sim", 93.0),
    ("s-p-chromium-twocol.pdf", "eng", 88.0),
    ("s-p-chromium-twocol.png", "eng", 82.0),
    ("s-p-libreoffice-writer.pdf", "eng", 91.0),
    ("s-p-enscript-gs.pdf", "eng", 97.0),
    ("s-p-enscript-gs.jpg", "eng", 97.0),
    ("s-p-ghostscript-ps.pdf", "eng", 97.0),
    ("phone-p-ghostscript-ps.jpg", "eng", 97.0),
    ("s-p-pdftex-article.pdf", "eng", 97.0),
    ("s-p-ghostscript-fakebold-cjk.pdf", "chi_sim", 95.0),
    ("s-p-ghostscript-private-use.pdf", "eng", 94.0),
    ("s-p-chromium-de.pdf", "deu", 96.0),
    ("s-p-chromium-fr.pdf", "fra", 97.0),
    ("s-p-chromium-es.pdf", "spa", 97.0),
];
/// The English files together.
const ENGLISH_FLOOR: f64 = 95.0;

/// Whether OCR can run here; in CI it must.
pub fn ocr_here() -> bool {
    extract::set_worker_path(env!("CARGO_BIN_EXE_hirekey"));
    let here = extract::ocr_worker::available();
    if !here {
        assert!(
            std::env::var("CI").is_err(),
            "OCR (tesseract, pdftoppm, pdfinfo) must be installed in CI: make setup-test"
        );
        eprintln!("tesseract or poppler-utils is not installed; skipping the OCR test");
    }
    here
}

/// Words as recall counts them: NFKC, lower case, runs of letters and digits; each CJK
/// character is a word of its own (Tesseract puts spaces between them, the text layer none).
pub fn words(text: &str) -> Vec<String> {
    let text: String = text.nfkc().collect::<String>().to_lowercase();
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    join_spaced(out)
}

/// Runs of single letters or digits joined into one word: a text layer that spaces out a
/// heading or a postcode (`K A T H E R I N E`, `5 0 6 6 7`) has the words OCR reads whole.
fn join_spaced(words: Vec<String>) -> Vec<String> {
    let single = |w: &str| w.chars().count() == 1 && w.chars().all(|c| c.is_ascii_alphanumeric());
    let mut out: Vec<String> = Vec::new();
    let mut run = String::new();
    for w in words {
        if single(&w) {
            run.push_str(&w);
            continue;
        }
        if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
        out.push(w);
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// The share of the truth's words (counted with repeats) that the reading has.
pub fn recall(truth: &str, read: &str) -> (f64, usize, usize) {
    let mut have: HashMap<String, usize> = HashMap::new();
    for w in words(read) {
        *have.entry(w).or_default() += 1;
    }
    let (mut total, mut found) = (0, 0);
    for w in words(truth) {
        total += 1;
        if let Some(n) = have.get_mut(&w).filter(|n| **n > 0) {
            *n -= 1;
            found += 1;
        }
    }
    let share = if total == 0 {
        100.0
    } else {
        100.0 * found as f64 / total as f64
    };
    (share, found, total)
}

/// Lower case with every space taken out: how an e-mail is looked for.
fn squeezed(text: &str) -> String {
    text.nfkc()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

/// [`squeezed`] without accents: how a name is looked for (a search finds `Jürgen` from
/// `Jurgen` only so; OCR misreads an accent on a large heading letter now and then).
fn folded(text: &str) -> String {
    squeezed(text)
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .collect()
}

/// The original's text layer as poppler's `pdftotext` reads it: the reference reader (it finds
/// every expected word of the corpus's manifests), so a word missing from OCR's reading is
/// OCR's, not a text-layer reader's.
fn text_layer(pdf: &str) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", pdf, "-"])
        .output()
        .unwrap_or_else(|e| panic!("pdftotext {pdf}: {e}"));
    assert!(out.status.success(), "pdftotext {pdf}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The original a scanned file was made from, and the name its manifest expects first.
fn original(scanned: &str) -> (String, String) {
    let stem = scanned
        .trim_start_matches("phone-")
        .trim_start_matches("s-")
        .rsplit_once('.')
        .map_or(scanned, |(s, _)| s)
        .to_owned();
    let file = format!("{stem}.pdf");
    for dir in [CORPUS, PRODUCED] {
        if let Some(entry) = manifest(dir).into_iter().find(|e| e.file == file) {
            let name = entry.expect.first().cloned().unwrap_or_default();
            return (format!("{dir}/{file}"), name);
        }
    }
    panic!("{scanned}: no original {file} in the corpus or the producers' manifests");
}

#[tokio::test]
async fn scanned_corpus_keeps_its_floors() {
    if !ocr_here() {
        return;
    }
    let mut files: Vec<String> = std::fs::read_dir(SCANNED)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // The poor scan and the injection have tests of their own (`mod.rs`).
        .filter(|n| !n.starts_with("poor-") && !n.starts_with("injection-"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut by_language: HashMap<&str, (usize, usize)> = HashMap::new();
    eprintln!("| file | language | words | recall | floor | confidence | pages | seconds |");
    for file in &files {
        let Some(&(_, language, floor)) = FLOORS.iter().find(|(f, ..)| f == file) else {
            failures.push(format!("{file}: no floor in FLOORS"));
            continue;
        };
        let (original, name) = original(file);
        let truth = text_layer(&original);
        let bytes = Bytes::from(std::fs::read(format!("{SCANNED}/{file}")).unwrap());
        let started = Instant::now();
        let reading = match extract::read_scan(bytes, |_, _| {}).await {
            Ok(reading) => reading,
            Err(e) => {
                failures.push(format!("{file}: not read: {e}"));
                continue;
            }
        };
        let seconds = started.elapsed().as_secs_f64();
        let (share, found, total) = recall(&truth, &reading.text);
        eprintln!(
            "| {file} | {language} | {total} | {share:.1} % | {floor:.0} % | {:.0} | {} | {seconds:.1} |",
            reading.confidence, reading.pages
        );
        let tally = by_language.entry(language).or_default();
        tally.0 += found;
        tally.1 += total;
        if share < floor {
            failures.push(format!(
                "{file}: recall {share:.1} % under its floor {floor} %"
            ));
        }
        let read = squeezed(&reading.text);
        if !folded(&reading.text).contains(&folded(&name)) {
            failures.push(format!("{file}: the name {name:?} was not read"));
        }
        if let Some(email) = hirekey_core::services::resumes::find_email(&truth) {
            if !read.contains(&squeezed(&email)) {
                failures.push(format!("{file}: the e-mail {email} was not read"));
            }
        }
    }
    let mut languages: Vec<_> = by_language.into_iter().collect();
    languages.sort();
    for (language, (found, total)) in &languages {
        eprintln!(
            "{language}: {:.1} % of {total} words",
            100.0 * *found as f64 / (*total).max(1) as f64
        );
    }
    if let Some((_, (found, total))) = languages.iter().find(|(l, _)| *l == "eng") {
        let share = 100.0 * *found as f64 / (*total).max(1) as f64;
        if share < ENGLISH_FLOOR {
            failures.push(format!(
                "the English files together read {share:.1} % of their words, under {ENGLISH_FLOOR} %"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn recall_counts_repeats_and_cjk_characters() {
    assert_eq!(
        words("Jane DOE, jane@example.org"),
        ["jane", "doe", "jane", "example", "org"]
    );
    assert_eq!(words("北京大学 CS"), ["北", "京", "大", "学", "cs"]);
    assert_eq!(
        words("K A T H E R I N E  Köln 5 0 6 6 7"),
        ["katherine", "köln", "50667"]
    );
    let (share, found, total) = recall("rust rust go", "Rust go");
    assert_eq!((found, total), (2, 3));
    assert!((share - 66.666).abs() < 0.01);
}
