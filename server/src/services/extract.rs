//! Text from an uploaded resume: PDF (pdf-extract), DOCX (`word/document.xml`) or UTF-8 text,
//! with the guards a hostile or broken file needs.
use std::{
    collections::HashMap,
    io::{Cursor, Read},
    panic::{catch_unwind, AssertUnwindSafe},
    rc::Rc,
    time::Duration,
};

use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::error::ServiceError;

/// pdf-extract can loop on some PDFs; past this the upload is refused (the thread is left to
/// finish on its own, which is why extractions are also bounded in number).
pub const EXTRACT_TIMEOUT: Duration = Duration::from_secs(10);
/// A looping extraction keeps its permit, so a burst of bad PDFs pins at most this many threads.
static EXTRACTIONS: Semaphore = Semaphore::const_new(4);
/// Zip-bomb guard: the most `word/document.xml` may unpack to.
const MAX_DOCX_XML_BYTES: u64 = 32 * 1024 * 1024;
/// Text kept per resume; the original file is stored whole.
pub const MAX_TEXT_CHARS: usize = 200_000;

/// The file formats Hirekey reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Pdf,
    Docx,
    Text,
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
        Err(ExtractError::Unsupported(
            "Upload the resume as a PDF, a .docx or a UTF-8 .txt file".into(),
        ))
    }

    /// The content type stored and served: ours, never the client's claim.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Text => "text/plain; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Text => "txt",
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
    #[error("The PDF has no text layer (it looks like a scan); upload a PDF with selectable text, a .docx or a .txt")]
    NoTextLayer,
    #[error("The PDF is damaged and could not be read")]
    BrokenPdf,
    #[error("The .docx file could not be read: {0}")]
    BrokenDocx(&'static str),
    #[error("The file holds no text")]
    NoText,
    #[error("Reading the file took too long; it may be damaged")]
    TimedOut,
    #[error("Too many files are being read right now; try again in a few seconds")]
    Busy,
}

impl From<ExtractError> for ServiceError {
    fn from(e: ExtractError) -> Self {
        match e {
            ExtractError::Unsupported(_) => ServiceError::UnsupportedMediaType(e.to_string()),
            ExtractError::Busy => ServiceError::TooManyRequests {
                message: e.to_string(),
                retry_after: 5,
            },
            _ => ServiceError::Validation(e.to_string()),
        }
    }
}

/// The file's text, normalised and capped at [`MAX_TEXT_CHARS`]. Parsing runs on a blocking
/// thread, under a timeout, with panics caught: pdf-extract panics on some malformed PDFs.
pub async fn extract_text(kind: DocumentKind, bytes: Bytes) -> Result<String, ExtractError> {
    let permit = tokio::time::timeout(EXTRACT_TIMEOUT, EXTRACTIONS.acquire())
        .await
        .map_err(|_| ExtractError::Busy)?
        .map_err(|_| ExtractError::Busy)?;
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        catch_unwind(AssertUnwindSafe(|| extract_blocking(kind, &bytes)))
    });
    let raw = match tokio::time::timeout(EXTRACT_TIMEOUT, task).await {
        Err(_) => return Err(ExtractError::TimedOut),
        Ok(Err(_)) | Ok(Ok(Err(_))) => {
            tracing::warn!(?kind, "document parser panicked");
            return Err(broken(kind));
        }
        Ok(Ok(Ok(result))) => result?,
    };
    let text = normalise(&raw);
    if !text.chars().any(char::is_alphabetic) {
        return Err(match kind {
            DocumentKind::Pdf => ExtractError::NoTextLayer,
            _ => ExtractError::NoText,
        });
    }
    Ok(text)
}

fn broken(kind: DocumentKind) -> ExtractError {
    match kind {
        DocumentKind::Pdf => ExtractError::BrokenPdf,
        DocumentKind::Docx => ExtractError::BrokenDocx("the file is damaged"),
        DocumentKind::Text => ExtractError::NoText,
    }
}

fn extract_blocking(kind: DocumentKind, bytes: &[u8]) -> Result<String, ExtractError> {
    match kind {
        DocumentKind::Pdf => pdf_text(bytes),
        DocumentKind::Docx => docx_text(bytes),
        DocumentKind::Text => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| ExtractError::Unsupported("The text file is not UTF-8".into()))?;
            Ok(text.trim_start_matches('\u{feff}').to_owned())
        }
    }
}

fn pdf_text(bytes: &[u8]) -> Result<String, ExtractError> {
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
    drop_image_samples(&mut doc);
    check_structure(&doc)?;
    let mut text = String::new();
    pdf_extract::output_doc(&doc, &mut pdf_extract::PlainTextOutput::new(&mut text))
        .map_err(|_| ExtractError::BrokenPdf)?;
    Ok(text)
}

/// pdf-extract runs `Do` on every XObject as if it were a form: it inflates an image and
/// parses its samples as content operators. Samples that happen to read as an operator without
/// its operands make it panic (a resume with a photo on a #778899 backdrop starts with "w", the
/// line-width operator, and was refused as damaged), and every scanned page is inflated for
/// nothing. Images hold no text, so their samples are dropped before extraction.
fn drop_image_samples(doc: &mut pdf_extract::Document) {
    for object in doc.objects.values_mut() {
        let Ok(stream) = object.as_stream_mut() else {
            continue;
        };
        let is_image = stream
            .dict
            .get(b"Subtype")
            .and_then(|subtype| subtype.as_name())
            .is_ok_and(|name| name == b"Image");
        if is_image {
            stream.set_plain_content(Vec::new());
        }
    }
}

/// Form XObjects drawn inside forms deeper than this refuse the PDF (real files nest a few).
const MAX_FORM_DEPTH: usize = 24;
/// Form drawings in the whole document, counting a form drawn by a form drawn n times n times
/// (which grows exponentially with the nesting); past this the PDF is refused.
const MAX_FORM_DRAWS: u64 = 100_000;
/// `/Parent` links above a page.
const MAX_PAGE_TREE_DEPTH: usize = 64;

/// What pdf-extract follows without a limit, checked with one first. It recurses into every
/// XObject a content stream draws (`Do`) and walks `/Parent` links up the page tree for
/// inherited entries: a form that draws itself overflows the blocking thread's stack, which
/// aborts the whole server (there is no panic to catch), and a `/Parent` cycle spins the
/// thread forever (it keeps its extraction permit after the timeout). Both are damaged files.
fn check_structure(doc: &pdf_extract::Document) -> Result<(), ExtractError> {
    let mut forms = FormWalk {
        doc,
        names: HashMap::new(),
        draws: HashMap::new(),
        path: Vec::new(),
    };
    let mut draws: u64 = 0;
    for page_id in doc.page_iter() {
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let mut seen = vec![page_id];
        let mut node = page;
        while let Ok(parent) = node
            .get(b"Parent")
            .and_then(pdf_extract::Object::as_reference)
        {
            if seen.contains(&parent) || seen.len() > MAX_PAGE_TREE_DEPTH {
                return Err(ExtractError::BrokenPdf);
            }
            seen.push(parent);
            let Ok(next) = doc.get_dictionary(parent) else {
                break;
            };
            node = next;
        }
        let Some(resources) = inherited_resources(doc, page) else {
            continue;
        };
        let content = doc.get_page_content(page_id).unwrap_or_default();
        let inner = forms.draws_in(&xobject_names(&content), resources, 0)?;
        draws = draws.saturating_add(inner);
        if draws > MAX_FORM_DRAWS {
            return Err(ExtractError::BrokenPdf);
        }
    }
    Ok(())
}

/// A page's `/Resources`, inherited as pdf-extract looks them up (the `/Parent` chain is
/// known to be finite here).
fn inherited_resources<'a>(
    doc: &'a pdf_extract::Document,
    mut node: &'a pdf_extract::Dictionary,
) -> Option<&'a pdf_extract::Dictionary> {
    for _ in 0..=MAX_PAGE_TREE_DEPTH {
        if let Some(resources) = node.get(b"Resources").ok().and_then(|o| as_dict(doc, o)) {
            return Some(resources);
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn as_dict<'a>(
    doc: &'a pdf_extract::Document,
    object: &'a pdf_extract::Object,
) -> Option<&'a pdf_extract::Dictionary> {
    match object {
        pdf_extract::Object::Reference(id) => doc.get_dictionary(*id).ok(),
        other => other.as_dict().ok(),
    }
}

/// The names in a content stream, each with its number of occurrences.
type NameCounts = Vec<(Vec<u8>, u64)>;

/// The XObjects a content stream can draw, nested, with how often each is drawn.
struct FormWalk<'a> {
    doc: &'a pdf_extract::Document,
    /// Names in each XObject's content, scanned once.
    names: HashMap<pdf_extract::ObjectId, Rc<NameCounts>>,
    /// Drawings inside an XObject with the resources it was drawn with, counted once.
    draws: HashMap<(pdf_extract::ObjectId, usize), u64>,
    /// The XObjects being walked, outermost first.
    path: Vec<pdf_extract::ObjectId>,
}

impl<'a> FormWalk<'a> {
    /// XObject drawings reached from content holding `names`, drawn with `resources`.
    fn draws_in(
        &mut self,
        names: &[(Vec<u8>, u64)],
        resources: &'a pdf_extract::Dictionary,
        depth: usize,
    ) -> Result<u64, ExtractError> {
        let Some(xobjects) = resources
            .get(b"XObject")
            .ok()
            .and_then(|o| as_dict(self.doc, o))
        else {
            return Ok(0);
        };
        let mut total: u64 = 0;
        for (name, count) in names {
            let Ok(id) = xobjects
                .get(name)
                .and_then(pdf_extract::Object::as_reference)
            else {
                continue;
            };
            let Ok(stream) = self
                .doc
                .get_object(id)
                .and_then(pdf_extract::Object::as_stream)
            else {
                continue;
            };
            if depth >= MAX_FORM_DEPTH || self.path.contains(&id) {
                return Err(ExtractError::BrokenPdf);
            }
            // As pdf-extract does: the form's own resources, else the drawing content's.
            let inner_resources = stream
                .dict
                .get(b"Resources")
                .ok()
                .and_then(|o| as_dict(self.doc, o))
                .unwrap_or(resources);
            let key = (id, std::ptr::from_ref(inner_resources) as usize);
            let inner = match self.draws.get(&key) {
                Some(&n) => n,
                None => {
                    let inner_names = self.names_of(id, stream);
                    self.path.push(id);
                    let n = self.draws_in(&inner_names, inner_resources, depth + 1);
                    self.path.pop();
                    let n = n?;
                    self.draws.insert(key, n);
                    n
                }
            };
            total = total.saturating_add(count.saturating_mul(inner.saturating_add(1)));
            if total > MAX_FORM_DRAWS {
                return Err(ExtractError::BrokenPdf);
            }
        }
        Ok(total)
    }

    fn names_of(
        &mut self,
        id: pdf_extract::ObjectId,
        stream: &pdf_extract::Stream,
    ) -> Rc<NameCounts> {
        self.names
            .entry(id)
            .or_insert_with(|| {
                let content = stream
                    .decompressed_content()
                    .unwrap_or_else(|_| stream.content.clone());
                Rc::new(xobject_names(&content))
            })
            .clone()
    }
}

/// Every name in a content stream, decoded as lopdf decodes names (`#xx` escapes), with its
/// number of occurrences: a superset of what `Do` can draw, wherever the name stands.
fn xobject_names(content: &[u8]) -> NameCounts {
    fn hex(c: u8) -> Option<u8> {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    fn regular(c: u8) -> bool {
        !b" \t\n\r\0\x0C()<>[]{}/%".contains(&c)
    }
    let mut counts: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut i = 0;
    while i < content.len() {
        if content[i] != b'/' {
            i += 1;
            continue;
        }
        i += 1;
        let mut name = Vec::new();
        while i < content.len() {
            let c = content[i];
            if c == b'#' {
                let digits = content
                    .get(i + 1)
                    .copied()
                    .and_then(hex)
                    .zip(content.get(i + 2).copied().and_then(hex));
                let Some((high, low)) = digits else {
                    break;
                };
                name.push(high << 4 | low);
                i += 3;
            } else if regular(c) {
                name.push(c);
                i += 1;
            } else {
                break;
            }
        }
        *counts.entry(name).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn docx_text(bytes: &[u8]) -> Result<String, ExtractError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| ExtractError::BrokenDocx("it is not a valid .docx (zip) file"))?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| ExtractError::BrokenDocx("it has no word/document.xml"))?;
    if entry.size() > MAX_DOCX_XML_BYTES {
        return Err(ExtractError::BrokenDocx("it unpacks to too much data"));
    }
    // The declared size can lie; the read is capped as well.
    let mut xml = Vec::new();
    entry
        .take(MAX_DOCX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|_| ExtractError::BrokenDocx("the file is damaged"))?;
    if xml.len() as u64 > MAX_DOCX_XML_BYTES {
        return Err(ExtractError::BrokenDocx("it unpacks to too much data"));
    }
    let xml = String::from_utf8(xml)
        .map_err(|_| ExtractError::BrokenDocx("word/document.xml is not UTF-8"))?;
    Ok(docx_xml_text(&xml))
}

/// The text of a WordprocessingML body: `<w:t>` runs, `<w:p>` paragraphs as lines, tabs and
/// breaks kept. A tokenizer is enough: the text we want never contains `<`.
pub fn docx_xml_text(xml: &str) -> String {
    let mut out = String::new();
    let mut in_text = false;
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        if in_text {
            out.push_str(&unescape_xml(&rest[..open]));
        }
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        let self_closing = tag.ends_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        let closing = tag.starts_with('/');
        match name {
            "w:t" => in_text = !closing && !self_closing,
            "w:p" if closing || self_closing => out.push('\n'),
            "w:tab" if !closing => out.push('\t'),
            "w:br" | "w:cr" if !closing => out.push('\n'),
            _ => {}
        }
    }
    out
}

fn unescape_xml(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&i| i <= 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Unix line ends, no control characters (PostgreSQL text cannot hold NUL), at most one blank
/// line in a row, trimmed lines, capped length.
pub fn normalise(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len().min(MAX_TEXT_CHARS * 4));
    let mut blank_run = 0;
    let mut chars = 0;
    for line in raw.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        let line: String = line
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect();
        let line = line.trim();
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut names = xobject_names(b"q /Fm1 Do Q /F#6d1 Do (/Im0) [/Fm1]/Bad#z 1 Tf /#41#42");
        names.sort();
        let names: Vec<(&[u8], u64)> = names.iter().map(|(n, c)| (n.as_slice(), *c)).collect();
        assert_eq!(
            names,
            [(&b"AB"[..], 1), (b"Bad", 1), (b"Fm1", 3), (b"Im0", 1)]
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

    #[tokio::test]
    async fn broken_and_hostile_files_are_refused() -> anyhow::Result<()> {
        let garbage = Bytes::from_static(b"%PDF-1.4\n\x00\x01garbage garbage");
        assert_eq!(
            extract_text(DocumentKind::Pdf, garbage).await,
            Err(ExtractError::BrokenPdf)
        );
        let not_zip = Bytes::from_static(b"PK\x03\x04 not really a zip");
        assert!(matches!(
            extract_text(DocumentKind::Docx, not_zip).await,
            Err(ExtractError::BrokenDocx(_))
        ));
        // A zip bomb: a small archive whose document.xml unpacks past the cap.
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(true);
            zip.start_file("word/document.xml", options)?;
            let chunk = vec![b' '; 1024 * 1024];
            for _ in 0..=MAX_DOCX_XML_BYTES / (1024 * 1024) {
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
            extract_text(DocumentKind::Docx, Bytes::from(bomb)).await,
            Err(ExtractError::BrokenDocx("it unpacks to too much data"))
        );
        assert_eq!(
            extract_text(DocumentKind::Text, Bytes::from_static(b" 123 \n 456 ")).await,
            Err(ExtractError::NoText)
        );
        Ok(())
    }
}
