//! Text constructs feed-rs refuses or misreads, rewritten before it sees
//! them (after `atom03.rs`):
//!
//! - Atom content in base64: `mode="base64"` (Atom 0.3), or a media type
//!   that is neither text nor XML (RFC 4287 §4.1.3.3 says such content is
//!   base64), decoded and written as escaped text of its media type;
//! - Atom text constructs (`title`, `subtitle`, `rights`, `summary`) typed
//!   with a media type (`text/html`, `application/xhtml+xml`,
//!   `application/octet-stream`), which feed-rs refuses as a whole feed:
//!   given the `text`, `html` or `xhtml` the media type means;
//! - a person's `url` (Atom 0.3's name for 1.0's `uri`) renamed;
//! - XHTML attribute values holding a `"` escaped so that feed-rs, which
//!   writes them back unescaped between double quotes, keeps them;
//! - markup inside a text construct that says it is text (Atom `type="text"`
//!   or none, and RSS `description`, which is HTML): feed-rs drops the
//!   elements and their text; it is read as the HTML it is.
//!
//! Only the elements rewritten change; every other byte is copied.

use base64::Engine;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

const ATOM_10: &str = "http://www.w3.org/2005/Atom";
const RSS_09: &str = "http://my.netscape.com/rdf/simple/0.9/";
const RSS_10: &str = "http://purl.org/rss/1.0/";

/// The document with such text constructs rewritten; `None` when there is
/// none, or the document cannot be read as XML (feed-rs reports that).
pub fn rewrite(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut reader = NsReader::from_reader(bytes);
    // (start, end, replacement) of each rewritten element.
    let mut splices: Vec<(usize, usize, String)> = Vec::new();
    loop {
        let start = usize::try_from(reader.buffer_position()).ok()?;
        let (ns, event) = reader.read_resolved_event().ok()?;
        let ns = match ns {
            ResolveResult::Bound(n) => n.as_ref().to_string(),
            _ => String::new(),
        };
        let e = match event {
            Event::Start(e) => e.into_owned(),
            Event::Eof => break,
            _ => continue,
        };
        let local = e.local_name().as_ref().to_string();
        if ns == ATOM_10 && local == "url" {
            // A person's `url` (Atom 0.3's name, which 1.0 feeds still
            // use) is 1.0's `uri`, the only one feed-rs reads.
            let name = e.name().as_ref().to_string();
            let renamed = match name.split_once(':') {
                Some((prefix, _)) => format!("{prefix}:uri"),
                None => "uri".to_string(),
            };
            let span = reader.read_to_end(e.name()).ok()?;
            let end = usize::try_from(reader.buffer_position()).ok()?;
            let inner = bytes.get(usize::try_from(span.start).ok()?..usize::try_from(span.end).ok()?)?;
            let inner = std::str::from_utf8(inner).ok()?;
            splices.push((start, end, format!("<{renamed}>{inner}</{renamed}>")));
            continue;
        }
        let atom = ns == ATOM_10 && matches!(local.as_str(), "title" | "subtitle" | "rights" | "summary" | "content");
        // RSS descriptions are HTML; an RSS title is text.
        let rss = matches!(ns.as_str(), "" | RSS_09 | RSS_10) && local == "description";
        if !atom && !rss {
            continue;
        }
        let span = reader.read_to_end(e.name()).ok()?;
        let end = usize::try_from(reader.buffer_position()).ok()?;
        let inner = bytes.get(usize::try_from(span.start).ok()?..usize::try_from(span.end).ok()?)?;
        let inner = std::str::from_utf8(inner).ok()?;
        let replacement = if atom {
            atom_construct(&e, &local, inner)
        } else {
            naked_markup(inner).map(|escaped| element(&e, None, &escaped))
        };
        if let Some(r) = replacement {
            splices.push((start, end, r));
        }
    }
    if splices.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut copied = 0;
    for (start, end, r) in splices {
        out.extend_from_slice(bytes.get(copied..start)?);
        out.extend_from_slice(r.as_bytes());
        copied = end;
    }
    out.extend_from_slice(bytes.get(copied..)?);
    Some(out)
}

/// An Atom text construct or content rewritten, `None` when feed-rs reads
/// it as it is.
fn atom_construct(e: &BytesStart<'_>, local: &str, inner: &str) -> Option<String> {
    let attr = |name: &str| {
        e.attributes()
            .with_checks(false)
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .map(|a| a.value.as_ref().trim().to_ascii_lowercase())
    };
    let kind = attr("type").unwrap_or_else(|| "text".into());
    let kind = kind.split(';').next().unwrap_or_default().trim().to_string();
    let is_xml = |t: &str| t.ends_with("+xml") || t.ends_with("/xml");
    let content = local == "content";
    let base64 = attr("mode").as_deref() == Some("base64")
        || (kind.contains('/') && !kind.starts_with("text/") && !is_xml(&kind));
    if base64 {
        let packed: String = unescape(inner).chars().filter(|c| !c.is_whitespace()).collect();
        let decoded = base64::engine::general_purpose::STANDARD.decode(packed).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let new_kind = match kind.as_str() {
            "text/html" | "html" => "html",
            "text/plain" | "text" => "text",
            "application/xhtml+xml" | "xhtml" => "html",
            other if content => other,
            _ => "text",
        };
        return Some(element(e, Some(new_kind), &quick_xml::escape::escape(text.as_str())));
    }
    let new_kind = match kind.as_str() {
        "text" | "html" | "xhtml" => None,
        "text/plain" => Some("text"),
        "text/html" => Some("html"),
        "application/xhtml+xml" => Some("xhtml"),
        _ if content => None,
        t if is_xml(t) => Some("xhtml"),
        _ => Some("text"),
    };
    let final_kind = new_kind.unwrap_or(kind.as_str());
    if final_kind == "text"
        && let Some(escaped) = naked_markup(inner)
    {
        return Some(element(e, Some("html"), &escaped));
    }
    if final_kind == "xhtml"
        && let Some(protected) = quotes_protected(inner)
    {
        return Some(element(e, new_kind, &protected));
    }
    new_kind.map(|k| element(e, Some(k), inner))
}

/// XHTML whose attribute values hold a `"`, with those values written so
/// that they survive feed-rs: it writes XHTML back with each attribute
/// value unescaped between double quotes (`title='"x"'` came out as
/// `title=""x""`, which loses the value). The `"` is escaped twice, so that
/// feed-rs writes `&quot;`. `None` when no value holds one.
fn quotes_protected(inner: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(inner);
    let mut out = String::with_capacity(inner.len() + 32);
    let mut copied = 0;
    let mut changed = false;
    loop {
        let start = usize::try_from(reader.buffer_position()).ok()?;
        let (e, empty) = match reader.read_event().ok()? {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::Eof => break,
            _ => continue,
        };
        let values: Vec<(String, String)> = e
            .attributes()
            .with_checks(false)
            .flatten()
            .map(|a| (a.key.as_ref().to_string(), unescape(a.value.as_ref())))
            .collect();
        if !values.iter().any(|(_, v)| v.contains('"')) {
            continue;
        }
        let end = usize::try_from(reader.buffer_position()).ok()?;
        out.push_str(inner.get(copied..start)?);
        out.push('<');
        out.push_str(e.name().as_ref());
        for (key, value) in values {
            let once = quick_xml::escape::escape(value.as_str()).into_owned();
            let twice = once.replace("&quot;", "&amp;quot;");
            out.push_str(&format!(" {key}=\"{twice}\""));
        }
        out.push_str(if empty { "/>" } else { ">" });
        copied = end;
        changed = true;
    }
    if !changed {
        return None;
    }
    out.push_str(inner.get(copied..)?);
    Some(out)
}

/// Inner markup with child elements, escaped as the text of an HTML value;
/// `None` when it has no element (text, references and CDATA only).
fn naked_markup(inner: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(inner);
    let mut elements = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_) | Event::Empty(_)) => {
                elements = true;
                break;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    if !elements {
        return None;
    }
    // Character data stays escaped once more; CDATA sections become their
    // escaped text.
    let mut out = String::with_capacity(inner.len() + 32);
    let mut rest = inner;
    while let Some(at) = rest.find("<![CDATA[") {
        out.push_str(&quick_xml::escape::escape(&rest[..at]));
        let after = &rest[at + 9..];
        let end = after.find("]]>").unwrap_or(after.len());
        out.push_str(&quick_xml::escape::escape(
            quick_xml::escape::escape(&after[..end]).as_ref(),
        ));
        rest = after.get(end + 3..).unwrap_or_default();
    }
    out.push_str(&quick_xml::escape::escape(rest));
    Some(out)
}

fn unescape(s: &str) -> String {
    quick_xml::escape::unescape(s).map_or_else(|_| s.to_string(), |c| c.into_owned())
}

/// The element `e` written with `inner`, its `type` set to `kind` (when
/// given) and any `mode` dropped.
fn element(e: &BytesStart<'_>, kind: Option<&str>, inner: &str) -> String {
    let name = e.name().as_ref().to_string();
    let mut tag = BytesStart::new(name.clone());
    for a in e.attributes().with_checks(false).flatten() {
        let key = a.key.as_ref();
        if key == "mode" || (kind.is_some() && key == "type") {
            continue;
        }
        tag.push_attribute(a);
    }
    if let Some(k) = kind {
        tag.push_attribute(("type", k));
    }
    let mut out = Vec::new();
    let mut w = quick_xml::Writer::new(&mut out);
    // Writing to a Vec cannot fail.
    let _ = w.write_event(Event::Start(tag));
    let mut s = String::from_utf8(out).unwrap_or_default();
    s.push_str(inner);
    s.push_str(&format!("</{name}>"));
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::feed::parse_document;

    #[test]
    fn base64_media_types_and_naked_markup_are_read() {
        // "Example <b>Atom</b>" in base64.
        let b64 = "RXhhbXBsZSA8Yj5BdG9tPC9iPg==";
        let doc = format!(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="application/octet-stream">
{b64}
</title><subtitle type="text/html">&lt;i&gt;s&lt;/i&gt;</subtitle><rights>Example <b>Atom</b></rights>
<entry><id>e</id><title type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml"><a title="&amp;">&amp;</a></div></title>
<content type="application/octet-stream">{b64}</content>
<author><name>Ann</name><url>http://ann.example/</url></author></entry></feed>"#
        );
        let f = parse_document(doc.as_bytes(), "http://x.example/").unwrap().feed;
        let title = f.title.as_ref().unwrap();
        assert_eq!(title.content, "Example <b>Atom</b>");
        assert_eq!(title.content_type.to_string(), "text/plain");
        assert_eq!(f.description.as_ref().unwrap().content, "<i>s</i>");
        assert_eq!(f.description.as_ref().unwrap().content_type.to_string(), "text/html");
        let rights = f.rights.as_ref().unwrap();
        assert_eq!(
            rights.content, "Example <b>Atom</b>",
            "markup in a text construct is kept"
        );
        assert_eq!(rights.content_type.to_string(), "text/html");
        let e = &f.entries[0];
        assert!(e.title.as_ref().unwrap().content.contains("&amp;</a>"), "{:?}", e.title);
        let content = e.content.as_ref().unwrap();
        assert_eq!(content.body.as_deref(), Some("Example <b>Atom</b>"));
        assert_eq!(content.content_type.to_string(), "application/octet-stream");
        assert_eq!(e.authors[0].uri.as_deref(), Some("http://ann.example/"));

        // An XHTML attribute holding quotes survives feed-rs.
        let quoted = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><a title='"t" &amp; u'>t</a></div></title></feed>"#;
        let title = parse_document(quoted, "http://x.example/")
            .unwrap()
            .feed
            .title
            .unwrap()
            .content;
        assert_eq!(
            tracewire_extract::canonical_html(&title),
            tracewire_extract::canonical_html(r#"<a title="&quot;t&quot; &amp; u">t</a>"#),
            "{title}"
        );

        // Atom 0.3's mode="base64".
        let old = format!(
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title mode="base64">{b64}</title></feed>"#
        );
        let f = parse_document(old.as_bytes(), "http://x.example/").unwrap().feed;
        assert_eq!(f.title.unwrap().content, "Example <b>Atom</b>");

        // RSS: a description with unescaped markup.
        let rss = br#"<rss version="2.0"><channel><description><p>Example &amp; <b>more</b></p></description></channel></rss>"#;
        let f = parse_document(rss, "http://x.example/").unwrap().feed;
        assert_eq!(f.description.unwrap().content, "<p>Example &amp; <b>more</b></p>");
        // Broken base64 is left alone, not lost.
        let bad = br#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e</id><content type="image/png">not base64!</content></entry></feed>"#;
        assert!(super::rewrite(bad).is_none());
    }
}
