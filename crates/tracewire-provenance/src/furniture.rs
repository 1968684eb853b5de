//! A site's furniture: paragraphs it repeats under many of its articles
//! (a disclaimer, a newsletter pitch, an author bio). They are the site's,
//! not the story's, so they must not make two of its posts look alike.
//!
//! Some furniture is shared by many sites: a wire service's copyright
//! notice under every story it sells, a network's newsletter pitch, the
//! "About the company" paragraph that ends every press release of one
//! company, a partner's standing note at the top. A site may show such a
//! block once or twice, too few to learn it as the site's own; what gives it
//! away is where it sits: at the edge (the top or the foot) of articles that
//! have nothing else in common. A story's own paragraphs sit next to the
//! same neighbours in every copy, and an excerpt sets them among other
//! material, not at the edge of it.

use rustc_hash::{FxHashMap, FxHashSet};
use tracewire_similar::fingerprint;

/// A paragraph seen in this many of a site's articles is furniture.
pub const MIN_ARTICLES: u32 = 3;
/// Paragraphs shorter than this (in words) are left alone: a repeated
/// "Share" line carries no shingles worth discounting, and short quotes
/// recur legitimately.
const MIN_WORDS: usize = 6;

/// Runs of up to this many paragraphs at an article's edge are looked at
/// (a foot often stacks a notice, a pitch and a bio).
const MAX_EDGE_RUN: usize = 3;
/// A neighbour shorter than this (in words) tells nothing.
const MIN_NEIGHBOUR_WORDS: usize = 12;

/// Per site, how many articles each paragraph appeared in; and furniture
/// shared across sites.
#[derive(Debug, Default)]
pub struct Furniture {
    counts: FxHashMap<String, FxHashMap<u64, u32>>,
    /// Per run of paragraphs found at an article's edge, the distinct
    /// neighbours it was found beside (up to [`MIN_ARTICLES`]).
    edges: FxHashMap<u64, Vec<Context>>,
    /// Paragraphs found at the edge of [`MIN_ARTICLES`] unrelated articles:
    /// furniture on every site.
    shared: FxHashSet<u64>,
}

/// A paragraph's likeness, to tell whether two neighbours of an edge run
/// are one text (perhaps lightly edited, as in an edited copy) or two: two
/// minima of its word-pair hashes. Two versions of one paragraph agree on
/// at least one with the probability their word pairs do, unrelated
/// paragraphs almost never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context(pub u64, pub u64);

impl Context {
    pub fn of(paragraph: &str) -> Context {
        let words = fingerprint::word_hashes(paragraph);
        let mut c = Context(u64::MAX, u64::MAX);
        for pair in words.windows(2) {
            let h = fingerprint::mix(pair[0].rotate_left(17) ^ pair[1]);
            c.0 = c.0.min(fingerprint::mix(h ^ 0x5851_f42d_4c95_7f2d));
            c.1 = c.1.min(fingerprint::mix(h ^ 0x1405_7b7e_f767_814f));
        }
        c
    }

    /// Whether two neighbours are unrelated texts.
    pub fn differs(self, other: Context) -> bool {
        self.0 != other.0 && self.1 != other.1
    }
}

/// A run of paragraphs at an article's top or foot, and the paragraph next
/// to it on the article's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeRun {
    /// The run's identity: its paragraph keys, and which edge.
    pub run: u64,
    /// Its paragraphs' keys.
    pub keys: Vec<u64>,
    pub neighbour: Context,
}

/// The runs of one to three paragraphs at the top and at the foot of a
/// text, each with its neighbour, leaving out the paragraphs `skip` says
/// are known furniture (so a block under a site's own furniture is still
/// at the foot). Only runs under two thirds of the text count: a block of
/// furniture may be as long as a brief's story, but a trimmed copy's whole
/// story, followed by whatever its site puts under it, is most of the copy.
/// Nor do neighbours of a few words (an attribution line, a sign-off): too
/// thin to tell two articles apart.
pub fn edge_runs(text: &str, skip: impl Fn(u64) -> bool) -> Vec<EdgeRun> {
    let body: Vec<(u64, &str, usize)> = paragraphs(text)
        .filter_map(|p| paragraph_key(p).map(|k| (k, p, p.split_whitespace().count())))
        .filter(|(k, _, _)| !skip(*k))
        .collect();
    let n = body.len();
    let total: usize = body.iter().map(|p| p.2).sum();
    let mut runs = Vec::new();
    for len in 1..=MAX_EDGE_RUN.min(n.saturating_sub(1)) {
        for (side, run, neighbour) in [
            (1u64, &body[..len], body[len].1),
            (2u64, &body[n - len..], body[n - len - 1].1),
        ] {
            let words: usize = run.iter().map(|p| p.2).sum();
            if words * 3 >= total * 2 || neighbour.split_whitespace().count() < MIN_NEIGHBOUR_WORDS {
                continue;
            }
            let keys: Vec<u64> = run.iter().map(|p| p.0).collect();
            let id = keys.iter().fold(fingerprint::mix(side), |acc, &k| {
                fingerprint::mix(acc.rotate_left(23) ^ k)
            });
            runs.push(EdgeRun {
                run: id,
                keys,
                neighbour: Context::of(neighbour),
            });
        }
    }
    runs
}

/// Whether a run found beside these distinct neighbours is furniture: it
/// ends or opens [`MIN_ARTICLES`] articles that share nothing around it.
pub fn is_shared_furniture(neighbours: &[Context]) -> bool {
    neighbours.len() >= MIN_ARTICLES as usize
}

/// A paragraph's identity: its words, case and punctuation folded; none
/// for a paragraph too short to count.
pub fn paragraph_key(p: &str) -> Option<u64> {
    let words = fingerprint::word_hashes(p);
    (words.len() >= MIN_WORDS).then(|| {
        words.iter().fold(0x243f_6a88_85a3_08d3_u64, |acc, &w| {
            fingerprint::mix(acc.rotate_left(29) ^ w)
        })
    })
}

fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(str::trim).filter(|p| !p.is_empty())
}

/// The distinct keys of a text's paragraphs, in order.
pub fn paragraph_keys(text: &str) -> Vec<u64> {
    let mut seen = FxHashSet::default();
    paragraphs(text)
        .filter_map(paragraph_key)
        .filter(|k| seen.insert(*k))
        .collect()
}

/// Whether an article's paragraphs count toward its site's furniture, given
/// how many of its `keys` paragraphs the site has shown before (`known`).
/// An article of four paragraphs or more, most of which the site has
/// already shown, is a version or a repost of a story it has: its
/// paragraphs are the story's, not furniture, and are not counted again
/// (else a story updated three times would be). A brief of a few lines is
/// counted whatever it repeats: there the furniture can be most of the text.
pub fn counts_toward_furniture(keys: usize, known: usize) -> bool {
    keys > 0 && !(keys >= 4 && known * 2 > keys)
}

/// The text without the paragraphs `is_furniture` says are furniture,
/// paragraphs joined by newlines.
pub fn strip_with(text: &str, is_furniture: impl Fn(u64) -> bool) -> String {
    let kept: Vec<&str> = paragraphs(text)
        .filter(|p| !paragraph_key(p).is_some_and(&is_furniture))
        .collect();
    kept.join("\n")
}

impl Furniture {
    /// Counts an article's paragraphs for its site, unless
    /// [`counts_toward_furniture`] says they are a known story's.
    /// Then learns the runs at its edges (see [`edge_runs`]).
    pub fn learn(&mut self, site: &str, text: &str) {
        self.learn_site(site, text);
        self.learn_edges(site, text);
    }

    /// Counts an article's paragraphs for its site (the first half of
    /// [`Furniture::learn`]; a collection at hand is better learnt site by
    /// site first, so its edges are read without the sites' furniture).
    pub fn learn_site(&mut self, site: &str, text: &str) {
        let keys = paragraph_keys(text);
        let counts = self.counts.entry(site.to_string()).or_default();
        let known = keys.iter().filter(|k| counts.contains_key(k)).count();
        if counts_toward_furniture(keys.len(), known) {
            for k in keys {
                *counts.entry(k).or_default() += 1;
            }
        }
    }

    /// Learns the runs at an article's edges, its site's furniture left
    /// out: a run found beside [`MIN_ARTICLES`] unrelated neighbours is
    /// furniture on every site.
    pub fn learn_edges(&mut self, site: &str, text: &str) {
        let runs = edge_runs(text, |k| self.is_furniture(site, k));
        for r in runs {
            let seen = self.edges.entry(r.run).or_default();
            if is_shared_furniture(seen) || !seen.iter().all(|c| c.differs(r.neighbour)) {
                continue;
            }
            seen.push(r.neighbour);
            if is_shared_furniture(seen) {
                self.shared.extend(r.keys);
            }
        }
    }

    /// Whether a paragraph key is furniture on `site`: shared by many
    /// sites, or seen in [`MIN_ARTICLES`] of the site's own articles.
    fn is_furniture(&self, site: &str, key: u64) -> bool {
        self.shared.contains(&key)
            || self
                .counts
                .get(site)
                .and_then(|c| c.get(&key))
                .is_some_and(|&n| n >= MIN_ARTICLES)
    }

    /// The text without its site's furniture, paragraphs joined by newlines.
    pub fn strip(&self, site: &str, text: &str) -> String {
        let counts = self.counts.get(site);
        if counts.is_none() && self.shared.is_empty() {
            return text.to_string();
        }
        strip_with(text, |k| self.is_furniture(site, k))
    }
}
