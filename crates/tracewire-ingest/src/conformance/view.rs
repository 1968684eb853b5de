//! Our parse of a feed document shown the way feedparser's result looks, so
//! that feedparser's expectations can be checked against it: the same keys
//! (`feed`, `entries`, `title_detail`, `published_parsed`…) and the aliases
//! its tests use (`description`, `tagline`, `copyright`, `guid`…). HTML
//! values go through our sanitizer, as everything we store and serve does.

use chrono::{DateTime, Datelike, Timelike, Utc};
use feed_rs::model::{Category, Entry, Feed, Link, Person, Text};
use serde_json::{Map, Value, json};

use crate::extras::{Facts, Scope};
use crate::feed::Document;
use crate::sources::EntrySource;

/// The view of a parsed document fetched from `url`.
pub fn view(doc: &Document, url: &str) -> Value {
    let feed = &doc.feed;
    let f = feed_fields(feed, &doc.extras.feed);
    let language = feed.language.clone();
    let entries: Vec<Value> = feed
        .entries
        .iter()
        .zip(&doc.sources)
        .zip(&doc.extras.entries)
        .map(|((e, source), facts)| {
            let mut v = entry(e, facts, language.as_deref());
            if let (Value::Object(m), Some(source)) = (&mut v, source) {
                let shown = match source {
                    EntrySource::Atom(feed) => Value::Object(feed_fields(feed, &outside(url))),
                    EntrySource::Rss { title, url } => json!({"title": title, "href": url, "url": url}),
                };
                m.insert("source".into(), shown);
            }
            v
        })
        .collect();
    json!({
        "bozo": !doc.repairs.is_empty(),
        "feed": Value::Object(f),
        "entries": entries,
        "version": match doc.version {
            "" | "json" => version(feed),
            declared => declared,
        },
        // Python's codec names are the lowercase of most WHATWG names.
        "encoding": doc.encoding.to_ascii_lowercase(),
    })
}

/// Facts for what the one pass does not read (a `<source>`'s insides).
fn outside(url: &str) -> Facts {
    Facts {
        scope: Scope {
            base: url.to_string(),
            lang: None,
        },
        ..Facts::default()
    }
}

/// The feed-level keys (also a `<source>`'s).
fn feed_fields(feed: &Feed, facts: &Facts) -> Map<String, Value> {
    let mut f = Map::new();
    let language = feed.language.clone();
    let lang = language.as_deref();
    if let Some(t) = &feed.title {
        text_fields(&mut f, "title", t, facts.scope_of("title"), lang);
    }
    if let Some(t) = &feed.description {
        text_fields(&mut f, "subtitle", t, facts.scope_of("subtitle"), lang);
        alias(&mut f, "subtitle", &["tagline", "description"]);
    }
    if let Some(t) = &feed.rights {
        text_fields(&mut f, "rights", t, facts.scope_of("rights"), lang);
        alias(&mut f, "rights", &["copyright"]);
    }
    links(&mut f, &feed.links);
    // RSS's managingEditor is the feed's author and its webMaster its
    // publisher, as feedparser has them; feed-rs keeps both as contributors
    // with that role.
    let with_role = |role: &str| -> Vec<Person> {
        feed.contributors
            .iter()
            .filter(|p| p.role.as_deref() == Some(role))
            .cloned()
            .collect()
    };
    if feed.authors.is_empty() {
        people(&mut f, "author", &with_role("managingEditor"));
    } else {
        people(&mut f, "author", &feed.authors);
    }
    let mut publishers = with_role("webMaster");
    publishers.extend(with_role("publisher"));
    publishers.extend(with_role("owner"));
    people(&mut f, "publisher", &publishers);
    let contributors: Vec<Value> = feed
        .contributors
        .iter()
        .filter(|p| {
            !matches!(
                p.role.as_deref(),
                Some("managingEditor" | "webMaster" | "publisher" | "owner")
            )
        })
        .map(person)
        .collect();
    if !contributors.is_empty() {
        f.insert("contributors".into(), Value::Array(contributors));
    }
    tags(&mut f, &feed.categories);
    if let Some(g) = &feed.generator {
        f.insert("generator".into(), Value::String(g.content.clone()));
        f.insert(
            "generator_detail".into(),
            json!({"name": g.content, "href": g.uri, "url": g.uri, "version": g.version}),
        );
    }
    if let Some(l) = &language {
        f.insert("language".into(), Value::String(l.clone()));
    }
    if !feed.id.is_empty() {
        f.insert("id".into(), Value::String(feed.id.clone()));
        f.insert("guid".into(), Value::String(feed.id.clone()));
    }
    if let Some(i) = &feed.icon {
        f.insert("icon".into(), Value::String(i.uri.clone()));
    }
    if let Some(i) = &feed.logo {
        f.insert("logo".into(), Value::String(i.uri.clone()));
        f.insert(
            "image".into(),
            json!({"href": i.uri, "title": i.title, "link": i.link.as_ref().map(|l| l.href.clone()),
                   "width": i.width, "height": i.height, "description": i.description}),
        );
    }
    if let Some(ttl) = feed.ttl {
        f.insert("ttl".into(), Value::String(ttl.to_string()));
    }
    dates(&mut f, "updated", feed.updated, facts);
    dates(&mut f, "published", feed.published, facts);
    f
}

fn entry(e: &Entry, facts: &Facts, feed_language: Option<&str>) -> Value {
    let mut m = Map::new();
    let language = e.language.as_deref().or(feed_language);
    if let Some(l) = &e.language {
        m.insert("language".into(), Value::String(l.clone()));
    }
    if !e.id.is_empty() {
        m.insert("id".into(), Value::String(e.id.clone()));
        m.insert("guid".into(), Value::String(e.id.clone()));
    }
    if let Some(t) = &e.title {
        text_fields(&mut m, "title", t, facts.scope_of("title"), language);
    }
    if let Some(t) = &e.summary {
        text_fields(&mut m, "summary", t, facts.scope_of("summary"), language);
        alias(&mut m, "summary", &["description"]);
    }
    if let Some(c) = &e.content {
        let kind = c.content_type.to_string();
        let scope = facts.scope_of("content");
        let value = c
            .body
            .as_deref()
            .map(|b| shown(&kind, b, &scope.base))
            .unwrap_or_default();
        let mut detail =
            json!({"type": essence(&kind), "value": value, "language": scope.language(language), "base": scope.base});
        if let (Some(src), Value::Object(d)) = (&c.src, &mut detail) {
            d.insert("src".into(), Value::String(src.href.clone()));
        }
        m.insert("content".into(), json!([detail.clone()]));
        if !m.contains_key("summary") {
            // feedparser fills the summary from the content when there is none.
            m.insert("summary".into(), Value::String(value));
            m.insert("summary_detail".into(), detail);
            alias(&mut m, "summary", &["description"]);
        }
    }
    if let Some(t) = &e.rights {
        text_fields(&mut m, "rights", t, facts.scope_of("rights"), language);
        alias(&mut m, "rights", &["copyright"]);
    }
    if let Some(c) = e
        .links
        .iter()
        .find(|l| matches!(l.target, Some(feed_rs::model::LinkTarget::Comments)))
    {
        m.insert("comments".into(), Value::String(c.href.clone()));
    }
    let own: Vec<Link> = e.links.iter().filter(|l| l.target.is_none()).cloned().collect();
    links(&mut m, &own);
    people(&mut m, "author", &e.authors);
    let publishers: Vec<Person> = e
        .contributors
        .iter()
        .filter(|p| p.role.as_deref() == Some("publisher"))
        .cloned()
        .collect();
    people(&mut m, "publisher", &publishers);
    let contributors: Vec<Value> = e
        .contributors
        .iter()
        .filter(|p| p.role.as_deref() != Some("publisher"))
        .map(person)
        .collect();
    if !contributors.is_empty() {
        m.insert("contributors".into(), Value::Array(contributors));
    }
    tags(&mut m, &e.categories);
    if let Some(first) = e.categories.first() {
        m.insert("category".into(), Value::String(first.term.clone()));
    }
    let image = facts.meta("image").next().map(String::from).or_else(|| {
        e.media
            .iter()
            .flat_map(|mo| &mo.thumbnails)
            .next()
            .map(|t| t.image.uri.clone())
    });
    if let Some(href) = image {
        m.insert("image".into(), json!({ "href": href }));
    }
    let enclosures: Vec<Value> = e
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("enclosure"))
        .map(|l| json!({"href": l.href, "type": l.media_type, "length": l.length.map(|n| n.to_string())}))
        .chain(e.media.iter().flat_map(|mo| {
            mo.content.iter().filter_map(|c| {
                c.url.as_ref().map(|u| {
                    json!({"href": u.as_str(), "type": c.content_type.as_ref().map(|t| t.to_string()),
                           "length": c.size.map(|n| n.to_string())})
                })
            })
        }))
        .collect();
    if !enclosures.is_empty() {
        m.insert("enclosures".into(), Value::Array(enclosures));
    }
    dates(&mut m, "updated", e.updated, facts);
    dates(&mut m, "published", e.published, facts);
    Value::Object(m)
}

/// `key`, `key_detail` for a text construct, read in `scope` (its language,
/// else `inherited`).
fn text_fields(m: &mut Map<String, Value>, key: &str, t: &Text, scope: &Scope, inherited: Option<&str>) {
    let kind = t.content_type.to_string();
    let value = shown(&kind, &t.content, &scope.base);
    m.insert(key.into(), Value::String(value.clone()));
    m.insert(
        format!("{key}_detail"),
        json!({"type": essence(&kind), "value": value, "language": scope.language(inherited), "base": scope.base}),
    );
}

/// A value as we would store it: HTML sanitized, its links made absolute
/// against `base`; text as it is.
fn shown(kind: &str, value: &str, base: &str) -> String {
    if !kind.contains("html") {
        return value.to_string();
    }
    match url::Url::parse(base) {
        Ok(base) => tracewire_extract::sanitize_html_with_base(value, &base),
        Err(_) => tracewire_extract::sanitize_html(value),
    }
}

fn essence(kind: &str) -> String {
    kind.split(';').next().unwrap_or(kind).trim().to_string()
}

/// Copies `key` and `key_detail` under other names.
fn alias(m: &mut Map<String, Value>, key: &str, names: &[&str]) {
    for name in names {
        if let Some(v) = m.get(key).cloned() {
            m.insert((*name).to_string(), v);
        }
        if let Some(v) = m.get(&format!("{key}_detail")).cloned() {
            m.insert(format!("{name}_detail"), v);
        }
    }
}

fn links(m: &mut Map<String, Value>, links: &[Link]) {
    if links.is_empty() {
        return;
    }
    let list: Vec<Value> = links
        .iter()
        .map(|l| {
            json!({"href": l.href, "rel": l.rel.clone().unwrap_or_else(|| "alternate".into()),
                   "type": l.media_type, "title": l.title, "hreflang": l.href_lang,
                   "length": l.length.map(|n| n.to_string())})
        })
        .collect();
    if let Some(alt) = links.iter().find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate")) {
        m.insert("link".into(), Value::String(alt.href.clone()));
    }
    m.insert("links".into(), Value::Array(list));
}

fn person(p: &Person) -> Value {
    json!({"name": p.name, "email": p.email, "href": p.uri, "url": p.uri})
}

/// `author` ("Name (email)" as feedparser writes it), `author_detail`, `authors`.
fn people(m: &mut Map<String, Value>, key: &str, people: &[Person]) {
    let Some(first) = people.first() else {
        return;
    };
    let shown = match (first.name.as_deref(), first.email.as_deref()) {
        (Some(n), Some(e)) => format!("{n} ({e})"),
        (Some(n), None) => n.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => String::new(),
    };
    m.insert(key.into(), Value::String(shown));
    m.insert(format!("{key}_detail"), person(first));
    m.insert(format!("{key}s"), people.iter().map(person).collect());
}

fn tags(m: &mut Map<String, Value>, categories: &[Category]) {
    if !categories.is_empty() {
        m.insert(
            "tags".into(),
            categories
                .iter()
                .map(|c| json!({"term": c.term, "scheme": c.scheme, "label": c.label}))
                .collect(),
        );
    }
}

/// `key` (as the document wrote it, else RFC 3339) and `key_parsed`
/// (Python's `time.struct_time` as a tuple).
fn dates(m: &mut Map<String, Value>, key: &str, at: Option<DateTime<Utc>>, facts: &Facts) {
    let written = facts.dates.get(key);
    let at = at.or_else(|| written.and_then(|w| crate::extras::parse_date(w)));
    if let Some(t) = at {
        let shown = written.cloned().unwrap_or_else(|| t.to_rfc3339());
        m.insert(key.into(), Value::String(shown));
        m.insert(
            format!("{key}_parsed"),
            json!([
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.weekday().num_days_from_monday(),
                t.ordinal(),
                0
            ]),
        );
    }
}

/// feedparser's version names, as far as our parser tells the formats apart.
fn version(feed: &Feed) -> &'static str {
    use feed_rs::model::FeedType;
    match feed.feed_type {
        FeedType::Atom => "atom10",
        FeedType::JSON => "json1",
        FeedType::RSS0 => "rss09",
        FeedType::RSS1 => "rss10",
        FeedType::RSS2 => "rss20",
    }
}
