//! Pages rendered by React's streaming server renderer (Next.js and
//! others) send the shell first, with a placeholder where each slow part
//! goes (`<template id="B:0">` followed by a fallback such as "Loading
//! paragraph...", or `<template id="P:f">`), and the parts later, at the end
//! of the body, in hidden boxes (`<div hidden id="S:0">`) that a script moves
//! into place. A reader sees the moved page; so do we: [`complete`] does the
//! moves the script would. The scripts themselves are not read (the
//! prefilter empties them): a placeholder and its part share the id after
//! the colon, which is how React numbers them.

use ego_tree::NodeId;
use rustc_hash::FxHashMap;
use scraper::Html;

use crate::dom::{attr, tag};

/// The element the prefilter writes for React's `<!--/$-->` comment, which
/// ends a placeholder's fallback.
pub(crate) const FALLBACK_END: &str = "tw-fallback-end";

/// Moves every streamed part into its placeholder, dropping the fallback it
/// replaces. Returns how many parts were moved.
pub fn complete(document: &mut Html) -> usize {
    let mut parts: FxHashMap<String, NodeId> = FxHashMap::default();
    let mut holes: Vec<(String, NodeId)> = Vec::new();
    let mut ends: Vec<NodeId> = Vec::new();
    for node in document.tree.root().descendants() {
        match tag(&node) {
            Some("div") if attr(&node, "hidden").is_some() => {
                if let Some(id) = attr(&node, "id").and_then(|id| id.strip_prefix("S:")) {
                    parts.insert(id.to_string(), node.id());
                }
            }
            Some("template") => {
                if let Some(id) = attr(&node, "id").filter(|id| id.starts_with("B:") || id.starts_with("P:")) {
                    holes.push((id.to_string(), node.id()));
                }
            }
            Some(FALLBACK_END) => ends.push(node.id()),
            _ => {}
        }
    }
    let mut moved = 0;
    for (hole_id, hole) in holes {
        let Some(&part) = parts.get(&hole_id[2..]) else {
            continue;
        };
        if fill(document, hole, part, hole_id.starts_with("B:")) {
            moved += 1;
        }
    }
    for end in ends {
        if let Some(mut node) = document.tree.get_mut(end) {
            node.detach();
        }
    }
    moved
}

/// Puts `part`'s children where `hole` is; `false` when the tree does not
/// allow it (the hole is inside the part, or already detached).
fn fill(document: &mut Html, hole: NodeId, part: NodeId, has_fallback: bool) -> bool {
    let tree = &mut document.tree;
    let Some(hole_ref) = tree.get(hole) else { return false };
    if hole_ref.parent().is_none() || hole_ref.ancestors().any(|a| a.id() == part) {
        return false;
    }
    // The fallback runs from the placeholder to the end marker, when the
    // page has one.
    let fallback: Vec<NodeId> = if has_fallback {
        let following: Vec<_> = hole_ref.next_siblings().collect();
        match following.iter().position(|n| tag(n) == Some(FALLBACK_END)) {
            Some(end) => following[..end].iter().map(|n| n.id()).collect(),
            // Saved copies of pages often lose their comments: then only a
            // next element that is a spinner's text ("Loading image...") is
            // taken for the fallback.
            None => following
                .iter()
                .find(|n| tag(n).is_some())
                .filter(|n| {
                    let text = crate::dom::text_of(n);
                    text.len() <= 40 && text.to_ascii_lowercase().starts_with("loading")
                })
                .map(|n| vec![n.id()])
                .unwrap_or_default(),
        }
    } else {
        Vec::new()
    };
    let children: Vec<NodeId> = tree
        .get(part)
        .map(|p| p.children().map(|c| c.id()).collect())
        .unwrap_or_default();
    for id in fallback {
        if let Some(mut n) = tree.get_mut(id) {
            n.detach();
        }
    }
    for child in children {
        if let Some(mut h) = tree.get_mut(hole) {
            h.insert_id_before(child);
        }
    }
    for id in [hole, part] {
        if let Some(mut n) = tree.get_mut(id) {
            n.detach();
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use crate::extract;

    #[test]
    fn streamed_parts_are_read_in_place_and_fallbacks_dropped() {
        let page = r#"<html><body><main><h1>Index funds</h1><div class="article-body">
            <!--$?--><template id="B:0"></template><div>Please wait</div><!--/$-->
            <p>Second paragraph, in the shell, with commas, long enough to be read as prose here.</p>
            <template id="P:1"></template>
            </div></main><footer>Footer</footer>
            <div hidden id="S:0"><p>First paragraph, streamed later, with commas, long enough to be prose too.</p></div>
            <div hidden id="S:1"><p>Third paragraph, streamed last, with commas, and long enough to be prose.</p></div>
            </body></html>"#;
        let out = extract(page, None);
        assert!(!out.text.contains("Please wait"), "{}", out.text);
        // Without React's comments (a saved copy), a spinner's text is
        // recognised as the fallback.
        let saved = page
            .replace("<!--$?-->", "")
            .replace("<!--/$-->", "")
            .replace("Please wait", "Loading paragraph...");
        let out = extract(&saved, None);
        assert!(!out.text.contains("Loading"), "{}", out.text);
        assert!(out.text.contains("First paragraph"), "{}", out.text);
        let first = out.text.find("First paragraph").expect("streamed part read");
        let second = out.text.find("Second paragraph").expect("shell read");
        let third = out.text.find("Third paragraph").expect("second part read");
        assert!(first < second && second < third, "{}", out.text);
    }

    #[test]
    fn a_placeholder_inside_its_own_part_is_left_alone() {
        let page = r#"<html><body><div hidden id="S:0"><template id="B:0"></template><p>x</p></div></body></html>"#;
        let _ = extract(page, None);
    }
}
