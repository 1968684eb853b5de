//! The extractor: quote spans and cue verbs → attributed quotes.
//!
//! 1. Tokens, sentence ends and top-level quote spans ([`scan`]); a name index of the text
//!    ([`names`]): surnames → full names, acronyms, "the Church" → "the Church of Scientology".
//! 2. Reported speech: every cue verb ([`lex`]) with a subject before it (appositives, relative
//!    "who", participles, "X and said", parentheses skipped) and a clause after it ("that",
//!    or a clause start with a verb form, after objects of "told" and adjuncts such as
//!    "on Thursday" or "in a statement"), "according to X", "…, X said." and "…, said X, …".
//!    First/second-person, negated, modal, passive and conditional reports are dropped.
//! 3. Each quote span is attributed, in this order: a cue and speaker after the closing mark
//!    (`," X said`, `," said X`, `", according to X`, a byline under a pull quote); the report
//!    it sits in (a partial quote → mixed); a cue before the opening mark (`X said: "`,
//!    `X told reporters "`); a cue at the end of the paragraph before (`X said:` ¶ `"…"`); a
//!    quote that continues the previous speaker (it opens a sentence or a paragraph). Quoted
//!    words that meet none of these (scare quotes, names, titles) are dropped.
//! 4. Names are resolved in text order: titles and roles stripped, surnames and acronyms
//!    expanded, "he"/"she" to the person named in the sentence (or the one before) or the last
//!    person quoted, "it"/"they" to the last institution or the sentence subject.

use crate::lex::{
    BREAK, CONN, CUE, CUE_QUOTE, CUE_STRICT, CUE_TELL, DET, NEG, ORG, PREP, PRON, ROLE, SKIP, STOP, SUBJ, TIME, TITLE,
    WH,
};
use crate::names::{self, Index};
use crate::scan::{self, Kind, Span, Tok};
use crate::{Quote, QuoteKind};
use rustc_hash::{FxHashMap, FxHashSet};

/// Speaker token range, cue byte range and cue token of an attribution.
type Attribution = (Option<(usize, usize)>, Option<(usize, usize)>, usize);

/// A quote before its speaker name is resolved.
#[derive(Debug, Clone)]
struct Cand {
    content: (usize, usize),
    /// Speaker mention as a token range.
    np: Option<(usize, usize)>,
    cue: Option<(usize, usize)>,
    cue_tok: Option<usize>,
    kind: QuoteKind,
    /// Continues the last speaker's words.
    cont: bool,
    /// Paragraph index of the attribution.
    para: usize,
    /// Not a quote: a speaker mention ("the Church denied …") that pronouns may refer to.
    ghost: bool,
}

struct Doc<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    /// Sentence start token of each token.
    sstart: Vec<usize>,
    /// Sentence end token (inclusive) of each token.
    send: Vec<usize>,
    /// Paragraph index of each token.
    para: Vec<usize>,
    spans: Vec<Span>,
    names: Index<'a>,
}

/// Irregular past forms, to tell a clause from a noun phrase.
const IRREGULAR: &[&str] = &[
    "left",
    "made",
    "took",
    "went",
    "came",
    "gave",
    "got",
    "saw",
    "found",
    "knew",
    "thought",
    "became",
    "began",
    "ran",
    "held",
    "kept",
    "brought",
    "bought",
    "paid",
    "lost",
    "won",
    "met",
    "sent",
    "spent",
    "built",
    "fell",
    "felt",
    "stood",
    "led",
    "put",
    "set",
    "cut",
    "hit",
    "let",
    "grew",
    "drew",
    "wrote",
    "spoke",
    "broke",
    "chose",
    "rose",
    "drove",
    "shot",
    "fought",
    "caught",
    "taught",
    "sought",
    "sold",
    "struck",
    "meant",
    "understood",
    "sat",
    "heard",
    "read",
    "wore",
    "forgot",
    "hid",
    "ate",
    "said",
    "told",
    "knew",
    "dealt",
    "fled",
    "flew",
    "hung",
    "lay",
    "laid",
    "lit",
    "quit",
    "rang",
    "sang",
    "sank",
    "shut",
    "slid",
    "spread",
    "stole",
    "swam",
    "swore",
    "threw",
    "woke",
    "withdrew",
    "overtook",
    "undertook",
    "forbade",
    "forgave",
    "gone",
    "done",
    "seen",
    "been",
    "given",
    "taken",
    "known",
    "shown",
    "grown",
    "thrown",
    "written",
    "spoken",
    "broken",
    "chosen",
    "risen",
];

/// Longest sentence, in tokens.
const MAX_SENTENCE: usize = 250;

/// Sentinel tokens after the text.
const PAD: usize = 24;

const FILLER: &[&str] = &["and", "later", "then", "also", "adding", "continuing", "further", "but"];

pub fn run(text: &str) -> Vec<Quote> {
    let mut toks = scan::tokenize(text);
    if toks.is_empty() {
        return Vec::new();
    }
    scan::sentences(text, &mut toks);
    // Sentinels: a paragraph break before the text and after it, so that looking a few tokens
    // ahead or behind never leaves the vector.
    let pad = |at: usize| Tok {
        s: at,
        e: at,
        kind: Kind::Newline,
        f: 0,
        cap: false,
        end: true,
        q: 0,
    };
    toks.insert(0, pad(0));
    toks.extend(std::iter::repeat_n(pad(text.len()), PAD));
    let spans = scan::quote_spans(text);
    for (qi, sp) in spans.iter().enumerate() {
        let a = 1 + toks[1..].partition_point(|t| t.s < sp.content.0);
        let b = 1 + toks[1..].partition_point(|t| t.e <= sp.content.1);
        for t in toks.iter_mut().take(b).skip(a) {
            t.q = qi as u32 + 1;
        }
    }
    let n = toks.len();
    // No sentence runs longer than MAX_SENTENCE tokens, so every scan inside one is bounded.
    let mut run_len = 0;
    for t in toks.iter_mut() {
        run_len += 1;
        if t.end {
            run_len = 0;
        } else if run_len >= MAX_SENTENCE {
            t.end = true;
            run_len = 0;
        }
    }
    let mut sstart = vec![0; n];
    let mut send = vec![0; n];
    let mut para = vec![0; n];
    let mut st = 0;
    let mut p = 0;
    for i in 0..n {
        sstart[i] = st;
        para[i] = p;
        if toks[i].kind == Kind::Newline && i > 0 && toks[i - 1].kind != Kind::Newline {
            p += 1;
        }
        if toks[i].end {
            for x in send.iter_mut().take(i + 1).skip(st) {
                *x = i;
            }
            st = i + 1;
        }
    }
    for x in send.iter_mut().skip(st) {
        *x = n - 1;
    }
    let names = Index::build(text, &toks);
    let doc = Doc {
        text,
        toks,
        sstart,
        send,
        para,
        spans,
        names,
    };
    doc.extract()
}

impl Doc<'_> {
    fn w(&self, i: usize) -> &str {
        let t = &self.toks[i];
        &self.text[t.s..t.e]
    }

    fn lw(&self, i: usize, s: &str) -> bool {
        self.toks[i].is_word() && self.w(i).eq_ignore_ascii_case(s)
    }

    fn is_cue(&self, i: usize) -> bool {
        let t = &self.toks[i];
        t.is_word() && !t.cap && t.has(CUE | CUE_STRICT | CUE_TELL)
    }

    /// "according to X" (and "in the words of X"): cue phrase before the speaker.
    fn is_according(&self, i: usize) -> bool {
        self.phrase_len(i) > 0
    }

    /// Number of tokens in an "according to"-like cue phrase starting at `i` (0: none).
    fn phrase_len(&self, i: usize) -> usize {
        let n = self.toks.len();
        if self.lw(i, "according") && i + 1 < n && self.lw(i + 1, "to") {
            return 2;
        }
        if self.lw(i, "in") && i + 3 < n && self.lw(i + 1, "the") && self.lw(i + 2, "words") && self.lw(i + 3, "of") {
            return 4;
        }
        0
    }

    fn tok_at(&self, byte: usize) -> usize {
        1 + self.toks[1..].partition_point(|t| t.s < byte)
    }

    fn is_hard_punct(&self, i: usize) -> bool {
        match self.toks[i].kind {
            Kind::Newline => true,
            Kind::Punct(c) => !matches!(c, '-' | '&' | '‐' | '.' | '\''),
            Kind::Word => false,
        }
    }

    fn is_open_mark(&self, i: usize) -> bool {
        matches!(self.toks[i].kind, Kind::Punct('"' | '“' | '«' | '„' | '‘' | '\'' | '`'))
    }

    /// Backward noun phrase ending at `j` (inclusive), stopping at `lo`.
    fn np_back(&self, j: usize, lo: usize) -> Option<(usize, usize)> {
        {
            // A noun phrase ends in a noun or a name, not in "of", "will", "doesn’t".
            let t = &self.toks[j];
            let w = self.w(j);
            if t.is_word()
                && !t.cap
                && (t.has(CONN | PREP | BREAK | SKIP | NEG | DET) || w.ends_with("n’t") || w.ends_with("n't"))
            {
                return None;
            }
        }
        let mut a = j + 1;
        let mut k = j as isize;
        let mut count = 0;
        let q = self.toks[j].q;
        while k >= lo as isize {
            let i = k as usize;
            let t = &self.toks[i];
            if self.is_hard_punct(i) || t.q != q {
                break;
            }
            if t.is_word() {
                if t.has(BREAK) && !t.cap {
                    let w = self.w(i);
                    let and_ok = w.eq_ignore_ascii_case("and")
                        && i > lo
                        && self.toks[i - 1].cap
                        && a <= j
                        && (self.toks[a].cap || self.toks[a].has(DET));
                    if (w == "with" && i > lo && self.lw(i - 1, "familiar"))
                        || (w == "to" && i > lo && self.lw(i - 1, "close"))
                    {
                        // "a person familiar with the talks", "a source close to the minister".
                        count += 1;
                        a = i;
                        k -= 1;
                        continue;
                    }
                    if w == "as" && i > lo && self.lw(i - 1, "such") {
                        // "other sites such as Gawker.com".
                        count += 1;
                        a = i;
                        k -= 1;
                        continue;
                    }
                    if w == "by"
                        && a <= j
                        && self.toks[a].cap
                        && i > lo
                        && self.toks[i - 1].is_word()
                        && !self.toks[i - 1].cap
                        && (self.w(i - 1).ends_with("ed")
                            || self.w(i - 1).ends_with("en")
                            || IRREGULAR.contains(&self.w(i - 1)))
                    {
                        // "A leaked internal letter seen by Sky News".
                        count += 1;
                        a = i;
                        k -= 1;
                        continue;
                    }
                    let of_ok = w == "of" || w == "for" || w == "at" || w == "to";
                    let of_ok = of_ok
                        && a <= j
                        && self.toks[a].cap
                        && i > lo
                        && (self.toks[i - 1].cap || self.toks[i - 1].has(ROLE | TITLE));
                    if !and_ok && !of_ok {
                        break;
                    }
                } else if t.has(BREAK) && t.cap && !t.has(DET) {
                    break;
                }
                count += 1;
                if count > 12 {
                    break;
                }
            }
            a = i;
            k -= 1;
        }
        // "As a result some folks": the noun phrase starts at its own determiner.
        for d in a + 1..=j {
            let t = &self.toks[d];
            let p = &self.toks[d - 1];
            if t.is_word()
                && t.has(DET)
                && !t.cap
                && p.is_word()
                && !p.cap
                && !p.has(DET | BREAK)
                && self.w(d - 1) != "of"
            {
                a = d;
            }
        }
        // Drop leading sentence adverbs ("Now", "Here"), keep determiners.
        while a <= j && self.toks[a].is_word() && self.toks[a].has(STOP) && !self.toks[a].has(DET | PRON) {
            a += 1;
        }
        while a <= j && !self.toks[a].is_word() {
            a += 1;
        }
        if a > j {
            return None;
        }
        Some((a, j + 1))
    }

    /// First or second person: the writer or the interviewer, not a quoted source.
    fn person12(&self, (a, b): (usize, usize)) -> bool {
        (a..b).any(|i| {
            if !self.toks[i].is_word() {
                return false;
            }
            let w = self.w(i);
            let base = w.split(['\'', '’']).next().unwrap_or(w);
            matches!(base, "I" | "we" | "We" | "you" | "You" | "me" | "us" | "let" | "Let")
        })
    }

    /// A verb form among the first words of a clause.
    fn has_finite(&self, a: usize, e: usize) -> bool {
        let mut words = 0;
        let mut i = a;
        let e = e.min(self.toks.len() - 1);
        while i <= e {
            let t = &self.toks[i];
            if !t.is_word() {
                i += 1;
                continue;
            }
            words += 1;
            if words > 16 {
                break;
            }
            let w = self.w(i);
            if words > 1 && matches!(w, "which" | "who") && self.toks[i - 1].is(',') {
                // ", which is part of …,": skip the aside.
                let mut m = i + 1;
                while m <= e && !self.toks[m].is(',') {
                    m += 1;
                }
                i = m + 1;
                continue;
            }
            if words > 1 && matches!(w, "that" | "which" | "who" | "whom" | "where") {
                // "the number of particles that should have …": a noun phrase.
                return false;
            }
            let lw = w.to_ascii_lowercase();
            if matches!(
                lw.as_str(),
                "is" | "are"
                    | "was"
                    | "were"
                    | "has"
                    | "have"
                    | "had"
                    | "will"
                    | "would"
                    | "could"
                    | "can"
                    | "may"
                    | "might"
                    | "should"
                    | "must"
                    | "do"
                    | "does"
                    | "did"
                    | "won't"
                    | "can't"
                    | "isn't"
                    | "wasn't"
                    | "aren't"
                    | "don't"
                    | "doesn't"
                    | "didn't"
            ) || ((lw.ends_with("'s") || lw.ends_with("’s"))
                && (t.has(SUBJ)
                    || matches!(
                        lw.split(['\'', '’']).next(),
                        Some("that" | "what" | "who" | "here" | "where")
                    )))
                || lw.contains("'re")
                || lw.contains("’re")
                || lw.contains("’ll")
                || lw.contains("'ll")
            {
                return true;
            }
            let nx = &self.toks[i + 1];
            let prev_plural = i > a && self.toks[i - 1].is_word() && {
                let p = self.w(i - 1);
                self.toks[i - 1].has(SUBJ | PRON) || (p.ends_with('s') && !p.ends_with("ss") && p.len() > 3)
            };
            if words > 1 && !t.cap && w.len() >= 4 {
                if lw.ends_with("ed") && !t.has(DET | BREAK) {
                    return true;
                }
                // "-s": a verb when an object follows ("the government knows the …"), not a plural
                // noun ("more refugees, …", "problems that …").
                if lw.ends_with('s')
                    && !lw.ends_with("ss")
                    && !t.has(DET | BREAK)
                    && nx.is_word()
                    && (!nx.has(BREAK) || self.w(i + 1) == "to")
                {
                    return true;
                }
            }
            if words > 1 && !t.cap && !t.has(DET | BREAK) && prev_plural && nx.is_word() && nx.has(DET) {
                // "they apply to …", "the results confirm the …".
                return true;
            }
            if words > 1 && !t.cap && self.toks[i - 1].has(SUBJ | PRON) && !t.has(DET | BREAK) && !lw.ends_with("ly") {
                return true;
            }
            if words > 1 && IRREGULAR.contains(&lw.as_str()) {
                return true;
            }
            i += 1;
        }
        false
    }

    fn np_like(&self, a: usize, b: usize) -> bool {
        let mut a = a;
        while a < b && (self.lw(a, "and") || self.lw(a, "but") || self.lw(a, "so")) {
            a += 1;
        }
        if a >= b {
            return false;
        }
        let t = &self.toks[a];
        if !t.is_word() {
            return false;
        }
        let w = self.w(a);
        if (t.has(BREAK) || t.has(STOP)) && !t.has(DET | PRON) {
            return false;
        }
        if t.cap && w.ends_with("ing") {
            return false;
        }
        let words = (a..b).filter(|&i| self.toks[i].is_word()).count();
        words <= 12 && (a..b).any(|i| self.toks[i].cap || self.toks[i].has(ORG | ROLE | PRON))
    }

    /// The speaker before cue token `cue`.
    fn subject_before(&self, cue: usize) -> Option<(usize, usize)> {
        let s0 = self.sstart[cue];
        // "-ing" cues: a participle after a comma ("…, saying …") takes the sentence subject;
        // a progressive ("is saying") its own; anything else ("worth noting", "kept telling")
        // is no report.
        if self.w(cue).ends_with("ing") && cue > s0 {
            let p = &self.toks[cue - 1];
            let be = cue > s0 + 1 && matches!(self.w(cue - 1), "is" | "are" | "was" | "were" | "been" | "be");
            if !(p.is(',') || be) {
                // "with Boswell stating: …", "with one poster writing …".
                let np = self.np_back(cue - 1, s0)?;
                return (np.0 > s0 && self.lw(np.0 - 1, "with")).then_some(np);
            }
        }
        let mut j = cue as isize - 1;
        let passive_ok = self.w(cue) == "quoted";
        while j >= s0 as isize {
            let t = &self.toks[j as usize];
            if !t.is_word() {
                break;
            }
            if t.has(NEG) && !t.cap {
                return None;
            }
            if !passive_ok
                && !self.w(cue).ends_with("ing")
                && matches!(
                    self.w(j as usize),
                    "been" | "be" | "being" | "was" | "were" | "is" | "are"
                )
            {
                // "it has been dubbed", "he was told": the subject is not the speaker.
                return None;
            }
            if (t.has(SKIP) || self.w(j as usize).ends_with("ly")) && !t.cap {
                j -= 1;
                continue;
            }
            break;
        }
        if j < s0 as isize {
            return None;
        }
        let mut j = j as usize;
        let mut t = self.toks[j];
        if t.is(',') && self.w(cue).ends_with("ing") {
            // "Santorum criticized the press, saying …": the subject of the sentence.
            return self.sentence_subject(s0, j);
        }
        if t.is(')') {
            // "The World Health Organisation (WHO) recommends".
            let open = (s0..j).rev().find(|&m| self.toks[m].is('('))?;
            j = open.checked_sub(1)?;
            if j < s0 {
                return None;
            }
            t = self.toks[j];
        }
        if t.is_word()
            && matches!(
                self.w(j),
                "he" | "she" | "they" | "it" | "He" | "She" | "They" | "It" | "I" | "we" | "We"
            )
        {
            return Some((j, j + 1));
        }
        if t.is(',') {
            return self.appositive(j, s0);
        }
        if t.is_word() && matches!(self.w(j), "who" | "which") {
            if j > s0 && self.toks[j - 1].is(',') && j >= 2 {
                return self.np_back(j - 2, s0);
            }
            // "a Reuters report which suggested": the noun phrase from its determiner.
            let (mut a, b) = self.np_back(j.checked_sub(1)?, s0)?;
            if let Some(d) = (a..b).rev().find(|&m| self.toks[m].has(DET) && !self.toks[m].has(PRON)) {
                a = d;
            }
            return Some((a, b));
        }
        if t.is_word() && self.lw(j, "and") {
            return self.sentence_subject(s0, j);
        }
        if !t.is_word() {
            return None;
        }
        self.np_back(j, s0)
    }

    /// "Jeff Rathke, the State Department spokesperson, said": picks the name segment.
    fn appositive(&self, comma: usize, s0: usize) -> Option<(usize, usize)> {
        let mut segs: Vec<(usize, usize)> = Vec::new();
        let mut end = comma; // exclusive end of the segment (a comma token)
        for _ in 0..4 {
            if end == 0 || end <= s0 {
                break;
            }
            let mut a = end;
            let mut words = 0;
            while a > s0 {
                let i = a - 1;
                if self.toks[i].is(',') || self.is_hard_punct(i) || self.toks[i].q != 0 {
                    break;
                }
                if self.toks[i].is_word() {
                    words += 1;
                }
                a = i;
                if words > 30 {
                    break;
                }
            }
            if a >= end {
                break;
            }
            segs.push((a, end));
            if a > s0 && self.toks[a - 1].is(',') {
                end = a - 1;
            } else {
                break;
            }
        }
        let mut chosen = None;
        let nseg = segs.len();
        for (si, &(a, b)) in segs.iter().enumerate().skip(1) {
            if self.lw(a, "and") && si + 1 < nseg {
                continue;
            }
            if self.np_like(a, b) {
                chosen = Some((a, b));
            } else {
                break;
            }
        }
        if chosen.is_none()
            && let Some(&(a, b)) = segs.first()
        {
            if self.np_like(a, b) {
                chosen = Some((a, b));
            } else if nseg == 1 && a == s0 {
                // "The results of the … Study published in …, revealed that".
                return self.sentence_subject(s0, b);
            }
        }
        let (a, b) = chosen?;
        self.np_back(b - 1, a)
    }

    /// Sentence-initial noun phrase: "Facebook co-founder Mark Zuckerberg tweeted … and said".
    fn sentence_subject(&self, s0: usize, lim: usize) -> Option<(usize, usize)> {
        let mut s0 = s0;
        while s0 < lim && (self.lw(s0, "and") || self.lw(s0, "but") || self.lw(s0, "so") || self.toks[s0].is(',')) {
            s0 += 1;
        }
        let mut b = s0;
        let mut lower = 0;
        while b < lim {
            let t = &self.toks[b];
            if !t.is_word() {
                if t.is('-') || t.is('‐') {
                    b += 1;
                    continue;
                }
                break;
            }
            let w = self.w(b);
            if t.has(SKIP | NEG) || self.is_cue(b) || (t.has(BREAK) && w != "of") {
                break;
            }
            if t.cap || t.has(ROLE | TITLE | DET) || w == "of" {
                b += 1;
                continue;
            }
            // A few common nouns ("One poster", "The results"), but not a verb.
            if lower < 2 && !w.ends_with("ed") && !w.ends_with("ly") && !IRREGULAR.contains(&w) && b > s0 {
                lower += 1;
                b += 1;
                continue;
            }
            break;
        }
        while b > s0 && (self.lw(b - 1, "of") || self.toks[b - 1].has(DET) && !self.toks[b - 1].cap) {
            b -= 1;
        }
        if b > s0 && (s0..b).any(|i| self.toks[i].cap || self.toks[i].has(ROLE | ORG)) {
            let mut a = s0;
            while a < b && self.toks[a].has(STOP) && !self.toks[a].has(DET) {
                a += 1;
            }
            if a < b {
                return Some((a, b));
            }
        }
        None
    }

    /// Speaker after an inverted cue: "said Ambassador Mohib", "added KCNA".
    fn subject_after(&self, cue: usize) -> Option<(usize, usize)> {
        let n = self.toks.len();
        let mut k = cue + 1;
        if k >= n {
            return None;
        }
        let t = &self.toks[k];
        if !t.is_word() || !(t.cap || t.has(DET | PRON | TITLE | ROLE)) {
            return None;
        }
        if t.has(PRON) && !t.cap && self.toks.get(k + 1).is_none_or(|x| x.is_word()) {
            return None;
        }
        let a = k;
        let mut words = 0;
        while k < n {
            let t = &self.toks[k];
            if !t.is_word() {
                if t.is('-') || t.is('‐') {
                    k += 1;
                    continue;
                }
                break;
            }
            if t.has(BREAK) && !t.cap && !matches!(self.w(k), "of" | "by" | "for") {
                break;
            }
            words += 1;
            if words > 7 {
                break;
            }
            k += 1;
        }
        if k > a { Some((a, k)) } else { None }
    }

    /// Object of "told": "told reporters", "told LA Weekly", "told the press".
    fn tell_object(&self, cue: usize) -> usize {
        let n = self.toks.len();
        let mut k = cue + 1;
        let mut seen_cap = false;
        let mut words = 0;
        while k < n && words < 5 {
            let t = &self.toks[k];
            if !t.is_word() || t.q != 0 {
                break;
            }
            let w = self.w(k);
            if w.eq_ignore_ascii_case("that") || (t.has(BREAK) && !t.cap) {
                break;
            }
            if words > 0 && (t.has(SUBJ) || (t.has(DET) && (seen_cap || words >= 1))) {
                break;
            }
            if t.has(PRON) && words == 0 {
                // "told him": object pronoun.
                k += 1;
                break;
            }
            if !t.cap && !t.has(DET) && words > 0 && seen_cap {
                break;
            }
            seen_cap |= t.cap;
            words += 1;
            k += 1;
            if !t.cap && !t.has(DET) {
                // "reporters", "the press": a common noun ends the object.
                break;
            }
        }
        k
    }

    /// Skips adjuncts after a cue ("on Thursday", "in an e-mailed statement on Wednesday").
    fn skip_adjuncts(&self, mut k: usize, lim: usize) -> usize {
        let n = self.toks.len();
        let mut guard = 0;
        while k <= lim && k < n && guard < 3 {
            guard += 1;
            let t = &self.toks[k];
            if !t.is_word() {
                break;
            }
            if t.has(TIME) && (t.cap || !t.has(PREP)) {
                k += 1;
                continue;
            }
            if !t.has(PREP) {
                break;
            }
            // "stated to LA Weekly that": a recipient before "that".
            if let Some(m) = (k + 1..(k + 7).min(lim + 1).min(n)).find(|&m| self.lw(m, "that"))
                && (k + 1..m).all(|x| self.toks[x].is_word() && (self.toks[x].cap || self.toks[x].has(DET)))
                && m > k + 1
            {
                k = m;
                break;
            }
            // Preposition: consume up to a time/setting word.
            let mut m = k + 1;
            let mut found = None;
            while m <= lim && m < n && m < k + 8 {
                let u = &self.toks[m];
                if !u.is_word() || self.lw(m, "that") {
                    break;
                }
                if u.has(TIME) {
                    found = Some(m);
                    // Keep going over "on Wednesday" chains.
                    if m + 1 < n && self.toks[m + 1].is_word() && self.toks[m + 1].has(TIME) {
                        m += 1;
                        found = Some(m);
                    }
                    break;
                }
                m += 1;
            }
            match found {
                Some(m) => k = m + 1,
                None => break,
            }
        }
        k
    }

    fn content_end(&self, from: usize, cue: usize) -> Option<usize> {
        // Last token of the sentence, or of the enclosing quote.
        let mut e = self.send[from];
        let qi = self.toks[cue].q;
        if qi != 0 {
            let mut x = from;
            while x < self.toks.len() && self.toks[x].q == qi {
                x += 1;
            }
            e = e.min(x.saturating_sub(1));
        }
        // A second, coordinated report ends this one: "said X, and said Y".
        let mut k = from + 1;
        while k <= e {
            if self.toks[k].is(':') && k < e && self.is_open_mark(k + 1) {
                e = k.checked_sub(1)?;
                break;
            }
            if self.lw(k, "and") && k < e && self.is_cue(k + 1) {
                let mut z = k;
                if z > from && self.toks[z - 1].is(',') {
                    z -= 1;
                }
                e = z.checked_sub(1)?;
                break;
            }
            k += 1;
        }
        // Trailing punctuation and closing marks are not content.
        while e > from && !self.toks[e].is_word() {
            let t = &self.toks[e];
            if matches!(
                t.kind,
                Kind::Punct('.' | '!' | '?' | ',' | ';' | ':' | '”' | '"' | '’' | '\'' | '»' | '…')
            ) || t.kind == Kind::Newline
            {
                e -= 1;
            } else {
                break;
            }
        }
        if e < from { None } else { Some(e) }
    }

    fn words_in(&self, a: usize, b: usize) -> usize {
        (a..=b.min(self.toks.len() - 1))
            .filter(|&i| self.toks[i].is_word())
            .count()
    }

    /// Reported speech: "X said (that) …", "according to X, …".
    fn indirect(&self) -> Vec<Cand> {
        let mut out = Vec::new();
        let n = self.toks.len();
        for i in 0..n {
            if !self.toks[i].is_word() {
                continue;
            }
            if self.is_according(i) {
                if self.phrase_len(i) == 2
                    && let Some(c) = self.according(i)
                {
                    out.push(c);
                }
                continue;
            }
            if !self.is_cue(i) {
                continue;
            }
            let t = &self.toks[i];
            // "Institutional recipients, said Mauer, are required …".
            if i > 0
                && self.toks[i - 1].is(',')
                && t.has(CUE)
                && t.q == 0
                && let Some((x, y)) = self.subject_after(i)
                && y < n
                && self.toks[y].is(',')
            {
                let lim = self.send[i];
                let mut st = y + 1;
                while st <= lim && st < n && !self.toks[st].is_word() {
                    st += 1;
                }
                if st <= lim
                    && let Some(e) = self.content_end(st, i)
                    && self.words_in(st, e) >= 3
                    && self.has_finite(st, e)
                {
                    out.push(Cand {
                        content: (self.toks[st].s, self.toks[e].e),
                        np: Some((x, y)),
                        cue: Some((t.s, t.e)),
                        cue_tok: Some(i),
                        kind: QuoteKind::Indirect,
                        cont: false,
                        ghost: false,
                        para: self.para[i],
                    });
                }
                continue;
            }
            let Some(np) = self.subject_before(i) else { continue };
            if self.person12(np) {
                continue;
            }
            // "what the average person would think": a hypothetical thought.
            if (self.w(i).starts_with("think") || self.w(i).starts_with("believ") || self.w(i).starts_with("feel"))
                && (np.1..i).any(|m| matches!(self.w(m), "would" | "could" | "might" | "may"))
            {
                continue;
            }
            // "If wikiHow volunteers think …": a condition, not a report.
            if np.0 > 0
                && matches!(
                    self.w(np.0 - 1),
                    "If" | "if" | "unless" | "Unless" | "whether" | "Whether"
                )
            {
                continue;
            }
            if (np.0..np.1).all(|k| {
                !self.toks[k].is_word()
                    || self.toks[k].has(DET | STOP) && !self.toks[k].has(PRON)
                    || matches!(
                        self.w(k).to_ascii_lowercase().as_str(),
                        "first"
                            | "second"
                            | "third"
                            | "last"
                            | "next"
                            | "same"
                            | "other"
                            | "former"
                            | "latter"
                            | "old"
                            | "new"
                            | "total"
                            | "latest"
                            | "newest"
                            | "final"
                    )
            }) {
                continue;
            }
            if (np.0..np.1).any(|k| self.w(k).ends_with("n’t") || self.w(k).ends_with("n't")) {
                continue;
            }
            if i > 0 && self.toks[i - 1].has(DET) {
                // "the claims made …": a noun.
                continue;
            }
            let ghost = Cand {
                content: (self.toks[i].s, self.toks[i].s),
                np: Some(np),
                cue: None,
                cue_tok: None,
                kind: QuoteKind::Indirect,
                cont: false,
                ghost: true,
                para: self.para[i],
            };
            out.push(ghost);
            if t.q != 0 {
                // Inside a quotation only with a named subject ("“Minister X said on Thursday …”").
                if !(np.0..np.1).any(|k| self.toks[k].cap && !self.toks[k].has(PRON)) {
                    continue;
                }
            }
            let lim = self.send[i];
            let mut k = i + 1;
            if t.has(CUE_TELL) {
                k = self.tell_object(i);
                if k == i + 1 {
                    continue;
                }
            }
            let cue_end = k;
            if t.has(CUE_TELL)
                && let Some(m) = (k..(k + 10).min(lim + 1)).find(|&m| self.lw(m, "that"))
                && (k..m).all(|x| {
                    let u = &self.toks[x];
                    (u.is_word() && !u.has(SKIP | NEG) && !IRREGULAR.contains(&self.w(x))) || u.is('.') || u.is(',')
                })
            {
                // "told VOA Pentagon correspondent Carla Babb on Nov. 4 that …".
                k = m;
            }
            if self.lw(k.min(n - 1), "of") && self.w(i).starts_with("sa") {
                // "said of his time at …".
                let mut m = k + 1;
                while m <= lim && !self.lw(m, "that") && m < k + 10 {
                    m += 1;
                }
                if self.lw(m.min(n - 1), "that") {
                    k = m;
                }
            }
            k = self.skip_adjuncts(k, lim);
            if k < n
                && self.toks[k].is_word()
                && self.toks[k].has(PREP | CONN)
                && let Some(m) = (k + 1..(k + 9).min(lim + 1)).find(|&m| self.lw(m, "that"))
                && (k + 1..m).all(|x| {
                    let u = &self.toks[x];
                    (u.is_word() && !u.has(SKIP | NEG) && !self.w(x).ends_with("ed") && !IRREGULAR.contains(&self.w(x)))
                        || u.is('.')
                        || u.is(',')
                })
            {
                // "said in an Oct. 26 letter to communications companies that …".
                k = m;
            }
            // Sentence-final report: "…, researchers say."
            if (k..=lim).all(|m| m >= n || !self.toks[m].is_word()) {
                let s0 = self.sstart[i];
                if np.0 > s0 + 1 && self.toks[np.0 - 1].is(',') && t.q == 0 {
                    let mut e = np.0 - 2;
                    while e > s0 && !self.toks[e].is_word() {
                        e -= 1;
                    }
                    let mut st = s0;
                    while st < e && !self.toks[st].is_word() {
                        st += 1;
                    }
                    if self.words_in(st, e) >= 3 && self.toks[st].q == 0 {
                        out.push(Cand {
                            content: (self.toks[st].s, self.toks[e].e),
                            np: Some(np),
                            cue: Some((self.toks[i].s, self.toks[i].e)),
                            cue_tok: Some(i),
                            kind: QuoteKind::Indirect,
                            cont: false,
                            ghost: false,
                            para: self.para[i],
                        });
                    }
                }
                continue;
            }
            if k > lim || k >= n {
                continue;
            }
            // "explains, in a satirical fashion, that …".
            if self.toks[k].is(',') {
                let mut m = k + 1;
                while m < lim && m < k + 12 && !self.toks[m].is(',') {
                    m += 1;
                }
                if m < lim && self.toks[m].is(',') && self.lw(m + 1, "that") {
                    k = m + 1;
                }
            }
            let strict = t.has(CUE_STRICT);
            let s0 = self.sstart[i];
            let start = if self.lw(k, "that") {
                k + 1
            } else if self.toks[k].has(WH) && (self.w(i).starts_with("expla") || self.w(i).starts_with("ask")) {
                k
            } else if let Some(m) = (k..(k + 5).min(lim + 1).min(n)).find(|&m| self.toks[m].has(WH))
                && self.w(i).starts_with("ask")
                && (k..m).all(|x| self.toks[x].is_word() && !self.toks[x].has(BREAK))
            {
                // "asked government officials how …".
                m
            } else if self.toks[k].is(',') && np.0 > s0 && self.lw(np.0 - 1, "as") {
                // "As Heald told The Huffington Post, US surface ozone has dropped".
                k + 1
            } else if strict {
                continue;
            } else {
                let s = &self.toks[k];
                // "feels smooth", "felt good": a copula, unless a clause with a subject follows.
                let copula = self.w(i).starts_with("fe");
                let ok = s.is_word()
                    && s.q == t.q
                    && (s.has(SUBJ | DET)
                        || s.cap
                        || !(copula || s.has(BREAK | PREP | SKIP | NEG) || self.w(k).ends_with("ly")));
                if !ok {
                    continue;
                }
                k
            };
            let mut start = start;
            while start <= lim && start < n && !self.toks[start].is_word() && !self.is_open_mark(start) {
                start += 1;
            }
            if start > lim || start >= n {
                continue;
            }
            let Some(e) = self.content_end(start, i) else { continue };
            if self.words_in(start, e) < 3 || !self.has_finite(start, e) {
                continue;
            }
            let cue_span = (self.toks[i].s, self.toks[cue_end.saturating_sub(1).max(i)].e);
            out.push(Cand {
                content: (self.toks[start].s, self.toks[e].e),
                np: Some(np),
                cue: Some(cue_span),
                cue_tok: Some(i),
                kind: QuoteKind::Indirect,
                cont: false,
                ghost: false,
                para: self.para[i],
            });
        }
        out
    }

    fn according(&self, i: usize) -> Option<Cand> {
        let n = self.toks.len();
        let s0 = self.sstart[i];
        let lim = self.send[i];
        let pl = self.phrase_len(i);
        let cue = (self.toks[i].s, self.toks[i + pl - 1].e);
        let a = i + pl;
        if a > lim || a >= n {
            return None;
        }
        // Is "according to" at the start of the sentence (or of a "that" clause)?
        let initial =
            (s0..i).all(|k| !self.toks[k].is_word() || self.toks[k].has(STOP)) || (i > s0 && self.lw(i - 1, "that"));
        let mut b = a;
        while b <= lim && !self.toks[b].is(',') && !self.is_hard_punct(b) && b < a + 14 && !self.is_open_mark(b) {
            b += 1;
        }
        let comma = b <= lim && self.toks[b].is(',');
        let mut np = (a, b);
        let mut after = b + 1;
        if !comma && initial {
            // No comma: "According to Rathbun the property …" — the capitalised run.
            let mut c = a;
            while c < b
                && (self.toks[c].cap && !(c > a + 1 && self.toks[c].has(TITLE) && self.toks[c].has(ROLE))
                    || (c == a && self.toks[c].has(DET | ROLE | TITLE))
                    || (self.lw(c, "and") && c > a && self.toks[c - 1].cap && c + 1 < b && self.toks[c + 1].cap))
            {
                c += 1;
            }
            np = (a, c.max(a + 1));
            after = np.1;
        } else if comma {
            // Appositive name: "the team's coach, Alireza Mehraban, …".
            let mut c = after;
            while c <= lim && self.toks[c].cap && c < after + 4 {
                c += 1;
            }
            if c > after && c <= lim && self.toks[c].is(',') && !self.toks[after].has(STOP) {
                np = (after, c);
                after = c + 1;
            }
            // "quoting …," / "citing …,": skip the participle phrase.
            if after <= lim && (self.lw(after, "quoting") || self.lw(after, "citing")) {
                let mut c = after;
                while c <= lim && !self.toks[c].is(',') {
                    c += 1;
                }
                after = c + 1;
            }
        }
        let mut na = np.0;
        while na < np.1 && !self.toks[na].is_word() {
            na += 1;
        }
        let mut nb = np.1;
        while nb > na && !self.toks[nb - 1].is_word() {
            nb -= 1;
        }
        if nb <= na {
            return None;
        }
        let np = (na, nb);
        // The content: after the speaker when "according to" opens the sentence or a parenthesis
        // (", according to X, the …"), before it otherwise ("…, according to X.").
        let parenthetical = comma
            && after <= lim
            && self.words_in(after, lim) >= 3
            && i > s0
            && self.toks[i - 1].is(',')
            && self.has_finite(after, lim);
        let (cs, ce) = if initial || parenthetical {
            if after > lim {
                return None;
            }
            let mut st = after;
            while st <= lim && !self.toks[st].is_word() && !self.is_open_mark(st) {
                st += 1;
            }
            (st, self.content_end(st, i)?)
        } else {
            let mut st = s0;
            let mut k = i;
            while k > s0 {
                k -= 1;
                if self.lw(k, "that") {
                    st = k + 1;
                    break;
                }
            }
            let mut e = i.checked_sub(1)?;
            while e > st && !self.toks[e].is_word() && !matches!(self.toks[e].kind, Kind::Punct('"' | '”')) {
                e -= 1;
            }
            while st < e && !self.toks[st].is_word() && !self.is_open_mark(st) {
                st += 1;
            }
            (st, e)
        };
        if ce < cs || self.words_in(cs, ce) < 3 {
            return None;
        }
        Some(Cand {
            content: (self.toks[cs].s, self.toks[ce].e),
            np: Some(np),
            cue: Some(cue),
            cue_tok: Some(i),
            kind: QuoteKind::Indirect,
            cont: false,
            ghost: false,
            para: self.para[i],
        })
    }

    /// Cue and speaker right after a closing mark: `," Peskov told reporters`, `," said Mohib`.
    fn post_attribution(&self, sp: &Span) -> Option<Attribution> {
        let close = sp.close?;
        let n = self.toks.len();
        let ci = self.tok_at(close);
        let mut k = ci + 1;
        if k >= n {
            return None;
        }
        let content = &self.text[sp.content.0..sp.content.1];
        let ends_stop = content.ends_with(['.', '!', '?', '…']);
        // Pull quote: `"…" - Matthew Ingram` / `— Peres, on …`.
        if matches!(self.toks[k].kind, Kind::Punct('-' | '—' | '–')) {
            if !ends_stop {
                return None;
            }
            let a = k + 1;
            let mut b = a;
            while b < n && self.toks[b].is_word() && self.toks[b].cap && b < a + 5 {
                b += 1;
            }
            if b > a {
                return Some((Some((a, b)), None, a));
            }
            return None;
        }
        if ends_stop {
            // Byline under a pull quote: `"…." Anonymous blogger, "Title"`.
            let a = k;
            let mut b = a;
            while b < n && self.toks[b].is_word() && (self.toks[b].cap || self.toks[b].has(ROLE)) && b < a + 4 {
                b += 1;
            }
            let closes = b >= n
                || self.toks[b].is(',')
                || self.toks[b].kind == Kind::Newline
                || self.lw(b, "image")
                || self.lw(b, "photo");
            if b > a
                && closes
                && self.toks[a].cap
                && !self.toks[a].has(STOP)
                && self
                    .tok_at(sp.open)
                    .checked_sub(1)
                    .is_none_or(|p| self.toks[p].kind == Kind::Newline)
            {
                return Some((Some((a, b)), None, a));
            }
        }
        if content.ends_with('.') {
            return None;
        }
        if self.toks[k].is(',') || self.toks[k].is(';') {
            k += 1;
        }
        if k >= n {
            return None;
        }
        // Inverted: `," said Ambassador Mohib`.
        if self.is_cue(k) && !self.toks[k].has(CUE_STRICT) || (self.is_cue(k) && self.w(k).ends_with("ed")) {
            let np = self.subject_after(k);
            np?;
            let cue_end = if self.toks[k].has(CUE_TELL) {
                self.tell_object(k)
            } else {
                k + 1
            };
            return Some((np, Some((self.toks[k].s, self.toks[cue_end.max(k + 1) - 1].e)), k));
        }
        if self.is_according(k) {
            let pl = self.phrase_len(k);
            let a = k + pl;
            let mut b = a;
            while b < n && !self.is_hard_punct(b) && !self.toks[b].is(',') && !self.toks[b].end && b < a + 10 {
                b += 1;
            }
            if b < n && self.toks[b].end && self.toks[b].is_word() {
                b += 1;
            }
            let mut b2 = b;
            while b2 > a && !self.toks[b2 - 1].is_word() {
                b2 -= 1;
            }
            let np = if b2 > a { self.np_back(b2 - 1, a) } else { None };
            np?;
            return Some((np, Some((self.toks[k].s, self.toks[k + pl - 1].e)), k));
        }
        // `," Kremlin spokesman Dmitry Peskov told reporters`, `," he said`.
        let first = &self.toks[k];
        if !first.is_word() {
            return None;
        }
        let mut m = k;
        let mut words = 0;
        let mut seg_end = None;
        while m < n && words < 16 {
            let t = &self.toks[m];
            if t.kind == Kind::Newline || t.end && !t.is_word() || self.is_open_mark(m) {
                return None;
            }
            if t.is(',') && seg_end.is_none() {
                seg_end = Some(m);
            }
            if t.is_word() {
                if self.is_cue(m) && !t.cap {
                    break;
                }
                if t.has(BREAK)
                    && !t.cap
                    && seg_end.is_none()
                    && !matches!(self.w(m), "of" | "and" | "for" | "at" | "to")
                    && !t.has(SKIP)
                {
                    return None;
                }
                words += 1;
            }
            m += 1;
        }
        if m >= n || !self.is_cue(m) {
            return None;
        }
        // Speaker: the first comma segment when there is an appositive.
        let np_end = seg_end.unwrap_or(m);
        let mut e = np_end;
        while e > k && (self.toks[e - 1].has(SKIP) && !self.toks[e - 1].cap || !self.toks[e - 1].is_word()) {
            e -= 1;
        }
        if e <= k {
            return None;
        }
        if self.words_in(k, e - 1) > 8 {
            return None;
        }
        let np = self.np_back(e - 1, k)?;
        if (k..np.0).any(|x| self.toks[x].is_word() && !self.toks[x].has(DET | STOP | TITLE)) {
            return None;
        }
        if !(np.0..np.1).any(|i| self.toks[i].cap || self.toks[i].has(ROLE | ORG | PRON)) {
            return None;
        }
        let cue_end = if self.toks[m].has(CUE_TELL) {
            self.tell_object(m)
        } else {
            m + 1
        };
        Some((Some(np), Some((self.toks[m].s, self.toks[cue_end.max(m + 1) - 1].e)), m))
    }

    /// Cue before the opening mark in the same sentence.
    fn pre_cue(&self, open_tok: usize) -> Option<usize> {
        let s0 = self.sstart[open_tok.min(self.toks.len() - 1)];
        let mut k = open_tok;
        let mut steps = 0;
        while k > s0 && steps < 45 {
            k -= 1;
            steps += 1;
            let t = &self.toks[k];
            if t.kind == Kind::Newline {
                break;
            }
            if t.q != 0 || !t.is_word() {
                continue;
            }
            if self.is_cue(k) || t.has(CUE_QUOTE) || self.is_according(k) {
                return Some(k);
            }
        }
        None
    }

    fn extract(&self) -> Vec<Quote> {
        let mut cands = self.indirect();
        // "According to ABC News, Basya also believes …": the inner report names the speaker.
        let mut inner: FxHashMap<usize, usize> = FxHashMap::default(); // subject start → cue
        for c in cands.iter().filter(|c| !c.ghost) {
            if let Some(t) = c.cue_tok
                && !self.is_according(t)
            {
                let subj = c.np.map_or(t, |x| x.0);
                let e = inner.entry(subj).or_insert(t);
                *e = (*e).min(t);
            }
        }
        cands.retain(|c| {
            let Some(t) = c.cue_tok else { return true };
            if !self.is_according(t) {
                return true;
            }
            let a = self.tok_at(c.content.0);
            !inner.get(&a).is_some_and(|&cue| cue > a && cue <= a + 6)
        });
        let n = self.toks.len();
        // Drop a report nested in another with a pronoun subject ("Memon said she believed …").
        let mut outer: Vec<(usize, usize)> = cands.iter().filter(|c| !c.ghost).map(|c| c.content).collect();
        outer.sort_unstable();
        cands.retain(|c| {
            let Some(np) = c.np else { return true };
            let pron = np.1 == np.0 + 1 && self.toks[np.0].has(PRON);
            if !pron || c.ghost {
                return true;
            }
            let cue = c.cue.map_or(0, |x| x.0);
            let upto = outer.partition_point(|o| o.0 <= cue);
            !outer[upto.saturating_sub(16)..upto]
                .iter()
                .any(|o| cue < o.1 && *o != c.content)
        });
        // Reports by cue position, to find the one a quotation sits in.
        let mut by_cue: Vec<(usize, usize)> = cands
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.cue_tok.map(|t| (t, i)))
            .collect();
        by_cue.sort_unstable();
        let mut dropped: FxHashSet<usize> = FxHashSet::default();
        let mut direct: Vec<Cand> = Vec::new();
        for sp in &self.spans {
            let open_tok = self.tok_at(sp.open);
            let words = self.text[sp.content.0..sp.content.1].split_whitespace().count();
            // `The "History" section`: a name inside a noun phrase.
            if words <= 4 && open_tok > 0 && self.toks[open_tok - 1].is_word() && self.toks[open_tok - 1].has(DET) {
                continue;
            }
            // 1. Attribution after the closing mark.
            if let Some((np, cue, cue_tok)) = self.post_attribution(sp) {
                let np = np.filter(|&x| !self.person12(x));
                // The same cue read as reported speech ("…, according to X.") is this quote.
                dropped.insert(cue_tok);
                direct.push(Cand {
                    content: sp.content,
                    np,
                    cue,
                    cue_tok: Some(cue_tok),
                    kind: QuoteKind::Direct,
                    cont: false,
                    ghost: false,
                    para: self.para[cue_tok.min(n - 1)],
                });
                continue;
            }
            // 2. Inside reported speech: a partial quote. The innermost report takes it.
            let (lo, hi) = (self.sstart[open_tok], self.send[open_tok]);
            let from = by_cue.partition_point(|x| x.0 < lo);
            let to = by_cue.partition_point(|x| x.0 <= hi);
            if !sp.single
                && let Some(ci) = by_cue[from..to]
                    .iter()
                    .map(|&(_, i)| i)
                    .filter(|&i| {
                        let c = &cands[i];
                        c.content.0 <= sp.content.0
                            && sp.content.0 < c.content.1
                            && c.cue_tok.is_some_and(|t| self.toks[t].q == 0 && !dropped.contains(&t))
                    })
                    .max_by_key(|&i| cands[i].content.0)
            {
                let c = &mut cands[ci];
                if c.content.0 >= sp.open && c.content.1 <= sp.close.map_or(sp.content.1, |x| x + 1) + 1 {
                    // `wrote that "…"`: the report is the quotation itself.
                    c.content = sp.content;
                    c.kind = QuoteKind::Direct;
                    continue;
                }
                c.kind = QuoteKind::Mixed;
                if sp.content.1 > c.content.1 && self.para[self.tok_at(sp.content.1)] == c.para {
                    c.content.1 = sp.content.1;
                }
                continue;
            }
            // 3. Cue before the opening mark.
            if !sp.continued
                && sp.open > 0
                && let Some(c) = self.pre_cue(open_tok)
                && let Some(cand) = self.pre_attributed(sp, open_tok, c)
            {
                direct.push(cand);
                continue;
            }
            if sp.single {
                // Single marks are apostrophes too often to stand without a cue.
                continue;
            }
            // 4. Paragraph or sentence opening with a quote after a colon in the paragraph before.
            let para_start = open_tok == 0 || self.toks[open_tok - 1].kind == Kind::Newline;
            let sent_start = para_start || open_tok > 0 && self.toks[open_tok - 1].end;
            if para_start && open_tok >= 2 {
                let mut p = open_tok - 1;
                while p > 0 && self.toks[p].kind == Kind::Newline {
                    p -= 1;
                }
                if self.toks[p].is(':') || self.toks[p].is(';') {
                    if let Some(c) = self.pre_cue(p)
                        && let Some(np) = self.subject_before(c)
                    {
                        let cue_end = if self.toks[c].has(CUE_TELL) {
                            self.tell_object(c)
                        } else {
                            c + 1
                        };
                        direct.push(Cand {
                            content: sp.content,
                            np: Some(np),
                            cue: Some((self.toks[c].s, self.toks[cue_end.max(c + 1) - 1].e)),
                            cue_tok: Some(c),
                            kind: QuoteKind::Direct,
                            cont: false,
                            ghost: false,
                            para: self.para[c],
                        });
                        continue;
                    }
                    if words >= 3 {
                        direct.push(self.bare(sp, false));
                        continue;
                    }
                }
            }
            // A quotation introduced by a colon without a cue: the words are quoted, the speaker unknown.
            if open_tok > 0 && self.toks[open_tok - 1].is(':') && words >= 4 {
                direct.push(self.bare(sp, false));
                continue;
            }
            // 5. Continuation of the speaker before, or a free-standing quotation.
            if (sp.continued || sent_start) && words >= 3 && !self.title_like(sp) {
                direct.push(self.bare(sp, true));
            }
        }
        if !dropped.is_empty() {
            cands.retain(|c| c.ghost || c.cue_tok.is_none_or(|t| !dropped.contains(&t)));
        }
        cands.extend(direct);
        cands.sort_by_key(|c| (c.content.0, c.content.1));
        self.resolve(cands)
    }

    /// Quoted words with no speaker of their own.
    fn bare(&self, sp: &Span, cont: bool) -> Cand {
        let t = self.tok_at(sp.content.0).min(self.toks.len() - 1);
        Cand {
            content: sp.content,
            np: None,
            cue: None,
            cue_tok: None,
            kind: QuoteKind::Direct,
            cont,
            ghost: false,
            para: self.para[t],
        }
    }

    /// A headline or title in quotes: no closing punctuation and a dash or nothing after it.
    fn title_like(&self, sp: &Span) -> bool {
        let content = &self.text[sp.content.0..sp.content.1];
        if content.ends_with(['.', '!', '?', ',', '…']) {
            return false;
        }
        if content.split_whitespace().count() <= 5 {
            // "The Gordon problem", “U.S.-controlled bandit formations”: a heading or a term.
            return true;
        }
        let Some(close) = sp.close else { return false };
        let ci = self.tok_at(close);
        let after = self.toks.get(ci + 1);
        !matches!(
            after.map(|t| t.kind),
            None | Some(Kind::Newline) | Some(Kind::Punct('.' | '!' | '?' | ','))
        )
    }

    fn pre_attributed(&self, sp: &Span, open_tok: usize, c: usize) -> Option<Cand> {
        let t = &self.toks[c];
        let n = self.toks.len();
        let according = self.is_according(c);
        let mut k = c + 1;
        let mut cue_end = c + 1;
        if according {
            k = c + self.phrase_len(c);
            cue_end = k;
            while k < open_tok && !self.toks[k].is(',') {
                k += 1;
            }
        } else if t.has(CUE_TELL) {
            k = self.tell_object(c);
            cue_end = k.max(c + 1);
        }
        // What lies between the cue and the mark?
        let gap: Vec<usize> = (k..open_tok).collect();
        let gap_words: Vec<usize> = gap.iter().copied().filter(|&i| self.toks[i].is_word()).collect();
        let ends_colon = open_tok > 0 && self.toks[open_tok - 1].is(':');
        let ends_comma = open_tok > 0 && self.toks[open_tok - 1].is(',');
        let filler = gap_words.iter().all(|&i| FILLER.iter().any(|f| self.lw(i, f)));
        let adjunct = gap_words
            .first()
            .is_some_and(|&i| self.toks[i].has(PREP | CONN) && !self.lw(i, "that"));
        if gap_words.len() > 30 {
            return None;
        }
        // `says on "The Internet Explorer 6 Countdown"`, `called "Hope"`: a title or a name.
        if let Some(&lw) = gap_words.last()
            && lw + 1 == open_tok
            && (self.toks[lw].has(PREP | CONN)
                || matches!(self.w(lw), "called" | "named" | "titled" | "entitled" | "as"))
            && !(self.w(lw) == "as" && t.has(CUE_QUOTE))
        {
            return None;
        }
        let only_that = gap_words.len() == 1 && self.lw(gap_words[0], "that");
        let quote_cue = !self.is_cue(c) && !according;
        if sp.single && !(gap_words.is_empty() || ends_colon || ends_comma) {
            return None;
        }
        // `said on CNBC's "Trading Nation"`: a programme or a title after an adjunct.
        let qwords = self.text[sp.content.0..sp.content.1].split_whitespace().count();
        if adjunct && !ends_colon && !ends_comma && qwords < 5 {
            return None;
        }
        let direct = gap_words.is_empty()
            || filler
            || ends_colon
            || adjunct
            || according
            || only_that
            || quote_cue
            || (ends_comma && gap_words.len() <= 2);
        let np = if according {
            let a = c + self.phrase_len(c);
            let mut b = a;
            while b < open_tok && !self.toks[b].is(',') && !self.is_hard_punct(b) {
                b += 1;
            }
            // "in the words of the Crown prosecutor, Mark Tedeschi, QC, …": the name.
            let mut x = b + 1;
            while x < open_tok && self.toks[x].cap && x < b + 5 {
                x += 1;
            }
            if b < open_tok && self.toks[b].is(',') && x > b + 2 && x < open_tok && self.toks[x].is(',') {
                self.np_back(x - 1, b + 1)
            } else if b > a {
                self.np_back(b - 1, a)
            } else {
                None
            }
        } else {
            self.subject_before(c)
        };
        let np = np.filter(|&x| !self.person12(x));
        // A quote-only cue ("reads", "cited") or a cue without a speaker needs the quote right after.
        if np.is_none() && !(direct && gap_words.is_empty()) {
            return None;
        }
        if !self.is_cue(c) && !according && !t.has(CUE_QUOTE) {
            return None;
        }
        let cue = Some((t.s, self.toks[cue_end.min(n) - 1].e));
        if direct {
            return Some(Cand {
                content: sp.content,
                np,
                cue,
                cue_tok: Some(c),
                kind: QuoteKind::Direct,
                cont: false,
                ghost: false,
                para: self.para[c],
            });
        }
        // Partial quote inside reported speech: the content runs from the clause start.
        let mut s = k;
        if self.lw(s, "that") {
            s += 1;
        }
        while s < open_tok && !self.toks[s].is_word() {
            s += 1;
        }
        let start = if s < open_tok { self.toks[s].s } else { sp.content.0 };
        Some(Cand {
            content: (start, sp.content.1),
            np,
            cue,
            cue_tok: Some(c),
            kind: QuoteKind::Mixed,
            cont: false,
            ghost: false,
            para: self.para[c],
        })
    }

    /// Canonical names, pronouns and continued quotes, in text order.
    fn resolve(&self, cands: Vec<Cand>) -> Vec<Quote> {
        let mut out = Vec::with_capacity(cands.len());
        let mut last: Option<(String, usize)> = None;
        let mut last_person: Option<String> = None;
        let mut last_org: Option<String> = None;
        let mut seen: Vec<String> = Vec::new();
        for c in cands {
            if c.ghost {
                // Only remember who was speaking.
                if let Some((a, b)) = c.np
                    && !(b == a + 1 && self.toks[a].has(PRON))
                {
                    let (nm, person) = self.np_name(a, b);
                    if !nm.is_empty() {
                        if person {
                            last_person = Some(nm.clone());
                        } else {
                            last_org = Some(nm.clone());
                        }
                        last = Some((nm, c.para));
                    }
                }
                continue;
            }
            let mut name = None;
            let mut speaker = None;
            if c.cont {
                if let Some((l, p)) = &last
                    && c.para <= p + 2
                {
                    name = Some(l.clone());
                } else {
                    // "Mayor John Smith spoke on Monday. “The bridge …”": the person just named.
                    let t = self.tok_at(c.content.0);
                    name = self.person_before(t, 1);
                }
            } else if let Some((a, b)) = c.np {
                speaker = Some((self.toks[a].s, self.toks[b - 1].e));
                if b == a + 1 && self.toks[a].has(PRON) {
                    let w = self.w(a).to_lowercase();
                    name = match w.as_str() {
                        "he" | "she" => self
                            .person_in_sentence(a)
                            .or_else(|| last_person.clone())
                            .or_else(|| self.person_before(a, 3))
                            .or_else(|| last.as_ref().map(|x| x.0.clone())),
                        "it" => last_org.clone().or_else(|| last.as_ref().map(|x| x.0.clone())),
                        "they" => {
                            let s0 = self.sstart[a];
                            let subj = if a > s0 { self.sentence_subject(s0, a) } else { None };
                            match subj {
                                Some((x, y))
                                    if !(y == x + 1 && self.toks[x].has(PRON))
                                        && (x..y).any(|m| {
                                            self.toks[m].cap || self.toks[m].has(ORG) || self.w(m).ends_with('s')
                                        }) =>
                                {
                                    Some(self.np_name(x, y).0)
                                }
                                _ => last_org.clone().or_else(|| last.as_ref().map(|x| x.0.clone())),
                            }
                        }
                        _ => None,
                    };
                } else {
                    let (mut nm, person) = self.np_name(a, b);
                    // "the poster" after "One poster": the same speaker.
                    if let Some(head) = nm.strip_prefix("the ").or_else(|| nm.strip_prefix("The "))
                        && !head.contains(' ')
                        && let Some(prev) = seen.iter().rev().take(64).find(|p| {
                            p.ends_with(head)
                                && p.len() > head.len()
                                && p.as_bytes().get(p.len() - head.len() - 1) == Some(&b' ')
                                && !p.starts_with("the ")
                        })
                    {
                        nm = prev.clone();
                    }
                    if !nm.is_empty() {
                        seen.push(nm.clone());
                        if person {
                            last_person = Some(nm.clone());
                        } else {
                            last_org = Some(nm.clone());
                        }
                        name = Some(nm);
                    }
                }
            }
            if let Some(nm) = &name {
                last = Some((nm.clone(), c.para));
            }
            out.push(Quote {
                content: c.content.0..c.content.1,
                speaker: speaker.map(|(a, b)| a..b),
                speaker_name: name,
                cue: c.cue.map(|(a, b)| a..b),
                kind: c.kind,
            });
        }
        out.sort_by_key(|q| (q.content.start, q.content.end));
        out.dedup_by(|b, a| a.content == b.content);
        out
    }

    /// The person a "he"/"she" at token `a` most likely means: the first person named in its
    /// sentence before it ("Hoop Scheffer, he said"), else in the sentence before
    /// ("Harry Kane won the award. He said …").
    fn person_in_sentence(&self, a: usize) -> Option<String> {
        let s0 = self.sstart[a];
        if let Some(p) = self.first_person(s0, a) {
            return Some(p);
        }
        if s0 > 0 && self.para[s0 - 1] == self.para[a] {
            let p0 = self.sstart[s0 - 1];
            return self.first_person(p0, s0);
        }
        None
    }

    /// The first person named in the nearest of the `sentences` sentences before token `a`.
    fn person_before(&self, a: usize, sentences: usize) -> Option<String> {
        let mut end = self.sstart[a.min(self.toks.len() - 1)];
        for _ in 0..sentences {
            if end <= 1 {
                return None;
            }
            let st = self.sstart[end - 1];
            if let Some(p) = self.first_person(st, end) {
                return Some(p);
            }
            end = st;
        }
        None
    }

    fn first_person(&self, lo: usize, hi: usize) -> Option<String> {
        let mut k = lo;
        while k < hi {
            let is_name = |i: usize| {
                let t = &self.toks[i];
                t.is_word() && t.cap && !t.has(STOP | ORG) && t.q == 0
            };
            if !is_name(k) {
                k += 1;
                continue;
            }
            let st = k;
            while k < hi && is_name(k) && !names::is_possessive(self.w(k)) {
                k += 1;
            }
            if k < hi && is_name(k) {
                k += 1;
            }
            let governed = st > lo && {
                let p = &self.toks[st - 1];
                p.is_word() && !p.cap && p.has(DET | CONN | BREAK | PREP)
            };
            if governed {
                continue;
            }
            let (nm, person) = self.np_name(st, k);
            if person && !nm.is_empty() {
                return Some(nm);
            }
        }
        None
    }

    /// Canonical name for the noun phrase `a..b`, and whether it names a person.
    fn np_name(&self, a: usize, b: usize) -> (String, bool) {
        let words: Vec<usize> = (a..b).filter(|&i| self.toks[i].is_word()).collect();
        let Some(&lastw) = words.last() else {
            return (String::new(), false);
        };
        // Reduced relative clause: "an Internet posting made …", "a letter seen by …".
        if let Some(p) = (1..words.len()).find(|&p| {
            let i = words[p];
            let w = self.w(i);
            let prev = &self.toks[words[p - 1]];
            !self.toks[i].cap
                && !prev.has(DET)
                && !prev.has(BREAK)
                && (w.ends_with("ed") || IRREGULAR.contains(&w))
                && w.len() > 3
        }) {
            return self.np_name(a, words[p]);
        }
        let as_written = || {
            let mut s = a;
            while s < b && !self.toks[s].is_word() {
                s += 1;
            }
            let txt = &self.text[self.toks[s].s..self.toks[b - 1].e];
            let txt = txt.trim_end_matches([',', '.', ' ']);
            let txt = txt
                .strip_prefix("Both ")
                .or_else(|| txt.strip_prefix("both "))
                .unwrap_or(txt);
            if let Some(rest) = txt.strip_prefix("The ") {
                format!("the {rest}")
            } else {
                txt.to_string()
            }
        };
        // "George Bush and James Baker": two people.
        if let Some(&and) = words.iter().find(|&&i| self.w(i) == "and")
            && and > a
            && words
                .iter()
                .filter(|&&i| i < and && self.toks[i].cap && !self.toks[i].has(STOP | TITLE | ORG))
                .count()
                >= 2
            && words
                .iter()
                .filter(|&&i| i > and && self.toks[i].cap && !self.toks[i].has(STOP | TITLE | ORG))
                .count()
                >= 2
            && !self.toks[lastw].has(ORG)
        {
            let (l, _) = self.np_name(a, and);
            let (r, _) = self.np_name(and + 1, b);
            if !l.is_empty() && !r.is_empty() && !l.starts_with("the ") {
                return (format!("{l} and {r}"), true);
            }
        }
        // "Matthew Ingram of The Globe and Mail", "Lydia Buchtmann for Food Standards …".
        {
            let mut k = 0;
            while k < words.len() && self.toks[words[k]].has(DET) && !self.toks[words[k]].cap {
                k += 1;
            }
            let st = k;
            while k < words.len() {
                let t = &self.toks[words[k]];
                if t.cap && !t.has(STOP | TITLE | ORG) && !names::is_possessive(self.w(words[k])) {
                    k += 1;
                } else {
                    break;
                }
            }
            if k - st >= 2
                && k < words.len()
                && matches!(self.w(words[k]), "of" | "for" | "from" | "at" | "with")
                && words[k - 1] + 1 == words[k]
            {
                let s = self.toks[words[st]].s;
                return (names::bare(&self.text[s..self.toks[words[k - 1]].e]).to_string(), true);
            }
        }
        let lt = &self.toks[lastw];
        // "the People's Daily", "the Chinese CDC": an institution's name.
        if words.len() >= 3 && self.w(words[0]) == "the" && words[1..].iter().all(|&i| self.toks[i].cap) {
            return (as_written(), false);
        }
        // "the Church" after "the Church of Scientology".
        if words.len() == 2
            && self.lw(words[0], "the")
            && lt.cap
            && let Some(full) = self.names.head(self.w(lastw))
        {
            return (format!("the {full}"), false);
        }
        if !lt.cap || lt.has(ORG) {
            // "Cornyn's statement": the owner of the statement speaks.
            // The head noun: the last word, or the word before "of" ("PC World's analysis of …").
            let head = words
                .iter()
                .position(|&i| self.w(i) == "of")
                .and_then(|p| p.checked_sub(1))
                .map_or(lastw, |p| words[p]);
            let doc = matches!(
                self.w(head).to_ascii_lowercase().as_str(),
                "statement"
                    | "letter"
                    | "report"
                    | "tweet"
                    | "post"
                    | "blog"
                    | "website"
                    | "message"
                    | "email"
                    | "analysis"
                    | "study"
                    | "survey"
                    | "research"
                    | "findings"
                    | "paper"
                    | "e-mail"
                    | "release"
                    | "spokesman"
                    | "spokeswoman"
                    | "spokesperson"
                    | "office"
                    | "lawyer"
                    | "lawyers"
                    | "attorney"
                    | "account"
            );
            if doc
                && let Some(&p) = words
                    .iter()
                    .rev()
                    .find(|&&i| i < lastw && self.toks[i].cap && names::is_possessive(self.w(i)))
            {
                let (nm, person) = self.np_name(a, p + 1);
                if !nm.is_empty() {
                    return (nm, person);
                }
            }
            return (as_written(), false);
        }
        // Runs of capitalised words.
        let mut runs: Vec<(Vec<usize>, bool, Option<usize>)> = Vec::new(); // (tokens, possessive, token before)
        let mut cur: Vec<usize> = Vec::new();
        let mut before = None;
        for &i in &words {
            let t = &self.toks[i];
            let is_name = t.cap && !(t.has(STOP) && !t.has(TITLE) && cur.is_empty());
            let contiguous = cur
                .last()
                .is_some_and(|&l| (l + 1..i).all(|m| matches!(self.toks[m].kind, Kind::Punct('-' | '‐'))));
            if is_name && (cur.is_empty() || contiguous) {
                if cur.is_empty() {
                    before = (a..i).rev().find(|&m| self.toks[m].is_word());
                }
                cur.push(i);
                if names::is_possessive(self.w(i)) {
                    runs.push((std::mem::take(&mut cur), true, before));
                }
                continue;
            }
            if !cur.is_empty() {
                runs.push((std::mem::take(&mut cur), false, before));
            }
            if is_name {
                before = (a..i).rev().find(|&m| self.toks[m].is_word());
                cur.push(i);
            }
        }
        if !cur.is_empty() {
            runs.push((cur, false, before));
        }
        if runs.is_empty() {
            return (as_written(), false);
        }
        let role_before = |r: &(Vec<usize>, bool, Option<usize>)| {
            r.2.is_some_and(|m| !self.toks[m].cap && self.toks[m].has(ROLE | TITLE))
        };
        let is_role_run = |r: &(Vec<usize>, bool, Option<usize>)| {
            r.0.last().is_some_and(|&l| self.toks[l].has(TITLE)) || r.0.iter().all(|&i| self.toks[i].has(TITLE))
        };
        let pick = if let Some(r) = runs.iter().rev().find(|r| role_before(r) && !r.1) {
            r.clone()
        } else if let Some(r) = runs.iter().find(|r| !r.1 && !is_role_run(r)) {
            if runs.first().is_some_and(is_role_run) {
                runs.last().cloned().unwrap_or_else(|| r.clone())
            } else {
                r.clone()
            }
        } else {
            match runs.last() {
                Some(r) => r.clone(),
                None => return (as_written(), false),
            }
        };
        let (toks, _, before) = pick;
        let cut = names::strip_titles(&self.toks, &toks);
        let mut name: &[usize] = &toks[cut..];
        let after_conn = before.is_some_and(|m| self.toks[m].has(CONN));
        if name.len() >= 4 || (after_conn && name.len() >= 3) {
            name = &name[name.len() - 2..];
        }
        let Some(&last_tok) = name.last() else {
            return (as_written(), false);
        };
        if self.toks[last_tok].has(ORG) {
            return (as_written(), false);
        }
        let s = self.toks[name[0]].s;
        let full = names::bare(&self.text[s..self.toks[last_tok].e]);
        let titled = cut > 0 || role_before(&(toks.clone(), false, before));
        if name.len() == 1 {
            let w = names::bare(self.w(last_tok));
            if let Some(x) = self.names.acronym(w) {
                return (x.to_string(), false);
            }
            if let Some(x) = self.names.full(w).or_else(|| self.names.full_fuzzy(w)) {
                return (x.to_string(), true);
            }
            return (w.to_string(), titled || self.names.is_titled(w));
        }
        (full.to_string(), true)
    }
}
