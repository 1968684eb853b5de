//! A feed's character encoding, found the way XML says (a byte-order mark,
//! else the XML declaration's `encoding`, else UTF-8) and decoded to UTF-8
//! before feed-rs reads it: feed-rs dropped the text of documents declared
//! in windows-1252, windows-1251, KOI8-R, GB2312 or Big5. Labels are the
//! WHATWG Encoding Standard's (encoding_rs), plus Python's spellings that
//! feeds use (`windows_1251`) and glibc's for the Windows code pages
//! (`ms-ee`, `ms-cyrl`), plus the DOS code pages (437, 850, 852, …; the
//! `oem_cp` crate's tables); an encoding outside these is refused with a
//! clear error instead of read as garbage.
//!
//! The HTTP `Content-Type` charset, when the document was fetched with one,
//! comes before the XML declaration, as RFC 7303 (which replaced RFC 3023)
//! says for every XML media type, and HTTP says for any text: a byte-order
//! mark still comes first. A `text/xml` response without a charset is read
//! by its declaration like `application/xml` (RFC 7303 §3.2 dropped RFC
//! 3023's US-ASCII default, which would garble every non-ASCII feed served
//! that way; feedparser still follows RFC 3023 there).

use std::borrow::Cow;

use encoding_rs::Encoding;

/// A document decoded to UTF-8, and the encoding it was in.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The document as UTF-8 with its declaration saying so; the input
    /// itself when it is UTF-8 already.
    pub utf8: Cow<'a, [u8]>,
    /// The encoding's name: WHATWG's (`windows-1252`), or `cp437`,
    /// `cp850`… for a DOS code page.
    pub name: &'static str,
}

/// A character encoding we read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Charset {
    Whatwg(&'static Encoding),
    /// A DOS code page, by number (`oem_cp`'s tables).
    Dos(u16),
}

fn decoded<'a>(utf8: Cow<'a, [u8]>, encoding: &'static Encoding) -> Decoded<'a> {
    Decoded {
        utf8,
        name: encoding.name(),
    }
}

/// The document as UTF-8. Errors name an encoding we cannot read.
/// True for a media type a feed may be served as: XML of any kind (`*/xml`,
/// `*+xml`), JSON (`*/json`, `*+json`), and the feed types servers use
/// (`application/rss`, `application/atom`, `application/rdf`…). Parameters
/// are ignored.
pub fn is_feed_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some((_, subtype)) = essence.split_once('/') else {
        return false;
    };
    subtype == "xml"
        || subtype.starts_with("xml-")
        || subtype.ends_with("+xml")
        || subtype == "json"
        || subtype.ends_with("+json")
        || ["rss", "atom", "rdf", "feed"].iter().any(|t| subtype.contains(t))
}

pub fn to_utf8(bytes: &[u8]) -> Result<Decoded<'_>, String> {
    to_utf8_served(bytes, None)
}

/// The document as UTF-8, served with the HTTP `Content-Type`
/// `content_type`: its charset, when it has one we read, comes before the
/// XML declaration (a byte-order mark still comes first).
pub fn to_utf8_served<'a>(bytes: &'a [u8], content_type: Option<&str>) -> Result<Decoded<'a>, String> {
    let http = content_type.and_then(charset_parameter).and_then(|l| encoding_for(&l));
    let (charset, body) = detect(bytes, http)?;
    let encoding = match charset {
        Charset::Whatwg(e) => e,
        Charset::Dos(page) => {
            let text = oem_cp::code_table::DECODING_TABLE_CP_MAP
                .get(&page)
                .map(|table| table.decode_string_lossy(body))
                .ok_or_else(|| format!("no table for code page {page}"))?;
            return Ok(Decoded {
                utf8: Cow::Owned(declared_utf8(&text).into_bytes()),
                name: dos_name(page),
            });
        }
    };
    if encoding == encoding_rs::UTF_8 {
        // Left as it is unless an XML declaration stands anywhere but at
        // the very start: quick-xml 0.42 panics on one that names another
        // encoding, and blank lines before it are a common server fault.
        // So does one naming another encoding than a UTF-8 byte-order mark.
        let misplaced = body.get(1..).and_then(find_declaration).is_some();
        let says_utf8 =
            declared_label(body).is_none_or(|l| encoding_for(&l) == Some(Charset::Whatwg(encoding_rs::UTF_8)));
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
/// mark, else the HTTP charset, else UTF-16 known by how "<?" is spelled
/// (the XML specification's appendix F; quick-xml 0.42 panics on it), else
/// the declaration's label (after any leading blank lines), else UTF-8.
fn detect(bytes: &[u8], http: Option<Charset>) -> Result<(Charset, &[u8]), String> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return Ok((Charset::Whatwg(encoding), &bytes[bom..]));
    }
    match bytes.get(..4) {
        Some([0, b'<', 0, b'?']) => return Ok((Charset::Whatwg(encoding_rs::UTF_16BE), bytes)),
        Some([b'<', 0, b'?', 0]) => return Ok((Charset::Whatwg(encoding_rs::UTF_16LE), bytes)),
        _ => {}
    }
    if let Some(charset) = http {
        return Ok((charset, bytes));
    }
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let Some(label) = declared_label(&bytes[start..]) else {
        return Ok((Charset::Whatwg(encoding_rs::UTF_8), bytes));
    };
    let encoding = encoding_for(&label).ok_or_else(|| {
        format!(
            "the feed declares the character encoding {label:?}, which Tracewire cannot read \
             (it reads the encodings of the WHATWG Encoding Standard and the DOS code pages)"
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

fn encoding_for(label: &str) -> Option<Charset> {
    let label = label.trim().to_ascii_lowercase().replace('_', "-");
    // Python's and glibc's names for encodings the standard has under
    // other labels.
    let label = match label.as_str() {
        "maccyrillic" | "mac-cyrillic" => "x-mac-cyrillic",
        "macroman" | "mac-roman" => "macintosh",
        "ms-ee" => "windows-1250",
        "ms-cyrl" => "windows-1251",
        "ms-ansi" => "windows-1252",
        "ms-greek" => "windows-1253",
        "ms-turk" => "windows-1254",
        "ms-hebr" => "windows-1255",
        "ms-arab" => "windows-1256",
        "winbaltrim" => "windows-1257",
        other => other,
    };
    if let Some(e) = Encoding::for_label(label.as_bytes()) {
        return Some(Charset::Whatwg(e));
    }
    dos_page(label).map(Charset::Dos)
}

/// A DOS code page's number from its label (`437`, `cp850`, `ibm852`,
/// `csibm855`, `cspc775baltic`), when `oem_cp` has its table.
fn dos_page(label: &str) -> Option<u16> {
    let rest = ["csibm", "cspc", "ibm", "cp", "oem"]
        .iter()
        .find_map(|p| label.strip_prefix(p))
        .unwrap_or(label)
        .trim_start_matches('-');
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    if digits.len() != 3 || after.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let page = digits.parse().ok()?;
    oem_cp::code_table::DECODING_TABLE_CP_MAP
        .contains_key(&page)
        .then_some(page)
}

/// Python's codec name for a DOS code page.
fn dos_name(page: u16) -> &'static str {
    match page {
        437 => "cp437",
        720 => "cp720",
        737 => "cp737",
        775 => "cp775",
        850 => "cp850",
        852 => "cp852",
        855 => "cp855",
        857 => "cp857",
        858 => "cp858",
        860 => "cp860",
        861 => "cp861",
        862 => "cp862",
        863 => "cp863",
        864 => "cp864",
        865 => "cp865",
        866 => "cp866",
        869 => "cp869",
        874 => "cp874",
        _ => "dos",
    }
}

/// The `charset` parameter of a `Content-Type` value.
fn charset_parameter(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\'').trim().to_string())
            .filter(|v| !v.is_empty())
    })
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
        assert_eq!(to_utf8(&be).unwrap().name, "UTF-16BE");
        let mac = b"<?xml version=\"1.0\" encoding=\"maclatin2\"?><a/>";
        assert!(to_utf8(mac).unwrap_err().contains("\"maclatin2\""));
        for known in ["cp1250", "windows_1255", "maccyrillic", "csmacintosh", "gb2312"] {
            assert!(encoding_for(known).is_some(), "{known}");
        }
        assert!(encoding_for("ebcdic-cp-us").is_none());
    }

    #[test]
    fn dos_code_pages_and_glibc_names_are_read() {
        let text = |doc: &[u8]| String::from_utf8(to_utf8(doc).unwrap().utf8.into_owned()).unwrap();
        for label in ["850", "cp437", "ibm863", "csibm865"] {
            // The one byte 0x80 is Ç in these pages.
            let mut doc = format!("<?xml version='1.0' encoding='{label}'?><a>").into_bytes();
            doc.push(0x80);
            doc.extend_from_slice(b"</a>");
            assert!(text(&doc).ends_with("<a>\u{c7}</a>"), "{label}: {}", text(&doc));
        }
        assert_eq!(
            to_utf8(b"<?xml version='1.0' encoding='cp855'?><a/>").unwrap().name,
            "cp855"
        );
        assert!(text(b"<?xml version='1.0' encoding='cspc775baltic'?><a>\x80</a>").ends_with("<a>\u{106}</a>"));
        assert!(text(b"<?xml version='1.0' encoding='ms-cyrl'?><a>\x80</a>").ends_with("<a>\u{402}</a>"));
        assert_eq!(dos_page("cp1252"), None);
        assert_eq!(dos_page("8500"), None);
    }

    #[test]
    fn the_http_charset_comes_before_the_declaration() {
        let doc = b"<?xml version='1.0' encoding='iso-8859-1'?><a>\xc3\xa9</a>";
        let utf8 = to_utf8_served(doc, Some("application/atom+xml; charset=\"UTF-8\"")).unwrap();
        assert_eq!(utf8.name, "UTF-8");
        assert!(std::str::from_utf8(&utf8.utf8).unwrap().ends_with("<a>\u{e9}</a>"));
        // Without a charset, the declaration (text/xml too: RFC 7303).
        assert_eq!(to_utf8_served(doc, Some("text/xml")).unwrap().name, "windows-1252");
        // A charset we do not know is passed over.
        assert_eq!(
            to_utf8_served(doc, Some("text/xml; charset=bogus")).unwrap().name,
            "windows-1252"
        );
        // A byte-order mark still comes first.
        let bom = b"\xef\xbb\xbf<a>\xc3\xa9</a>";
        assert_eq!(
            to_utf8_served(bom, Some("text/xml; charset=iso-8859-2")).unwrap().name,
            "UTF-8"
        );
        assert_eq!(
            charset_parameter("text/xml;Charset='koi8-r' ").as_deref(),
            Some("koi8-r")
        );
        assert_eq!(charset_parameter("text/xml"), None);
    }
}
