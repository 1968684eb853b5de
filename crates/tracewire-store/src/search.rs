//! Search queries: one small language, parsed here once and written out for
//! each backend's full-text engine (SQLite FTS5, PostgreSQL tsquery), so a
//! query finds the same articles on both.
//!
//! - `ceasefire talks`: articles with both words (whole words, any case);
//! - `"peace talks"`: the words in that order, next to each other;
//! - `elect*`: words starting with `elect`;
//! - `talks OR negotiations`: either (binds tighter than the implicit AND);
//! - `-rumour`, `-"opinion piece"`: articles without it.
//!
//! Words are cut where the index cuts them (at anything not a letter or a
//! digit, so `state-of-the-art` is the phrase `state of the art`) and
//! lowercased. No stemming: both engines would stem differently (SQLite's
//! Porter, PostgreSQL's Snowball with its stop words); a prefix does the
//! job across forms.

/// One thing to find: a word (a prefix, with `*`) or a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    Word { text: String, prefix: bool },
    Phrase(Vec<String>),
}

/// A parsed query: every group must match (one of its atoms), and no
/// excluded atom may.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    pub groups: Vec<Vec<Atom>>,
    pub excluded: Vec<Atom>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the search has no word to look for; write at least one word (not only -excluded ones)")]
    Empty,
    #[error("the search is too long: at most {MAX_ATOMS} words and phrases")]
    TooLong,
}

/// Longest query taken: bounds the work one request can ask of the database.
pub const MAX_ATOMS: usize = 32;

/// Splits text into index words: runs of letters and digits, lowercased.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A token of the query as typed, before it becomes an atom.
struct Token {
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
        if chars.peek() == Some(&'"') {
            chars.next();
            let text: String = chars.by_ref().take_while(|&c| c != '"').collect();
            out.push(Token {
                text,
                quoted: true,
                negated,
            });
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                text.push(c);
                chars.next();
            }
            out.push(Token {
                text,
                quoted: false,
                negated,
            });
        }
    }
    out
}

fn atom(token: &Token) -> Option<Atom> {
    let prefix = !token.quoted && token.text.ends_with('*');
    let mut parts = words(&token.text);
    match parts.len() {
        0 => None,
        1 => parts.pop().map(|text| Atom::Word { text, prefix }),
        // A prefix on a phrase is not something both engines do: the last
        // word is taken whole.
        _ => Some(Atom::Phrase(parts)),
    }
}

impl SearchQuery {
    pub fn parse(query: &str) -> Result<SearchQuery, QueryError> {
        let mut parsed = SearchQuery::default();
        let mut join_next = false;
        for token in tokens(query) {
            if !token.quoted && !token.negated && token.text == "OR" {
                join_next = !parsed.groups.is_empty();
                continue;
            }
            let Some(atom) = atom(&token) else {
                continue;
            };
            if token.negated {
                parsed.excluded.push(atom);
            } else if join_next && let Some(last) = parsed.groups.last_mut() {
                last.push(atom);
            } else {
                parsed.groups.push(vec![atom]);
            }
            join_next = false;
        }
        if parsed.groups.is_empty() {
            return Err(QueryError::Empty);
        }
        let atoms = parsed.groups.iter().map(Vec::len).sum::<usize>() + parsed.excluded.len();
        if atoms > MAX_ATOMS {
            return Err(QueryError::TooLong);
        }
        Ok(parsed)
    }

    /// As an FTS5 MATCH expression. Every word is quoted, so nothing in it
    /// is read as FTS5 syntax.
    pub(crate) fn to_fts5(&self) -> String {
        fn atom(a: &Atom) -> String {
            match a {
                Atom::Word { text, prefix: true } => format!("\"{text}\"*"),
                Atom::Word { text, prefix: false } => format!("\"{text}\""),
                Atom::Phrase(words) => format!("\"{}\"", words.join(" ")),
            }
        }
        let group = |atoms: &[Atom]| format!("({})", atoms.iter().map(atom).collect::<Vec<_>>().join(" OR "));
        let mut out = self.groups.iter().map(|g| group(g)).collect::<Vec<_>>().join(" AND ");
        if !self.excluded.is_empty() {
            out = format!("({out}) NOT {}", group(&self.excluded));
        }
        out
    }

    /// As a `to_tsquery('simple', …)` expression. Words hold only letters
    /// and digits, so quoting them is enough.
    pub(crate) fn to_tsquery(&self) -> String {
        fn atom(a: &Atom) -> String {
            match a {
                Atom::Word { text, prefix: true } => format!("'{text}':*"),
                Atom::Word { text, prefix: false } => format!("'{text}'"),
                Atom::Phrase(words) => format!(
                    "({})",
                    words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" <-> ")
                ),
            }
        }
        let group = |atoms: &[Atom]| format!("({})", atoms.iter().map(atom).collect::<Vec<_>>().join(" | "));
        let mut out = self.groups.iter().map(|g| group(g)).collect::<Vec<_>>().join(" & ");
        if !self.excluded.is_empty() {
            out = format!("({out}) & !{}", group(&self.excluded));
        }
        out
    }
}

/// Characters of an article's text the index reads: bounds the index
/// entry of a huge page (PostgreSQL refuses a tsvector over 1 MB).
pub const INDEXED_TEXT_CHARS: usize = 100_000;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn word(w: &str) -> Atom {
        Atom::Word {
            text: w.to_string(),
            prefix: false,
        }
    }

    #[test]
    fn the_query_language() {
        let q = SearchQuery::parse(r#"Ceasefire "peace  talks" elect* Geneva OR Vienna -rumour -"op-ed""#).unwrap();
        assert_eq!(
            q.groups,
            vec![
                vec![word("ceasefire")],
                vec![Atom::Phrase(vec!["peace".into(), "talks".into()])],
                vec![Atom::Word {
                    text: "elect".into(),
                    prefix: true
                }],
                vec![word("geneva"), word("vienna")],
            ]
        );
        assert_eq!(
            q.excluded,
            vec![word("rumour"), Atom::Phrase(vec!["op".into(), "ed".into()])]
        );
        assert_eq!(
            q.to_fts5(),
            r#"(("ceasefire") AND ("peace talks") AND ("elect"*) AND ("geneva" OR "vienna")) NOT ("rumour" OR "op ed")"#
        );
        assert_eq!(
            q.to_tsquery(),
            "(('ceasefire') & (('peace' <-> 'talks')) & ('elect':*) & ('geneva' | 'vienna')) & !('rumour' | ('op' <-> 'ed'))"
        );
    }

    #[test]
    fn both_indexes_read_the_same_length_of_text() {
        let bound = INDEXED_TEXT_CHARS.to_string();
        for (name, sql) in [
            ("sqlite 0009", include_str!("../migrations/sqlite/0009_search.sql")),
            ("postgres 0003", include_str!("../migrations/postgres/0003_search.sql")),
            ("postgres/search.rs", include_str!("postgres/search.rs")),
        ] {
            assert!(
                sql.contains(&format!(", {bound})")),
                "{name} does not cut the text at {bound}"
            );
        }
    }

    #[test]
    fn syntax_in_words_is_only_text() {
        // FTS5 and tsquery operators typed as words are cut away as
        // punctuation; a lone OR at the start joins nothing.
        let q = SearchQuery::parse("OR NEAR(a b) x:* 'y' \"z").unwrap();
        assert_eq!(
            q.groups,
            vec![
                vec![Atom::Phrase(vec!["near".into(), "a".into()])],
                vec![word("b")],
                vec![Atom::Word {
                    text: "x".into(),
                    prefix: true
                }],
                vec![word("y")],
                vec![word("z")],
            ]
        );
        assert_eq!(SearchQuery::parse("-only -negated"), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse("  \"\" - * "), Err(QueryError::Empty));
        let long = "w ".repeat(MAX_ATOMS + 1);
        assert_eq!(SearchQuery::parse(&long), Err(QueryError::TooLong));
    }
}
