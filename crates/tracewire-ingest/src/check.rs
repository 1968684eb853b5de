//! `tracewire feeds check`: what is wrong with a feed, in plain words, and
//! what Tracewire will do about each thing.
//!
//! Two halves: [`check_response`] reads what the server answered (status,
//! redirects, bot walls, content type, validators) and [`check_document`]
//! reads the document (does it parse, GUIDs, dates, HTML in titles, links,
//! content). Both are pure: the command does the fetching.

use std::collections::HashMap;

use chrono::Utc;
use quick_xml::events::Event;
use serde::Serialize;

use crate::feed::{Served, format_version, looks_like_html, parse_document_served, parse_feed_served};
use crate::fetch::Diagnosis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Tracewire cannot read the feed (or not all of it).
    Problem,
    /// Tracewire reads it, but something is lost or guessed.
    Warning,
    /// Worth knowing; nothing is lost.
    Note,
}

/// One thing found, and what Tracewire does about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub what: String,
    pub tracewire_will: String,
}

fn finding(severity: Severity, what: impl Into<String>, tracewire_will: impl Into<String>) -> Finding {
    Finding {
        severity,
        what: what.into(),
        tracewire_will: tracewire_will.into(),
    }
}

/// What the document is, when it parses.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// `rss20`, `atom10`, `json`… (see `feed::format_version`).
    pub format: String,
    pub title: Option<String>,
    pub entries: usize,
}

/// Bot walls by the marks their challenge pages leave.
const BOT_WALLS: &[(&str, &[&str])] = &[
    (
        "Cloudflare",
        &[
            "cf-browser-verification",
            "challenge-platform",
            "cf_chl_",
            "just a moment...",
            "attention required! | cloudflare",
        ],
    ),
    ("DDoS-Guard", &["ddos-guard"]),
    ("Sucuri", &["sucuri website firewall"]),
    ("DataDome", &["captcha-delivery.com", "datadome"]),
    ("PerimeterX", &["px-captcha", "perimeterx"]),
    ("Imperva Incapsula", &["incapsula incident", "_incapsula_resource"]),
    ("Akamai", &["access denied</title>", "errors.edgesuite.net"]),
];

/// The bot wall a response comes from, if it looks like one.
pub fn bot_wall(d: &Diagnosis) -> Option<&'static str> {
    if d.header("cf-mitigated")
        .is_some_and(|v| v.eq_ignore_ascii_case("challenge"))
    {
        return Some("Cloudflare");
    }
    if d.header("x-datadome").is_some() {
        return Some("DataDome");
    }
    let head = &d.body[..d.body.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    BOT_WALLS
        .iter()
        .find(|(_, marks)| marks.iter().any(|m| text.contains(m)))
        .map(|(name, _)| *name)
}

/// What the server's answer says, before the document is read.
pub fn check_response(d: &Diagnosis, asked: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    if !d.redirects.is_empty() {
        let chain: Vec<String> = std::iter::once(asked.to_string())
            .chain(d.redirects.iter().map(|r| format!("{} → {}", r.status, r.to)))
            .collect();
        let permanent = d.redirects.iter().all(|r| matches!(r.status, 301 | 308));
        found.push(if permanent {
            finding(
                Severity::Note,
                format!("The feed has moved for good: {}", chain.join(" ")),
                format!("update the subscription to {} after the next fetch", d.final_url),
            )
        } else {
            finding(
                Severity::Note,
                format!(
                    "The address redirects ({} hop{}, not all permanent): {}",
                    d.redirects.len(),
                    if d.redirects.len() == 1 { "" } else { "s" },
                    chain.join(" ")
                ),
                "follow the redirects on every fetch and keep the address you gave",
            )
        });
    }
    let wall = bot_wall(d);
    if let Some(wall) = wall {
        found.push(finding(
            Severity::Problem,
            format!(
                "The server answered with a {wall} bot-wall page (HTTP {}), not the feed: it wants a browser to solve a challenge",
                d.status
            ),
            "not solve challenges; it records the error on the feed and retries with backoff. Ask the site to let \
             feed readers through for this address, or find another feed for it",
        ));
    }
    match d.status {
        200..=299 => {}
        304 => {}
        410 => found.push(finding(
            Severity::Problem,
            "HTTP 410 Gone: the site says this feed was removed for good",
            "stop polling it and show it as stopped; `tracewire feeds resume ID` polls it again",
        )),
        429 | 503 if wall.is_none() => found.push(finding(
            Severity::Problem,
            format!(
                "HTTP {}: the server is {}{}",
                d.status,
                if d.status == 429 {
                    "asking for fewer requests"
                } else {
                    "unavailable"
                },
                d.header("retry-after")
                    .map_or(String::new(), |r| format!(", and asks us to retry after {r}"))
            ),
            "wait as long as the server asks (Retry-After, up to a week) before asking that host again, and \
             otherwise retry with backoff",
        )),
        404 => found.push(finding(
            Severity::Problem,
            "HTTP 404 Not Found: nothing is at this address",
            "keep retrying with a growing interval (up to a day) and show the error; check the address in a browser",
        )),
        401 | 403 if wall.is_none() => found.push(finding(
            Severity::Problem,
            format!(
                "HTTP {}: the server refuses access (a login, a paywall or a block on readers)",
                d.status
            ),
            "record the error on the feed and retry with backoff",
        )),
        status if wall.is_none() => found.push(finding(
            Severity::Problem,
            format!("HTTP {status}: the server did not send the feed"),
            "record the error on the feed and retry with backoff (a server error counts half as much as a 404)",
        )),
        _ => {}
    }
    if d.truncated {
        found.push(finding(
            Severity::Problem,
            format!(
                "The response is larger than the {} byte limit",
                d.body.len()
            ),
            "stop reading at the limit and record an error; raise [fetch] max_body_bytes if the feed really is this large",
        ));
    }
    if (200..300).contains(&d.status) {
        // A wrong type is said by the document's reading (`Document::repairs`).
        if d.header("content-type").is_none_or(|ct| ct.trim().is_empty()) && wall.is_none() {
            found.push(finding(
                Severity::Note,
                "The server sends no Content-Type",
                "read the content for what it is",
            ));
        }
        if d.header("etag").is_none() && d.header("last-modified").is_none() {
            found.push(finding(
                Severity::Note,
                "The server sends neither ETag nor Last-Modified, so it cannot answer \"not modified\"",
                "download the whole feed on each poll and skip parsing it when its SHA-256 is unchanged",
            ));
        }
    }
    found
}

/// One item or entry as written in the XML.
#[derive(Debug, Default)]
struct RawItem {
    id: Option<String>,
    has_link: bool,
    title: Option<String>,
    dates: Vec<String>,
}

/// Items and entries as written, in document order, for what feed-rs
/// smooths over (a date it could not read is simply absent there).
fn raw_items(body: &[u8]) -> Vec<RawItem> {
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().check_end_names = false;
    let mut items = Vec::new();
    let mut current: Option<RawItem> = None;
    let mut depth = 0usize;
    let mut item_depth = 0usize;
    let mut field: Option<String> = None;
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                let name = e.local_name().as_ref().to_ascii_lowercase();
                if current.is_none() && (name == "item" || (name == "entry" && depth > 1)) {
                    current = Some(RawItem::default());
                    item_depth = depth;
                } else if let Some(item) = current.as_mut()
                    && depth == item_depth + 1
                {
                    if name == "link" {
                        item.has_link |= e.attributes().flatten().any(|a| a.key.as_ref() == "href");
                    }
                    field = Some(name);
                    text.clear();
                }
            }
            Ok(Event::Empty(e)) => {
                if let Some(item) = current.as_mut()
                    && depth == item_depth
                    && e.local_name().as_ref() == "link"
                {
                    item.has_link |= e.attributes().flatten().any(|a| a.key.as_ref() == "href");
                }
            }
            Ok(Event::Text(t)) if field.is_some() => {
                text.push_str(t.as_ref());
            }
            Ok(Event::CData(t)) if field.is_some() => {
                text.push_str(t.as_ref());
            }
            Ok(Event::GeneralRef(r)) if field.is_some() => {
                text.push('&');
                text.push_str(r.as_ref());
                text.push(';');
            }
            Ok(Event::End(_)) => {
                if let (Some(item), Some(name)) = (current.as_mut(), field.as_deref())
                    && depth == item_depth + 1
                {
                    let value = text.trim().to_string();
                    match name {
                        "guid" | "id" if !value.is_empty() => item.id = Some(value),
                        "link" if !value.is_empty() => item.has_link = true,
                        "title" => item.title = Some(value),
                        "pubdate" | "published" | "updated" | "date" | "issued" | "modified" | "created"
                            if !value.is_empty() =>
                        {
                            item.dates.push(value)
                        }
                        _ => {}
                    }
                    field = None;
                }
                if depth == item_depth
                    && let Some(item) = current.take()
                {
                    items.push(item);
                }
                depth = depth.saturating_sub(1);
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    items
}

/// JSON Feed items as written.
fn raw_json_items(body: &[u8]) -> Vec<RawItem> {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Vec::new();
    };
    let items = doc.get("items").and_then(|i| i.as_array()).cloned().unwrap_or_default();
    items
        .iter()
        .map(|i| {
            let s = |k: &str| i.get(k).and_then(|v| v.as_str()).map(str::to_string);
            RawItem {
                id: s("id").or_else(|| i.get("id").filter(|v| v.is_number()).map(|v| v.to_string())),
                has_link: s("url").is_some(),
                title: s("title"),
                dates: ["date_published", "date_modified"].into_iter().filter_map(s).collect(),
            }
        })
        .collect()
}

fn looks_like_markup(title: &str) -> bool {
    let decoded = title
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&#x3c;", "<")
        .replace("&gt;", ">");
    let bytes = decoded.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/'))
}

/// "1 entry has", "3 entries have".
fn entries_have(n: usize) -> String {
    if n == 1 {
        "1 entry has".to_string()
    } else {
        format!("{n} entries have")
    }
}

fn examples(list: &[String]) -> String {
    let shown: Vec<String> = list.iter().take(3).map(|s| format!("{s:?}")).collect();
    let more = list.len().saturating_sub(3);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// What is wrong with the document at `url` (a file's own path will do).
pub fn check_document(body: &[u8], url: &str, content_type: Option<&str>) -> (Option<Summary>, Vec<Finding>) {
    let mut found = Vec::new();
    let served = Served {
        content_type,
        content_language: None,
    };
    let document = match parse_document_served(body, url, served) {
        Ok(document) => document,
        Err(error) => {
            if looks_like_html(content_type, body) {
                let html = tracewire_extract::decode_html(body, content_type);
                let base = url::Url::parse(url).ok();
                let links = tracewire_extract::feed_links(&html, base.as_ref());
                found.push(match links.first() {
                    Some(link) => finding(
                        Severity::Note,
                        format!(
                            "This is a web page, not a feed; it advertises {} feed{}: {}",
                            links.len(),
                            if links.len() == 1 { "" } else { "s" },
                            links.iter().map(|l| l.url.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                        format!("subscribe to the first one it advertises, {}", link.url),
                    ),
                    None => finding(
                        Severity::Problem,
                        "This is a web page, not a feed, and it advertises no feed (no <link rel=\"alternate\">)",
                        "refuse the subscription; look on the site for its RSS or Atom link",
                    ),
                });
            } else {
                found.push(finding(
                    Severity::Problem,
                    format!("The document cannot be read as a feed: {error}"),
                    "record this error on the feed and retry with backoff; the publisher has to fix the feed",
                ));
            }
            return (None, found);
        }
    };
    let format = format_version(body);
    let parsed = parse_feed_served(body, url, served).ok();
    for repair in &document.repairs {
        found.push(finding(
            Severity::Warning,
            repair.clone(),
            "read it as its author meant, as other feed readers do",
        ));
    }
    let raw = if format == "json" {
        raw_json_items(body)
    } else {
        raw_items(body)
    };
    let entries = &document.feed.entries;
    let summary = Summary {
        format: format.to_string(),
        title: document
            .feed
            .title
            .as_ref()
            .map(|t| t.content.trim().to_string())
            .filter(|t| !t.is_empty()),
        entries: entries.len(),
    };
    if summary.title.is_none() {
        found.push(finding(
            Severity::Note,
            "The feed has no title",
            "name it after its site, or its address",
        ));
    }
    if entries.is_empty() {
        found.push(finding(
            Severity::Warning,
            "The feed has no entries",
            "poll it on schedule and store entries when they appear",
        ));
        return (Some(summary), found);
    }
    // The raw scan and feed-rs see the same entries in the same order when
    // they count the same; otherwise only feed-rs's view is used.
    let aligned = raw.len() == entries.len();
    let raw_ok = |f: &dyn Fn(&RawItem) -> bool| aligned && raw.iter().any(f);

    let without_id: Vec<usize> = if aligned {
        (0..raw.len()).filter(|&i| raw[i].id.is_none()).collect()
    } else {
        (0..entries.len())
            .filter(|&i| entries[i].id.trim().is_empty())
            .collect()
    };
    if !without_id.is_empty() {
        let neither: usize = without_id
            .iter()
            .filter(|&&i| entries[i].links.is_empty() && !(aligned && raw[i].has_link))
            .count();
        found.push(finding(
            Severity::Warning,
            format!("{} of {} entries have no GUID or id", without_id.len(), entries.len())
                .replace("1 of 1 entries have", "The one entry has"),
            "know them by their link, with tracking parameters removed; if a link changes, the entry is \
             stored again",
        ));
        // Those without content either are counted below, as skipped.
        let dropped = parsed
            .as_ref()
            .map_or(0, |p| entries.len().saturating_sub(p.entries.len()));
        let neither = neither.saturating_sub(dropped);
        if neither > 0 {
            found.push(finding(
                Severity::Warning,
                format!("{} neither an id nor a link", entries_have(neither)),
                "know them by a hash of their content, so an edited entry is stored again as a new one",
            ));
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for e in entries.iter().filter(|e| !e.id.trim().is_empty()) {
        *seen.entry(e.id.trim()).or_default() += 1;
    }
    let duplicated: Vec<String> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id.to_string())
        .collect();
    if !duplicated.is_empty() {
        found.push(finding(
            Severity::Warning,
            format!(
                "{} GUIDs are used by more than one entry: {}",
                duplicated.len(),
                examples(&duplicated)
            ),
            "store the first entry with each GUID and skip the others",
        ));
    }
    if aligned {
        let unreadable: Vec<String> = raw
            .iter()
            .zip(entries)
            .filter(|(r, e)| !r.dates.is_empty() && e.published.is_none() && e.updated.is_none())
            .map(|(r, _)| r.dates[0].clone())
            .collect();
        if !unreadable.is_empty() {
            found.push(finding(
                Severity::Warning,
                format!(
                    "{} dates that cannot be read: {}",
                    entries_have(unreadable.len()),
                    examples(&unreadable)
                ),
                "store them without a publication date, placed by the time they were fetched",
            ));
        }
    }
    let undated = entries
        .iter()
        .filter(|e| e.published.is_none() && e.updated.is_none())
        .count();
    if undated > 0 && !raw_ok(&|r: &RawItem| !r.dates.is_empty()) {
        found.push(finding(
            Severity::Note,
            format!("{undated} of {} entries carry no date", entries.len()),
            "take the date from the article page when it has one, else the time of fetching",
        ));
    }
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    let future = entries
        .iter()
        .filter(|e| e.published.or(e.updated).is_some_and(|d| d > tomorrow))
        .count();
    if future > 0 {
        found.push(finding(
            Severity::Warning,
            format!("{} a date in the future", entries_have(future)),
            "store the dates as written; they sort at the top until their time comes",
        ));
    }
    let marked: Vec<String> = if aligned {
        raw.iter()
            .filter_map(|r| r.title.clone())
            .filter(|t| looks_like_markup(t))
            .collect()
    } else {
        entries
            .iter()
            .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
            .filter(|t| looks_like_markup(t))
            .collect()
    };
    if !marked.is_empty() {
        found.push(finding(
            Severity::Warning,
            format!("{} titles contain HTML markup: {}", marked.len(), examples(&marked)),
            "show titles as plain text: tags are shown as written, never run",
        ));
    }
    if let Some(parsed) = &parsed {
        let linkless = parsed.entries.iter().filter(|e| e.url.is_none()).count();
        if linkless > 0 {
            found.push(finding(
                Severity::Note,
                format!("{} no link to an article page", entries_have(linkless)),
                "use the feed's own text for them",
            ));
        }
        let bare = parsed
            .entries
            .iter()
            .filter(|e| e.content_html.is_none() && e.summary_html.is_none())
            .count();
        if bare > 0 {
            found.push(finding(
                Severity::Note,
                format!("{} no text in the feed", entries_have(bare)),
                "fetch each one's article page for its text; an entry whose page fails too is retried next crawl",
            ));
        }
        let dropped = entries.len() - parsed.entries.len();
        if dropped > 0 {
            found.push(finding(
                Severity::Warning,
                format!("{} no id, no link and no content", entries_have(dropped)),
                "skip them: there is nothing to store",
            ));
        }
    }
    (Some(summary), found)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn whats(found: &[Finding]) -> String {
        found
            .iter()
            .map(|f| format!("{:?}: {}\n", f.severity, f.what))
            .collect()
    }

    #[test]
    fn a_clean_feed_has_nothing_to_say() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><link>https://w.example/</link>
          <item><guid>a1</guid><title>One</title><link>https://w.example/1</link><pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate><description>Text.</description></item>
          </channel></rss>"#;
        let (summary, found) = check_document(rss.as_bytes(), "https://w.example/feed", None);
        let summary = summary.unwrap();
        assert_eq!((summary.format.as_str(), summary.entries), ("rss20", 1));
        assert!(found.is_empty(), "{}", whats(&found));
    }

    #[test]
    fn the_usual_faults_are_named() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
          <item><title>&lt;b&gt;Bold&lt;/b&gt; news</title><link>https://w.example/1</link><pubDate>yesterday-ish</pubDate></item>
          <item><guid>d</guid><title>Two</title><link>https://w.example/2</link><pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate></item>
          <item><guid>d</guid><title>Three</title><link>https://w.example/3</link><pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate></item>
          <item><title>No link</title><description>Only text.</description><pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate></item>
          </channel></rss>"#;
        let (_, found) = check_document(rss.as_bytes(), "https://w.example/feed", None);
        let text = whats(&found);
        assert!(text.contains("Warning: 2 of 4 entries have no GUID"), "{text}");
        assert!(text.contains("Warning: 1 entry has neither an id nor a link"), "{text}");
        assert!(text.contains("used by more than one entry: \"d\""), "{text}");
        assert!(text.contains("dates that cannot be read: \"yesterday-ish\""), "{text}");
        assert!(text.contains("titles contain HTML markup"), "{text}");
        assert!(text.contains("no text in the feed"), "{text}");
    }

    #[test]
    fn what_the_parse_repaired_is_said() {
        let rss = r#"<rss version="2.0"><channel><title>Wire</title><itunes:author>Me</itunes:author>
          <item><guid>1</guid><title>T</title><link>https://w.example/?a=1&b=2</link><description>x</description>
          <pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate></item></channel></rss>"#;
        let (summary, found) = check_document(rss.as_bytes(), "https://w.example/feed", Some("text/plain"));
        assert_eq!(summary.unwrap().entries, 1);
        let text = whats(&found);
        assert!(
            text.contains("Warning: It is not well-formed XML: a bare `&`"),
            "{text}"
        );
        assert!(
            text.contains("namespace prefix `itunes:` without declaring it"),
            "{text}"
        );
        assert!(
            text.contains("served as \"text/plain\", not as XML or a feed"),
            "{text}"
        );
    }

    #[test]
    fn pages_and_garbage() {
        let page = r#"<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>Hi</body></html>"#;
        let (summary, found) = check_document(page.as_bytes(), "https://w.example/", Some("text/html"));
        assert!(summary.is_none());
        assert!(
            found[0].what.contains("https://w.example/feed.xml"),
            "{}",
            whats(&found)
        );
        assert_eq!(found[0].severity, Severity::Note);
        let (_, found) = check_document(b"\x00\x01 not a feed", "https://w.example/f", None);
        assert_eq!(found[0].severity, Severity::Problem);
        assert!(
            found[0].what.starts_with("The document cannot be read as a feed"),
            "{}",
            whats(&found)
        );
    }

    fn diagnosis(status: u16, headers: &[(&str, &str)], body: &str) -> Diagnosis {
        Diagnosis {
            final_url: url::Url::parse("https://w.example/new.xml").unwrap(),
            status,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
            truncated: false,
            redirects: Vec::new(),
            elapsed: std::time::Duration::from_millis(5),
        }
    }

    #[test]
    fn bot_walls_and_statuses() {
        let cf = diagnosis(
            403,
            &[("server", "cloudflare"), ("content-type", "text/html")],
            "<html><head><title>Just a moment...</title></head><body><script src=\"/cdn-cgi/challenge-platform/x.js\"></script></body></html>",
        );
        let found = check_response(&cf, "https://w.example/feed");
        assert_eq!(found.len(), 1, "{}", whats(&found));
        assert!(found[0].what.contains("Cloudflare bot-wall"), "{}", whats(&found));
        let header_only = diagnosis(503, &[("cf-mitigated", "challenge")], "");
        assert_eq!(bot_wall(&header_only), Some("Cloudflare"));

        let busy = diagnosis(429, &[("retry-after", "120")], "slow down");
        let found = check_response(&busy, "https://w.example/feed");
        assert!(found[0].what.contains("retry after 120"), "{}", whats(&found));

        let mut moved = diagnosis(
            200,
            &[("content-type", "application/rss+xml"), ("etag", "\"1\"")],
            "<rss/>",
        );
        moved.redirects = vec![crate::fetch::Redirect {
            status: 301,
            to: url::Url::parse("https://w.example/new.xml").unwrap(),
        }];
        let found = check_response(&moved, "https://w.example/feed");
        assert_eq!(found.len(), 1, "{}", whats(&found));
        assert!(
            found[0]
                .what
                .contains("moved for good: https://w.example/feed 301 → https://w.example/new.xml")
        );

        let plain = diagnosis(200, &[], "<rss/>");
        let text = whats(&check_response(&plain, "https://w.example/feed"));
        assert!(
            text.contains("no Content-Type") && text.contains("neither ETag nor Last-Modified"),
            "{text}"
        );
    }
}
