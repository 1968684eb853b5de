//! Text similarity between articles. Pure: texts in, scores out, no I/O.
//!
//! TF-IDF cosine over word tokens, for "related posts"; [`fingerprint`]
//! for near-duplicates (shingles, MinHash, LSH bands, containment).

pub mod fingerprint;
pub mod story;

use std::collections::HashMap;

use tracewire_model::{ArticleId, ArticleText};

/// English function words that carry no topic. Other languages simply keep
/// theirs; IDF weighs them down anyway.
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "that", "with", "was", "are", "has", "have", "had", "not", "but", "from", "this", "they",
    "his", "her", "its", "their", "which", "were", "been", "will", "would", "said", "says", "also", "who", "what",
    "when", "where", "there", "than", "then", "them", "into", "about", "after", "before", "over", "more", "most",
    "one", "two", "can", "could", "may", "might", "all", "any", "some", "our", "out", "she", "him", "you", "your",
    "these", "those", "such", "other", "only", "just", "being", "while", "because", "very", "its", "per",
];

/// Lowercased word tokens of at least three characters, stopwords removed.
pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit()))
}

/// Term counts of an article; title words count three times.
fn term_counts(doc: &ArticleText) -> HashMap<String, f64> {
    let mut counts: HashMap<String, f64> = HashMap::new();
    for t in tokens(&doc.title) {
        *counts.entry(t).or_default() += 3.0;
    }
    for t in tokens(&doc.text) {
        *counts.entry(t).or_default() += 1.0;
    }
    counts
}

/// A related article and how similar it is (cosine, 0..1).
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub id: ArticleId,
    pub score: f64,
}

/// The `k` candidates most similar to `target` by TF-IDF cosine, best
/// first, leaving out `target` itself and anything scoring below `min_score`.
pub fn related(target: &ArticleText, candidates: &[ArticleText], k: usize, min_score: f64) -> Vec<Related> {
    let docs: Vec<(ArticleId, HashMap<String, f64>)> = candidates
        .iter()
        .filter(|c| c.id != target.id)
        .map(|c| (c.id, term_counts(c)))
        .collect();
    let target_counts = term_counts(target);
    let n = (docs.len() + 1) as f64;
    let mut df: HashMap<&str, f64> = HashMap::new();
    for (_, counts) in &docs {
        for term in counts.keys() {
            *df.entry(term.as_str()).or_default() += 1.0;
        }
    }
    for term in target_counts.keys() {
        *df.entry(term.as_str()).or_default() += 1.0;
    }
    let weigh = |counts: &HashMap<String, f64>| -> (HashMap<String, f64>, f64) {
        let mut weights = HashMap::with_capacity(counts.len());
        let mut norm = 0.0;
        for (term, tf) in counts {
            let idf = (n / df.get(term.as_str()).copied().unwrap_or(1.0)).ln() + 1.0;
            let w = (1.0 + tf.ln()) * idf;
            norm += w * w;
            weights.insert(term.clone(), w);
        }
        (weights, norm.sqrt())
    };
    let (target_w, target_norm) = weigh(&target_counts);
    if target_norm == 0.0 {
        return Vec::new();
    }
    let mut scored: Vec<Related> = docs
        .iter()
        .filter_map(|(id, counts)| {
            let (w, norm) = weigh(counts);
            if norm == 0.0 {
                return None;
            }
            let dot: f64 = target_w.iter().filter_map(|(t, a)| w.get(t).map(|b| a * b)).sum();
            let score = dot / (target_norm * norm);
            (score >= min_score).then_some(Related { id: *id, score })
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    scored.truncate(k);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, title: &str, text: &str) -> ArticleText {
        ArticleText {
            id,
            title: title.into(),
            url: format!("https://x.example/{id}"),
            text: text.into(),
        }
    }

    #[test]
    fn the_same_topic_ranks_first() {
        let target = doc(
            1,
            "Russia may send troops to Syria",
            "The Kremlin said Russian troops could join combat in Syria if Assad asks.",
        );
        let candidates = vec![
            target.clone(),
            doc(
                2,
                "Stocks close lower in China",
                "Shanghai shares fell as investors weighed the economy.",
            ),
            doc(
                3,
                "Kremlin weighs Syria request",
                "Russian combat troops in Syria would be discussed, the Kremlin said.",
            ),
            doc(
                4,
                "Fed holds rates steady",
                "The Federal Reserve kept interest rates unchanged.",
            ),
        ];
        let r = related(&target, &candidates, 2, 0.05);
        assert_eq!(r.first().map(|r| r.id), Some(3));
        assert!(r.iter().all(|r| r.id != 1));
        assert!(r.iter().all(|r| r.score > 0.0 && r.score <= 1.0 + 1e-9));
    }

    #[test]
    fn nothing_in_common_means_nothing_related() {
        let target = doc(1, "Alpha", "zebra quagga okapi");
        let r = related(&target, &[doc(2, "Beta", "volcano magma basalt")], 5, 0.01);
        assert!(r.is_empty());
        assert!(related(&doc(3, "", ""), &[target], 5, 0.0).is_empty());
    }
}
