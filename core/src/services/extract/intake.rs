//! What an upload is, read at once: text (a PDF, a .docx or a .txt, through the workers), or a
//! scan that OCR reads later on the analysis job (an image, or a PDF whose text layer is empty
//! or implausibly short).
use bytes::Bytes;
use uuid::Uuid;

use super::{
    extract_upload, image, ocr_worker, DocumentKind, ExtractError, Extracted, MAX_OCR_PAGES,
};

/// Below this many letters and digits a page, after both PDF engines, a PDF's text layer is
/// taken for a scan's (a page number, a watermark or a scanner's stamp) and the PDF is read by
/// OCR: a resume page has 1,500 to 4,000.
pub const OCR_BELOW_LETTERS_PER_PAGE: usize = 150;

/// What reading an upload at once found: its text, or a scan for OCR to read on the job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reading {
    Text(Extracted),
    /// An image, or a PDF whose text layer is empty or implausibly short: OCR reads it on the
    /// analysis job. `layer` is what the PDF's text layer held, if anything.
    Scan {
        layer: Option<Extracted>,
    },
}

/// [`extract_upload`], telling scans apart: an image (its header checked against
/// [`MAX_MEGAPIXELS`] and [`MAX_OCR_PAGES`]) or a PDF whose text layer is empty or under
/// [`OCR_BELOW_LETTERS_PER_PAGE`] a page. Where OCR is not installed, a scan is refused as
/// before.
pub async fn read_upload(
    owner: Uuid,
    kind: DocumentKind,
    bytes: Bytes,
) -> Result<Reading, ExtractError> {
    let ocr = ocr_worker::available();
    match kind {
        DocumentKind::Image(format) => {
            if !ocr {
                return Err(ExtractError::Unsupported(
                    "This server cannot read scans or photos (OCR is not installed); upload a \
                     PDF with selectable text, a .docx or a .txt"
                        .into(),
                ));
            }
            image::inspect(format, &bytes)?;
            Ok(Reading::Scan { layer: None })
        }
        DocumentKind::Pdf => match extract_upload(owner, kind, bytes).await {
            Err(ExtractError::NoTextLayer) if ocr => Ok(Reading::Scan { layer: None }),
            Ok(read) if ocr && looks_scanned(&read) => {
                if read.pages > MAX_OCR_PAGES {
                    return Err(ExtractError::TooManyPages);
                }
                Ok(Reading::Scan { layer: Some(read) })
            }
            other => other.map(Reading::Text),
        },
        _ => extract_upload(owner, kind, bytes).await.map(Reading::Text),
    }
}

/// A PDF reading with fewer than [`OCR_BELOW_LETTERS_PER_PAGE`] letters a page and an image
/// the size of a scanned page: a scan with a page number, a stamp or a scanner's line of text.
/// Without such an image a short PDF is a short document, and its text is what it says.
fn looks_scanned(read: &Extracted) -> bool {
    read.scan_images > 0
        && read.letters() < OCR_BELOW_LETTERS_PER_PAGE.saturating_mul(read.pages.max(1) as usize)
}
