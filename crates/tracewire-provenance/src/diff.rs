//! What a copy changed relative to its source, by paragraph.

use serde::{Deserialize, Serialize};
use tracewire_similar::fingerprint;

/// Paragraphs beyond this many on either side are compared as one block:
/// the alignment is quadratic.
const MAX_PARAGRAPHS: usize = 500;
/// An unmatched paragraph of the copy that shares this much of its shingles
/// with an unmatched one of the source is that paragraph, edited.
const EDITED: f64 = 0.5;

/// The paragraphs a copy added, removed and edited, relative to its source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParagraphDiff {
    /// Paragraphs the copy has word for word.
    pub kept: usize,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// (source paragraph, copy paragraph).
    pub edited: Vec<(String, String)>,
}

fn paragraphs(text: &str) -> Vec<&str> {
    let mut ps: Vec<&str> = text.split('\n').map(str::trim).filter(|p| !p.is_empty()).collect();
    if ps.len() > MAX_PARAGRAPHS {
        ps.truncate(MAX_PARAGRAPHS);
    }
    ps
}

/// Paragraph identity: the words, case and punctuation folded.
fn key(p: &str) -> Vec<u64> {
    fingerprint::word_hashes(p)
}

/// Aligns the paragraphs of `source` and `copy` (longest common
/// subsequence of equal paragraphs), then pairs what is left over that is
/// the same paragraph edited.
pub fn diff(source: &str, copy: &str) -> ParagraphDiff {
    let (a, b) = (paragraphs(source), paragraphs(copy));
    let (ka, kb): (Vec<Vec<u64>>, Vec<Vec<u64>>) =
        (a.iter().map(|p| key(p)).collect(), b.iter().map(|p| key(p)).collect());
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the longest common run of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if ka[i] == kb[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = ParagraphDiff::default();
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    while i < n || j < m {
        if i < n && j < m && ka[i] == kb[j] {
            out.kept += 1;
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push(j);
            j += 1;
        } else {
            removed.push(i);
            i += 1;
        }
    }
    // Pair edited paragraphs: each removed one with the added one sharing
    // most of its shingles, if enough.
    let shingles_a: Vec<Vec<u64>> = removed
        .iter()
        .map(|&i| fingerprint::shingles_of_words(&ka[i]))
        .collect();
    let shingles_b: Vec<Vec<u64>> = added.iter().map(|&j| fingerprint::shingles_of_words(&kb[j])).collect();
    let mut used = vec![false; added.len()];
    for (ri, &i) in removed.iter().enumerate() {
        let best = (0..added.len())
            .filter(|&k| !used[k])
            .map(|k| (k, fingerprint::overlap(&shingles_a[ri], &shingles_b[k]).containment()))
            .filter(|(_, c)| *c >= EDITED)
            .max_by(|x, y| x.1.total_cmp(&y.1));
        match best {
            Some((k, _)) => {
                used[k] = true;
                out.edited.push((a[i].to_string(), b[added[k]].to_string()));
            }
            None => out.removed.push(a[i].to_string()),
        }
    }
    for (k, &j) in added.iter().enumerate() {
        if !used[k] {
            out.added.push(b[j].to_string());
        }
    }
    out
}
