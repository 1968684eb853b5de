//! Whether two write-ups report one event: the people and organizations
//! they name, and their words.
//!
//! Copies are provenance's business; this is for different write-ups of
//! one event, which share few sentences but name the same people, the same
//! organizations and places, in days of each other, with the same key
//! words. A score mixes the names two articles share (weighted Jaccard:
//! people and organizations count twice, places once, as "Syria" or
//! "United States" alone join little) with their TF-IDF cosine.

use tracewire_model::{ArticleId, ArticleText};

use crate::related;

/// An article as story grouping sees it: its text and its canonical names
/// with their kinds ("PER", "ORG", "LOC").
#[derive(Debug, Clone)]
pub struct StoryDoc {
    pub text: ArticleText,
    pub names: Vec<(String, String)>,
}

/// Score from which an article joins a story.
pub const JOIN_SCORE: f64 = 0.3;
/// Names (people and organizations) two articles must share at least.
pub const MIN_SHARED_NAMES: usize = 2;

fn weight(kind: &str) -> f64 {
    if kind == "LOC" { 1.0 } else { 2.0 }
}

/// Weighted Jaccard of two name sets, and how many people and
/// organizations they share.
pub fn names_overlap(a: &[(String, String)], b: &[(String, String)]) -> (f64, usize) {
    let (mut shared, mut union, mut key_shared) = (0.0, 0.0, 0);
    for n in a {
        union += weight(&n.1);
        if b.contains(n) {
            shared += weight(&n.1);
            if n.1 != "LOC" {
                key_shared += 1;
            }
        }
    }
    for n in b {
        if !a.contains(n) {
            union += weight(&n.1);
        }
    }
    if union == 0.0 {
        return (0.0, 0);
    }
    (shared / union, key_shared)
}

/// Each candidate's score against `target` (0..1), in candidate order;
/// 0 for one sharing fewer than [`MIN_SHARED_NAMES`] people and
/// organizations.
pub fn story_scores(target: &StoryDoc, candidates: &[StoryDoc]) -> Vec<f64> {
    let texts: Vec<ArticleText> = candidates.iter().map(|c| c.text.clone()).collect();
    let cosine = related(&target.text, &texts, texts.len(), 0.0);
    let cosine_of = |id: ArticleId| cosine.iter().find(|r| r.id == id).map_or(0.0, |r| r.score);
    let mut names = target.names.clone();
    names.sort();
    names.dedup();
    candidates
        .iter()
        .map(|c| {
            let (jaccard, key_shared) = names_overlap(&names, &c.names);
            if key_shared < MIN_SHARED_NAMES {
                return 0.0;
            }
            0.5 * jaccard + 0.5 * cosine_of(c.text.id)
        })
        .collect()
}

/// The best candidate to join, if any reaches [`JOIN_SCORE`]: its index
/// and score.
pub fn best_story_match(target: &StoryDoc, candidates: &[StoryDoc]) -> Option<(usize, f64)> {
    story_scores(target, candidates)
        .into_iter()
        .enumerate()
        .filter(|(_, s)| *s >= JOIN_SCORE)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: i64, title: &str, text: &str, names: &[(&str, &str)]) -> StoryDoc {
        StoryDoc {
            text: ArticleText {
                id,
                title: title.into(),
                url: format!("https://x.example/{id}"),
                text: text.into(),
            },
            names: names.iter().map(|(n, k)| (n.to_string(), k.to_string())).collect(),
        }
    }

    /// Two agencies' write-ups of one announcement share names and key
    /// words but hardly a sentence; a story about another event that names
    /// one of the same people does not join.
    #[test]
    fn write_ups_of_one_event_join_and_others_do_not() {
        let reuters = doc(
            1,
            "Russia may send troops to fight in Syria, Kremlin says",
            "Russia would consider sending combat troops to Syria if President Bashar al-Assad asked, \
             Kremlin spokesman Dmitry Peskov told reporters on Friday. Moscow has supplied weapons and \
             advisers to Damascus. Peskov said any request would be discussed in bilateral contacts.",
            &[
                ("Russia", "LOC"),
                ("Syria", "LOC"),
                ("Bashar al-Assad", "PER"),
                ("Kremlin", "ORG"),
                ("Dmitry Peskov", "PER"),
                ("Moscow", "LOC"),
                ("Damascus", "LOC"),
            ],
        );
        let bloomberg = doc(
            2,
            "Kremlin open to combat deployment in Syria if Assad requests troops",
            "The Kremlin said it is willing to consider a request for Russian combat troops from the \
             government of Bashar al-Assad. Dmitry Peskov, spokesman for President Vladimir Putin, said a \
             request would be discussed. The U.S. has accused Russia of sending tanks and artillery to Syria.",
            &[
                ("Kremlin", "ORG"),
                ("Bashar al-Assad", "PER"),
                ("Dmitry Peskov", "PER"),
                ("Vladimir Putin", "PER"),
                ("United States", "LOC"),
                ("Russia", "LOC"),
                ("Syria", "LOC"),
            ],
        );
        let other = doc(
            3,
            "Putin opens new bridge to Crimea",
            "Vladimir Putin drove a truck across the new bridge linking Russia to Crimea on Tuesday, \
             state television showed. The Kremlin called the bridge a historic achievement for builders.",
            &[
                ("Vladimir Putin", "PER"),
                ("Russia", "LOC"),
                ("Crimea", "LOC"),
                ("Kremlin", "ORG"),
            ],
        );
        let weather = doc(
            4,
            "Storm warning for the coast",
            "Heavy rain is expected in Syria and Russia, forecasters said.",
            &[("Syria", "LOC"), ("Russia", "LOC")],
        );
        let scores = story_scores(&bloomberg, &[reuters.clone(), other.clone(), weather.clone()]);
        assert!(scores[0] >= JOIN_SCORE, "{scores:?}");
        assert!(scores[1] < JOIN_SCORE, "{scores:?}");
        assert_eq!(scores[2], 0.0, "places alone join nothing");
        assert_eq!(
            best_story_match(&bloomberg, &[other.clone(), reuters]).map(|m| m.0),
            Some(1)
        );
        assert_eq!(best_story_match(&bloomberg, &[other, weather]), None);
        assert_eq!(best_story_match(&bloomberg, &[]), None);
    }

    #[test]
    fn names_overlap_weighs_places_less() {
        let a = vec![
            ("A".to_string(), "PER".to_string()),
            ("X".to_string(), "LOC".to_string()),
        ];
        let b = vec![
            ("A".to_string(), "PER".to_string()),
            ("Y".to_string(), "LOC".to_string()),
        ];
        let (j, key) = names_overlap(&a, &b);
        assert_eq!(key, 1);
        assert!((j - 0.5).abs() < 1e-9, "{j}");
        assert_eq!(names_overlap(&[], &[]), (0.0, 0));
    }
}
