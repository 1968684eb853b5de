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
        return undo_double_encoding(encoding.decode_without_bom_handling(body).0.into_owned());
    }
    let encoding = content_type
        .and_then(charset_from_content_type)
        .or_else(|| charset_from_meta(bytes))
        .unwrap_or_else(|| guess(bytes));
    undo_double_encoding(encoding.decode_without_bom_handling(bytes).0.into_owned())
}

/// Repairs text that was UTF-8, read as Latin-1 or windows-1252 somewhere
/// upstream (a CMS, a feed importer) and saved again as UTF-8: "Investorâ\u{80}\u{99}s"
/// and "Investorâ€™s" become "Investor’s", "Â " a no-break space. Readers see
/// the damage too, but no one means it. Like ftfy's core fix, narrowed to
/// sequences that ordinary text never holds: a lead character U+00C2..=U+00F4
/// followed by the characters its UTF-8 bytes would have become, decoding
/// to one valid character. Two-byte sequences are repaired only with "Â" or
/// "Ã" as the lead or a C1 control / windows-1252 punctuation after it, so
/// "É®" in a phonetics page stays. No maintained crate does just this
/// (ftfy is Python; the Rust ports carry its whole heuristic model).
fn undo_double_encoding(text: String) -> String {
    let bytes = text.as_bytes();
    // Every such lead is C3 82..=C3 B4 in UTF-8, and what follows it starts
    // with C2 (U+0080..=U+00BF) or a windows-1252 symbol's first byte.
    let damaged = memchr::memchr_iter(0xC3, bytes).any(|i| {
        bytes.get(i + 1).is_some_and(|b| (0x82..=0xB4).contains(b))
            && bytes
                .get(i + 2)
                .is_some_and(|b| matches!(b, 0xC2 | 0xC5 | 0xC6 | 0xCB | 0xE2))
    });
    if !damaged {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        match undo_one(rest) {
            Some((fixed, used)) => {
                out.push(fixed);
                rest = &rest[used..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// The character at the start of `s` if it is one double-encoded
/// character, and how many bytes of `s` it took.
fn undo_one(s: &str) -> Option<(char, usize)> {
    let lead = s.chars().next()?;
    let lead_byte = u8::try_from(u32::from(lead))
        .ok()
        .filter(|b| (0xC2..=0xF4).contains(b))?;
    let continuation = match lead_byte {
        0xC2..=0xDF => 1,
        0xE0..=0xEF => 2,
        _ => 3,
    };
    let mut utf8 = [lead_byte, 0, 0, 0];
    let mut used = lead.len_utf8();
    for slot in utf8.iter_mut().skip(1).take(continuation) {
        let c = s[used..].chars().next()?;
        *slot = byte_read_as(c)?;
        used += c.len_utf8();
    }
    if continuation == 1 && utf8[1] >= 0xA0 && !matches!(lead_byte, 0xC2 | 0xC3) {
        return None;
    }
    let fixed = std::str::from_utf8(&utf8[..=continuation]).ok()?.chars().next()?;
    Some((fixed, used))
}

/// The byte 0x80..=0xBF that Latin-1 or windows-1252 reads as `c`.
fn byte_read_as(c: char) -> Option<u8> {
    let b = match c {
        '\u{80}'..='\u{BF}' => return u8::try_from(u32::from(c)).ok(),
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(b)
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
    fn double_encoded_utf8_is_repaired() {
        // UTF-8 read as Latin-1 and saved again, as on a real page.
        let page = "<h1>A DIY Investor\u{e2}\u{80}\u{99}s Guide\u{c2}\u{a0}\u{e2}\u{80}\u{94} caf\u{c3}\u{a9}</h1>";
        assert_eq!(
            decode_html(page.as_bytes(), None),
            "<h1>A DIY Investor’s Guide\u{a0}— café</h1>"
        );
        // The same read as windows-1252.
        assert_eq!(
            decode_html("don€™t, Ã©tÃ©".replace('€', "â€").as_bytes(), None),
            "don’t, été"
        );
        // Ordinary text with those letters stays as it is.
        for text in ["NÃO, São Paulo", "Ɋ É® ɮ", "â, à la carte — “quoted” ™", "Ã", "â€"] {
            assert_eq!(decode_html(text.as_bytes(), None), text);
        }
    }

    #[test]
    fn bom_wins() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("<p>ü</p>".as_bytes());
        assert_eq!(decode_html(&bytes, Some("text/html; charset=latin1")), "<p>ü</p>");
    }
}
