//! Quotes and their speakers in news text.
//!
//! [`quotes`] finds direct quotations (text in quote marks: straight `"`, curly “ ”, « », „ “,
//! with ‘ ’ inner quotes and quotes that run over several paragraphs), partial quotations inside
//! reported speech ("indicated that Syria would be willing … “if needed.”" — [`QuoteKind::Mixed`])
//! and indirect speech ("X said (that) …", "according to X, …", "X told reporters …"), each with
//! the speaker mention as written, a canonical speaker name and the cue phrase.
//!
//! Speakers are resolved with general rules only: titles and roles are stripped from names
//! ("Kremlin spokesman Dmitry Peskov" → "Dmitry Peskov"), a surname goes to the full name seen
//! in the text ("al-Moualem" → "Walid al-Moualem"), an acronym to the name it was introduced
//! with, pronouns and quotes that continue a speaker's words to the last named speaker, and
//! institutions keep their name as written ("the Israeli government"). Quoted words with no cue
//! and no speaker (scare quotes such as the "logistical" support, names, titles) are not quotes.
//!
//! Pure: text in, spans out; no I/O and no panics on any input. All spans are byte ranges on
//! `char` boundaries of the input; [`char_offsets`] converts them for JSON consumers.

mod extract;
mod lex;
mod names;
mod scan;

pub mod eval;

use serde::Serialize;
use std::ops::Range;

/// How a quote reports the speaker's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuoteKind {
    /// The words in quote marks.
    Direct,
    /// Reported speech without quote marks ("X said that …").
    Indirect,
    /// Reported speech that contains quoted words ("X said the plan was \"a disaster\"").
    Mixed,
}

/// One quotation or report of speech.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    /// Byte range in the text of the quoted or reported words, without the quote marks.
    pub content: Range<usize>,
    /// Byte range of the speaker mention as written ("Kremlin spokesman Dmitry Peskov", "he").
    pub speaker: Option<Range<usize>>,
    /// Canonical speaker: full name of a person, or an institution as written.
    pub speaker_name: Option<String>,
    /// Byte range of the cue verb or phrase ("said", "told reporters", "according to").
    pub cue: Option<Range<usize>>,
    pub kind: QuoteKind,
}

/// All quotes in `text`, sorted by `content.start`.
pub fn quotes(text: &str) -> Vec<Quote> {
    extract::run(text)
}

/// Converts a byte range of `text` into a range of Unicode scalar values (chars).
///
/// Offsets past the end are clamped; an offset inside a multi-byte char counts that char as
/// started.
pub fn char_offsets(text: &str, r: Range<usize>) -> Range<usize> {
    let count = |b: usize| -> usize {
        let b = b.min(text.len());
        text.as_bytes()[..b].iter().filter(|&&x| (x & 0xC0) != 0x80).count()
    };
    let start = count(r.start);
    let end = count(r.end.max(r.start));
    start..end
}

#[cfg(test)]
mod tests;
