//! Names seen in the text: surname → full name, acronym → expansion.

use crate::lex;
use crate::scan::{Kind, Tok};
use rustc_hash::FxHashMap;

pub struct Index<'a> {
    /// Last name → (full name, count, first position).
    surnames: FxHashMap<&'a str, Vec<(&'a str, u32, usize)>>,
    acronyms: FxHashMap<&'a str, &'a str>,
    /// Single names seen after a title ("President Trump" → "Trump"): people.
    titled: rustc_hash::FxHashSet<&'a str>,
    /// Head word → "Head of Name" ("Church" → "Church of Scientology").
    heads: FxHashMap<&'a str, &'a str>,
}

/// The word without a trailing possessive "'s" / "’s" / "’".
pub fn bare(w: &str) -> &str {
    for suf in ["'s", "’s", "’", "'"] {
        if let Some(b) = w.strip_suffix(suf)
            && !b.is_empty()
        {
            return b;
        }
    }
    w
}

pub fn is_possessive(w: &str) -> bool {
    bare(w).len() != w.len()
}

fn is_name_word(t: &Tok, text: &str) -> bool {
    t.kind == Kind::Word && t.cap && !t.has(lex::STOP) && text[t.s..t.e].chars().any(char::is_alphabetic)
}

/// Strips title tokens at the front ("US President Barack Obama" → "Barack Obama").
pub fn strip_titles(toks: &[Tok], run: &[usize]) -> usize {
    let mut cut = 0;
    for (k, &i) in run.iter().enumerate() {
        if toks[i].has(lex::TITLE) && k + 1 < run.len() {
            cut = k + 1;
        }
    }
    cut
}

impl<'a> Index<'a> {
    pub fn build(text: &'a str, toks: &[Tok]) -> Self {
        let mut surnames: FxHashMap<&'a str, Vec<(&'a str, u32, usize)>> = FxHashMap::default();
        let mut acronyms = FxHashMap::default();
        let mut heads: FxHashMap<&'a str, &'a str> = FxHashMap::default();
        let mut titled = rustc_hash::FxHashSet::default();
        let n = toks.len();
        let mut i = 0;
        while i < n {
            if !is_name_word(&toks[i], text) {
                i += 1;
                continue;
            }
            let mut run = vec![i];
            let mut j = i + 1;
            while j < n && is_name_word(&toks[j], text) && !is_possessive(&text[toks[j - 1].s..toks[j - 1].e]) {
                run.push(j);
                j += 1;
            }
            // Acronym introduced in parentheses: "Korean Central News Agency (KCNA)".
            if j + 2 < n && toks[j].is('(') && toks[j + 2].is(')') && toks[j + 1].is_word() {
                let acr = &text[toks[j + 1].s..toks[j + 1].e];
                if acr.len() >= 2 && acr.chars().all(|c| c.is_ascii_uppercase()) {
                    let initials: String = run
                        .iter()
                        .filter_map(|&k| text[toks[k].s..].chars().next())
                        .filter(|c| c.is_uppercase())
                        .collect();
                    if initials.ends_with(acr) {
                        let from = run.len() - acr.chars().count();
                        let s = toks[run[from]].s;
                        let e = toks[run[run.len() - 1]].e;
                        acronyms.entry(acr).or_insert(&text[s..e]);
                    }
                }
            }
            // "Church of Scientology": a head word and its full name.
            if run.len() == 1 && j + 1 < n && toks[j].kind == Kind::Word && &text[toks[j].s..toks[j].e] == "of" {
                let mut m = j + 1;
                while m < n && is_name_word(&toks[m], text) {
                    m += 1;
                }
                if m > j + 1 {
                    let head = &text[toks[i].s..toks[i].e];
                    heads.entry(head).or_insert(&text[toks[i].s..toks[m - 1].e]);
                }
            }
            let cut = strip_titles(toks, &run);
            let mut name = &run[cut..];
            // "Secretary of State Mike Pompeo": after "of", the last two words are the name.
            let after_of = i > 0 && toks[i - 1].kind == Kind::Word && toks[i - 1].has(lex::CONN) && !toks[i - 1].cap;
            if after_of && name.len() >= 3 {
                name = &name[name.len() - 2..];
            }
            if cut > 0 && name.len() == 1 {
                let t = toks[name[0]];
                titled.insert(bare(&text[t.s..t.e]));
            }
            if name.len() >= 4 {
                name = &name[name.len() - 2..];
            }
            let last = toks[name[name.len() - 1]];
            if name.len() >= 2 && !last.has(lex::ORG) {
                let s = toks[name[0]].s;
                let full = bare(&text[s..last.e]);
                let key = bare(&text[last.s..last.e]);
                let v = surnames.entry(key).or_default();
                if let Some(x) = v.iter_mut().find(|x| x.0 == full) {
                    x.1 += 1;
                } else if v.len() < 16 {
                    v.push((full, 1, s));
                }
            }
            i = j.max(i + 1);
        }
        Index {
            surnames,
            acronyms,
            titled,
            heads,
        }
    }

    /// Full name for a lone surname, the most frequent one (first seen on ties).
    pub fn full(&self, surname: &str) -> Option<&str> {
        let v = self.surnames.get(surname)?;
        v.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2))).map(|x| x.0)
    }

    /// Full name for a misspelt surname ("Bauchtman" → "Lydia Buchtmann"): one edit for short
    /// names, two for longer ones, same first letter, and only when one name fits.
    pub fn full_fuzzy(&self, surname: &str) -> Option<&str> {
        let n = surname.chars().count();
        if !(5..=40).contains(&n) || self.surnames.len() > 4000 {
            return None;
        }
        let first = surname.chars().next()?;
        let max = if n >= 8 { 2 } else { 1 };
        let mut found = None;
        for k in self.surnames.keys() {
            if !k.starts_with(first) || k.chars().count().abs_diff(n) > max {
                continue;
            }
            if edit_distance(k, surname) <= max {
                if found.is_some_and(|f: &str| f != *k) {
                    return None;
                }
                found = Some(*k);
            }
        }
        self.full(found?)
    }

    pub fn is_titled(&self, w: &str) -> bool {
        self.titled.contains(w)
    }

    pub fn head(&self, h: &str) -> Option<&str> {
        self.heads.get(h).copied()
    }

    pub fn acronym(&self, a: &str) -> Option<&str> {
        self.acronyms.get(a).copied()
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
