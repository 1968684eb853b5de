//! A feed's character encoding, found the way XML says (a byte-order mark,
//! else the XML declaration's `encoding`, else UTF-8) and decoded to UTF-8
//! before feed-rs reads it: feed-rs dropped the text of documents declared
//! in windows-1252, windows-1251, KOI8-R, GB2312 or Big5. Labels are the
//! WHATWG Encoding Standard's (encoding_rs), plus Python's spellings that
//! feeds use (`windows_1251`); an encoding outside it is refused with a
//! clear error instead of read as garbage.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// A document decoded to UTF-8, and the encoding it was in.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The document as UTF-8 with its declaration saying so; the input
    /// itself when it is UTF-8 already.
    pub utf8: Cow<'a, [u8]>,
    pub encoding: &'static Encoding,
}

fn decoded<'a>(utf8: Cow<'a, [u8]>, encoding: &'static Encoding) -> Decoded<'a> {
    Decoded { utf8, encoding }
}

/// The document as UTF-8. Errors name an encoding we cannot read.
pub fn to_utf8(bytes: &[u8]) -> Result<Decoded<'_>, String> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        if encoding == encoding_rs::UTF_8 {
            return Ok(decoded(Cow::Borrowed(&bytes[bom..]), encoding));
        }
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return Ok(decoded(Cow::Owned(declared_utf8(&text).into_bytes()), encoding));
    }
    // UTF-16 without a byte-order mark, known by how "<?" is spelled (the
    // XML specification's appendix F). quick-xml 0.42 panics on it.
    if let Some(encoding) = match bytes.get(..4) {
        Some([0, b'<', 0, b'?']) => Some(encoding_rs::UTF_16BE),
        Some([b'<', 0, b'?', 0]) => Some(encoding_rs::UTF_16LE),
        _ => None,
    } {
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return Ok(decoded(Cow::Owned(declared_utf8(&text).into_bytes()), encoding));
    }
    let Some(label) = declared_label(bytes) else {
        return Ok(decoded(Cow::Borrowed(bytes), encoding_rs::UTF_8));
    };
    let encoding = encoding_for(&label).ok_or_else(|| {
        format!(
            "the feed declares the character encoding {label:?}, which Tracewire cannot read \
             (it reads the encodings of the WHATWG Encoding Standard)"
        )
    })?;
    if encoding == encoding_rs::UTF_8 {
        return Ok(decoded(Cow::Borrowed(bytes), encoding));
    }
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    Ok(decoded(Cow::Owned(declared_utf8(&text).into_bytes()), encoding))
}

fn encoding_for(label: &str) -> Option<&'static Encoding> {
    let label = label.trim().to_ascii_lowercase().replace('_', "-");
    // Python's names for encodings the standard has under other labels.
    let label = match label.as_str() {
        "maccyrillic" | "mac-cyrillic" => "x-mac-cyrillic",
        "macroman" | "mac-roman" => "macintosh",
        other => other,
    };
    Encoding::for_label(label.as_bytes())
}

/// The `encoding` of an XML declaration at the start of `bytes`.
fn declared_label(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..bytes.len().min(512))?;
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// `text` with its XML declaration (if any) naming UTF-8.
fn declared_utf8(text: &str) -> String {
    let text = text.trim_start_matches('\u{feff}');
    if text.starts_with("<?xml")
        && let Some(end) = text.find("?>")
    {
        return format!("<?xml version=\"1.0\" encoding=\"utf-8\"{}", &text[end..]);
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn declared_and_bom_encodings_become_utf8() {
        let doc = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss><channel><title>\x80 don\x92t</title></channel></rss>";
        let out = to_utf8(doc).unwrap().utf8;
        let text = std::str::from_utf8(&out).unwrap();
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "{text}");
        assert!(text.contains("\u{20ac} don\u{2019}t"), "{text}");

        let koi8 = b"<?xml version='1.0' encoding='windows_1251'?><a>\xc0</a>";
        assert!(
            std::str::from_utf8(&to_utf8(koi8).unwrap().utf8)
                .unwrap()
                .contains("<a>\u{410}</a>")
        );

        let mut utf16 = vec![0xff, 0xfe];
        for unit in "<?xml version=\"1.0\" encoding=\"utf-16\"?><a>\u{e9}</a>".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(
            std::str::from_utf8(&to_utf8(&utf16).unwrap().utf8).unwrap(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\u{e9}</a>"
        );

        let be: Vec<u8> = "<?xml version=\"1.0\" encoding=\"csunicode\"?><a>\u{e9}</a>"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(
            std::str::from_utf8(&to_utf8(&be).unwrap().utf8).unwrap(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\u{e9}</a>"
        );

        let plain = b"<rss version=\"2.0\"/>";
        assert!(matches!(to_utf8(plain).unwrap().utf8, Cow::Borrowed(_)));
        assert_eq!(to_utf8(&be).unwrap().encoding, encoding_rs::UTF_16BE);
        let dos = b"<?xml version=\"1.0\" encoding=\"850\"?><a/>";
        assert!(to_utf8(dos).unwrap_err().contains("\"850\""));
        for known in ["cp1250", "windows_1255", "maccyrillic", "csmacintosh", "gb2312"] {
            assert!(encoding_for(known).is_some(), "{known}");
        }
        assert!(encoding_for("ebcdic-cp-us").is_none());
    }
}
