//! The uploaded file: the upload limit, and the file name kept for display and download.
use bytes::Bytes;

use crate::{config::Config, error::ServiceError, services::extract::DocumentKind};

const MAX_FILE_NAME_CHARS: usize = 150;

/// An uploaded file as it arrived.
#[derive(Clone, Debug)]
pub struct UploadFile {
    pub file_name: String,
    /// What the client claimed; only a hint for .txt/.docx, never served back.
    pub content_type: String,
    pub bytes: Bytes,
}

/// The stored original of a resume.
#[derive(Clone, Debug)]
pub struct ResumeDownload {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The upload limit, in bytes (`HIREKEY_MAX_UPLOAD_MB`).
pub fn max_upload_bytes(config: &Config) -> usize {
    usize::try_from(config.max_upload_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
}

/// 413, naming the limit.
pub fn too_large(config: &Config) -> ServiceError {
    ServiceError::PayloadTooLarge(format!(
        "The file is larger than the {} MB upload limit",
        config.max_upload_mb
    ))
}

/// The name kept for display and download: no path, no control characters or quotes, at most
/// [`MAX_FILE_NAME_CHARS`], and the extension of what the file really is.
pub fn clean_file_name(raw: &str, kind: DocumentKind) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '<' | '>' | '`'))
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let ext = kind.extension();
    if cleaned.is_empty() {
        return format!("resume.{ext}");
    }
    let has_ext = cleaned
        .rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case(ext));
    if has_ext {
        cleaned.to_owned()
    } else {
        format!("{cleaned}.{ext}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(
            clean_file_name("C:\\Users\\x\\My \"CV\".pdf", DocumentKind::Pdf),
            "My CV.pdf"
        );
        assert_eq!(
            clean_file_name("../../etc/passwd", DocumentKind::Text),
            "passwd.txt"
        );
        assert_eq!(
            clean_file_name("evil.html", DocumentKind::Pdf),
            "evil.html.pdf"
        );
        assert_eq!(
            clean_file_name("  \u{7}", DocumentKind::Docx),
            "resume.docx"
        );
        assert_eq!(
            clean_file_name("Lebenslauf Müller.PDF", DocumentKind::Pdf),
            "Lebenslauf Müller.PDF"
        );
    }
}
