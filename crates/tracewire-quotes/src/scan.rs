//! Tokens, sentence ends and quote marks.

use crate::lex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Punct(char),
    Newline,
}

#[derive(Debug, Clone, Copy)]
pub struct Tok {
    pub s: usize,
    pub e: usize,
    pub kind: Kind,
    /// Lexicon classes ([`lex`]).
    pub f: u32,
    /// Starts with an uppercase letter, or is a name particle such as "al-Moualem".
    pub cap: bool,
    /// A sentence ends after this token.
    pub end: bool,
    /// Index+1 of the top-level quote this token is inside (0: outside).
    pub q: u32,
}

impl Tok {
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }
    pub fn is(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
    pub fn has(&self, f: u32) -> bool {
        self.f & f != 0
    }
}

fn is_connector(c: char) -> bool {
    matches!(c, '-' | '\'' | '’' | '.' | '&' | '_' | '@' | '/' | '‐')
}

const ABBREV: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "lt", "col", "capt", "sgt", "st", "jr", "sr", "inc",
    "co", "corp", "ltd", "vs", "no", "mt", "ft", "rev", "messrs", "hon", "jan", "feb", "mar", "apr", "aug", "sep",
    "sept", "oct", "nov", "dec", "approx", "est", "fig", "cf", "etc",
];

fn is_abbrev(w: &str) -> bool {
    if w.contains('.') {
        // "U.S", "e.g", "K.C": dotted initials.
        return w.split('.').all(|p| p.chars().count() <= 2);
    }
    let mut n = 0;
    let mut upper = false;
    for c in w.chars() {
        n += 1;
        upper = c.is_uppercase();
        if n > 6 {
            return false;
        }
    }
    if n == 1 && upper {
        return true;
    }
    ABBREV.iter().any(|a| a.eq_ignore_ascii_case(w))
}

/// Splits `text` into words, punctuation and newlines.
pub fn tokenize(text: &str) -> Vec<Tok> {
    let mut toks = Vec::with_capacity(text.len() / 5 + 4);
    let mut buf = String::new();
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c == '\n' {
            toks.push(Tok {
                s: i,
                e: i + 1,
                kind: Kind::Newline,
                f: 0,
                cap: false,
                end: true,
                q: 0,
            });
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        if c.is_alphanumeric() {
            let mut e = i + c.len_utf8();
            loop {
                match it.peek().copied() {
                    Some((j, d)) if d.is_alphanumeric() => {
                        e = j + d.len_utf8();
                        it.next();
                    }
                    Some((j, d)) if is_connector(d) => {
                        // Keep the connector only when a letter or digit follows it.
                        let next = text[j + d.len_utf8()..].chars().next();
                        if next.is_some_and(|n| n.is_alphanumeric()) {
                            e = j + d.len_utf8();
                            it.next();
                        } else {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            // "Mr." / "U.S." keep their dot.
            if text[e..].starts_with('.') && is_abbrev(&text[i..e]) {
                e += 1;
                it.next();
            }
            let w = &text[i..e];
            let f = word_flags(w, &mut buf);
            let cap = c.is_uppercase() || is_particle_name(w);
            toks.push(Tok {
                s: i,
                e,
                kind: Kind::Word,
                f,
                cap,
                end: false,
                q: 0,
            });
            continue;
        }
        toks.push(Tok {
            s: i,
            e: i + c.len_utf8(),
            kind: Kind::Punct(c),
            f: 0,
            cap: false,
            end: false,
            q: 0,
        });
    }
    toks
}

fn word_flags(w: &str, buf: &mut String) -> u32 {
    let f = lex::flags(w, buf);
    if w.len() >= 2 && w.chars().all(|c| c.is_uppercase() || c == '.') {
        // "WHO", "CEO": acronyms are names or titles, never function words.
        return f & (lex::TITLE | lex::ROLE | lex::ORG);
    }
    if f != 0 {
        return f;
    }
    // "it’s", "Peskov's": classes of the part before the apostrophe, minus name-like ones.
    if let Some(p) = w.find(['\'', '’'])
        && p > 0
    {
        return lex::flags(&w[..p], buf) & (lex::SUBJ | lex::PRON | lex::DET);
    }
    0
}

/// "al-Moualem", "el-Sisi", "bin-Salman": lowercase particle glued to a capitalised name.
pub fn is_particle_name(w: &str) -> bool {
    let Some((p, rest)) = w.split_once('-') else {
        return false;
    };
    matches!(
        p,
        "al" | "el" | "ul" | "bin" | "ibn" | "abu" | "ad" | "as" | "ash" | "at" | "az" | "ar" | "an" | "ben"
    ) && rest.chars().next().is_some_and(|c| c.is_uppercase())
}

/// Marks sentence ends on the tokens.
pub fn sentences(text: &str, toks: &mut [Tok]) {
    let n = toks.len();
    for i in 0..n {
        let t = toks[i];
        let Kind::Punct(c) = t.kind else {
            if t.kind == Kind::Word && t.e > t.s && text[..t.e].ends_with('.') && i + 1 < n {
                // "in the U.S." at the end of a sentence: only before a capitalised non-name start.
                let nx = toks[i + 1];
                if nx.kind == Kind::Newline {
                    toks[i].end = true;
                }
            }
            continue;
        };
        if !matches!(c, '.' | '!' | '?' | '…') {
            continue;
        }
        // Skip closing marks and brackets after the stop.
        let mut j = i + 1;
        while j < n
            && toks[j].s == toks[j - 1].e
            && matches!(toks[j].kind, Kind::Punct('"' | '”' | '’' | '\'' | ')' | ']' | '»'))
        {
            j += 1;
        }
        let last = j - 1;
        if j >= n {
            toks[last].end = true;
            continue;
        }
        let nx = toks[j];
        let starts = match nx.kind {
            Kind::Newline => true,
            Kind::Word => {
                text[nx.s..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c.is_numeric())
                    || nx.cap
            }
            Kind::Punct(p) => matches!(p, '"' | '“' | '‘' | '«' | '„' | '(' | '[' | '\'' | '`'),
        };
        if starts && !(c == '.' && nx.s == toks[i].e) {
            toks[last].end = true;
        }
    }
}

/// A top-level quotation in marks.
#[derive(Debug, Clone)]
pub struct Span {
    /// Byte offset of the opening mark, or of the paragraph start when the quote continues
    /// from the paragraph before without a new opening mark.
    pub open: usize,
    /// Byte offset of the closing mark (`None`: runs to the paragraph end).
    pub close: Option<usize>,
    /// Content between the marks, trimmed of whitespace.
    pub content: (usize, usize),
    /// Opened at the start of a paragraph right after a paragraph whose quote did not close.
    pub continued: bool,
    /// Straight or curly single marks.
    pub single: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Double,
    Single,
}

/// Finds the top-level quotations of each paragraph.
pub fn quote_spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut carry = false;
    let mut para = 0usize;
    for line in text.split('\n') {
        let start = para;
        para += line.len() + 1;
        if line.trim().is_empty() {
            continue;
        }
        carry = scan_paragraph(text, start, line, carry, &mut out);
    }
    out
}

fn trim_span(text: &str, a: usize, b: usize) -> (usize, usize) {
    let s = &text[a..b];
    let lead = s.len() - s.trim_start().len();
    let t = s.trim();
    (a + lead, a + lead + t.len())
}

/// Scans one paragraph; returns whether a double quote is still open at its end.
fn scan_paragraph(text: &str, base: usize, line: &str, carry_in: bool, out: &mut Vec<Span>) -> bool {
    if !line.contains(['"', '“', '”', '„', '«', '»', '‟', '″', '\'', '‘', '’', '‹', '›', '`']) {
        return false;
    }
    let mut stack: Vec<(Open, usize, usize)> = Vec::new(); // (kind, mark offset, content start)
    let mut opened_continued = false;
    let mut carry = carry_in;
    let mut first_mark = true;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let n = chars.len();
    let mut k = 0;
    while k < n {
        let (i, ch) = chars[k];
        if !matches!(
            ch,
            '"' | '“' | '”' | '„' | '«' | '»' | '‟' | '″' | '\'' | '‘' | '’' | '‹' | '›' | '`'
        ) {
            k += 1;
            continue;
        }
        let prev = if k > 0 { Some(chars[k - 1].1) } else { None };
        let mut c = ch;
        let mut width = ch.len_utf8();
        let mut adv = 1;
        if ch == '`' && chars.get(k + 1).map(|x| x.1) == Some('`') {
            c = '“';
            width = 2;
            adv = 2;
        }
        let next = chars.get(k + adv).map(|x| x.1);
        k += adv;
        let pos = base + i;
        let open_ctx = prev
            .is_none_or(|p| p.is_whitespace() || matches!(p, '(' | '[' | '{' | '—' | '–' | '-' | '/' | ':'))
            && next.is_some_and(|x| !x.is_whitespace());
        let close_ctx = prev.is_some_and(|p| !p.is_whitespace())
            && next.is_none_or(|x| {
                x.is_whitespace()
                    || matches!(
                        x,
                        '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '—' | '–' | '-' | '…'
                    )
            });
        let in_double = stack.iter().any(|s| s.0 == Open::Double);
        let top = stack.last().map(|s| s.0);
        let is_double = matches!(c, '"' | '“' | '”' | '„' | '«' | '»' | '‟' | '″');
        let is_single = matches!(c, '\'' | '‘' | '’' | '‹' | '›');
        if !is_double && !is_single {
            continue;
        }
        let was_first = first_mark;
        if is_double {
            first_mark = false;
            let want_open = match c {
                '„' | '«' => true,
                '»' => false,
                '“' => !(in_double && close_ctx && !open_ctx),
                '”' => !in_double && !carry && open_ctx && !close_ctx,
                _ => {
                    if in_double {
                        open_ctx && !close_ctx && stack.len() < 2
                    } else {
                        !(carry && was_first && close_ctx && !open_ctx)
                    }
                }
            };
            if want_open {
                if stack.is_empty() {
                    opened_continued = carry_in && line[..i].trim().is_empty();
                }
                if stack.len() < 3 {
                    stack.push((Open::Double, pos, pos + width));
                }
                carry = false;
                continue;
            }
            // Closing.
            if !in_double {
                if carry && was_first {
                    // The quote continued from the paragraph before and closes here.
                    let content = trim_span(text, base, pos);
                    if content.1 > content.0 {
                        out.push(Span {
                            open: base,
                            close: Some(pos),
                            content,
                            continued: true,
                            single: false,
                        });
                    }
                }
                carry = false;
                continue;
            }
            // Pop singles left open inside (apostrophes), then the double.
            while let Some(&(kind, _, _)) = stack.last() {
                if kind == Open::Double {
                    break;
                }
                stack.pop();
            }
            if let Some((_, o, cs)) = stack.pop()
                && stack.is_empty()
            {
                let content = trim_span(text, cs, pos);
                if content.1 > content.0 {
                    out.push(Span {
                        open: o,
                        close: Some(pos),
                        content,
                        continued: opened_continued,
                        single: false,
                    });
                }
            }
            carry = false;
            continue;
        }
        // Single marks.
        let letter_before = prev.is_some_and(|p| p.is_alphanumeric());
        let letter_after = next.is_some_and(|x| x.is_alphanumeric());
        if (c == '‘' || c == '\'' || c == '‹') && !letter_before && (letter_after || c == '‘') && open_ctx {
            if stack.len() < 3 {
                stack.push((Open::Single, pos, pos + width));
            }
            continue;
        }
        if (c == '’' || c == '\'' || c == '›')
            && top == Some(Open::Single)
            && !letter_after
            && !prev.is_some_and(char::is_whitespace)
        {
            if let Some((_, o, cs)) = stack.pop()
                && stack.is_empty()
            {
                let content = trim_span(text, cs, pos);
                if content.1 > content.0 && pos - cs < 600 {
                    out.push(Span {
                        open: o,
                        close: Some(pos),
                        content,
                        continued: false,
                        single: true,
                    });
                }
            }
            continue;
        }
        // A straight single closing a single-opened quote with a double mark is handled above;
        // anything else is an apostrophe.
    }
    // Unclosed double at the paragraph end: the quote runs to the end and may continue.
    if let Some(&(Open::Double, o, cs)) = stack.first() {
        let content = trim_span(text, cs, base + line.len());
        if content.1 > content.0 {
            out.push(Span {
                open: o,
                close: None,
                content,
                continued: opened_continued,
                single: false,
            });
        }
        return true;
    }
    false
}
