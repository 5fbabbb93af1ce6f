//! The manifests of the test PDFs: `tests/data/corpus/MANIFEST.tsv` (real-world files) and
//! `tests/data/producers/MANIFEST.tsv` (resumes made by real producers), read by the corpus
//! test (`corpus.rs`) and the extraction bench (`benches/extraction.rs`).

pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/corpus");
/// Resumes made here by real producers (LibreOffice, Chromium, Ghostscript, pdfTeX); see its
/// README.md. Every file is a resume with expected words.
pub const PRODUCED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/producers");
/// One line of MANIFEST.tsv.
pub struct Entry {
    pub file: String,
    pub expect: Vec<String>,
}

pub fn manifest(dir: &str) -> Vec<Entry> {
    let text = std::fs::read_to_string(format!("{dir}/MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (file, expect) = (column("file"), column("expect"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let is_resume = !cols[file].starts_with("h-");
            Entry {
                file: cols[file].to_owned(),
                // For hostile files the column describes the file instead.
                expect: if is_resume {
                    cols[expect]
                        .split(';')
                        .map(str::trim)
                        .filter(|w| !w.is_empty())
                        .map(str::to_owned)
                        .collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// Every run of Unicode whitespace (NBSP included) as one space.
pub fn collapse(text: &str) -> String {
    text.split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
