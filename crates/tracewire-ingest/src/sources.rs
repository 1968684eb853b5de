//! Each entry's `<source>`: where a copied entry came from. feed-rs has a
//! field for it and never fills it. Atom's `<source>` holds the metadata of
//! the feed the entry was copied from (title, links, id, authors…), which we
//! read by handing it to feed-rs as a feed of its own; RSS 2.0's is a title
//! with the original feed's URL (`<source url="…">Title</source>`).

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

const ATOM_10: &str = "http://www.w3.org/2005/Atom";

/// One entry's source.
#[derive(Debug, Clone, PartialEq)]
pub enum EntrySource {
    /// Atom: the source feed's metadata (it has no entries).
    Atom(Box<feed_rs::model::Feed>),
    /// RSS 2.0: the source's title and its feed's URL.
    Rss { title: Option<String>, url: Option<String> },
}

impl EntrySource {
    /// The page or feed the entry names as its origin: the source feed's
    /// alternate link, else its id when that is a URL; RSS's `url`.
    pub fn url(&self) -> Option<&str> {
        match self {
            EntrySource::Atom(feed) => feed
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .map(|l| l.href.as_str())
                .or_else(|| Some(feed.id.as_str()).filter(|id| id.starts_with("http"))),
            EntrySource::Rss { url, .. } => url.as_deref(),
        }
    }
}

/// The sources of a document's entries (Atom `entry`, RSS `item`), in
/// document order, `None` for an entry without one; empty when the
/// document has no source element or cannot be read as XML.
pub fn entry_sources(bytes: &[u8], base: &str) -> Vec<Option<EntrySource>> {
    // A second pass over the document costs as much as the first: only
    // for documents that have a source element at all.
    let has = |tag: &[u8]| bytes.windows(tag.len()).any(|w| w == tag);
    if !has(b"<source") && !has(b":source") {
        return Vec::new();
    }
    read(bytes, base).unwrap_or_default()
}

fn read(bytes: &[u8], base: &str) -> Option<Vec<Option<EntrySource>>> {
    let mut reader = NsReader::from_reader(bytes);
    let mut out: Vec<Option<EntrySource>> = Vec::new();
    // Depth of the entry being read, if any.
    let mut entry_depth: Option<usize> = None;
    let mut depth = 0usize;
    loop {
        let start = usize::try_from(reader.buffer_position()).ok()?;
        let (ns, event) = reader.read_resolved_event().ok()?;
        let atom = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == ATOM_10);
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                depth += 1;
                let local = e.local_name().as_ref().to_string();
                if entry_depth.is_none() && (local == "entry" || local == "item") {
                    entry_depth = Some(depth);
                    out.push(None);
                } else if entry_depth == Some(depth - 1) && local == "source" {
                    let name = e.name().as_ref().to_string();
                    let url = e
                        .attributes()
                        .with_checks(false)
                        .flatten()
                        .find(|a| a.key.as_ref() == "url")
                        .map(|a| String::from_utf8_lossy(a.value.as_ref().as_bytes()).trim().to_string());
                    let span = reader.read_to_end(e.name()).ok()?;
                    depth -= 1;
                    let end = usize::try_from(reader.buffer_position()).ok()?;
                    let inner = bytes.get(usize::try_from(span.start).ok()?..usize::try_from(span.end).ok()?)?;
                    let source = if atom {
                        atom_source(&name, bytes.get(start..end)?, base).map(|f| EntrySource::Atom(Box::new(f)))
                    } else {
                        let title = quick_xml::escape::unescape(&String::from_utf8_lossy(inner))
                            .ok()
                            .map(|t| t.trim().to_string())
                            .filter(|t| !t.is_empty());
                        Some(EntrySource::Rss { title, url })
                    };
                    if let Some(slot) = out.last_mut() {
                        *slot = source;
                    }
                }
            }
            Event::End(_) => {
                if entry_depth == Some(depth) {
                    entry_depth = None;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    Some(out)
}

/// An Atom `<source>` element read as the feed it describes.
fn atom_source(name: &str, element: &[u8], base: &str) -> Option<feed_rs::model::Feed> {
    let text = std::str::from_utf8(element).ok()?;
    let open_end = text.find('>')?;
    let close = text.rfind("</")?;
    let attrs = text.get(1 + name.len()..open_end)?;
    let prefix = name.split_once(':').map(|(p, _)| p);
    let xmlns = match prefix {
        Some(p) => format!(" xmlns:{p}=\"{ATOM_10}\""),
        None => format!(" xmlns=\"{ATOM_10}\""),
    };
    let feed_name = match prefix {
        Some(p) => format!("{p}:feed"),
        None => "feed".to_string(),
    };
    let inner = text.get(open_end + 1..close)?;
    let doc = format!("<{feed_name}{xmlns}{attrs}>{inner}</{feed_name}>");
    // feed-rs may panic where it should fail (see `feed::parse_document`).
    std::panic::catch_unwind(|| {
        feed_rs::parser::Builder::new()
            .base_uri(Some(base))
            .build()
            .parse(doc.as_bytes())
            .ok()
    })
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn atom_and_rss_sources() {
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Aggregator</title>
<entry><id>a</id><title>Copied</title>
  <source><id>http://origin.example/feed</id><title type="html">Origin &lt;b&gt;News&lt;/b&gt;</title>
    <link rel="alternate" href="http://origin.example/"/><author><name>Ann</name></author></source></entry>
<entry><id>b</id><title>Own</title></entry></feed>"#;
        let sources = entry_sources(atom, "http://agg.example/feed");
        assert_eq!(sources.len(), 2);
        let Some(EntrySource::Atom(feed)) = &sources[0] else {
            panic!("{sources:?}");
        };
        assert_eq!(feed.title.as_ref().unwrap().content, "Origin <b>News</b>");
        assert_eq!(feed.authors[0].name.as_deref(), Some("Ann"));
        assert_eq!(sources[0].as_ref().unwrap().url(), Some("http://origin.example/"));
        assert_eq!(sources[1], None);

        let rss = br#"<rss version="2.0"><channel><item><title>x</title></item>
<item><source url="http://wire.example/rss">Wire &amp; Co</source></item></channel></rss>"#;
        let sources = entry_sources(rss, "http://agg.example/rss");
        assert_eq!(
            sources,
            [
                None,
                Some(EntrySource::Rss {
                    title: Some("Wire & Co".into()),
                    url: Some("http://wire.example/rss".into())
                })
            ]
        );
        assert!(entry_sources(b"<rss><chan", "http://x/").is_empty());
    }
}
