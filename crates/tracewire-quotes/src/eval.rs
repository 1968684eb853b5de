//! Scores for quote extraction against a gold standard. Pure: quotes in, numbers out.
//!
//! All offsets are Unicode char offsets into one document's text ([`EvalQuote::from_quote`]
//! converts a [`Quote`]). A "match" between a predicted and a gold quote means their content
//! ranges share at least one char.
//!
//! * **Direct-quote content overlap** (in the style of BBC Citron's content overlap): over the
//!   quotes of kind `direct` or `mixed` on both sides, precision = chars of predicted contents
//!   that lie inside some gold content / all predicted content chars; recall = chars of gold
//!   contents inside some predicted content / all gold content chars; F1 is their harmonic mean.
//!   Quote-level figures (share of predicted quotes that match a gold one, share of gold quotes
//!   matched) are reported alongside, and the same char overlap over quotes of every kind
//!   (`content_overlap_all`, closer to Citron's content score, which counts reported speech too).
//! * **Speaker exact**: a predicted quote with a `speaker_name` is correct when it matches a gold
//!   quote (any kind) whose normalised `speaker_name` is equal. Precision is over predicted quotes
//!   with a name; recall is over gold quotes with a name, a gold quote counting as found when
//!   some predicted quote with an equal normalised name matches it. Normalisation: lowercase,
//!   a leading "the " and a trailing possessive dropped, punctuation removed, whitespace collapsed.
//! * **Indirect-speech speaker**: the same, restricted to reported speech on both sides, i.e.
//!   quotes of kind `indirect` or `mixed` (a mixed quote is a report with quoted words in it).
//! * **Cue**: a predicted quote with a cue is correct when it matches a gold quote whose cue range
//!   overlaps the predicted cue; recall over gold quotes with a cue.
//!
//! Counts are summed over all documents before the ratios are taken (micro-averaged).

use crate::{Quote, QuoteKind, char_offsets};
use std::ops::Range;

/// A quote with char offsets, gold or predicted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalQuote {
    pub content: Range<usize>,
    pub speaker_name: Option<String>,
    pub cue: Option<Range<usize>>,
    pub kind: QuoteKind,
}

impl EvalQuote {
    /// Converts an extracted quote (byte offsets into `text`) into char offsets.
    pub fn from_quote(text: &str, q: &Quote) -> Self {
        EvalQuote {
            content: char_offsets(text, q.content.clone()),
            speaker_name: q.speaker_name.clone(),
            cue: q.cue.clone().map(|c| char_offsets(text, c)),
            kind: q.kind,
        }
    }
}

/// Gold and predicted quotes of one document.
#[derive(Debug, Clone, Default)]
pub struct DocPair {
    pub gold: Vec<EvalQuote>,
    pub predicted: Vec<EvalQuote>,
}

/// Precision, recall and F1 from counts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Prf {
    fn new(p_num: f64, p_den: f64, r_num: f64, r_den: f64) -> Self {
        let precision = if p_den > 0.0 { p_num / p_den } else { 1.0 };
        let recall = if r_den > 0.0 { r_num / r_den } else { 1.0 };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Prf { precision, recall, f1 }
    }
}

impl std::fmt::Display for Prf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P {:.3} R {:.3} F1 {:.3}", self.precision, self.recall, self.f1)
    }
}

/// All scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub content_overlap: Prf,
    pub content_quote_level: Prf,
    pub content_overlap_all: Prf,
    pub speaker: Prf,
    pub indirect_speaker: Prf,
    pub cue: Prf,
    pub gold_quotes: usize,
    pub predicted_quotes: usize,
}

/// Normalised speaker name for comparison.
pub fn normalize_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let lower = s.to_lowercase();
    let lower = lower.trim();
    let lower = lower.strip_prefix("the ").unwrap_or(lower);
    let lower = lower
        .strip_suffix("'s")
        .or_else(|| lower.strip_suffix("’s"))
        .unwrap_or(lower);
    let mut space = false;
    for c in lower.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else if c.is_whitespace() || c == '-' {
            space = true;
        }
    }
    out
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Chars of `r` covered by the union of `others`.
fn covered(r: &Range<usize>, others: &[&Range<usize>]) -> usize {
    let mut iv: Vec<(usize, usize)> = others
        .iter()
        .filter(|o| overlaps(r, o))
        .map(|o| (o.start.max(r.start), o.end.min(r.end)))
        .collect();
    iv.sort_unstable();
    let mut total = 0;
    let mut cur: Option<(usize, usize)> = None;
    for (a, b) in iv {
        match cur {
            Some((ca, cb)) if a <= cb => cur = Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                cur = Some((a, b));
            }
            None => cur = Some((a, b)),
        }
    }
    if let Some((a, b)) = cur {
        total += b - a;
    }
    total
}

fn is_directish(k: QuoteKind) -> bool {
    matches!(k, QuoteKind::Direct | QuoteKind::Mixed)
}

fn is_reported(k: QuoteKind) -> bool {
    matches!(k, QuoteKind::Indirect | QuoteKind::Mixed)
}

#[derive(Default)]
struct Counts {
    p_num: f64,
    p_den: f64,
    r_num: f64,
    r_den: f64,
}

impl Counts {
    fn prf(&self) -> Prf {
        Prf::new(self.p_num, self.p_den, self.r_num, self.r_den)
    }
}

fn speaker_counts(c: &mut Counts, gold: &[&EvalQuote], pred: &[&EvalQuote]) {
    for p in pred {
        let Some(pn) = &p.speaker_name else { continue };
        let pn = normalize_name(pn);
        c.p_den += 1.0;
        if gold.iter().any(|g| {
            overlaps(&g.content, &p.content) && g.speaker_name.as_deref().is_some_and(|gn| normalize_name(gn) == pn)
        }) {
            c.p_num += 1.0;
        }
    }
    for g in gold {
        let Some(gn) = &g.speaker_name else { continue };
        let gn = normalize_name(gn);
        c.r_den += 1.0;
        if pred.iter().any(|p| {
            overlaps(&g.content, &p.content) && p.speaker_name.as_deref().is_some_and(|pn| normalize_name(pn) == gn)
        }) {
            c.r_num += 1.0;
        }
    }
}

/// Scores a set of documents.
pub fn evaluate(docs: &[DocPair]) -> Report {
    let mut content = Counts::default();
    let mut content_all = Counts::default();
    let mut qlevel = Counts::default();
    let mut speaker = Counts::default();
    let mut indirect = Counts::default();
    let mut cue = Counts::default();
    let mut report = Report::default();
    for d in docs {
        report.gold_quotes += d.gold.len();
        report.predicted_quotes += d.predicted.len();
        let gd: Vec<&EvalQuote> = d.gold.iter().filter(|q| is_directish(q.kind)).collect();
        let pd: Vec<&EvalQuote> = d.predicted.iter().filter(|q| is_directish(q.kind)).collect();
        let g_ranges: Vec<&Range<usize>> = gd.iter().map(|q| &q.content).collect();
        let p_ranges: Vec<&Range<usize>> = pd.iter().map(|q| &q.content).collect();
        for p in &pd {
            content.p_den += p.content.len() as f64;
            content.p_num += covered(&p.content, &g_ranges) as f64;
            qlevel.p_den += 1.0;
            if g_ranges.iter().any(|g| overlaps(g, &p.content)) {
                qlevel.p_num += 1.0;
            }
        }
        for g in &gd {
            content.r_den += g.content.len() as f64;
            content.r_num += covered(&g.content, &p_ranges) as f64;
            qlevel.r_den += 1.0;
            if p_ranges.iter().any(|p| overlaps(&g.content, p)) {
                qlevel.r_num += 1.0;
            }
        }
        let ga: Vec<&EvalQuote> = d.gold.iter().collect();
        let pa: Vec<&EvalQuote> = d.predicted.iter().collect();
        let ga_r: Vec<&Range<usize>> = ga.iter().map(|q| &q.content).collect();
        let pa_r: Vec<&Range<usize>> = pa.iter().map(|q| &q.content).collect();
        for p in &pa {
            content_all.p_den += p.content.len() as f64;
            content_all.p_num += covered(&p.content, &ga_r) as f64;
        }
        for g in &ga {
            content_all.r_den += g.content.len() as f64;
            content_all.r_num += covered(&g.content, &pa_r) as f64;
        }
        speaker_counts(&mut speaker, &ga, &pa);
        let gi: Vec<&EvalQuote> = d.gold.iter().filter(|q| is_reported(q.kind)).collect();
        let pi: Vec<&EvalQuote> = d.predicted.iter().filter(|q| is_reported(q.kind)).collect();
        speaker_counts(&mut indirect, &gi, &pi);
        for p in &d.predicted {
            let Some(pc) = &p.cue else { continue };
            cue.p_den += 1.0;
            if d.gold
                .iter()
                .any(|g| overlaps(&g.content, &p.content) && g.cue.as_ref().is_some_and(|gc| overlaps(gc, pc)))
            {
                cue.p_num += 1.0;
            }
        }
        for g in &d.gold {
            let Some(gc) = &g.cue else { continue };
            cue.r_den += 1.0;
            if d.predicted
                .iter()
                .any(|p| overlaps(&g.content, &p.content) && p.cue.as_ref().is_some_and(|pc| overlaps(gc, pc)))
            {
                cue.r_num += 1.0;
            }
        }
    }
    report.content_overlap = content.prf();
    report.content_quote_level = qlevel.prf();
    report.content_overlap_all = content_all.prf();
    report.speaker = speaker.prf();
    report.indirect_speaker = indirect.prf();
    report.cue = cue.prf();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(a: usize, b: usize, name: Option<&str>, kind: QuoteKind) -> EvalQuote {
        EvalQuote {
            content: a..b,
            speaker_name: name.map(str::to_string),
            cue: None,
            kind,
        }
    }

    #[test]
    fn perfect_and_partial() {
        let gold = vec![
            q(0, 10, Some("The Israeli government"), QuoteKind::Direct),
            q(20, 30, Some("X"), QuoteKind::Indirect),
        ];
        let pred = vec![
            q(0, 5, Some("israeli government"), QuoteKind::Direct),
            q(22, 30, Some("Y"), QuoteKind::Indirect),
        ];
        let r = evaluate(&[DocPair { gold, predicted: pred }]);
        assert!((r.content_overlap.precision - 1.0).abs() < 1e-9);
        assert!((r.content_overlap.recall - 0.5).abs() < 1e-9);
        assert!((r.speaker.precision - 0.5).abs() < 1e-9);
        assert!((r.indirect_speaker.recall - 0.0).abs() < 1e-9);
    }

    #[test]
    fn names_normalise() {
        assert_eq!(
            normalize_name("The U.S. Department of Agriculture"),
            "us department of agriculture"
        );
        assert_eq!(normalize_name("Walid al-Moualem"), "walid al moualem");
    }
}
