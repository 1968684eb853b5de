//! The search language, parsed once into a [`SearchQuery`] that the index
//! turns into a tantivy query.
//!
//! - `ceasefire talks`: articles with both words (whole words, any case);
//! - `"peace talks"`: the words in that order, next to each other;
//! - `elect*`: words starting with `elect`;
//! - `talks OR negotiations`: either (binds tighter than the implicit AND);
//! - `-rumour`, `-"opinion piece"`, `-site:example.com`: articles without it;
//! - fields: `title:`, `author:`, `speaker:`, `entity:` take a word, a
//!   prefix or a `"phrase"`; `site:bbc.co.uk` (the host, without `www.`)
//!   and `lang:de` (the primary language subtag) take one exact value;
//! - dates: `after:2015-09-01` (published on that day or later) and
//!   `before:2015-10` (published before that month began); a date is
//!   `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, in UTC.
//!
//! Words are cut where the index cuts them (at anything not a letter or a
//! digit, so `state-of-the-art` is the phrase `state of the art`) and
//! lowercased. No stemming: an article in any language is indexed the same
//! way, and a prefix does the job across forms. A word before a colon that
//! is not a field (`covid:19`) is only text.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// Where a clause looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The title and the text (a title match weighs more).
    Any,
    Title,
    Author,
    Site,
    Lang,
    Speaker,
    Entity,
}

impl Field {
    fn from_key(key: &str) -> Option<Field> {
        Some(match key {
            "title" => Field::Title,
            "author" | "by" => Field::Author,
            "site" => Field::Site,
            "lang" | "language" => Field::Lang,
            "speaker" => Field::Speaker,
            "entity" => Field::Entity,
            _ => return None,
        })
    }

    /// Fields whose value is one exact term, not words.
    fn is_exact(self) -> bool {
        matches!(self, Field::Site | Field::Lang)
    }
}

/// One thing to find: a word (a prefix, with `*`), a phrase, or an exact
/// value of a keyword field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Word { text: String, prefix: bool },
    Phrase(Vec<String>),
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub field: Field,
    pub atom: Atom,
}

/// A parsed query: every group must match (one of its clauses), no
/// excluded clause may, and the article's date must fall in the range.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    pub groups: Vec<Vec<Clause>>,
    pub excluded: Vec<Clause>,
    /// Published at or after.
    pub after: Option<DateTime<Utc>>,
    /// Published before.
    pub before: Option<DateTime<Utc>>,
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Best match first (BM25, a title match weighing more).
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

impl std::str::FromStr for Sort {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Sort, QueryError> {
        match s {
            "" | "relevance" => Ok(Sort::Relevance),
            "date" | "newest" => Ok(Sort::Date),
            other => Err(QueryError::BadSort(other.to_string())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the search has nothing to look for; write at least one word or a date range (not only -excluded ones)")]
    Empty,
    #[error("the search is too long: at most {MAX_ATOMS} words and phrases")]
    TooLong,
    #[error("`{0}` is not a date; write after:/before: as YYYY, YYYY-MM or YYYY-MM-DD (e.g. after:2015-09-01)")]
    BadDate(String),
    #[error("`{0}` cannot be excluded; narrow the dates with after: and before: instead")]
    NegatedDate(String),
    #[error("`{0}` is not a sort order; use relevance or date")]
    BadSort(String),
}

/// Longest query taken: bounds the work one request can ask of the index.
pub const MAX_ATOMS: usize = 32;

/// Splits text into index words: runs of letters and digits, lowercased
/// (what tantivy's default tokenizer does, so a query word is an index
/// term).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A site as the index keeps it: the host, lowercased, without `www.`
/// (what `tracewire_provenance::site_of` stores); a pasted URL is cut to
/// its host.
pub fn site_term(site: &str) -> String {
    let s = site.trim().to_lowercase();
    let s = s.split_once("://").map_or(s.as_str(), |(_, rest)| rest);
    let s = s.split(['/', '?', '#']).next().unwrap_or_default();
    s.strip_prefix("www.").unwrap_or(s).to_string()
}

/// A language as the index keeps it: the primary subtag, lowercased
/// (`en-GB` → `en`).
pub fn lang_term(lang: &str) -> String {
    lang.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A token of the query as typed, before it becomes a clause.
struct Token {
    key: Option<String>,
    text: String,
    quoted: bool,
    negated: bool,
}

fn tokens(query: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        // `key:` in front of a value, quoted or not.
        let mut key = None;
        let mut text = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || (c == '"' && text.is_empty()) {
                break;
            }
            chars.next();
            if c == ':' && key.is_none() && !text.is_empty() && text.chars().all(|c| c.is_ascii_alphabetic()) {
                let k = text.to_ascii_lowercase();
                if Field::from_key(&k).is_some() || k == "after" || k == "before" {
                    key = Some(k);
                    text.clear();
                    if chars.peek() == Some(&'"') {
                        break;
                    }
                    continue;
                }
            }
            text.push(c);
        }
        let quoted = text.is_empty() && chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            text = chars.by_ref().take_while(|&c| c != '"').collect();
        }
        out.push(Token {
            key,
            text,
            quoted,
            negated,
        });
    }
    out
}

fn atom(field: Field, token: &Token) -> Option<Atom> {
    if field.is_exact() {
        let value = match field {
            Field::Site => site_term(&token.text),
            _ => lang_term(&token.text),
        };
        return (!value.is_empty()).then_some(Atom::Exact(value));
    }
    let prefix = !token.quoted && token.text.ends_with('*');
    let mut parts = words(&token.text);
    match parts.len() {
        0 => None,
        1 => parts.pop().map(|text| Atom::Word { text, prefix }),
        // A prefix on a phrase: the last word is taken whole.
        _ => Some(Atom::Phrase(parts)),
    }
}

/// The first instant of `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, in UTC.
fn date_start(s: &str) -> Option<DateTime<Utc>> {
    let mut parts = s.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: u32 = parts.next().map_or(Some(1), |d| d.parse().ok())?;
    if parts.next().is_some() || !(1000..=9999).contains(&year) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?))
}

impl SearchQuery {
    pub fn parse(query: &str) -> Result<SearchQuery, QueryError> {
        let mut parsed = SearchQuery::default();
        let mut join_next = false;
        for token in tokens(query) {
            if token.key.is_none() && !token.quoted && !token.negated && token.text == "OR" {
                join_next = !parsed.groups.is_empty();
                continue;
            }
            if let Some(key @ ("after" | "before")) = token.key.as_deref() {
                if token.negated {
                    return Err(QueryError::NegatedDate(format!("-{key}:{}", token.text)));
                }
                let at = date_start(token.text.trim()).ok_or_else(|| QueryError::BadDate(token.text.clone()))?;
                if key == "after" {
                    parsed.after = Some(parsed.after.map_or(at, |a| a.max(at)));
                } else {
                    parsed.before = Some(parsed.before.map_or(at, |b| b.min(at)));
                }
                join_next = false;
                continue;
            }
            let field = token.key.as_deref().and_then(Field::from_key).unwrap_or(Field::Any);
            let Some(atom) = atom(field, &token) else {
                continue;
            };
            let clause = Clause { field, atom };
            if token.negated {
                parsed.excluded.push(clause);
            } else if join_next && let Some(last) = parsed.groups.last_mut() {
                last.push(clause);
            } else {
                parsed.groups.push(vec![clause]);
            }
            join_next = false;
        }
        if parsed.groups.is_empty() && parsed.after.is_none() && parsed.before.is_none() {
            return Err(QueryError::Empty);
        }
        let atoms = parsed.groups.iter().map(Vec::len).sum::<usize>() + parsed.excluded.len();
        if atoms > MAX_ATOMS {
            return Err(QueryError::TooLong);
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn any(w: &str) -> Clause {
        Clause {
            field: Field::Any,
            atom: Atom::Word {
                text: w.to_string(),
                prefix: false,
            },
        }
    }

    #[test]
    fn the_query_language() {
        let q = SearchQuery::parse(r#"Ceasefire "peace  talks" elect* Geneva OR Vienna -rumour -"op-ed""#).unwrap();
        assert_eq!(
            q.groups,
            vec![
                vec![any("ceasefire")],
                vec![Clause {
                    field: Field::Any,
                    atom: Atom::Phrase(vec!["peace".into(), "talks".into()])
                }],
                vec![Clause {
                    field: Field::Any,
                    atom: Atom::Word {
                        text: "elect".into(),
                        prefix: true
                    }
                }],
                vec![any("geneva"), any("vienna")],
            ]
        );
        assert_eq!(
            q.excluded,
            vec![
                any("rumour"),
                Clause {
                    field: Field::Any,
                    atom: Atom::Phrase(vec!["op".into(), "ed".into()])
                }
            ]
        );
        assert_eq!((q.after, q.before), (None, None));
    }

    #[test]
    fn fields_and_dates() {
        let q = SearchQuery::parse(
            r#"title:Syria speaker:"Dmitry Peskov" site:https://www.Reuters.com/world -lang:en-GB author:kel* entity:ISIS after:2015-09 before:2015-10-02 after:2015-09-10"#,
        )
        .unwrap();
        let fields: Vec<(Field, &Atom)> = q.groups.iter().map(|g| (g[0].field, &g[0].atom)).collect();
        assert_eq!(
            fields,
            vec![
                (
                    Field::Title,
                    &Atom::Word {
                        text: "syria".into(),
                        prefix: false
                    }
                ),
                (Field::Speaker, &Atom::Phrase(vec!["dmitry".into(), "peskov".into()])),
                (Field::Site, &Atom::Exact("reuters.com".into())),
                (
                    Field::Author,
                    &Atom::Word {
                        text: "kel".into(),
                        prefix: true
                    }
                ),
                (
                    Field::Entity,
                    &Atom::Word {
                        text: "isis".into(),
                        prefix: false
                    }
                ),
            ]
        );
        assert_eq!(
            q.excluded,
            vec![Clause {
                field: Field::Lang,
                atom: Atom::Exact("en".into())
            }]
        );
        // The latest after: and the earliest before: win.
        assert_eq!(q.after.unwrap().to_rfc3339(), "2015-09-10T00:00:00+00:00");
        assert_eq!(q.before.unwrap().to_rfc3339(), "2015-10-02T00:00:00+00:00");
        // A date range alone is a query; an unknown key is text.
        assert!(SearchQuery::parse("after:2015").unwrap().groups.is_empty());
        assert_eq!(SearchQuery::parse("covid:19").unwrap().groups.len(), 1);
    }

    #[test]
    fn bad_input_says_what_to_write() {
        assert_eq!(
            SearchQuery::parse("after:yesterday"),
            Err(QueryError::BadDate("yesterday".into()))
        );
        assert_eq!(
            SearchQuery::parse("x after:2015-02-30"),
            Err(QueryError::BadDate("2015-02-30".into()))
        );
        assert!(matches!(
            SearchQuery::parse("x -before:2015"),
            Err(QueryError::NegatedDate(_))
        ));
        assert_eq!("sideways".parse::<Sort>(), Err(QueryError::BadSort("sideways".into())));
        assert_eq!(SearchQuery::parse("-only -negated"), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse("  \"\" - * site: "), Err(QueryError::Empty));
        let long = "w ".repeat(MAX_ATOMS + 1);
        assert_eq!(SearchQuery::parse(&long), Err(QueryError::TooLong));
    }

    #[test]
    fn syntax_in_words_is_only_text() {
        let q = SearchQuery::parse("OR NEAR(a b) x:* 'y' \"z").unwrap();
        let atoms: Vec<&Atom> = q.groups.iter().map(|g| &g[0].atom).collect();
        assert_eq!(
            atoms,
            vec![
                &Atom::Phrase(vec!["near".into(), "a".into()]),
                &Atom::Word {
                    text: "b".into(),
                    prefix: false
                },
                &Atom::Word {
                    text: "x".into(),
                    prefix: true
                },
                &Atom::Word {
                    text: "y".into(),
                    prefix: false
                },
                &Atom::Word {
                    text: "z".into(),
                    prefix: false
                },
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn any_input_parses_or_says_why(s in "\\PC{0,80}") {
            let _ = SearchQuery::parse(&s);
        }
    }
}
