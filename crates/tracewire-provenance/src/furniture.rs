//! A site's furniture: paragraphs it repeats under many of its articles
//! (a disclaimer, a newsletter pitch, an author bio). They are the site's,
//! not the story's, so they must not make two of its posts look alike.

use rustc_hash::{FxHashMap, FxHashSet};
use tracewire_similar::fingerprint;

/// A paragraph seen in this many of a site's articles is furniture.
const MIN_ARTICLES: u32 = 3;
/// Paragraphs shorter than this (in words) are left alone: a repeated
/// "Share" line carries no shingles worth discounting, and short quotes
/// recur legitimately.
const MIN_WORDS: usize = 6;

/// Per site, how many articles each paragraph appeared in.
#[derive(Debug, Default)]
pub struct Furniture {
    counts: FxHashMap<String, FxHashMap<u64, u32>>,
}

/// A paragraph's identity: its words, case and punctuation folded.
fn paragraph_key(p: &str) -> Option<u64> {
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

impl Furniture {
    /// Counts an article's paragraphs for its site. An article of four
    /// paragraphs or more, most of which the site has already shown, is a
    /// version or a repost of a story it has: its paragraphs are the
    /// story's, not furniture, and are not counted again (else a story
    /// updated three times would be). A brief of a few lines is counted
    /// whatever it repeats: there the furniture can be most of the text.
    pub fn learn(&mut self, site: &str, text: &str) {
        let keys: FxHashSet<u64> = paragraphs(text).filter_map(paragraph_key).collect();
        if keys.is_empty() {
            return;
        }
        let counts = self.counts.entry(site.to_string()).or_default();
        let known = keys.iter().filter(|k| counts.contains_key(k)).count();
        if keys.len() >= 4 && known * 2 > keys.len() {
            return;
        }
        for k in keys {
            *counts.entry(k).or_default() += 1;
        }
    }

    /// Whether a paragraph is furniture of `site`.
    pub fn is_furniture(&self, site: &str, paragraph: &str) -> bool {
        let Some(counts) = self.counts.get(site) else {
            return false;
        };
        paragraph_key(paragraph).is_some_and(|k| counts.get(&k).is_some_and(|&n| n >= MIN_ARTICLES))
    }

    /// The text without its site's furniture, paragraphs joined by newlines.
    pub fn strip(&self, site: &str, text: &str) -> String {
        if !self.counts.contains_key(site) {
            return text.to_string();
        }
        let kept: Vec<&str> = paragraphs(text).filter(|p| !self.is_furniture(site, p)).collect();
        kept.join("\n")
    }
}
