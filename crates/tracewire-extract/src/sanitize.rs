//! The one HTML sanitizer every served fragment passes through.
//!
//! ammonia with a tight allowlist: structure and text formatting, links
//! (http/https/mailto only, `rel="noopener noreferrer nofollow"`), images,
//! tables. No scripts, styles, event handlers, forms or frames.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(builder);

/// The allowlist, as a fresh builder (ammonia's builder is not `Clone`).
fn builder() -> ammonia::Builder<'static> {
    let tags: HashSet<&str> = [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
    ]
    .into_iter()
    .collect();
    let mut tag_attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    tag_attributes.insert("a", ["href", "title"].into_iter().collect());
    tag_attributes.insert("img", ["src", "alt", "title", "width", "height"].into_iter().collect());
    tag_attributes.insert("td", ["colspan", "rowspan"].into_iter().collect());
    tag_attributes.insert("th", ["colspan", "rowspan", "scope"].into_iter().collect());
    tag_attributes.insert("time", ["datetime"].into_iter().collect());
    tag_attributes.insert("blockquote", ["cite"].into_iter().collect());
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .tag_attributes(tag_attributes)
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    builder
}

/// A fragment parsed as HTML and written back, nothing removed: two
/// fragments with the same elements, attributes and text come out the same,
/// whatever their quoting, `<br>` or `<br />`, or character references.
pub fn canonical_html(html: &str) -> String {
    scraper::Html::parse_fragment(html).root_element().inner_html()
}

/// [`sanitize_html`] with relative links and image sources made absolute
/// against `base`.
pub fn sanitize_html_with_base(html: &str, base: &url::Url) -> String {
    let mut b = builder();
    b.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    b.clean(html).to_string()
}

/// Returns `html` with everything outside the allowlist removed.
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::sanitize_html;

    #[test]
    fn scripts_handlers_and_js_urls_are_removed() {
        let out = sanitize_html(
            r#"<p onclick="x()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">x</a> <img src="https://e.com/a.png" onerror="y()"></p><iframe src="https://evil"></iframe>"#,
        );
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(!out.contains("onerror"), "{out}");
        assert!(!out.contains("iframe"), "{out}");
        assert!(out.contains(r#"<img src="https://e.com/a.png">"#), "{out}");
    }

    #[test]
    fn links_get_safe_rel() {
        let out = sanitize_html(r#"<a href="https://example.com/">x</a>"#);
        assert!(out.contains(r#"rel="noopener noreferrer nofollow""#), "{out}");
    }
}
