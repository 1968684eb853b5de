//! What feed-rs leaves out of a document, read in one pass of quick-xml
//! (the parser feed-rs itself uses) beside feed-rs's own:
//!
//! - the `xml:base` and `xml:lang` in effect on each text construct (title,
//!   subtitle, rights, summary, content) of the feed and of each entry,
//!   inherited from the enclosing elements as XML says (feed-rs keeps one
//!   language for the feed and one base per entry);
//! - Dublin Core (`dc:creator`, `dc:contributor`, `dc:publisher`,
//!   `dc:rights`, `dc:subject`, `dc:language`, `dc:date`) and `dcterms`
//!   dates on the channel (feed-rs reads them on RSS 1.0 channels and on
//!   items only), and the ones feed-rs skips on items;
//! - every date as it was written (feed-rs keeps only the parsed time);
//! - an RSS item's `xhtml:body` or `fullitem`, its full content in the
//!   vocabularies that came before `content:encoded`.
//!
//! [`apply`] fills feed-rs's model where it has a field and feed-rs left it
//! empty; the rest stays beside the model in `Document::extras`.

use std::collections::BTreeMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

const ATOM_10: &str = "http://www.w3.org/2005/Atom";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const DCTERMS: &str = "http://purl.org/dc/terms/";
const XHTML: &str = "http://www.w3.org/1999/xhtml";
const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";

/// The `xml:base` (absolute) and `xml:lang` in effect on an element.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    pub base: String,
    /// `None` when no language is declared; empty when it is declared
    /// blank (`xml:lang=""`: no language, not the enclosing one).
    pub lang: Option<String>,
}

impl Scope {
    /// The language in effect: the declared one, else `inherited`; `None`
    /// when it is declared blank.
    pub fn language<'a>(&'a self, inherited: Option<&'a str>) -> Option<&'a str> {
        match self.lang.as_deref() {
            Some("") => None,
            Some(l) => Some(l),
            None => inherited,
        }
    }
}

/// An RSS item's full content in an older vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub html: String,
    /// `application/xhtml+xml` (`xhtml:body`) or `text/html` (`fullitem`).
    pub media_type: &'static str,
}

/// What we read of the feed, or of one entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The scope of the feed or entry element itself.
    pub scope: Scope,
    /// The scope of each text construct, by role: `title`, `subtitle`,
    /// `rights`, `summary`, `content`.
    pub scopes: BTreeMap<&'static str, Scope>,
    /// Dates as written, by role: `published`, `updated` (the last one of
    /// each).
    pub dates: BTreeMap<&'static str, String>,
    /// Dublin Core and other metadata feed-rs may have missed, by name
    /// (`creator`, `contributor`, `publisher`, `rights`, `subject`,
    /// `language`, `author`), in document order.
    pub meta: Vec<(&'static str, String)>,
    pub body: Option<Body>,
    /// Atom authors and contributors as written, by role (`author`,
    /// `contributor`), their `uri` (or 0.3's `url`) made absolute: feed-rs
    /// drops a person known only by a link.
    pub people: Vec<(&'static str, feed_rs::model::Person)>,
}

impl Facts {
    /// The scope of the text construct `role`, else of the element itself.
    pub fn scope_of(&self, role: &str) -> &Scope {
        self.scopes.get(role).unwrap_or(&self.scope)
    }

    /// The values of the metadata `name`, in document order.
    pub fn meta(&self, name: &str) -> impl Iterator<Item = &str> {
        self.meta
            .iter()
            .filter(move |(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The facts of a document: the feed's, and each entry's in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    pub feed: Facts,
    pub entries: Vec<Facts>,
    /// The first element prefix the document uses without declaring it (a
    /// Namespaces in XML error feed-rs lets pass).
    pub undeclared_prefix: Option<String>,
}

/// Reads the facts of `bytes` (UTF-8, as feed-rs is given it), resolving
/// `xml:base` against `base` and starting from the language `lang` (the
/// HTTP `Content-Language`, when there is one). A document quick-xml cannot
/// read gives what was read before the error.
pub fn read(bytes: &[u8], base: &str, lang: Option<&str>) -> Extras {
    let mut out = Extras::default();
    let root = Scope {
        base: base.to_string(),
        lang: lang.map(normalize_lang).filter(|l| !l.is_empty()),
    };
    out.feed.scope = root.clone();
    let mut reader = NsReader::from_reader(bytes);
    let mut stack: Vec<Frame> = Vec::new();
    while let Ok((ns, event)) = reader.read_resolved_event() {
        let (e, empty) = match event {
            Event::Start(e) => (e.into_owned(), false),
            Event::Empty(e) => (e.into_owned(), true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let ns = match ns {
            ResolveResult::Bound(n) => n.as_ref().to_string(),
            ResolveResult::Unknown(prefix) => {
                out.undeclared_prefix.get_or_insert(prefix.to_string());
                String::new()
            }
            ResolveResult::Unbound => String::new(),
        };
        let parent = stack.last();
        let parent_scope = parent.map_or(&root, |f| &f.scope);
        let scope = scope_of(&e, parent_scope);
        let parent_kind = parent.map_or(Kind::Top, |f| f.kind);
        let local = e.local_name().as_ref().to_string();
        let in_entry = stack.iter().any(|f| matches!(f.kind, Kind::Entry | Kind::Other));
        let kind = match local.as_str() {
            "feed" | "channel" if !in_entry && parent_kind != Kind::Feed => Kind::Feed,
            "entry" | "item" if !in_entry => Kind::Entry,
            _ if parent_kind == Kind::Top => Kind::Top,
            _ => Kind::Other,
        };
        match kind {
            Kind::Feed => out.feed.scope = scope.clone(),
            Kind::Entry => out.entries.push(Facts {
                scope: scope.clone(),
                ..Facts::default()
            }),
            _ => {}
        }
        if ns == ITUNES
            && local == "category"
            && let Some(text) = attr(&e, "text")
        {
            // Nested categories are subcategories: every level is a tag.
            let owner = if stack.iter().any(|f| f.kind == Kind::Entry) {
                out.entries.last_mut()
            } else {
                Some(&mut out.feed)
            };
            if let Some(owner) = owner {
                owner.meta.push(("itunes_category", text));
            }
        }
        let facts = match parent_kind {
            Kind::Feed if kind == Kind::Other => Some(&mut out.feed),
            Kind::Entry if kind == Kind::Other => out.entries.last_mut(),
            _ => None,
        };
        let mut consumed = false;
        if let Some(facts) = facts {
            let on_entry = parent_kind == Kind::Entry;
            if let Some(role) = text_role(&ns, &local, on_entry) {
                facts.scopes.entry(role).or_insert_with(|| scope.clone());
            }
            let image = local == "image" || (local == "link" && attr(&e, "rel").as_deref() == Some("image"));
            if ns == ITUNES
                && image
                && let Some(href) = attr(&e, "href")
            {
                // `itunes:image`, or the older `itunes:link rel="image"`.
                facts.meta.push(("image", href));
            }
            let permalink = local == "guid"
                && on_entry
                && !attr(&e, "isPermaLink").is_some_and(|v| v.trim().eq_ignore_ascii_case("false"));
            let wanted = if permalink {
                Some(Fact::Meta("permalink"))
            } else {
                element_fact(&ns, &local, on_entry)
            };
            if let Some(fact) = wanted.filter(|_| !empty) {
                let Ok(span) = reader.read_to_end(e.name()) else {
                    break;
                };
                consumed = true;
                let inner = usize::try_from(span.start)
                    .ok()
                    .zip(usize::try_from(span.end).ok())
                    .and_then(|(s, end)| bytes.get(s..end))
                    .unwrap_or_default();
                record(facts, fact, inner, &scope.base);
            }
        }
        if !empty && !consumed {
            stack.push(Frame { kind, scope });
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Outside the feed element (the document root of RSS 1.0, say).
    Top,
    Feed,
    Entry,
    Other,
}

struct Frame {
    kind: Kind,
    scope: Scope,
}

/// The scope of `e`: its parent's, with its own `xml:base` (resolved against
/// the parent's) and `xml:lang`.
fn scope_of(e: &BytesStart<'_>, parent: &Scope) -> Scope {
    let mut scope = parent.clone();
    if let Some(base) = attr(e, "xml:base") {
        let resolved = url::Url::parse(&parent.base)
            .ok()
            .and_then(|b| b.join(base.trim()).ok())
            .map(String::from)
            .or_else(|| url::Url::parse(base.trim()).ok().map(String::from));
        if let Some(resolved) = resolved {
            scope.base = resolved;
        }
    }
    if let Some(lang) = attr(e, "xml:lang") {
        scope.lang = Some(normalize_lang(&lang));
    }
    scope
}

/// A language tag as BCP 47 writes it: `en_US` (a POSIX locale) as `en-US`.
pub fn normalize_lang(lang: &str) -> String {
    lang.trim().replace('_', "-")
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| {
            let raw = String::from_utf8_lossy(a.value.as_ref().as_bytes()).into_owned();
            quick_xml::escape::unescape(&raw).map(|v| v.into_owned()).unwrap_or(raw)
        })
}

/// The text construct an element is, by role.
fn text_role(ns: &str, local: &str, on_entry: bool) -> Option<&'static str> {
    Some(match (ns, local) {
        (DC, "rights") => "rights",
        (DC | DCTERMS, _) => return None,
        (_, "title") => "title",
        (_, "subtitle" | "tagline") => "subtitle",
        (_, "description") if on_entry => "summary",
        (_, "description") => "subtitle",
        (_, "summary") => "summary",
        (_, "rights" | "copyright") => "rights",
        (_, "content" | "encoded" | "fullitem") => "content",
        (XHTML | "", "body") if on_entry => "content",
        _ => return None,
    })
}

/// What we read from an element's text.
#[derive(Debug, Clone, Copy)]
enum Fact {
    Date(&'static str),
    Meta(&'static str),
    Body(&'static str),
    Person(&'static str),
}

fn element_fact(ns: &str, local: &str, on_entry: bool) -> Option<Fact> {
    Some(match (ns, local) {
        (DC, "date") | (DCTERMS, "modified") => Fact::Date("updated"),
        (DCTERMS, "issued") => Fact::Date("published"),
        (DC, "creator" | "author") => Fact::Meta("creator"),
        (DC, "contributor") => Fact::Meta("contributor"),
        (DC, "publisher") => Fact::Meta("publisher"),
        (DC, "rights") => Fact::Meta("rights"),
        (DC, "subject") => Fact::Meta("subject"),
        (DC, "language") => Fact::Meta("language"),
        (ITUNES, "author") => Fact::Meta("creator"),
        (ITUNES, "keywords") => Fact::Meta("keywords"),
        (ITUNES, "subtitle") => Fact::Meta("subtitle"),
        (ATOM_10, "author") => Fact::Person("author"),
        (ATOM_10, "contributor") => Fact::Person("contributor"),
        (ATOM_10, "published") => Fact::Date("published"),
        (ATOM_10, "updated") => Fact::Date("updated"),
        (DC | DCTERMS | ITUNES | ATOM_10, _) => return None,
        (_, "pubDate") => Fact::Date("published"),
        (_, "lastBuildDate") => Fact::Date("updated"),
        (_, "updated") if on_entry => Fact::Date("updated"),
        (_, "author") if !on_entry => Fact::Meta("creator"),
        (XHTML | "", "body") if on_entry => Fact::Body("application/xhtml+xml"),
        (_, "fullitem") if on_entry => Fact::Body("text/html"),
        _ => return None,
    })
}

fn record(facts: &mut Facts, fact: Fact, inner: &[u8], base: &str) {
    match fact {
        Fact::Person(role) => {
            let person = atom_person(inner, base);
            if person.name.is_some() || person.email.is_some() || person.uri.is_some() {
                facts.people.push((role, person));
            }
        }
        Fact::Date(role) => {
            let text = text_of(inner);
            if !text.is_empty() {
                // A later date of the same role wins, as with feed-rs.
                facts.dates.insert(role, text);
            }
        }
        Fact::Meta(name) => {
            let text = text_of(inner);
            if !text.is_empty() {
                facts.meta.push((name, text));
            }
        }
        Fact::Body(media_type) => {
            if facts.body.is_some() {
                return;
            }
            let html = if media_type == "text/html" {
                text_of(inner)
            } else {
                String::from_utf8_lossy(inner).trim().to_string()
            };
            if !html.is_empty() {
                facts.body = Some(Body { html, media_type });
            }
        }
    }
}

/// An Atom person's `name`, `email` and `uri` (or `url`), the link made
/// absolute against `base`.
fn atom_person(inner: &[u8], base: &str) -> feed_rs::model::Person {
    let mut reader = quick_xml::Reader::from_reader(inner);
    let mut person = feed_rs::model::Person {
        name: None,
        uri: None,
        email: None,
        role: None,
    };
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let local = e.local_name().as_ref().to_string();
                let Ok(span) = reader.read_to_end(e.name()) else {
                    break;
                };
                let text = usize::try_from(span.start)
                    .ok()
                    .zip(usize::try_from(span.end).ok())
                    .and_then(|(s, end)| inner.get(s..end))
                    .map(text_of)
                    .filter(|t| !t.is_empty());
                match local.as_str() {
                    "name" => person.name = person.name.or(text),
                    "email" => person.email = person.email.or(text),
                    "uri" | "url" => {
                        let href = text.and_then(|t| {
                            tracewire_extract::absolute_url(url::Url::parse(base).ok().as_ref(), &t).or(Some(t))
                        });
                        person.uri = person.uri.or(href);
                    }
                    _ => {}
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    person
}

/// The text of an element's inner markup: character data and CDATA, with
/// references resolved, trimmed; child elements' tags left out.
fn text_of(inner: &[u8]) -> String {
    let mut reader = quick_xml::Reader::from_reader(inner);
    let mut out = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Text(t)) => out.push_str(&t.xml10_content()),
            Ok(Event::CData(c)) => out.push_str(&c),
            Ok(Event::GeneralRef(r)) => {
                let name = r.to_string();
                match quick_xml::escape::unescape(&format!("&{name};")) {
                    Ok(v) => out.push_str(&v),
                    Err(_) => out.push_str(&format!("&{name};")),
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out.trim().to_string()
}

/// A date as feed-rs reads dates (its lenient RFC 3339, 2822 and 1123
/// parser, which it does not export), by reading it as a channel's date.
pub fn parse_date(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let escaped = quick_xml::escape::escape(text);
    let doc = format!("<rss version=\"2.0\"><channel><pubDate>{escaped}</pubDate></channel></rss>");
    // feed-rs may panic where it should fail (see `parse_document`).
    std::panic::catch_unwind(|| feed_rs::parser::parse(doc.as_bytes()).ok()?.published)
        .ok()
        .flatten()
}

/// "Name (email)", "email (Name)", "email" or "Name" as a person.
pub fn person(raw: &str) -> feed_rs::model::Person {
    let raw = raw.trim();
    let email = raw
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '<' || c == '>')
        .find(|w| w.contains('@'))
        .map(|w| w.trim_start_matches("mailto:").to_string());
    let name = match &email {
        Some(e) => raw
            .replace(e.as_str(), "")
            .replace("mailto:", "")
            .replace(['(', ')', '<', '>'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        None => raw.to_string(),
    };
    feed_rs::model::Person {
        name: Some(name).filter(|n| !n.is_empty()),
        uri: None,
        email,
        role: None,
    }
}

/// Atom's people as written: feed-rs leaves out a person known only by a
/// link, and leaves a relative link relative.
fn linked_people(
    authors: &mut Vec<feed_rs::model::Person>,
    contributors: &mut Vec<feed_rs::model::Person>,
    facts: &Facts,
) {
    let written = |role: &str| -> Vec<feed_rs::model::Person> {
        facts
            .people
            .iter()
            .filter(|(r, _)| *r == role)
            .map(|(_, p)| feed_rs::model::Person {
                role: Some(role.to_string()),
                ..p.clone()
            })
            .collect()
    };
    let authors_written = written("author");
    if !authors_written.is_empty() {
        *authors = authors_written;
    }
    let contributors_written = written("contributor");
    if !contributors_written.is_empty() {
        contributors.retain(|p| p.role.as_deref() != Some("contributor"));
        contributors.extend(contributors_written);
    }
}

/// "(Name)": feed-rs's reading of RSS's "email (Name)" keeps the brackets.
fn unparenthesize(p: &mut feed_rs::model::Person) {
    if let Some(name) = &p.name
        && let Some(inner) = name.trim().strip_prefix('(').and_then(|n| n.strip_suffix(')'))
    {
        p.name = Some(inner.trim().to_string());
    }
}

/// iTunes categories (with iTunes as their scheme) and keywords as tags.
fn tag(categories: &mut Vec<feed_rs::model::Category>, facts: &Facts) {
    for term in facts.meta("itunes_category") {
        match categories.iter_mut().find(|c| c.term == term) {
            Some(c) => {
                c.scheme.get_or_insert_with(|| ITUNES_SCHEME.to_string());
            }
            None => categories.push(feed_rs::model::Category {
                scheme: Some(ITUNES_SCHEME.to_string()),
                ..feed_rs::model::Category::new(term)
            }),
        }
    }
    for keywords in facts.meta("keywords") {
        for term in keywords.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if !categories.iter().any(|c| c.term == term) {
                categories.push(feed_rs::model::Category {
                    scheme: Some(ITUNES_SCHEME.to_string()),
                    ..feed_rs::model::Category::new(term)
                });
            }
        }
    }
}

/// The scheme of iTunes categories, as feedparser has it.
const ITUNES_SCHEME: &str = "http://www.itunes.com/";

fn plain(s: &str) -> Option<feed_rs::model::Text> {
    Some(feed_rs::model::Text {
        content_type: "text/plain".parse().ok()?,
        src: None,
        content: s.to_string(),
    })
}

/// Fills feed-rs's model from the facts, where it has the field and left it
/// empty. Dublin Core's publisher is a contributor with the role
/// `publisher` (feed-rs gives RSS's `webMaster` the role `webMaster`).
pub fn apply(feed: &mut feed_rs::model::Feed, extras: &Extras) {
    use feed_rs::model::Category;
    let f = &extras.feed;
    let people = |facts: &Facts, name: &str, role: Option<&str>| -> Vec<feed_rs::model::Person> {
        facts
            .meta(name)
            .map(|v| feed_rs::model::Person {
                role: role.map(String::from),
                ..person(v)
            })
            .collect()
    };
    if feed.authors.is_empty()
        && !feed
            .contributors
            .iter()
            .any(|p| p.role.as_deref() == Some("managingEditor"))
    {
        feed.authors = people(f, "creator", None);
    }
    for p in people(f, "contributor", None)
        .into_iter()
        .chain(people(f, "publisher", Some("publisher")))
    {
        if !feed.contributors.contains(&p) {
            feed.contributors.push(p);
        }
    }
    if feed.rights.is_none() {
        feed.rights = f.meta("rights").next().and_then(plain);
    }
    if feed.description.is_none() {
        feed.description = f.meta("subtitle").next().and_then(plain);
    }
    if feed.logo.is_none() {
        feed.logo = f.meta("image").next().map(|uri| feed_rs::model::Image {
            uri: uri.to_string(),
            title: None,
            link: None,
            width: None,
            height: None,
            description: None,
        });
    }
    if let Some(g) = &mut feed.generator
        && let Some(uri) = &g.uri
    {
        // A generator's URL, relative to the feed's base like its links.
        let base = url::Url::parse(&f.scope.base).ok();
        g.uri = tracewire_extract::absolute_url(base.as_ref(), uri).or_else(|| Some(uri.clone()));
    }
    tag(&mut feed.categories, f);
    if feed.language.is_none() {
        feed.language = f
            .meta("language")
            .next()
            .map(normalize_lang)
            .or_else(|| f.scope.lang.clone().filter(|l| !l.is_empty()));
    }
    feed.language = feed.language.as_deref().map(normalize_lang);
    for s in f.meta("subject") {
        if !feed.categories.iter().any(|c| c.term == s) {
            feed.categories.push(Category::new(s));
        }
    }
    // An updated date the document states wins over the one feed-rs
    // fills in from the publication date.
    if let Some(at) = f.dates.get("updated").and_then(|d| parse_date(d)) {
        feed.updated = Some(at);
    }
    if feed.published.is_none() {
        feed.published = f.dates.get("published").and_then(|d| parse_date(d));
    }
    for p in feed.authors.iter_mut().chain(&mut feed.contributors) {
        unparenthesize(p);
    }
    linked_people(&mut feed.authors, &mut feed.contributors, f);
    if feed.entries.len() != extras.entries.len() {
        return;
    }
    for (e, x) in feed.entries.iter_mut().zip(&extras.entries) {
        linked_people(&mut e.authors, &mut e.contributors, x);
        if e.authors.is_empty() {
            e.authors = people(x, "creator", None);
        }
        for p in e.authors.iter_mut().chain(&mut e.contributors) {
            unparenthesize(p);
        }
        for p in people(x, "contributor", None)
            .into_iter()
            .chain(people(x, "publisher", Some("publisher")))
        {
            if !e.contributors.contains(&p) {
                e.contributors.push(p);
            }
        }
        if e.rights.is_none() {
            e.rights = x.meta("rights").next().and_then(plain);
        }
        tag(&mut e.categories, x);
        if e.links.is_empty()
            && let Some(url) = x
                .meta("permalink")
                .next()
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        {
            // RSS: a GUID that is a permalink is the item's link when it
            // has no other (`isPermaLink` defaults to true).
            e.links.push(feed_rs::model::Link {
                href: url.to_string(),
                rel: None,
                media_type: None,
                href_lang: None,
                title: None,
                length: None,
                target: None,
            });
        }
        if e.language.is_none() {
            e.language = x.meta("language").next().map(normalize_lang);
        }
        for s in x.meta("subject") {
            if !e.categories.iter().any(|c| c.term == s) {
                e.categories.push(Category::new(s));
            }
        }
        if let Some(at) = x.dates.get("updated").and_then(|d| parse_date(d)) {
            e.updated = Some(at);
        }
        if e.published.is_none() {
            e.published = x.dates.get("published").and_then(|d| parse_date(d));
        }
        if e.content.is_none()
            && let Some(body) = &x.body
        {
            e.content = Some(feed_rs::model::Content {
                body: Some(body.html.clone()),
                content_type: body
                    .media_type
                    .parse()
                    .unwrap_or(feed_rs::model::Content::default().content_type),
                ..feed_rs::model::Content::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::feed::{Served, parse_document, parse_document_served};

    #[test]
    fn xml_base_and_lang_are_inherited_per_element() {
        let doc = br#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.com/parent/" xml:lang="en">
  <title type="html" xml:base="title/" xml:lang="de">T</title>
  <subtitle>S</subtitle>
  <rights xml:lang="">R</rights>
  <entry xml:base="http://example.com/entry/"><id>e</id><title>E</title>
    <content type="html" xml:lang="fr">&lt;a href="x"&gt;x&lt;/a&gt;</content></entry></feed>"#;
        let d = parse_document(doc, "http://x.example/feed").unwrap();
        let f = &d.extras.feed;
        assert_eq!(f.scope_of("title").base, "http://example.com/parent/title/");
        assert_eq!(f.scope_of("title").language(None), Some("de"));
        assert_eq!(f.scope_of("subtitle").base, "http://example.com/parent/");
        assert_eq!(f.scope_of("subtitle").language(None), Some("en"));
        assert_eq!(f.scope_of("rights").language(Some("en")), None, "blank is no language");
        let e = &d.extras.entries[0];
        assert_eq!(e.scope_of("title").base, "http://example.com/entry/");
        assert_eq!(e.scope_of("title").language(None), Some("en"));
        assert_eq!(e.scope_of("content").language(None), Some("fr"));
        // Nothing declared: the HTTP Content-Language.
        let plain = b"<rss version=\"2.0\"><channel><title>t</title></channel></rss>";
        let served = Served {
            content_language: Some("en-US, fr"),
            ..Served::default()
        };
        let d = parse_document_served(plain, "http://x.example/", served).unwrap();
        assert_eq!(d.feed.language.as_deref(), Some("en-US"));
    }

    #[test]
    fn channel_dublin_core_and_dates_as_written() {
        let doc = br#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><channel>
  <title>T</title><dc:creator>Ann (ann@example.com)</dc:creator><dc:publisher>Pub</dc:publisher>
  <dc:contributor>Bob</dc:contributor><dc:rights>CC</dc:rights><dc:subject>Tech</dc:subject>
  <dc:language>en_GB</dc:language><dc:date>2003-12-31T10:14:55Z</dc:date><dcterms:issued>2003-01-01T00:00:00Z</dcterms:issued>
  <item><title>I</title><guid>http://x.example/1</guid><pubDate>Thu, 01 Jan 2004 19:48:21 GMT</pubDate>
    <dc:subject>Sub</dc:subject><dc:rights>Mine</dc:rights><dcterms:modified>2004-02-01T00:00:00Z</dcterms:modified>
    <author>me@example.com (Example editor)</author></item></channel></rss>"#;
        let d = parse_document(doc, "http://x.example/").unwrap();
        let f = &d.feed;
        assert_eq!(f.authors[0].name.as_deref(), Some("Ann"));
        assert_eq!(f.authors[0].email.as_deref(), Some("ann@example.com"));
        assert!(f.contributors.iter().any(|p| p.name.as_deref() == Some("Bob")));
        assert!(
            f.contributors
                .iter()
                .any(|p| p.role.as_deref() == Some("publisher") && p.name.as_deref() == Some("Pub"))
        );
        assert_eq!(f.rights.as_ref().unwrap().content, "CC");
        assert_eq!(f.categories[0].term, "Tech");
        assert_eq!(f.language.as_deref(), Some("en-GB"));
        assert_eq!(f.updated.unwrap().to_rfc3339(), "2003-12-31T10:14:55+00:00");
        assert_eq!(f.published.unwrap().to_rfc3339(), "2003-01-01T00:00:00+00:00");
        assert_eq!(d.extras.feed.dates["updated"], "2003-12-31T10:14:55Z");
        let e = &f.entries[0];
        assert_eq!(d.extras.entries[0].dates["published"], "Thu, 01 Jan 2004 19:48:21 GMT");
        assert_eq!(e.updated.unwrap().to_rfc3339(), "2004-02-01T00:00:00+00:00");
        assert_eq!(e.categories[0].term, "Sub");
        assert_eq!(e.rights.as_ref().unwrap().content, "Mine");
        assert_eq!(e.authors[0].name.as_deref(), Some("Example editor"));
        // A permalink GUID is the link of an item without one.
        assert_eq!(e.links[0].href, "http://x.example/1");
    }

    #[test]
    fn atom_people_known_by_a_link_are_kept() {
        let doc = br#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://x.example/blog/">
  <author><url>http://one.example/</url></author><author><uri>/two</uri></author>
  <contributor><name>C</name><uri>c/</uri></contributor>
  <entry><id>e</id><updated>2010-12-01T10:14:55Z</updated><updated>2003-12-31T10:14:55Z</updated>
    <author><name>Ann</name><email>ann@example.com</email></author></entry></feed>"#;
        let d = parse_document(doc, "http://x.example/feed").unwrap();
        let uris: Vec<_> = d.feed.authors.iter().map(|p| p.uri.as_deref()).collect();
        assert_eq!(uris, [Some("http://one.example/"), Some("http://x.example/two")]);
        assert_eq!(d.feed.contributors[0].uri.as_deref(), Some("http://x.example/blog/c/"));
        let e = &d.feed.entries[0];
        assert_eq!(e.authors[0].name.as_deref(), Some("Ann"));
        assert_eq!(e.authors[0].email.as_deref(), Some("ann@example.com"));
        // The last of repeated dates, as feed-rs reads them.
        assert_eq!(d.extras.entries[0].dates["updated"], "2003-12-31T10:14:55Z");
        assert_eq!(e.updated.unwrap().to_rfc3339(), "2003-12-31T10:14:55+00:00");
    }

    #[test]
    fn older_full_content_and_podcast_metadata() {
        let doc = br#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/DTDs/Podcast-1.0.dtd"><channel><title>P</title>
  <itunes:subtitle>Short</itunes:subtitle><itunes:keywords>a, b</itunes:keywords>
  <itunes:category text="Technology"><itunes:category text="Gadgets"/></itunes:category>
  <itunes:owner><itunes:name>Owner</itunes:name><itunes:email>o@example.com</itunes:email></itunes:owner>
  <itunes:link rel="image" href="http://x.example/logo.jpg"/>
  <item><title>1</title><link>http://x.example/1</link><body xmlns="http://www.w3.org/1999/xhtml"><p>Full</p></body>
    <itunes:image href="http://x.example/1.jpg"/><itunes:author>Host</itunes:author></item>
  <item><title>2</title><link>http://x.example/2</link><fullitem>&lt;b&gt;Two&lt;/b&gt;</fullitem></item></channel></rss>"#;
        let d = parse_document(doc, "http://x.example/").unwrap();
        let f = &d.feed;
        assert_eq!(f.description.as_ref().unwrap().content, "Short");
        let terms: Vec<_> = f.categories.iter().map(|c| c.term.as_str()).collect();
        assert_eq!(terms, ["Technology", "Gadgets", "a", "b"]);
        assert_eq!(f.categories[0].scheme.as_deref(), Some("http://www.itunes.com/"));
        assert_eq!(f.logo.as_ref().unwrap().uri, "http://x.example/logo.jpg");
        assert!(f.contributors.iter().any(|p| p.name.as_deref() == Some("Owner")));
        let content = |i: usize| f.entries[i].content.as_ref().unwrap();
        assert_eq!(content(0).body.as_deref(), Some("<p>Full</p>"));
        assert_eq!(content(0).content_type.to_string(), "application/xhtml+xml");
        assert_eq!(content(1).body.as_deref(), Some("<b>Two</b>"));
        assert_eq!(content(1).content_type.to_string(), "text/html");
        assert_eq!(d.extras.entries[0].meta("image").next(), Some("http://x.example/1.jpg"));
        assert_eq!(f.entries[0].authors[0].name.as_deref(), Some("Host"));
    }
}
