//! The article-extraction benchmark's metric (scrapinghub
//! article-extraction-benchmark): 4-token shingles over `\w+` tokens,
//! multiset precision and recall per page, averaged over pages, F1 of the
//! averages; accuracy is the share of pages whose tokens match exactly.
//! Checked against `shared/tools/extraction_score.py`.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

static WORD: LazyLock<Regex> = LazyLock::new(|| crate::dom::re(r"\w+"));

const N: usize = 4;

/// Scores of a set of predictions against the truth.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Scores {
    pub f1: f64,
    pub precision: f64,
    pub recall: f64,
    pub accuracy: f64,
    pub pages: usize,
}

fn tokens(text: &str) -> Vec<&str> {
    WORD.find_iter(text).map(|m| m.as_str()).collect()
}

fn shingles<'a>(toks: &[&'a str]) -> HashMap<Vec<&'a str>, usize> {
    let mut counts = HashMap::new();
    if toks.is_empty() {
        return counts;
    }
    if toks.len() < N {
        counts.insert(toks.to_vec(), 1);
        return counts;
    }
    for w in toks.windows(N) {
        *counts.entry(w.to_vec()).or_insert(0) += 1;
    }
    counts
}

/// (tp, fp, fn) of one page, normalized to sum to 1 (all 0 when both are empty).
pub fn page_counts(truth: &str, pred: &str) -> (f64, f64, f64) {
    let (tt, pt) = (tokens(truth), tokens(pred));
    let (t, p) = (shingles(&tt), shingles(&pt));
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    for (k, &a) in &t {
        let b = p.get(k).copied().unwrap_or(0);
        tp += a.min(b);
        fneg += a.saturating_sub(b);
    }
    for (k, &b) in &p {
        let a = t.get(k).copied().unwrap_or(0);
        fp += b.saturating_sub(a);
    }
    let s = (tp + fp + fneg) as f64;
    if s == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    (tp as f64 / s, fp as f64 / s, fneg as f64 / s)
}

/// Scores `(truth, prediction)` pairs, one per page.
pub fn score<'a>(pages: impl IntoIterator<Item = (&'a str, &'a str)>) -> Scores {
    let (mut ps, mut rs, mut exact, mut n) = (Vec::new(), Vec::new(), 0usize, 0usize);
    for (truth, pred) in pages {
        n += 1;
        let (tp, fp, fneg) = page_counts(truth, pred);
        let perfect = fp == 0.0 && fneg == 0.0;
        if tp + fp > 0.0 {
            ps.push(if perfect { 1.0 } else { tp / (tp + fp) });
        }
        if tp + fneg > 0.0 {
            rs.push(if perfect { 1.0 } else { tp / (tp + fneg) });
        }
        if tokens(truth) == tokens(pred) {
            exact += 1;
        }
    }
    let mean = |xs: &[f64]| {
        if xs.is_empty() {
            0.0
        } else {
            xs.iter().sum::<f64>() / xs.len() as f64
        }
    };
    let (precision, recall) = (mean(&ps), mean(&rs));
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Scores {
        f1,
        precision,
        recall,
        accuracy: if n == 0 { 0.0 } else { exact as f64 / n as f64 },
        pages: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_partial_and_empty() {
        let truth = "one two three four five six";
        assert_eq!(score([(truth, truth)]).f1, 1.0);
        let half = score([(truth, "one two three four")]);
        assert!(
            (half.precision - 1.0).abs() < 1e-9 && (half.recall - 1.0 / 3.0).abs() < 1e-9,
            "{half:?}"
        );
        let empty = score([(truth, "")]);
        assert_eq!((empty.precision, empty.recall), (0.0, 0.0));
        // Short texts are one shingle.
        assert_eq!(score([("a b", "a b")]).accuracy, 1.0);
    }
}

/// Folds case, whitespace, quotes and dashes, for comparing titles and names.
pub fn fold(s: &str) -> String {
    // "--" is how a typewriter writes a dash.
    let mapped: String = s
        .replace("--", "—")
        .chars()
        .map(|c| match c {
            '‘' | '’' | '‚' | '′' | '`' | '´' => '\'',
            '“' | '”' | '„' | '″' | '«' | '»' => '"',
            '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => '-',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The extraction issue's title rule: equal once folded, the headline
/// without a "| Site" suffix (some ground-truth titles carry one; a
/// prediction that carries one is still wrong).
pub fn title_matches(truth: &str, predicted: &str) -> bool {
    let (t, p) = (fold(truth), fold(predicted));
    if t == p {
        return true;
    }
    t.rsplit_once(" | ")
        .is_some_and(|(head, site)| site.split_whitespace().count() <= 4 && head.trim() == p)
}

/// The author rule: equal, or one contains the other, once folded.
pub fn author_matches(truth: &str, predicted: &str) -> bool {
    let (t, p) = (fold(truth), fold(predicted));
    !t.is_empty() && !p.is_empty() && (t.contains(&p) || p.contains(&t))
}

/// The date rule: the same calendar day (the first ten characters of ISO dates).
pub fn date_matches(truth: &str, predicted: &str) -> bool {
    let day = |s: &str| s.trim().get(..10).map(str::to_string);
    day(truth).is_some() && day(truth) == day(predicted)
}

#[cfg(test)]
mod metadata_tests {
    use super::*;

    #[test]
    fn folding_rules() {
        assert!(title_matches(
            "Biden’s “Plan” — Explained",
            "biden's \"plan\" - explained"
        ));
        assert!(!title_matches("Plan explained", "Plan explained | Site"));
        assert!(title_matches("Plan explained | Site", "Plan explained"));
        assert!(!title_matches("Plan explained | Site", "Plan"));
        assert!(title_matches("Brains--Simple Cells", "Brains—Simple Cells"));
        assert!(author_matches("Dylan Bailey, MS, RD", "Dylan Bailey"));
        assert!(!author_matches("Dylan Bailey", ""));
        assert!(date_matches("2025-09-04", "2025-09-04T10:00:00+00:00"));
        assert!(!date_matches("2025-09-04", "2025-09-05T00:10:00+00:00"));
    }
}
