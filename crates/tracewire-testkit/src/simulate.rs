//! A syndication simulator: a web of sites whose articles are originals and
//! every kind of copy of them, with the ground truth of who copied whom.
//!
//! Stories start from the bundled Wikinews texts; beyond those, new texts
//! are drawn from a word chain trained on them (fluent enough for
//! fingerprints, and sharing no passages with one another by design). Some
//! are briefs of two to four paragraphs, some press releases that end with
//! their company's "About" paragraph. Each story may be updated by its site
//! (a paragraph added or rewritten) and republished as a wire copy (new
//! headline, the wire's copyright notice), a trimmed copy (50–90 % of its
//! paragraphs), an edited copy (2–10 % of words changed), an excerpt
//! (30–60 % of it among other material), or a copy of one of those; some
//! copies say where they come from ("Source Article from …"), most come
//! hours later, a few carry no date. Days later, other stories may quote a
//! statement from it: follow-ups, which are not copies.
//!
//! The traps a real syndication web sets for naive fingerprints are all
//! there: half the sites add their own disclaimer or pitch under every post,
//! some a standing editor's note above it, some their writers' bios; sites of
//! one network share a newsletter pitch or a note; every release of a
//! company carries the same "About" paragraph, and wire copies of unrelated
//! stories the same notice. None of these makes two stories copies.
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
    /// Its site's newer version of an article (a paragraph added or
    /// rewritten).
    Update,
    /// A new story quoting a statement from an earlier one: not a copy.
    FollowUp,
}

impl Made {
    pub fn as_str(self) -> &'static str {
        match self {
            Made::Original => "original",
            Made::Wire => "wire",
            Made::Trimmed => "trimmed",
            Made::Edited => "edited",
            Made::Excerpt => "excerpt",
            Made::Update => "update",
            Made::FollowUp => "follow_up",
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

/// A word chain over texts: each word's followers, for new texts (the
/// simulator's, and `bench lookup`'s million articles). Words are indices,
/// so generating allocates only the text it writes.
pub struct Chain {
    words: Vec<String>,
    next: Vec<Vec<u32>>,
    starts: Vec<u32>,
    /// Every word with followers, in word order, for jumps: where the
    /// corpus allows only one way on, the chain would copy its passages,
    /// and texts would share them.
    vocabulary: Vec<u32>,
}

impl Chain {
    pub fn train(texts: &[String]) -> Chain {
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut words: Vec<String> = Vec::new();
        let mut next: Vec<Vec<u32>> = Vec::new();
        let mut starts = Vec::new();
        for t in texts {
            let ws: Vec<u32> = t
                .split_whitespace()
                .map(|w| {
                    *index.entry(w).or_insert_with(|| {
                        words.push(w.to_string());
                        next.push(Vec::new());
                        (words.len() - 1) as u32
                    })
                })
                .collect();
            for (i, &w) in ws.iter().enumerate() {
                if i == 0 || words[ws[i - 1] as usize].ends_with('.') {
                    starts.push(w);
                }
                if let Some(&n) = ws.get(i + 1) {
                    next[w as usize].push(n);
                }
            }
        }
        let mut vocabulary: Vec<u32> = (0..words.len() as u32)
            .filter(|&w| !next[w as usize].is_empty())
            .collect();
        vocabulary.sort_by(|&a, &b| words[a as usize].cmp(&words[b as usize]));
        Chain {
            words,
            next,
            starts,
            vocabulary,
        }
    }

    /// The chain over the bundled Wikinews texts.
    pub fn of_corpus() -> Chain {
        let texts: Vec<String> = corpus_articles().iter().map(|a| a.paragraphs.join(" ")).collect();
        Chain::train(&texts)
    }

    /// One sentence of 12 to 60 words, ending with a full stop, onto `out`.
    pub fn sentence(&self, rng: &mut Rng, out: &mut String) {
        let mut w = *rng.pick(&self.starts);
        let len = rng.range(12, 30);
        let mut n = 1;
        out.push_str(&self.words[w as usize]);
        while n < len || !self.words[w as usize].ends_with('.') {
            if n >= 60 {
                break;
            }
            let followers = &self.next[w as usize];
            w = if followers.len() >= 4 && !rng.chance(0.2) {
                *rng.pick(followers)
            } else {
                *rng.pick(&self.vocabulary)
            };
            out.push(' ');
            out.push_str(&self.words[w as usize]);
            n += 1;
        }
        if !out.ends_with('.') {
            out.push('.');
        }
    }

    /// The first `words` words of a new sentence.
    pub fn headline(&self, rng: &mut Rng, words: usize) -> String {
        let mut sentence = String::new();
        self.sentence(rng, &mut sentence);
        sentence.split_whitespace().take(words).collect::<Vec<_>>().join(" ")
    }

    /// `count` paragraphs of two to four sentences.
    pub fn paragraphs(&self, rng: &mut Rng, count: usize) -> Vec<String> {
        (0..count)
            .map(|_| {
                let mut p = String::new();
                for s in 0..rng.range(2, 5) {
                    if s > 0 {
                        p.push(' ');
                    }
                    self.sentence(rng, &mut p);
                }
                p
            })
            .collect()
    }
}

/// The notice a wire service puts under its stories, whoever runs them.
const WIRE_NOTICE: &str = "Copyright 2024 Global Wire Service. All rights reserved. This material may not be published, broadcast, rewritten or redistributed in whole or in part without the prior written permission of Global Wire Service, and is provided for the personal use of subscribers only.";

/// Newsletter pitches a network of sites puts under every post.
const NETWORK_PITCHES: [&str; 2] = [
    "Get the Morning Dispatch, the free newsletter of the Northern Press Network: the stories that matter from our twelve local newsrooms, with analysis from our reporters, delivered to your inbox before seven every weekday. Sign up today and never miss a story from your community.",
    "This story comes to you from the Independent Local News Alliance, a nonprofit network of community newsrooms. Our journalism is free to read because readers like you support it. Become a member today for as little as five dollars a month and help keep local reporting alive where you live.",
];

/// A standing note some sites of a network put above every post.
const NETWORK_NOTE: &str = "Editor's note: This article is published as part of a reporting partnership between member newsrooms of the Independent Local News Alliance. Partner outlets may republish it under their own headlines, and corrections are posted at the foot of the page.";

/// Companies whose press releases end with the same paragraph.
const COMPANIES: [(&str, &str); 3] = [
    (
        "Arcadia Biosystems",
        "About Arcadia Biosystems: Arcadia Biosystems is a clinical-stage biotechnology company headquartered in Cambridge, Massachusetts, developing targeted therapies for rare metabolic and inflammatory diseases. Founded in 2009, the company employs more than four hundred people across research sites in the United States and Europe. Its shares are listed on the Nasdaq Global Market. For more information, visit the company's website or follow it on social media.",
    ),
    (
        "Meridian Freight Holdings",
        "About Meridian Freight Holdings: Meridian Freight Holdings operates one of the largest independent logistics networks in North America, moving more than two million shipments a year by road, rail and sea through forty distribution centres. The company serves retail, manufacturing and healthcare customers and has been recognised for its investment in low-emission trucking. Meridian is based in Columbus, Ohio.",
    ),
    (
        "Solenne Energy",
        "About Solenne Energy: Solenne Energy develops, builds and operates utility-scale solar and battery storage projects in Spain, Portugal, Italy and Greece, with a portfolio of more than three gigawatts in operation or under construction. Backed by long-term infrastructure investors, the company sells power to utilities and large industrial buyers under multi-year contracts. Solenne Energy is headquartered in Madrid.",
    ),
];

const FIRST_NAMES: [&str; 8] = ["Maria", "James", "Aisha", "Tomasz", "Elena", "David", "Priya", "Samuel"];
const LAST_NAMES: [&str; 8] = [
    "Okafor",
    "Lindqvist",
    "Haddad",
    "Brennan",
    "Moreau",
    "Castillo",
    "Nakamura",
    "Whitfield",
];
const BEATS: [&str; 6] = [
    "city hall and regional politics",
    "courts and criminal justice",
    "energy and the environment",
    "health care and science",
    "business and the local economy",
    "education and family policy",
];
const CITIES: [&str; 6] = ["Leeds", "Toronto", "Lyon", "Melbourne", "Denver", "Cork"];
const SPEAKERS: [&str; 5] = [
    "a spokesperson for the ministry",
    "the company",
    "officials",
    "the organisers",
    "a government spokesperson",
];

struct Site {
    host: String,
    /// Paragraphs under every post: its disclaimer, its pitch.
    furniture: Vec<String>,
    /// A standing note above every post.
    note: Option<String>,
    /// Its writers' bios; each post is by one of them (none: unsigned).
    bios: Vec<String>,
    /// Its network's newsletter pitch.
    network: Option<&'static str>,
}

impl Site {
    fn new(i: usize, chain: &Chain, rng: &mut Rng) -> Site {
        let host = format!("site{i}.example");
        let furniture = if i.is_multiple_of(2) {
            let n = rng.range(1, 3) as usize;
            chain.paragraphs(rng, n)
        } else {
            Vec::new()
        };
        let note = match i % 5 {
            1 => Some(format!(
                "Editor's note: {host} is an independent, reader-funded newsroom. This article is part of our continuing coverage and may be updated as the story develops; corrections are noted at the end of the page."
            )),
            3 => Some(NETWORK_NOTE.to_string()),
            _ => None,
        };
        let bios = if i % 3 == 1 {
            (0..rng.range(2, 4))
                .map(|_| {
                    let name = format!("{} {}", rng.pick(&FIRST_NAMES), rng.pick(&LAST_NAMES));
                    format!(
                        "{name} is a staff reporter at {host} who has covered {} for {} years. Before joining the newsroom, {name} worked for newspapers in {} and {}. Story tips and corrections can be sent to the newsdesk.",
                        rng.pick(&BEATS),
                        rng.range(3, 25),
                        rng.pick(&CITIES),
                        rng.pick(&CITIES),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        let network = match i % 4 {
            2 => Some(NETWORK_PITCHES[0]),
            3 => Some(NETWORK_PITCHES[1]),
            _ => None,
        };
        Site {
            host,
            furniture,
            note,
            bios,
            network,
        }
    }
}

/// One published version of a story.
#[derive(Clone)]
struct Version {
    doc: usize,
    body: Vec<String>,
    /// The company's "About" paragraph a release ends with, if still there.
    about: Option<&'static str>,
}

/// What a document carries besides its body.
struct Extras {
    about: Option<&'static str>,
    source_url: Option<String>,
    wire_notice: bool,
}

fn word_count(body: &[String]) -> usize {
    body.iter().map(|p| p.split_whitespace().count()).sum()
}

/// Which generated originals are press releases, and whose: each company
/// that issues any issues at least three (two releases sharing only their
/// "About" paragraph could as well be an excerpt; no detector can tell).
fn plan_releases(config: SimConfig, first: usize) -> HashMap<usize, usize> {
    let mut rng = Rng::new(config.seed ^ 0x7e1e_a5e5_0fc0_ffee);
    let releases: Vec<usize> = (first..config.origins).filter(|_| rng.chance(0.08)).collect();
    let companies = (releases.len() / 3).min(COMPANIES.len());
    if companies == 0 {
        return HashMap::new();
    }
    releases
        .into_iter()
        .enumerate()
        .map(|(k, o)| (o, k % companies))
        .collect()
}

/// Builds the simulated web.
pub fn simulate(config: SimConfig) -> Simulation {
    let mut rng = Rng::new(config.seed);
    let real = corpus_articles();
    let chain = Chain::of_corpus();
    let sites: Vec<Site> = (0..config.sites.max(2))
        .map(|i| Site::new(i, &chain, &mut rng))
        .collect();
    let releases = plan_releases(config, real.len());
    let mut sim = Simulation::default();
    let base: i64 = 1_700_000_000;
    for o in 0..config.origins {
        let mut about = None;
        let (title, paragraphs) = match real.get(o) {
            Some(a) => (a.title.clone(), a.paragraphs.clone()),
            None => {
                let title = chain.headline(&mut rng, 8);
                let title = title.trim_end_matches('.').to_string();
                if let Some(&c) = releases.get(&o) {
                    let (company, about_company) = COMPANIES[c];
                    about = Some(about_company);
                    let n = rng.range(2, 6) as usize;
                    let mut ps = chain.paragraphs(&mut rng, n);
                    ps[0] = format!("{company} today announced the following. {}", ps[0]);
                    (format!("{company} announces {title}"), ps)
                } else {
                    // A brief in four stories.
                    let n = if rng.chance(0.25) {
                        rng.range(2, 5)
                    } else {
                        rng.range(6, 14)
                    } as usize;
                    (title, chain.paragraphs(&mut rng, n))
                }
            }
        };
        let site = rng.range(0, sites.len() as u64) as usize;
        let published = base + rng.range(0, 90 * 86_400) as i64;
        let origin_id = sim.docs.len() as i64 + 1;
        push(
            &mut sim,
            &mut rng,
            &sites[site],
            &title,
            &paragraphs,
            Some(published),
            Extras {
                about,
                source_url: None,
                wire_notice: false,
            },
            SimTruth {
                id: origin_id,
                origin: origin_id,
                source: None,
                made: Made::Original,
                attributed: false,
            },
            o,
        );
        let mut story = vec![Version {
            doc: sim.docs.len() - 1,
            body: paragraphs.clone(),
            about,
        }];
        let mut holders = vec![site];
        // Some stories are updated by their site within hours: a paragraph
        // added, or one rewritten, or both.
        if rng.chance(0.12) {
            let mut body = paragraphs.clone();
            let rewrite = rng.chance(0.5);
            if rewrite {
                let i = rng.range(0, body.len() as u64) as usize;
                body[i].push(' ');
                chain.sentence(&mut rng, &mut body[i]);
            }
            if !rewrite || rng.chance(0.5) {
                let extra = chain.paragraphs(&mut rng, 1).concat();
                body.push(format!("Update: {extra}"));
            }
            let id = sim.docs.len() as i64 + 1;
            let later = published + rng.range(3600, 12 * 3600) as i64;
            push(
                &mut sim,
                &mut rng,
                &sites[site],
                &title,
                &body,
                Some(later),
                Extras {
                    about,
                    source_url: None,
                    wire_notice: false,
                },
                SimTruth {
                    id,
                    origin: origin_id,
                    source: Some(origin_id),
                    made: Made::Update,
                    attributed: false,
                },
                o * 10 + 9,
            );
            story.push(Version {
                doc: sim.docs.len() - 1,
                body,
                about,
            });
        }
        let copies = rng.range(0, 7);
        for c in 0..copies {
            // Most copy the original; some copy an earlier copy.
            let from = if story.len() > 1 && rng.chance(0.25) {
                story[rng.range(1, story.len() as u64) as usize].clone()
            } else {
                story[0].clone()
            };
            let src = sim.docs[from.doc].clone();
            // A site does not copy a story it already runs, while there are
            // others.
            let site = (0..50)
                .map(|_| rng.range(0, sites.len() as u64) as usize)
                .find(|s| !holders.contains(s))
                .unwrap_or_else(|| (site + 1 + c as usize) % sites.len());
            let site = if sites[site].host == src.site {
                (site + 1) % sites.len()
            } else {
                site
            };
            holders.push(site);
            let made = *rng.pick(&[Made::Wire, Made::Wire, Made::Trimmed, Made::Edited, Made::Excerpt]);
            let src_paragraphs = &from.body;
            let (paragraphs, about) = match made {
                Made::Trimmed => {
                    let keep =
                        (src_paragraphs.len() as f64 * (0.5 + 0.4 * rng.range(0, 101) as f64 / 100.0)).ceil() as usize;
                    (src_paragraphs[..keep.clamp(1, src_paragraphs.len())].to_vec(), None)
                }
                Made::Edited => (edit(&mut rng, src_paragraphs), from.about),
                Made::Excerpt => {
                    let share = 0.3 + 0.3 * rng.range(0, 101) as f64 / 100.0;
                    let mut keep =
                        ((src_paragraphs.len() as f64 * share).round() as usize).clamp(1, src_paragraphs.len());
                    let start = rng.range(0, (src_paragraphs.len() - keep + 1) as u64) as usize;
                    // Fifty words at least: a sentence or two would be a
                    // quotation, not an excerpt.
                    while start + keep < src_paragraphs.len() && word_count(&src_paragraphs[start..start + keep]) < 50 {
                        keep += 1;
                    }
                    let mut ps = chain.paragraphs(&mut rng, 2);
                    ps.extend_from_slice(&src_paragraphs[start..start + keep]);
                    let extra = rng.range(2, 5) as usize;
                    ps.extend(chain.paragraphs(&mut rng, extra));
                    (ps, None)
                }
                _ => (src_paragraphs.clone(), from.about),
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
            let wire_notice = made == Made::Wire && rng.chance(0.6);
            let id = sim.docs.len() as i64 + 1;
            push(
                &mut sim,
                &mut rng,
                &sites[site],
                &title,
                &paragraphs,
                published,
                Extras {
                    about,
                    source_url: attributed.then(|| src.url.clone()),
                    wire_notice,
                },
                SimTruth {
                    id,
                    origin: origin_id,
                    source: Some(src.id),
                    made,
                    attributed,
                },
                o * 10 + c as usize + 1,
            );
            story.push(Version {
                doc: sim.docs.len() - 1,
                body: paragraphs,
                about,
            });
        }
        if rng.chance(0.15) {
            follow_ups(&mut sim, &mut rng, &chain, &sites, &story, o);
        }
    }
    sim
}

/// Days later, one or two new stories quote a statement from the story's
/// original: 40–80 words, at most an eighth of the follow-up and of every
/// version of the story that carries the words (more, and quoting would be
/// excerpting).
fn follow_ups(sim: &mut Simulation, rng: &mut Rng, chain: &Chain, sites: &[Site], story: &[Version], o: usize) {
    let (origin_site, origin_time) = {
        let origin = &sim.docs[story[0].doc];
        (origin.site.clone(), origin.published.unwrap_or(0))
    };
    // The statement: from a sentence's start, within one paragraph.
    let starts: Vec<(usize, usize)> = story[0]
        .body
        .iter()
        .enumerate()
        .flat_map(|(p, text)| {
            let words: Vec<&str> = text.split_whitespace().collect();
            (0..words.len())
                .filter(move |&i| (i == 0 || words[i - 1].ends_with('.')) && i + 40 <= words.len())
                .map(move |i| (p, i))
        })
        .collect();
    if starts.is_empty() {
        return;
    }
    let (p, start) = *rng.pick(&starts);
    let words: Vec<&str> = story[0].body[p].split_whitespace().collect();
    let mut len = (rng.range(40, 81) as usize).min(words.len() - start);
    let fits = |len: usize| {
        let quote = words[start..start + len].join(" ");
        story
            .iter()
            .filter(|v| v.body.iter().any(|p| p.contains(&quote)))
            .all(|v| word_count(&v.body) >= len * 8)
    };
    while len >= 40 && !fits(len) {
        len -= 5;
    }
    if len < 40 {
        return;
    }
    let quote = words[start..start + len].join(" ");
    let quote = quote.trim_end_matches(['.', ',', ';', ':']);
    let speaker = rng.pick(&SPEAKERS);
    for k in 0..if rng.chance(0.3) { 2 } else { 1 } {
        let mut body = chain.paragraphs(rng, 6);
        while word_count(&body) < len * 8 {
            body.extend(chain.paragraphs(rng, 1));
        }
        let at = rng.range(1, 4) as usize;
        body[at] = format!("{} In a statement, {speaker} said: \"{quote}.\"", body[at]);
        let site = if k == 0 && rng.chance(0.3) {
            sites.iter().position(|s| s.host == origin_site).unwrap_or(0)
        } else {
            rng.range(0, sites.len() as u64) as usize
        };
        let title = chain.headline(rng, 9);
        let id = sim.docs.len() as i64 + 1;
        let published = origin_time + rng.range(86_400, 10 * 86_400) as i64;
        push(
            sim,
            rng,
            &sites[site],
            title.trim_end_matches('.'),
            &body,
            Some(published),
            Extras {
                about: None,
                source_url: None,
                wire_notice: false,
            },
            SimTruth {
                id,
                origin: id,
                source: None,
                made: Made::FollowUp,
                attributed: false,
            },
            o * 10 + 7 + k,
        );
    }
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

/// Publishes a body on a site: its note above, then the release's "About"
/// paragraph, the attribution line, the wire's notice, the writer's bio,
/// the site's furniture and its network's pitch below.
#[allow(clippy::too_many_arguments)]
fn push(
    sim: &mut Simulation,
    rng: &mut Rng,
    site: &Site,
    title: &str,
    paragraphs: &[String],
    published: Option<i64>,
    extras: Extras,
    truth: SimTruth,
    slug: usize,
) {
    let mut text: Vec<String> = site.note.iter().cloned().collect();
    text.extend(paragraphs.iter().cloned());
    text.extend(extras.about.map(str::to_string));
    if let Some(src) = &extras.source_url {
        text.push(format!("Source Article from {src}"));
    }
    if extras.wire_notice {
        text.push(WIRE_NOTICE.to_string());
    }
    if !site.bios.is_empty() {
        text.push(rng.pick(&site.bios).clone());
    }
    text.extend(site.furniture.iter().cloned());
    text.extend(site.network.map(str::to_string));
    sim.docs.push(SimDoc {
        id: truth.id,
        url: format!("https://{}/news/{slug}-{}", site.host, truth.id),
        site: site.host.clone(),
        title: title.to_string(),
        text: text.join("\n"),
        published,
        source_url: extras.source_url,
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
        for made in [
            Made::Original,
            Made::Wire,
            Made::Trimmed,
            Made::Edited,
            Made::Excerpt,
            Made::Update,
            Made::FollowUp,
        ] {
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
        for (d, t) in sim.docs.iter().zip(&sim.truth) {
            let source = t.source.map(|s| &sim.docs[(s - 1) as usize]);
            // Attribution lines name the source's URL.
            if t.attributed {
                let src = source.unwrap();
                assert_eq!(d.source_url.as_deref(), Some(src.url.as_str()));
                assert!(d.text.contains(&format!("Source Article from {}", src.url)));
            }
            match t.made {
                // An update is its site's newer version, later.
                Made::Update => {
                    let src = source.unwrap();
                    assert_eq!(d.site, src.site);
                    assert!(d.published > src.published);
                }
                // A follow-up is a story of its own.
                Made::FollowUp => assert_eq!((t.origin, t.source), (t.id, None)),
                _ => {}
            }
        }
    }

    /// Lines of the simulated web, and the stories each is found in.
    fn stories_of_lines(sim: &Simulation) -> HashMap<&str, std::collections::HashSet<i64>> {
        let mut found: HashMap<&str, std::collections::HashSet<i64>> = HashMap::new();
        for (d, t) in sim.docs.iter().zip(&sim.truth) {
            for line in d.text.lines() {
                found.entry(line).or_default().insert(t.origin);
            }
        }
        found
    }

    #[test]
    fn the_mix_sets_the_traps_of_a_real_syndication_web() {
        let sim = simulate(SimConfig::default());
        let stories = stories_of_lines(&sim);
        let sites_of = |needle: &str| -> std::collections::HashSet<&str> {
            sim.docs
                .iter()
                .filter(|d| d.text.contains(needle))
                .map(|d| d.site.as_str())
                .collect()
        };
        // Blocks under unrelated stories on several sites: the wire's
        // notice, networks' pitches, each company's "About" paragraph.
        for block in [WIRE_NOTICE, NETWORK_PITCHES[0], NETWORK_PITCHES[1], COMPANIES[0].1] {
            assert!(stories[block].len() >= 3, "{block}");
            assert!(sites_of(block).len() >= 2, "{block}");
        }
        // A standing note above the posts of several sites, and each site's
        // own; bios that recur only on their writer's site.
        assert!(sim.docs.iter().filter(|d| d.text.starts_with(NETWORK_NOTE)).count() >= 10);
        assert!(sites_of(NETWORK_NOTE).len() >= 2);
        assert!(
            sim.docs
                .iter()
                .any(|d| d.text.starts_with(&format!("Editor's note: {}", d.site)))
        );
        let bios: Vec<&&str> = stories
            .keys()
            .filter(|l| l.contains(" is a staff reporter at "))
            .collect();
        assert!(bios.len() >= 4);
        for bio in bios {
            assert_eq!(sites_of(bio).len(), 1, "{bio}");
        }
        // Briefs (two to four paragraphs of their own) that are copied.
        let by_id: HashMap<i64, &SimDoc> = sim.docs.iter().map(|d| (d.id, d)).collect();
        let own_paragraphs = |d: &SimDoc| d.text.lines().filter(|l| stories[l].len() == 1).count();
        let copied_briefs = sim
            .truth
            .iter()
            .filter(|t| t.made == Made::Wire && t.source == Some(t.origin))
            .filter(|t| (2..=4).contains(&own_paragraphs(by_id[&t.origin])))
            .count();
        assert!(copied_briefs >= 5, "{copied_briefs}");
        // Follow-ups quote 40 words or more of their story's original.
        let follow_ups: Vec<&SimDoc> = sim
            .docs
            .iter()
            .zip(&sim.truth)
            .filter(|(_, t)| t.made == Made::FollowUp)
            .map(|(d, _)| d)
            .collect();
        assert!(follow_ups.len() >= 10);
        let quoting = follow_ups
            .iter()
            .filter(|f| {
                let quote = SPEAKERS
                    .iter()
                    .find_map(|s| f.text.split_once(&format!("In a statement, {s} said: \"")))
                    .map_or("", |(_, q)| q);
                // (The 40th word may carry the closing quotation mark.)
                let words: Vec<&str> = quote.split_whitespace().take(39).collect();
                words.len() == 39
                    && sim
                        .docs
                        .iter()
                        .zip(&sim.truth)
                        .filter(|(d, t)| t.made == Made::Original && d.id != f.id)
                        .any(|(d, _)| {
                            d.text
                                .split_whitespace()
                                .collect::<Vec<_>>()
                                .join(" ")
                                .contains(&words.join(" "))
                        })
            })
            .count();
        assert_eq!(quoting, follow_ups.len());
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
        // (Posts share their sites' and networks' furniture, by design.)
        let stories = stories_of_lines(&sim);
        let own = |d: &SimDoc| -> String {
            d.text
                .lines()
                .filter(|l| stories[l].len() == 1)
                .collect::<Vec<_>>()
                .join("\n")
        };
        for pair in originals.windows(2) {
            let (a, b) = (eight_grams(&own(pair[0])), eight_grams(&own(pair[1])));
            assert!(a.intersection(&b).count() < 3, "{} / {}", pair[0].id, pair[1].id);
        }
    }
}
