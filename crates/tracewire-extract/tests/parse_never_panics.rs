//! The HTML parser takes whatever the network sends: it must never panic,
//! always give the html/head/body skeleton, and keep nesting bounded however
//! deep the input goes.

use proptest::prelude::*;
use scraper::Html;
use tracewire_extract::parse::{MAX_DEPTH, parse_document};

/// Tags and text that exercise the tree builder's rules.
fn piece() -> impl Strategy<Value = String> {
    let tags = prop::sample::select(vec![
        "html",
        "head",
        "body",
        "p",
        "div",
        "span",
        "a",
        "b",
        "i",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "tbody",
        "tr",
        "td",
        "th",
        "caption",
        "colgroup",
        "col",
        "form",
        "select",
        "option",
        "optgroup",
        "h1",
        "h2",
        "pre",
        "textarea",
        "title",
        "script",
        "style",
        "noscript",
        "iframe",
        "xmp",
        "plaintext",
        "template",
        "svg",
        "math",
        "br",
        "img",
        "button",
        "menu",
        "ruby",
        "rt",
        "object",
        "frameset",
    ]);
    prop_oneof![
        tags.clone().prop_map(|t| format!("<{t}>")),
        tags.clone().prop_map(|t| format!("</{t}>")),
        tags.prop_map(|t| format!("<{t} class=\"x\" id=y/>")),
        Just("<!DOCTYPE html>".to_string()),
        Just("<!-- c -->".to_string()),
        Just("<![CDATA[x]]>".to_string()),
        Just("&amp;&#0;&#x110000;&notin".to_string()),
        "[a-zA-Z <>/=\"'&;\u{0}\u{e9}\u{4e2d}]{0,40}",
        any::<String>(),
    ]
}

/// The greatest number of ancestors any node has.
fn depth(doc: &Html) -> usize {
    doc.tree
        .root()
        .descendants()
        .map(|n| n.ancestors().count())
        .max()
        .unwrap_or(0)
}

fn has_skeleton(doc: &Html) -> bool {
    let root = doc.root_element();
    let children: Vec<&str> = root
        .children()
        .filter_map(|c| c.value().as_element().map(|e| e.name()))
        .collect();
    root.value().name() == "html" && children.first() == Some(&"head") && children.contains(&"body")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn parsing_never_panics(pieces in prop::collection::vec(piece(), 0..80)) {
        let doc = parse_document(&pieces.concat());
        prop_assert!(depth(&doc) <= MAX_DEPTH + 3);
    }

    #[test]
    fn arbitrary_text_parses(s in any::<String>()) {
        let doc = parse_document(&s);
        prop_assert!(has_skeleton(&doc));
    }

    #[test]
    fn deep_nesting_is_bounded(tag in prop::sample::select(vec!["div", "span", "b", "li", "td", "table", "a", "svg", "font"]), n in 0usize..3000) {
        let html = format!("{}text{}", format!("<{tag}>").repeat(n), format!("</{tag}>").repeat(n / 2));
        let doc = parse_document(&html);
        prop_assert!(depth(&doc) <= MAX_DEPTH + 3);
        prop_assert!(has_skeleton(&doc));
        let text: String = doc.root_element().text().collect();
        prop_assert_eq!(text, "text");
    }
}
