//! Finding the article body in a page and turning it into clean blocks.
//!
//! Three passes over scraper's tree, in the spirit of Mozilla's Readability:
//! 1. *prune*: mark nodes that are never content (scripts, forms, navigation,
//!    elements whose class or id says "share", "related", "comments", ...);
//! 2. *score*: paragraphs give points to their ancestors; the best-scoring
//!    container, with its qualifying siblings, is the body;
//! 3. *emit*: walk the body into blocks (paragraphs, headings, lists, quotes,
//!    figures, tables) with absolute links, dropping link-heavy boxes and the
//!    short lines aggregators append; attribution lines become data.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::LazyLock;

use ego_tree::{NodeId, NodeRef};
use regex::Regex;
use scraper::{Html, Node};
use tracewire_model::Attribution;
use url::Url;

use crate::attribution::{classify_attribution, is_boilerplate_line, is_leading_meta_line, pick_source_url};
use crate::dom::{attr, class_and_id, collapse_whitespace, re, tag};
use crate::sanitize::sanitize_html;

/// A parent replaces the chosen box when it holds this many times its prose
/// (plus 200 characters) ...
const EXPAND_GAIN: f64 = 1.5;
/// ... and links make up less than this share of its text.
const EXPAND_MAX_LINK_DENSITY: f64 = 0.35;

/// Deeper than this, the tree is treated as hostile and not walked further.
const MAX_DEPTH: usize = 256;

/// Characters of prose that make a sibling of the article's box part of it.
const SIBLING_PROSE_MIN: usize = 1000;

/// Characters of text that make a <div> without blocks a paragraph.
const DIV_PARAGRAPH_MIN: usize = 80;

/// Class/id words of boxes that are not the article.
static UNLIKELY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)-ad-|\bads?\b|advert|agegate|banner|breadcrumb|combx|comment|community|consent|cookie|cover-wrap|disqus|extra|footer|gdpr|header|legends|masthead|menu|modal|newsletter|nav|outbrain|pager|pagination|popup|promo(?:[^a-z]|$|s\b|tion)|(?-i:[Pp]romo[A-Z])|related|remark|replies|rss|share|sharing|shoutbox|sidebar|skyscraper|social|sponsor|subscribe|supplemental|taboola|tags|toolbar|trending|yarpp|jp-relatedposts|sharedaddy|post-views|views-count|entry-meta|post-meta|post-info|entry-info|article-info|article-meta|postmeta|byline|author-bio|printfriendly|most-read|mostread|read-more|teaser",
    )
});
/// Words that make an unlikely-looking box worth keeping ("article-header"
/// stays unless something stronger says otherwise).
static MAYBE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)and|article|body|column|content|main|shadow|story|entry|post-body|text"));
/// Words that remove a box even when it also looks like content ("article-share").
static STRONG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)share|sharing|social|related|yarpp|comment|footer|newsletter|subscribe|cookie|consent|gdpr|post-views|views-count|sidebar|breadcrumb|outbrain|taboola|sponsor|promo(?:[^a-z]|$|s\b|tion)|(?-i:[Pp]romo[A-Z])|trending|most-read|mostread|author-bio|read-more|teaser",
    )
});
static POSITIVE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story"));
static NEGATIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|footnote|gdpr|masthead|media|meta|outbrain|promo(?:[^a-z]|$|s\b|tion)|(?-i:[Pp]romo[A-Z])|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|views",
    )
});

static CAPTION: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)caption|photo-?credit|image-?credit|media-?credit|getty-?credit"));

/// Headings of sections that follow an article without being part of it.
static TAIL_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:about the (?:author|reviewer|writer|expert)s?|(?:meet )?the author|related (?:posts|articles|stories|reading|content|guides)|you (?:may|might) also (?:like|enjoy)|more (?:from|in|on|stories|articles|posts)\b|recommended (?:for you|reading|articles|posts)|read (?:next|more)|leave a (?:reply|comment)|\d* ?comments?|share (?:this|the)\b|join (?:our|the) .*newsletter|subscribe\b|sign up for|latest (?:posts|news|articles|stories)|popular (?:posts|articles|stories)|trending (?:now|stories)|tags:?|categories:?|also in (?:the )?news|(?:more|other|latest|in other) news\b|contact us\b|get in touch\b|have (?:any )?questions\?)",
    )
});

/// Of the tail headings, those that only ever introduce other articles: set
/// as a plain line ("ALSO IN THE NEWS" in a <div>) they still end the article.
static OTHER_ARTICLES_LINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:related (?:posts|articles|stories)|you (?:may|might) also (?:like|enjoy)|recommended (?:for you|articles|posts)|read next|latest (?:posts|news|articles|stories)|popular (?:posts|articles|stories)|also in (?:the )?news|(?:more|other|latest|in other) news)$",
    )
});

const ALWAYS_REMOVED: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "object", "embed", "canvas", "svg", "button", "input",
    "select", "textarea", "option", "link", "meta", "head", "title", "dialog", "menu",
];
/// Layout elements that are boilerplate unless they hold most of the page.
const LAYOUT_REMOVED: &[&str] = &["nav", "aside", "footer", "header", "form"];

pub(crate) const BLOCK_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "table",
    "figure",
    "hr",
    "div",
    "section",
    "article",
    "main",
    "body",
    "center",
    "details",
    "address",
    "li",
    "dd",
    "dt",
];

pub struct Body {
    pub text: String,
    pub html: String,
    pub attributions: Vec<Attribution>,
    pub source_url: Option<String>,
    pub warnings: Vec<String>,
}

struct Analysis {
    removed: HashSet<NodeId>,
    /// Text length below each node, not counting removed subtrees.
    text_len: HashMap<NodeId, usize>,
    /// Of that, the length inside links.
    link_len: HashMap<NodeId, usize>,
    /// Of that, the length inside paragraphs, lists and quotes, outside links.
    prose_len: HashMap<NodeId, usize>,
    warnings: Vec<String>,
}

impl Analysis {
    fn text_len(&self, id: NodeId) -> usize {
        self.text_len.get(&id).copied().unwrap_or(0)
    }

    fn prose_len(&self, id: NodeId) -> usize {
        self.prose_len.get(&id).copied().unwrap_or(0)
    }

    fn link_density(&self, id: NodeId) -> f64 {
        let total = self.text_len(id);
        if total == 0 {
            return 0.0;
        }
        self.link_len.get(&id).copied().unwrap_or(0) as f64 / total as f64
    }
}

pub fn extract_body(document: &Html, base: Option<&Url>, title: Option<&str>) -> Body {
    let root = document.tree.root();
    let Some(body) = root.descendants().find(|n| tag(n) == Some("body")) else {
        return empty_body(vec!["the document has no <body>".to_string()]);
    };
    // First with the class/id rules, then, if that leaves almost nothing,
    // without them: some sites name their article container "comment-body".
    let strict = run(body, base, title, true);
    if strict.text.chars().count() >= 250 {
        return strict;
    }
    let relaxed = run(body, base, title, false);
    if relaxed.text.chars().count() > strict.text.chars().count() * 2 {
        let mut relaxed = relaxed;
        relaxed
            .warnings
            .push("little text survived boilerplate removal; used relaxed rules".to_string());
        relaxed
    } else {
        strict
    }
}

fn empty_body(warnings: Vec<String>) -> Body {
    Body {
        text: String::new(),
        html: String::new(),
        attributions: Vec::new(),
        source_url: None,
        warnings,
    }
}

fn run(body: NodeRef<'_, Node>, base: Option<&Url>, title: Option<&str>, strict: bool) -> Body {
    let mut analysis = Analysis {
        removed: HashSet::default(),
        text_len: HashMap::default(),
        link_len: HashMap::default(),
        prose_len: HashMap::default(),
        warnings: Vec::new(),
    };
    // Raw lengths first, so pruning can protect boxes that hold most of the page.
    measure(body, &mut analysis, 0, false, false);
    let page_len = analysis.text_len(body.id()).max(1);
    prune(body, &mut analysis, page_len, strict, 0);
    analysis.text_len.clear();
    analysis.link_len.clear();
    analysis.prose_len.clear();
    measure(body, &mut analysis, 0, false, false);

    let chosen = choose_body(body, &analysis);
    let mut emitter = Emitter {
        analysis: &analysis,
        base,
        blocks: Vec::new(),
        pending: Pending::default(),
    };
    for node in &chosen {
        emitter.block_or_container(*node, 0);
    }
    emitter.flush();
    let blocks = emitter.blocks;
    finish(blocks, title, analysis.warnings)
}

/// Text lengths below one node.
#[derive(Clone, Copy, Default)]
struct Lens {
    total: usize,
    linked: usize,
    /// Inside paragraph-like elements and outside links: running prose.
    prose: usize,
}

/// Post-order walk filling `text_len`, `link_len` and `prose_len`; removed
/// subtrees count zero.
fn measure(node: NodeRef<'_, Node>, a: &mut Analysis, depth: usize, in_link: bool, in_para: bool) -> Lens {
    if a.removed.contains(&node.id()) {
        return Lens::default();
    }
    if depth > MAX_DEPTH {
        if a.removed.insert(node.id()) {
            a.warnings.push(format!(
                "the page nests deeper than {MAX_DEPTH} elements; the deepest part was skipped"
            ));
        }
        return Lens::default();
    }
    let mut lens = Lens::default();
    match node.value() {
        Node::Text(t) => {
            let n = t.trim().chars().count();
            lens.total = n;
            if in_link {
                lens.linked = n;
            } else if in_para {
                lens.prose = n;
            }
        }
        Node::Element(e) => {
            let name = e.name();
            if ALWAYS_REMOVED.contains(&name) {
                return Lens::default();
            }
            let link = in_link || name == "a";
            let para = in_para
                || matches!(
                    name,
                    "p" | "li" | "blockquote" | "pre" | "dd" | "h2" | "h3" | "h4" | "h5" | "h6" | "figcaption" | "td"
                );
            for child in node.children() {
                let l = measure(child, a, depth + 1, link, para);
                lens.total += l.total;
                lens.linked += l.linked;
                lens.prose += l.prose;
            }
            // A <div> of text with no blocks inside is a paragraph written
            // without <p> (Readability's div-to-p): its unlinked text is prose.
            if !para
                && !link
                && matches!(name, "div" | "section")
                && lens.total >= DIV_PARAGRAPH_MIN
                && !has_block_child(&node, a)
            {
                lens.prose = lens.total - lens.linked;
            }
            a.text_len.insert(node.id(), lens.total);
            a.link_len.insert(node.id(), lens.linked);
            a.prose_len.insert(node.id(), lens.prose);
        }
        _ => {}
    }
    lens
}

fn prune(node: NodeRef<'_, Node>, a: &mut Analysis, page_len: usize, strict: bool, depth: usize) {
    if depth > MAX_DEPTH || a.removed.contains(&node.id()) {
        return;
    }
    let Node::Element(e) = node.value() else { return };
    let name = e.name();
    let holds_most = a.text_len(node.id()) * 2 > page_len;
    // A hidden box that holds most of the page is the page (scripts reveal
    // it); a collapsed accordion or tab panel is part of the article that a
    // reader opens with a click.
    let remove = if ALWAYS_REMOVED.contains(&name) || (is_hidden(&node) && !holds_most && !is_collapsed_panel(&node)) {
        true
    } else if LAYOUT_REMOVED.contains(&name) {
        !holds_most
    } else if let Some(role) = attr(&node, "role") {
        matches!(
            role,
            "navigation"
                | "banner"
                | "contentinfo"
                | "complementary"
                | "search"
                | "dialog"
                | "alertdialog"
                | "menu"
                | "menubar"
        ) && !holds_most
    } else {
        false
    };
    // Photo captions and credits written as plain boxes (not <figcaption>)
    // repeat what the pictures show; slideshows repeat them again.
    let remove = remove || (name != "figcaption" && !holds_most && caption_box(&node));
    // A name is weaker evidence than a thousand characters of prose with
    // few links ("kt-pane-header-alignment-left" on an accordion of the
    // article's sections).
    let much_prose = a.prose_len(node.id()) >= 1000 && a.link_density(node.id()) < 0.2;
    let remove = remove
        || (strict
            && !matches!(name, "body" | "html" | "article" | "main" | "a")
            && !holds_most
            && unlikely_box(&node, much_prose));
    if remove {
        a.removed.insert(node.id());
        return;
    }
    // Code is kept whole: a highlighter's class names ("hljs-comment",
    // "token tag") say what the code is, not what the page is.
    if matches!(name, "pre" | "code") {
        return;
    }
    for child in node.children() {
        prune(child, a, page_len, strict, depth + 1);
    }
}

fn caption_box(node: &NodeRef<'_, Node>) -> bool {
    [attr(node, "class"), attr(node, "id")]
        .into_iter()
        .flatten()
        .any(|v| CAPTION.is_match(v))
}

/// Whether a box's class or id names it as something other than the
/// article. For a box of much prose (`much_prose`), only the strong words
/// count: a layout word ("kt-pane-header-alignment-left") is not enough.
fn unlikely_box(node: &NodeRef<'_, Node>, much_prose: bool) -> bool {
    let names = class_and_id(node);
    if names.trim().is_empty() {
        return false;
    }
    if much_prose {
        return UNLIKELY.is_match(&names) && STRONG.is_match(&names);
    }
    UNLIKELY.is_match(&names) && (!MAYBE.is_match(&names) || STRONG.is_match(&names))
}

/// Class/id words of collapsible sections: accordions, tabs, "show more".
static COLLAPSIBLE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)accordion|collaps|expand|tab-?pane|tab-?panel|tab-?content|faq|spoiler"));

/// Whether a hidden box is the content of a collapsible section: named so
/// (in its class, id or data attributes, or its parent's), or just after
/// the button that opens it (`aria-expanded`).
fn is_collapsed_panel(node: &NodeRef<'_, Node>) -> bool {
    let named = |n: &NodeRef<'_, Node>| match n.value() {
        Node::Element(e) => e
            .attrs()
            .any(|(k, v)| (k == "class" || k == "id" || k.starts_with("data-")) && COLLAPSIBLE.is_match(v)),
        _ => false,
    };
    let opener = node
        .prev_siblings()
        .find(|s| tag(s).is_some())
        .is_some_and(|s| s.descendants().take(32).any(|d| attr(&d, "aria-expanded").is_some()));
    std::iter::once(*node).chain(node.parent()).any(|n| named(&n)) || opener
}

fn is_hidden(node: &NodeRef<'_, Node>) -> bool {
    if attr(node, "hidden").is_some() || attr(node, "aria-hidden") == Some("true") {
        return true;
    }
    attr(node, "style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

fn class_weight(node: &NodeRef<'_, Node>) -> f64 {
    let mut w = 0.0;
    for value in [attr(node, "class"), attr(node, "id")].into_iter().flatten() {
        if NEGATIVE.is_match(value) {
            w -= 25.0;
        }
        if POSITIVE.is_match(value) {
            w += 25.0;
        }
    }
    w
}

fn base_score(node: &NodeRef<'_, Node>) -> f64 {
    let by_tag = match tag(node) {
        Some("div" | "article" | "main") => 5.0,
        Some("pre" | "td" | "blockquote" | "section") => 3.0,
        Some("address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form") => -3.0,
        Some("h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th") => -5.0,
        _ => 0.0,
    };
    by_tag + class_weight(node)
}

fn is_removed_or_inside_removed(node: &NodeRef<'_, Node>, a: &Analysis) -> bool {
    a.removed.contains(&node.id()) || node.ancestors().any(|x| a.removed.contains(&x.id()))
}

/// Scores paragraphs into their ancestors and returns the nodes that make up
/// the article, in document order.
fn choose_body<'a>(body: NodeRef<'a, Node>, a: &Analysis) -> Vec<NodeRef<'a, Node>> {
    // A page that marks its article body (schema.org microdata) is taken at
    // its word when the marked element holds real text.
    let marked = body
        .descendants()
        .filter(|n| attr(n, "itemprop").is_some_and(|p| p.split_whitespace().any(|p| p == "articleBody")))
        .filter(|n| !is_removed_or_inside_removed(n, a))
        .max_by_key(|n| a.text_len(n.id()));
    if let Some(marked) = marked.filter(|n| a.text_len(n.id()) >= 200 && a.link_density(n.id()) < 0.5) {
        return vec![marked];
    }
    let mut scores: HashMap<NodeId, f64> = HashMap::default();
    let mut stack: Vec<(NodeRef<'a, Node>, usize)> = vec![(body, 0)];
    while let Some((node, depth)) = stack.pop() {
        if a.removed.contains(&node.id()) || depth > MAX_DEPTH {
            continue;
        }
        let Some(name) = tag(&node) else { continue };
        let scorable = matches!(name, "p" | "pre" | "td")
            || (matches!(name, "div" | "section" | "span" | "font" | "center") && !has_block_child(&node, a));
        if scorable {
            let len = a.text_len(node.id());
            if len >= 25 {
                credit_paragraph(&mut scores, &crate::dom::text_of(&node), len, node.ancestors());
            }
            if matches!(name, "p" | "pre") {
                continue;
            }
        } else if matches!(name, "div" | "section" | "article" | "main" | "td" | "center" | "font") {
            // Old templates write paragraphs as bare text between <br>s in a
            // box that also holds blocks: that text counts as a paragraph
            // of the box itself.
            let loose = crate::dom::own_text(&node);
            let len = loose.trim().chars().count();
            if len >= 25 {
                credit_paragraph(&mut scores, &loose, len, std::iter::once(node).chain(node.ancestors()));
            }
        }
        for child in node.children() {
            stack.push((child, depth + 1));
        }
    }
    let mut best: Option<(NodeRef<'a, Node>, f64)> = None;
    for (id, score) in &scores {
        let Some(node) = body.tree().get(*id) else { continue };
        let final_score = score * (1.0 - a.link_density(*id));
        if best.as_ref().is_none_or(|(_, s)| final_score > *s) {
            best = Some((node, final_score));
        }
    }
    let Some((mut top, top_score)) = best else {
        return vec![body];
    };
    // A wrapper that adds nothing around the top candidate is the same box.
    while let Some(parent) = top.parent() {
        if tag(&parent).is_none() || tag(&top) == Some("body") {
            break;
        }
        let element_children = parent.children().filter(|c| tag(c).is_some()).count();
        if element_children == 1 && tag(&parent) != Some("html") {
            top = parent;
        } else {
            break;
        }
    }
    // Guides and listicles split their prose over sections; when a larger
    // box adds a good deal more prose and few links, it is the article.
    // Wrappers that add nothing are looked through, not stopped at.
    let mut cursor = top;
    while let Some(parent) = cursor
        .parent()
        .filter(|p| !matches!(tag(p), None | Some("body" | "html")))
    {
        let (mine, theirs) = (a.prose_len(top.id()), a.prose_len(parent.id()));
        if theirs as f64 >= mine as f64 * EXPAND_GAIN + 200.0 && a.link_density(parent.id()) < EXPAND_MAX_LINK_DENSITY {
            top = parent;
        }
        cursor = parent;
    }
    let Some(parent) = top.parent().filter(|p| tag(p).is_some()) else {
        return vec![top];
    };
    let threshold = (top_score * 0.2).max(10.0);
    let top_class = attr(&top, "class");
    let mut chosen = Vec::new();
    for sibling in parent.children() {
        if sibling.id() == top.id() {
            chosen.push(sibling);
            continue;
        }
        if is_removed_or_inside_removed(&sibling, a) || tag(&sibling).is_none() {
            continue;
        }
        let mut score = scores.get(&sibling.id()).copied().unwrap_or(0.0) * (1.0 - a.link_density(sibling.id()));
        if top_class.is_some() && attr(&sibling, "class") == top_class {
            score += top_score * 0.2;
        }
        // A sibling box of real prose continues the article (sections
        // written as separate widgets), even when its paragraphs sit too
        // deep to have scored it.
        let prose = a.prose_len(sibling.id());
        let include = score >= threshold
            || (prose >= SIBLING_PROSE_MIN
                && prose * 2 >= a.text_len(sibling.id())
                && a.link_density(sibling.id()) < 0.2)
            || (tag(&sibling) == Some("p") && {
                let len = a.text_len(sibling.id());
                let density = a.link_density(sibling.id());
                let text = crate::dom::text_of(&sibling);
                (len > 80 && density < 0.25) || (len > 0 && density == 0.0 && text.ends_with(['.', '!', '?', '"', '”']))
            });
        if include {
            chosen.push(sibling);
        }
    }
    chosen
}

/// Gives a paragraph's points (one, plus one a comma, plus up to three for
/// length) to the first three boxes of `boxes`: all to the first, half to
/// the second, a sixth to the third.
fn credit_paragraph<'a>(
    scores: &mut HashMap<NodeId, f64>,
    text: &str,
    len: usize,
    boxes: impl Iterator<Item = NodeRef<'a, Node>>,
) {
    let commas = text.matches([',', '，', '،']).count() as f64;
    let score = 1.0 + commas + (len as f64 / 100.0).min(3.0);
    for (level, box_) in boxes.take(3).enumerate() {
        // Only boxes inside <body> can be the article: <html> also holds
        // <head>, whose scripts and titles were never pruned.
        if matches!(tag(&box_), None | Some("html")) {
            break;
        }
        let divider = match level {
            0 => 1.0,
            1 => 2.0,
            n => n as f64 * 3.0,
        };
        *scores.entry(box_.id()).or_insert_with(|| base_score(&box_)) += score / divider;
    }
}

fn has_block_child(node: &NodeRef<'_, Node>, a: &Analysis) -> bool {
    node.children()
        .any(|c| !a.removed.contains(&c.id()) && tag(&c).is_some_and(|t| BLOCK_TAGS.contains(&t)))
}

/// One top-level piece of the body.
struct Block {
    tag: &'static str,
    html: String,
    text: String,
    hrefs: Vec<String>,
    /// A paragraph that is one short link.
    short_link: bool,
}

#[derive(Default)]
struct Pending {
    html: String,
    text: String,
    hrefs: Vec<String>,
}

struct Emitter<'x> {
    analysis: &'x Analysis,
    base: Option<&'x Url>,
    blocks: Vec<Block>,
    /// Inline content seen directly inside a container, gathered into a paragraph.
    pending: Pending,
}

impl Emitter<'_> {
    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let text = collapse_whitespace(&pending.text);
        if !text.is_empty() {
            self.blocks.push(Block {
                tag: "p",
                html: format!("<p>{}</p>", pending.html.trim()),
                text,
                hrefs: pending.hrefs,
                short_link: false,
            });
        }
    }

    fn block_or_container(&mut self, node: NodeRef<'_, Node>, depth: usize) {
        if self.analysis.removed.contains(&node.id()) || depth > MAX_DEPTH {
            return;
        }
        match node.value() {
            Node::Text(t) => {
                self.pending.text.push_str(t);
                push_escaped(&mut self.pending.html, &collapse_inline(t));
            }
            Node::Element(e) => {
                let name = e.name();
                match name {
                    "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre" | "blockquote" | "ul" | "ol" | "dl"
                    | "table" | "figure" => {
                        self.flush();
                        if matches!(name, "ul" | "ol" | "dl" | "table")
                            && self.is_link_box(&node)
                            && !self.introduced_by_prose()
                        {
                            return;
                        }
                        let mut rich = Rich {
                            analysis: self.analysis,
                            base: self.base,
                            html: String::new(),
                            text: String::new(),
                            hrefs: Vec::new(),
                            in_caption: 0,
                        };
                        rich.element(node, depth);
                        let text = collapse_whitespace(&rich.text);
                        if !text.is_empty() || name == "figure" && rich.html.contains("<img") {
                            let short_link = self.is_short_link(&node, &text);
                            self.blocks.push(Block {
                                tag: block_tag(name),
                                html: rich.html,
                                text,
                                hrefs: rich.hrefs,
                                short_link,
                            });
                        }
                    }
                    "br" => {
                        // Two <br> in a row separate paragraphs in many old templates.
                        if self.pending.html.ends_with("<br>") {
                            self.pending.html.truncate(self.pending.html.len() - 4);
                            self.flush();
                        } else if !self.pending.text.trim().is_empty() {
                            self.pending.html.push_str("<br>");
                            self.pending.text.push('\n');
                        }
                    }
                    _ if BLOCK_TAGS.contains(&name) => {
                        self.flush();
                        // A section of links that its own prose introduces
                        // ("Many patches were sent for review:") is content.
                        if self.is_link_box(&node) && !self.has_prose_paragraph(&node) {
                            return;
                        }
                        for child in node.children() {
                            self.block_or_container(child, depth + 1);
                        }
                        self.flush();
                    }
                    _ => {
                        let mut rich = Rich {
                            analysis: self.analysis,
                            base: self.base,
                            html: std::mem::take(&mut self.pending.html),
                            text: std::mem::take(&mut self.pending.text),
                            hrefs: std::mem::take(&mut self.pending.hrefs),
                            in_caption: 0,
                        };
                        rich.element(node, depth);
                        self.pending = Pending {
                            html: rich.html,
                            text: rich.text,
                            hrefs: rich.hrefs,
                        };
                    }
                }
            }
            _ => {}
        }
    }

    /// A paragraph that is one short link ("See the rating.", "Shop
    /// Proclaim."): a button in prose clothing when the page repeats it.
    fn is_short_link(&self, node: &NodeRef<'_, Node>, text: &str) -> bool {
        tag(node) == Some("p") && self.analysis.link_density(node.id()) >= 0.9 && text.split_whitespace().count() <= 4
    }

    /// Whether the last block is prose that announces what follows ("There
    /// are a number of other options I'd suggest:"): a list of links after
    /// it is the article's own.
    fn introduced_by_prose(&self) -> bool {
        static OTHER_POSTS: LazyLock<Regex> = LazyLock::new(|| {
            re(
                r"(?i)also (?:like|love|enjoy|read)|read (?:more|next)|learn more|related|more (?:posts|articles|stories)|recommended|see also|popular|^sources$",
            )
        });
        self.blocks.last().is_some_and(|b| {
            let announces = b.tag == "p"
                && !b.short_link
                && b.text.trim_end().ends_with(':')
                && b.text.split_whitespace().count() >= 5;
            // A section heading of the article ("Toolkit for tutoring
            // programs") over a list of links, after some prose.
            let heads = matches!(b.tag, "h2" | "h3" | "h4")
                && self.blocks.len() >= 3
                && !TAIL_HEADING.is_match(b.text.trim())
                && !is_boilerplate_line(&b.text);
            (announces || heads) && !OTHER_POSTS.is_match(&b.text)
        })
    }

    /// Whether a box holds a paragraph of prose: a sentence of 60
    /// characters or more, mostly not links.
    fn has_prose_paragraph(&self, node: &NodeRef<'_, Node>) -> bool {
        node.descendants().any(|d| {
            tag(&d) == Some("p")
                && self.analysis.text_len(d.id()) >= 60
                && self.analysis.link_density(d.id()) < 0.3
                && !self.analysis.removed.contains(&d.id())
        })
    }

    /// Boxes of mostly links ("Related posts", tag lists, "Recent posts").
    fn is_link_box(&self, node: &NodeRef<'_, Node>) -> bool {
        let len = self.analysis.text_len(node.id());
        if len == 0 {
            return false;
        }
        let density = self.analysis.link_density(node.id());
        let weight = class_weight(node);
        (density > 0.5 && len < 2000) || (weight < 0.0 && density > 0.2)
    }
}

fn block_tag(name: &str) -> &'static str {
    match name {
        "p" => "p",
        "h1" | "h2" => "h2",
        "h3" => "h3",
        "h4" => "h4",
        "h5" => "h5",
        "h6" => "h6",
        "pre" => "pre",
        "blockquote" => "blockquote",
        "ul" => "ul",
        "ol" => "ol",
        "dl" => "dl",
        "table" => "table",
        _ => "figure",
    }
}

/// Renders an element with the formatting we keep; everything else is
/// unwrapped to its children. The sanitizer runs over the result anyway:
/// this only decides structure.
struct Rich<'x> {
    analysis: &'x Analysis,
    base: Option<&'x Url>,
    html: String,
    text: String,
    hrefs: Vec<String>,
    /// How many <figcaption>s we are inside.
    in_caption: usize,
}

impl Rich<'_> {
    fn element(&mut self, node: NodeRef<'_, Node>, depth: usize) {
        if self.analysis.removed.contains(&node.id()) || depth > MAX_DEPTH {
            return;
        }
        match node.value() {
            Node::Text(t) => {
                let in_pre = node.ancestors().any(|a| tag(&a) == Some("pre"));
                if in_pre {
                    push_escaped(&mut self.html, t);
                } else {
                    push_escaped(&mut self.html, &collapse_inline(t));
                }
                // Captions stay in the HTML, beside their pictures, but are
                // not part of the article's running text.
                if self.in_caption == 0 {
                    self.text.push_str(t);
                }
            }
            Node::Element(e) => {
                let name = e.name();
                let kept = match name {
                    "h1" => Some("h2"),
                    "p" | "h2" | "h3" | "h4" | "h5" | "h6" | "pre" | "blockquote" | "ul" | "ol" | "li" | "dl"
                    | "dt" | "dd" | "table" | "thead" | "tbody" | "tfoot" | "tr" | "td" | "th" | "caption"
                    | "figure" | "figcaption" | "em" | "strong" | "b" | "i" | "u" | "s" | "sub" | "sup" | "code"
                    | "q" | "cite" | "abbr" | "mark" | "small" | "del" | "ins" | "time" => Some(name),
                    "br" => {
                        self.html.push_str("<br>");
                        self.text.push('\n');
                        return;
                    }
                    "hr" => {
                        self.html.push_str("<hr>");
                        return;
                    }
                    "img" => {
                        self.image(&node);
                        return;
                    }
                    "a" => {
                        self.link(node, depth);
                        return;
                    }
                    _ => None,
                };
                let is_block = matches!(
                    name,
                    "p" | "div"
                        | "li"
                        | "tr"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                        | "h5"
                        | "h6"
                        | "blockquote"
                        | "figcaption"
                        | "dt"
                        | "dd"
                );
                if is_block {
                    self.text.push('\n');
                }
                if let Some(t) = kept {
                    self.html.push('<');
                    self.html.push_str(t);
                    for keep in ["colspan", "rowspan", "datetime"] {
                        if let Some(v) = e.attr(keep) {
                            self.html.push_str(&format!(" {keep}=\""));
                            push_escaped(&mut self.html, v);
                            self.html.push('"');
                        }
                    }
                    self.html.push('>');
                }
                let caption = name == "figcaption";
                self.in_caption += usize::from(caption);
                for child in node.children() {
                    self.element(child, depth + 1);
                }
                self.in_caption -= usize::from(caption);
                if let Some(t) = kept {
                    self.html.push_str("</");
                    self.html.push_str(t);
                    self.html.push('>');
                } else if is_block {
                    self.html.push(' ');
                }
                if is_block {
                    self.text.push('\n');
                } else if matches!(name, "td" | "th") {
                    self.text.push(' ');
                }
            }
            _ => {}
        }
    }

    fn absolute(&self, href: &str) -> Option<String> {
        crate::absolute_url(self.base, href)
    }

    fn link(&mut self, node: NodeRef<'_, Node>, depth: usize) {
        let href = attr(&node, "href").and_then(|h| self.absolute(h));
        if let Some(h) = &href {
            self.html.push_str("<a href=\"");
            push_escaped(&mut self.html, h);
            self.html.push_str("\">");
            self.hrefs.push(h.clone());
        }
        for child in node.children() {
            self.element(child, depth + 1);
        }
        if href.is_some() {
            self.html.push_str("</a>");
        }
    }

    fn image(&mut self, node: &NodeRef<'_, Node>) {
        let src = ["src", "data-src", "data-original", "data-lazy-src"]
            .iter()
            .filter_map(|k| attr(node, k))
            .find(|s| !s.trim().is_empty() && !s.starts_with("data:"))
            .and_then(|s| self.absolute(s));
        let Some(src) = src else { return };
        self.html.push_str("<img src=\"");
        push_escaped(&mut self.html, &src);
        self.html.push('"');
        if let Some(alt) = attr(node, "alt") {
            self.html.push_str(" alt=\"");
            push_escaped(&mut self.html, alt);
            self.html.push('"');
        }
        self.html.push('>');
    }
}

/// Whitespace inside inline text: runs become one space, kept at the edges
/// so "a <b>b</b>" keeps its space.
fn collapse_inline(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut last_space = false;
    for c in t.chars() {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

/// Marks the blocks of teasers for other articles after the article: two or
/// more in a row of a heading, a date line, and an excerpt cut off
/// mid-sentence ("… guiding them through"), or of a heading and an excerpt
/// ending in an ellipsis; perhaps with a "Read more" link. An article's own
/// sections end their paragraphs.
fn teaser_blocks(blocks: &[Block]) -> Vec<bool> {
    let words = |b: &Block| b.text.split_whitespace().count();
    let is_heading = |b: &Block| b.tag.len() == 2 && b.tag.starts_with('h') && b.tag != "h1" && words(b) <= 25;
    let is_date_line =
        |b: &Block| words(b) <= 6 && b.text.chars().any(|c| c.is_ascii_digit()) || is_leading_meta_line(&b.text);
    let ellipsis = |b: &Block| {
        let t = b.text.trim();
        t.len() >= 40 && (t.ends_with("...") || t.ends_with('…'))
    };
    let is_cut = |b: &Block| {
        let t = b.text.trim();
        ellipsis(b) || t.len() >= 100 && t.ends_with(|c: char| c.is_alphanumeric() || c == ',')
    };
    // The end of a teaser starting at `i`, if one does.
    let teaser_at = |i: usize| -> Option<usize> {
        let mut j = i;
        if !is_heading(blocks.get(j)?) {
            return None;
        }
        j += 1;
        let dated = blocks.get(j).is_some_and(is_date_line);
        if dated {
            j += 1;
        }
        // Without a date, only an ellipsis tells an excerpt.
        let excerpt = blocks.get(j)?;
        if !(dated && is_cut(excerpt) || ellipsis(excerpt)) {
            return None;
        }
        j += 1;
        if blocks.get(j).is_some_and(|b| b.short_link) {
            j += 1;
        }
        Some(j)
    };
    let mut marked = vec![false; blocks.len()];
    // Teasers follow the article: some prose comes first.
    let Some(first_prose) = blocks.iter().position(|b| words(b) >= 30) else {
        return marked;
    };
    let mut i = first_prose + 1;
    while i < blocks.len() {
        let mut end = i;
        let mut count = 0;
        while let Some(next) = teaser_at(end) {
            end = next;
            count += 1;
        }
        if count >= 2 {
            marked[i..end].iter_mut().for_each(|m| *m = true);
            i = end;
        } else {
            i += 1;
        }
    }
    marked
}

/// Drops the title heading and boilerplate lines, lifts attribution lines
/// out as data, and joins what is left.
fn finish(blocks: Vec<Block>, title: Option<&str>, warnings: Vec<String>) -> Body {
    let title_key = title.map(fold);
    let mut attributions = Vec::new();
    let mut html = String::new();
    let mut paragraphs: Vec<String> = Vec::new();
    let mut seen_content = false;
    // Inside a trailing section that is not the article ("About the
    // author", "Related posts"): skipped up to the next heading.
    let mut in_tail_section = false;
    // The same one-link paragraph three times or more ("See the rating.")
    // is a widget's button, not prose.
    let mut link_counts: HashMap<&str, usize> = HashMap::default();
    for block in blocks.iter().filter(|b| b.short_link) {
        *link_counts.entry(block.text.as_str()).or_default() += 1;
    }
    let buttons: HashSet<String> = link_counts
        .into_iter()
        .filter(|(_, n)| *n >= 3)
        .map(|(t, _)| t.to_string())
        .collect();
    let teasers = teaser_blocks(&blocks);
    for (block, teaser) in blocks.iter().zip(teasers) {
        if teaser || block.short_link && buttons.contains(&block.text) {
            continue;
        }
        let is_heading = block.tag.starts_with('h') && block.tag.len() == 2;
        if is_heading && !seen_content && title_key.as_deref() == Some(fold(&block.text).as_str()) {
            continue;
        }
        if is_heading {
            in_tail_section = seen_content && TAIL_HEADING.is_match(block.text.trim());
        } else if seen_content && OTHER_ARTICLES_LINE.is_match(block.text.trim().trim_end_matches(':')) {
            in_tail_section = true;
        }
        if in_tail_section {
            continue;
        }

        if let Some(found) = classify_attribution(&block.text, &block.hrefs) {
            attributions.push(found);
            continue;
        }
        if is_boilerplate_line(&block.text) || (!seen_content && is_leading_meta_line(&block.text)) {
            continue;
        }
        seen_content = true;
        html.push_str(&block.html);
        html.push('\n');
        paragraphs.push(tidy_text(&block.text));
    }
    // Trailing headings with nothing under them ("More on this story") are not content.
    let source_url = pick_source_url(&attributions);
    Body {
        text: paragraphs.join("\n\n"),
        html: sanitize_html(&html),
        attributions,
        source_url,
        warnings,
    }
}

/// Collapses whitespace within lines, keeping the line breaks of lists.
fn tidy_text(text: &str) -> String {
    text.lines()
        .map(collapse_whitespace)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Case, whitespace and quote folding for comparing headings with titles.
fn fold(s: &str) -> String {
    collapse_whitespace(s)
        .to_lowercase()
        .replace(['’', '‘'], "'")
        .replace(['“', '”'], "\"")
}
