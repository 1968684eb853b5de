//! A syndication simulator: a web of sites whose articles are originals and
//! every kind of copy of them, with the ground truth of who copied whom.
//!
//! Stories start from the bundled Wikinews texts; beyond those, new texts
//! are drawn from a word chain trained on them (fluent enough for
//! fingerprints, and sharing no passages with one another by design). Each
//! story may be republished as a wire copy (new headline, the site's
//! furniture), a trimmed copy (50–90 % of its paragraphs), an edited copy
//! (2–10 % of words changed), an excerpt (30–60 % of it among other
//! material), or a copy of one of those copies; some copies say where they
//! come from ("Source Article from …"), most come hours later, a few carry
//! no date. Half the sites add the same long disclaimer or newsletter pitch
//! under every post, the trap that makes naive fingerprints call a site's
//! posts copies of one another.
//!
//! Everything follows from the seed through [`Rng`], a fixed SplitMix64
//! (not `rand`, whose generators may change between versions): the same
//! seed gives the same web on every machine and release.

use std::collections::HashMap;

use crate::demo::corpus_articles;

/// SplitMix64: tiny, fixed and good enough for a simulation.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x853c_49e6_748f_ea9b)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo { lo } else { lo + self.next_u64() % (hi - lo) }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64) as usize]
    }
}

/// What to simulate.
#[derive(Debug, Clone, Copy)]
pub struct SimConfig {
    pub origins: usize,
    pub sites: usize,
    pub seed: u64,
}

impl Default for SimConfig {
    /// The default mix the provenance targets are measured on.
    fn default() -> SimConfig {
        SimConfig {
            origins: 200,
            sites: 30,
            seed: 1,
        }
    }
}

/// One simulated article, as `tracewire relate` reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimDoc {
    pub id: i64,
    pub url: String,
    pub site: String,
    pub title: String,
    pub text: String,
    /// Unix seconds, or none (the page showed no date).
    pub published: Option<i64>,
    /// The page's own "Source Article from" line, if it has one.
    pub source_url: Option<String>,
}

/// How a simulated article came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Made {
    Original,
    Wire,
    Trimmed,
    Edited,
    Excerpt,
}

impl Made {
    pub fn as_str(self) -> &'static str {
        match self {
            Made::Original => "original",
            Made::Wire => "wire",
            Made::Trimmed => "trimmed",
            Made::Edited => "edited",
            Made::Excerpt => "excerpt",
        }
    }
}

/// The ground truth of one article.
#[derive(Debug, Clone, PartialEq)]
pub struct SimTruth {
    pub id: i64,
    pub origin: i64,
    /// What it was copied from (`None` for an original).
    pub source: Option<i64>,
    pub made: Made,
    /// Whether its text names its source.
    pub attributed: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Simulation {
    pub docs: Vec<SimDoc>,
    pub truth: Vec<SimTruth>,
}

/// A word chain over the corpus: each word's followers, for new texts.
struct Chain {
    next: HashMap<String, Vec<String>>,
    starts: Vec<String>,
    /// Every word, for jumps: where the corpus allows only one way on, the
    /// chain would copy its passages, and texts would share them.
    vocabulary: Vec<String>,
}

impl Chain {
    fn train(texts: &[String]) -> Chain {
        let mut next: HashMap<String, Vec<String>> = HashMap::new();
        let mut starts = Vec::new();
        for t in texts {
            let words: Vec<&str> = t.split_whitespace().collect();
            for (i, w) in words.iter().enumerate() {
                if i == 0 || words[i - 1].ends_with('.') {
                    starts.push(w.to_string());
                }
                if let Some(n) = words.get(i + 1) {
                    next.entry(w.to_string()).or_default().push(n.to_string());
                }
            }
        }
        let mut vocabulary: Vec<String> = next.keys().cloned().collect();
        vocabulary.sort();
        Chain {
            next,
            starts,
            vocabulary,
        }
    }

    fn sentence(&self, rng: &mut Rng) -> String {
        let mut w = rng.pick(&self.starts).clone();
        let mut out = vec![w.clone()];
        let len = rng.range(12, 30) as usize;
        while out.len() < len || !w.ends_with('.') {
            match self.next.get(&w) {
                _ if out.len() >= 60 => break,
                Some(f) if f.len() >= 4 && !rng.chance(0.2) => w = rng.pick(f).clone(),
                _ => w = rng.pick(&self.vocabulary).clone(),
            }
            out.push(w.clone());
        }
        let mut s = out.join(" ");
        if !s.ends_with('.') {
            s.push('.');
        }
        s
    }

    fn paragraphs(&self, rng: &mut Rng, count: usize) -> Vec<String> {
        (0..count)
            .map(|_| {
                let n = rng.range(2, 5);
                (0..n).map(|_| self.sentence(rng)).collect::<Vec<_>>().join(" ")
            })
            .collect()
    }
}

struct Site {
    host: String,
    furniture: Vec<String>,
}

struct Story {
    /// Documents of this story so far: (doc index, paragraphs).
    copies: Vec<(usize, Vec<String>)>,
}

/// Builds the simulated web.
pub fn simulate(config: SimConfig) -> Simulation {
    let mut rng = Rng::new(config.seed);
    let real = corpus_articles();
    let texts: Vec<String> = real.iter().map(|a| a.paragraphs.join(" ")).collect();
    let chain = Chain::train(&texts);
    let sites: Vec<Site> = (0..config.sites.max(2))
        .map(|i| {
            let furniture = if i % 2 == 0 {
                let n = rng.range(1, 3) as usize;
                chain.paragraphs(&mut rng, n)
            } else {
                Vec::new()
            };
            Site {
                host: format!("site{i}.example"),
                furniture,
            }
        })
        .collect();
    let mut sim = Simulation::default();
    let base: i64 = 1_700_000_000;
    for o in 0..config.origins {
        let (title, paragraphs) = match real.get(o) {
            Some(a) => (a.title.clone(), a.paragraphs.clone()),
            None => {
                let n = rng.range(6, 14) as usize;
                let ps = chain.paragraphs(&mut rng, n);
                let title: String = chain
                    .sentence(&mut rng)
                    .split_whitespace()
                    .take(8)
                    .collect::<Vec<_>>()
                    .join(" ");
                (title.trim_end_matches('.').to_string(), ps)
            }
        };
        let site = rng.range(0, sites.len() as u64) as usize;
        let published = base + rng.range(0, 90 * 86_400) as i64;
        let origin_id = sim.docs.len() as i64 + 1;
        push(
            &mut sim,
            &sites[site],
            &title,
            &paragraphs,
            Some(published),
            None,
            SimTruth {
                id: origin_id,
                origin: origin_id,
                source: None,
                made: Made::Original,
                attributed: false,
            },
            o,
        );
        let mut story = Story {
            copies: vec![(sim.docs.len() - 1, paragraphs)],
        };
        let copies = rng.range(0, 7);
        for c in 0..copies {
            // Most copy the original; some copy an earlier copy.
            let from = if story.copies.len() > 1 && rng.chance(0.25) {
                story.copies[rng.range(1, story.copies.len() as u64) as usize].clone()
            } else {
                story.copies[0].clone()
            };
            let (src_index, src_paragraphs) = from;
            let src = sim.docs[src_index].clone();
            let site = loop {
                let s = rng.range(0, sites.len() as u64) as usize;
                if sites[s].host != src.site {
                    break s;
                }
            };
            let made = *rng.pick(&[Made::Wire, Made::Wire, Made::Trimmed, Made::Edited, Made::Excerpt]);
            let paragraphs = match made {
                Made::Trimmed => {
                    let keep =
                        (src_paragraphs.len() as f64 * (0.5 + 0.4 * rng.range(0, 101) as f64 / 100.0)).ceil() as usize;
                    src_paragraphs[..keep.clamp(1, src_paragraphs.len())].to_vec()
                }
                Made::Edited => edit(&mut rng, &src_paragraphs),
                Made::Excerpt => {
                    let share = 0.3 + 0.3 * rng.range(0, 101) as f64 / 100.0;
                    let keep = ((src_paragraphs.len() as f64 * share).round() as usize).clamp(1, src_paragraphs.len());
                    let start = rng.range(0, (src_paragraphs.len() - keep + 1) as u64) as usize;
                    let mut ps = chain.paragraphs(&mut rng, 2);
                    ps.extend_from_slice(&src_paragraphs[start..start + keep]);
                    let extra = rng.range(2, 5) as usize;
                    ps.extend(chain.paragraphs(&mut rng, extra));
                    ps
                }
                _ => src_paragraphs.clone(),
            };
            let title = match made {
                Made::Wire => format!(
                    "{} ({})",
                    src.title,
                    ["report", "update", "analysis", "explainer"][c as usize % 4]
                ),
                _ => src.title.clone(),
            };
            let published = src
                .published
                .map(|p| p + rng.range(600, 48 * 3600) as i64)
                .filter(|_| !rng.chance(0.1));
            let attributed = rng.chance(0.6);
            let id = sim.docs.len() as i64 + 1;
            push(
                &mut sim,
                &sites[site],
                &title,
                &paragraphs,
                published,
                attributed.then(|| src.url.clone()),
                SimTruth {
                    id,
                    origin: origin_id,
                    source: Some(src.id),
                    made,
                    attributed,
                },
                o * 10 + c as usize + 1,
            );
            story.copies.push((sim.docs.len() - 1, paragraphs));
        }
    }
    sim
}

/// Changes 2–10 % of the words: replaced by another word of the text, or
/// dropped.
fn edit(rng: &mut Rng, paragraphs: &[String]) -> Vec<String> {
    let share = 0.02 + 0.08 * rng.range(0, 101) as f64 / 100.0;
    let all: Vec<String> = paragraphs
        .iter()
        .flat_map(|p| p.split_whitespace())
        .map(str::to_string)
        .collect();
    paragraphs
        .iter()
        .map(|p| {
            p.split_whitespace()
                .filter_map(|w| {
                    if !rng.chance(share) {
                        return Some(w.to_string());
                    }
                    rng.chance(0.5).then(|| rng.pick(&all).clone())
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn push(
    sim: &mut Simulation,
    site: &Site,
    title: &str,
    paragraphs: &[String],
    published: Option<i64>,
    source_url: Option<String>,
    truth: SimTruth,
    slug: usize,
) {
    let mut text: Vec<String> = paragraphs.to_vec();
    if let Some(src) = &source_url {
        text.push(format!("Source Article from {src}"));
    }
    text.extend(site.furniture.iter().cloned());
    sim.docs.push(SimDoc {
        id: truth.id,
        url: format!("https://{}/news/{slug}-{}", site.host, truth.id),
        site: site.host.clone(),
        title: title.to_string(),
        text: text.join("\n"),
        published,
        source_url,
    });
    sim.truth.push(truth);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_web() {
        let a = simulate(SimConfig {
            origins: 30,
            sites: 6,
            seed: 7,
        });
        let b = simulate(SimConfig {
            origins: 30,
            sites: 6,
            seed: 7,
        });
        assert_eq!(a.docs, b.docs);
        let c = simulate(SimConfig {
            origins: 30,
            sites: 6,
            seed: 8,
        });
        assert_ne!(a.docs, c.docs);
    }

    #[test]
    fn the_mix_has_every_kind_and_the_truth_is_consistent() {
        let sim = simulate(SimConfig::default());
        assert_eq!(sim.docs.len(), sim.truth.len());
        for made in [Made::Original, Made::Wire, Made::Trimmed, Made::Edited, Made::Excerpt] {
            assert!(sim.truth.iter().any(|t| t.made == made), "{made:?}");
        }
        let by_id: HashMap<i64, &SimTruth> = sim.truth.iter().map(|t| (t.id, t)).collect();
        for t in &sim.truth {
            if let Some(s) = t.source {
                assert_eq!(by_id[&s].origin, t.origin);
                assert!(s < t.id);
            }
        }
        // Copies of copies exist, and some copies carry no date.
        assert!(sim.truth.iter().any(|t| t.source.is_some_and(|s| s != t.origin)));
        assert!(sim.docs.iter().any(|d| d.published.is_none()));
        // Attribution lines name the source's URL.
        for (d, t) in sim.docs.iter().zip(&sim.truth) {
            if t.attributed {
                let src = &sim.docs[(t.source.unwrap() - 1) as usize];
                assert_eq!(d.source_url.as_deref(), Some(src.url.as_str()));
                assert!(d.text.contains(&format!("Source Article from {}", src.url)));
            }
        }
    }

    #[test]
    fn generated_stories_are_distinct() {
        // Two generated originals share no long passage.
        let sim = simulate(SimConfig {
            origins: 40,
            sites: 4,
            seed: 3,
        });
        let originals: Vec<&SimDoc> = sim
            .docs
            .iter()
            .zip(&sim.truth)
            .filter(|(_, t)| t.made == Made::Original)
            .map(|(d, _)| d)
            .skip(corpus_articles().len())
            .collect();
        assert!(originals.len() >= 10);
        let eight_grams = |t: &str| -> std::collections::HashSet<String> {
            let w: Vec<&str> = t.split_whitespace().collect();
            w.windows(8).map(|x| x.join(" ")).collect()
        };
        // (Posts of one site share its furniture, by design.)
        for pair in originals.windows(2).filter(|p| p[0].site != p[1].site) {
            let (a, b) = (eight_grams(&pair[0].text), eight_grams(&pair[1].text));
            assert!(a.intersection(&b).count() < 3, "{} / {}", pair[0].id, pair[1].id);
        }
    }
}
