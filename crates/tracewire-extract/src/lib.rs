//! News page HTML in, clean article out: title, byline, date, canonical URL,
//! site name, language, plain text and sanitized HTML of the body, and the
//! attribution lines ("Source Article from <url>", "via <url>", ...) as data.
//!
//! This crate does no I/O: it takes text (or bytes plus a content type) and
//! returns values. **Extraction never fails on a page**: it returns the best
//! article it can plus warnings. Every HTML string it returns has passed
//! [`sanitize_html`].

mod attribution;
mod body;
pub mod canonical_url;
mod dom;
mod encoding;
pub mod eval;
mod metadata;
pub mod parse;
mod prefilter;
mod sanitize;
mod streaming;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use tracewire_model::Attribution;
use url::Url;

pub use attribution::{classify_attribution, pick_source_url};
pub use encoding::decode_html;
pub use metadata::{FeedLink, feed_links, parse_date};
pub use sanitize::{audit_html, canonical_html, sanitize_html, sanitize_html_with_base};

/// `href` made absolute against `base` (or parsed as is without one);
/// `None` for an empty link, a fragment-only link, or one that does not parse.
pub fn absolute_url(base: Option<&Url>, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    match base {
        Some(b) => b.join(href).ok().map(String::from),
        None => Url::parse(href).ok().map(String::from),
    }
}

/// How much markup (after scripts, styles and comments are emptied) one
/// page may have; the rest is not read.
pub const MAX_MARKUP_BYTES: usize = 4 << 20;

/// The article found in one page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extracted {
    pub title: Option<String>,
    pub byline: Option<String>,
    /// With the offset the page wrote, so its calendar day is the page's.
    pub published: Option<DateTime<FixedOffset>>,
    /// When the page says it was last updated, where that is later than
    /// `published`.
    pub updated: Option<DateTime<FixedOffset>>,
    pub canonical_url: Option<String>,
    pub site_name: Option<String>,
    /// ISO 639-1 code where known (`en`), else what the page declared.
    pub language: Option<String>,
    /// Plain text of the body, paragraphs separated by a blank line.
    pub text: String,
    /// Sanitized HTML of the body.
    pub html: String,
    /// The earliest source named by the attribution lines, absolute.
    pub source_url: Option<String>,
    /// Attribution lines found in the body (and removed from it).
    pub attributions: Vec<Attribution>,
    /// What went wrong or looked doubtful; empty on a clean page.
    pub warnings: Vec<String>,
}

/// Extracts the article from a whole HTML document.
///
/// `base_url` is the address the page was fetched from; links and images are
/// made absolute against it (or against the page's `<base href>`).
pub fn extract(html: &str, base_url: Option<&Url>) -> Extracted {
    let markup = prefilter::strip_unread(html);
    // The parsed tree costs several times the markup: a bound on the markup
    // bounds memory. No article needs more (the largest benchmark page has
    // under 1 MiB left after the prefilter).
    let (markup, truncated) = if markup.len() > MAX_MARKUP_BYTES {
        let mut end = MAX_MARKUP_BYTES;
        while !markup.is_char_boundary(end) {
            end -= 1;
        }
        (std::borrow::Cow::Owned(markup[..end].to_string()), true)
    } else {
        (markup, false)
    };
    let mut document = parse::parse_document(&markup);
    streaming::complete(&mut document);
    let meta = metadata::read(&document, base_url);
    let base = meta.base_url.clone().or_else(|| base_url.cloned());
    let body = body::extract_body(&document, base.as_ref(), meta.title.as_deref());

    let mut warnings = body.warnings;
    if truncated {
        warnings.push(format!(
            "the page has more than {} MiB of markup besides scripts and styles; only the first {} MiB were read",
            MAX_MARKUP_BYTES >> 20,
            MAX_MARKUP_BYTES >> 20
        ));
    }
    let (attributions, source_url) = (body.attributions, body.source_url);
    if body.text.is_empty() {
        warnings.push("no article body found on the page".to_string());
    }
    let language = meta.language.or_else(|| metadata::detect_language(&body.text));
    Extracted {
        title: meta.title,
        byline: meta.byline,
        published: meta.published,
        updated: meta.updated,
        canonical_url: meta.canonical_url,
        site_name: meta.site_name,
        language,
        text: body.text,
        html: body.html,
        source_url,
        attributions,
        warnings,
    }
}

/// Extracts an article body from an HTML fragment, such as a feed entry's
/// `content:encoded`. Metadata comes from the feed, so only the body,
/// attribution lines and language are filled in.
pub fn extract_fragment(fragment: &str, base_url: Option<&Url>) -> Extracted {
    let wrapped = format!("<!DOCTYPE html><html><head></head><body><article>{fragment}</article></body></html>");
    let mut out = extract(&wrapped, base_url);
    out.title = None;
    out
}

#[cfg(test)]
mod tests;
