//! The structural checks a PDF passes before an engine reads it, which the engines do not make
//! themselves: what its streams inflate to, how deep its page tree and its forms nest and how
//! often forms are drawn, and image samples dropped unread (`pdf.rs` runs them, in the
//! extraction worker).
use std::{collections::HashMap, io::Read, rc::Rc};

use super::ExtractError;

/// The most one Flate stream may inflate to, and all of them together. A resume's content
/// streams are kilobytes; a decompression bomb (1 MB of zeros that inflates to 1 GiB) is
/// refused after counting this much, without keeping any of it. The worker's address-space
/// limit stops whatever inflates elsewhere (object streams at load, other filters).
const MAX_STREAM_INFLATED: u64 = 64 * 1024 * 1024;
const MAX_DOCUMENT_INFLATED: u64 = 256 * 1024 * 1024;

/// Counts what each Flate-compressed stream inflates to (into a sink), before pdf-extract
/// inflates the content streams it draws into memory.
pub(super) fn check_inflated_sizes(doc: &pdf_extract::Document) -> Result<(), ExtractError> {
    let mut total: u64 = 0;
    for object in doc.objects.values() {
        let Ok(stream) = object.as_stream() else {
            continue;
        };
        let first_filter = match stream.dict.get(b"Filter") {
            Ok(pdf_extract::Object::Name(name)) => Some(name.as_slice()),
            Ok(pdf_extract::Object::Array(filters)) => {
                filters.first().and_then(|f| f.as_name().ok())
            }
            _ => None,
        };
        if !matches!(first_filter, Some(b"FlateDecode" | b"Fl")) {
            continue;
        }
        let mut decoder =
            flate2::read::ZlibDecoder::new(stream.content.as_slice()).take(MAX_STREAM_INFLATED + 1);
        // A corrupt stream counts as far as it inflates; lopdf decides what to make of it.
        let inflated = std::io::copy(&mut decoder, &mut std::io::sink()).unwrap_or(0);
        total = total.saturating_add(inflated);
        if inflated > MAX_STREAM_INFLATED || total > MAX_DOCUMENT_INFLATED {
            return Err(ExtractError::BrokenPdf);
        }
    }
    Ok(())
}

/// pdf-extract runs `Do` on every XObject as if it were a form: it inflates an image and
/// parses its samples as content operators. Samples that happen to read as an operator without
/// its operands make it panic (a resume with a photo on a #778899 backdrop starts with "w", the
/// line-width operator, and was refused as damaged), and every scanned page is inflated for
/// nothing. Images hold no text, so their samples are dropped before extraction.
///
/// Returns how many of the images are the size of a scanned page ([`SCAN_IMAGE_PIXELS`] or
/// more): with next to no text, those make the PDF a scan for OCR.
pub(super) fn drop_image_samples(doc: &mut pdf_extract::Document) -> u32 {
    let mut page_sized = 0;
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
            let side = |key: &[u8]| {
                stream
                    .dict
                    .get(key)
                    .and_then(|v| v.as_i64())
                    .map_or(0, |v| v.clamp(0, 1 << 20) as u64)
            };
            if side(b"Width") * side(b"Height") >= SCAN_IMAGE_PIXELS {
                page_sized += 1;
            }
            stream.set_plain_content(Vec::new());
        }
    }
    page_sized
}

/// An image of this many pixels or more is a scanned page (a letter page at 100 dpi has
/// 935,000); a photo on a resume is a tenth of it.
pub const SCAN_IMAGE_PIXELS: u64 = 500_000;

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
pub(super) fn check_structure(doc: &pdf_extract::Document) -> Result<(), ExtractError> {
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
pub(super) fn xobject_names(content: &[u8]) -> NameCounts {
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
