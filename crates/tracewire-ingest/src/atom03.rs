//! Atom 0.3 documents read as Atom 1.0, before feed-rs sees them.
//!
//! feed-rs knows Atom by the 1.0 namespace only and reads no entries from a
//! 0.3 feed (`http://purl.org/atom/ns#`), which many old blogs still serve.
//! This rewrite (XML events through quick-xml, the parser feed-rs itself
//! uses) moves elements of the 0.3 namespace into 1.0's, renames what 1.0
//! renamed (`tagline` → `subtitle`, `copyright` → `rights`, `issued` →
//! `published`, `modified` → `updated`, a person's `url` → `uri`, and the
//! generator's `url` attribute → `uri`), and turns
//! 0.3's MIME `type` plus `mode` into 1.0's `text`, `html` or `xhtml`. Every
//! other event is written back as it was read.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use quick_xml::writer::Writer;

const ATOM_03: &str = "http://purl.org/atom/ns#";
/// Atom 0.3 and the namespaces of the drafts before it (Echo, then the
/// 0.1 and 0.2 drafts' placeholder), which 2003-era feeds still carry;
/// their elements are 0.3's.
const ATOM_PRE_10: &[&str] = &[ATOM_03, "http://example.com/newformat#", "http://example.com/necho"];
const ATOM_10: &str = "http://www.w3.org/2005/Atom";

/// The document rewritten as Atom 1.0 when it is Atom 0.3; `None` when it
/// is not, or cannot be read as XML (then feed-rs reports the error).
pub fn upgrade(bytes: &[u8]) -> Option<Vec<u8>> {
    // Cheap test first: nearly every document is not Atom 0.3.
    if !ATOM_PRE_10
        .iter()
        .any(|ns| bytes.windows(ns.len()).any(|w| w == ns.as_bytes()))
    {
        return None;
    }
    let mut reader = NsReader::from_reader(bytes);
    let mut writer = Writer::new(Vec::with_capacity(bytes.len() + 64));
    loop {
        let (ns, event) = reader.read_resolved_event().ok()?;
        let in_03 = matches!(ns, ResolveResult::Bound(n) if ATOM_PRE_10.contains(&n.as_ref()));
        let event = match event {
            Event::Eof => break,
            Event::Start(e) => Event::Start(start(&e, in_03)?),
            Event::Empty(e) => Event::Empty(start(&e, in_03)?),
            Event::End(e) if in_03 => {
                let name = renamed(e.name().as_ref());
                Event::End(BytesEnd::new(name))
            }
            other => other,
        };
        writer.write_event(event).ok()?;
    }
    Some(writer.into_inner())
}

/// An element's start tag: renamed and its attributes mapped if it is in
/// the 0.3 namespace; any declaration of that namespace made 1.0's.
fn start(e: &BytesStart<'_>, in_03: bool) -> Option<BytesStart<'static>> {
    let name = e.name().as_ref().to_string();
    let name = if in_03 { renamed(&name) } else { name };
    let mut out = BytesStart::new(name);
    let mut mime: Option<String> = None;
    let mut mode: Option<String> = None;
    for attr in e.attributes().with_checks(false) {
        let attr = attr.ok()?;
        let key = attr.key.as_ref().to_string();
        let value = attr.normalized_value(XmlVersion::Implicit1_0).ok()?.into_owned();
        if (key == "xmlns" || key.starts_with("xmlns:")) && ATOM_PRE_10.contains(&value.as_str()) {
            out.push_attribute((key.as_str(), ATOM_10));
        } else if in_03 && key == "type" {
            mime = Some(value);
        } else if in_03 && key == "mode" {
            mode = Some(value);
        } else if in_03 && key == "url" && e.local_name().as_ref() == "generator" {
            out.push_attribute(("uri", value.as_str()));
        } else {
            out.push_attribute((key.as_str(), value.as_str()));
        }
    }
    if mime.is_some() || mode.is_some() {
        let mime = mime.unwrap_or_else(|| "text/plain".to_string()).to_ascii_lowercase();
        if mode.as_deref() == Some("base64") {
            // Decoded by `atom_text.rs`, which reads the media type.
            out.push_attribute(("type", mime.as_str()));
            out.push_attribute(("mode", "base64"));
            return Some(out);
        }
        let escaped = mode.as_deref() == Some("escaped");
        let kind = match mime.as_str() {
            "text/plain" | "text" => "text",
            "application/xhtml+xml" | "xhtml" => "xhtml",
            "text/html" | "html" if escaped => "html",
            "text/html" | "html" => "xhtml",
            // Content of another media type keeps it (1.0 allows MIME types there).
            other => other,
        };
        out.push_attribute(("type", kind));
    }
    Some(out)
}

/// The Atom 1.0 name of an Atom 0.3 element (its prefix kept).
fn renamed(name: &str) -> String {
    let (prefix, local) = match name.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, name),
    };
    let local = match local {
        "tagline" => "subtitle",
        "copyright" => "rights",
        "issued" => "published",
        "modified" => "updated",
        "url" => "uri",
        other => other,
    };
    match prefix {
        Some(p) => format!("{p}:{local}"),
        None => local.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_atom_03_feed_reads_as_atom_10() {
        let doc = br#"<?xml version="1.0"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">
<title>Old blog</title><tagline type="text/html" mode="escaped">&lt;b&gt;Hi&lt;/b&gt;</tagline>
<entry><id>tag:x,2004:1</id><title>One</title><issued>2004-01-02T03:04:05Z</issued>
<modified>2004-01-03T03:04:05Z</modified><author><name>Ann</name><url>http://ann.example/</url></author>
<dc:subject>Kept</dc:subject></entry></feed>"#;
        let up = String::from_utf8(upgrade(doc).unwrap()).unwrap();
        assert!(up.contains(r#"xmlns="http://www.w3.org/2005/Atom""#), "{up}");
        assert!(
            up.contains(r#"<subtitle type="html">&lt;b&gt;Hi&lt;/b&gt;</subtitle>"#),
            "{up}"
        );
        assert!(up.contains("<published>2004-01-02T03:04:05Z</published>"), "{up}");
        assert!(up.contains("<uri>http://ann.example/</uri>"), "{up}");
        assert!(up.contains("<dc:subject>Kept</dc:subject>"), "{up}");
        let feed = crate::feed::parse_document(doc, "http://x.example/atom").unwrap().feed;
        assert_eq!(feed.entries.len(), 1);
        assert_eq!(feed.entries[0].id, "tag:x,2004:1");
        assert!(feed.entries[0].published.is_some());
        assert_eq!(feed.entries[0].authors[0].uri.as_deref(), Some("http://ann.example/"));
    }

    #[test]
    fn other_documents_are_left_alone() {
        assert!(upgrade(br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>"#).is_none());
        assert!(upgrade(b"<rss version=\"2.0\"><channel/></rss>").is_none());
        // Broken XML is left to feed-rs to report.
        assert!(upgrade(br#"<feed xmlns="http://purl.org/atom/ns#"><title>t</feed>"#).is_none());
    }
}
