//! Scoring against gold named mentions: exact span + type, precision/recall/F1 per type and
//! micro-averaged.
//!
//! The evaluation data (`data/gum-eval/gum-eval.json`, built by
//! `data/gum-eval/build_gum_eval.py` from the Wikinews part of the GUM corpus) holds, per
//! document, the published text (detokenized: GUM's tokens aligned back to the raw text) and
//! gold spans in *character* offsets. A gold span is a GUM mention of type person,
//! organization or place that is *named*, reduced to its proper-name token run:
//!  - the trailing possessive ('s) is dropped;
//!  - the name is the first run of proper-noun tokens (POS NP/NPS, joined by of/the/de/van/al/
//!    -/&/for) that is not a pre-modifier (not followed inside the mention by a common noun,
//!    adjective, number or possessive), looking only before the first preposition, comma,
//!    wh-word or verb outside a run: "Kremlin spokesman Dmitry Peskov" -> "Dmitry Peskov",
//!    "the University of Helsinki" -> "University of Helsinki", "Russia's facility" -> none
//!    (the nested "Russia" mention counts on its own);
//!  - for people, leading titles and roles are dropped ("U.S. President Donald Trump" ->
//!    "Donald Trump"); a run that is only a title ("the U.S. President") or a single plural
//!    proper noun ("Afghans") is not a named person;
//!  - when reduced spans overlap, the longer one wins ("University of Helsinki" over the
//!    nested "Helsinki").
//!
//! GUM types countries and cities as place even where they act ("Russia said"), and so does
//! this crate.

use serde::Deserialize;

use crate::{Entity, EntityKind, entities};

/// A document with gold mentions (`start`, `end` in chars, kind).
#[derive(Debug, Clone, Deserialize)]
pub struct GoldDoc {
    pub name: String,
    pub text: String,
    pub gold: Vec<(usize, usize, EntityKind)>,
}

/// True positives, false positives and false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Scores per type (PER, ORG, LOC) and micro-averaged over all three.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub person: Counts,
    pub organization: Counts,
    pub place: Counts,
}

impl Report {
    pub fn micro(&self) -> Counts {
        let mut c = self.person;
        c.add(self.organization);
        c.add(self.place);
        c
    }

    pub fn kind(&self, kind: EntityKind) -> Counts {
        match kind {
            EntityKind::Person => self.person,
            EntityKind::Organization => self.organization,
            EntityKind::Place => self.place,
        }
    }

    fn kind_mut(&mut self, kind: EntityKind) -> &mut Counts {
        match kind {
            EntityKind::Person => &mut self.person,
            EntityKind::Organization => &mut self.organization,
            EntityKind::Place => &mut self.place,
        }
    }

    pub fn add(&mut self, o: &Report) {
        self.person.add(o.person);
        self.organization.add(o.organization);
        self.place.add(o.place);
    }

    /// A table: one line per type and one for micro.
    pub fn table(&self) -> String {
        let mut s = String::from("type   P      R      F1     (tp/fp/fn)\n");
        let rows = [
            ("PER", self.person),
            ("ORG", self.organization),
            ("LOC", self.place),
            ("micro", self.micro()),
        ];
        for (name, c) in rows {
            s.push_str(&format!(
                "{name:<6} {:.3}  {:.3}  {:.3}  ({}/{}/{})\n",
                c.precision(),
                c.recall(),
                c.f1(),
                c.tp,
                c.fp,
                c.fn_
            ));
        }
        s
    }
}

/// Gold spans of a document in bytes.
pub fn gold_bytes(doc: &GoldDoc) -> Vec<(usize, usize, EntityKind)> {
    // char index -> byte offset
    let mut offsets: Vec<usize> = doc.text.char_indices().map(|(b, _)| b).collect();
    offsets.push(doc.text.len());
    doc.gold
        .iter()
        .filter_map(|&(s, e, k)| Some((*offsets.get(s)?, *offsets.get(e)?, k)))
        .collect()
}

/// Score predicted entities against gold byte spans (exact span and type).
pub fn score(gold: &[(usize, usize, EntityKind)], predicted: &[Entity]) -> Report {
    let mut r = Report::default();
    let mut matched = vec![false; gold.len()];
    for p in predicted {
        let hit = gold
            .iter()
            .enumerate()
            .find(|(i, g)| !matched[*i] && g.0 == p.span.start && g.1 == p.span.end && g.2 == p.kind);
        match hit {
            Some((i, _)) => {
                matched[i] = true;
                r.kind_mut(p.kind).tp += 1;
            }
            None => r.kind_mut(p.kind).fp += 1,
        }
    }
    for (i, g) in gold.iter().enumerate() {
        if !matched[i] {
            r.kind_mut(g.2).fn_ += 1;
        }
    }
    r
}

/// Run [`entities`] on every document and score it.
pub fn evaluate(docs: &[GoldDoc]) -> Report {
    let mut total = Report::default();
    for d in docs {
        let predicted = entities(&d.text);
        total.add(&score(&gold_bytes(d), &predicted));
    }
    total
}
