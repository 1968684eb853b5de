//! Page metadata: title, byline, publication time, canonical URL, site name,
//! language and feed links, from every signal a page offers (JSON-LD,
//! OpenGraph, `<meta>`, `<time>`, the DOM).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use ego_tree::NodeRef;
use scraper::{Html, Node};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::dom::{attr, collapse_whitespace, tag, text_of};

#[derive(Debug, Default)]
pub struct Metadata {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub canonical_url: Option<String>,
    pub site_name: Option<String>,
    pub language: Option<String>,
    /// The page's `<base href>`, or the URL it was fetched from.
    pub base_url: Option<Url>,
}

/// Everything the `<head>` and structured data say, gathered in one walk.
#[derive(Default)]
struct Signals {
    metas: Vec<(String, String)>,
    canonical: Option<String>,
    base_href: Option<String>,
    html_lang: Option<String>,
    title_tag: Option<String>,
    h1s: Vec<String>,
    json_ld: Vec<Value>,
    time_datetime: Option<String>,
    rel_author: Option<String>,
    byline_class: Option<String>,
}

pub fn read(document: &Html, fetched_from: Option<&Url>) -> Metadata {
    let s = gather(document);
    let base_url = match (&s.base_href, fetched_from) {
        (Some(href), Some(base)) => base.join(href).ok(),
        (Some(href), None) => Url::parse(href).ok(),
        (None, base) => base.cloned(),
    };
    let absolute = |u: &str| -> Option<String> {
        let u = u.trim();
        if u.is_empty() {
            return None;
        }
        match &base_url {
            Some(b) => b.join(u).ok().map(String::from),
            None => Url::parse(u).ok().map(String::from),
        }
    };
    let article = s.json_ld.iter().find_map(find_article_object);

    let site_name = meta(&s, &["og:site_name", "application-name"])
        .or_else(|| article.and_then(|a| a.get("publisher")).and_then(json_name))
        .map(|n| collapse_whitespace(&n))
        .filter(|n| !n.is_empty());

    let title = meta(&s, &["og:title", "twitter:title"])
        .or_else(|| article.and_then(|a| json_str(a.get("headline"))))
        .or_else(|| title_from_title_tag(&s, site_name.as_deref()))
        .or_else(|| s.h1s.first().cloned())
        .map(|t| strip_site_suffix(&collapse_whitespace(&t), site_name.as_deref()))
        .filter(|t| !t.is_empty());

    let byline = meta(
        &s,
        &[
            "author",
            "article:author",
            "byl",
            "sailthru.author",
            "parsely-author",
            "dc.creator",
        ],
    )
    .filter(|a| !a.starts_with("http"))
    .or_else(|| article.and_then(|a| a.get("author")).and_then(json_name))
    .or_else(|| s.rel_author.clone())
    .or_else(|| s.byline_class.clone())
    .map(|b| clean_byline(&b))
    .filter(|b| !b.is_empty() && b.chars().count() <= 120);

    let published = meta(
        &s,
        &[
            "article:published_time",
            "og:published_time",
            "datepublished",
            "pubdate",
            "publishdate",
            "publish-date",
            "publication_date",
            "sailthru.date",
            "parsely-pub-date",
            "dc.date.issued",
            "dc.date",
            "dcterms.created",
            "date",
        ],
    )
    .and_then(|d| parse_date(&d))
    .or_else(|| {
        article
            .and_then(|a| json_str(a.get("datePublished")))
            .and_then(|d| parse_date(&d))
    })
    .or_else(|| s.time_datetime.as_deref().and_then(parse_date));

    let canonical_url = s
        .canonical
        .as_deref()
        .and_then(absolute)
        .or_else(|| meta(&s, &["og:url"]).as_deref().and_then(absolute));

    let language = s
        .html_lang
        .clone()
        .or_else(|| meta(&s, &["content-language", "og:locale", "language", "dc.language"]))
        .and_then(|l| normalize_language(&l));

    Metadata {
        title,
        byline,
        published,
        canonical_url,
        site_name,
        language,
        base_url,
    }
}

fn gather(document: &Html) -> Signals {
    let mut s = Signals::default();
    for node in document.tree.root().descendants() {
        let Some(name) = tag(&node) else { continue };
        match name {
            "html" if s.html_lang.is_none() => {
                s.html_lang = attr(&node, "lang")
                    .or_else(|| attr(&node, "xml:lang"))
                    .map(str::to_string);
            }
            "meta" => {
                let key = attr(&node, "property")
                    .or_else(|| attr(&node, "name"))
                    .or_else(|| attr(&node, "itemprop"))
                    .or_else(|| attr(&node, "http-equiv"));
                if let (Some(key), Some(content)) = (key, attr(&node, "content")) {
                    let content = content.trim();
                    if !content.is_empty() {
                        s.metas.push((key.to_ascii_lowercase(), content.to_string()));
                    }
                }
            }
            "link" => {
                let rel = attr(&node, "rel").unwrap_or("").to_ascii_lowercase();
                if rel.split_whitespace().any(|r| r == "canonical") && s.canonical.is_none() {
                    s.canonical = attr(&node, "href").map(str::to_string);
                }
            }
            "base" if s.base_href.is_none() => {
                s.base_href = attr(&node, "href").map(str::to_string);
            }
            "title" if s.title_tag.is_none() && !inside(&node, "svg") => {
                s.title_tag = Some(text_of(&node));
            }
            "h1" => {
                let t = text_of(&node);
                if !t.is_empty() {
                    s.h1s.push(t);
                }
            }
            "script" if attr(&node, "type").is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json")) => {
                let raw: String = node
                    .children()
                    .filter_map(|c| match c.value() {
                        Node::Text(t) => Some(&**t),
                        _ => None,
                    })
                    .collect();
                if let Ok(v) = serde_json::from_str::<Value>(raw.trim()) {
                    s.json_ld.push(v);
                }
            }
            "time" if s.time_datetime.is_none() => {
                s.time_datetime = attr(&node, "datetime").map(str::to_string);
            }
            _ => {}
        }
        if s.rel_author.is_none() && attr(&node, "rel").is_some_and(|r| r.split_whitespace().any(|r| r == "author")) {
            let t = text_of(&node);
            if !t.is_empty() {
                s.rel_author = Some(t);
            }
        }
        if s.byline_class.is_none()
            && (attr(&node, "itemprop") == Some("author")
                || attr(&node, "class").is_some_and(|c| {
                    c.split_whitespace()
                        .any(|c| matches!(c, "byline" | "author" | "author-name" | "byline__name"))
                }))
        {
            let t = text_of(&node);
            if !t.is_empty() && t.chars().count() < 100 {
                s.byline_class = Some(t);
            }
        }
    }
    s
}

fn inside(node: &NodeRef<'_, Node>, name: &str) -> bool {
    node.ancestors().any(|a| tag(&a) == Some(name))
}

fn meta(s: &Signals, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| s.metas.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()))
}

/// The first schema.org Article-like object in a JSON-LD value, looking
/// through arrays and `@graph`.
fn find_article_object(v: &Value) -> Option<&Value> {
    match v {
        Value::Array(items) => items.iter().find_map(find_article_object),
        Value::Object(map) => {
            let is_article = match map.get("@type") {
                Some(Value::String(t)) => is_article_type(t),
                Some(Value::Array(ts)) => ts.iter().any(|t| t.as_str().is_some_and(is_article_type)),
                _ => false,
            };
            if is_article {
                return Some(v);
            }
            map.get("@graph").and_then(find_article_object)
        }
        _ => None,
    }
}

fn is_article_type(t: &str) -> bool {
    t.ends_with("Article") || matches!(t, "BlogPosting" | "LiveBlogPosting" | "Report" | "WebPage")
}

fn json_str(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.first().and_then(|i| json_str(Some(i))),
        _ => None,
    }
}

/// A name from a JSON-LD person/organization value, a list of them, or a string.
fn json_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m.get("name").and_then(|n| json_str(Some(n))),
        Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(json_name).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => None,
    }
}

const TITLE_SEPARATORS: [&str; 6] = [" | ", " - ", " – ", " — ", " :: ", " · "];

fn title_from_title_tag(s: &Signals, site_name: Option<&str>) -> Option<String> {
    let raw = collapse_whitespace(s.title_tag.as_deref()?);
    if raw.is_empty() {
        return None;
    }
    // An <h1> that the <title> starts with is the headline without the site suffix.
    if let Some(h1) = s.h1s.iter().find(|h| !h.is_empty() && raw.starts_with(h.as_str())) {
        return Some(h1.clone());
    }
    Some(strip_site_suffix(&raw, site_name))
}

/// Removes a trailing " | Site Name" (or leading "Site Name | ") from a title.
fn strip_site_suffix(title: &str, site_name: Option<&str>) -> String {
    let Some(site) = site_name.filter(|s| !s.is_empty()) else {
        return title.to_string();
    };
    for sep in TITLE_SEPARATORS {
        if let Some(head) = title.strip_suffix(&format!("{sep}{site}")) {
            return head.trim().to_string();
        }
        if let Some(tail) = title.strip_prefix(&format!("{site}{sep}")) {
            return tail.trim().to_string();
        }
    }
    title.to_string()
}

fn clean_byline(b: &str) -> String {
    let b = collapse_whitespace(b);
    let lower = b.to_lowercase();
    for prefix in ["by ", "by: ", "written by ", "posted by "] {
        if lower.starts_with(prefix)
            && let Some(rest) = b.get(prefix.len()..)
        {
            return rest.trim().to_string();
        }
    }
    b
}

/// Parses the date formats news pages and feeds use; times without a zone
/// are taken as UTC.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    let day = s.get(..10).unwrap_or(s);
    for f in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(day, f) {
            return d.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d));
        }
    }
    None
}

/// `en-US`, `en_US`, `EN` → `en`. Returns `None` for anything that is not a
/// plausible language tag.
fn normalize_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_', ',', ';', ' ']).next()?.to_ascii_lowercase();
    let ok = (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
    ok.then_some(primary)
}

/// Guesses the language of a text when the page does not declare one.
pub fn detect_language(text: &str) -> Option<String> {
    if text.chars().count() < 40 {
        return None;
    }
    let info = whatlang::detect(text)?;
    if !info.is_reliable() {
        return None;
    }
    let code3 = info.lang().code();
    // whatlang speaks ISO 639-3; pages and feeds declare ISO 639-1.
    let code1 = match code3 {
        "eng" => "en",
        "deu" => "de",
        "fra" => "fr",
        "spa" => "es",
        "ita" => "it",
        "por" => "pt",
        "nld" => "nl",
        "rus" => "ru",
        "ukr" => "uk",
        "pol" => "pl",
        "ces" => "cs",
        "swe" => "sv",
        "dan" => "da",
        "nob" => "nb",
        "fin" => "fi",
        "tur" => "tr",
        "ell" => "el",
        "ara" => "ar",
        "heb" => "he",
        "pes" => "fa",
        "hin" => "hi",
        "ben" => "bn",
        "jpn" => "ja",
        "kor" => "ko",
        "cmn" => "zh",
        "vie" => "vi",
        "ind" => "id",
        "tha" => "th",
        "ron" => "ro",
        "hun" => "hu",
        "bul" => "bg",
        "hrv" => "hr",
        "srp" => "sr",
        "slk" => "sk",
        "slv" => "sl",
        "lit" => "lt",
        "lav" => "lv",
        "est" => "et",
        "cat" => "ca",
        other => other,
    };
    Some(code1.to_string())
}

/// A feed advertised by an HTML page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedLink {
    pub url: String,
    pub title: Option<String>,
    pub mime: String,
}

/// The feeds a page advertises with `<link rel="alternate" type="...">`,
/// in page order, made absolute against `base_url`.
pub fn feed_links(html: &str, base_url: Option<&Url>) -> Vec<FeedLink> {
    let document = Html::parse_document(html);
    let mut out: Vec<FeedLink> = Vec::new();
    for node in document.tree.root().descendants() {
        if !matches!(tag(&node), Some("link" | "a")) {
            continue;
        }
        let rel = attr(&node, "rel").unwrap_or("").to_ascii_lowercase();
        if !rel.split_whitespace().any(|r| r == "alternate") {
            continue;
        }
        let mime = attr(&node, "type").unwrap_or("").trim().to_ascii_lowercase();
        let is_feed = matches!(
            mime.as_str(),
            "application/rss+xml"
                | "application/atom+xml"
                | "application/rdf+xml"
                | "application/feed+json"
                | "application/json"
                | "text/xml"
                | "application/xml"
        );
        if !is_feed {
            continue;
        }
        let Some(href) = attr(&node, "href") else { continue };
        let url = match base_url {
            Some(b) => b.join(href.trim()).ok(),
            None => Url::parse(href.trim()).ok(),
        };
        let Some(url) = url else { continue };
        let url = String::from(url);
        if out.iter().any(|f| f.url == url) {
            continue;
        }
        out.push(FeedLink {
            url,
            title: attr(&node, "title").map(str::to_string),
            mime,
        });
    }
    out
}
