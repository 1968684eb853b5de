//! Who an article names as its source: "we detailed a Reuters report",
//! "Here's Bloomberg:", "Dmitry Peskov told reporters", "according to the
//! Associated Press", "the Israeli government said in an e-mailed
//! statement". The `cites` relation of provenance, read from the text.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// What kind of source a citation names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CiteKind {
    /// A news outlet or agency ("Reuters", "the Associated Press").
    Outlet,
    /// A named person or body speaking ("Dmitry Peskov", "the Israeli
    /// government").
    Speaker,
    /// Someone not named ("a spokesman told reporters").
    Unnamed,
}

impl CiteKind {
    /// The name it is stored and served under.
    pub fn as_str(self) -> &'static str {
        match self {
            CiteKind::Outlet => "outlet",
            CiteKind::Speaker => "speaker",
            CiteKind::Unnamed => "unnamed",
        }
    }
}

/// One source an article names, with the words that name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cite {
    pub who: String,
    pub kind: CiteKind,
    /// The phrase, as written.
    pub phrase: String,
}

/// News outlets and agencies, as written in running text. Their names are
/// how a citation of an outlet is told from one of a person.
const OUTLETS: &[&str] = &[
    "Reuters",
    "Bloomberg",
    "Associated Press",
    "AP",
    "AFP",
    "Agence France-Presse",
    "BBC",
    "CNN",
    "CNBC",
    "Fox News",
    "NBC News",
    "CBS News",
    "ABC News",
    "NPR",
    "New York Times",
    "Washington Post",
    "Wall Street Journal",
    "Financial Times",
    "Guardian",
    "Telegraph",
    "Politico",
    "Axios",
    "TASS",
    "RIA Novosti",
    "Interfax",
    "Xinhua",
    "Al Jazeera",
    "Sky News",
    "Kyodo",
    "Yonhap",
    "Haaretz",
    "Der Spiegel",
    "Le Monde",
    "ZeroHedge",
    "Zero Hedge",
];

/// A name: capitalized words (with initials, hyphens and apostrophes),
/// "of"/"de"/"al-" joins allowed inside.
const NAME: &str = r"(?:[A-Z][\w.'’-]*(?:\s+(?:of\s+|de\s+|al-)?[A-Z][\w.'’-]*){0,4})";

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file; a typo shows in every test.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad citation pattern {pattern}: {e}"))
}

static REPORT_OF: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?:a|an|the)\s+(?:new\s+|recent\s+|latest\s+)?(?P<who>{NAME})\s+(?:report|story|article|analysis|investigation|dispatch|interview)\b"
    ))
});
static HERES: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"\b[Hh]ere(?:'|’)?s\s+(?:the\s+)?(?P<who>{NAME})\s*:")));
static ACCORDING_TO: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"\b[Aa]ccording\s+to\s+(?:the\s+)?(?P<who>{NAME})")));
static TOLD: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:(?P<who>{NAME})|(?P<unnamed>\b(?:an?|one|the)\s+(?:\w+\s+)?(?:spokesman|spokeswoman|spokesperson|official|source|aide|diplomat)))\s+(?:told|informed)\s+(?:reporters|journalists|the\s+press|(?:the\s+)?{NAME})"
    ))
});
static STATEMENT: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?:\b[Tt]he\s+)?(?P<who>{NAME}(?:\s+(?:government|ministry|military|army|police|company|embassy|office|spokesman|spokeswoman))?)\s+(?:said|says)\s+in\s+(?:an?\s+)?(?:e-?mailed\s+|written\s+|joint\s+|brief\s+)?statement"
    ))
});
static OUTLET_SAID: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?P<who>{NAME})\s+(?:said|says|reported|reports|wrote|writes|noted|notes)\b"
    ))
});

/// Words that begin a sentence or a clause in capitals but name no one.
const NOT_NAMES: &[&str] = &[
    "The", "A", "An", "It", "This", "That", "He", "She", "They", "We", "I", "On", "In", "But", "And", "Now", "As",
    "While", "When", "If", "Of", "Here", "There",
];

/// The name with leading sentence words ("On Thursday evening, we …")
/// and a leading article removed; `None` if nothing is left.
fn clean_name(name: &str) -> Option<String> {
    let mut words: Vec<&str> = name.split_whitespace().collect();
    while words.first().is_some_and(|w| NOT_NAMES.contains(w)) {
        words.remove(0);
    }
    let n = words.join(" ");
    let n = n.trim_end_matches(['.', ',', '’', '\'']).to_string();
    (!n.is_empty()).then_some(n)
}

fn is_outlet(name: &str) -> bool {
    let n = name.trim_start_matches("The ");
    OUTLETS
        .iter()
        .any(|o| n == *o || n.starts_with(&format!("{o} ")) || n.ends_with(&format!(" {o}")))
}

/// Every source the text names, in order, each once.
pub fn citations(text: &str) -> Vec<Cite> {
    let mut found: Vec<(usize, Cite)> = Vec::new();
    let mut add = |at: usize, who: Option<String>, kind: CiteKind, phrase: &str| {
        let Some(who) = who else { return };
        let kind = if kind == CiteKind::Speaker && is_outlet(&who) {
            CiteKind::Outlet
        } else {
            kind
        };
        found.push((
            at,
            Cite {
                who,
                kind,
                phrase: phrase.trim().to_string(),
            },
        ));
    };
    // (pattern, whether only outlets count): "a Reuters report" and
    // "Reuters said" name a source only when the name is an outlet's.
    let patterns: [(&Regex, bool); 6] = [
        (&REPORT_OF, true),
        (&HERES, false),
        (&ACCORDING_TO, false),
        (&TOLD, false),
        (&STATEMENT, false),
        (&OUTLET_SAID, true),
    ];
    for (pattern, outlets_only) in patterns {
        for c in pattern.captures_iter(text) {
            let at = c.get(0).map_or(0, |m| m.start());
            if let Some(u) = c.name("unnamed") {
                add(at, Some(u.as_str().trim().to_string()), CiteKind::Unnamed, &c[0]);
                continue;
            }
            let who = c.name("who").map(|m| m.as_str()).and_then(clean_name);
            if !outlets_only || who.as_deref().is_some_and(is_outlet) {
                add(at, who, CiteKind::Speaker, &c[0]);
            }
        }
    }
    found.sort_by_key(|(at, _)| *at);
    let mut seen: Vec<String> = Vec::new();
    found
        .into_iter()
        .filter(|(_, c)| {
            let key = c.who.to_lowercase();
            let new = !seen.contains(&key);
            seen.push(key);
            new
        })
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(text: &str) -> Vec<(String, CiteKind)> {
        citations(text).into_iter().map(|c| (c.who, c.kind)).collect()
    }

    #[test]
    fn the_usual_ways_of_naming_a_source() {
        let s = |w: &str, k| (w.to_string(), k);
        assert_eq!(
            who("On Thursday evening, we detailed a Reuters report which suggested more."),
            [s("Reuters", CiteKind::Outlet)]
        );
        assert_eq!(
            who("It has begun. Here’s Bloomberg: Russia said it would."),
            [s("Bloomberg", CiteKind::Outlet)]
        );
        assert_eq!(
            who("The plan was dropped, according to the Associated Press."),
            [s("Associated Press", CiteKind::Outlet)]
        );
        assert_eq!(
            who("“It will be discussed,” Kremlin spokesman Dmitry Peskov told reporters on a call."),
            [s("Dmitry Peskov", CiteKind::Speaker)]
        );
        assert_eq!(
            who("Talks stalled, a spokesman told reporters."),
            [s("a spokesman", CiteKind::Unnamed)]
        );
        assert_eq!(
            who(
                "Netanyahu “will present the threats,” the Israeli government said in an e-mailed statement on Wednesday."
            ),
            [s("Israeli government", CiteKind::Speaker)]
        );
        assert_eq!(
            who("“Foreign Minister Walid al-Moualem said so,” Reuters said, before."),
            [s("Reuters", CiteKind::Outlet)]
        );
        // Someone saying something is a quote, not a citation of a source.
        assert!(who("The minister said the plan would work. He said it twice.").is_empty());
    }

    #[test]
    fn the_seed_article_cites_reuters_bloomberg_peskov_and_the_israeli_government() {
        let text = include_str!("../../tracewire-testkit/fixtures/seed/article.txt");
        let names: Vec<String> = citations(text).into_iter().map(|c| c.who).collect();
        for want in ["Reuters", "Bloomberg", "Dmitry Peskov", "Israeli government"] {
            assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
        }
    }
}
