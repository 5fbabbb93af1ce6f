//! DOCX text: `word/document.xml`, read with a cap on what it unpacks to. Runs inside the
//! extraction worker (`super::worker`), never in the server process.
use std::io::{Cursor, Read};

use super::ExtractError;

/// Zip-bomb guard: the most `word/document.xml` may unpack to.
pub(super) const MAX_DOCX_XML_BYTES: u64 = 32 * 1024 * 1024;

const NOT_ZIP: &str = "it is not a valid .docx (zip) file";
const NO_DOCUMENT: &str = "it has no word/document.xml";
const TOO_BIG: &str = "it unpacks to too much data";
pub(super) const DAMAGED: &str = "the file is damaged";
const NOT_UTF8: &str = "word/document.xml is not UTF-8";
/// Every problem `ExtractError::BrokenDocx` names (the worker's answer is mapped back to one).
pub(super) const PROBLEMS: [&str; 5] = [NOT_ZIP, NO_DOCUMENT, TOO_BIG, DAMAGED, NOT_UTF8];

pub(super) fn docx_text(bytes: &[u8]) -> Result<String, ExtractError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ExtractError::BrokenDocx(NOT_ZIP))?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| ExtractError::BrokenDocx(NO_DOCUMENT))?;
    if entry.size() > MAX_DOCX_XML_BYTES {
        return Err(ExtractError::BrokenDocx(TOO_BIG));
    }
    // The declared size can lie; the read is capped as well.
    let mut xml = Vec::new();
    entry
        .take(MAX_DOCX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|_| ExtractError::BrokenDocx(DAMAGED))?;
    if xml.len() as u64 > MAX_DOCX_XML_BYTES {
        return Err(ExtractError::BrokenDocx(TOO_BIG));
    }
    let xml = String::from_utf8(xml).map_err(|_| ExtractError::BrokenDocx(NOT_UTF8))?;
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
