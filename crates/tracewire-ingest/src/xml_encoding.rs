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
    let (encoding, body) = detect(bytes)?;
    if encoding == encoding_rs::UTF_8 {
        // Left as it is unless an XML declaration stands anywhere but at
        // the very start: quick-xml 0.42 panics on one that names another
        // encoding, and blank lines before it are a common server fault.
        // So does one naming another encoding than a UTF-8 byte-order mark.
        let misplaced = body.get(1..).and_then(find_declaration).is_some();
        let says_utf8 = declared_label(body).is_none_or(|l| encoding_for(&l) == Some(encoding_rs::UTF_8));
        if !misplaced && says_utf8 {
            return Ok(decoded(Cow::Borrowed(body), encoding));
        }
        return Ok(decoded(
            Cow::Owned(declared_utf8(&String::from_utf8_lossy(body)).into_bytes()),
            encoding,
        ));
    }
    let (text, _) = encoding.decode_without_bom_handling(body);
    Ok(decoded(Cow::Owned(declared_utf8(&text).into_bytes()), encoding))
}

/// The document's encoding and its bytes after any byte-order mark: the
/// mark, else UTF-16 known by how "<?" is spelled (the XML specification's
/// appendix F; quick-xml 0.42 panics on it), else the declaration's label
/// (after any leading blank lines), else UTF-8.
fn detect(bytes: &[u8]) -> Result<(&'static Encoding, &[u8]), String> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return Ok((encoding, &bytes[bom..]));
    }
    match bytes.get(..4) {
        Some([0, b'<', 0, b'?']) => return Ok((encoding_rs::UTF_16BE, bytes)),
        Some([b'<', 0, b'?', 0]) => return Ok((encoding_rs::UTF_16LE, bytes)),
        _ => {}
    }
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let Some(label) = declared_label(&bytes[start..]) else {
        return Ok((encoding_rs::UTF_8, bytes));
    };
    let encoding = encoding_for(&label).ok_or_else(|| {
        format!(
            "the feed declares the character encoding {label:?}, which Tracewire cannot read \
             (it reads the encodings of the WHATWG Encoding Standard)"
        )
    })?;
    Ok((encoding, bytes))
}

/// Where an XML declaration (`<?xml` followed by a blank or `?`, not
/// `<?xml-stylesheet`) starts in `bytes`, outside CDATA sections and
/// comments (there it is text, and stays).
fn find_declaration(bytes: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(at) = bytes.get(i..)?.iter().position(|&b| b == b'<') {
        let at = i + at;
        let rest = &bytes[at..];
        let skip_to = |end: &[u8]| {
            rest.windows(end.len())
                .position(|w| w == end)
                .map(|p| at + p + end.len())
        };
        if rest.starts_with(b"<![CDATA[") {
            i = skip_to(b"]]>")?;
        } else if rest.starts_with(b"<!--") {
            i = skip_to(b"-->")?;
        } else if rest.starts_with(b"<?xml") && rest.get(5).is_some_and(|&b| b.is_ascii_whitespace() || b == b'?') {
            return Some(at);
        } else {
            i = at + 1;
        }
    }
    None
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
    // A declaration's values cannot hold '>': the first one ends it, even
    // when the '?' before it is missing or mangled.
    let end = head.iter().position(|&b| b == b'>')?;
    let decl = String::from_utf8_lossy(&head[..end]);
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// `text` as a document that says it is UTF-8: blank lines before its
/// start and every XML declaration in it (one anywhere but the start is
/// malformed and says nothing true once decoded) replaced by one UTF-8
/// declaration at the start.
fn declared_utf8(text: &str) -> String {
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    let mut out = String::with_capacity(text.len() + 40);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    while let Some(at) = find_declaration(rest.as_bytes()) {
        out.push_str(&rest[..at]);
        match rest[at..].find('>') {
            Some(end) => rest = &rest[at + end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
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

        let utf8_of = |doc: &[u8]| String::from_utf8(to_utf8(doc).unwrap().utf8.into_owned()).unwrap();
        let decl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";
        for (doc, want) in [
            // Blank lines before the declaration still let it name the encoding.
            (
                &b"\n\n  <?xml version='1.0' encoding='iso-8859-1'?><a>\xe9</a>"[..],
                "<a>\u{e9}</a>",
            ),
            // Declarations fuzzing drove quick-xml to panic on: a second one,
            // one after other text (a stylesheet instruction is not one), one
            // with a mangled end, one contradicting a UTF-8 byte-order mark.
            (
                b"<?xml version='1.0'?><a/><?xml version='1.0' encoding='koi8-r'?>",
                "<a/>",
            ),
            (
                "\u{feff}junk <?xml version='1.0' encoding='iso-8859-1'?><?xml-stylesheet href=\"s\"?><a/>".as_bytes(),
                "junk <?xml-stylesheet href=\"s\"?><a/>",
            ),
            (
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"\xbf>\n<a>\xe9</a>",
                "\n<a>\u{e9}</a>",
            ),
            (
                "\u{feff}<?xml version=\"1.0\" encoding=\"us-ascii\"?><a>\u{e9}</a>".as_bytes(),
                "<a>\u{e9}</a>",
            ),
        ] {
            assert_eq!(utf8_of(doc), format!("{decl}{want}"), "{doc:?}");
        }
        // In CDATA a declaration is text, and stays.
        let quoted = "<?xml version='1.0'?><a><![CDATA[<?xml version='1.0' encoding='koi8-r'?>]]></a>";
        assert!(matches!(to_utf8(quoted.as_bytes()).unwrap().utf8, Cow::Borrowed(_)));

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
