//! Attribution lines ("Source Article from <url>", "Originally published at
//! <url>", "via <url>") and the short boilerplate lines aggregators add under
//! a text ("Related posts:", "Views: 0").
//!
//! A line counts only when it is a whole block of its own: a sentence that
//! merely starts with "Via" or mentions a source is article text.

use std::sync::LazyLock;

use regex::Regex;

use crate::dom::re;
use tracewire_model::{Attribution, AttributionKind};

static ORIGINALLY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:this (?:article|story|post|piece|report) (?:was )?(?:originally|first) (?:appeared|published|ran)|(?:originally|first) (?:published|appeared|posted|ran)|read the original (?:article|story|post)?|the original (?:article|story|post) (?:is|can be found|appeared))\s*(?:at|on|in|by|here)?\s*:?\s*(?P<rest>.*)$",
    )
});
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:source article from|source article|article source|sources?|source link|story source|from)\s*:?\s+(?P<rest>.+)$",
    )
});
static VIA: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(?:via|h/t|hat tip)\s*:?\s+(?P<rest>.+)$"));
static URL_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| re(r#"https?://[^\s<>"']+"#));

static BOILERPLATE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^(?:
        related\ (?:posts|articles|stories|news|content|links)
      | more\ (?:stories|news|from\ .{1,40})
      | you\ (?:may|might)\ also\ (?:like|enjoy)
      | recommended(?:\ for\ you)?
      | (?:recent|popular|trending)\ (?:posts|stories|now)
      | read\ (?:more|next|also)
      | continue\ reading
      | views?\ ?:?\ ?[\d,.]*k?
      | [\d,.]+k?\ (?:views|reads|shares|comments)
      | share(?:\ this(?:\ (?:article|story|post|page))?)?(?:\ on\ \w+)?
      | like\ this
      | (?:leave\ a\ (?:reply|comment)|(?:\d+\ )?comments?|post\ a\ comment|add\ comment)
      | (?:posted|filed)\ (?:in|under)\ .{1,80}
      | tags?\ ?:.{0,120}
      | categor(?:y|ies)\ ?:.{0,120}
      | advertisement|sponsored(?:\ content)?|loading…?|loading\.\.\.
      | sign\ up\ for\ (?:our|the)\ .{0,40}newsletter.{0,40}
      | subscribe(?:\ (?:now|today|to\ our\ newsletter))?
      | print(?:\ this)?(?:\ article)?|email(?:\ this)?(?:\ article)?|tweet
      | caption|close|(?:photo|image|picture|credit|video)s?\ ?:\ .{1,80}
      | (?:read|see|watch|listen)\ (?:more|next|also)\ ?:\ .{1,160}
      | .{0,80}\ by\ clicking\ here
      | (?:table\ of\ )?contents|on\ this\ page|jump\ to(?:\ section)?\ ?[↓⬇]?|in\ this\ (?:article|post|guide|story)\ ?:
    )\s*[:.!]?$")
});

/// Decides whether one block of text is an attribution line. `hrefs` are the
/// absolute link targets inside the block, in order.
pub fn classify_attribution(text: &str, hrefs: &[String]) -> Option<Attribution> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 300 {
        return None;
    }
    let url_in = |rest: &str| -> Option<String> {
        hrefs
            .iter()
            .find(|h| h.starts_with("http://") || h.starts_with("https://"))
            .cloned()
            .or_else(|| URL_IN_TEXT.find(rest).map(|m| trim_url(m.as_str())))
    };
    let words = |s: &str| s.split_whitespace().count();

    if let Some(c) = ORIGINALLY.captures(text) {
        let rest = c.name("rest").map_or("", |m| m.as_str());
        if words(rest) <= 25 {
            return Some(Attribution {
                kind: AttributionKind::OriginallyPublished,
                url: url_in(rest),
                text: text.to_string(),
            });
        }
    }
    for (pattern, kind) in [(&*SOURCE, AttributionKind::Source), (&*VIA, AttributionKind::Via)] {
        if let Some(c) = pattern.captures(text) {
            let rest = c.name("rest").map_or("", |m| m.as_str()).trim();
            let url = url_in(rest);
            // "Source: Reuters" with a link, or "Source: https://...", but never
            // a sentence that happens to start with "From" or "Via".
            let bare_url = URL_IN_TEXT
                .find(rest)
                .is_some_and(|m| m.start() == 0 && words(rest) <= 3);
            let short_named_link = url.is_some() && words(rest) <= 8 && !rest.ends_with('.');
            if bare_url || short_named_link {
                return Some(Attribution {
                    kind,
                    url,
                    text: text.to_string(),
                });
            }
        }
    }
    None
}

fn trim_url(u: &str) -> String {
    u.trim_end_matches(['.', ',', ';', ':', ')', ']', '!', '?']).to_string()
}

/// The earliest source the lines name: an "originally published" line before
/// a "source" line before a "via" line; among equals, the first on the page.
pub fn pick_source_url(attributions: &[Attribution]) -> Option<String> {
    attributions
        .iter()
        .filter(|a| a.url.is_some())
        .min_by_key(|a| a.kind.origin_rank())
        .and_then(|a| a.url.clone())
}

/// Short lines that belong to the page, not the article: "Related posts:",
/// "Views: 0", "Share this", "Leave a Reply", "Tags: ...".
pub fn is_boilerplate_line(text: &str) -> bool {
    // A leading emoji or bullet does not change what the line is ("🚀 Sign
    // up for our newsletter").
    let text = text
        .trim()
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim_start();
    text.chars().count() <= 160 && BOILERPLATE.is_match(text)
}

/// "Posted by admin on Sep 12, 2015 • 3,805 views": a post's byline and
/// date line. Only checked before the first paragraph of text, where a
/// sentence starting "Published on" would be unusual.
static LEADING_META: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(?:(?:posted|published|written|submitted|updated|last updated)(?: by| on| at)?|by)\s+\S.{0,140}$")
});

pub fn is_leading_meta_line(text: &str) -> bool {
    let text = text.trim();
    let meta = text.chars().count() <= 160 && LEADING_META.is_match(text) && !text.ends_with(['.', '!', '?', '"', '”']);
    meta || is_boilerplate_line(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str, hrefs: &[&str]) -> Option<AttributionKind> {
        let hrefs: Vec<String> = hrefs.iter().map(|s| s.to_string()).collect();
        classify_attribution(text, &hrefs).map(|a| a.kind)
    }

    #[test]
    fn attribution_lines_are_recognised() {
        let u = "https://www.example.com/a?b=1&From=RSS";
        assert_eq!(
            kind(&format!("Source Article from {u}"), &[u]),
            Some(AttributionKind::Source)
        );
        assert_eq!(kind(&format!("Source: {u}"), &[]), Some(AttributionKind::Source));
        assert_eq!(
            kind(&format!("Originally published at {u}"), &[u]),
            Some(AttributionKind::OriginallyPublished)
        );
        assert_eq!(
            kind(&format!("Originally published on {u}."), &[]),
            Some(AttributionKind::OriginallyPublished)
        );
        assert_eq!(
            kind("This article originally appeared on The Conversation.", &[u]),
            Some(AttributionKind::OriginallyPublished)
        );
        assert_eq!(kind(&format!("via {u}"), &[u]), Some(AttributionKind::Via));
        assert_eq!(kind("Source: Reuters", &[u]), Some(AttributionKind::Source));
    }

    #[test]
    fn sentences_are_not_attribution_lines() {
        let u = "https://example.com/";
        assert_eq!(
            kind(
                "Via a spokesman, the ministry said it would consider the request.",
                &[u]
            ),
            None
        );
        assert_eq!(
            kind(
                "From the start, the talks were difficult for both sides involved here.",
                &[]
            ),
            None
        );
        assert_eq!(kind("Sources close to the talks said nothing was agreed.", &[]), None);
        assert_eq!(kind("Source: Reuters", &[]), None);
    }

    #[test]
    fn the_url_comes_from_the_link_or_the_text() {
        let a = classify_attribution("Source Article from https://a.example/x.", &[]).unwrap();
        assert_eq!(a.url.as_deref(), Some("https://a.example/x"));
        let a = classify_attribution("via The Wire", &["https://wire.example/1".to_string()]).unwrap();
        assert_eq!(a.url.as_deref(), Some("https://wire.example/1"));
    }

    #[test]
    fn origin_beats_source_beats_via() {
        let a = |kind, u: &str| Attribution {
            kind,
            url: Some(u.to_string()),
            text: String::new(),
        };
        let list = vec![
            a(AttributionKind::Via, "https://via.example/"),
            a(AttributionKind::Source, "https://source.example/"),
            a(AttributionKind::OriginallyPublished, "https://origin.example/"),
        ];
        assert_eq!(pick_source_url(&list).as_deref(), Some("https://origin.example/"));
        assert_eq!(pick_source_url(&list[..2]).as_deref(), Some("https://source.example/"));
    }

    #[test]
    fn leading_meta_lines() {
        assert!(is_leading_meta_line(
            "Posted by buzzbot on Sep 12, 2015 at 4:41 AM • 3,805 views"
        ));
        assert!(is_leading_meta_line("By Jane Roe, Political Correspondent"));
        assert!(is_leading_meta_line("Published 14:05 BST, 18 September 2015"));
        assert!(!is_leading_meta_line(
            "By Friday, the talks had collapsed and both delegations had gone home."
        ));
    }

    #[test]
    fn boilerplate_lines() {
        for line in [
            "Related posts:",
            "Views: 0",
            "Views: 1,234",
            "1,234 views",
            "Share this:",
            "Leave a Reply",
            "Tags: world, syria",
            "Posted in World",
            "Advertisement",
            "Table of Contents",
            "In this article:",
            "Jump to ↓",
            "🚀 Sign up for The Replay newsletter",
        ] {
            assert!(is_boilerplate_line(line), "{line}");
        }
        for line in [
            "Share prices fell sharply on Monday.",
            "Views differ on whether the deal will hold.",
            "Tags were found on the birds.",
            "In this guide",
            "Contents of the report were leaked.",
        ] {
            assert!(!is_boilerplate_line(line), "{line}");
        }
    }
}
