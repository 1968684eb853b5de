//! HTML text to a `scraper::Html` tree: html5gum's tokenizer feeding a small
//! tree builder of our own.
//!
//! Why by hand: html5ever's parser was close to half of extraction time, and
//! its tokenizer alone costs about 0.72 ms on an average news page, more than
//! this whole module (html5gum's callback tokenizer with error checks off,
//! plus this builder, parses the same pages in about 0.49 ms). No maintained
//! crate builds a tree that close to the HTML standard's at that speed: the
//! fast ones (`tl`) do not close `<p>`, `<li>` or table cells by the
//! standard's rules, which moves paragraphs into one another.
//!
//! What it does, following html5ever (the standard) rule for rule: the
//! `html`/`head`/`body` skeleton is always there, head-only elements that come
//! before any body content go into `head`; implied end tags (`p`, `li`,
//! `dt`/`dd`, table rows, cells and sections, `option`, headings), blocks
//! closing an open `<p>`, void elements, `</br>`, a lone `</p>`, repeated
//! `html`/`body` tags, misnested end tags (closed back to the matching element
//! unless a scope boundary or a "special" element is in the way), implied
//! `tbody`/`tr`, raw-text elements (the tokenizer is switched the way
//! html5ever switches it, with scripting on), nested forms, quirks mode for
//! `<p><table>`.
//!
//! What it deliberately does not do: the adoption agency algorithm and the
//! reconstruction of formatting elements (`<b>`, `<a>`, ...; a misnested end
//! tag closes back to its element, or, when a block sits inside it, just
//! stops it from taking more content), foster parenting (stray text and
//! elements inside a `<table>` stay where they are instead of moving before
//! it), and foreign content beyond the basics (SVG and MathML elements are
//! HTML elements here; only their self-closing tags and CDATA are honoured).
//! Comments are dropped. The open-element stack is capped at [`MAX_DEPTH`]:
//! deeper elements are added to the deepest open one and take no children,
//! so hostile nesting costs neither stack nor quadratic time.

use std::convert::Infallible;

use ego_tree::{NodeId, Tree};
use html5ever::tree_builder::QuirksMode;
use html5ever::{Attribute, LocalName, QualName, local_name, ns};
use html5gum::emitters::callback::{Callback, CallbackEmitter, CallbackEvent};
use html5gum::{Emitter, ForwardingEmitter, Span, State};
use scraper::node::{Doctype, Element, Text};
use scraper::{Html, Node, StrTendril};

/// The most elements open at once; see the module comment.
pub const MAX_DEPTH: usize = 512;

/// Parses a whole HTML document.
pub fn parse_document(html: &str) -> Html {
    let mut builder = TreeBuilder::new(html.len());
    {
        let mut emitter = CallbackEmitter::new(Sink(&mut builder));
        // The builder decides the tokenizer state after each start tag.
        emitter.naively_switch_states(false);
        // Our callback never yields tokens and reading a `&str` cannot fail:
        // the tokenizer runs to the end in this one call.
        html5gum::Tokenizer::new_with_emitter(html, Driver(emitter)).for_each(|token| match token {
            Ok(never) | Err(never) => match never {},
        });
    }
    builder.finish()
}

/// Receives html5gum's events.
struct Sink<'a>(&'a mut TreeBuilder);

impl Callback<Infallible, ()> for Sink<'_> {
    fn handle_event(&mut self, event: CallbackEvent<'_>, _span: Span<()>) -> Option<Infallible> {
        self.0.event(event);
        None
    }
}

/// Turns html5gum's error checks off and lets the tree builder switch the
/// tokenizer into raw text after `<title>`, `<script>`, ... as html5ever does.
struct Driver<'a>(CallbackEmitter<Sink<'a>, Infallible, ()>);

impl ForwardingEmitter for Driver<'_> {
    type Token = Infallible;

    fn inner(&mut self) -> &mut impl Emitter<Token = Self::Token> {
        &mut self.0
    }

    fn should_emit_errors(&mut self) -> bool {
        false
    }

    fn emit_current_tag(&mut self) -> Option<State> {
        let _ = self.0.emit_current_tag();
        self.0.callback_mut().0.next_state.take()
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&mut self) -> bool {
        self.0.callback_mut().0.stack.last().is_some_and(|o| o.foreign)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Initial,
    BeforeHtml,
    BeforeHead,
    InHead,
    AfterHead,
    InBody,
}

/// The table insertion modes, read off the open elements when needed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TableMode {
    Body,
    Table,
    TableBody,
    Row,
    Cell,
    Caption,
    ColumnGroup,
}

/// What the table modes make of a start tag.
enum TableAction {
    /// Insert it where the stack now points.
    Insert,
    /// A `<form>` straight inside a table: an empty element, if any.
    EmptyForm,
    Ignore,
    /// The body rules take it.
    Body,
}

/// One open element. `id` is where its children go: the element itself, or
/// for `<template>` its content fragment.
struct Open {
    id: NodeId,
    name: LocalName,
    foreign: bool,
}

/// The start tag being read.
struct PendingTag {
    name: LocalName,
    attrs: Vec<Attribute>,
    skip_value: bool,
}

struct TreeBuilder {
    tree: Tree<Node>,
    stack: Vec<Open>,
    phase: Phase,
    quirks: bool,
    html_id: Option<NodeId>,
    head_id: Option<NodeId>,
    body_id: Option<NodeId>,
    form_id: Option<NodeId>,
    pending: Option<PendingTag>,
    next_state: Option<State>,
    /// Inside a raw-text element: the next end tag closes it.
    in_raw_text: bool,
    raw_text_pushed: bool,
    ignore_lf: bool,
    open_tables: usize,
    open_templates: usize,
    open_foreign: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

fn local(bytes: &[u8]) -> LocalName {
    match std::str::from_utf8(bytes) {
        Ok(s) => LocalName::from(s),
        Err(_) => LocalName::from(&*String::from_utf8_lossy(bytes)),
    }
}

fn tendril(bytes: &[u8]) -> StrTendril {
    match std::str::from_utf8(bytes) {
        Ok(s) => StrTendril::from_slice(s),
        Err(_) => StrTendril::from_slice(&String::from_utf8_lossy(bytes)),
    }
}

fn is_heading(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6")
    )
}

fn is_default_scope(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("applet")
            | local_name!("caption")
            | local_name!("html")
            | local_name!("table")
            | local_name!("td")
            | local_name!("th")
            | local_name!("marquee")
            | local_name!("object")
            | local_name!("select")
            | local_name!("template")
    )
}

fn is_implied_end(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("dd")
            | local_name!("dt")
            | local_name!("li")
            | local_name!("option")
            | local_name!("optgroup")
            | local_name!("p")
            | local_name!("rb")
            | local_name!("rp")
            | local_name!("rt")
            | local_name!("rtc")
    )
}

fn is_special(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("address")
            | local_name!("applet")
            | local_name!("area")
            | local_name!("article")
            | local_name!("aside")
            | local_name!("base")
            | local_name!("basefont")
            | local_name!("bgsound")
            | local_name!("blockquote")
            | local_name!("body")
            | local_name!("br")
            | local_name!("button")
            | local_name!("caption")
            | local_name!("center")
            | local_name!("col")
            | local_name!("colgroup")
            | local_name!("dd")
            | local_name!("details")
            | local_name!("dir")
            | local_name!("div")
            | local_name!("dl")
            | local_name!("dt")
            | local_name!("embed")
            | local_name!("fieldset")
            | local_name!("figcaption")
            | local_name!("figure")
            | local_name!("footer")
            | local_name!("form")
            | local_name!("frame")
            | local_name!("frameset")
            | local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6")
            | local_name!("head")
            | local_name!("header")
            | local_name!("hgroup")
            | local_name!("hr")
            | local_name!("html")
            | local_name!("iframe")
            | local_name!("img")
            | local_name!("input")
            | local_name!("isindex")
            | local_name!("li")
            | local_name!("link")
            | local_name!("listing")
            | local_name!("main")
            | local_name!("marquee")
            | local_name!("menu")
            | local_name!("meta")
            | local_name!("nav")
            | local_name!("noembed")
            | local_name!("noframes")
            | local_name!("noscript")
            | local_name!("object")
            | local_name!("ol")
            | local_name!("p")
            | local_name!("param")
            | local_name!("plaintext")
            | local_name!("pre")
            | local_name!("script")
            | local_name!("section")
            | local_name!("select")
            | local_name!("source")
            | local_name!("style")
            | local_name!("summary")
            | local_name!("table")
            | local_name!("tbody")
            | local_name!("td")
            | local_name!("template")
            | local_name!("textarea")
            | local_name!("tfoot")
            | local_name!("th")
            | local_name!("thead")
            | local_name!("title")
            | local_name!("tr")
            | local_name!("track")
            | local_name!("ul")
            | local_name!("wbr")
            | local_name!("xmp")
    )
}

/// Start tags that close an open `<p>` and are then inserted as they are.
fn closes_p(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("address")
            | local_name!("article")
            | local_name!("aside")
            | local_name!("blockquote")
            | local_name!("center")
            | local_name!("details")
            | local_name!("dialog")
            | local_name!("dir")
            | local_name!("div")
            | local_name!("dl")
            | local_name!("fieldset")
            | local_name!("figcaption")
            | local_name!("figure")
            | local_name!("footer")
            | local_name!("header")
            | local_name!("hgroup")
            | local_name!("main")
            | local_name!("menu")
            | local_name!("nav")
            | local_name!("ol")
            | local_name!("p")
            | local_name!("search")
            | local_name!("section")
            | local_name!("summary")
            | local_name!("ul")
    )
}

/// End tags closed only when in scope, after implied end tags: the start
/// tags that close a `<p>` (but `p` itself), and a few more.
fn is_block_end(n: &LocalName) -> bool {
    (*n != local_name!("p") && closes_p(n))
        || matches!(
            *n,
            local_name!("button")
                | local_name!("listing")
                | local_name!("pre")
                | local_name!("select")
                | local_name!("applet")
                | local_name!("marquee")
                | local_name!("object")
        )
}

fn is_formatting(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("a")
            | local_name!("b")
            | local_name!("big")
            | local_name!("code")
            | local_name!("em")
            | local_name!("font")
            | local_name!("i")
            | local_name!("nobr")
            | local_name!("s")
            | local_name!("small")
            | local_name!("strike")
            | local_name!("strong")
            | local_name!("tt")
            | local_name!("u")
    )
}

/// Start tags handled by the table insertion modes.
fn is_table_part(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("caption")
            | local_name!("col")
            | local_name!("colgroup")
            | local_name!("tbody")
            | local_name!("thead")
            | local_name!("tfoot")
            | local_name!("tr")
            | local_name!("td")
            | local_name!("th")
            | local_name!("table")
    )
}

fn is_section(n: &LocalName) -> bool {
    matches!(*n, local_name!("tbody") | local_name!("thead") | local_name!("tfoot"))
}

fn is_cell(n: &LocalName) -> bool {
    matches!(*n, local_name!("td") | local_name!("th"))
}

/// Elements of `<head>` that stay there when they come after it.
fn is_head_content(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("base")
            | local_name!("basefont")
            | local_name!("bgsound")
            | local_name!("link")
            | local_name!("meta")
            | local_name!("noframes")
            | local_name!("script")
            | local_name!("style")
            | local_name!("template")
            | local_name!("title")
    )
}

/// Start tags that leave SVG or MathML for HTML.
fn breaks_out_of_foreign(n: &LocalName) -> bool {
    matches!(
        *n,
        local_name!("b")
            | local_name!("big")
            | local_name!("blockquote")
            | local_name!("body")
            | local_name!("br")
            | local_name!("center")
            | local_name!("code")
            | local_name!("dd")
            | local_name!("div")
            | local_name!("dl")
            | local_name!("dt")
            | local_name!("em")
            | local_name!("embed")
            | local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6")
            | local_name!("head")
            | local_name!("hr")
            | local_name!("i")
            | local_name!("img")
            | local_name!("li")
            | local_name!("listing")
            | local_name!("menu")
            | local_name!("meta")
            | local_name!("nobr")
            | local_name!("ol")
            | local_name!("p")
            | local_name!("pre")
            | local_name!("ruby")
            | local_name!("s")
            | local_name!("small")
            | local_name!("span")
            | local_name!("strong")
            | local_name!("strike")
            | local_name!("sub")
            | local_name!("sup")
            | local_name!("table")
            | local_name!("tt")
            | local_name!("u")
            | local_name!("ul")
            | local_name!("var")
    )
}

/// SVG and MathML elements whose children are HTML again.
fn is_integration_point(n: &LocalName) -> bool {
    matches!(
        &**n,
        "foreignobject" | "desc" | "title" | "mi" | "mo" | "mn" | "ms" | "mtext" | "annotation-xml"
    )
}

/// Public identifiers that put a page in quirks mode, by prefix (lowercase).
const QUIRKY_PUBLIC_PREFIXES: [&str; 18] = [
    "-//advasoft ltd//dtd html 3.0 aswedit + extensions//",
    "-//as//dtd html 3.0 aswedit + extensions//",
    "-//ietf//dtd html",
    "-//metrius//dtd metrius presentational//",
    "-//microsoft//dtd internet explorer ",
    "-//netscape comm. corp.//dtd ",
    "-//o'reilly and associates//dtd html ",
    "-//softquad software//dtd hotmetal pro 6.0::19990601::extensions to html 4.0//",
    "-//softquad//dtd hotmetal pro 4.0::19971010::extensions to html 4.0//",
    "-//spyglass//dtd html 2.0 extended//",
    "-//sq//dtd html 2.0 hotmetal + extensions//",
    "-//sun microsystems corp.//dtd hotjava ",
    "-//w3c//dtd html 3",
    "-//w3c//dtd html 4.0 frameset//",
    "-//w3c//dtd html 4.0 transitional//",
    "-//w3c//dtd html experimental ",
    "-//w3c//dtd w3 html//",
    "-//webtechs//dtd mozilla html",
];

fn doctype_is_quirky(name: &[u8], public: Option<&[u8]>, system: Option<&[u8]>, force_quirks: bool) -> bool {
    if force_quirks || name != b"html" {
        return true;
    }
    let public = public.map(|p| String::from_utf8_lossy(p).to_ascii_lowercase());
    let system = system.map(|s| String::from_utf8_lossy(s).to_ascii_lowercase());
    if system.as_deref() == Some("http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd") {
        return true;
    }
    let Some(p) = public else { return false };
    matches!(
        p.as_str(),
        "-//w3o//dtd w3 html strict 3.0//en//" | "-/w3c/dtd html 4.0 transitional/en" | "html"
    ) || p.starts_with("-//w3o//dtd w3 html 3.0//")
        || QUIRKY_PUBLIC_PREFIXES.iter().any(|q| p.starts_with(q))
        || (system.is_none()
            && (p.starts_with("-//w3c//dtd html 4.01 frameset//")
                || p.starts_with("-//w3c//dtd html 4.01 transitional//")))
}

impl TreeBuilder {
    fn new(input_len: usize) -> Self {
        TreeBuilder {
            tree: Tree::with_capacity(Node::Document, input_len / 64 + 16),
            stack: Vec::with_capacity(64),
            phase: Phase::Initial,
            quirks: false,
            html_id: None,
            head_id: None,
            body_id: None,
            form_id: None,
            pending: None,
            next_state: None,
            in_raw_text: false,
            raw_text_pushed: false,
            ignore_lf: false,
            open_tables: 0,
            open_templates: 0,
            open_foreign: 0,
        }
    }

    fn event(&mut self, event: CallbackEvent<'_>) {
        if !matches!(event, CallbackEvent::String { .. }) && !matches!(event, CallbackEvent::Error(_)) {
            self.ignore_lf = false;
        }
        match event {
            CallbackEvent::OpenStartTag { name } => {
                self.pending = Some(PendingTag {
                    name: local(name),
                    attrs: Vec::new(),
                    skip_value: false,
                });
            }
            CallbackEvent::AttributeName { name } => {
                if let Some(tag) = &mut self.pending {
                    let name = local(name);
                    // The first of two same-named attributes wins.
                    tag.skip_value = tag.attrs.iter().any(|a| a.name.local == name);
                    if !tag.skip_value {
                        tag.attrs.push(Attribute {
                            name: QualName::new(None, ns!(), name),
                            value: StrTendril::new(),
                        });
                    }
                }
            }
            CallbackEvent::AttributeValue { value } => {
                if let Some(tag) = &mut self.pending
                    && !tag.skip_value
                    && let Some(last) = tag.attrs.last_mut()
                {
                    last.value = tendril(value);
                }
            }
            CallbackEvent::CloseStartTag { self_closing } => {
                if let Some(tag) = self.pending.take() {
                    self.start_tag(tag.name, tag.attrs, self_closing);
                }
            }
            CallbackEvent::EndTag { name } => self.end_tag(local(name)),
            CallbackEvent::String { value } => {
                let mut value = value;
                if std::mem::take(&mut self.ignore_lf) && value.first() == Some(&b'\n') {
                    value = &value[1..];
                }
                if !value.is_empty() {
                    self.text(value);
                }
            }
            CallbackEvent::Doctype {
                name,
                public_identifier,
                system_identifier,
                force_quirks,
            } => {
                if self.phase == Phase::Initial {
                    self.quirks = doctype_is_quirky(name, public_identifier, system_identifier, force_quirks);
                    let doctype = Doctype {
                        name: tendril(name),
                        public_id: tendril(public_identifier.unwrap_or_default()),
                        system_id: tendril(system_identifier.unwrap_or_default()),
                    };
                    self.tree.root_mut().append(Node::Doctype(doctype));
                    self.phase = Phase::BeforeHtml;
                }
            }
            CallbackEvent::Comment { .. } | CallbackEvent::Error(_) => {}
        }
    }

    fn finish(mut self) -> Html {
        if self.phase < Phase::InBody {
            self.advance_to_body();
        }
        let mut html = Html::new_document();
        html.tree = self.tree;
        html.quirks_mode = if self.quirks {
            QuirksMode::Quirks
        } else {
            QuirksMode::NoQuirks
        };
        html
    }

    // ---- the tree and the stack ----

    fn insertion_parent(&self) -> NodeId {
        match self.stack.last() {
            Some(open) => open.id,
            None => self.tree.root().id(),
        }
    }

    fn top_name(&self) -> Option<&LocalName> {
        self.stack.last().filter(|o| !o.foreign).map(|o| &o.name)
    }

    fn top_is(&self, name: LocalName) -> bool {
        self.top_name() == Some(&name)
    }

    /// Adds an element as the last child of the current node; pushes it
    /// unless it is void or the stack is full. Returns its id.
    fn insert(&mut self, name: LocalName, attrs: Vec<Attribute>, push: bool) -> Option<NodeId> {
        let parent = self.insertion_parent();
        let foreign = match self.stack.last() {
            Some(top) if top.foreign && !is_integration_point(&top.name) => true,
            _ => matches!(name, local_name!("svg") | local_name!("math")),
        };
        let is_template = name == local_name!("template") && !foreign;
        let element = Element::new(QualName::new(None, ns!(html), name.clone()), attrs);
        let mut parent = self.tree.get_mut(parent)?;
        let mut node = parent.append(Node::Element(element));
        let id = node.id();
        let children_go_to = if is_template {
            node.append(Node::Fragment).id()
        } else {
            id
        };
        if push && self.stack.len() < MAX_DEPTH {
            if !foreign {
                match name {
                    local_name!("table") => self.open_tables += 1,
                    local_name!("template") => self.open_templates += 1,
                    _ => {}
                }
            } else {
                self.open_foreign += 1;
            }
            self.stack.push(Open {
                id: children_go_to,
                name,
                foreign,
            });
        }
        Some(id)
    }

    fn pop(&mut self) -> Option<Open> {
        let open = self.stack.pop()?;
        self.forget(&open);
        Some(open)
    }

    fn forget(&mut self, open: &Open) {
        if open.foreign {
            self.open_foreign = self.open_foreign.saturating_sub(1);
        } else {
            match open.name {
                local_name!("table") => self.open_tables = self.open_tables.saturating_sub(1),
                local_name!("template") => self.open_templates = self.open_templates.saturating_sub(1),
                _ => {}
            }
        }
    }

    /// Pops everything from `index` up.
    fn truncate(&mut self, index: usize) {
        while self.stack.len() > index {
            self.pop();
        }
    }

    fn remove_at(&mut self, index: usize) {
        if index < self.stack.len() {
            let open = self.stack.remove(index);
            self.forget(&open);
        }
    }

    fn append_text(&mut self, text: &str) {
        let parent = self.insertion_parent();
        let Some(mut parent) = self.tree.get_mut(parent) else {
            return;
        };
        if let Some(mut last) = parent.last_child()
            && let Node::Text(t) = last.value()
        {
            t.text.push_slice(text);
            return;
        }
        parent.append(Node::Text(Text {
            text: StrTendril::from_slice(text),
        }));
    }

    fn add_missing_attrs(&mut self, id: Option<NodeId>, attrs: Vec<Attribute>) {
        let Some(mut node) = id.and_then(|id| self.tree.get_mut(id)) else {
            return;
        };
        if let Node::Element(e) = node.value() {
            let mut added = false;
            for a in attrs {
                if !e.attrs.iter().any(|(n, _)| *n == a.name) {
                    e.attrs.push((a.name, a.value));
                    added = true;
                }
            }
            if added {
                e.attrs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            }
        }
    }

    // ---- scopes ----

    /// Index of the innermost open `name` if no boundary is in the way.
    fn find_in_scope(&self, name: &LocalName, extra: fn(&LocalName) -> bool) -> Option<usize> {
        for (i, open) in self.stack.iter().enumerate().rev() {
            if open.foreign {
                if is_integration_point(&open.name) {
                    return None;
                }
                continue;
            }
            if open.name == *name {
                return Some(i);
            }
            if is_default_scope(&open.name) || extra(&open.name) {
                return None;
            }
        }
        None
    }

    fn in_scope(&self, name: LocalName) -> Option<usize> {
        self.find_in_scope(&name, |_| false)
    }

    fn in_button_scope(&self, name: LocalName) -> Option<usize> {
        self.find_in_scope(&name, |n| *n == local_name!("button"))
    }

    fn in_list_item_scope(&self, name: LocalName) -> Option<usize> {
        self.find_in_scope(&name, |n| matches!(*n, local_name!("ol") | local_name!("ul")))
    }

    fn in_table_scope(&self, matches: impl Fn(&LocalName) -> bool) -> Option<usize> {
        for (i, open) in self.stack.iter().enumerate().rev() {
            if open.foreign {
                continue;
            }
            if matches(&open.name) {
                return Some(i);
            }
            if matches!(
                open.name,
                local_name!("html") | local_name!("table") | local_name!("template")
            ) {
                return None;
            }
        }
        None
    }

    fn in_table_scope_named(&self, name: &LocalName) -> Option<usize> {
        self.in_table_scope(|n| n == name)
    }

    fn generate_implied_end_tags(&mut self, except: Option<&LocalName>) {
        while let Some(top) = self.top_name() {
            if !is_implied_end(top) || Some(top) == except {
                return;
            }
            self.pop();
        }
    }

    /// Pops up to and including the innermost open `name` (which must be open).
    fn pop_until(&mut self, name: &LocalName) {
        if let Some(i) = self.stack.iter().rposition(|o| !o.foreign && o.name == *name) {
            self.truncate(i);
        }
    }

    fn close_p(&mut self) {
        self.generate_implied_end_tags(Some(&local_name!("p")));
        self.pop_until(&local_name!("p"));
    }

    fn close_p_in_button_scope(&mut self) {
        if self.in_button_scope(local_name!("p")).is_some() {
            self.close_p();
        }
    }

    /// Pops until the current node is one of `stop` (or `template`/`html`).
    fn clear_back_to(&mut self, stop: fn(&LocalName) -> bool) {
        while let Some(top) = self.stack.last() {
            if !top.foreign && (stop(&top.name) || matches!(top.name, local_name!("template") | local_name!("html"))) {
                return;
            }
            self.pop();
        }
    }

    fn table_mode(&self) -> TableMode {
        if self.open_tables == 0 {
            return TableMode::Body;
        }
        for (i, open) in self.stack.iter().enumerate().rev() {
            if open.foreign {
                continue;
            }
            match open.name {
                local_name!("td") | local_name!("th") if i > 0 => return TableMode::Cell,
                local_name!("tr") => return TableMode::Row,
                local_name!("tbody") | local_name!("thead") | local_name!("tfoot") => return TableMode::TableBody,
                local_name!("caption") => return TableMode::Caption,
                local_name!("colgroup") => return TableMode::ColumnGroup,
                local_name!("table") => return TableMode::Table,
                local_name!("template") | local_name!("body") | local_name!("html") => return TableMode::Body,
                _ => {}
            }
        }
        TableMode::Body
    }

    // ---- before <body> ----

    /// Runs the "anything else" steps of the phases before `<body>`.
    fn advance_to_body(&mut self) {
        while self.phase < Phase::InBody {
            self.leave_phase();
        }
    }

    fn leave_phase(&mut self) {
        match self.phase {
            Phase::Initial => {
                self.quirks = true;
                self.phase = Phase::BeforeHtml;
            }
            Phase::BeforeHtml => {
                self.html_id = self.insert(local_name!("html"), Vec::new(), true);
                self.phase = Phase::BeforeHead;
            }
            Phase::BeforeHead => {
                self.head_id = self.insert(local_name!("head"), Vec::new(), true);
                self.phase = Phase::InHead;
            }
            Phase::InHead => {
                self.close_head();
                self.phase = Phase::AfterHead;
            }
            Phase::AfterHead => {
                self.body_id = self.insert(local_name!("body"), Vec::new(), true);
                self.phase = Phase::InBody;
            }
            Phase::InBody => {}
        }
    }

    fn close_head(&mut self) {
        if let Some(i) = self.stack.iter().rposition(|o| Some(o.id) == self.head_id) {
            self.truncate(i);
        }
    }

    /// `<meta>`, `<title>`, ... as the "in head" rules insert them.
    fn insert_head_content(&mut self, name: LocalName, attrs: Vec<Attribute>) {
        match name {
            local_name!("title") => self.insert_raw_text(name, attrs, State::RcData),
            local_name!("noframes") | local_name!("style") | local_name!("noscript") => {
                self.insert_raw_text(name, attrs, State::RawText)
            }
            local_name!("script") => self.insert_raw_text(name, attrs, State::ScriptData),
            local_name!("template") => {
                self.insert(name, attrs, true);
            }
            _ => {
                self.insert(name, attrs, false);
            }
        }
    }

    fn insert_raw_text(&mut self, name: LocalName, attrs: Vec<Attribute>, state: State) {
        let depth = self.stack.len();
        self.insert(name, attrs, true);
        self.next_state = Some(state);
        self.in_raw_text = true;
        self.raw_text_pushed = self.stack.len() > depth;
    }

    fn start_tag(&mut self, name: LocalName, attrs: Vec<Attribute>, self_closing: bool) {
        if self.open_templates > 0 {
            // A template's content is parsed like a body wherever it is.
            return self.start_tag_in_body(name, attrs, self_closing);
        }
        loop {
            match self.phase {
                Phase::Initial => {
                    self.quirks = true;
                    self.phase = Phase::BeforeHtml;
                }
                Phase::BeforeHtml => {
                    if name == local_name!("html") {
                        self.html_id = self.insert(name, attrs, true);
                        self.phase = Phase::BeforeHead;
                        return;
                    }
                    self.leave_phase();
                }
                Phase::BeforeHead => match name {
                    local_name!("html") => return self.add_missing_attrs(self.html_id, attrs),
                    local_name!("head") => {
                        self.head_id = self.insert(name, attrs, true);
                        self.phase = Phase::InHead;
                        return;
                    }
                    _ => self.leave_phase(),
                },
                Phase::InHead => match name {
                    local_name!("html") => return self.add_missing_attrs(self.html_id, attrs),
                    local_name!("head") => return,
                    local_name!("base")
                    | local_name!("basefont")
                    | local_name!("bgsound")
                    | local_name!("link")
                    | local_name!("meta")
                    | local_name!("title")
                    | local_name!("noframes")
                    | local_name!("style")
                    | local_name!("noscript")
                    | local_name!("script")
                    | local_name!("template") => return self.insert_head_content(name, attrs),
                    _ => self.leave_phase(),
                },
                Phase::AfterHead => match name {
                    local_name!("html") => return self.add_missing_attrs(self.html_id, attrs),
                    local_name!("head") => return,
                    local_name!("body") => {
                        self.body_id = self.insert(name, attrs, true);
                        self.phase = Phase::InBody;
                        return;
                    }
                    _ if is_head_content(&name) => {
                        // Back into <head>, as the standard does.
                        let Some(head) = self.head_id else { return };
                        self.stack.push(Open {
                            id: head,
                            name: local_name!("head"),
                            foreign: false,
                        });
                        self.insert_head_content(name, attrs);
                        if let Some(i) = self.stack.iter().rposition(|o| o.id == head) {
                            self.stack.remove(i);
                        }
                        return;
                    }
                    _ => self.leave_phase(),
                },
                Phase::InBody => return self.start_tag_in_body(name, attrs, self_closing),
            }
        }
    }

    fn text(&mut self, bytes: &[u8]) {
        let owned;
        let mut text = match std::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(_) => {
                owned = String::from_utf8_lossy(bytes).into_owned();
                owned.as_str()
            }
        };
        if self.in_raw_text || self.open_templates > 0 {
            return self.append_text(text);
        }
        loop {
            let ws = text.bytes().take_while(|&b| is_ws(b)).count();
            match self.phase {
                Phase::Initial | Phase::BeforeHtml | Phase::BeforeHead => {
                    text = &text[ws..];
                    if text.is_empty() {
                        return;
                    }
                    self.leave_phase();
                }
                Phase::InHead | Phase::AfterHead => {
                    if ws > 0 {
                        self.append_text(&text[..ws]);
                    }
                    text = &text[ws..];
                    if text.is_empty() {
                        return;
                    }
                    self.leave_phase();
                }
                Phase::InBody => break,
            }
        }
        if text.contains('\0') {
            let cleaned = text.replace('\0', "");
            if !cleaned.is_empty() {
                self.append_text(&cleaned);
            }
        } else {
            self.append_text(text);
        }
    }

    // ---- <body> ----

    fn start_tag_in_body(&mut self, name: LocalName, attrs: Vec<Attribute>, self_closing: bool) {
        if self.open_foreign > 0
            && self
                .stack
                .last()
                .is_some_and(|o| o.foreign && !is_integration_point(&o.name))
        {
            if breaks_out_of_foreign(&name)
                || (name == local_name!("font")
                    && attrs
                        .iter()
                        .any(|a| matches!(&*a.name.local, "color" | "face" | "size")))
            {
                while self.stack.last().is_some_and(|o| o.foreign) {
                    self.pop();
                }
            } else {
                self.insert(name, attrs, !self_closing);
                return;
            }
        }
        if self.open_tables > 0 && (is_table_part(&name) || name == local_name!("form")) {
            match self.table_start_tag(&name) {
                TableAction::Insert => {
                    let push = name != local_name!("col");
                    self.insert(name, attrs, push);
                    return;
                }
                TableAction::EmptyForm => {
                    if self.form_id.is_none() && self.open_templates == 0 {
                        self.form_id = self.insert(name, attrs, false);
                    }
                    return;
                }
                TableAction::Ignore => return,
                TableAction::Body => {}
            }
        }
        if self.top_is(local_name!("colgroup")) && name != local_name!("col") {
            self.pop();
        }
        match name {
            local_name!("html") => self.add_missing_attrs(self.html_id, attrs),
            local_name!("body") => self.add_missing_attrs(self.body_id, attrs),
            local_name!("head") | local_name!("frameset") | local_name!("frame") => {}
            _ if is_head_content(&name) => self.insert_head_content(name, attrs),
            _ if closes_p(&name) => {
                self.close_p_in_button_scope();
                self.insert(name, attrs, true);
            }
            local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6") => {
                self.close_p_in_button_scope();
                if self.top_name().is_some_and(is_heading) {
                    self.pop();
                }
                self.insert(name, attrs, true);
            }
            local_name!("pre") | local_name!("listing") => {
                self.close_p_in_button_scope();
                self.insert(name, attrs, true);
                self.ignore_lf = true;
            }
            local_name!("form") => {
                if self.form_id.is_some() && self.open_templates == 0 {
                    return;
                }
                self.close_p_in_button_scope();
                let id = self.insert(name, attrs, true);
                if self.open_templates == 0 {
                    self.form_id = id;
                }
            }
            local_name!("li") | local_name!("dd") | local_name!("dt") => {
                let list = name == local_name!("li");
                let mut to_close = None;
                for open in self.stack.iter().rev() {
                    if open.foreign {
                        continue;
                    }
                    let closes = if list {
                        open.name == local_name!("li")
                    } else {
                        matches!(open.name, local_name!("dd") | local_name!("dt"))
                    };
                    if closes {
                        to_close = Some(open.name.clone());
                        break;
                    }
                    if is_special(&open.name)
                        && !matches!(
                            open.name,
                            local_name!("address") | local_name!("div") | local_name!("p")
                        )
                    {
                        break;
                    }
                }
                if let Some(close) = to_close {
                    self.generate_implied_end_tags(Some(&close));
                    self.pop_until(&close);
                }
                self.close_p_in_button_scope();
                self.insert(name, attrs, true);
            }
            local_name!("plaintext") => {
                self.close_p_in_button_scope();
                self.insert(name, attrs, true);
                self.next_state = Some(State::PlainText);
            }
            local_name!("button") => {
                if self.in_scope(local_name!("button")).is_some() {
                    self.generate_implied_end_tags(None);
                    self.pop_until(&local_name!("button"));
                }
                self.insert(name, attrs, true);
            }
            local_name!("a") => {
                // A link inside a link: the first one ends here.
                let open_a = self.stack.iter().rposition(|o| {
                    !o.foreign
                        && (o.name == local_name!("a")
                            || matches!(
                                o.name,
                                local_name!("td")
                                    | local_name!("th")
                                    | local_name!("caption")
                                    | local_name!("template")
                                    | local_name!("applet")
                                    | local_name!("marquee")
                                    | local_name!("object")
                                    | local_name!("html")
                            ))
                });
                if let Some(i) = open_a
                    && self.stack[i].name == local_name!("a")
                {
                    self.end_formatting(&name);
                    if let Some(j) = self
                        .stack
                        .iter()
                        .rposition(|o| !o.foreign && o.name == local_name!("a"))
                        && j == i
                    {
                        self.remove_at(i);
                    }
                }
                self.insert(name, attrs, true);
            }
            local_name!("nobr") => {
                if self.in_scope(local_name!("nobr")).is_some() {
                    self.end_formatting(&name);
                }
                self.insert(name, attrs, true);
            }
            local_name!("table") => {
                if !self.quirks {
                    self.close_p_in_button_scope();
                }
                self.insert(name, attrs, true);
            }
            local_name!("area")
            | local_name!("br")
            | local_name!("embed")
            | local_name!("img")
            | local_name!("keygen")
            | local_name!("wbr")
            | local_name!("param")
            | local_name!("source")
            | local_name!("track") => {
                self.insert(name, attrs, false);
            }
            local_name!("image") => {
                self.insert(local_name!("img"), attrs, false);
            }
            local_name!("input") => {
                if self.in_scope(local_name!("select")).is_some() {
                    self.pop_until(&local_name!("select"));
                }
                self.insert(name, attrs, false);
            }
            local_name!("hr") => {
                self.close_p_in_button_scope();
                if self.in_scope(local_name!("select")).is_some() {
                    self.generate_implied_end_tags(None);
                }
                self.insert(name, attrs, false);
            }
            local_name!("textarea") => {
                self.insert_raw_text(name, attrs, State::RcData);
                self.ignore_lf = true;
            }
            local_name!("xmp") => {
                self.close_p_in_button_scope();
                self.insert_raw_text(name, attrs, State::RawText);
            }
            local_name!("iframe") | local_name!("noembed") | local_name!("noscript") => {
                self.insert_raw_text(name, attrs, State::RawText);
            }
            local_name!("select") => {
                if self.in_scope(local_name!("select")).is_some() {
                    self.pop_until(&local_name!("select"));
                } else {
                    self.insert(name, attrs, true);
                }
            }
            local_name!("option") | local_name!("optgroup") => {
                if self.in_scope(local_name!("select")).is_some() {
                    if name == local_name!("option") {
                        self.generate_implied_end_tags(Some(&local_name!("optgroup")));
                    } else {
                        self.generate_implied_end_tags(None);
                    }
                } else if self.top_is(local_name!("option")) {
                    self.pop();
                }
                self.insert(name, attrs, true);
            }
            local_name!("rb") | local_name!("rtc") => {
                if self.in_scope(local_name!("ruby")).is_some() {
                    self.generate_implied_end_tags(None);
                }
                self.insert(name, attrs, true);
            }
            local_name!("rp") | local_name!("rt") => {
                if self.in_scope(local_name!("ruby")).is_some() {
                    self.generate_implied_end_tags(Some(&local_name!("rtc")));
                }
                self.insert(name, attrs, true);
            }
            local_name!("math") | local_name!("svg") => {
                self.insert(name, attrs, !self_closing);
            }
            local_name!("caption")
            | local_name!("col")
            | local_name!("colgroup")
            | local_name!("tbody")
            | local_name!("td")
            | local_name!("tfoot")
            | local_name!("th")
            | local_name!("thead")
            | local_name!("tr") => {}
            _ => {
                self.insert(name, attrs, true);
            }
        }
    }

    /// The table modes' rules for a start tag of [`is_table_part`] or `form`;
    /// pops what the tag closes.
    fn table_start_tag(&mut self, name: &LocalName) -> TableAction {
        for _ in 0..8 {
            let mode = self.table_mode();
            if *name == local_name!("form") {
                let in_table_proper = matches!(mode, TableMode::Table | TableMode::TableBody | TableMode::Row)
                    && self.top_name().is_some_and(|n| {
                        matches!(
                            *n,
                            local_name!("table")
                                | local_name!("tbody")
                                | local_name!("thead")
                                | local_name!("tfoot")
                                | local_name!("tr")
                        )
                    });
                return if in_table_proper {
                    TableAction::EmptyForm
                } else {
                    TableAction::Body
                };
            }
            match mode {
                TableMode::Body => return TableAction::Body,
                TableMode::Caption => {
                    if *name == local_name!("table") {
                        return TableAction::Body;
                    }
                    let Some(i) = self.in_table_scope_named(&local_name!("caption")) else {
                        return TableAction::Ignore;
                    };
                    self.generate_implied_end_tags(None);
                    self.truncate(i);
                }
                TableMode::Cell => {
                    if *name == local_name!("table") {
                        return TableAction::Body;
                    }
                    if self.in_table_scope(is_cell).is_none() {
                        return TableAction::Ignore;
                    }
                    self.close_cell();
                }
                TableMode::Row => match *name {
                    local_name!("td") | local_name!("th") => {
                        self.clear_back_to(|n| *n == local_name!("tr"));
                        return TableAction::Insert;
                    }
                    local_name!("table") => {
                        if !self.close_table() {
                            return TableAction::Ignore;
                        }
                    }
                    _ => {
                        if self.in_table_scope_named(&local_name!("tr")).is_none() {
                            return TableAction::Ignore;
                        }
                        self.clear_back_to(|n| *n == local_name!("tr"));
                        self.pop();
                    }
                },
                TableMode::TableBody => match *name {
                    local_name!("tr") => {
                        self.clear_back_to(is_section);
                        return TableAction::Insert;
                    }
                    local_name!("td") | local_name!("th") => {
                        self.clear_back_to(is_section);
                        self.insert(local_name!("tr"), Vec::new(), true);
                    }
                    local_name!("table") => {
                        if !self.close_table() {
                            return TableAction::Ignore;
                        }
                    }
                    _ => {
                        if self.in_table_scope(is_section).is_none() {
                            return TableAction::Ignore;
                        }
                        self.clear_back_to(is_section);
                        self.pop();
                    }
                },
                TableMode::ColumnGroup => {
                    if *name == local_name!("col") {
                        return TableAction::Insert;
                    }
                    if !self.top_is(local_name!("colgroup")) {
                        return TableAction::Ignore;
                    }
                    self.pop();
                }
                TableMode::Table => match *name {
                    local_name!("caption")
                    | local_name!("colgroup")
                    | local_name!("tbody")
                    | local_name!("thead")
                    | local_name!("tfoot") => {
                        self.clear_back_to(|n| *n == local_name!("table"));
                        return TableAction::Insert;
                    }
                    local_name!("col") => {
                        self.clear_back_to(|n| *n == local_name!("table"));
                        self.insert(local_name!("colgroup"), Vec::new(), true);
                    }
                    local_name!("td") | local_name!("th") | local_name!("tr") => {
                        self.clear_back_to(|n| *n == local_name!("table"));
                        self.insert(local_name!("tbody"), Vec::new(), true);
                    }
                    _ => {
                        if !self.close_table() {
                            return TableAction::Ignore;
                        }
                    }
                },
            }
        }
        TableAction::Ignore
    }

    /// Pops the innermost table if it is in table scope.
    fn close_table(&mut self) -> bool {
        match self.in_table_scope_named(&local_name!("table")) {
            Some(i) => {
                self.truncate(i);
                true
            }
            None => false,
        }
    }

    fn close_cell(&mut self) {
        self.generate_implied_end_tags(None);
        if let Some(i) = self.stack.iter().rposition(|o| !o.foreign && is_cell(&o.name)) {
            self.truncate(i);
        }
    }

    /// The table modes' rules for the end tags they handle; false when the
    /// body rules take it.
    fn table_end_tag(&mut self, name: &LocalName) -> bool {
        for _ in 0..8 {
            match self.table_mode() {
                TableMode::Body => return false,
                TableMode::Caption => match *name {
                    local_name!("caption") | local_name!("table") => {
                        let Some(i) = self.in_table_scope_named(&local_name!("caption")) else {
                            return true;
                        };
                        self.generate_implied_end_tags(None);
                        self.truncate(i);
                        if *name == local_name!("caption") {
                            return true;
                        }
                    }
                    _ => return true,
                },
                TableMode::Cell => match *name {
                    local_name!("td") | local_name!("th") => {
                        let Some(i) = self.in_table_scope_named(name) else {
                            return true;
                        };
                        self.generate_implied_end_tags(None);
                        self.truncate(i);
                        return true;
                    }
                    local_name!("table")
                    | local_name!("tbody")
                    | local_name!("tfoot")
                    | local_name!("thead")
                    | local_name!("tr") => {
                        if self.in_table_scope_named(name).is_none() {
                            return true;
                        }
                        self.close_cell();
                    }
                    _ => return true,
                },
                TableMode::Row => match *name {
                    local_name!("tr") | local_name!("table") => {
                        if self.in_table_scope_named(&local_name!("tr")).is_none() {
                            return true;
                        }
                        self.clear_back_to(|n| *n == local_name!("tr"));
                        self.pop();
                        if *name == local_name!("tr") {
                            return true;
                        }
                    }
                    local_name!("tbody") | local_name!("tfoot") | local_name!("thead") => {
                        if self.in_table_scope_named(name).is_none()
                            || self.in_table_scope_named(&local_name!("tr")).is_none()
                        {
                            return true;
                        }
                        self.clear_back_to(|n| *n == local_name!("tr"));
                        self.pop();
                    }
                    _ => return true,
                },
                TableMode::TableBody => match *name {
                    local_name!("tbody") | local_name!("tfoot") | local_name!("thead") => {
                        if self.in_table_scope_named(name).is_some() {
                            self.clear_back_to(is_section);
                            self.pop();
                        }
                        return true;
                    }
                    local_name!("table") => {
                        if self.in_table_scope(is_section).is_none() {
                            return true;
                        }
                        self.clear_back_to(is_section);
                        self.pop();
                    }
                    _ => return true,
                },
                TableMode::ColumnGroup => {
                    if *name == local_name!("col") {
                        return true;
                    }
                    if self.top_is(local_name!("colgroup")) {
                        self.pop();
                        if *name == local_name!("colgroup") {
                            return true;
                        }
                    } else {
                        return true;
                    }
                }
                TableMode::Table => {
                    if *name == local_name!("table") {
                        self.close_table();
                    }
                    return true;
                }
            }
        }
        true
    }

    fn end_tag(&mut self, name: LocalName) {
        if self.in_raw_text {
            self.in_raw_text = false;
            if std::mem::take(&mut self.raw_text_pushed) {
                self.pop();
            }
            return;
        }
        let phase = if self.open_templates > 0 {
            Phase::InBody
        } else {
            self.phase
        };
        match phase {
            Phase::Initial | Phase::BeforeHtml | Phase::BeforeHead => {
                if matches!(
                    name,
                    local_name!("head") | local_name!("body") | local_name!("html") | local_name!("br")
                ) {
                    self.leave_phase();
                    return self.end_tag(name);
                }
                if self.phase == Phase::Initial {
                    self.leave_phase();
                }
                return;
            }
            Phase::InHead => match name {
                local_name!("head") => {
                    self.close_head();
                    self.phase = Phase::AfterHead;
                    return;
                }
                local_name!("body") | local_name!("html") | local_name!("br") => {
                    self.leave_phase();
                    return self.end_tag(name);
                }
                local_name!("template") => return self.end_template(),
                _ => return,
            },
            Phase::AfterHead => match name {
                local_name!("body") | local_name!("html") | local_name!("br") => {
                    self.leave_phase();
                    return self.end_tag(name);
                }
                local_name!("template") => return self.end_template(),
                _ => return,
            },
            Phase::InBody => {}
        }
        if self.open_foreign > 0
            && let Some(i) = self.foreign_end(&name)
        {
            self.truncate(i);
            return;
        }
        if self.open_tables > 0
            && matches!(
                name,
                local_name!("table")
                    | local_name!("tbody")
                    | local_name!("tfoot")
                    | local_name!("thead")
                    | local_name!("tr")
                    | local_name!("td")
                    | local_name!("th")
                    | local_name!("caption")
                    | local_name!("colgroup")
                    | local_name!("col")
                    | local_name!("body")
                    | local_name!("html")
            )
            && self.table_end_tag(&name)
        {
            return;
        }
        if self.top_is(local_name!("colgroup")) {
            self.pop();
        }
        match name {
            // Later content still goes into the open elements, as in html5ever.
            local_name!("body") | local_name!("html") => {}
            local_name!("form") => {
                if self.open_templates > 0 {
                    if self.in_scope(local_name!("form")).is_some() {
                        self.generate_implied_end_tags(None);
                        self.pop_until(&local_name!("form"));
                    }
                    return;
                }
                let Some(form) = self.form_id.take() else { return };
                let Some(i) = self.stack.iter().rposition(|o| o.id == form) else {
                    return;
                };
                if self.stack[i + 1..]
                    .iter()
                    .any(|o| !o.foreign && is_default_scope(&o.name))
                {
                    return;
                }
                self.generate_implied_end_tags(None);
                if let Some(i) = self.stack.iter().rposition(|o| o.id == form) {
                    self.remove_at(i);
                }
            }
            local_name!("p") => {
                if self.in_button_scope(local_name!("p")).is_none() {
                    self.insert(local_name!("p"), Vec::new(), false);
                    return;
                }
                self.close_p();
            }
            local_name!("li") => {
                if self.in_list_item_scope(local_name!("li")).is_some() {
                    self.generate_implied_end_tags(Some(&name));
                    self.pop_until(&name);
                }
            }
            local_name!("dd") | local_name!("dt") => {
                if self.in_scope(name.clone()).is_some() {
                    self.generate_implied_end_tags(Some(&name));
                    self.pop_until(&name);
                }
            }
            local_name!("h1")
            | local_name!("h2")
            | local_name!("h3")
            | local_name!("h4")
            | local_name!("h5")
            | local_name!("h6") => {
                let mut found = None;
                for (i, open) in self.stack.iter().enumerate().rev() {
                    if open.foreign {
                        continue;
                    }
                    if is_heading(&open.name) {
                        found = Some(i);
                        break;
                    }
                    if is_default_scope(&open.name) {
                        break;
                    }
                }
                if let Some(i) = found {
                    self.generate_implied_end_tags(None);
                    self.truncate(i);
                }
            }
            local_name!("br") => {
                self.insert(name, Vec::new(), false);
            }
            local_name!("template") => self.end_template(),
            _ if is_block_end(&name) => {
                if self.in_scope(name.clone()).is_some() {
                    self.generate_implied_end_tags(None);
                    self.pop_until(&name);
                }
            }
            _ if is_formatting(&name) => self.end_formatting(&name),
            _ => self.end_other(&name),
        }
    }

    fn end_template(&mut self) {
        if self.open_templates == 0 {
            return;
        }
        self.generate_implied_end_tags(None);
        self.pop_until(&local_name!("template"));
    }

    /// An end tag inside SVG or MathML: the matching foreign element, if
    /// one is open above the innermost HTML element.
    fn foreign_end(&self, name: &LocalName) -> Option<usize> {
        for (i, open) in self.stack.iter().enumerate().rev() {
            if !open.foreign {
                return None;
            }
            if open.name == *name {
                return Some(i);
            }
        }
        None
    }

    /// `</a>`, `</b>`, ...: a simplified adoption agency. The element is
    /// closed with everything inside it when nothing but inline content was
    /// opened in it; when a block element was, it is only taken off the stack
    /// so that the block stays whole.
    fn end_formatting(&mut self, name: &LocalName) {
        let mut block_inside = false;
        for i in (0..self.stack.len()).rev() {
            let open = &self.stack[i];
            if open.foreign {
                continue;
            }
            if open.name == *name {
                if block_inside {
                    self.remove_at(i);
                } else {
                    self.truncate(i);
                }
                return;
            }
            if is_default_scope(&open.name) {
                return;
            }
            if is_special(&open.name) {
                block_inside = true;
            }
        }
    }

    /// Any other end tag: closes back to the innermost element of that name
    /// unless a special element is in the way.
    fn end_other(&mut self, name: &LocalName) {
        for i in (0..self.stack.len()).rev() {
            let open = &self.stack[i];
            if !open.foreign && open.name == *name {
                self.generate_implied_end_tags(Some(name));
                self.truncate(i);
                return;
            }
            if !open.foreign && is_special(&open.name) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_document;
    use ego_tree::NodeRef;
    use scraper::{Html, Node};

    /// The tree as markup: elements with sorted attributes, text escaped
    /// only enough to be unambiguous; comments and the doctype left out.
    fn serialize(html: &Html) -> String {
        fn walk(node: NodeRef<'_, Node>, out: &mut String) {
            match node.value() {
                Node::Element(e) => {
                    out.push('<');
                    out.push_str(e.name());
                    for (name, value) in &e.attrs {
                        out.push_str(&format!(" {}={:?}", &*name.local, &**value));
                    }
                    out.push('>');
                    for child in node.children() {
                        walk(child, out);
                    }
                    out.push_str("</");
                    out.push_str(e.name());
                    out.push('>');
                }
                Node::Text(t) => out.push_str(&t.replace('&', "&amp;").replace('<', "&lt;")),
                Node::Document | Node::Fragment => {
                    for child in node.children() {
                        walk(child, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = String::new();
        walk(html.tree.root(), &mut out);
        out
    }

    /// Our tree equals html5ever's for `input`.
    fn check(input: &str) {
        let ours = serialize(&parse_document(input));
        let reference = serialize(&Html::parse_document(input));
        assert_eq!(ours, reference, "input: {input:?}");
    }

    /// Where we deliberately differ from html5ever: our tree for `input`.
    fn check_differs(input: &str, expected: &str) {
        let ours = serialize(&parse_document(input));
        let reference = serialize(&Html::parse_document(input));
        assert_ne!(ours, reference, "now the same as html5ever: {input:?}");
        assert_eq!(ours, expected, "input: {input:?}");
    }

    #[test]
    fn skeleton_is_always_there() {
        for input in [
            "",
            "   ",
            "hello",
            "<!DOCTYPE html>",
            "<html>",
            "<head>",
            "<body>",
            "<!DOCTYPE html><html><head></head><body></body></html>",
            "<html>\n<head>\n<title>T</title>\n</head>\n<body>\n<p>x</p>\n</body>\n</html>\n",
        ] {
            check(input);
        }
    }

    #[test]
    fn head_content_goes_to_head() {
        check(r#"<meta charset="utf-8"><title>T &amp; U</title><link rel="canonical" href="/a"><p>x"#);
        check(r#"<html><head><title>T</title></head><meta name="author" content="A"><body><p>x"#);
        check(r#"<head><script type="application/ld+json">{"a":"<p>"}</script><style>p{}</style></head><body>"#);
        check(r#"<head><base href="/b/"></head> <title>late</title><body>x"#);
        check("<p>body first</p><meta name=x content=y><title>in body</title>");
        check("<head><noscript><img src=a></noscript></head><body>x");
        check("<head><div>no head here</div><meta name=x>");
        check("<html lang=en><body class=a><html data-x=1 lang=fr><body id=b class=c>x");
    }

    #[test]
    fn implied_end_tags() {
        check("<p>a<p>b");
        check("<ul><li>x<li>y</ul><p>after");
        check("<ul><li>a<ul><li>b<li>c</ul><li>d</ul>");
        check("<dl><dt>t<dd>d<dt>u<dd>e</dl>");
        check("<select><option>a<option>b<optgroup><option>c</select>");
        check("<h1>a<h2>b</h1>c");
        check("<ul><li><span>a<li>b</ul>");
        check("<ul><li><div>a<li>b</ul>");
        check("<li>a<menu><li>b</menu>");
        check("<p>a<div>b</div>c");
        check("<p>a<h2>h</h2><blockquote>q</blockquote><ul><li>l</ul><pre>\nx</pre><hr>e");
        check("<p><button><p>in button</button>after");
    }

    #[test]
    fn tables() {
        check("<table><tr><td>1<td>2<tr><td>3</table>");
        check("<table><thead><tr><th>h</thead><tbody><tr><td>b<tfoot><tr><td>f</table>");
        check("<table><caption>c<tr><td>x</table>");
        check("<table><col><colgroup><col></colgroup><tr><td>x</table>");
        check("<table><colgroup><col></col><col></col></colgroup><tr><td>x</table>");
        check("<table><td>x</td></tr></table><p>after");
        check("<table><tr><td><table><tr><td>inner</table>outer</td></tr></table>");
        check("<table><tr><td>a</td><table><tr><td>b</table>");
        check("<td>stray</td><tr>row</tr><p>x");
        check("<p>a<table><tr><td>b</table>");
        check("<table><tr><td><p>a</td><td>b</table>");
        check("<table><tr><td><div>a</table>b");
        check("<table><tr><td>x<form><input></form></table>");
    }

    #[test]
    fn quirks_mode_keeps_p_open_around_table() {
        check("<p>a<table><tr><td>b</table>");
        check("<!DOCTYPE html><p>a<table><tr><td>b</table>");
        check(r#"<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><p>a<table><tr><td>b</table>"#);
        check(
            r#"<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd"><p>a<table></table>"#,
        );
    }

    #[test]
    fn void_and_odd_end_tags() {
        check("<p>x<br>y<img src=a>z</p><input><hr><wbr>");
        check("a</br>b");
        check("a</p>b");
        check("<div>a</p>b</div>");
        check("<image src=x>");
        check("<br/><img/><div/>x");
        check("</div>x</span>");
        check("<p>a</span>b</p>");
    }

    #[test]
    fn misnested_end_tags() {
        check("<div><span>a</div>b</span>c");
        check("<div><p>a</div>b");
        check("<span><div>a</span>b</div>c");
        check("<section><div>a</section>b");
        check("<a href=x>a<a href=y>b</a>");
        check("<b>bold <i>both</i></b> plain");
        check("<em>a<span>b</em>c");
        check("<form><div></form>x</div>y");
        check("<form>a<form>b</form>c");
        check("<div>a</div></div></div>b");
        check("<p>a</h2>b");
        check("<h2>a</h3>b");
    }

    #[test]
    fn raw_text_and_character_references() {
        check("<title>a <b> &amp; &lt;</title>");
        check("<textarea>\n<p>x</p> &amp;</textarea>");
        check("<script>if (a < b) { document.write('</div>') }</script><p>x");
        check("<style>p > a { }</style><p>x");
        check("<xmp><b>raw</b></xmp><iframe><p>x</p></iframe><noembed><i></noembed><noframes><u></noframes>");
        check("<noscript><p>raw with scripting on</p></noscript>after");
        check("<p>caf&eacute; &copy 2024 &#x4e2d;&#20013; &nbsp;&notit; &amp</p>");
        check(r#"<a href="?a=1&b=2&amp;c=3" title='x &quot;y&quot;'>l</a>"#);
        check("<pre>\n\nline</pre><listing>\nl</listing>");
        check("<plaintext><p>all text</p></plaintext>");
    }

    #[test]
    fn attributes() {
        check(r#"<DIV CLASS="A" Id=b data-X='y' class="dup">x</DIV>"#);
        check("<p a=1 b c=\"3\" a=2>x");
        check("<img src=a alt=\"\"><input disabled>");
    }

    #[test]
    fn foreign_and_misc() {
        check("<svg/><p>x");
        check("<p>a<svg><path d=x /></svg>b");
        check("<math><mi>x</mi></math>y");
        check("<template><p>t</p></template><p>x");
        check("<ruby>a<rt>b<rp>c</ruby>");
        check("<object><p>a</object>b");
        check("x\0y<p>a\0b");
        check("<!-- c --><p>a<!-- d -->b");
        check("<p>\r\nx\ry</p>");
    }

    #[test]
    fn known_differences() {
        // No adoption agency: the block stays inside the formatting element.
        check_differs(
            "<b>a<p>b</b>c</p>",
            "<html><head></head><body><b>a<p>bc</p></b></body></html>",
        );
        // No reconstruction of formatting elements.
        check_differs(
            "<p><b>a<p>b",
            "<html><head></head><body><p><b>a</b></p><p>b</p></body></html>",
        );
        // No foster parenting.
        check_differs(
            "<table>text<tr><td>x</table>",
            "<html><head></head><body><table>text<tbody><tr><td>x</td></tr></tbody></table></body></html>",
        );
    }

    #[test]
    fn deep_nesting_is_capped() {
        let depth = 100_000;
        let html = format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let doc = parse_document(&html);
        let deepest = doc.tree.root().descendants().filter(|n| n.value().is_element()).count();
        assert_eq!(deepest, depth + 3);
        let max_depth = doc
            .tree
            .root()
            .descendants()
            .map(|n| n.ancestors().count())
            .max()
            .unwrap_or(0);
        assert!(max_depth <= super::MAX_DEPTH + 2, "depth {max_depth}");
        let text: String = doc.root_element().text().collect();
        assert_eq!(text, "x");
    }
}
