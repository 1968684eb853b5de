//! Bytes to text for HTML pages: BOM, then the HTTP `Content-Type` charset,
//! then `<meta charset>` / `http-equiv` in the first bytes, then UTF-8 if
//! the bytes are valid UTF-8, else chardetng's guess (the detector Firefox
//! uses for legacy pages that declare nothing).
//!
//! encoding_rs does the decoding; the prescan is written here because no
//! small crate does just that.

use encoding_rs::{Encoding, UTF_8};

/// Decodes an HTML document. Malformed sequences become U+FFFD; this never fails.
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = bytes.get(bom_len..).unwrap_or(&[]);
        return encoding.decode_without_bom_handling(body).0.into_owned();
    }
    let encoding = content_type
        .and_then(charset_from_content_type)
        .or_else(|| charset_from_meta(bytes))
        .unwrap_or_else(|| guess(bytes));
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// UTF-8 when the bytes are valid UTF-8, else the detector's guess.
fn guess(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Deny)
}

fn charset_from_content_type(ct: &str) -> Option<&'static Encoding> {
    ct.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        Encoding::for_label(v.trim().trim_matches(['"', '\'']).as_bytes())
    })
}

/// Looks for `charset=` in the first 1024 bytes, the way browsers prescan.
fn charset_from_meta(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let start = from + pos + b"charset".len();
        from = start;
        let rest = &lower[start..];
        let rest = skip_ws(rest);
        let Some(rest) = rest.strip_prefix(b"=") else { continue };
        let rest = skip_ws(rest);
        let rest = rest
            .strip_prefix(b"\"")
            .or_else(|| rest.strip_prefix(b"'"))
            .unwrap_or(rest);
        let end = rest
            .iter()
            .position(|b| matches!(b, b'"' | b'\'' | b';' | b'>' | b' ' | b'/'))
            .unwrap_or(rest.len());
        if let Some(enc) = Encoding::for_label(&rest[..end]) {
            // A page that says UTF-16 in ASCII-compatible bytes is lying (WHATWG).
            if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                return Some(UTF_8);
            }
            return Some(enc);
        }
    }
    None
}

fn skip_ws(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_charset_wins_over_utf8_default() {
        let bytes = b"<p>caf\xe9</p>";
        assert_eq!(decode_html(bytes, Some("text/html; charset=ISO-8859-1")), "<p>café</p>");
    }

    #[test]
    fn meta_charset_is_found() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("<meta charset=\"windows-1251\"><p>Привет</p>");
        assert!(decode_html(&bytes, Some("text/html")).contains("Привет"));
    }

    #[test]
    fn undeclared_legacy_encodings_are_detected() {
        let samples = [
            (
                encoding_rs::WINDOWS_1251,
                "<p>Правительство объявило о новых мерах поддержки экономики и малого бизнеса в регионах страны.</p>",
            ),
            (
                encoding_rs::SHIFT_JIS,
                "<p>政府は経済と中小企業を支援するための新たな措置を発表しました。東京の市場は反応した。</p>",
            ),
            (
                encoding_rs::GB18030,
                "<p>政府宣布了支持经济和中小企业的新措施，市场对此作出了积极反应。</p>",
            ),
            (
                encoding_rs::WINDOWS_1252,
                "<p>Le gouvernement a annoncé de nouvelles mesures économiques pour les régions françaises.</p>",
            ),
        ];
        for (encoding, text) in samples {
            let (bytes, _, _) = encoding.encode(text);
            assert_eq!(decode_html(&bytes, Some("text/html")), text, "{}", encoding.name());
        }
    }

    #[test]
    fn declared_iso_8859_pages_come_out_right() {
        for (label, encoding, text) in [
            (
                "iso-8859-2",
                encoding_rs::ISO_8859_2,
                "Zażółć gęślą jaźń: rząd ogłosił nowe przepisy.",
            ),
            (
                "ISO-8859-7",
                encoding_rs::ISO_8859_7,
                "Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία.",
            ),
            (
                "iso-8859-15",
                encoding_rs::ISO_8859_15,
                "Le prix passe à 20 € pour l'œuvre.",
            ),
        ] {
            let page = format!(
                "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset={label}\"></head><body><p>{text}</p></body></html>"
            );
            let (bytes, _, unmappable) = encoding.encode(&page);
            assert!(!unmappable, "{label}");
            assert!(decode_html(&bytes, None).contains(text), "{label}");
        }
    }

    #[test]
    fn bom_wins() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("<p>ü</p>".as_bytes());
        assert_eq!(decode_html(&bytes, Some("text/html; charset=latin1")), "<p>ü</p>");
    }
}
