//! Uploaded images (a phone photo or a scan of a resume): the format by the bytes, never by the
//! name, and the size and page count read from the header alone, so an image larger than
//! [`MAX_MEGAPIXELS`] or with more than [`MAX_OCR_PAGES`] pages is refused before anything
//! decodes it (a decompression bomb never reaches a decoder). Nothing here decodes pixels; the
//! OCR worker does that, in its sandbox.
use super::ExtractError;

/// The most pixels an image (or one page of a TIFF, or a rendered PDF page) may have.
pub const MAX_MEGAPIXELS: u64 = 40;
/// The most pages of a scanned resume that are read.
pub const MAX_OCR_PAGES: u32 = 5;

/// The image formats Hirekey reads by OCR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Tiff,
}

impl ImageFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Tiff => "image/tiff",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Tiff => "tif",
        }
    }
}

/// What the header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    /// The largest page's size.
    pub width: u32,
    pub height: u32,
    pub pages: u32,
}

const READ_AS: &str =
    "Upload the resume as a PDF, a .docx, a UTF-8 .txt file, or a JPEG, PNG or TIFF image";

/// The image format of `bytes`, if they are an image: `Some(Err(..))` for an image format
/// Hirekey does not read (HEIC, WebP, GIF, BMP), with what to send instead.
pub fn sniff(bytes: &[u8]) -> Option<Result<ImageFormat, ExtractError>> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Ok(ImageFormat::Jpeg));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Ok(ImageFormat::Png));
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return Some(Ok(ImageFormat::Tiff));
    }
    if bytes.starts_with(b"II+\0") || bytes.starts_with(b"MM\0+") {
        return Some(Err(ExtractError::Unsupported(
            "BigTIFF images are not read; save the scan as an ordinary TIFF, a JPEG or a PDF"
                .into(),
        )));
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [
            b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif",
        ]
        .iter()
        .any(|b| brand == *b)
        {
            return Some(Err(ExtractError::Unsupported(
                "HEIC and AVIF photos are not read yet; on the phone, share the photo as JPEG \
                 (iPhone: Settings, Camera, Formats, Most Compatible) or send a PDF"
                    .into(),
            )));
        }
    }
    let other = bytes.starts_with(b"GIF8")
        || bytes.starts_with(b"BM")
        || (bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP");
    other.then(|| {
        Err(ExtractError::Unsupported(format!(
            "This image format is not read. {READ_AS}"
        )))
    })
}

/// The size and pages of an image, from its header; refused when too large or too many pages.
pub fn inspect(format: ImageFormat, bytes: &[u8]) -> Result<ImageInfo, ExtractError> {
    let (width, height, pages) = match format {
        ImageFormat::Png => png_size(bytes).map(|(w, h)| (w, h, 1)),
        ImageFormat::Jpeg => jpeg_size(bytes).map(|(w, h)| (w, h, 1)),
        ImageFormat::Tiff => tiff_pages(bytes),
    }
    .ok_or(ExtractError::BrokenImage)?;
    if width == 0 || height == 0 {
        return Err(ExtractError::BrokenImage);
    }
    check_pixels(width, height)?;
    if pages > MAX_OCR_PAGES {
        return Err(ExtractError::TooManyPages);
    }
    Ok(ImageInfo {
        format,
        width,
        height,
        pages,
    })
}

/// [`ExtractError::ImageTooLarge`] past [`MAX_MEGAPIXELS`].
pub fn check_pixels(width: u32, height: u32) -> Result<(), ExtractError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_MEGAPIXELS * 1_000_000 {
        return Err(ExtractError::ImageTooLarge { width, height });
    }
    Ok(())
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// IHDR is the first chunk: width and height right after the signature and chunk header.
fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be32(b, 16)?, be32(b, 20)?))
}

/// The frame header (SOF0..SOF15, not DHT/JPG/DAC) before the first scan.
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF.
        while *b.get(at)? == 0xFF && *b.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *b.get(at)? != 0xFF {
            return None;
        }
        let marker = *b.get(at + 1)?;
        at += 2;
        match marker {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            // Start of scan or end of image before a frame header: no size.
            0xDA | 0xD9 => return None,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = be16(b, at + 3)?;
                let width = be16(b, at + 5)?;
                return Some((u32::from(width), u32::from(height)));
            }
            _ => {
                let length = usize::from(be16(b, at)?);
                if length < 2 {
                    return None;
                }
                at += length;
            }
        }
    }
}

/// Every page's size by walking the chain of image file directories, at most
/// [`MAX_OCR_PAGES`] + 1 of them (enough to refuse), a loop in the chain being damage.
/// Returns the largest page's size and the pages counted.
fn tiff_pages(b: &[u8]) -> Option<(u32, u32, u32)> {
    let little = b.starts_with(b"II");
    let u16_at = |at: usize| -> Option<u16> {
        let raw: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(raw)
        } else {
            u16::from_be_bytes(raw)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let raw: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        })
    };
    let mut offset = u32_at(4)? as usize;
    let mut seen: Vec<usize> = Vec::new();
    let (mut width, mut height, mut pixels) = (0u32, 0u32, 0u64);
    while offset != 0 {
        if seen.contains(&offset) {
            return None;
        }
        seen.push(offset);
        if seen.len() as u32 > MAX_OCR_PAGES {
            // Enough to refuse; the rest of the chain is not read.
            return Some((width.max(1), height.max(1), seen.len() as u32));
        }
        let entries = usize::from(u16_at(offset)?);
        let (mut w, mut h) = (None, None);
        for i in 0..entries {
            let entry = offset + 2 + i * 12;
            let tag = u16_at(entry)?;
            let kind = u16_at(entry + 2)?;
            // SHORT values sit in the first two bytes of the value field, LONG in all four.
            let value = match kind {
                3 => u32::from(u16_at(entry + 8)?),
                4 => u32_at(entry + 8)?,
                _ => continue,
            };
            match tag {
                256 => w = Some(value),
                257 => h = Some(value),
                _ => {}
            }
        }
        let (w, h) = (w?, h?);
        let page_pixels = u64::from(w) * u64::from(h);
        if page_pixels > pixels {
            (width, height, pixels) = (w, h, page_pixels);
        }
        offset = u32_at(offset + 2 + entries * 12)? as usize;
    }
    (!seen.is_empty()).then_some((width, height, seen.len() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(width.to_be_bytes());
        b.extend(height.to_be_bytes());
        b.extend([8, 0, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    fn tiff(pages: u32, width: u16, height: u16, looped: bool) -> Vec<u8> {
        let mut b = b"II*\0".to_vec();
        b.extend(8u32.to_le_bytes());
        for page in 0..pages {
            let here = b.len() as u32;
            b.extend(2u16.to_le_bytes());
            for (tag, value) in [(256u16, width), (257, height)] {
                b.extend(tag.to_le_bytes());
                b.extend(3u16.to_le_bytes());
                b.extend(1u32.to_le_bytes());
                b.extend(value.to_le_bytes());
                b.extend([0, 0]);
            }
            let next = if page + 1 == pages {
                if looped {
                    8
                } else {
                    0
                }
            } else {
                here + 2 + 24 + 4
            };
            b.extend(next.to_le_bytes());
        }
        b
    }

    #[test]
    fn formats_are_told_by_their_bytes() {
        assert_eq!(sniff(&png(1, 1)), Some(Ok(ImageFormat::Png)));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some(Ok(ImageFormat::Jpeg)));
        assert_eq!(sniff(&tiff(1, 10, 10, false)), Some(Ok(ImageFormat::Tiff)));
        assert!(matches!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            Some(Err(ExtractError::Unsupported(m))) if m.contains("HEIC")
        ));
        assert!(matches!(sniff(b"GIF89a"), Some(Err(_))));
        assert_eq!(sniff(b"%PDF-1.7"), None);
        assert_eq!(sniff(b"hello"), None);
    }

    #[test]
    fn sizes_come_from_headers_and_bombs_are_refused() {
        assert_eq!(
            inspect(ImageFormat::Png, &png(2480, 3508)).map(|i| (i.width, i.height, i.pages)),
            Ok((2480, 3508, 1))
        );
        assert_eq!(
            inspect(ImageFormat::Png, &png(50_000, 50_000)),
            Err(ExtractError::ImageTooLarge {
                width: 50_000,
                height: 50_000
            })
        );
        assert_eq!(
            inspect(ImageFormat::Png, &png(0, 10)),
            Err(ExtractError::BrokenImage)
        );
        assert_eq!(
            inspect(ImageFormat::Png, &png(10, 10)[..20]),
            Err(ExtractError::BrokenImage)
        );
    }

    #[test]
    fn jpeg_frames_are_found_past_other_segments() {
        let mut b = vec![
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xFF, 0xC2, 0, 11, 8,
        ];
        b.extend(3000u16.to_be_bytes());
        b.extend(4000u16.to_be_bytes());
        b.extend([1, 0, 0]);
        assert_eq!(
            inspect(ImageFormat::Jpeg, &b).map(|i| (i.width, i.height)),
            Ok((4000, 3000))
        );
        // Cut before the frame header, or a scan with no frame: damaged.
        assert_eq!(
            inspect(ImageFormat::Jpeg, &b[..9]),
            Err(ExtractError::BrokenImage)
        );
        assert_eq!(
            inspect(ImageFormat::Jpeg, &[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]),
            Err(ExtractError::BrokenImage)
        );
    }

    #[test]
    fn tiff_pages_are_counted_with_a_bound() {
        assert_eq!(
            inspect(ImageFormat::Tiff, &tiff(3, 2000, 3000, false)).map(|i| i.pages),
            Ok(3)
        );
        assert_eq!(
            inspect(ImageFormat::Tiff, &tiff(10_000, 10, 10, false)),
            Err(ExtractError::TooManyPages)
        );
        assert_eq!(
            inspect(ImageFormat::Tiff, &tiff(2, 10, 10, true)),
            Err(ExtractError::BrokenImage)
        );
        assert_eq!(
            inspect(ImageFormat::Tiff, &tiff(1, 60_000, 60_000, false)),
            Err(ExtractError::ImageTooLarge {
                width: 60_000,
                height: 60_000
            })
        );
    }
}
