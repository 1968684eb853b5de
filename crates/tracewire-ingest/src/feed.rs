//! Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) to entries, through
//! feed-rs, with links made absolute against the feed's own URL.

use chrono::{DateTime, Utc};
use url::Url;

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    /// The site the feed describes (its HTML `link`).
    pub site_url: Option<String>,
    pub language: Option<String>,
    pub entries: Vec<FeedEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// Stable identity: the GUID/id, else the link.
    pub guid: String,
    /// The article page, absolute.
    pub url: Option<String>,
    pub title: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub author: Option<String>,
    /// Full content (`content:encoded`, Atom content, JSON `content_html`).
    pub content_html: Option<String>,
    /// Summary / description.
    pub summary_html: Option<String>,
    /// Where the entry says it was copied from (its `<source>`).
    pub source_url: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct FeedParseError(pub String);

/// Parses a feed document. `feed_url` resolves relative links.
pub fn parse_feed(bytes: &[u8], feed_url: &str) -> Result<ParsedFeed, FeedParseError> {
    let Document { feed, sources, .. } = parse_document(bytes, feed_url)?;
    let base = Url::parse(feed_url).ok();
    let absolute = |href: &str| tracewire_extract::absolute_url(base.as_ref(), href);
    let site_url = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .and_then(|l| absolute(&l.href));
    let entries = feed
        .entries
        .iter()
        .zip(&sources)
        .map(|(e, source)| {
            let url = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| e.links.first())
                .and_then(|l| absolute(&l.href));
            let guid = if !e.id.trim().is_empty() {
                e.id.trim().to_string()
            } else if let Some(url) = &url {
                url.clone()
            } else {
                // Neither id, link nor title: the content is all there is.
                let body = e.content.as_ref().and_then(|c| c.body.as_deref()).unwrap_or_default();
                let summary = e.summary.as_ref().map(|s| s.content.as_str()).unwrap_or_default();
                if body.trim().is_empty() && summary.trim().is_empty() {
                    String::new()
                } else {
                    format!(
                        "content:{:016x}",
                        fnv1a(body.as_bytes()) ^ fnv1a(summary.as_bytes()).rotate_left(1)
                    )
                }
            };
            FeedEntry {
                guid,
                url,
                title: e
                    .title
                    .as_ref()
                    .map(|t| t.content.trim().to_string())
                    .filter(|t| !t.is_empty()),
                published: e.published.or(e.updated),
                author: e
                    .authors
                    .first()
                    .and_then(|a| a.name.as_deref())
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty()),
                content_html: e
                    .content
                    .as_ref()
                    .and_then(|c| c.body.clone())
                    .filter(|b| !b.trim().is_empty()),
                summary_html: e
                    .summary
                    .as_ref()
                    .map(|s| s.content.clone())
                    .filter(|s| !s.trim().is_empty()),
                source_url: source.as_ref().and_then(|s| s.url()).and_then(&absolute),
            }
        })
        .filter(|e| !e.guid.is_empty())
        .collect();
    Ok(ParsedFeed {
        title: feed
            .title
            .map(|t| t.content.trim().to_string())
            .filter(|t| !t.is_empty()),
        site_url,
        language: feed.language,
        entries,
    })
}

/// The whole document as feed-rs reads it with our settings, after the
/// repairs below (the crawler's parse, and what `tracewire conformance`
/// checks), with each entry's `<source>` (`None` where it has none).
pub fn parse_document(bytes: &[u8], feed_url: &str) -> Result<Document, FeedParseError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url))
        .id_generator(entry_id_without_guid)
        .build();
    let decoded = crate::xml_encoding::to_utf8(bytes).map_err(FeedParseError)?;
    let bytes = decoded.utf8.as_ref();
    let with_entities = html_entities_as_numbers(bytes);
    let bytes = with_entities.as_deref().unwrap_or(bytes);
    let upgraded = crate::atom03::upgrade(bytes).or_else(|| rss_as_version_2(bytes));
    let bytes = upgraded.as_deref().unwrap_or(bytes);
    // feed-rs and quick-xml should return errors, and sometimes panic
    // instead (fuzzing found one): a document that makes them panic is
    // refused like any malformed one, and the crawl goes on. The parser is
    // dropped after a panic, so no broken state is seen again.
    let feed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(bytes)))
        .map_err(|_| FeedParseError("the feed parser failed on this document (a bug in feed-rs or quick-xml)".into()))?
        .map_err(|e| FeedParseError(describe(&e)))?;
    let mut sources = crate::sources::entry_sources(bytes, feed_url);
    // Entries found by the two readers should match one to one; when they
    // do not, no source is claimed rather than a wrong one.
    if sources.len() != feed.entries.len() {
        sources = vec![None; feed.entries.len()];
    }
    Ok(Document {
        feed,
        sources,
        encoding: decoded.encoding.name(),
    })
}

/// A parsed document: feed-rs's model and what it leaves out.
#[derive(Debug, Clone)]
pub struct Document {
    pub feed: feed_rs::model::Feed,
    /// One per entry of `feed`, in order.
    pub sources: Vec<Option<crate::sources::EntrySource>>,
    /// The character encoding the document was in (its WHATWG name).
    pub encoding: &'static str,
}

/// HTML's named entities (`&nbsp;`, `&eacute;`, `&hellip;`), which XML does
/// not define and feeds use all the time, written as the numeric references
/// XML reads; `None` when there are none. The five XML defines and unknown
/// names are left as they are. Written by hand over the byte stream: the XML
/// parser has to see the document whole, and the names are HTML's own table
/// (the one html5ever decodes with).
fn html_entities_as_numbers(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(at) = bytes.get(i..).and_then(|rest| rest.iter().position(|&b| b == b'&')) {
        let start = i + at;
        let name_len = bytes[start + 1..]
            .iter()
            .take(32)
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let end = start + 1 + name_len;
        i = start + 1;
        if name_len == 0 || bytes.get(end) != Some(&b';') {
            continue;
        }
        let Ok(name) = std::str::from_utf8(&bytes[start + 1..=end]) else {
            continue;
        };
        if matches!(name, "amp;" | "lt;" | "gt;" | "quot;" | "apos;") {
            continue;
        }
        let Some(&(first, second)) = markup5ever::data::NAMED_ENTITIES.get(name) else {
            continue;
        };
        let buf = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + 64));
        buf.extend_from_slice(&bytes[copied..start]);
        buf.extend_from_slice(format!("&#{first};").as_bytes());
        if second != 0 {
            buf.extend_from_slice(format!("&#{second};").as_bytes());
        }
        copied = end + 1;
        i = copied;
    }
    let mut out = out?;
    out.extend_from_slice(&bytes[copied..]);
    Some(out)
}

/// An `<rss>` root whose `version` feed-rs does not know (none at all,
/// "0.93", "0.94", "2.0.1", "2.00"), marked 2.0: feed-rs dispatches on that
/// attribute and otherwise reads nothing, where every reader since RSS 0.91
/// treats such a document as RSS 2.0 (feedparser does).
fn rss_as_version_2(bytes: &[u8]) -> Option<Vec<u8>> {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let (root, empty, start, end) = loop {
        let start = usize::try_from(reader.buffer_position()).ok()?;
        match reader.read_event().ok()? {
            Event::Start(e) => {
                let end = usize::try_from(reader.buffer_position()).ok()?;
                break (e.into_owned(), false, start, end);
            }
            Event::Empty(e) => {
                let end = usize::try_from(reader.buffer_position()).ok()?;
                break (e.into_owned(), true, start, end);
            }
            Event::Eof => return None,
            _ => {}
        }
    };
    if !root.name().as_ref().eq_ignore_ascii_case("rss") {
        return None;
    }
    let mut version = None;
    let mut tag = BytesStart::new(root.name().as_ref().to_string());
    for attr in root.attributes().with_checks(false).flatten() {
        if attr.key.as_ref() == "version" {
            version = Some(String::from_utf8_lossy(attr.value.as_ref().as_bytes()).into_owned());
        } else {
            tag.push_attribute(attr);
        }
    }
    if matches!(version.as_deref(), Some("2.0" | "" | "0.91" | "0.92")) {
        return None;
    }
    tag.push_attribute(("version", "2.0"));
    let mut out = Vec::with_capacity(bytes.len() + 16);
    out.extend_from_slice(bytes.get(..start)?);
    let mut writer = quick_xml::Writer::new(&mut out);
    writer
        .write_event(if empty { Event::Empty(tag) } else { Event::Start(tag) })
        .ok()?;
    out.extend_from_slice(bytes.get(end..)?);
    Some(out)
}

/// The identity of an entry that has no GUID/id: its link, which survives
/// title edits (feed-rs's default hashes link and title, so a corrected
/// headline would look like a new entry), else its title. feed-rs's last
/// resort is a random UUID, which would duplicate the entry on every crawl;
/// we return an empty id instead and fall back to the content in `parse_feed`.
fn entry_id_without_guid(
    links: &[feed_rs::model::Link],
    title: &Option<feed_rs::model::Text>,
    _uri: Option<&str>,
) -> String {
    if let Some(link) = links.first().filter(|l| !l.href.trim().is_empty()) {
        return link.href.trim().to_string();
    }
    match title {
        Some(t) if !t.content.trim().is_empty() => format!("title:{}", t.content.trim()),
        _ => String::new(),
    }
}

/// FNV-1a: a stable 64-bit hash for ids stored across versions (std's
/// DefaultHasher may change between Rust releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn describe(e: &feed_rs::parser::ParseFeedError) -> String {
    use feed_rs::parser::ParseFeedError as E;
    match e {
        E::ParseError(kind) => format!("not a feed: {kind}"),
        E::IoError(io) => format!("could not read the document: {io}"),
        E::JsonSerde(j) => format!("malformed JSON Feed: {j}"),
        E::JsonUnsupportedVersion(v) => format!("unsupported JSON Feed version {v}"),
        E::XmlReader(x) => format!("malformed XML: {x}"),
    }
}

/// Cheap check whether a body looks like HTML rather than a feed.
pub fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html")) {
        return true;
    }
    let head = &body[..body.len().min(1024)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    lower.contains("<!doctype html") || lower.contains("<html")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rss2_atom_rss1_and_json_feed() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://s.example/</link>
          <item><title>One</title><link>/a/1</link><guid>g1</guid><pubDate>Fri, 18 Sep 2015 14:05:00 +0000</pubDate></item>
          <item><title>No guid</title><link>https://s.example/a/2</link></item></channel></rss>"#;
        let f = parse_feed(rss.as_bytes(), "https://s.example/feed").unwrap();
        assert_eq!(f.title.as_deref(), Some("T"));
        assert_eq!(f.entries[0].url.as_deref(), Some("https://s.example/a/1"));
        assert_eq!(f.entries[0].guid, "g1");
        assert!(!f.entries[1].guid.is_empty());

        let atom = r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2024-01-01T00:00:00Z</updated>
          <entry><id>urn:e1</id><title>E</title><link rel="alternate" href="https://a.example/e1"/><updated>2024-01-01T00:00:00Z</updated><content type="html">&lt;p&gt;Hi&lt;/p&gt;</content></entry></feed>"#;
        let f = parse_feed(atom.as_bytes(), "https://a.example/atom").unwrap();
        assert_eq!(f.entries[0].guid, "urn:e1");
        assert_eq!(f.entries[0].content_html.as_deref(), Some("<p>Hi</p>"));

        let rdf = r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
          <channel rdf:about="https://r.example/"><title>R</title><link>https://r.example/</link></channel>
          <item rdf:about="https://r.example/1"><title>R1</title><link>https://r.example/1</link></item></rdf:RDF>"#;
        let f = parse_feed(rdf.as_bytes(), "https://r.example/index.rdf").unwrap();
        assert_eq!(f.entries[0].url.as_deref(), Some("https://r.example/1"));

        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"1","url":"https://j.example/1","title":"J1","content_html":"<p>x</p>"}]}"#;
        let f = parse_feed(json.as_bytes(), "https://j.example/feed.json").unwrap();
        assert_eq!(f.entries[0].title.as_deref(), Some("J1"));
    }

    #[test]
    fn rss_091_and_092() {
        for version in ["0.91", "0.92"] {
            let doc = format!(
                r#"<?xml version="1.0"?><rss version="{version}"><channel><title>Old</title><link>https://o.example/</link>
                <description>d</description><language>en-gb</language>
                <item><title>Old item</title><link>https://o.example/1</link><description>Text &amp; more</description></item></channel></rss>"#
            );
            let f = parse_feed(doc.as_bytes(), "https://o.example/rss").unwrap();
            assert_eq!(f.entries.len(), 1, "{version}");
            assert_eq!(f.entries[0].url.as_deref(), Some("https://o.example/1"));
            assert_eq!(
                f.entries[0].guid, "https://o.example/1",
                "an entry without guid is known by its link"
            );
            assert_eq!(f.entries[0].summary_html.as_deref(), Some("Text & more"));
            assert_eq!(f.language.as_deref(), Some("en-gb"));
        }
    }

    #[test]
    fn rss_without_a_known_version_reads_as_rss_2() {
        for root in [
            "<rss>",
            r#"<rss version="0.94">"#,
            r#"<rss version="2.0.1" xmlns:dc="http://purl.org/dc/elements/1.1/">"#,
        ] {
            let doc = format!(
                "<?xml version=\"1.0\"?>\n<!-- a comment -->\n{root}<channel><title>T &#160;x</title>\
                 <item><title>One</title><link>https://v.example/1</link></item></channel></rss>"
            );
            let f = parse_feed(doc.as_bytes(), "https://v.example/rss").unwrap();
            assert_eq!(f.title.as_deref(), Some("T \u{a0}x"), "{root}");
            assert_eq!(f.entries.len(), 1, "{root}");
        }
        assert!(rss_as_version_2(br#"<rss version="2.0"><channel/></rss>"#).is_none());
        assert!(rss_as_version_2(b"<feed/>").is_none());
        assert_eq!(
            rss_as_version_2(b"<rss/>").as_deref(),
            Some(&br#"<rss version="2.0"/>"#[..])
        );
    }

    #[test]
    fn html_entities_read_as_their_characters() {
        let doc = "<rss version=\"2.0\"><channel><title>caf&eacute;&nbsp;&hellip; &amp;copy; &bogus; &#38;</title>\
                   </channel></rss>";
        let f = parse_feed(doc.as_bytes(), "https://e.example/rss").unwrap();
        assert_eq!(f.title.as_deref(), Some("caf\u{e9}\u{a0}\u{2026} &copy; &bogus; &"));
        assert!(html_entities_as_numbers(b"AT&amp;T &lt;b&gt; & ;").is_none());
    }

    #[test]
    fn an_entry_names_its_source() {
        let rss = r#"<rss version="2.0"><channel><title>Agg</title>
            <item><title>Copy</title><link>https://agg.example/1</link>
            <source url="https://wire.example/rss">Wire</source></item>
            <item><title>Own</title><link>https://agg.example/2</link></item></channel></rss>"#;
        let f = parse_feed(rss.as_bytes(), "https://agg.example/rss").unwrap();
        assert_eq!(f.entries[0].source_url.as_deref(), Some("https://wire.example/rss"));
        assert_eq!(f.entries[1].source_url, None);
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>a</id>
            <entry><id>e</id><title>Copy</title><link href="/e"/>
            <source><id>o</id><link href="/origin/"/></source></entry></feed>"#;
        let f = parse_feed(atom.as_bytes(), "https://agg.example/atom").unwrap();
        assert_eq!(f.entries[0].source_url.as_deref(), Some("https://agg.example/origin/"));
    }

    #[test]
    fn ids_without_guid_or_link_are_stable() {
        let doc = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><description>Only a description, no link, no title, no guid.</description></item>
            <item><title>Only a title</title></item></channel></rss>"#;
        let a = parse_feed(doc.as_bytes(), "https://x.example/rss").unwrap();
        let b = parse_feed(doc.as_bytes(), "https://x.example/rss").unwrap();
        assert_eq!(a.entries.len(), 2);
        assert_eq!(a.entries, b.entries, "parsing twice must give the same ids");
        assert!(a.entries[0].guid.starts_with("content:"), "{}", a.entries[0].guid);
        assert_eq!(a.entries[1].guid, "title:Only a title");
    }

    #[test]
    fn documents_fuzzing_found_are_read_or_refused_without_a_panic() {
        // UTF-16 without a byte-order mark, and a declaration after other
        // text: both made quick-xml 0.42 panic inside feed-rs.
        let utf16: Vec<u8> = "<?xml version=\"1.0\" encoding=\"csunicode\"?><rss version=\"2.0\"><channel><title>\u{e9}</title></channel></rss>"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(
            parse_feed(&utf16, "https://x.example/").unwrap().title.as_deref(),
            Some("\u{e9}")
        );
        let late = "\u{feff}-\n Copyright <?xml version='1.0' encoding='iso-8859-1'?>\n<rss version=\"2.0\"><channel><title>t</title></channel></rss>";
        let _ = parse_feed(late.as_bytes(), "https://x.example/");
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for bad in [
            "",
            "<rss><channel><item>",
            "{\"version\":",
            "<html><body>hi</body></html>",
            "\u{0}\u{1}",
        ] {
            assert!(parse_feed(bad.as_bytes(), "https://x.example/").is_err(), "{bad:?}");
        }
    }
}
