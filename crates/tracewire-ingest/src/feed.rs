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

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
    parse_feed_served(bytes, feed_url, Served::default())
}

/// What the HTTP response said about a document, as far as it bears on
/// reading it. The crawler passes what it has; all may be `None`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Served<'a> {
    /// `Content-Type`: its charset comes before the XML declaration
    /// (`xml_encoding.rs`).
    pub content_type: Option<&'a str>,
    /// `Content-Language`: the language of a document that declares none.
    pub content_language: Option<&'a str>,
}

/// [`parse_feed`] of a document fetched over HTTP with the response facts
/// `served` (the crawler's parse).
pub fn parse_feed_served(bytes: &[u8], feed_url: &str, served: Served<'_>) -> Result<ParsedFeed, FeedParseError> {
    let Document { feed, sources, .. } = parse_document_served(bytes, feed_url, served)?;
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
    parse_document_served(bytes, feed_url, Served::default())
}

/// [`parse_document`] of a document fetched over HTTP with the response
/// facts `served`.
pub fn parse_document_served(bytes: &[u8], feed_url: &str, served: Served<'_>) -> Result<Document, FeedParseError> {
    // A parser keeps state from a failed parse (feed-rs 3.0 then panics on
    // the next): each attempt gets a new one.
    let new_parser = || {
        feed_rs::parser::Builder::new()
            .base_uri(Some(feed_url))
            .id_generator(entry_id_without_guid)
            .build()
    };
    let decoded = crate::xml_encoding::to_utf8_served(bytes, served.content_type).map_err(FeedParseError)?;
    let bytes = decoded.utf8.as_ref();
    let version = format_version(bytes);
    let with_entities = html_entities_as_numbers(bytes);
    let bytes = with_entities.as_deref().unwrap_or(bytes);
    let upgraded = crate::atom03::upgrade(bytes)
        .or_else(|| rss_as_version_2(bytes))
        .or_else(|| cdf_as_rss(bytes));
    let bytes = upgraded.as_deref().unwrap_or(bytes);
    let renamed = namespaces_as_feed_rs_knows_them(bytes);
    let bytes = renamed.as_deref().unwrap_or(bytes);
    let linked = rdf_items_linked(bytes);
    let bytes = linked.as_deref().unwrap_or(bytes);
    let retyped = crate::atom_text::rewrite(bytes);
    let bytes = retyped.as_deref().unwrap_or(bytes);
    // feed-rs and quick-xml should return errors, and sometimes panic
    // instead (fuzzing found one): a document that makes them panic is
    // refused like any malformed one, and the crawl goes on. The parser is
    // dropped after a panic, so no broken state is seen again.
    let parse = |bytes: &[u8]| {
        let parser = new_parser();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(bytes))).map_err(|_| {
            FeedParseError("the feed parser failed on this document (a bug in feed-rs or quick-xml)".into())
        })
    };
    // A document that is not well-formed only for its `&`s (a bare one in
    // a URL's query, `&#X41;`) is read as its author meant, as feed
    // readers do; any other error stands.
    let repaired;
    let (mut feed, bytes, references_repaired) = match parse(bytes)? {
        Ok(feed) => (feed, bytes, false),
        Err(first) => match loose_references(bytes) {
            Some(fixed) => {
                repaired = fixed;
                match parse(&repaired)? {
                    Ok(feed) => (feed, repaired.as_slice(), true),
                    Err(_) => return Err(FeedParseError(describe(&first))),
                }
            }
            None => return Err(FeedParseError(describe(&first))),
        },
    };
    let language = served.content_language.and_then(|l| l.split(',').next()).map(str::trim);
    let mut extras = crate::extras::read(bytes, feed_url, language);
    if extras.entries.len() != feed.entries.len() {
        // As with sources: no entry facts rather than another entry's.
        let unknown = crate::extras::Facts {
            scope: extras.feed.scope.clone(),
            ..crate::extras::Facts::default()
        };
        extras.entries = vec![unknown; feed.entries.len()];
    }
    crate::extras::apply(&mut feed, &extras);
    let mut sources = crate::sources::entry_sources(bytes, feed_url);
    // Entries found by the two readers should match one to one; when they
    // do not, no source is claimed rather than a wrong one.
    if sources.len() != feed.entries.len() {
        sources = vec![None; feed.entries.len()];
    }
    let mut repairs = Vec::new();
    if references_repaired {
        repairs.push("It is not well-formed XML: a bare `&`, or `&#X` for `&#x`".to_string());
    }
    if let Some(prefix) = &extras.undeclared_prefix {
        repairs.push(format!("It uses the namespace prefix `{prefix}:` without declaring it"));
    }
    if let Some(ct) = served.content_type
        && !crate::xml_encoding::is_feed_media_type(ct)
    {
        repairs.push(format!("It is served as {ct:?}, not as XML or a feed"));
    }
    Ok(Document {
        feed,
        sources,
        extras,
        encoding: decoded.name,
        version,
        repairs,
    })
}

/// A parsed document: feed-rs's model and what it leaves out.
#[derive(Debug, Clone)]
pub struct Document {
    pub feed: feed_rs::model::Feed,
    /// One per entry of `feed`, in order.
    pub sources: Vec<Option<crate::sources::EntrySource>>,
    /// What feed-rs leaves out (`extras.rs`): each text construct's
    /// `xml:base` and `xml:lang`, dates as written; `extras.entries` has one
    /// per entry of `feed`, in order.
    pub extras: crate::extras::Extras,
    /// The character encoding the document was in (its WHATWG name, or
    /// `cp437`… for a DOS code page).
    pub encoding: &'static str,
    /// The format and version the document declares (`format_version`).
    pub version: &'static str,
    /// What was wrong with the document that the parse worked around, in
    /// words, one sentence each (feedparser's `bozo`); empty for a clean one.
    pub repairs: Vec<String>,
}

/// The format and version a document declares, by its root element:
/// `rss090`, `rss091n` (Netscape's DTD) or `rss091u`, `rss092`, `rss093`,
/// `rss094`, `rss20`, `rss` (no version we know), `rss10`, `atom03`,
/// `atom10`, `cdf`, `json`, or `""` (none of these).
pub fn format_version(bytes: &[u8]) -> &'static str {
    use quick_xml::events::Event;
    if bytes.trim_ascii_start().starts_with(b"{") {
        return "json";
    }
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut netscape = false;
    let root = loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => break e.into_owned(),
            Ok(Event::DocType(d)) => netscape = d.contains("Netscape"),
            Ok(Event::Eof) | Err(_) => return "",
            _ => {}
        }
    };
    let attr = |name: &str| {
        root.attributes()
            .with_checks(false)
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .map(|a| a.value.as_ref().trim().to_string())
    };
    let xmlns = root
        .attributes()
        .with_checks(false)
        .flatten()
        .filter(|a| a.key.as_ref().starts_with("xmlns"))
        .map(|a| a.value.as_ref().to_string())
        .collect::<Vec<_>>();
    match root.local_name().as_ref() {
        "rss" => match attr("version").as_deref() {
            Some("0.91") if netscape => "rss091n",
            Some("0.91") => "rss091u",
            Some("0.92") => "rss092",
            Some("0.93") => "rss093",
            Some("0.94") => "rss094",
            Some(v) if v.starts_with('2') => "rss20",
            _ => "rss",
        },
        "RDF" if xmlns.iter().any(|n| n == "http://my.netscape.com/rdf/simple/0.9/") => "rss090",
        "RDF" => "rss10",
        "feed" if xmlns.iter().any(|n| n == "http://purl.org/atom/ns#") => "atom03",
        "feed" => "atom10",
        "channel" | "CHANNEL" => "cdf",
        _ => "",
    }
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
        if let Some((c1, len)) = c1_reference(&bytes[start..]) {
            // `&#146;`: a windows-1252 byte written as a code point, which
            // HTML reads as the windows-1252 character (’) and XML as an
            // invisible control character.
            let buf = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + 64));
            buf.extend_from_slice(&bytes[copied..start]);
            buf.extend_from_slice(format!("&#{};", u32::from(c1)).as_bytes());
            copied = start + len;
            i = copied;
            continue;
        }
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

/// `&` as XML requires it, outside CDATA sections and comments: a bare one
/// (not starting a reference) becomes `&amp;`, and `&#X41;` (an uppercase
/// X, which HTML allows and XML does not) `&#x41;`. `None` when nothing
/// changes.
fn loose_references(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        // Copy CDATA sections and comments as they are.
        for (open, close) in [(&b"<![CDATA["[..], &b"]]>"[..]), (b"<!--", b"-->")] {
            if rest.starts_with(open) {
                let end = rest[open.len()..]
                    .windows(close.len())
                    .position(|w| w == close)
                    .map_or(rest.len(), |p| open.len() + p + close.len());
                out.extend_from_slice(&rest[..end]);
                i += end;
                break;
            }
        }
        if i >= bytes.len() || !std::ptr::eq(rest, &bytes[i..]) {
            continue;
        }
        if rest[0] != b'&' {
            out.push(rest[0]);
            i += 1;
            continue;
        }
        let reference_len = |digits: &[u8], hex: bool| {
            let n = digits
                .iter()
                .take_while(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() })
                .count();
            (n > 0 && digits.get(n) == Some(&b';')).then_some(n + 1)
        };
        let name_len = rest[1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
            .count();
        if rest.get(1) == Some(&b'#') {
            if rest.get(2) == Some(&b'X')
                && let Some(n) = reference_len(&rest[3..], true)
            {
                out.extend_from_slice(b"&#x");
                out.extend_from_slice(&rest[3..3 + n]);
                changed = true;
                i += 3 + n;
                continue;
            }
            let well_formed = match rest.get(2) {
                Some(b'x') => reference_len(&rest[3..], true).is_some(),
                _ => reference_len(&rest[2..], false).is_some(),
            };
            if well_formed {
                out.push(b'&');
                i += 1;
                continue;
            }
        } else if name_len > 0 && rest[1].is_ascii_alphabetic() && rest.get(1 + name_len) == Some(&b';') {
            out.push(b'&');
            i += 1;
            continue;
        }
        out.extend_from_slice(b"&amp;");
        changed = true;
        i += 1;
    }
    changed.then_some(out)
}

/// RSS 1.0 items without a `<link>` given their `rdf:about` as one: it is
/// the item's URI, which RSS 1.0 requires (and usually the same URL), and
/// feed-rs drops an item with no link. `None` when there is none.
fn rdf_items_linked(bytes: &[u8]) -> Option<Vec<u8>> {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    const RSS_10: &str = "http://purl.org/rss/1.0/";
    if !bytes.windows(RDF.len()).any(|w| w == RDF.as_bytes()) {
        return None;
    }
    let mut reader = quick_xml::reader::NsReader::from_reader(bytes);
    let mut inserts: Vec<(usize, String)> = Vec::new();
    loop {
        let (ns, event) = reader.read_resolved_event().ok()?;
        let e = match event {
            Event::Start(e) => e.into_owned(),
            Event::Eof => break,
            _ => continue,
        };
        let in_rss = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == RSS_10);
        if !in_rss || e.local_name().as_ref() != "item" {
            continue;
        }
        let about = e.attributes().with_checks(false).flatten().find_map(|a| {
            let (ns, local) = reader.resolver().resolve_attribute(a.key);
            (matches!(ns, ResolveResult::Bound(n) if n.as_ref() == RDF) && local.as_ref() == "about")
                .then(|| a.value.as_ref().trim().to_string())
        });
        let after_start = usize::try_from(reader.buffer_position()).ok()?;
        let span = reader.read_to_end(e.name()).ok()?;
        let inner = bytes.get(usize::try_from(span.start).ok()?..usize::try_from(span.end).ok()?)?;
        let has_link = inner.windows(5).any(|w| w == b"link>");
        if let Some(about) = about.filter(|a| !a.is_empty() && !has_link) {
            // The attribute value is written back as it was escaped.
            inserts.push((after_start, format!("<link xmlns=\"{RSS_10}\">{about}</link>")));
        }
    }
    if inserts.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() + inserts.len() * 64);
    let mut copied = 0;
    for (at, text) in inserts {
        out.extend_from_slice(bytes.get(copied..at)?);
        out.extend_from_slice(text.as_bytes());
        copied = at;
    }
    out.extend_from_slice(bytes.get(copied..)?);
    Some(out)
}

/// Namespaces feed-rs knows under one spelling only, declared as it knows
/// them: RSS 2.0's (Userland's and Harvard's, from the years RSS 2.0 had a
/// namespace) and RSS 0.90's as RSS 1.0's, whose elements are the same, and
/// iTunes' with Apple's capitals (`DTDs/Podcast`), which feed-rs ignored with
/// every podcast element under it. `None` when there is none.
fn namespaces_as_feed_rs_knows_them(bytes: &[u8]) -> Option<Vec<u8>> {
    const RSS: &str = "http://purl.org/rss/1.0/";
    const ALIASES: &[(&str, &str)] = &[
        ("http://backend.userland.com/rss2", RSS),
        ("http://backend.userland.com/rss", RSS),
        ("http://blogs.law.harvard.edu/tech/rss", RSS),
        ("http://my.netscape.com/rdf/simple/0.9/", RSS),
        // Media RSS without its final slash, as much of the web writes it.
        ("http://search.yahoo.com/mrss", "http://search.yahoo.com/mrss/"),
        (
            "http://www.itunes.com/dtds/podcast-1.0.dtd",
            "http://www.itunes.com/dtds/podcast-1.0.dtd",
        ),
    ];
    if bytes.trim_ascii_start().starts_with(b"{") {
        return None; // JSON Feed
    }
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(at) = bytes.get(i..)?.windows(5).position(|w| w == b"xmlns") {
        let start = i + at;
        i = start + 5;
        // `xmlns` or `xmlns:prefix`, `=`, a quoted value.
        let mut j = i;
        if bytes.get(j) == Some(&b':') {
            j += 1;
            while bytes
                .get(j)
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            {
                j += 1;
            }
        }
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if bytes.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let Some(&quote) = bytes.get(j).filter(|q| matches!(q, b'"' | b'\'')) else {
            continue;
        };
        let value_start = j + 1;
        let Some(len) = bytes.get(value_start..)?.iter().position(|&b| b == quote) else {
            continue;
        };
        let value = &bytes[value_start..value_start + len];
        let Some((_, to)) = ALIASES
            .iter()
            .find(|(from, to)| value.eq_ignore_ascii_case(from.as_bytes()) && value != to.as_bytes())
        else {
            continue;
        };
        let buf = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + 64));
        buf.extend_from_slice(&bytes[copied..value_start]);
        buf.extend_from_slice(to.as_bytes());
        copied = value_start + len;
        i = copied;
    }
    let mut out = out?;
    out.extend_from_slice(&bytes[copied..]);
    Some(out)
}

/// Microsoft's Channel Definition Format (a `CHANNEL` root, 1997, the
/// first web feeds) written as the RSS 2.0 it maps onto: the channel's and
/// each `ITEM`'s `HREF` (link), `LASTMOD` (date), `TITLE` and `ABSTRACT`
/// (description). `None` for any other document.
fn cdf_as_rss(bytes: &[u8]) -> Option<Vec<u8>> {
    use quick_xml::escape::escape;
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let attr = |e: &BytesStart<'_>, name: &str| {
        e.attributes()
            .with_checks(false)
            .flatten()
            .find(|a| a.key.as_ref().eq_ignore_ascii_case(name))
            .map(|a| {
                let raw = a.value.as_ref().trim().to_string();
                quick_xml::escape::unescape(&raw).map_or(raw.clone(), |v| v.into_owned())
            })
    };
    let links = |e: &BytesStart<'_>, date: &str| {
        let mut out = String::new();
        if let Some(href) = attr(e, "HREF") {
            out.push_str(&format!("<link>{}</link>", escape(href.as_str())));
        }
        if let Some(at) = attr(e, "LASTMOD") {
            out.push_str(&format!("<{date}>{}</{date}>", escape(at.as_str())));
        }
        out
    };
    let mut out = String::from("<rss version=\"2.0\">");
    let mut root = None;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if root.is_none() => {
                if !e.name().as_ref().eq_ignore_ascii_case("channel") {
                    return None;
                }
                out.push_str("<channel>");
                out.push_str(&links(&e, "lastBuildDate"));
                root = Some(e.name().as_ref().to_string());
            }
            Event::Start(e) => {
                let name = e.name().as_ref().to_ascii_uppercase();
                match name.as_str() {
                    "ITEM" => {
                        out.push_str("<item>");
                        out.push_str(&links(&e, "updated"));
                    }
                    "TITLE" | "ABSTRACT" => {
                        let text = reader.read_text(e.name()).ok()?;
                        let text = quick_xml::escape::unescape(&text).map_or(text.to_string(), |t| t.into_owned());
                        let tag = if name == "TITLE" { "title" } else { "description" };
                        out.push_str(&format!("<{tag}>{}</{tag}>", escape(text.trim())));
                    }
                    _ => {}
                }
            }
            Event::Empty(e) if e.name().as_ref().eq_ignore_ascii_case("item") => {
                out.push_str("<item>");
                out.push_str(&links(&e, "updated"));
                out.push_str("</item>");
            }
            Event::End(e) if e.name().as_ref().eq_ignore_ascii_case("item") => out.push_str("</item>"),
            Event::Eof => break,
            _ => {}
        }
    }
    root?;
    out.push_str("</channel></rss>");
    Some(out.into_bytes())
}

/// A numeric character reference to a C1 control (`&#128;`–`&#159;`,
/// `&#x80;`–`&#x9F;`) at the start of `bytes`: the windows-1252 character
/// HTML reads it as (its table of replacements), and the reference's length.
fn c1_reference(bytes: &[u8]) -> Option<(char, usize)> {
    let rest = bytes.strip_prefix(b"&#")?;
    let (hex, digits) = match rest.first()? {
        b'x' | b'X' => (true, &rest[1..]),
        _ => (false, rest),
    };
    let len = digits.iter().take(8).take_while(|b| b.is_ascii_hexdigit()).count();
    if len == 0 || digits.get(len) != Some(&b';') {
        return None;
    }
    let text = std::str::from_utf8(&digits[..len]).ok()?;
    let n = if hex {
        u32::from_str_radix(text, 16)
    } else {
        text.parse()
    }
    .ok()?;
    let byte = u8::try_from(n).ok().filter(|b| (0x80..=0x9f).contains(b))?;
    let one = [byte];
    let (decoded, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&one);
    let c = decoded.chars().next().filter(|c| u32::from(*c) > 0x9f)?;
    Some((c, 2 + usize::from(hex) + len + 1))
}

/// An `<rss>` root whose `version` feed-rs does not know (none at all,
/// "0.93", "0.94", "2.0.1", "2.00"), marked 2.0: feed-rs dispatches on that
/// attribute and otherwise reads nothing, where every reader since RSS 0.91
/// treats such a document as RSS 2.0 (feedparser does). An `<rss>` without
/// a `<channel>` gets one around its content (an empty one when it has
/// none: a feed with nothing in it yet), where feed-rs refused it as no
/// feed at all.
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
    // feed-rs refuses an `<rss>` without a channel; it is an empty feed.
    let channel = bytes.get(end..)?.windows(7).any(|w| w == b"channel");
    let known = matches!(version.as_deref(), Some("2.0" | "" | "0.91" | "0.92"));
    if known && channel {
        return None;
    }
    tag.push_attribute(("version", if known { version.as_deref()? } else { "2.0" }));
    let mut out = Vec::with_capacity(bytes.len() + 32);
    out.extend_from_slice(bytes.get(..start)?);
    let mut writer = quick_xml::Writer::new(&mut out);
    if channel {
        writer
            .write_event(if empty { Event::Empty(tag) } else { Event::Start(tag) })
            .ok()?;
    } else if empty {
        let end_tag = tag.to_end().into_owned();
        writer.write_event(Event::Start(tag)).ok()?;
        writer.write_event(Event::Empty(BytesStart::new("channel"))).ok()?;
        writer.write_event(Event::End(end_tag)).ok()?;
    } else {
        // Its items and channel elements are the channel's, as RSS 0.90
        // without RDF wrote them: wrapped in one.
        let close = format!("</{}", root.name().as_ref());
        let rest = bytes.get(end..)?;
        let at = rest.windows(close.len()).rposition(|w| w == close.as_bytes())?;
        writer.write_event(Event::Start(tag)).ok()?;
        out.extend_from_slice(b"<channel>");
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(b"</channel>");
        out.extend_from_slice(&rest[at..]);
        return Some(out);
    }
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
    fn bare_ampersands_and_uppercase_hex_references_are_read_as_meant() {
        let rss = br#"<rss version="2.0"><channel><title>A &amp; B</title><item><title>&#X41;&#x42;&#67;</title>
            <link>http://example/?a=1&b=2&c</link><description><![CDATA[x && y <b>&</b>]]></description></item></channel></rss>"#;
        let f = parse_feed(rss, "http://example/feed").unwrap();
        assert_eq!(f.title.as_deref(), Some("A & B"));
        let e = &f.entries[0];
        assert_eq!(e.title.as_deref(), Some("ABC"));
        assert_eq!(e.url.as_deref(), Some("http://example/?a=1&b=2&c"));
        assert_eq!(e.summary_html.as_deref(), Some("x && y <b>&</b>"));
        // Well-formed documents are not touched; other errors stand.
        assert_eq!(
            loose_references(b"<a>&amp; &#38; &#x26; <![CDATA[&]]> <!-- & --></a>"),
            None
        );
        assert!(parse_feed(b"a & b, not a feed", "http://e/").is_err());
    }

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
            Some(&br#"<rss version="2.0"><channel/></rss>"#[..])
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
    fn the_http_charset_is_read_before_the_declaration() {
        let doc = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel><title>caf\xc3\xa9</title></channel></rss>";
        let plain = parse_feed(doc, "https://x.example/").unwrap();
        assert_eq!(plain.title.as_deref(), Some("caf\u{c3}\u{a9}"));
        let served = Served {
            content_type: Some("application/rss+xml; charset=utf-8"),
            ..Served::default()
        };
        let f = parse_feed_served(doc, "https://x.example/", served).unwrap();
        assert_eq!(f.title.as_deref(), Some("caf\u{e9}"));
        let d = parse_document_served(doc, "https://x.example/", served).unwrap();
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn old_and_odd_rss_documents_are_read() {
        // Items straight under <rss>, a Windows-1252 byte as a reference.
        let doc = b"<rss><item><title>don&#146;t</title><link>http://x.example/1</link></item></rss>";
        let f = parse_feed(doc, "http://x.example/").unwrap();
        assert_eq!(f.entries[0].title.as_deref(), Some("don\u{2019}t"));
        assert_eq!(c1_reference(b"&#x80;"), Some(('\u{20ac}', 6)));
        assert_eq!(c1_reference(b"&#129;"), None, "undefined in windows-1252");
        // An empty <rss> is an empty feed.
        assert!(
            parse_feed(b"<rss version=\"0.91\">\n</rss>", "http://x.example/")
                .unwrap()
                .entries
                .is_empty()
        );
        // RSS 1.0 items known by rdf:about; RSS 0.90's and Userland's namespaces.
        let rdf = br#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>Old</title></channel><item rdf:about="http://x.example/a"><title>A</title></item></rdf:RDF>"#;
        let f = parse_feed(rdf, "http://x.example/").unwrap();
        assert_eq!(f.title.as_deref(), Some("Old"));
        assert_eq!(f.entries[0].url.as_deref(), Some("http://x.example/a"));
        assert_eq!(format_version(rdf), "rss090");
        let userland = br#"<rss xmlns="http://backend.userland.com/rss2"><channel><title>U</title></channel></rss>"#;
        assert_eq!(
            parse_feed(userland, "http://x.example/").unwrap().title.as_deref(),
            Some("U")
        );
        // Microsoft's CDF.
        let cdf = br#"<CHANNEL HREF="http://x.example/" LASTMOD="2004-04-06T23:05:43-05:00"><TITLE>C</TITLE>
<ITEM HREF="http://x.example/i"><ABSTRACT>About</ABSTRACT></ITEM></CHANNEL>"#;
        let d = parse_document(cdf, "http://x.example/").unwrap();
        assert_eq!(d.version, "cdf");
        assert_eq!(d.feed.title.as_ref().unwrap().content, "C");
        assert!(d.feed.updated.is_some());
        assert_eq!(d.feed.entries[0].summary.as_ref().unwrap().content, "About");
        assert_eq!(d.feed.entries[0].links[0].href, "http://x.example/i");
        for (doc, version) in [
            (
                &br#"<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x"><rss version="0.91"/>"#[..],
                "rss091n",
            ),
            (br#"<rss version="0.91"/>"#, "rss091u"),
            (br#"<rss version="2.0.1"/>"#, "rss20"),
            (b"<rss/>", "rss"),
            (br#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"/>"#, "atom03"),
            (br#"<feed xmlns="http://www.w3.org/2005/Atom"/>"#, "atom10"),
        ] {
            assert_eq!(format_version(doc), version);
        }
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
