//! Named entities in news text: people, organizations and places (PER/ORG/LOC),
//! each with a canonical name that merges variants.
//!
//! Pure: text in, entities out; every word list is compiled in (see `data/README.md`).
//!
//! How it works, in one pass over the text:
//! 1. A tokenizer keeps initials and abbreviations with their period ("U.S.", "J.", "Mr."),
//!    keeps hyphenated and particle names whole ("al-Assad", "Jong-un") and splits off
//!    possessives ("Russia's" -> "Russia").
//! 2. Mentions are runs of capitalized words, joined by name particles ("bin", "van", "de") and,
//!    after organization/place words, by "of"/"for" ("University of Helsinki"); known aliases
//!    of several words are matched first ("Islamic State of Iraq and the Levant").
//! 3. Sentence-initial common words ("Now", "The") are dropped, titles and roles are split off
//!    ("Israeli Prime Minister Benjamin Netanyahu" -> "Benjamin Netanyahu"), demonyms are not
//!    entities.
//! 4. Each mention is typed by, in order: the alias table, organization/place head words,
//!    titles, gazetteers (places, given names, surnames), shape (acronyms, initials, particles)
//!    and context (a role noun before, a verb of saying after, "in" before).
//! 5. Document level: a surname or short form that ends a full person name seen in the document
//!    is that person ("Assad" -> "Bashar al-Assad"), a name typed with little evidence takes
//!    the type it had with more evidence elsewhere in the document, an acronym defined in
//!    parentheses takes its expansion's name ("Korean Central News Agency (KCNA)"), and in sports
//!    reports a country or city that is not a location is its team (ORG), as in GUM.
//!
//! Title-case headlines ("Russia Says It May Send Troops") are recognized and their capitalized
//! common words are not taken for names. A capitalized word with no evidence at all (not in any
//! list, no context) is left out: on the development data that choice is right far more often
//! than any default type.
//!
//! Conventions (those of the GUM evaluation data, see [`eval`]): countries and cities are places
//! even when they act ("Russia said"); titles, roles, "the" and possessive 's are not part of a
//! mention; demonyms ("Russian") are not entities.

pub mod eval;
mod lexicon;
mod tokenize;

use std::ops::Range;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use lexicon::{
    COMMON, DEMONYM, EVENT_FIRST, EVENT_HEAD, FUNCTION, GIVEN, LEXICON, LOC_FIRST, LOC_HEAD, LOC_OF, LOWER_ACRONYM,
    NEVER, ORG_FIRST, ORG_HEAD, ORG_OF, PARTICLE, PLACE, ROLE, SPEECH, SPORT, STRONG_TITLE, SURNAME, TITLE,
};
use tokenize::{Tok, tokenize};

/// The type of a named entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityKind {
    #[serde(rename = "PER")]
    Person,
    #[serde(rename = "ORG")]
    Organization,
    #[serde(rename = "LOC")]
    Place,
}

impl EntityKind {
    /// "PER", "ORG" or "LOC".
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "PER",
            EntityKind::Organization => "ORG",
            EntityKind::Place => "LOC",
        }
    }
}

/// One mention of a named entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// Byte range of the mention in the text (on char boundaries).
    pub span: Range<usize>,
    pub kind: EntityKind,
    /// The entity's canonical name: the same for every variant of one entity in the document.
    pub canonical: String,
}

/// How sure a typing decision is; document-level passes let surer decisions win.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Conf {
    Low,
    Med,
    High,
}

#[derive(Debug, Clone)]
struct Cand {
    /// Token range.
    s: usize,
    e: usize,
    kind: Option<EntityKind>,
    conf: Conf,
    /// Canonical from the alias table, if any.
    alias: Option<&'static str>,
}

/// The named entities of `text`, sorted by start, non-overlapping.
pub fn entities(text: &str) -> Vec<Entity> {
    let toks = tokenize(text);
    let mut cands: Vec<Cand> = Vec::new();
    let mut scratch = String::new();
    find_mentions(text, &toks, &mut cands, &mut scratch);
    resolve_document(text, &toks, &mut cands);
    let mut out = Vec::with_capacity(cands.len());
    for c in &cands {
        let Some(kind) = c.kind else { continue };
        let span = toks[c.s].start..toks[c.e - 1].end;
        let canonical = match c.alias {
            Some(a) => a.to_string(),
            None => normalize_surface(&text[span.clone()]),
        };
        out.push(Entity { span, kind, canonical });
    }
    // Person canonicals: the full name the short form refers back to.
    link_people(text, &toks, &cands, &mut out);
    link_acronyms(text, &mut out);
    out
}

/// "Korean Central News Agency (KCNA)": the acronym, wherever it occurs in the document, is the
/// named organization or place.
fn link_acronyms(text: &str, out: &mut [Entity]) {
    let mut defs: Vec<(&str, EntityKind, String)> = Vec::new();
    for w in out.windows(2) {
        let (long, short) = (&w[0], &w[1]);
        let between = text.get(long.span.end..short.span.start).unwrap_or("").trim();
        let closes = text.get(short.span.end..).is_some_and(|r| r.starts_with(')'));
        if between != "(" || !closes || long.kind == EntityKind::Person {
            continue;
        }
        let acronym = &text[short.span.clone()];
        let initials: String = text[long.span.clone()]
            .split([' ', '-'])
            .filter_map(|x| x.chars().next())
            .filter(|c| c.is_uppercase())
            .collect();
        let letters: String = acronym.chars().filter(|c| c.is_alphabetic()).collect();
        if letters.len() >= 2 && is_acronym(acronym) && initials.starts_with(letters.as_str()) {
            defs.push((acronym, long.kind, long.canonical.clone()));
        }
    }
    if defs.is_empty() {
        return;
    }
    for e in out.iter_mut() {
        let surface = &text[e.span.clone()];
        if let Some((_, kind, canon)) = defs.iter().find(|d| d.0 == surface) {
            e.kind = *kind;
            e.canonical = canon.clone();
        }
    }
}

/// The canonical name of `surface` from the global alias table alone (no document context):
/// leading "the", a trailing possessive and (for people) leading titles are dropped, and
/// well-known variants map to one name ("ISIL" -> "Islamic State", "U.S." -> "United States").
pub fn canonical_name(kind: EntityKind, surface: &str) -> String {
    let lex = &*LEXICON;
    let mut s = surface.trim();
    for p in ["the ", "The ", "THE "] {
        if let Some(rest) = s.strip_prefix(p) {
            s = rest.trim_start();
        }
    }
    for suf in ["'s", "\u{2019}s", "'", "\u{2019}"] {
        if let Some(rest) = s.strip_suffix(suf) {
            s = rest;
            break;
        }
    }
    let mut norm = normalize_surface(s);
    if kind == EntityKind::Person {
        loop {
            let mut parts = norm.splitn(2, ' ');
            let first = parts.next().unwrap_or("");
            match parts.next() {
                Some(rest) if lex.has(first, TITLE) => norm = rest.to_string(),
                _ => break,
            }
        }
    }
    if let Some(&(_, canon)) = lex.aliases.get(norm.as_str()) {
        return canon.to_string();
    }
    norm
}

/// Collapse whitespace runs to one space; straight apostrophes.
fn normalize_surface(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for ch in s.trim().chars() {
        if ch.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(if ch == '\u{2019}' { '\'' } else { ch });
    }
    out
}

#[inline]
fn word<'a>(text: &'a str, t: &Tok) -> &'a str {
    &text[t.start..t.end]
}

/// The text of tokens s..e, if they are separated by single spaces only (no allocation).
#[inline]
fn phrase<'a>(text: &'a str, toks: &[Tok], s: usize, e: usize) -> &'a str {
    &text[toks[s].start..toks[e - 1].end]
}

fn lower_into<'a>(w: &str, buf: &'a mut String) -> &'a str {
    buf.clear();
    for ch in w.chars() {
        buf.extend(ch.to_lowercase());
    }
    buf.as_str()
}

fn is_common(w: &str, buf: &mut String) -> bool {
    LEXICON.has(lower_into(w, buf), COMMON)
}

/// All letters uppercase, at least two letters ("NATO", "U.N.", "G20").
fn is_acronym(w: &str) -> bool {
    let mut letters = 0;
    for ch in w.chars() {
        if ch.is_alphabetic() {
            if !ch.is_uppercase() {
                return false;
            }
            letters += 1;
        } else if !(ch == '.' || ch == '&' || ch.is_ascii_digit() || ch == '-') {
            return false;
        }
    }
    letters >= 2
}

fn is_initial(w: &str) -> bool {
    let mut it = w.chars();
    matches!((it.next(), it.next(), it.next()), (Some(c), Some('.'), None) if c.is_uppercase())
        || (w.len() >= 4 && w.ends_with('.') && w.chars().filter(|c| *c == '.').count() >= 2 && !is_acronym(w))
}

fn find_mentions(text: &str, toks: &[Tok], cands: &mut Vec<Cand>, buf: &mut String) {
    let lex = &*LEXICON;
    let n = toks.len();
    let mut i = 0;
    while i < n {
        if !toks[i].name_like {
            i += 1;
            continue;
        }
        // A known multi-word alias starting here ("Islamic State of Iraq and the Levant").
        let mut best_alias = 0;
        let mut k = i + 1;
        while k < n && k - i < lex.max_alias_words && toks[k].joins_prev {
            k += 1;
            if lex.aliases.contains_key(phrase(text, toks, i, k)) {
                best_alias = k;
            }
        }
        // The capitalized run.
        let s = i;
        let mut e = i + 1;
        loop {
            if e < n && toks[e].joins_prev && toks[e].name_like {
                if toks[e].maybe_sent && lex.has(word(text, &toks[e]), FUNCTION) {
                    break;
                }
                e += 1;
                continue;
            }
            if e + 1 < n && toks[e].joins_prev && toks[e + 1].joins_prev {
                let w = word(text, &toks[e]);
                if lex.has(w, PARTICLE) && w.chars().next().is_some_and(char::is_lowercase) {
                    // "bin Laden", "von der Leyen", "de la Rúa"
                    let mut k = e + 1;
                    while k + 1 < n
                        && toks[k + 1].joins_prev
                        && !toks[k].name_like
                        && lex.has(word(text, &toks[k]), PARTICLE)
                    {
                        k += 1;
                    }
                    if toks[k].name_like && toks[k].joins_prev {
                        e = k + 1;
                        continue;
                    }
                }
            }
            if e + 1 < n && toks[e].joins_prev && toks[e + 1].joins_prev && toks[e + 1].name_like {
                let w = word(text, &toks[e]);
                let prev = word(text, &toks[e - 1]);
                if (w == "of" || w == "for") && lex.has(prev, ORG_OF | LOC_OF | ORG_HEAD) {
                    e += 2;
                    continue;
                }
                if w == "of"
                    && e + 2 < n
                    && word(text, &toks[e + 1]) == "the"
                    && toks[e + 2].joins_prev
                    && toks[e + 2].name_like
                    && lex.has(prev, ORG_OF | LOC_OF | ORG_HEAD)
                {
                    e += 3;
                    continue;
                }
            }
            break;
        }
        if best_alias > e {
            e = best_alias;
        }
        process_run(text, toks, s, e, cands, buf);
        i = e;
    }
}

fn push(cands: &mut Vec<Cand>, s: usize, e: usize, kind: Option<EntityKind>, conf: Conf, alias: Option<&'static str>) {
    if s < e {
        cands.push(Cand {
            s,
            e,
            kind,
            conf,
            alias,
        });
    }
}

fn process_run(text: &str, toks: &[Tok], mut s: usize, mut e: usize, cands: &mut Vec<Cand>, buf: &mut String) {
    let lex = &*LEXICON;
    if word(text, &toks[s]) != "The"
        && let Some(&(kind, canon)) = lex.aliases.get(phrase(text, toks, s, e))
    {
        push(cands, s, e, Some(kind), Conf::High, Some(canon));
        return;
    }
    // Leading words that are not part of a name.
    while s < e {
        let w = word(text, &toks[s]);
        let f = lex.flags(w);
        let drop = if w == "The" || w == "A" || w == "An" || f & NEVER != 0 {
            true
        } else if toks[s].sent_start || toks[s].maybe_sent {
            // A sentence-initial function word ("Now", "When") starts no name; nor does another
            // frequent word on its own ("Importantly,").
            f & FUNCTION != 0
                || (e - s == 1
                    && f & (PLACE | GIVEN | DEMONYM) == 0
                    && !lex.aliases.contains_key(w)
                    && !is_acronym(w)
                    && is_common(w, buf))
        } else {
            false
        };
        if !drop {
            break;
        }
        s += 1;
    }
    // Trailing days/months ("Obama Monday") and roles ("Museum of Flight CEO").
    while s < e {
        let w = word(text, &toks[e - 1]);
        if is_date_word(w) || lex.has(w, NEVER | FUNCTION) || (e - s >= 2 && is_trailing_role(w)) {
            e -= 1;
        } else {
            break;
        }
    }
    if s >= e {
        return;
    }
    let p = phrase(text, toks, s, e);
    if let Some(&(kind, canon)) = lex.aliases.get(p) {
        push(cands, s, e, Some(kind), Conf::High, Some(canon));
        return;
    }
    let len = e - s;
    let last = word(text, &toks[e - 1]);
    let first = word(text, &toks[s]);
    if len >= 2 && lex.has(first, EVENT_FIRST) {
        // "Hurricane Katrina", "Windows XP": no entity.
        return;
    }
    if lex.has(p, PLACE) {
        push(
            cands,
            s,
            e,
            Some(EntityKind::Place),
            if len >= 2 { Conf::High } else { Conf::Med },
            None,
        );
        return;
    }
    // A known place or organization right before a person's name ("Washington Chris Gregoire").
    if len >= 3 {
        for k in (s + 1..e - 1).rev() {
            let pre = phrase(text, toks, s, k);
            let known = lex.aliases.contains_key(pre)
                || lex.has(pre, PLACE)
                || (k - s >= 2 && lex.has(word(text, &toks[k - 1]), ORG_HEAD | LOC_HEAD));
            let rest = word(text, &toks[k]);
            if known && (e - k >= 2 || lex.has(rest, GIVEN)) && !lex.has(rest, TITLE | ORG_HEAD | LOC_HEAD) {
                let tail = phrase(text, toks, k, e);
                let tail_known = lex.aliases.contains_key(tail) || lex.has(tail, PLACE);
                let tail_org = lex.has(last, ORG_HEAD | LOC_HEAD | EVENT_HEAD);
                if !tail_org && (tail_known || lex.has(rest, GIVEN) || !is_common(rest, buf)) {
                    process_run(text, toks, s, k, cands, buf);
                    process_run(text, toks, k, e, cands, buf);
                    return;
                }
            }
        }
    }
    // Head words: "Foreign Ministry", "University of Helsinki", "Kennedy Space Center".
    if len >= 2 {
        if let Some(kind) = of_kind(text, toks, s, e) {
            push(cands, s, e, Some(kind), Conf::High, None);
            return;
        }
        let lf = lex.flags(last);
        if lf & ORG_HEAD != 0 || lex.has(first, ORG_FIRST) {
            push(cands, s, e, Some(EntityKind::Organization), Conf::High, None);
            return;
        }
        if lf & LOC_HEAD != 0 || lex.has(first, LOC_FIRST) {
            push(cands, s, e, Some(EntityKind::Place), Conf::High, None);
            return;
        }
        if lf & EVENT_HEAD != 0 {
            // "Google Science Fair", "US Paralympics", "NATO Summit": an event; keep a known
            // name it starts with.
            for k in (s + 1..e).rev() {
                let pre = phrase(text, toks, s, k);
                if let Some(&(kind, canon)) = lex.aliases.get(pre) {
                    push(cands, s, k, Some(kind), Conf::High, Some(canon));
                    return;
                }
                if lex.has(pre, PLACE) {
                    push(cands, s, k, Some(EntityKind::Place), Conf::Med, None);
                    return;
                }
                if k - s >= 2 && lex.has(word(text, &toks[k - 1]), ORG_HEAD | LOC_HEAD) {
                    process_run(text, toks, s, k, cands, buf);
                    return;
                }
            }
            if is_acronym(first) && !first.chars().any(|c| c.is_ascii_digit()) {
                push(cands, s, s + 1, Some(EntityKind::Organization), Conf::Med, None);
            }
            return;
        }
    }
    // A person's name after other words: "Nonpartisan Paul Tse", "Scientologist Tom Cruise".
    if len >= 3 {
        for k in s + 1..e - 1 {
            let w = word(text, &toks[k]);
            let before = word(text, &toks[k - 1]);
            if lex.has(w, GIVEN)
                && !lex.has(before, GIVEN | PARTICLE | TITLE)
                && !is_initial(before)
                && !lex.has(last, ORG_HEAD | LOC_HEAD | EVENT_HEAD)
                && !lex.aliases.contains_key(phrase(text, toks, s, e))
            {
                process_run(text, toks, s, k, cands, buf);
                push(cands, k, e, Some(EntityKind::Person), Conf::High, None);
                return;
            }
        }
    }
    // Titles: [prefix] Title+ Name.
    if let Some(f) = (s..e).find(|&j| lex.has(word(text, &toks[j]), TITLE)) {
        let mut t = f;
        while t + 1 < e && lex.has(word(text, &toks[t + 1]), TITLE) {
            t += 1;
        }
        let prefix_ok = (s..f).all(|j| {
            let w = word(text, &toks[j]);
            lex.has(w, DEMONYM | PLACE) || lex.aliases.contains_key(w) || is_acronym(w)
        }) || lex.aliases.contains_key(phrase(text, toks, s, f.max(s + 1)))
            || lex.has(phrase(text, toks, s, f.max(s + 1)), PLACE);
        let name_ok = t + 1 >= e || !lex.has(word(text, &toks[t + 1]), ORG_HEAD | LOC_HEAD);
        // "... Citation Index Professor Chomsky": a strong title splits whatever precedes it.
        let prefix_ok = prefix_ok || (f > s && t + 1 < e && lex.has(word(text, &toks[f]), STRONG_TITLE));
        if prefix_ok && name_ok {
            if f > s {
                process_run(text, toks, s, f, cands, buf);
            }
            if t + 1 < e {
                let ps = t + 1;
                let p = phrase(text, toks, ps, e);
                if let Some(&(kind, canon)) = lex.aliases.get(p) {
                    push(cands, ps, e, Some(kind), Conf::High, Some(canon));
                } else if lex.has(p, PLACE) {
                    push(cands, ps, e, Some(EntityKind::Place), Conf::Med, None);
                } else {
                    push(cands, ps, e, Some(EntityKind::Person), Conf::High, None);
                }
            }
            return;
        }
    }
    // "North Korean", "Latin American": an adjective, no entity.
    if len >= 2 && is_demonym(last) {
        return;
    }
    // "New Zealander", "New Yorkers": people of a place, no entity.
    for suf in ["ers", "er", "ans", "an"] {
        if let Some(stem) = p.strip_suffix(suf)
            && len >= 2
            && (lex.has(stem, PLACE) || lex.aliases.contains_key(stem))
        {
            return;
        }
    }
    // Demonyms are not entities: "Russian", "Israelis"; "Syrian Bashar" -> "Bashar".
    while s < e && is_demonym(word(text, &toks[s])) {
        s += 1;
    }
    if s >= e {
        return;
    }
    classify(text, toks, s, e, cands, buf);
}

fn is_trailing_role(w: &str) -> bool {
    matches!(
        w,
        "CEO"
            | "CFO"
            | "COO"
            | "Spokesman"
            | "Spokeswoman"
            | "Spokesperson"
            | "Chairman"
            | "Chairwoman"
            | "Director"
            | "Manager"
            | "Coach"
            | "Administrator"
            | "Secretary"
            | "Minister"
            | "President"
            | "MP"
            | "Senator"
            | "Governor"
            | "Mayor"
            | "Chief"
            | "Founder"
            | "Editor"
    )
}

fn is_date_word(w: &str) -> bool {
    matches!(
        w,
        "Monday"
            | "Tuesday"
            | "Wednesday"
            | "Thursday"
            | "Friday"
            | "Saturday"
            | "Sunday"
            | "January"
            | "February"
            | "March"
            | "April"
            | "May"
            | "June"
            | "July"
            | "August"
            | "September"
            | "October"
            | "November"
            | "December"
    )
}

fn is_demonym(w: &str) -> bool {
    let lex = &*LEXICON;
    if lex.has(w, DEMONYM) {
        return true;
    }
    for suf in ["s", "es"] {
        if let Some(stem) = w.strip_suffix(suf)
            && lex.has(stem, DEMONYM)
        {
            return true;
        }
    }
    false
}

/// "University of ...", "Republic of ...": the kind given by the word before the first "of"/"for".
fn of_kind(text: &str, toks: &[Tok], s: usize, e: usize) -> Option<EntityKind> {
    let lex = &*LEXICON;
    for j in s + 1..e {
        let w = word(text, &toks[j]);
        if w == "of" || w == "for" {
            let f = lex.flags(word(text, &toks[j - 1]));
            if f & ORG_OF != 0 {
                return Some(EntityKind::Organization);
            }
            if f & LOC_OF != 0 {
                return Some(EntityKind::Place);
            }
            return None;
        }
    }
    None
}

fn classify(text: &str, toks: &[Tok], s: usize, e: usize, cands: &mut Vec<Cand>, buf: &mut String) {
    use EntityKind::{Organization as O, Person as P, Place as L};
    let lex = &*LEXICON;
    let len = e - s;
    let p = phrase(text, toks, s, e);
    if let Some(&(kind, canon)) = lex.aliases.get(p) {
        push(cands, s, e, Some(kind), Conf::High, Some(canon));
        return;
    }
    let first = word(text, &toks[s]);
    let last = word(text, &toks[e - 1]);
    let pf = lex.flags(p);
    let prev = if s > 0 && toks[s].joins_prev {
        Some(word(text, &toks[s - 1]))
    } else {
        None
    };
    let next = if e < toks.len() && toks[e].joins_prev {
        Some(word(text, &toks[e]))
    } else {
        None
    };
    let role_before = prev.is_some_and(|w| lex.has(w, ROLE));
    if role_before && pf & PLACE == 0 {
        push(cands, s, e, Some(P), Conf::High, None);
        return;
    }
    if pf & PLACE != 0 {
        push(
            cands,
            s,
            e,
            Some(L),
            if len >= 2 { Conf::High } else { Conf::Med },
            None,
        );
        return;
    }
    let ff = lex.flags(first);
    let lf = lex.flags(last);
    if len >= 2 {
        if ff & GIVEN != 0 && !is_acronym(first) {
            push(cands, s, e, Some(P), Conf::High, None);
            return;
        }
        if (s..e).any(|j| {
            let w = word(text, &toks[j]);
            is_initial(w) || lex.has(w, PARTICLE) || has_particle_prefix(w)
        }) || (is_bare_initial(first) && !is_acronym(last))
            || hyphenated_given(last)
        {
            push(cands, s, e, Some(P), Conf::High, None);
            return;
        }
        if matches!(last, "North" | "South" | "East" | "West" | "Central") {
            // "Kowloon West", "New Territories East"
            push(cands, s, e, Some(L), Conf::Med, None);
            return;
        }
        if lf & SURNAME != 0 {
            push(cands, s, e, Some(P), Conf::Med, None);
            return;
        }
    }
    if len == 1 && is_acronym(first) && !is_common(first, buf) {
        if first.chars().any(|c| c.is_ascii_digit())
            || lex.has(first.trim_end_matches('.'), LOWER_ACRONYM)
            || first
                .chars()
                .all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C' | 'D' | 'M'))
        {
            // "IE6", "STS-133": products and missions.
            return;
        }
        push(cands, s, e, Some(O), Conf::Med, None);
        return;
    }
    let speech_after = next.is_some_and(|w| lex.has(w, SPEECH));
    if speech_after && len <= 3 && (len > 1 || !is_common(first, buf)) {
        push(cands, s, e, Some(P), Conf::Med, None);
        return;
    }
    let place_before = prev.is_some_and(|w| matches!(w, "in" | "near" | "across" | "throughout" | "outside"));
    if len == 1 {
        if has_particle_prefix(first) {
            push(cands, s, e, Some(P), Conf::Med, None);
            return;
        }
        if ff & GIVEN != 0 {
            push(cands, s, e, Some(P), Conf::Low, None);
            return;
        }
        if is_common(first, buf) {
            // "Bush", "Trump": only with evidence from elsewhere in the document.
            push(cands, s, e, None, Conf::Low, None);
            return;
        }
        if ff & SURNAME != 0 {
            push(cands, s, e, Some(P), Conf::Low, None);
            return;
        }
        if let Some(kind) = suffix_kind(first) {
            push(cands, s, e, Some(kind), Conf::Low, None);
            return;
        }
        if place_before {
            push(cands, s, e, Some(L), Conf::Low, None);
            return;
        }
        push(cands, s, e, None, Conf::Low, None);
        return;
    }
    let any_common = (s..e).any(|j| is_common(word(text, &toks[j]), buf));
    if place_before && !any_common {
        push(cands, s, e, Some(L), Conf::Low, None);
        return;
    }
    push(cands, s, e, Some(if any_common { O } else { P }), Conf::Low, None);
}

/// East Asian given names written with a hyphen: "Jong-un", "Chung-tai".
fn hyphenated_given(w: &str) -> bool {
    match w.split_once('-') {
        Some((a, b)) => {
            a.len() >= 2
                && a.chars().next().is_some_and(char::is_uppercase)
                && a.chars().skip(1).all(char::is_lowercase)
                && b.len() >= 2
                && b.chars().all(char::is_lowercase)
        }
        None => false,
    }
}

/// A capital letter alone, as in "R Saravanan" (not "A" or "I").
fn is_bare_initial(w: &str) -> bool {
    let mut it = w.chars();
    matches!((it.next(), it.next()), (Some(c), None) if c.is_ascii_uppercase() && c != 'A' && c != 'I')
}

/// The kind an unknown single word's ending suggests.
fn suffix_kind(w: &str) -> Option<EntityKind> {
    const ORG: &[&str] = &[
        "news", "soft", "tech", "corp", "media", "bank", "net", "ology", "ism", "Corp", "Tech",
    ];
    const LOC: &[&str] = &[
        "stan", "grad", "abad", "pur", "polis", "ville", "burg", "shire", "istan", "ovo", "sk",
    ];
    const PER: &[&str] = &[
        "ov", "ova", "ev", "eva", "sky", "ski", "vich", "enko", "son", "sen", "ez", "ini", "elli", "escu", "poulos",
        "stein", "ian", "berg", "witz", "wicz", "czyk", "uk", "yuk", "dze", "shvili", "yan", "oglu",
    ];
    if ORG.iter().any(|x| w.len() > x.len() + 2 && w.ends_with(x)) {
        return Some(EntityKind::Organization);
    }
    if PER.iter().any(|x| w.len() > x.len() + 2 && w.ends_with(x)) {
        return Some(EntityKind::Person);
    }
    if LOC.iter().any(|x| w.len() > x.len() + 2 && w.ends_with(x)) {
        return Some(EntityKind::Place);
    }
    None
}

/// "al-Assad", "el-Sisi", "bin-Laden", "Al-Maeena".
fn has_particle_prefix(w: &str) -> bool {
    [
        "al-", "el-", "Al-", "El-", "bin-", "ad-", "as-", "ash-", "at-", "ar-", "an-", "az-",
    ]
    .iter()
    .any(|p| {
        w.strip_prefix(p)
            .is_some_and(|rest| rest.chars().next().is_some_and(char::is_uppercase))
    })
}

/// Strip "al-"-like prefixes: "al-Assad" -> "Assad".
fn strip_particle_prefix(w: &str) -> &str {
    for p in [
        "al-", "el-", "Al-", "El-", "ad-", "as-", "ash-", "at-", "ar-", "an-", "az-",
    ] {
        if let Some(rest) = w.strip_prefix(p)
            && rest.chars().next().is_some_and(char::is_uppercase)
        {
            return rest;
        }
    }
    w
}

/// Document-level passes: surnames refer back to full names; weakly typed names take the type
/// they got with more evidence elsewhere.
fn resolve_document(text: &str, toks: &[Tok], cands: &mut [Cand]) {
    // Full person names: last word -> index of the candidate.
    let mut surnames: FxHashMap<&str, EntityKind> = FxHashMap::default();
    for c in cands.iter() {
        if c.kind == Some(EntityKind::Person) && c.e - c.s >= 2 && c.conf >= Conf::Med {
            let last = word(text, &toks[c.e - 1]);
            surnames.entry(last).or_insert(EntityKind::Person);
            surnames
                .entry(strip_particle_prefix(last))
                .or_insert(EntityKind::Person);
        }
    }
    // Best type per surface.
    let mut best: FxHashMap<&str, (EntityKind, Conf)> = FxHashMap::default();
    for c in cands.iter() {
        if let Some(k) = c.kind {
            let p = phrase(text, toks, c.s, c.e);
            let entry = best.entry(p).or_insert((k, c.conf));
            if c.conf > entry.1 {
                *entry = (k, c.conf);
            }
        }
    }
    // Sports reports: a country or city that is not a location ("Belgium beat Panama") is its team.
    if is_sports_report(text, toks) {
        for c in cands.iter_mut() {
            if c.kind == Some(EntityKind::Place) && !LEXICON.has(word(text, &toks[c.e - 1]), LOC_HEAD) {
                let prev = if c.s > 0 { word(text, &toks[c.s - 1]) } else { "" };
                let locative = matches!(
                    prev,
                    "in" | "at"
                        | "from"
                        | "to"
                        | "near"
                        | "across"
                        | "throughout"
                        | "of"
                        | "into"
                        | "outside"
                        | "In"
                        | "At"
                        | "From"
                );
                if !locative {
                    c.kind = Some(EntityKind::Organization);
                }
            }
        }
    }
    for c in cands.iter_mut() {
        if c.alias.is_some() {
            continue;
        }
        if c.e - c.s == 1 && !(c.kind == Some(EntityKind::Person) && c.conf == Conf::High) {
            let w = word(text, &toks[c.s]);
            if surnames.contains_key(w) {
                c.kind = Some(EntityKind::Person);
                c.conf = Conf::High;
                continue;
            }
        }
        if c.conf < Conf::High
            && let Some(&(k, conf)) = best.get(phrase(text, toks, c.s, c.e))
            && conf > c.conf
        {
            c.kind = Some(k);
            c.conf = conf;
        }
    }
}

/// At least five different words of sports reporting among the lowercase words.
fn is_sports_report(text: &str, toks: &[Tok]) -> bool {
    let lex = &*LEXICON;
    let mut seen: Vec<&str> = Vec::new();
    for t in toks {
        if t.name_like {
            continue;
        }
        let w = word(text, t);
        if w.len() >= 4 && lex.has(w, SPORT) && !seen.contains(&w) {
            seen.push(w);
            if seen.len() >= 5 {
                return true;
            }
        }
    }
    false
}

/// Person canonical names: a mention whose words end a longer person name in the document
/// (seen before, or else after) takes that name ("Assad" -> "Bashar al-Assad").
fn link_people(text: &str, toks: &[Tok], cands: &[Cand], out: &mut [Entity]) {
    let mut full: Vec<(usize, String)> = Vec::new(); // (candidate index, canonical)
    let kept: Vec<&Cand> = cands.iter().filter(|c| c.kind.is_some()).collect();
    for (i, c) in kept.iter().enumerate() {
        if c.kind == Some(EntityKind::Person) && c.e - c.s >= 2 {
            full.push((i, out[i].canonical.clone()));
        }
    }
    if full.is_empty() {
        return;
    }
    for (i, c) in kept.iter().enumerate() {
        if c.kind != Some(EntityKind::Person) {
            continue;
        }
        let mine = out[i].canonical.clone();
        let my_last = strip_particle_prefix(word(text, &toks[c.e - 1]));
        let my_words = c.e - c.s;
        let mut found: Option<&str> = None;
        // Prefer the closest longer name before this mention, else the first one after.
        for (j, canon) in &full {
            let other = kept[*j];
            if other.e - other.s <= my_words || canon == &mine {
                continue;
            }
            let other_last = strip_particle_prefix(word(text, &toks[other.e - 1]));
            if other_last != my_last {
                continue;
            }
            if my_words > 1 {
                // "von der Leyen" ends "Ursula von der Leyen"; "Bashar Assad" and "Bashar al-Assad"
                // share their first words too.
                let suffix = canon.len() > mine.len()
                    && canon.ends_with(mine.as_str())
                    && canon[..canon.len() - mine.len()].ends_with(' ');
                if !suffix && word(text, &toks[c.s]) != word(text, &toks[other.s]) {
                    continue;
                }
            }
            if *j < i || found.is_none() {
                found = Some(canon.as_str());
            }
            if *j > i {
                break;
            }
        }
        if let Some(f) = found {
            out[i].canonical = f.to_string();
        }
    }
    let _ = text;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn show(text: &str) -> Vec<(String, &'static str, String)> {
        entities(text)
            .into_iter()
            .map(|e| (text[e.span].to_string(), e.kind.as_str(), e.canonical))
            .collect()
    }

    #[test]
    fn titles_and_possessives() {
        let got = show("Kremlin spokesman Dmitry Peskov said Russia's army would help President Bashar al-Assad.");
        assert!(got.contains(&("Kremlin".into(), "ORG", "Kremlin".into())), "{got:?}");
        assert!(
            got.contains(&("Dmitry Peskov".into(), "PER", "Dmitry Peskov".into())),
            "{got:?}"
        );
        assert!(got.contains(&("Russia".into(), "LOC", "Russia".into())), "{got:?}");
        assert!(
            got.contains(&("Bashar al-Assad".into(), "PER", "Bashar al-Assad".into())),
            "{got:?}"
        );
    }

    #[test]
    fn aliases() {
        assert_eq!(canonical_name(EntityKind::Organization, "ISIL"), "Islamic State");
        assert_eq!(canonical_name(EntityKind::Place, "the United States"), "United States");
        assert_eq!(canonical_name(EntityKind::Place, "Britain"), "United Kingdom");
        assert_eq!(canonical_name(EntityKind::Organization, "U.N."), "United Nations");
        assert_eq!(
            canonical_name(EntityKind::Person, "President Vladimir Putin"),
            "Vladimir Putin"
        );
        let got = show("Fighters of the Islamic State of Iraq and the Levant attacked. The U.S. and the UK responded.");
        assert!(
            got.contains(&(
                "Islamic State of Iraq and the Levant".into(),
                "ORG",
                "Islamic State".into()
            )),
            "{got:?}"
        );
        assert!(got.contains(&("U.S.".into(), "LOC", "United States".into())), "{got:?}");
        assert!(got.contains(&("UK".into(), "LOC", "United Kingdom".into())), "{got:?}");
    }

    #[test]
    fn surname_links_back() {
        let got = show(
            "Foreign Minister Walid al-Moualem spoke. Later, al-Moualem said more. Assad agreed with Bashar al-Assad.",
        );
        assert!(
            got.contains(&("Walid al-Moualem".into(), "PER", "Walid al-Moualem".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("al-Moualem".into(), "PER", "Walid al-Moualem".into())),
            "{got:?}"
        );
        assert!(
            got.contains(&("Assad".into(), "PER", "Bashar al-Assad".into())),
            "{got:?}"
        );
    }

    #[test]
    fn seed_article() {
        let text = include_str!("../tests/data/seed-article.txt");
        let got = show(text);
        let has = |s: &str, k: &str, c: &str| {
            assert!(
                got.contains(&(s.to_string(), k_static(k), c.to_string())),
                "missing {s} {k} {c}: {got:?}"
            );
        };
        fn k_static(k: &str) -> &'static str {
            match k {
                "PER" => "PER",
                "ORG" => "ORG",
                _ => "LOC",
            }
        }
        has("Bashar al-Assad", "PER", "Bashar al-Assad");
        has("Assad", "PER", "Bashar al-Assad");
        has("Walid al-Moualem", "PER", "Walid al-Moualem");
        has("al-Moualem", "PER", "Walid al-Moualem");
        has("Dmitry Peskov", "PER", "Dmitry Peskov");
        has("Vladimir Putin", "PER", "Vladimir Putin");
        has("Putin", "PER", "Vladimir Putin");
        has("Benjamin Netanyahu", "PER", "Benjamin Netanyahu");
        has("Netanyahu", "PER", "Benjamin Netanyahu");
        has("Kerry", "PER", "Kerry");
        has("Lavrov", "PER", "Lavrov");
        has("Reuters", "ORG", "Reuters");
        has("Bloomberg", "ORG", "Bloomberg");
        has("Kremlin", "ORG", "Kremlin");
        has("Pentagon", "ORG", "Pentagon");
        has("Islamic State", "ORG", "Islamic State");
        has("ISIS", "ORG", "Islamic State");
        has("Hezbollah", "ORG", "Hezbollah");
        has("Syria", "LOC", "Syria");
        has("Russia", "LOC", "Russia");
        has("Latakia", "LOC", "Latakia");
        has("Raqqa", "LOC", "Raqqa");
        has("Moscow", "LOC", "Moscow");
        has("Israel", "LOC", "Israel");
        has("Tartus", "LOC", "Tartus");
        has("U.S.", "LOC", "United States");
        has("Soviet Union", "LOC", "Soviet Union");
        // Nothing that is not a name.
        for (s, _, _) in &got {
            for bad in [
                "Importantly",
                "Now",
                "Foreign",
                "President",
                "Prime",
                "Russian",
                "Syrian",
                "Israeli",
                "Thursday",
            ] {
                assert!(!s.starts_with(bad), "{s} in {got:?}");
            }
        }
    }
}
