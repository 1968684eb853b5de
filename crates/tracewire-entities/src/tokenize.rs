//! Word tokens with byte offsets, for mention finding.

use crate::lexicon::{ABBREV, COMMON, DEMONYM, FUNCTION, GIVEN, LEXICON, PARTICLE, PLACE};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Tok {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Capitalized (or a particle name such as "al-Assad").
    pub(crate) name_like: bool,
    /// Only spaces (no punctuation, no line break) between this token and the previous one.
    pub(crate) joins_prev: bool,
    /// First word of a sentence, a line, or a quotation.
    pub(crate) sent_start: bool,
    /// After an initialism that ends with a period ("... in the U.S. The"): maybe a new sentence.
    pub(crate) maybe_sent: bool,
}

#[inline]
fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..).and_then(|s| s.chars().next())
}

pub(crate) fn tokenize(text: &str) -> Vec<Tok> {
    let mut toks: Vec<Tok> = Vec::with_capacity(text.len() / 5);
    let mut i = 0;
    let mut sent_start = true;
    let mut clean_gap = false;
    let mut after_initialism = false;
    while let Some(c) = char_at(text, i) {
        // URLs, e-mail addresses, handles and hashtags hold no names.
        if c == '@' || c == '#' || ((c == 'h' || c == 'w') && is_url_start(&text[i..])) {
            let mut j = i + c.len_utf8();
            while let Some(d) = char_at(text, j) {
                if d.is_whitespace() || (c != 'h' && c != 'w' && !(d.is_alphanumeric() || d == '_')) {
                    break;
                }
                j += d.len_utf8();
            }
            // An e-mail address: drop the user part already taken as a token.
            if c == '@'
                && let Some(last) = toks.last()
                && last.end == i
            {
                toks.pop();
            }
            clean_gap = false;
            i = j;
            continue;
        }
        if !c.is_alphanumeric() {
            match c {
                ' ' | '\t' | '\u{a0}' | '&' => {}
                '\n' | '\r' | '.' | '!' | '?' | ':' | '"' | '\u{201c}' | '\u{2018}' | '(' | '[' | '\u{2014}' => {
                    sent_start = true;
                    clean_gap = false;
                }
                _ => clean_gap = false,
            }
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let mut j = i + c.len_utf8();
        let mut seg_start = start;
        while let Some(d) = char_at(text, j) {
            if d.is_alphanumeric() {
                j += d.len_utf8();
                continue;
            }
            if matches!(d, '-' | '\'' | '\u{2019}' | '.') {
                let k = j + d.len_utf8();
                match char_at(text, k) {
                    Some(e) if e.is_alphanumeric() => {
                        if d == '.' {
                            // Only inside initialisms: "U.S", "D.C".
                            let seg = &text[seg_start..j];
                            let mut cs = seg.chars();
                            let single = matches!((cs.next(), cs.next()), (Some(x), None) if x.is_alphabetic());
                            if !single {
                                break;
                            }
                            seg_start = k;
                        }
                        j = k;
                        continue;
                    }
                    _ => break,
                }
            }
            break;
        }
        // A final period that belongs to the word: "U.S.", "J.", "Mr.", "Inc.".
        if char_at(text, j) == Some('.') {
            let w = &text[start..j];
            let mut cs = w.chars();
            let single_upper = matches!((cs.next(), cs.next()), (Some(x), None) if x.is_uppercase());
            if w.contains('.') || single_upper || LEXICON.has(w, ABBREV) {
                j += 1;
            }
        }
        // Possessive: "Russia's" -> "Russia".
        let mut end = j;
        let w = &text[start..j];
        let mut possessive = false;
        for suf in ["'s", "\u{2019}s", "'S", "\u{2019}S"] {
            if w.len() > suf.len() && w.ends_with(suf) && !name_possessive(&w[..w.len() - suf.len()]) {
                end = j - suf.len();
                possessive = true;
                break;
            }
        }
        let w = &text[start..end];
        let first = w.chars().next().unwrap_or(' ');
        let name_like = (first.is_uppercase() && !contraction(w) && !letter_word(w)) || particle_name(w);
        toks.push(Tok {
            start,
            end,
            name_like,
            joins_prev: clean_gap && !toks.is_empty(),
            sent_start,
            maybe_sent: after_initialism,
        });
        after_initialism = w.len() > 2 && w.ends_with('.') && w[..w.len() - 1].contains('.');
        sent_start = false;
        clean_gap = !possessive;
        // A period we did not take ends the sentence; handled by the loop above.
        i = j;
    }
    lower_headlines(text, &mut toks);
    toks
}

/// In a line or sentence written in title case ("Russia Says It May Send Troops Into Syria"),
/// capitalized function and common words are not names.
fn lower_headlines(text: &str, toks: &mut [Tok]) {
    let lex = &*LEXICON;
    let mut start = 0;
    let mut buf = String::new();
    while start < toks.len() {
        let mut end = start + 1;
        while end < toks.len() && !toks[end].sent_start {
            end += 1;
        }
        let words = end - start;
        let caps = toks[start..end].iter().filter(|t| t.name_like).count();
        // A capitalized function word inside the sentence ("Says It May") marks a headline.
        let function_caps = toks[start + 1..end]
            .iter()
            .filter(|t| t.name_like && lex.has(&text[t.start..t.end], FUNCTION))
            .count();
        if words >= 4 && caps * 10 >= words * 7 && function_caps >= 1 {
            for t in &mut toks[start..end] {
                let w = &text[t.start..t.end];
                let f = lex.flags(w);
                if f & (PLACE | GIVEN | DEMONYM) != 0 || lex.aliases.contains_key(w) {
                    continue;
                }
                buf.clear();
                buf.extend(w.chars().flat_map(char::to_lowercase));
                if f & FUNCTION != 0 || lex.has(&buf, COMMON) {
                    t.name_like = false;
                }
            }
        }
        start = end;
    }
}

/// Possessives that are part of names: "People's Republic", "Women's March".
fn name_possessive(stem: &str) -> bool {
    matches!(
        stem,
        "People" | "Women" | "Children" | "Men" | "Workers" | "Farmers" | "Veterans" | "Citizens"
    )
}

/// "T-shirt", "X-ray", "U-turn": a capital letter joined to a lowercase word.
fn letter_word(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() > 2 && b[1] == b'-' && b[2].is_ascii_lowercase()
}

fn is_url_start(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("www.")
}

/// "I'm", "You're", "We'll": not names.
fn contraction(w: &str) -> bool {
    match w.rfind(['\'', '\u{2019}']) {
        Some(i) => {
            let rest = &w[i..];
            let rest = rest.trim_start_matches(['\'', '\u{2019}']);
            matches!(rest, "m" | "re" | "ll" | "ve" | "d" | "t")
        }
        None => false,
    }
}

/// "al-Assad", "bin-Salman", "el-Sisi": a lowercase particle, a hyphen, a capitalized name.
fn particle_name(w: &str) -> bool {
    match w.split_once('-') {
        Some((p, rest)) => LEXICON.has(p, PARTICLE) && rest.chars().next().is_some_and(char::is_uppercase),
        None => false,
    }
}
