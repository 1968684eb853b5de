//! A byte-level pass before HTML parsing that empties the elements whose
//! content we never read: `<script>` (except JSON-LD), `<style>`,
//! `<noscript>`, `<template>`, `<svg>`, and comments.
//!
//! Why by hand: news pages carry hundreds of kilobytes of inline scripts,
//! and html5ever tokenizes them character by character; on the extraction
//! benchmark's pages that was over half of the parse time. Emptying them
//! first changes nothing we extract (the body pruner drops these elements
//! anyway), and no crate does this narrow job.

/// Returns `html` with the contents of skipped elements and comments removed.
/// The tags themselves stay, so the document's structure is unchanged.
pub fn strip_unread(html: &str) -> std::borrow::Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    let mut copied_to = 0;
    let mut i = 0;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
        let start = i + offset;
        i = start + 1;
        let rest = &bytes[start..];
        if rest.starts_with(b"<!--") {
            let end = if rest.starts_with(b"<!-->") {
                start + 5
            } else if rest.starts_with(b"<!--->") {
                start + 6
            } else {
                find(&bytes[start + 4..], b"-->").map_or(bytes.len(), |e| start + 4 + e + 3)
            };
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
            buf.push_str(&html[copied_to..start]);
            // React's end-of-fallback marker, which the streaming pass needs.
            if &bytes[start..end] == b"<!--/$-->" {
                for piece in [
                    "<",
                    crate::streaming::FALLBACK_END,
                    "></",
                    crate::streaming::FALLBACK_END,
                    ">",
                ] {
                    buf.push_str(piece);
                }
            }
            copied_to = end;
            i = end;
            continue;
        }
        let Some(name) = SKIPPED.iter().find(|n| starts_with_tag(rest, n)) else {
            if rest.get(1).is_some_and(u8::is_ascii_alphabetic) {
                let Some(end) = tag_end(bytes, start) else { break };
                if end - start > MAX_TAG_BYTES {
                    // html5gum's tokenizer recurses once per attribute of a
                    // tag, so a tag with tens of thousands of attributes
                    // overflows the stack. No tag we read needs this many
                    // bytes: keep its name, drop its attributes.
                    let name_end = (start + 1..end)
                        .find(|&k| !bytes[k].is_ascii_alphanumeric())
                        .unwrap_or(end);
                    let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
                    buf.push_str(&html[copied_to..name_end]);
                    buf.push('>');
                    copied_to = end;
                }
                // A '<' inside an attribute value is not a tag.
                i = end;
            }
            continue;
        };
        let Some(open_end) = memchr_gt(rest).map(|e| start + e + 1) else {
            break;
        };
        if *name == "script" && is_json_ld(&html[start..open_end]) {
            i = open_end;
            continue;
        }
        if bytes[open_end - 2] == b'/' && *name == "svg" {
            i = open_end;
            continue;
        }
        let close = find_close(&bytes[open_end..], name).map(|c| open_end + c);
        let Some(close) = close else {
            // Unclosed: leave the rest to the parser.
            break;
        };
        let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
        buf.push_str(&html[copied_to..open_end]);
        copied_to = close;
        i = close;
    }
    match out {
        None => std::borrow::Cow::Borrowed(html),
        Some(mut buf) => {
            buf.push_str(&html[copied_to..]);
            std::borrow::Cow::Owned(buf)
        }
    }
}

const SKIPPED: [&str; 5] = ["script", "style", "noscript", "template", "svg"];

/// Longest start tag read as written; longer ones lose their attributes.
const MAX_TAG_BYTES: usize = 16 << 10;

/// The offset just past the `>` that ends the start tag at `start`, as the
/// HTML tokenizer finds it: quotes count only around an attribute value
/// (right after `=`); `None` if the tag never ends.
fn tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i += memchr::memchr2(b'=', b'>', &bytes[i..])?;
        if bytes[i] == b'>' {
            return Some(i + 1);
        }
        i += 1;
        while bytes
            .get(i)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
        {
            i += 1;
        }
        if let Some(&q @ (b'"' | b'\'')) = bytes.get(i) {
            i += 1 + memchr::memchr(q, &bytes[i + 1..])? + 1;
        }
    }
}

fn memchr_lt(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'<', b)
}

fn memchr_gt(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'>', b)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// `<name` followed by whitespace, `>` or `/`, ASCII case-insensitively.
fn starts_with_tag(rest: &[u8], name: &str) -> bool {
    let n = name.len();
    rest.len() > n + 1
        && rest[1..=n].eq_ignore_ascii_case(name.as_bytes())
        && matches!(rest[n + 1], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>' | b'/')
}

/// The offset of `</name` in `b`, ASCII case-insensitively.
fn find_close(b: &[u8], name: &str) -> Option<usize> {
    let n = name.len();
    let mut i = 0;
    while let Some(o) = memchr_lt(&b[i..]) {
        let at = i + o;
        let rest = &b[at..];
        if rest.len() > n + 1
            && rest[1] == b'/'
            && rest[2..].len() >= n
            && rest[2..2 + n].eq_ignore_ascii_case(name.as_bytes())
        {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

fn is_json_ld(open_tag: &str) -> bool {
    open_tag.to_ascii_lowercase().contains("ld+json")
}

#[cfg(test)]
mod tests {
    use super::strip_unread;

    #[test]
    fn empties_scripts_styles_and_comments_but_keeps_json_ld() {
        let html = r#"<html><head><SCRIPT>var a = "</div>";</SCRIPT><style>p{}</style><script type="application/ld+json">{"a":1}</script></head><body><!-- c <p>x</p> --><p>Text</p><svg><title>icon</title></svg><svg/><p>More</p></body></html>"#;
        let out = strip_unread(html);
        assert_eq!(
            out,
            r#"<html><head><SCRIPT></SCRIPT><style></style><script type="application/ld+json">{"a":1}</script></head><body><p>Text</p><svg></svg><svg/><p>More</p></body></html>"#
        );
    }

    #[test]
    fn tags_are_read_as_the_tokenizer_reads_them() {
        // A '<script' inside an attribute value is not a script.
        let html = r#"<p title="a <script> b" data-x='>'>Text</p><script>x</script>"#;
        assert_eq!(
            strip_unread(html),
            r#"<p title="a <script> b" data-x='>'>Text</p><script></script>"#
        );
        // A tag of 20,000 attributes keeps its name only.
        let flood = format!("<p {}>text</p>", "a=\"b\" ".repeat(20_000));
        assert_eq!(strip_unread(&flood), "<p>text</p>");
        assert_eq!(strip_unread("<p a=\"never closed"), "<p a=\"never closed");
    }

    #[test]
    fn untouched_and_unclosed_input() {
        assert!(matches!(strip_unread("<p>plain</p>"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            strip_unread("<p>a</p><script>never closed"),
            "<p>a</p><script>never closed"
        );
        assert_eq!(strip_unread("<scripts>x</scripts>"), "<scripts>x</scripts>");
        assert_eq!(strip_unread("<!-- open"), "");
        assert_eq!(strip_unread("a<!-->b<!--->c<!-- -->d"), "abcd");
        assert_eq!(strip_unread("é<style>ü</style>ö"), "é<style></style>ö");
    }
}
