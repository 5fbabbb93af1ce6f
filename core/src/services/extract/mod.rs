//! Text from an uploaded resume: PDF (pdf-extract, then pdf_oxide when pdf-extract's reading
//! fails or is implausibly short), DOCX (`word/document.xml`) or UTF-8 text, with the guards a
//! hostile or broken file needs.
//!
//! Scans (a PDF with no text layer, or a JPEG, PNG or TIFF image) are read by OCR, later, on
//! the analysis job (`ocr`, `ocr_worker`); [`read_upload`] says which an upload is.
//!
//! PDF and DOCX files are parsed in a worker process (`worker`: the `hirekey` binary's hidden
//! `extract` subcommand) under hard limits on memory, CPU and wall-clock time, so a file that
//! overflows the parser's stack, inflates without end or loops costs its own upload and nothing
//! else. Plain text is read in-process. `extract_in_process` is what the worker runs.
mod docx;
mod hidden;
pub mod image;
mod injection;
mod intake;
mod normalise;
mod ocr;
pub mod ocr_worker;
mod pdf;
mod pdf_checks;
mod sandbox;
pub mod worker;

pub use injection::addresses_the_model;

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    time::Duration,
};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ServiceError;

pub use self::docx::docx_xml_text;
pub use self::image::{ImageFormat, MAX_MEGAPIXELS, MAX_OCR_PAGES};
pub use self::intake::{read_upload, Reading, OCR_BELOW_LETTERS_PER_PAGE};
#[cfg(test)]
use self::normalise::join_letter_spacing;
pub use self::normalise::normalise;
pub use self::ocr_worker::{read_scan, OcrReading};
pub use self::worker::{
    max_concurrent_extractions, max_extractions_per_user, set_worker_path, worker_path,
};

/// Wall-clock time one extraction may take in its worker; then the worker is killed (SIGKILL)
/// and the upload refused with [`ExtractError::TimedOut`]. A resume takes milliseconds.
pub const EXTRACT_TIMEOUT: Duration = Duration::from_secs(4);
/// How long an upload waits for a free worker slot before it is answered
/// [`ExtractError::Busy`] (429 with `Retry-After`).
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);
/// Text kept per resume; the original file is stored whole.
pub const MAX_TEXT_CHARS: usize = 200_000;

/// The file formats Hirekey reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Pdf,
    Docx,
    Text,
    /// A photo or scan, read by OCR.
    Image(ImageFormat),
}

impl DocumentKind {
    /// Decided by the bytes for PDFs (whatever the name or claimed type says), and by the name
    /// or content type, checked against the bytes, for .docx and .txt.
    pub fn detect(file_name: &str, content_type: &str, bytes: &[u8]) -> Result<Self, ExtractError> {
        if bytes.is_empty() {
            return Err(ExtractError::Empty);
        }
        if bytes.starts_with(b"%PDF-") {
            return Ok(Self::Pdf);
        }
        if let Some(image) = image::sniff(bytes) {
            return image.map(Self::Image);
        }
        let name = file_name.to_ascii_lowercase();
        let mime = content_type.to_ascii_lowercase();
        if name.ends_with(".pdf") {
            return Err(ExtractError::Unsupported(
                "The file is named .pdf but is not a PDF (it does not start with %PDF-)".into(),
            ));
        }
        if name.ends_with(".docx") || mime.starts_with(Self::Docx.content_type()) {
            return if bytes.starts_with(b"PK\x03\x04") {
                Ok(Self::Docx)
            } else {
                Err(ExtractError::Unsupported(
                    "The file is named .docx but is not a Word document".into(),
                ))
            };
        }
        if name.ends_with(".txt") || mime.starts_with("text/plain") {
            return if std::str::from_utf8(bytes).is_ok() {
                Ok(Self::Text)
            } else {
                Err(ExtractError::Unsupported(
                    "The text file is not UTF-8; save it as UTF-8 or upload a PDF".into(),
                ))
            };
        }
        if mime.contains("pdf") {
            return Err(ExtractError::Unsupported(
                "The file is sent as a PDF but is not one (it does not start with %PDF-)".into(),
            ));
        }
        if [".jpg", ".jpeg", ".png", ".tif", ".tiff"]
            .iter()
            .any(|ext| name.ends_with(ext))
            || mime.starts_with("image/")
        {
            return Err(ExtractError::Unsupported(
                "The file is named or sent as an image but is not a JPEG, PNG or TIFF".into(),
            ));
        }
        Err(ExtractError::Unsupported(
            "Upload the resume as a PDF, a .docx, a UTF-8 .txt file, or a JPEG, PNG or TIFF \
             scan or photo"
                .into(),
        ))
    }

    /// The content type stored and served: ours, never the client's claim.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Text => "text/plain; charset=utf-8",
            Self::Image(format) => format.content_type(),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Text => "txt",
            Self::Image(format) => format.extension(),
        }
    }
}
/// Why a file could not be read. Messages say which problem it is, for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("{0}")]
    Unsupported(String),
    #[error("The file is empty")]
    Empty,
    #[error("The PDF is encrypted (password-protected); upload a copy without a password")]
    Encrypted,
    #[error("The PDF has no text layer (it looks like a scan) and this server cannot read scans; upload a PDF with selectable text, a .docx or a .txt")]
    NoTextLayer,
    #[error("The PDF is damaged and could not be read")]
    BrokenPdf,
    #[error("The .docx file could not be read: {0}")]
    BrokenDocx(&'static str),
    #[error("The file holds no text")]
    NoText,
    #[error("The image is damaged and could not be read")]
    BrokenImage,
    #[error("The image is {width} × {height} pixels; Hirekey reads images of up to 40 megapixels. Send a smaller photo, or scan at 300 dpi")]
    ImageTooLarge { width: u32, height: u32 },
    #[error("The scan has more than 5 pages; Hirekey reads scanned resumes of up to 5 pages. Send the resume's own pages, or a PDF with selectable text")]
    TooManyPages,
    #[error("Reading the file took too long; it may be damaged")]
    TimedOut,
    #[error("Too many files are being read right now; try again in a few seconds")]
    Busy,
    /// The worker process could not be started (no `hirekey` binary found, or the system
    /// refused a new process): our fault, not the file's.
    #[error("Files cannot be read right now; try again later")]
    WorkerUnavailable,
}

impl From<ExtractError> for ServiceError {
    fn from(e: ExtractError) -> Self {
        match e {
            ExtractError::Unsupported(_) => ServiceError::UnsupportedMediaType(e.to_string()),
            ExtractError::Busy => ServiceError::TooManyRequests {
                message: e.to_string(),
                retry_after: 5,
            },
            ExtractError::WorkerUnavailable => {
                ServiceError::Internal(anyhow::anyhow!("the extraction worker could not start"))
            }
            _ => ServiceError::Validation(e.to_string()),
        }
    }
}

/// The engine that read a resume's text, recorded with it (`resumes.text_engine`).
///
/// PDFs are read by pdf-extract first. When that fails or gives implausibly little text for the
/// page count (under [`MIN_LETTERS_PER_PAGE`] letters and digits a page), pdf_oxide reads the
/// file too, in a worker of its own, and its text is kept when it has at least
/// [`FALLBACK_MARGIN`] times as many letters and digits. Measured on the real-world corpus
/// (README, "Resume files"): pdf-extract keeps letter-spaced words and reading order better;
/// pdf_oxide reads the Type 1C, unembedded base-14 and CJK fonts pdf-extract drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Engine {
    #[serde(rename = "pdf-extract")]
    PdfExtract,
    #[serde(rename = "pdf_oxide")]
    PdfOxide,
    #[serde(rename = "docx")]
    Docx,
    #[serde(rename = "text")]
    Text,
    /// Tesseract, on a scan (`ocr`).
    #[serde(rename = "ocr")]
    Ocr,
}

impl Engine {
    pub const PDF: [Engine; 2] = [Engine::PdfExtract, Engine::PdfOxide];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PdfExtract => "pdf-extract",
            Self::PdfOxide => "pdf_oxide",
            Self::Docx => "docx",
            Self::Text => "text",
            Self::Ocr => "ocr",
        }
    }

    /// The engine that reads `kind` first.
    pub fn primary(kind: DocumentKind) -> Self {
        match kind {
            DocumentKind::Pdf => Self::PdfExtract,
            DocumentKind::Docx => Self::Docx,
            DocumentKind::Text => Self::Text,
            DocumentKind::Image(_) => Self::Ocr,
        }
    }
}

/// Below this many letters and digits a page, pdf-extract's reading of a PDF is implausibly
/// short and pdf_oxide reads it too. A resume page has 1,500 to 4,000; pdf-extract's reading
/// of a Type 1C font (Ghostscript's) keeps only its first line, a few dozen.
pub const MIN_LETTERS_PER_PAGE: usize = 1_000;
/// How much more text pdf_oxide must find to be kept over pdf-extract: its reading of ordinary
/// files adds link targets and icon names (a tenth more), which must not win.
pub const FALLBACK_MARGIN: f64 = 1.5;

/// What reading a file found: the text a reader sees (normalised, capped at
/// [`MAX_TEXT_CHARS`]) and the runs of text a reader cannot see, which are kept out of `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    pub text: String,
    pub hidden: Vec<String>,
    pub engine: Engine,
    /// Pages of a PDF; 0 for other files.
    pub pages: u32,
    /// A PDF's images the size of a scanned page; 0 for other files.
    pub scan_images: u32,
}

impl Extracted {
    fn letters(&self) -> usize {
        self.text.chars().filter(|c| c.is_alphanumeric()).count()
    }
}

/// The file's text and hidden runs. PDF and DOCX files are parsed in a worker process under
/// hard limits (`worker`), at most [`max_concurrent_extractions`] at once; plain text on a
/// blocking thread. Nothing here blocks a runtime thread.
pub async fn extract_document(kind: DocumentKind, bytes: Bytes) -> Result<Extracted, ExtractError> {
    read_document(None, kind, bytes).await
}

/// [`extract_document`] for an upload of `owner`: its workers count in the user's share, at
/// most [`max_extractions_per_user`] at once.
pub async fn extract_upload(
    owner: Uuid,
    kind: DocumentKind,
    bytes: Bytes,
) -> Result<Extracted, ExtractError> {
    read_document(Some(owner), kind, bytes).await
}

async fn read_document(
    owner: Option<Uuid>,
    kind: DocumentKind,
    bytes: Bytes,
) -> Result<Extracted, ExtractError> {
    match kind {
        DocumentKind::Pdf => {
            let primary = worker::extract(owner, kind, Engine::PdfExtract, bytes.clone()).await;
            if !fallback_worth_trying(&primary) {
                return primary;
            }
            let second = worker::extract(owner, kind, Engine::PdfOxide, bytes).await;
            choose(primary, second)
        }
        DocumentKind::Docx => worker::extract(owner, kind, Engine::Docx, bytes).await,
        DocumentKind::Text => {
            tokio::task::spawn_blocking(move || extract_parts(kind, Engine::Text, &bytes))
                .await
                .unwrap_or(Err(ExtractError::NoText))
        }
        // Read by OCR on the analysis job (`read_upload`), never here.
        DocumentKind::Image(_) => Err(ExtractError::NoText),
    }
}

/// One engine's reading through a worker, without the fallback (the extraction bench).
pub async fn extract_with(
    kind: DocumentKind,
    engine: Engine,
    bytes: Bytes,
) -> Result<Extracted, ExtractError> {
    match kind {
        DocumentKind::Text => extract_document(kind, bytes).await,
        _ => worker::extract(None, kind, engine, bytes).await,
    }
}

/// Whether pdf-extract's reading of a PDF calls for pdf_oxide's: it failed in a way another
/// engine may not (damaged content, no text found), or it is implausibly short. Not for a
/// timeout (a bomb would cost its deadline twice), an encrypted file or a full queue.
fn fallback_worth_trying(primary: &Result<Extracted, ExtractError>) -> bool {
    match primary {
        Ok(read) => {
            read.letters() < MIN_LETTERS_PER_PAGE.saturating_mul(read.pages.max(1) as usize)
        }
        Err(e) => matches!(e, ExtractError::BrokenPdf | ExtractError::NoTextLayer),
    }
}

/// The better of two readings: the fallback's only when it has [`FALLBACK_MARGIN`] times the
/// text, or when the primary failed.
fn choose(
    primary: Result<Extracted, ExtractError>,
    second: Result<Extracted, ExtractError>,
) -> Result<Extracted, ExtractError> {
    match (primary, second) {
        (Ok(first), Ok(second)) => {
            if second.letters() as f64 >= first.letters() as f64 * FALLBACK_MARGIN {
                Ok(second)
            } else {
                Ok(first)
            }
        }
        (Err(_), Ok(second)) => Ok(second),
        (primary, Err(_)) => primary,
    }
}

/// [`extract_document`]'s text alone.
pub async fn extract_text(kind: DocumentKind, bytes: Bytes) -> Result<String, ExtractError> {
    extract_document(kind, bytes).await.map(|e| e.text)
}

/// The whole extraction in this process, without limits: parse, normalise, check there is
/// text. What the worker process runs (with panics caught); also used by the extraction bench
/// for comparison and by the fuzz target. Never call it on an upload in the server process.
pub fn extract_in_process(kind: DocumentKind, bytes: &[u8]) -> Result<String, ExtractError> {
    extract_parts(kind, Engine::primary(kind), bytes).map(|e| e.text)
}

/// [`extract_in_process`] with `engine`, keeping the hidden runs.
pub fn extract_parts(
    kind: DocumentKind,
    engine: Engine,
    bytes: &[u8],
) -> Result<Extracted, ExtractError> {
    let (raw, hidden, pages, scan_images) =
        match catch_unwind(AssertUnwindSafe(|| parse(kind, engine, bytes))) {
            Ok(result) => result?,
            // The PDF engines panic on some malformed PDFs.
            Err(_) => return Err(broken(kind)),
        };
    let text = normalise(&raw);
    if !text.chars().any(char::is_alphabetic) {
        return Err(match kind {
            DocumentKind::Pdf => ExtractError::NoTextLayer,
            _ => ExtractError::NoText,
        });
    }
    Ok(Extracted {
        text,
        hidden,
        engine,
        pages,
        scan_images,
    })
}

/// What a parser that crashed or gave up means for the user.
fn broken(kind: DocumentKind) -> ExtractError {
    match kind {
        DocumentKind::Pdf => ExtractError::BrokenPdf,
        DocumentKind::Docx => ExtractError::BrokenDocx(docx::DAMAGED),
        DocumentKind::Text => ExtractError::NoText,
        DocumentKind::Image(_) => ExtractError::BrokenImage,
    }
}

/// The raw text, for PDFs the hidden runs already taken out of it, and the page count.
fn parse(
    kind: DocumentKind,
    engine: Engine,
    bytes: &[u8],
) -> Result<(String, Vec<String>, u32, u32), ExtractError> {
    match kind {
        DocumentKind::Pdf => {
            pdf::pdf_text(bytes, engine).map(|t| (t.text, t.hidden, t.pages, t.scan_images))
        }
        DocumentKind::Docx => docx::docx_text(bytes).map(|text| (text, Vec::new(), 0, 0)),
        DocumentKind::Text => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| ExtractError::Unsupported("The text file is not UTF-8".into()))?;
            Ok((
                text.trim_start_matches('\u{feff}').to_owned(),
                Vec::new(),
                0,
                0,
            ))
        }
        DocumentKind::Image(_) => Err(ExtractError::NoText),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_spaced_words_are_joined() {
        assert_eq!(join_letter_spacing("J O H N   D O E"), "JOHN DOE");
        assert_eq!(
            join_letter_spacing("K A T H E R I N E  J O H N S O N"),
            "KATHERINE JOHNSON"
        );
        assert_eq!(join_letter_spacing("1 9 5 3"), "1953");
        assert_eq!(join_letter_spacing("N e w   Yo r k"), "New York");
        for ordinary in [
            "Skills: R, C, Go",
            "A B testing at scale",
            "C C++ Go",
            "I am",
            "Go  Rust",
        ] {
            assert_eq!(join_letter_spacing(ordinary), ordinary);
        }
    }

    #[test]
    fn ligatures_and_odd_spaces_become_plain_text() {
        assert_eq!(
            normalise("Staﬀ engineer, eﬃcient ﬂight\u{a0}plans\tand\u{2009}oﬄine ﬁles"),
            "Staff engineer, efficient flight plans and offline files"
        );
    }

    #[test]
    fn the_fallback_needs_much_more_text_to_win() {
        let read = |engine, text: &str, pages| Extracted {
            text: text.to_owned(),
            hidden: Vec::new(),
            engine,
            pages,
            scan_images: 0,
        };
        let first = read(Engine::PdfExtract, "NAME: Grace Hopper", 1);
        assert!(fallback_worth_trying(&Ok(first.clone())));
        let fuller = read(Engine::PdfOxide, &"Grace Hopper, COBOL ".repeat(20), 1);
        assert_eq!(
            choose(Ok(first.clone()), Ok(fuller.clone())),
            Ok(fuller.clone())
        );
        // A tenth more (link targets, icon names) is not enough.
        let page = "Rust PostgreSQL ".repeat(80);
        let rich = read(Engine::PdfExtract, &page, 1);
        assert!(!fallback_worth_trying(&Ok(rich.clone())));
        let slightly_more = read(Engine::PdfOxide, &format!("{page}{}", &page[..120]), 1);
        assert_eq!(choose(Ok(rich.clone()), Ok(slightly_more)), Ok(rich));
        assert_eq!(
            choose(Err(ExtractError::BrokenPdf), Ok(fuller.clone())),
            Ok(fuller)
        );
        assert_eq!(
            choose(Ok(first.clone()), Err(ExtractError::BrokenPdf)),
            Ok(first)
        );
        for no in [
            ExtractError::TimedOut,
            ExtractError::Encrypted,
            ExtractError::Busy,
        ] {
            assert!(!fallback_worth_trying(&Err(no)));
        }
        assert!(fallback_worth_trying(&Err(ExtractError::NoTextLayer)));
    }

    #[test]
    fn detection_trusts_bytes_for_pdfs() {
        assert_eq!(
            DocumentKind::detect("cv.bin", "application/octet-stream", b"%PDF-1.4\n"),
            Ok(DocumentKind::Pdf)
        );
        for mime in ["application/pdf", "text/plain"] {
            assert!(matches!(
                DocumentKind::detect("resume.pdf", mime, b"<html>hi</html>"),
                Err(ExtractError::Unsupported(_))
            ));
        }
        assert!(matches!(
            DocumentKind::detect("resume.docx", "", b"%PDX"),
            Err(ExtractError::Unsupported(_))
        ));
        assert_eq!(
            DocumentKind::detect("cv.txt", "", "Jane Dø".as_bytes()),
            Ok(DocumentKind::Text)
        );
        assert!(matches!(
            DocumentKind::detect("cv.txt", "", b"\xff\xfe\x00J"),
            Err(ExtractError::Unsupported(_))
        ));
        assert!(matches!(
            DocumentKind::detect("cv.exe", "", b"MZ"),
            Err(ExtractError::Unsupported(_))
        ));
        assert_eq!(
            DocumentKind::detect("cv.pdf", "", b""),
            Err(ExtractError::Empty)
        );
    }

    #[test]
    fn docx_xml_runs_and_paragraphs() {
        let xml = r#"<?xml version="1.0"?><w:document><w:body><w:tbl/><w:p><w:r><w:t>Jane</w:t></w:r><w:r><w:t xml:space="preserve"> Doe &amp; Co</w:t></w:r></w:p><w:p><w:r><w:t>Skills:</w:t><w:tab/><w:t>Rust</w:t><w:br/><w:t>&#x41;&#66;&bogus;</w:t></w:r></w:p><w:p/></w:body></w:document>"#;
        assert_eq!(
            docx_xml_text(xml),
            "Jane Doe & Co\nSkills:\tRust\nAB&bogus;\n\n"
        );
    }

    #[test]
    fn content_names_are_decoded_and_counted() {
        let mut names =
            pdf_checks::xobject_names(b"q /Fm1 Do Q /F#6d1 Do (/Im0) [/Fm1]/Bad#z 1 Tf /#41#42");
        names.sort();
        let names: Vec<(&[u8], u64)> = names.iter().map(|(n, c)| (n.as_slice(), *c)).collect();
        assert_eq!(
            names,
            [(&b"AB"[..], 1), (b"Bad", 1), (b"Fm1", 3), (b"Im0", 1)]
        );
    }

    #[test]
    fn private_use_characters_are_mapped_or_dropped() {
        assert_eq!(
            normalise(
                "A\u{f764}\u{f761} L\u{f76f}\u{f776}\u{f765} \u{f731}\u{f739}\u{f735}\u{f733}"
            ),
            "Ada Love 1953"
        );
        assert_eq!(
            normalise("\u{f0e0} ada@example.org \u{e000}\u{f8ff}\u{f0000}\u{10fffd}x"),
            "ada@example.org x"
        );
    }

    #[test]
    fn normalising_strips_controls_and_caps() {
        assert_eq!(
            normalise("\r\n  Jane\u{0}  \r\n\r\n\r\n\tRust\x07\n\n"),
            "Jane\n\nRust"
        );
        let long = "a".repeat(MAX_TEXT_CHARS + 50);
        assert_eq!(normalise(&long).chars().count(), MAX_TEXT_CHARS);
    }

    /// What the worker runs (the worker itself is tested through the API, `tests/api/`).
    #[test]
    fn broken_and_hostile_files_are_refused() -> anyhow::Result<()> {
        let garbage = b"%PDF-1.4\n\x00\x01garbage garbage";
        assert_eq!(
            extract_in_process(DocumentKind::Pdf, garbage),
            Err(ExtractError::BrokenPdf)
        );
        let not_zip = b"PK\x03\x04 not really a zip";
        assert!(matches!(
            extract_in_process(DocumentKind::Docx, not_zip),
            Err(ExtractError::BrokenDocx(_))
        ));
        // A zip bomb: a small archive whose document.xml unpacks past the cap.
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(true);
            zip.start_file("word/document.xml", options)?;
            let chunk = vec![b' '; 1024 * 1024];
            for _ in 0..=docx::MAX_DOCX_XML_BYTES / (1024 * 1024) {
                std::io::Write::write_all(&mut zip, &chunk)?;
            }
            zip.finish()?;
        }
        let bomb = buf.into_inner();
        assert!(
            bomb.len() < 1024 * 1024,
            "the bomb is small: {}",
            bomb.len()
        );
        assert_eq!(
            extract_in_process(DocumentKind::Docx, &bomb),
            Err(ExtractError::BrokenDocx("it unpacks to too much data"))
        );
        assert_eq!(
            extract_in_process(DocumentKind::Text, b" 123 \n 456 "),
            Err(ExtractError::NoText)
        );
        Ok(())
    }
}
