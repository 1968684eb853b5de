//! Page metadata: title, byline, publication time, canonical URL, site name,
//! language and feed links, from every signal a page offers (JSON-LD,
//! OpenGraph, `<meta>`, `<time>`, the DOM).

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use rustc_hash::FxHashSet;
use scraper::{Html, Node};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::dom::{attr, collapse_whitespace, re, tag, text_of};

#[derive(Debug, Default)]
pub struct Metadata {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub updated: Option<DateTime<FixedOffset>>,
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
    date_orders: DateOrders,
    title_tag: Option<String>,
    h1s: Vec<String>,
    /// Position and node of each of `h1s`.
    h1s_at: Vec<(usize, NodeId)>,
    /// The first <h1> inside <article> or <main>, or named like a headline.
    content_h1: Option<String>,
    json_ld: Vec<Value>,
    time_datetime: Option<String>,
    /// Text of the first element that looks like a visible date line.
    date_text: Option<String>,
    /// Dates written in short text nodes, with their position (a count of
    /// text nodes before them), for the dateline nearest the headline.
    visible_dates: Vec<VisibleDate>,
    /// Position and node of the first <h1> (and of the first one in the
    /// content).
    first_h1_at: Option<(usize, NodeId)>,
    content_h1_at: Option<(usize, NodeId)>,
    /// Position, node and text of the first <h2>s, for pages whose headline
    /// is one.
    h2s: Vec<(usize, NodeId, String)>,
    rel_author: Option<String>,
    byline_class: Option<String>,
    /// "By Name" lines in the page, with their position, for the one
    /// nearest the headline.
    by_lines: Vec<(usize, String)>,
}

pub fn read(document: &Html, fetched_from: Option<&Url>) -> Metadata {
    let s = gather(document);
    let base_url = match (&s.base_href, fetched_from) {
        (Some(href), Some(base)) => base.join(href).ok(),
        (Some(href), None) => Url::parse(href).ok(),
        (None, base) => base.cloned(),
    };
    let absolute = |u: &str| crate::absolute_url(base_url.as_ref(), u);
    let article = s.json_ld.iter().find_map(find_article_object);

    let site_name = meta(&s, &["og:site_name", "application-name"])
        .or_else(|| article.and_then(|a| a.get("publisher")).and_then(json_name))
        .map(|n| collapse_whitespace(&n))
        .filter(|n| !n.is_empty());

    // A declared title that is only the site's name ("Robomow") names no
    // article: take the next one.
    let site_folded = site_name.as_deref().map(crate::eval::fold);
    let not_site = |t: &String| site_folded.as_deref() != Some(crate::eval::fold(t).as_str());
    let declared = ["og:title", "twitter:title"]
        .iter()
        .flat_map(|key| s.metas.iter().filter(move |(k, _)| k == key))
        .map(|(_, v)| v.clone())
        .find(not_site)
        .or_else(|| article.and_then(|a| json_str(a.get("headline"))))
        .or_else(|| title_from_title_tag(&s, site_name.as_deref()))
        .map(|t| strip_site_suffix(&decode_entities(&collapse_whitespace(&t)), site_name.as_deref()));
    // The headline a reader sees is the page's <h1>; og:title is often a
    // social-media variant. Take the <h1> that agrees with the declared
    // titles, so a logo <h1> ("World News Feed") is never the title.
    // An <h1> of a few words that does not agree with the declared title is
    // a section's name ("Webcams", "Our Blog"), not this article's headline.
    let short = |h: &String| h.split_whitespace().count() <= 3;
    // A social-media og:title ("Blog post >> Visit our blog") may agree
    // with no <h1> where the <title> does; that <h1> must be most of the
    // <title>, not the blog's name before it ("Lessons Learned: …").
    let title = on_page_headline(&s, declared.as_deref(), site_name.as_deref(), 0.2)
        .or_else(|| {
            let tag = strip_site_suffix(&collapse_whitespace(s.title_tag.as_deref()?), site_name.as_deref());
            on_page_headline(&s, Some(&tag), site_name.as_deref(), 0.5)
        })
        .or_else(|| {
            s.content_h1
                .clone()
                .filter(|h| site_folded.as_deref() != Some(crate::eval::fold(h).as_str()))
                .filter(|h| !(short(h) && declared.is_some()))
        })
        .or_else(|| declared.map(|d| strip_tagline(&d)))
        .or_else(|| s.h1s.first().cloned())
        .map(|t| strip_pipe_segments(&strip_site_suffix(&t, site_name.as_deref())))
        .filter(|t| !t.is_empty());

    // Where the headline sits among the page's text: bylines and datelines
    // are looked for next to it. That is the <h1> that is the title (not a
    // logo's), or the first in the content. Pages without an <h1> often use
    // an <h2>.
    let folded_title = title.as_deref().map(crate::eval::fold);
    let title_h1 = s
        .h1s
        .iter()
        .position(|h| folded_title.as_deref() == Some(crate::eval::fold(h).as_str()))
        .and_then(|i| s.h1s_at.get(i).copied());
    let anchor = title_h1.or(s.content_h1_at).or(s.first_h1_at).or_else(|| {
        let t = folded_title.clone()?;
        s.h2s
            .iter()
            .find(|(_, _, h)| crate::eval::fold(h) == t)
            .or_else(|| s.h2s.iter().find(|(_, _, h)| same_headline(&t, &crate::eval::fold(h))))
            .map(|(pos, node, _)| (*pos, *node))
    });
    let anchor_pos = anchor.map(|(pos, _)| pos);
    let json_author = article.and_then(|a| a.get("author"));
    let meta_author = meta(
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
    .filter(|a| !a.starts_with("http"));
    // Yoast writes the author as twitter:label1 "Written by" + twitter:data1.
    let meta_author = meta_author.or_else(|| {
        ["1", "2"].into_iter().find_map(|n| {
            let label = meta(&s, &[&format!("twitter:label{n}")])?;
            label
                .eq_ignore_ascii_case("written by")
                .then(|| meta(&s, &[&format!("twitter:data{n}")]))
                .flatten()
        })
    });
    let good = |b: &String| acceptable_byline(b);
    // A person named anywhere beats an organization: a meta author equal to
    // the site's name is the publisher, not the writer.
    // The publisher's own name in an author field is not a byline when the
    // page names a person elsewhere.
    let title_tag = s.title_tag.as_deref().map(crate::eval::fold).unwrap_or_default();
    let not_site = |b: &String| {
        let f = crate::eval::fold(b);
        site_folded.as_deref() != Some(f.as_str()) && !title_tag.ends_with(&f)
    };
    let byline = json_author
        .and_then(|v| json_people(v, &s.json_ld, true))
        .or_else(|| {
            meta_author
                .clone()
                .map(|b| clean_byline(&decode_entities(&b)))
                .filter(good)
                .filter(not_site)
        })
        .or_else(|| s.byline_class.clone().filter(good).filter(not_site))
        .or_else(|| nearest_headline(anchor_pos, &s.by_lines).cloned())
        .or_else(|| s.rel_author.clone().map(|b| clean_byline(&b)).filter(good))
        .or_else(|| json_author.and_then(|v| json_people(v, &s.json_ld, false)))
        .or(meta_author)
        .or_else(|| s.byline_class.clone().filter(good))
        .map(|b| clean_byline(&decode_entities(&b)))
        .filter(|b| !b.is_empty() && b.chars().count() <= 120);

    // The date a reader sees under the headline comes first (when a page
    // shows "Updated ...", that is the date it stands by); then what the
    // page declares.
    let declared_modified = meta(
        &s,
        &[
            "article:modified_time",
            "og:updated_time",
            "datemodified",
            "last-modified",
        ],
    )
    .and_then(|d| parse_date(&d))
    .or_else(|| {
        article
            .and_then(|a| json_str(a.get("dateModified")))
            .and_then(|d| parse_date(&d))
    });
    let declared_published = meta(
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
            "citation_publication_date",
            "citation_date",
            "date",
        ],
    )
    .and_then(|d| parse_date(&d))
    .or_else(|| {
        article
            .and_then(|a| json_str(a.get("datePublished")))
            .and_then(|d| parse_date(&d))
    })
    .or_else(|| {
        // Sites name their own tags: "published", "w-published-date",
        // "cXenseParse:publishtime". Where several disagree, the first
        // publication is the earliest.
        s.metas
            .iter()
            .filter(|(k, _)| k.contains("publish") && !k.contains("publisher"))
            .filter_map(|(_, v)| parse_date(v).or_else(|| parse_written_date(v)))
            .min()
    });
    let url_date = [s.canonical.as_deref(), fetched_from.map(Url::as_str)]
        .into_iter()
        .flatten()
        .find_map(date_in_url);
    // A dateline gives a day; a declared time on that day says more.
    // "09.10.2024" may be read either way; the declared day decides.
    // The declared publication time may be written in UTC, a day off.
    // Failing that, the page's own way of writing dates decides ("3
    // October 2023" elsewhere on it), or its language ("en-GB", "fr").
    let page_order = date_order(&s);
    let precise = |d: &VisibleDate| {
        let same_day = |p: &DateTime<FixedOffset>| {
            let day = p.date_naive();
            day == d.date.date_naive() || d.swapped.is_some_and(|w| w.date_naive() == day)
        };
        declared_published
            .filter(same_day)
            .or_else(|| declared_published.filter(|p| same_local_day(*p, d.date)))
            .or_else(|| declared_modified.filter(same_day))
            .unwrap_or(match d.swapped {
                Some(other) if page_order.is_some_and(|o| o != d.order) => other,
                _ => d.date,
            })
    };
    let line = dateline(document, &s, anchor);
    // A date named both published and updated shows the update when it is
    // the declared modification day and not the declared publication day.
    let is_update = |d: &VisibleDate| match d.label {
        DateLabel::Updated => true,
        DateLabel::Either => {
            let day = d.date.date_naive();
            declared_modified.is_some_and(|m| m.date_naive() == day)
                && declared_published.is_some_and(|p| p.date_naive() != day)
        }
        _ => false,
    };
    let far_published = || far_date(document, &s, anchor, |d| d.label == DateLabel::Published);
    let published = line
        .map(|d| {
            // "Updated …" under the headline: the page was first published
            // earlier, on the day it declares or says further down
            // ("originally published on …").
            let earlier = |p: &DateTime<FixedOffset>| p.date_naive() < d.date.date_naive();
            let first = is_update(d)
                .then(|| {
                    declared_published
                        .filter(earlier)
                        .or_else(|| far_published().filter(earlier))
                })
                .flatten();
            first.unwrap_or_else(|| precise(d))
        })
        .or_else(far_published)
        .or(declared_published)
        .or_else(|| s.time_datetime.as_deref().and_then(parse_date))
        .or_else(|| s.date_text.as_deref().and_then(parse_written_date))
        .or(declared_modified)
        .or_else(|| far_date(document, &s, anchor, |_| true))
        .map(|d| match url_date {
            // A time written in UTC can fall on the next day where the page
            // was published; the URL says which day that was.
            Some(u) if d.date_naive() != u.date_naive() && (d.date_naive() - u.date_naive()).num_days().abs() <= 1 => u,
            _ => d,
        })
        .or(url_date);
    // The last update: an "Updated" dateline, or the declared modification
    // time; only when it is later than the publication.
    let updated = line
        .filter(|d| is_update(d))
        .map(|d| {
            declared_modified
                .filter(|m| m.date_naive() == d.date.date_naive())
                .unwrap_or(d.date)
        })
        .or(declared_modified)
        .filter(|u| published.is_some_and(|p| u.date_naive() > p.date_naive()));

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
        updated,
        canonical_url,
        site_name,
        language,
        base_url,
    }
}

/// A date a reader sees on the page.
#[derive(Debug, Clone)]
struct VisibleDate {
    pos: usize,
    date: DateTime<FixedOffset>,
    label: DateLabel,
    /// The innermost ancestor named like a box of other things (related
    /// posts, comments, a sidebar): the date is this article's only if that
    /// box also holds the headline (then it is a page-wide wrapper such as
    /// "layout--sidebar-right"), or the date is the first text after the
    /// headline (a "newsletter-details" line under a newsletter's title).
    chrome: Option<NodeId>,
    /// The last text node with letters or digits before the date.
    previous: Option<NodeId>,
    /// `chrome` is named like a list of other articles or comments.
    others: bool,
    /// The other reading of a numeric date that could be either day or
    /// month first ("09.10.2024").
    swapped: Option<DateTime<FixedOffset>>,
    /// Whether `date` was read day first ("3 October 2023", "15/12/2025").
    order: Order,
    /// Inside a paragraph or list item of running text ("valid November 26
    /// – December 3, 2025"): a date the article mentions, not its own.
    in_prose: bool,
}

/// How many of a page's dates that read one way only put the day first,
/// and how many the month.
#[derive(Debug, Default, Clone, Copy)]
struct DateOrders {
    day_first: usize,
    month_first: usize,
}

/// Which of day and month this page puts first: what most of its
/// unambiguous dates do, else what its language does.
fn date_order(s: &Signals) -> Option<Order> {
    let DateOrders { day_first, month_first } = s.date_orders;
    if day_first != month_first {
        return Some(if day_first > month_first {
            Order::DayFirst
        } else {
            Order::MonthFirst
        });
    }
    let lang = s.html_lang.as_deref()?.to_ascii_lowercase().replace('_', "-");
    match lang.as_str() {
        "" | "en" => None,
        "en-us" | "en-ph" | "en-ca" => Some(Order::MonthFirst),
        _ => Some(Order::DayFirst),
    }
}

/// A date read from text: where it starts (a byte offset), and for a
/// numeric date that reads both ways, the other reading.
struct Reading {
    date: DateTime<FixedOffset>,
    start: usize,
    swapped: Option<DateTime<FixedOffset>>,
    order: Order,
}

/// Which of day and month a date puts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    DayFirst,
    MonthFirst,
    /// "2025-09-04": year first, as everywhere.
    Neither,
}

/// What the words before a visible date say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateLabel {
    None,
    /// "Published", "Posted on", "Originally published".
    Published,
    /// "Updated", "Last modified", "Reviewed".
    Updated,
    /// Named both ("entry-date published updated"): the declared dates
    /// tell which it shows.
    Either,
}

fn gather(document: &Html) -> Signals {
    let mut s = Signals::default();
    let mut text_pos = 0usize;
    // The last text node with letters in it: a date's label ("Updated:")
    // is often an element of its own just before the date.
    let mut previous_text: &str = "";
    let mut previous: Option<NodeId> = None;
    for node in document.tree.root().descendants() {
        if let Node::Text(t) = node.value() {
            // Distances count text a reader sees, not the source's
            // indentation between tags.
            if t.bytes().any(|b| !b.is_ascii_whitespace()) {
                text_pos += 1;
            }
            if let Some(mut date) = visible_date(&node, t, previous_text, &mut s.date_orders) {
                date.pos = text_pos;
                date.previous = previous;
                s.visible_dates.push(date);
            }
            if t.bytes().any(|b| b.is_ascii_alphanumeric()) {
                previous_text = t;
                previous = Some(node.id());
            }
            if let Some(name) = by_line(&node, t) {
                s.by_lines.push((text_pos, name));
            }
            continue;
        }
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
                    // Some frameworks carry JSON-LD in a <meta name="script:ld+json">.
                    if key.ends_with("ld+json")
                        && let Ok(v) = serde_json::from_str::<Value>(content)
                    {
                        s.json_ld.push(v);
                    } else if !content.is_empty() {
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
                let t = crate::dom::rendered_text(&node);
                if !t.is_empty() {
                    let named = crate::dom::class_and_id(&node).to_ascii_lowercase();
                    let in_content = named.contains("title")
                        || named.contains("headline")
                        || node.ancestors().any(|a| matches!(tag(&a), Some("article" | "main")));
                    if in_content && s.content_h1.is_none() {
                        s.content_h1 = Some(t.clone());
                        s.content_h1_at = Some((text_pos, node.id()));
                    }
                    s.first_h1_at.get_or_insert((text_pos, node.id()));
                    s.h1s.push(t);
                    s.h1s_at.push((text_pos, node.id()));
                }
            }
            "h2" if s.h2s.len() < 20 => {
                let t = crate::dom::rendered_text(&node);
                if !t.is_empty() {
                    s.h2s.push((text_pos, node.id(), t));
                }
            }
            "script" if attr(&node, "type").is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json")) => {
                if let Ok(v) = serde_json::from_str::<Value>(crate::dom::own_text(&node).trim()) {
                    s.json_ld.push(v);
                }
            }
            "time" if s.time_datetime.is_none() => {
                s.time_datetime = attr(&node, "datetime").map(str::to_string);
            }
            _ => {}
        }
        // The attributes the checks below read, in one scan of the element's.
        let (mut class, mut id, mut rel, mut linked_or_marked) = (None, None, None, false);
        if let Node::Element(e) = node.value() {
            for (k, v) in e.attrs() {
                match k {
                    "class" => class = Some(v),
                    "id" => id = Some(v),
                    "rel" => rel = Some(v),
                    "itemprop" | "href" => linked_or_marked = true,
                    _ => {}
                }
            }
        }
        if s.rel_author.is_none() && rel.is_some_and(|r| r.split_whitespace().any(|r| r == "author")) {
            let t = text_of(&node);
            if !t.is_empty() {
                s.rel_author = Some(t);
            }
        }
        // Most elements name nothing of interest: check cheaply before the
        // word-by-word tests, which allocate.
        let named = |pattern: &Regex| [class, id].into_iter().flatten().any(|v| pattern.is_match(v));
        if s.date_text.is_none() && named(&DATE_NAMES) && looks_like_date_box(&node) {
            let t = text_of(&node);
            if t.chars().count() <= 80 && parse_written_date(&t).is_some() {
                s.date_text = Some(t);
            }
        }
        if s.byline_class.is_none() && (linked_or_marked || named(&BYLINE_NAMES)) && looks_like_byline_box(&node) {
            let t = clean_byline(&text_of(&node));
            if acceptable_byline(&t) {
                s.byline_class = Some(t);
            }
        }
    }
    s
}

static DATE_NAMES: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)date|publish|posted-on|timestamp"));
static BYLINE_NAMES: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)author|byline"));

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

/// An element whose class, id or microdata says it holds the author's name.
fn looks_like_byline_box(node: &NodeRef<'_, Node>) -> bool {
    if matches!(
        tag(node),
        Some("meta" | "link" | "script" | "style" | "img" | "body" | "html" | "article" | "main")
    ) {
        return false;
    }
    if attr(node, "itemprop").is_some_and(|p| p == "author" || p == "creator") {
        return true;
    }
    if attr(node, "href").is_some_and(|h| h.contains("/author/") || h.contains("/authors/")) {
        return true;
    }
    let names = crate::dom::class_and_id(node).to_ascii_lowercase();
    names.split(|c: char| c.is_whitespace()).any(|word| {
        let word = word.trim_matches(['-', '_']);
        (word.contains("author") || word.contains("byline"))
            && ![
                "bio",
                "avatar",
                "image",
                "img",
                "photo",
                "description",
                "box",
                "social",
                "more",
                "wrapper",
                "page",
                "info",
                "meta",
            ]
            .iter()
            .any(|bad| word.contains(bad))
    })
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Class/id words of boxes whose dates belong to other articles or to
/// comments, not to this one.
const NOT_DATELINE: &[&str] = &[
    "related",
    "comment",
    "sidebar",
    "widget",
    "recent",
    "popular",
    "footer",
    "menu",
    "newsletter",
    "reply",
    "archive",
    "calendar",
    "trending",
];

/// Of those, the words of lists of other articles and of comments: their
/// dates are never this article's, even first under the headline.
const OTHERS: &[&str] = &[
    "related", "comment", "recent", "popular", "reply", "archive", "trending",
];

/// Whether an element's class or id contains one of `words`.
fn named_any(node: &NodeRef<'_, Node>, words: &[&str]) -> bool {
    [attr(node, "class"), attr(node, "id")]
        .into_iter()
        .flatten()
        .any(|v| words.iter().any(|w| contains_ignore_ascii_case(v, w)))
}

/// Whether an ancestor of `node` is one of `tags`, or has a class or id
/// containing one of `words`: the box holds something other than this
/// article's own lines (navigation, comments, other articles).
fn inside_any(node: &NodeRef<'_, Node>, tags: &[&str], words: &[&str]) -> bool {
    node.ancestors()
        .any(|a| tag(&a).is_some_and(|t| tags.contains(&t)) || named_any(&a, words))
}

/// The date written in a short text node that a reader would take for a
/// dateline, with its label; `None` for dates in links and navigation, and
/// for text too long to be a dateline. Its `pos` is left for the caller.
fn visible_date(
    node: &NodeRef<'_, Node>,
    text: &str,
    previous_text: &str,
    orders: &mut DateOrders,
) -> Option<VisibleDate> {
    let t = text.trim();
    // Every date we read has a four-digit year from 1990 to 2100.
    let has_year = t
        .as_bytes()
        .windows(4)
        .any(|w| matches!(&w[..2], b"19" | b"20" | b"21") && w[2].is_ascii_digit() && w[3].is_ascii_digit());
    if t.len() < 6 || t.len() > 160 || !has_year {
        return None;
    }
    let Reading {
        date,
        start,
        swapped,
        order,
    } = parse_visible_date(t)?;
    // Every date tells how the page writes dates, links' dates too.
    if swapped.is_none() {
        match order {
            Order::DayFirst => orders.day_first += 1,
            Order::MonthFirst => orders.month_first += 1,
            Order::Neither => {}
        }
    }
    // A <time> states its date for machines in `datetime`; that is the
    // page's word when the two disagree by more than a time zone (the text
    // is only how it is shown).
    let stated = node
        .parent()
        .filter(|p| tag(p) == Some("time"))
        .and_then(|p| attr(&p, "datetime"))
        .and_then(parse_date);
    let (date, swapped) = match stated {
        Some(stated) if !same_local_day(stated, date) => (stated, None),
        _ => (date, swapped),
    };
    let chrome = [
        "a", "footer", "nav", "aside", "script", "style", "title", "select", "option", "button", "textarea",
    ];
    if inside_any(node, &chrome, &[]) {
        return None;
    }
    let chrome = node.ancestors().find(|a| named_any(a, NOT_DATELINE));
    // The label is the text before the date, or the text node before it.
    let before = t[..start].trim();
    let label_text = if before.chars().any(char::is_alphabetic) {
        before
    } else {
        previous_text.trim()
    };
    let cut = (label_text.len().saturating_sub(40)..=label_text.len())
        .find(|&i| label_text.is_char_boundary(i))
        .unwrap_or(0);
    let label = match date_label(&label_text[cut..]) {
        // Unlabelled: the element may say what it is (class="updated",
        // itemprop="dateModified"); WordPress's "published updated" says both.
        DateLabel::None => node.parent().map_or(DateLabel::None, |p| {
            let named = format!(
                "{} {}",
                crate::dom::class_and_id(&p),
                attr(&p, "itemprop").unwrap_or("")
            );
            match date_label(&named) {
                DateLabel::Updated if named.to_ascii_lowercase().contains("publish") => DateLabel::Either,
                DateLabel::Updated => DateLabel::Updated,
                _ => DateLabel::None,
            }
        }),
        label => label,
    };
    Some(VisibleDate {
        pos: 0,
        date,
        label,
        others: chrome.as_ref().is_some_and(|a| named_any(a, OTHERS)),
        chrome: chrome.map(|a| a.id()),
        previous: None,
        swapped,
        order,
        in_prose: is_sentence(t) || in_prose(node),
    })
}

/// Whether a text is a sentence of eight words or more: "The offer is
/// valid until December 3, 2025." mentions a date; a date line does not
/// end like that.
fn is_sentence(text: &str) -> bool {
    text.trim_end().ends_with(['.', '!', '?']) && text.split_whitespace().count() >= 8
}

/// Whether a text node's block is a paragraph, list item or cell of running
/// text: a sentence, or more than 200 characters.
fn in_prose(node: &NodeRef<'_, Node>) -> bool {
    node.ancestors()
        .find(|a| tag(a).is_some_and(|t| crate::body::BLOCK_TAGS.contains(&t) || t == "fieldset"))
        .filter(|a| matches!(tag(a), Some("p" | "li" | "td" | "blockquote")))
        .is_some_and(|block| {
            let mut text = String::new();
            for d in block.descendants() {
                if let Node::Text(t) = d.value() {
                    text.push_str(t.trim());
                    text.push(' ');
                    if text.len() > 200 {
                        return true;
                    }
                }
            }
            is_sentence(&text)
        })
}

/// Reads the words just before a date: "Last Updated:", "Published on".
fn date_label(before: &str) -> DateLabel {
    let lower = before.to_lowercase();
    // The last label wins: "Published May 1 · Updated" labels what follows.
    let last = |words: &[&str]| words.iter().filter_map(|w| lower.rfind(w)).max();
    let updated = last(&["updat", "modified", "revised", "reviewed", "edited", "refreshed"]);
    let published = last(&["publish", "posted", "written on", "created", "released"]);
    match (published, updated) {
        (Some(p), Some(u)) if p > u => DateLabel::Published,
        (_, Some(_)) => DateLabel::Updated,
        (Some(_), None) => DateLabel::Published,
        (None, None) => DateLabel::None,
    }
}

static NUMERIC_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?:^|[^\d./-])(?:(?P<y1>(?:19|20)\d{2})[./](?P<m1>\d{1,2})[./](?P<d1>\d{1,2})|(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})[./](?P<y2>(?:19|20)\d{2}))(?:$|[^\d./-])",
    )
});

/// A date as pages print it: "September 4, 2025", "4 Sep 2025",
/// "2025-09-04", "2025/09/04", "23.07.2025" (day first), "10/31/2024" and
/// "15/12/2025" (month first unless that cannot be); with the byte offset
/// where it starts and, for a numeric date that reads both ways, the other
/// reading.
fn parse_visible_date(text: &str) -> Option<Reading> {
    if let Some((d, start)) = written_date_at(text) {
        let written = &text.as_bytes()[start..];
        let order = match written.first() {
            Some(b) if b.is_ascii_alphabetic() => Order::MonthFirst,
            _ if written.get(4) == Some(&b'-') => Order::Neither,
            _ => Order::DayFirst,
        };
        return Some(Reading {
            date: d,
            start,
            swapped: None,
            order,
        });
    }
    let c = NUMERIC_DATE.captures(text)?;
    let start = c.get(0).map_or(0, |m| m.start());
    if let (Some(y), Some(m), Some(d)) = (c.name("y1"), c.name("m1"), c.name("d1")) {
        let day = plausible_day(
            y.as_str().parse().ok()?,
            m.as_str().parse().ok()?,
            d.as_str().parse().ok()?,
        )?;
        return Some(Reading {
            date: day,
            start,
            swapped: None,
            order: Order::Neither,
        });
    }
    let (a, b): (u32, u32) = (c.name("a")?.as_str().parse().ok()?, c.name("b")?.as_str().parse().ok()?);
    let y: i32 = c.name("y2")?.as_str().parse().ok()?;
    let day_first = c.name("sep").is_some_and(|s| s.as_str() == ".") || a > 12;
    let (day, other) = if day_first {
        (plausible_day(y, b, a)?, plausible_day(y, a, b))
    } else {
        (plausible_day(y, a, b)?, plausible_day(y, b, a))
    };
    let order = if day_first { Order::DayFirst } else { Order::MonthFirst };
    Some(Reading {
        date: day,
        start,
        swapped: other.filter(|o| *o != day),
        order,
    })
}

/// "By Jane Doe", "by: Jane Doe, Dec 17, 2025", "Written by" followed by
/// the name: the name, when the text node starts a byline.
fn by_line(node: &NodeRef<'_, Node>, text: &str) -> Option<String> {
    let t = text.trim();
    // Every label starts with one of these letters: most text stops here.
    if t.is_empty() || t.len() > 120 || !matches!(t.as_bytes()[0] | 0x20, b'a' | b'b' | b'c' | b'p' | b'w') {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let labels = [
        "written by",
        "words by",
        "article by",
        "posted by",
        "author:",
        "by:",
        "by",
    ];
    // Labels that only count when they stand alone, the name following.
    let alone = ["author", "authors", "contributor", "contributors"];
    let label = labels
        .iter()
        .find(|l| lower.starts_with(*l) && lower[l.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric()))
        .or_else(|| alone.iter().find(|l| lower.trim_end_matches(':') == **l))?;
    let parent = node.parent()?;
    if matches!(
        tag(&parent),
        Some("script" | "style" | "title" | "option" | "button" | "a")
    ) {
        return None;
    }
    let chrome = ["footer", "nav", "aside", "blockquote", "figcaption"];
    if inside_any(node, &chrome, &["comment", "related", "reply", "sidebar"]) {
        return None;
    }
    let rest = t
        .get(label.len()..)
        .unwrap_or("")
        .trim_matches(|c: char| c.is_whitespace() || c == ':');
    let candidate = if !rest.is_empty() {
        // The name may continue in the next nodes: "By <a>Jane Doe</a>".
        let whole = text_of(&parent);
        if whole.len() <= 120 && whole.to_ascii_lowercase().starts_with(*label) {
            whole
        } else {
            t.to_string()
        }
    } else {
        // A label alone: the name is the rest of the parent, or the next element.
        let whole = text_of(&parent);
        if whole.len() > t.len() + 1 && whole.len() <= 120 {
            whole
        } else {
            let next = parent.next_siblings().find(|n| tag(n).is_some())?;
            format!("by {}", text_of(&next))
        }
    };
    let name = clean_byline(&candidate);
    let name = name
        .strip_prefix(|c: char| c == ':')
        .map(str::trim)
        .unwrap_or(&name)
        .to_string();
    (acceptable_byline(&name)
        && name.split_whitespace().count() <= 8
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()))
    .then_some(name)
}

/// Whether an <h2> (folded) is the headline the declared title (folded)
/// shortens or rewords: it holds at least four in five of the title's
/// words, and the title has three or more.
fn same_headline(title: &str, h2: &str) -> bool {
    let (words, h2_words) = (word_set(title), word_set(h2));
    let shared = words.intersection(&h2_words).count();
    words.len() >= 3 && shared * 5 >= words.len() * 4
}

/// The distinct words of a title, lowercased, for overlap tests.
fn word_set(t: &str) -> FxHashSet<String> {
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Of values found at text positions, the one nearest the headline: just
/// below it, or else just above it.
fn nearest_headline<T>(anchor: Option<usize>, found: &[(usize, T)]) -> Option<&T> {
    let anchor = anchor?;
    found
        .iter()
        .find(|(pos, _)| *pos > anchor && pos - anchor <= 30)
        .or_else(|| found.iter().rev().find(|(pos, _)| *pos <= anchor && anchor - pos <= 12))
        .map(|(_, v)| v)
}

/// Whether a visible date is this article's and not one of a list of other
/// things: it is outside any box named like one (related posts, comments,
/// a sidebar), or that box also holds the headline (a page-wide wrapper such
/// as "layout--sidebar-right"), or the date comes first after the headline
/// and the box is not a list of other articles or comments.
fn own_date(headline: Option<NodeRef<'_, Node>>, d: &VisibleDate) -> bool {
    let Some(chrome) = d.chrome else { return true };
    headline.is_some_and(|h| {
        h.ancestors().any(|a| a.id() == chrome)
            || !d.others && d.previous.is_some_and(|p| h.descendants().any(|n| n.id() == p))
    })
}

/// The visible date nearest below the headline (a dateline sits under or
/// just above the <h1>), leaving out dates of other things and dates in
/// running text. Where the nearest says "Updated", a date next to it that
/// does not ("Originally published") is the dateline.
fn dateline<'a>(document: &Html, s: &'a Signals, anchor: Option<(usize, NodeId)>) -> Option<&'a VisibleDate> {
    let (anchor, headline) = anchor?;
    let headline = document.tree.get(headline);
    let usable = |d: &&VisibleDate| !d.in_prose && own_date(headline, d);
    let after = s
        .visible_dates
        .iter()
        .filter(|d| d.pos > anchor && d.pos - anchor <= 30)
        .filter(usable);
    let before = s
        .visible_dates
        .iter()
        .rev()
        .filter(|d| d.pos <= anchor && anchor - d.pos <= 12)
        .filter(usable);
    // Below the headline first, unless the line just above it is much
    // nearer (positions count text nodes; the <h1>'s own text is anchor + 1).
    match (prefer_plain(after), prefer_plain(before)) {
        (Some(below), Some(above)) if 2 * (anchor - above.pos + 1) < below.pos - anchor => Some(above),
        (Some(below), _) => Some(below),
        (None, above) => above,
    }
}

/// The first of `near` (dates in order of distance from the headline), or,
/// when it says "Updated", a date next to it that does not.
fn prefer_plain<'a>(mut near: impl Iterator<Item = &'a VisibleDate>) -> Option<&'a VisibleDate> {
    let first = near.next()?;
    if first.label != DateLabel::Updated {
        return Some(first);
    }
    let plain = near
        .take_while(|d| d.pos.abs_diff(first.pos) <= 8)
        .find(|d| d.label != DateLabel::Updated);
    Some(plain.unwrap_or(first))
}

/// A visible date anywhere after the headline (anywhere at all on a page
/// without one), of this article and not in running text, that `wanted`
/// accepts: the "Posted on" line some pages put under the article.
fn far_date(
    document: &Html,
    s: &Signals,
    anchor: Option<(usize, NodeId)>,
    wanted: impl Fn(&VisibleDate) -> bool,
) -> Option<DateTime<FixedOffset>> {
    let headline = anchor.and_then(|(_, id)| document.tree.get(id));
    let start = anchor.map_or(0, |(pos, _)| pos);
    s.visible_dates
        .iter()
        .filter(|d| d.pos > start && !d.in_prose && own_date(headline, d))
        .find(|d| wanted(d))
        .map(|d| d.date)
}

/// An element whose class or id says it shows the publication date.
fn looks_like_date_box(node: &NodeRef<'_, Node>) -> bool {
    if matches!(
        tag(node),
        Some("meta" | "link" | "script" | "style" | "body" | "html" | "article" | "main")
    ) {
        return false;
    }
    let names = crate::dom::class_and_id(node).to_ascii_lowercase();
    names.split_whitespace().any(|w| {
        (w.contains("date") || w.contains("publish") || w.contains("posted-on") || w.contains("timestamp"))
            && !w.contains("update")
            && !w.contains("modified")
    })
}

static WRITTEN_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:(?P<m1>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{4})|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+(?P<y2>\d{4})|(?P<y3>\d{4})-(?P<mo3>\d{2})-(?P<d3>\d{2}))(?:\b|T\d)",
    )
});

/// "September 4, 2025", "4 Sep 2025", "2025-09-04" in running text.
fn parse_written_date(text: &str) -> Option<DateTime<FixedOffset>> {
    written_date_at(text).map(|(d, _)| d)
}

/// `parse_written_date` with the byte offset where the date starts.
fn written_date_at(text: &str) -> Option<(DateTime<FixedOffset>, usize)> {
    let c = WRITTEN_DATE.captures(text)?;
    let start = c.get(0).map_or(0, |m| m.start());
    let month = |m: &str| -> Option<u32> {
        let m = m.get(..3)?.to_ascii_lowercase();
        [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ]
        .iter()
        .position(|x| *x == m)
        .map(|i| i as u32 + 1)
    };
    let (y, m, d) = if let (Some(m), Some(d), Some(y)) = (c.name("m1"), c.name("d1"), c.name("y1")) {
        (y.as_str().parse().ok()?, month(m.as_str())?, d.as_str().parse().ok()?)
    } else if let (Some(d), Some(m), Some(y)) = (c.name("d2"), c.name("m2"), c.name("y2")) {
        (y.as_str().parse().ok()?, month(m.as_str())?, d.as_str().parse().ok()?)
    } else {
        let (y, m, d) = (c.name("y3")?, c.name("mo3")?, c.name("d3")?);
        (
            y.as_str().parse().ok()?,
            m.as_str().parse().ok()?,
            d.as_str().parse().ok()?,
        )
    };
    plausible_day(y, m, d).map(|d| (d, start))
}

/// Whether `instant` can fall on `day` in some time zone: a page shows the
/// day where it is published, and declares the time in UTC, which can be
/// the day before or after. Zones run from UTC−12 to UTC+14.
fn same_local_day(instant: DateTime<FixedOffset>, day: DateTime<FixedOffset>) -> bool {
    let midnight = day.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    let t = instant.with_timezone(&Utc);
    t >= midnight - chrono::Duration::hours(14) && t < midnight + chrono::Duration::hours(36)
}

/// A date in a URL path: /2015/09/18/ or /2015-09-18-.
fn date_in_url(url: &str) -> Option<DateTime<FixedOffset>> {
    static IN_URL: LazyLock<Regex> =
        LazyLock::new(|| re(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})(?:[/-]|$)"));
    let c = IN_URL.captures(url)?;
    plausible_day(c["y"].parse().ok()?, c["m"].parse().ok()?, c["d"].parse().ok()?)
}

fn plausible_day(y: i32, m: u32, d: u32) -> Option<DateTime<FixedOffset>> {
    if !(1990..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Utc.from_utc_datetime(&d).fixed_offset())
}

/// A byline that names someone: not a form label ("Name *"), not a
/// placeholder ("The Author", "View more posts").
fn acceptable_byline(b: &str) -> bool {
    let folded = crate::eval::fold(b);
    plausible_name(b)
        && b.chars().next().is_some_and(char::is_alphanumeric)
        && !matches!(
            folded.as_str(),
            "by" | "author" | "the author" | "authors" | "name" | "name *"
        )
        && !folded.starts_with("view ")
        && !folded.contains('@')
        && (!folded.contains('.') || folded.contains(' '))
        && ![
            "written by",
            "updated",
            "published",
            "posted",
            "about the author",
            "sign in",
            "log in",
            "share",
            "follow",
            "staff",
        ]
        .iter()
        .any(|label| folded.starts_with(label))
        && !folded.ends_with(" read")
}

/// A byline after cleaning: a few words, no sentence.
fn plausible_name(t: &str) -> bool {
    let words = t.split_whitespace().count();
    (1..=10).contains(&words) && t.chars().count() <= 100 && !t.ends_with('.') && t.chars().any(char::is_alphabetic)
}

/// Whether an <h1> is the declared title plus a kicker before it ("Buying
/// Guide: …", "Dec 18 2025 …") or a subtitle after a dash or bar ("… –
/// Personally Tested"): the declared title is then the headline itself.
fn with_kicker_or_subtitle(h1: &str, declared: &str) -> bool {
    let (h, d) = (crate::eval::fold(h1), crate::eval::fold(declared));
    if d.split_whitespace().count() < 2 || h == d {
        return false;
    }
    // A kicker of one word is a label ("Blog:"), not an article ("The").
    let kicker = h.strip_suffix(d.as_str()).is_some_and(|pre| {
        let words = pre.split_whitespace().count();
        pre.ends_with(' ') && ((2..=4).contains(&words) || words == 1 && pre.trim_end().ends_with(':'))
    });
    // Not after a colon: "X vs. Y: Which is right for you?" is one headline.
    let subtitle = h.strip_prefix(d.as_str()).is_some_and(|rest| {
        [" - ", " | ", " · "]
            .iter()
            .any(|sep| rest.strip_prefix(sep).is_some_and(|r| !r.trim().is_empty()))
    });
    kicker || subtitle
}

/// The <h1> that best agrees with the declared title, if any agrees.
fn on_page_headline(s: &Signals, declared: Option<&str>, site_name: Option<&str>, min_coverage: f64) -> Option<String> {
    let site = site_name.map(crate::eval::fold);
    let candidates: Vec<&String> = s
        .h1s
        .iter()
        .filter(|h| h.chars().count() <= 300 && site.as_deref() != Some(crate::eval::fold(h).as_str()))
        .collect();
    let Some(declared) = declared.filter(|d| !d.is_empty()) else {
        return (candidates.len() == 1).then(|| candidates[0].clone());
    };
    let target = word_set(declared);
    let folded = crate::eval::fold(declared);
    // An <h1> agrees when half its words (or the declared title's) are
    // shared, and it covers part of the declared title (`min_coverage`): a
    // one-word heading in the text ("Discord") is not a long title's.
    candidates
        .into_iter()
        .map(|h| {
            let w = word_set(h);
            let shared = w.intersection(&target).count() as f64;
            let overlap = shared / (w.len().min(target.len()).max(1) as f64);
            let coverage = shared / (target.len().max(1) as f64);
            (h, overlap, coverage, crate::eval::fold(h) == folded)
        })
        .filter(|(_, overlap, coverage, _)| *overlap >= 0.5 && *coverage >= min_coverage)
        .max_by(|a, b| a.3.cmp(&b.3).then(a.1.total_cmp(&b.1)).then(a.0.len().cmp(&b.0.len())))
        .map(|(h, ..)| {
            match with_kicker_or_subtitle(h, declared) || lost_quotes(h, declared) || numbered(h, declared) {
                true => declared.to_string(),
                false => h.clone(),
            }
        })
}

/// "8 Recent Trends in Photography" declared, "Recent Trends in
/// Photography" set as the <h1> beside a big "8": a design drops a count or
/// a year ("… in 2025") from the heading that the title carries.
fn numbered(h1: &str, declared: &str) -> bool {
    let (h, d) = (crate::eval::fold(h1), crate::eval::fold(declared));
    let Some(at) = d.find(h.as_str()).filter(|_| !h.is_empty() && h != d) else {
        return false;
    };
    let (before, after) = (&d[..at], &d[at + h.len()..]);
    if !(before.is_empty() || before.ends_with(' ')) || !(after.is_empty() || after.starts_with(' ')) {
        return false;
    }
    let extra: Vec<&str> = before.split_whitespace().chain(after.split_whitespace()).collect();
    (1..=3).contains(&extra.len())
        && extra.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()))
        && extra
            .iter()
            .all(|w| w.chars().any(|c| c.is_ascii_digit()) || matches!(*w, "in" | "for" | "of"))
}

/// The same headline, but the <h1>'s curly quotes were lost to a "?" (or
/// U+FFFD) on the way: the declared title kept them.
fn lost_quotes(h1: &str, declared: &str) -> bool {
    let letters = |t: &str, keep: char| -> String {
        crate::eval::fold(t)
            .chars()
            .filter(|&c| c.is_alphanumeric() || c == keep)
            .collect()
    };
    let d = letters(declared, '\0');
    // Each lost character left a "?" (or U+FFFD) where one or two were,
    // between letters: a "?" that ends the headline is a question mark.
    let lost = letters(&h1.replace('?', "\u{FFFD}"), '\u{FFFD}');
    let pieces: Vec<&str> = lost.split('\u{FFFD}').collect();
    if pieces.len() < 2 || pieces.iter().any(|p| p.is_empty()) {
        return false;
    }
    let mut rest = d.as_str();
    for (i, piece) in pieces.iter().enumerate() {
        let Some(at) = rest.find(piece) else { return false };
        if (i == 0 && at != 0) || (i > 0 && at > 2) {
            return false;
        }
        rest = &rest[at + piece.len()..];
    }
    rest.len() <= 2
}

/// Author names from a JSON-LD `author` value, following `@id` references
/// into the page's `@graph` (as WordPress SEO plugins write them). With
/// `people_only`, organizations are skipped: pages credit a person when
/// they can, and the organization is usually the publisher.
fn json_people(v: &Value, json_ld: &[Value], people_only: bool) -> Option<String> {
    let mut names = Vec::new();
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for item in items {
        let resolved = match item {
            Value::Object(m) if m.get("name").is_none() => m
                .get("@id")
                .and_then(Value::as_str)
                .and_then(|id| json_ld.iter().find_map(|doc| find_by_id(doc, id)))
                .unwrap_or(item),
            _ => item,
        };
        let is_org = resolved
            .get("@type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains("Organization") || t == "NewsMediaOrganization");
        if people_only && (is_org || resolved.is_string()) {
            continue;
        }
        if let Some(name) = json_name(resolved)
            .map(|n| collapse_whitespace(&n))
            .filter(|n| !n.is_empty())
        {
            names.push(name);
        }
    }
    match names.len() {
        0 => None,
        1 => names.pop(),
        2 => Some(format!("{} and {}", names[0], names[1])),
        _ => {
            let last = names.pop().unwrap_or_default();
            Some(format!("{}, and {last}", names.join(", ")))
        }
    }
}

fn find_by_id<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
    match v {
        Value::Array(items) => items.iter().find_map(|i| find_by_id(i, id)),
        Value::Object(m) => {
            if m.get("@id").and_then(Value::as_str) == Some(id) && m.get("name").is_some() {
                return Some(v);
            }
            m.get("@graph").and_then(|g| find_by_id(g, id))
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

/// "Headline | Top 19 Companies", "Headline – Personally Tested": a
/// declared title often carries a short tagline after a separator that the
/// on-page headline does not. Cut a last segment of at most five words when
/// at least four remain.
fn strip_tagline(title: &str) -> String {
    for sep in [" | ", " – ", " — ", " - ", " • ", " · "] {
        if let Some((head, tail)) = title.rsplit_once(sep) {
            let (head_words, tail_words) = (head.split_whitespace().count(), tail.split_whitespace().count());
            if head_words >= 4 && (1..=5).contains(&tail_words) {
                return head.trim().to_string();
            }
        }
    }
    title.to_string()
}

/// "Headline | Section | Site", "Site | Headline": a headline does not
/// contain " | "; the segments around it are the site's. Cut short trailing
/// segments (four words or fewer) while two words or more remain, then a
/// short leading one before a long rest, and a domain name before " - ".
fn strip_pipe_segments(title: &str) -> String {
    let words = |s: &str| s.split_whitespace().count();
    let mut t = title.trim();
    while let Some((head, tail)) = t.rsplit_once(" | ") {
        if words(head) < 2 || words(tail) > 4 {
            break;
        }
        t = head.trim();
    }
    if let Some((head, tail)) = t.split_once(" | ")
        && words(head) <= 3
        && words(tail) >= 5
    {
        t = tail.trim();
    }
    if let Some((head, tail)) = t.split_once(" - ")
        && !head.contains(' ')
        && head.contains('.')
        && head
            .rsplit('.')
            .next()
            .is_some_and(|tld| (2..=6).contains(&tld.len()) && tld.chars().all(|c| c.is_ascii_alphabetic()))
    {
        t = tail.trim();
    }
    t.to_string()
}

/// Decodes character references left in a value that was escaped twice
/// ("Python, SQL &#x26; AI").
fn decode_entities(s: &str) -> String {
    if !(s.contains('&') && s.contains(';')) {
        return s.to_string();
    }
    let fragment = Html::parse_fragment(s);
    let decoded: String = fragment.root_element().text().collect();
    if decoded.trim().is_empty() {
        s.to_string()
    } else {
        decoded
    }
}

fn clean_byline(b: &str) -> String {
    let mut b = collapse_whitespace(b).replace(" ,", ",");
    // "16 December 2025 by Sam O'Brien": the name follows the last "by".
    let lower = b.to_lowercase();
    if let Some(at) = lower.rfind(" by ")
        && let Some(rest) = b.get(at + 4..)
    {
        b = rest.to_string();
    }
    // "Summer Swann - June 12, 2025", "Dec 17, 2025 Julian K. Arni": drop the date.
    if let Some(m) = WRITTEN_DATE.find(&b) {
        b = if m.start() == 0 {
            b[m.end()..].to_string()
        } else {
            b[..m.start()].to_string()
        };
    }
    // "Name Updated ...", "Name Published on ...", "Name 7 min read".
    let lower = b.to_lowercase();
    for marker in [" last updated", " updated", " published", " posted", " | ", " • "] {
        if let Some(at) = lower.find(marker)
            && at > 0
            && let Some(head) = b.get(..at)
        {
            b = head.to_string();
            break;
        }
    }
    let mut b = b
        .trim_matches(|c: char| c.is_whitespace() || matches!(c, '-' | '|' | '•' | '·' | ',' | ':' | '–' | '—'))
        .to_string();
    let lower = b.to_lowercase();
    for prefix in [
        "written by:",
        "written by ",
        "authored by:",
        "authored by ",
        "posted by ",
        "by: ",
        "by ",
    ] {
        if lower.starts_with(prefix)
            && let Some(rest) = b.get(prefix.len()..)
        {
            b = rest.trim().to_string();
            break;
        }
    }
    b
}

/// Parses the date formats news pages and feeds use, keeping the offset
/// the page wrote (its calendar day is the one readers saw); times without
/// a zone are taken as UTC.
pub fn parse_date(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d);
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d);
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
            return Some(Utc.from_utc_datetime(&d).fixed_offset());
        }
    }
    let day = s.get(..10).unwrap_or(s);
    for f in ["%Y-%m-%d", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(day, f) {
            return d.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d).fixed_offset());
        }
    }
    // Scholarly pages' citation_publication_date: "2023 Jan 7".
    NaiveDate::parse_from_str(s, "%Y %b %d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Utc.from_utc_datetime(&d).fixed_offset())
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
    let document = crate::parse::parse_document(html);
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
        let Some(url) = crate::absolute_url(base_url, href) else {
            continue;
        };
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
