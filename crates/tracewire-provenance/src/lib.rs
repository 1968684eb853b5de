//! Provenance: which articles are copies of one story, how each relates to
//! the others, where the story started and where each copy took it from.
//! Pure: documents in, relations and lineages out, no I/O.
//!
//! A [`Corpus`] takes documents one at a time, as a crawl finds them, and
//! answers with the relations the new one has to those before it. Lookup
//! goes through the LSH band keys and containment anchors of
//! [`tracewire_similar::fingerprint`]; every candidate is then verified on
//! the exact shingle sets. Paragraphs a site repeats under its articles
//! (disclaimers, newsletter pitches, author bios) are learnt per site, and
//! blocks many sites share (a wire notice, a press release's "About" line)
//! by where they sit; both are left out of the fingerprint, so they never
//! make two posts copies.
//! [`lineages`] then picks each story's origin and each copy's immediate
//! source, and [`diff`] says what a copy added and removed.

mod cites;
mod diff;
pub mod furniture;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use tracewire_similar::fingerprint::{self, Overlap};

pub use cites::{Cite, CiteKind, citations};
pub use diff::{ParagraphDiff, diff};
pub use furniture::Furniture;

/// An article as provenance sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub id: i64,
    pub url: String,
    /// The publishing site (host), which tells a copy from an update.
    pub site: String,
    pub title: String,
    pub text: String,
    /// Unix seconds; `None` when the page says nothing (then the order the
    /// corpus saw documents in stands for time).
    pub published: Option<i64>,
    /// Where the page says it comes from: a "Source Article from" line,
    /// rel=canonical to another site, a feed's `<source>`.
    pub source_url: Option<String>,
}

/// How two articles relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The same text.
    Duplicate,
    /// Near-verbatim on another site: trimmed, lightly edited, re-headlined.
    Copy,
    /// One holds a substantial part of the other among other material.
    Excerpt,
    /// The same site's newer version.
    Update,
    /// One says it comes from the other.
    Attributes,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Duplicate => "duplicate",
            Kind::Copy => "copy",
            Kind::Excerpt => "excerpt",
            Kind::Update => "update",
            Kind::Attributes => "attributes",
        }
    }

    /// The kind named by [`Kind::as_str`].
    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::Duplicate,
            Kind::Copy,
            Kind::Excerpt,
            Kind::Update,
            Kind::Attributes,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Whether this relation puts the two in one set of copies.
    pub fn is_copying(self) -> bool {
        !matches!(self, Kind::Attributes)
    }
}

/// A relation between an earlier article `from` and a later one `to` (for
/// `Attributes`: `to` names `from` as its source).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    pub from: i64,
    pub to: i64,
    pub kind: Kind,
    /// 0..1: Jaccard for duplicates and updates, the share of the later text
    /// found in the earlier for copies and excerpts, 1 for attributions.
    pub score: f64,
    /// Why, in words a reader can check.
    pub evidence: String,
}

/// Thresholds on shingle overlap, in terms of the earlier text `e` and the
/// later `l`: `shared / |l|` ("how much of the later comes from the
/// earlier") and `shared / |e|` ("how much of the earlier it carries").
const DUPLICATE_JACCARD: f64 = 0.98;
const UPDATE_CONTAINMENT: f64 = 0.5;
/// A copy's own words are mostly the source's (a new headline and the
/// site's furniture aside), and it carries at least half of the source.
const COPY_FROM_SOURCE: f64 = 0.7;
const COPY_OF_SOURCE: f64 = 0.45;
/// An edited copy changes a word in ten: two thirds of 4-shingles survive.
const EDITED_BOTH: f64 = 0.55;
/// An excerpt carries a fifth of its source, or a fifth of it comes from
/// the source, and at least this many shingles (a shared sentence or two is
/// a quotation, not an excerpt).
const EXCERPT_SHARE: f64 = 0.2;
const EXCERPT_MIN_SHINGLES: usize = 25;

/// How the later of two texts relates to the earlier, by their overlap.
pub fn classify(earlier: &Doc, later: &Doc, ov: Overlap) -> Option<(Kind, f64, String)> {
    let (e_len, l_len) = (ov.a_len.max(1) as f64, ov.b_len.max(1) as f64);
    let from_source = ov.shared as f64 / l_len;
    let of_source = ov.shared as f64 / e_len;
    let pct = |x: f64| (x * 100.0).round();
    let j = ov.jaccard();
    if j >= DUPLICATE_JACCARD {
        return Some((Kind::Duplicate, j, format!("{}% of the text is the same", pct(j))));
    }
    if earlier.site == later.site && ov.containment() >= UPDATE_CONTAINMENT {
        return Some((
            Kind::Update,
            j,
            format!("same site; {}% of the text is the same", pct(j)),
        ));
    }
    let copy = from_source >= COPY_FROM_SOURCE && of_source >= COPY_OF_SOURCE
        || from_source >= EDITED_BOTH && of_source >= EDITED_BOTH;
    if copy {
        return Some((
            Kind::Copy,
            from_source,
            format!(
                "{}% of its text is the earlier one's, {}% of which it carries",
                pct(from_source),
                pct(of_source)
            ),
        ));
    }
    if ov.shared >= EXCERPT_MIN_SHINGLES && (of_source >= EXCERPT_SHARE || from_source >= EXCERPT_SHARE) {
        return Some((
            Kind::Excerpt,
            of_source.max(from_source),
            format!(
                "carries {}% of the earlier text among {}% other material",
                pct(of_source),
                pct(1.0 - from_source)
            ),
        ));
    }
    None
}

/// The site an article belongs to: its URL's host without "www.", with the
/// port when there is one (two servers on one machine are two sites).
pub fn site_of(url: &str) -> String {
    let Ok(u) = url::Url::parse(url.trim()) else {
        return String::new();
    };
    let host = u
        .host_str()
        .unwrap_or("")
        .trim_start_matches("www.")
        .to_ascii_lowercase();
    match u.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// A URL reduced to what names a page: its
/// [`canonical_url`](tracewire_extract::canonical_url::canonical_url) (no
/// fragment, default port or tracking parameters), then without the scheme,
/// "www." or a trailing slash. A string that is not an http(s) URL is only
/// trimmed and lowercased.
pub fn url_key(url: &str) -> String {
    let Ok(u) = tracewire_extract::canonical_url::canonical_url(url) else {
        return url.trim().trim_end_matches('/').to_ascii_lowercase();
    };
    let host = u.host_str().unwrap_or("").trim_start_matches("www.");
    let rest = &u[url::Position::BeforePath..];
    format!("{host}{}", rest.trim_end_matches('/'))
}

/// A document as the corpus keeps it.
#[derive(Debug)]
struct Entry {
    doc: Doc,
    shingles: Vec<u64>,
    /// Arrival order, the time of last resort.
    seen: usize,
}

/// Documents seen so far, indexed by fingerprint keys and URL.
#[derive(Debug, Default)]
pub struct Corpus {
    entries: Vec<Entry>,
    by_id: FxHashMap<i64, usize>,
    by_url: FxHashMap<String, usize>,
    /// Documents by the URL they name as their source.
    naming: FxHashMap<String, Vec<usize>>,
    keys: FxHashMap<u64, Vec<usize>>,
    furniture: Furniture,
}

/// Whether a candidate sharing this many band keys and containment
/// anchors with a document is worth verifying: one band, or two anchors.
pub fn worth_verifying(bands: usize, anchors: usize) -> bool {
    bands >= 1 || anchors >= 2
}

/// The relation between two documents, if any, verified on their exact
/// shingle sets; `a_first` says which came first.
pub fn relation(a: (&Doc, &[u64]), b: (&Doc, &[u64]), a_first: bool) -> Option<Relation> {
    let ((earlier, e_sh), (later, l_sh)) = if a_first { (a, b) } else { (b, a) };
    let (kind, score, evidence) = classify(earlier, later, fingerprint::overlap(e_sh, l_sh))?;
    Some(Relation {
        from: earlier.id,
        to: later.id,
        kind,
        score,
        evidence,
    })
}

impl Corpus {
    pub fn new() -> Corpus {
        Corpus::default()
    }

    /// A corpus that already knows each site's furniture, learnt from
    /// `docs` (an offline collection is read twice: once to learn, once to
    /// relate).
    pub fn learning_from<'a>(docs: impl IntoIterator<Item = &'a Doc>) -> Corpus {
        let mut corpus = Corpus::default();
        let docs: Vec<&Doc> = docs.into_iter().collect();
        for d in &docs {
            corpus.furniture.learn_site(&d.site, &d.text);
        }
        for d in &docs {
            corpus.furniture.learn_edges(&d.site, &d.text);
        }
        corpus
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The shingles of a document's own text, its site's furniture left out.
    pub fn shingles_of(&self, doc: &Doc) -> Vec<u64> {
        fingerprint::shingles(&self.furniture.strip(&doc.site, &doc.text))
    }

    /// Adds a document and returns its relations to the documents before it.
    pub fn add(&mut self, doc: Doc) -> Vec<Relation> {
        self.furniture.learn(&doc.site, &doc.text);
        let shingles = self.shingles_of(&doc);
        let keys = fingerprint::lookup_keys(&shingles);
        let mut hits: FxHashMap<usize, (usize, usize)> = FxHashMap::default();
        for k in &keys {
            let band = fingerprint::is_band_key(*k);
            for &i in self.keys.get(k).map(Vec::as_slice).unwrap_or(&[]) {
                let h = hits.entry(i).or_default();
                if band {
                    h.0 += 1;
                } else {
                    h.1 += 1;
                }
            }
        }
        let seen = self.entries.len();
        let mut relations = Vec::new();
        let mut candidates: Vec<usize> = hits
            .into_iter()
            .filter(|(_, (bands, anchors))| worth_verifying(*bands, *anchors))
            .map(|(i, _)| i)
            .collect();
        candidates.sort_unstable();
        for i in candidates {
            let other = &self.entries[i];
            if other.doc.id == doc.id {
                continue;
            }
            relations.extend(relation(
                (&other.doc, &other.shingles),
                (&doc, &shingles),
                precedes(other, &doc, seen),
            ));
        }
        // Attribution both ways: this one names an earlier page, or an
        // earlier page named this one's URL.
        if let Some(src) = doc.source_url.as_deref().map(url_key)
            && let Some(&i) = self.by_url.get(&src)
            && self.entries[i].doc.id != doc.id
        {
            let source = &self.entries[i].doc;
            relations.push(attribution(source.id, &source.url, doc.id));
        }
        let own = url_key(&doc.url);
        for &i in self.naming.get(&own).map(Vec::as_slice).unwrap_or(&[]) {
            if self.entries[i].doc.id != doc.id {
                relations.push(attribution(doc.id, &doc.url, self.entries[i].doc.id));
            }
        }
        let index = self.entries.len();
        for k in keys {
            self.keys.entry(k).or_default().push(index);
        }
        self.by_id.insert(doc.id, index);
        self.by_url.entry(own).or_insert(index);
        if let Some(src) = doc.source_url.as_deref().map(url_key) {
            self.naming.entry(src).or_default().push(index);
        }
        self.entries.push(Entry { doc, shingles, seen });
        relations
    }

    pub fn get(&self, id: i64) -> Option<&Doc> {
        self.by_id.get(&id).map(|&i| &self.entries[i].doc)
    }

    /// Publication order: by published time where both have one, else by
    /// arrival.
    fn order_key(&self, id: i64) -> (i64, usize) {
        let e = &self.entries[self.by_id[&id]];
        (e.doc.published.unwrap_or(i64::MAX), e.seen)
    }
}

/// Whether `a` (already in the corpus) came before `b` (arriving as number
/// `b_seen`).
fn precedes(a: &Entry, b: &Doc, b_seen: usize) -> bool {
    match (a.doc.published, b.published) {
        (Some(x), Some(y)) if x != y => x < y,
        _ => a.seen < b_seen,
    }
}

/// The relation of a copy naming `source_url` (the page of article
/// `source`) as its source.
pub fn attribution(source: i64, source_url: &str, copy: i64) -> Relation {
    Relation {
        from: source,
        to: copy,
        kind: Kind::Attributes,
        score: 1.0,
        evidence: format!("names {source_url} as its source"),
    }
}

/// Where an article's story started, and where this copy took it from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    pub id: i64,
    /// The story's first publication (the article itself for an original).
    pub origin: i64,
    /// The article this one was copied from; `None` for the origin.
    pub source: Option<i64>,
}

/// Origins and immediate sources for every article in a set of copies.
///
/// Copies are grouped by their copying relations. A group's origin is what
/// its members attribute to when that came first, else its earliest
/// publication. A copy's immediate source is what it attributes to, else the
/// earlier member it shares most of its text with (a copy of a copy carries
/// its source's edits), nearest in time on a tie.
pub fn lineages(corpus: &Corpus, relations: &[Relation]) -> Vec<Lineage> {
    lineages_ordered(relations, &|id| {
        let (time, seen) = corpus.order_key(id);
        (time, seen as i64)
    })
}

/// [`lineages`] with publication order given by `order` (smaller is
/// earlier): for articles kept elsewhere, such as a database.
pub fn lineages_ordered(relations: &[Relation], order: &dyn Fn(i64) -> (i64, i64)) -> Vec<Lineage> {
    let mut groups = UnionFind::default();
    for r in relations.iter().filter(|r| r.kind.is_copying()) {
        groups.union(r.from, r.to);
    }
    for r in relations.iter().filter(|r| r.kind == Kind::Attributes) {
        groups.union(r.from, r.to);
    }
    let mut members: FxHashMap<i64, Vec<i64>> = FxHashMap::default();
    for id in groups.ids() {
        members.entry(groups.find(id)).or_default().push(id);
    }
    let attributed: FxHashMap<i64, i64> = relations
        .iter()
        .filter(|r| r.kind == Kind::Attributes)
        .map(|r| (r.to, r.from))
        .collect();
    let mut incoming: FxHashMap<i64, Vec<&Relation>> = FxHashMap::default();
    for r in relations.iter().filter(|r| r.kind.is_copying()) {
        incoming.entry(r.to).or_default().push(r);
    }
    let mut out = Vec::new();
    for (_, mut ids) in members {
        ids.sort_by_key(|&id| order(id));
        // Follow attributions back from the earliest: a chain ends where no
        // one is named, and that is the origin if it came first.
        let earliest = ids[0];
        let mut origin = earliest;
        let mut steps = 0;
        while let Some(&src) = attributed.get(&origin) {
            if steps > ids.len() || order(src) > order(earliest) && src != earliest {
                break;
            }
            origin = src;
            steps += 1;
        }
        for &id in &ids {
            if id == origin {
                out.push(Lineage {
                    id,
                    origin,
                    source: None,
                });
                continue;
            }
            let source = attributed
                .get(&id)
                .copied()
                .filter(|s| ids.contains(s))
                .or_else(|| best_source(order, incoming.get(&id).map(Vec::as_slice).unwrap_or(&[]), id));
            out.push(Lineage {
                id,
                origin,
                source: source.or(Some(origin)),
            });
        }
    }
    out.sort_by_key(|l| l.id);
    out
}

/// The earlier article `id` shares most of its text with, of those whose
/// copying relations lead to it (`incoming`).
fn best_source(order: &dyn Fn(i64) -> (i64, i64), incoming: &[&Relation], id: i64) -> Option<i64> {
    let me = order(id);
    incoming
        .iter()
        .filter(|r| order(r.from) < me)
        .max_by(|a, b| a.score.total_cmp(&b.score).then(order(a.from).cmp(&order(b.from))))
        .map(|r| r.from)
}

#[derive(Default)]
struct UnionFind {
    parent: FxHashMap<i64, i64>,
}

impl UnionFind {
    /// The root of `x`'s group, compressing the path (a loop, not
    /// recursion: a long chain of copies must not overflow the stack).
    fn find(&mut self, x: i64) -> i64 {
        let mut root = *self.parent.entry(x).or_insert(x);
        while let Some(&p) = self.parent.get(&root).filter(|&&p| p != root) {
            root = p;
        }
        let mut at = x;
        while at != root {
            let next = self.parent[&at];
            self.parent.insert(at, root);
            at = next;
        }
        root
    }

    fn union(&mut self, a: i64, b: i64) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent.insert(ra.max(rb), ra.min(rb));
        }
    }

    fn ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.parent.keys().copied().collect();
        ids.sort_unstable();
        ids
    }
}

#[cfg(test)]
mod tests;
