//! Small read-only helpers over scraper's tree, shared by metadata and body
//! extraction. We walk the tree by hand instead of using CSS selectors: the
//! walks are simple, allocation-free and cannot fail to parse.

use ego_tree::NodeRef;
use scraper::Node;

/// A regex from a constant pattern; every pattern in this crate is exercised
/// by its tests, so a bad one fails there, not on a page.
#[allow(clippy::expect_used)]
pub fn re(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern).expect("constant regex")
}

/// The element's local name, lowercase as the parser gives it; `None` for
/// non-elements.
pub fn tag<'a>(node: &NodeRef<'a, Node>) -> Option<&'a str> {
    match node.value() {
        Node::Element(e) => Some(e.name()),
        _ => None,
    }
}

/// An attribute's value. Elements carry a handful of attributes, so a scan
/// comparing names beats scraper's `attr`, which interns `name` first.
pub fn attr<'a>(node: &NodeRef<'a, Node>, name: &str) -> Option<&'a str> {
    match node.value() {
        Node::Element(e) => e.attrs().find(|(k, _)| *k == name).map(|(_, v)| v),
        _ => None,
    }
}

/// `class` and `id` joined by a space, for pattern checks.
pub fn class_and_id(node: &NodeRef<'_, Node>) -> String {
    let class = attr(node, "class").unwrap_or("");
    let id = attr(node, "id").unwrap_or("");
    if id.is_empty() {
        class.to_string()
    } else {
        format!("{class} {id}")
    }
}

/// The text nodes directly inside `node`, joined as they are (not the text
/// of its child elements).
pub fn own_text(node: &NodeRef<'_, Node>) -> String {
    node.children()
        .filter_map(|c| match c.value() {
            Node::Text(t) => Some(&**t),
            _ => None,
        })
        .collect()
}

/// All text below `node`, whitespace collapsed.
pub fn text_of(node: &NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        if let Node::Text(t) = d.value() {
            if d.ancestors().any(|a| matches!(tag(&a), Some("script" | "style"))) {
                continue;
            }
            out.push_str(t);
            out.push(' ');
        }
    }
    collapse_whitespace(&out)
}

/// All text below `node` as a browser lays it out in one line: text in
/// inline elements runs on ("Planning <span>C</span>ycle" is "Planning
/// Cycle"), block elements and `<br>` separate words. Whitespace collapsed.
pub fn rendered_text(node: &NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    for edge in node.traverse() {
        match edge {
            ego_tree::iter::Edge::Open(n) => match n.value() {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) if e.name() == "br" || is_block_name(e.name()) => out.push(' '),
                _ => {}
            },
            ego_tree::iter::Edge::Close(n) => {
                if tag(&n).is_some_and(is_block_name) {
                    out.push(' ');
                }
            }
        }
    }
    collapse_whitespace(&out)
}

fn is_block_name(name: &str) -> bool {
    crate::body::BLOCK_TAGS.contains(&name)
}

/// Collapses runs of whitespace to one space and trims.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out
}
