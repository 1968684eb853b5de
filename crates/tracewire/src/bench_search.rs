//! `tracewire bench search`: full-text search over a generated corpus of a
//! million articles (issue 7): how fast the index is built, how big it
//! gets, and how long a search (one page of ten, with the total, the site
//! and language facets, and the ten snippets) takes, by kind of query.
//!
//! The texts: the word chain over the bundled Wikinews texts that `bench
//! lookup` uses (`tracewire_testkit::simulate::Chain`), 5–11 paragraphs of
//! 2–4 sentences (about 700 words), a headline of 6–12 words. The chain
//! knows only the 3,800 words of 24 articles, each of which ends up in a
//! tenth of the texts or more, so people and places from the entity
//! recognizer's name lists (4,000 given names, 4,000 surnames, 42,000
//! places; Zipf-like draws) are named in the paragraphs, 0–3 each: the
//! long tail of rare words a news corpus has. Metadata: one of 500 sites,
//! a language (most "en", some "en-GB"/"en-US", a tenth in six other tags,
//! a few none), a date over ten years, a byline from 5,000 people (one in
//! five without), 0–3 speakers (named in the text) and 1–6 entities; sites,
//! people and entities are drawn Zipf-like, so a few are common and most
//! are rare. Article `i` follows from the seed and `i` alone, so a hit's
//! text is regenerated for its snippet.
//!
//! `--dir D --keep` leaves the index in `D`; a later run with the same
//! `--dir`, `--articles` and `--seed` searches it again without building.
//!
//! The queries use words of the generated texts: their document frequency
//! is counted over a sample of articles, and each kind of query draws from
//! its band (common, mid, rare).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::DateTime;
use tracewire_model::IndexedArticle;
use tracewire_search::{SearchIndex, SearchQuery, Sort, WriterConfig, sync::SyncState};
use tracewire_similar::fingerprint::mix;
use tracewire_testkit::simulate::{Chain, Rng};

/// Sites the articles come from.
const SITES: u64 = 500;
/// Articles generated, then indexed and committed, at a time.
const COMMIT_EVERY: usize = 100_000;
/// Timed passes over the queries, after one untimed pass to warm the caches.
const PASSES: usize = 3;
/// Hits per page, as the web page shows them.
const PAGE: usize = 10;
/// Characters of a snippet (the web page's).
const SNIPPET_CHARS: usize = 240;
/// Articles whose words are counted to pick query words by frequency.
const SAMPLE: u64 = 4_000;
/// First day of the dates: 2016-01-01; they spread over ten years.
const FIRST_DAY: i64 = 1_451_606_400;
const DAYS: u64 = 3_652;

/// Real name lists of the entity recognizer's gazetteers: the long tail
/// of words a news corpus has (the chain's own vocabulary is the 3,800
/// words of 24 articles, each in a tenth of the texts or more).
const GIVEN_NAMES: &str = include_str!("../../tracewire-entities/data/given_names.txt");
const SURNAMES: &str = include_str!("../../tracewire-entities/data/surnames.txt");
const PLACES: &str = include_str!("../../tracewire-entities/data/places.txt");
const BODIES: [&str; 16] = [
    "Police",
    "City Council",
    "University",
    "Ministry of Health",
    "Stock Exchange",
    "Football Club",
    "Central Bank",
    "Supreme Court",
    "Parliament",
    "Red Cross",
    "Fire Department",
    "Airport",
    "Electoral Commission",
    "Chamber of Commerce",
    "Symphony Orchestra",
    "General Hospital",
];
const WORLD: [&str; 12] = [
    "United Nations",
    "European Union",
    "NATO",
    "World Health Organization",
    "Islamic State",
    "International Monetary Fund",
    "World Bank",
    "Amnesty International",
    "Greenpeace",
    "FIFA",
    "International Olympic Committee",
    "African Union",
];
/// Languages other than English, and how they are tagged.
const OTHER_LANGS: [&str; 6] = ["de", "fr-FR", "es", "it", "nl", "pt-BR"];
const TLDS: [&str; 6] = ["com", "co.uk", "org", "net", "de", "com.au"];

/// `tracewire bench search`.
pub fn bench_search(
    articles: usize,
    queries: usize,
    seed: u64,
    dir: Option<&Path>,
    keep: bool,
    show_progress: bool,
) -> Result<ExitCode> {
    anyhow::ensure!(articles > 0, "give --articles above 0");
    let started = Instant::now();
    let generator = Generator::new(seed);
    let mut temp = None;
    let data_dir: PathBuf = match dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            d.to_path_buf()
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("tracewire-bench-search")
                .tempdir()
                .context("cannot create a temporary directory")?;
            let path = t.path().to_path_buf();
            temp = Some(t);
            path
        }
    };
    let threads = WriterConfig::rebuild();
    println!(
        "corpus: {articles} generated articles (word chain over the Wikinews texts, 5–11 paragraphs of 2–4 \
         sentences, with names from the gazetteers); {SITES} sites, 10 years, Zipf-like bylines, speakers and \
         entities; seed {seed}"
    );
    println!(
        "index: {} (WriterConfig::rebuild(): {} threads, {} MiB), a commit every {COMMIT_EVERY} articles, then \
         finish_merges",
        data_dir.join(tracewire_search::INDEX_DIR).display(),
        threads.threads,
        threads.heap_bytes >> 20
    );

    // A folder kept from an earlier run (`--keep`) is searched again
    // without building.
    if dir.is_some() && data_dir.join(tracewire_search::INDEX_DIR).join("meta.json").exists() {
        println!("reusing the index already in that folder: the build is not measured");
    } else {
        let build = build(&generator, &data_dir, articles, show_progress)?;
        report_build(&build, &data_dir, articles);
    }
    let index = SearchIndex::open(&data_dir, WriterConfig::FOLLOW)?;
    anyhow::ensure!(
        index.num_docs() == articles as u64,
        "the index holds {} articles, not {articles}",
        index.num_docs()
    );
    println!("segments: {}", index.num_segments());
    let mix_ = QueryMix::new(&generator, articles as u64, queries);
    let measured = measure(&index, &generator, &mix_, show_progress)?;
    println!();
    println!("## search");
    println!(
        "{} queries ({} kinds), one warm-up pass then {PASSES} timed passes; a query = search(q, sort, {PAGE}, \
         offset) with total and facets + snippets of the {PAGE} hits (their texts regenerated outside the timing)",
        mix_.queries.len(),
        Kind::ALL.len()
    );
    print_table(&mix_, &measured);
    println!();
    println!(
        "RSS after the searches: {} MiB (VmRSS, the index memory-mapped); peak {} MiB (VmHWM)",
        vm_kib("VmRSS") / 1024,
        vm_kib("VmHWM") / 1024
    );
    println!("examples (query → matches):");
    for kind in Kind::ALL {
        if let Some((i, q)) = mix_.queries.iter().enumerate().find(|(_, q)| q.kind == kind) {
            println!(
                "  {:<12} {:<60} {:>9}{}",
                kind.name(),
                q.text,
                measured.totals[i],
                if q.offset > 0 {
                    format!(" (offset {})", q.offset)
                } else {
                    String::new()
                }
            );
        }
    }
    drop(index);
    if keep {
        println!("index kept in {}", data_dir.display());
        if let Some(t) = temp {
            let _ = t.keep();
        }
    } else if dir.is_some() {
        std::fs::remove_dir_all(data_dir.join(tracewire_search::INDEX_DIR)).ok();
    }
    println!("total {:.0} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn report_build(build: &Built, data_dir: &Path, articles: usize) {
    let index_bytes = dir_bytes(&data_dir.join(tracewire_search::INDEX_DIR));
    let build_hwm = vm_kib("VmHWM");
    println!();
    println!("## build");
    println!(
        "generated (not timed in the index rate): {:.1} s, {:.0} articles/s on {} threads; {:.0} words and {:.0} \
         bytes of text an article",
        build.generate.as_secs_f64(),
        articles as f64 / build.generate.as_secs_f64().max(1e-9),
        gen_threads(),
        build.words as f64 / articles as f64,
        build.text_bytes as f64 / articles as f64
    );
    let index_secs = (build.index + build.merge).as_secs_f64();
    println!(
        "indexed: {:.1} s adding and committing + {:.1} s finishing merges = {:.0} articles/s",
        build.index.as_secs_f64(),
        build.merge.as_secs_f64(),
        articles as f64 / index_secs.max(1e-9)
    );
    println!(
        "wall, generation included: {:.1} s = {:.0} articles/s",
        build.wall.as_secs_f64(),
        articles as f64 / build.wall.as_secs_f64().max(1e-9)
    );
    println!(
        "index on disk: {} bytes ({:.2} GiB, {:.0} bytes an article)",
        index_bytes,
        index_bytes as f64 / f64::from(1u32 << 30),
        index_bytes as f64 / articles as f64
    );
    println!(
        "peak RSS while building: {} MiB (VmHWM; includes a generated batch of {} articles, about {} MiB of text)",
        build_hwm / 1024,
        COMMIT_EVERY.min(articles),
        (build.text_bytes as f64 * COMMIT_EVERY.min(articles) as f64 / articles as f64) as u64 >> 20
    );
}

/// How the build went.
struct Built {
    generate: Duration,
    index: Duration,
    merge: Duration,
    wall: Duration,
    words: u64,
    text_bytes: u64,
}

fn gen_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Generates the articles a batch at a time and indexes each batch with the
/// generation stopped, so the index rate counts tantivy's work alone (but
/// for merges it runs in the background meanwhile; `finish_merges` is
/// counted).
fn build(generator: &Generator, data_dir: &Path, articles: usize, show_progress: bool) -> Result<Built> {
    let wall = Instant::now();
    let index = SearchIndex::open_writer(data_dir, WriterConfig::rebuild())?;
    let bar = crate::progress::bar(show_progress, "indexing");
    if let Some(bar) = &bar {
        bar.set_length(articles as u64);
    }
    let mut out = Built {
        generate: Duration::ZERO,
        index: Duration::ZERO,
        merge: Duration::ZERO,
        wall: Duration::ZERO,
        words: 0,
        text_bytes: 0,
    };
    let mut start = 0usize;
    while start < articles {
        let end = (start + COMMIT_EVERY).min(articles);
        let t = Instant::now();
        let batch = generator.articles(start as u64..end as u64);
        out.generate += t.elapsed();
        for a in &batch {
            out.text_bytes += a.text.len() as u64;
            out.words += a.text.split_whitespace().count() as u64;
        }
        let t = Instant::now();
        for chunk in batch.chunks(1_000) {
            index.add_new(chunk)?;
        }
        index.commit(&SyncState {
            after: end as i64,
            gaps: Vec::new(),
        })?;
        out.index += t.elapsed();
        drop(batch);
        start = end;
        match &bar {
            Some(bar) => bar.set_position(end as u64),
            None => tracing::info!("indexed {end}/{articles} articles"),
        }
    }
    crate::progress::clear();
    let t = Instant::now();
    index.finish_merges()?;
    out.merge = t.elapsed();
    out.wall = wall.elapsed();
    Ok(out)
}

/// Generated articles, each from the seed and its number.
struct Generator {
    chain: Chain,
    seed: u64,
    sites: Vec<String>,
    given: Vec<&'static str>,
    surnames: Vec<&'static str>,
    places: Vec<&'static str>,
    /// Bylines and speakers.
    people: Vec<String>,
    entities: Vec<String>,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let chain = Chain::of_corpus();
        let mut rng = Rng::new(mix(seed ^ 0x5173_5eed));
        let mut list = |text: &'static str| {
            let mut v: Vec<&'static str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            // Shuffled, so the common head of a Zipf draw is not alphabetical.
            shuffle(&mut rng, &mut v);
            v
        };
        let given = list(GIVEN_NAMES);
        let surnames = list(SURNAMES);
        let places = list(PLACES);
        // Site names from words of the texts: "harbour-times.com".
        let mut seen = std::collections::HashSet::new();
        let mut sites = Vec::new();
        while sites.len() < SITES as usize {
            let words = tracewire_search::query::words(&chain.headline(&mut rng, 8));
            let long: Vec<&String> = words.iter().filter(|w| w.len() >= 4 && w.is_ascii()).collect();
            if long.len() < 2 {
                continue;
            }
            let name = format!("{}-{}.{}", long[0], long[1], rng.pick(&TLDS));
            if seen.insert(name.clone()) {
                sites.push(name);
            }
        }
        let mut generator = Generator {
            chain,
            seed,
            sites,
            given,
            surnames,
            places,
            people: Vec::new(),
            entities: Vec::new(),
        };
        // Bylines and speakers: 5,000 people; entities: world bodies,
        // places, local bodies and people.
        generator.people = (0..5_000).map(|_| generator.person(&mut rng)).collect();
        let mut entities: Vec<String> = WORLD.iter().map(|w| w.to_string()).collect();
        let mut local: Vec<String> = generator.places[..2_000].iter().map(|p| p.to_string()).collect();
        local.extend(
            generator.places[..100]
                .iter()
                .flat_map(|p| BODIES.iter().map(move |b| format!("{p} {b}"))),
        );
        local.extend(generator.people[..2_000].iter().cloned());
        shuffle(&mut rng, &mut local);
        entities.extend(local);
        generator.entities = entities;
        generator
    }

    /// A person's name, given name and surname drawn Zipf-like apart.
    fn person(&self, rng: &mut Rng) -> String {
        format!(
            "{} {}",
            self.given[zipf(rng, self.given.len())],
            self.surnames[zipf(rng, self.surnames.len())]
        )
    }

    /// The text: chain paragraphs, with people and places named in them
    /// (0–3 a paragraph, Zipf-like from the name lists) and the speakers
    /// and entities of the article.
    fn text(&self, rng: &mut Rng, speakers: &[String], entities: &[String]) -> String {
        let count = rng.range(5, 12) as usize;
        let paragraphs = self.chain.paragraphs(rng, count);
        let mut text = String::with_capacity(paragraphs.iter().map(|p| p.len() + 40).sum());
        let last = paragraphs.len().saturating_sub(1);
        for (i, p) in paragraphs.iter().enumerate() {
            if i > 0 {
                text.push_str("\n\n");
            }
            let words: Vec<&str> = p.split_whitespace().collect();
            let mut names: Vec<(usize, String)> = (0..rng.range(0, 4))
                .map(|_| {
                    let at = rng.range(0, words.len() as u64) as usize;
                    let name = match rng.range(0, 10) {
                        0..=4 => self.person(rng),
                        5..=8 => self.places[zipf(rng, self.places.len())].to_string(),
                        _ => entities
                            .get(rng.range(0, entities.len().max(1) as u64) as usize)
                            .cloned()
                            .unwrap_or_default(),
                    };
                    (at, name)
                })
                .collect();
            names.sort_unstable();
            let mut next = names.iter().peekable();
            for (w, word) in words.iter().enumerate() {
                if w > 0 {
                    text.push(' ');
                }
                while let Some((_, name)) = next.next_if(|(at, _)| *at == w) {
                    text.push_str(name);
                    text.push(' ');
                }
                text.push_str(word);
            }
            if let Some(s) = speakers.get(i).filter(|_| i < last) {
                text.push_str(" That was said by ");
                text.push_str(s);
                text.push('.');
            }
        }
        text
    }

    fn rng(&self, stream: u64, i: u64) -> Rng {
        Rng::new(mix(self.seed ^ stream ^ mix(i)))
    }

    /// Article number `i` (its id is `i + 1`).
    fn article(&self, i: u64) -> IndexedArticle {
        let mut rng = self.rng(0, i);
        let site = self.sites[zipf(&mut rng, self.sites.len())].clone();
        let language = match rng.range(0, 100) {
            0..=69 => Some("en".to_string()),
            70..=79 => Some("en-GB".to_string()),
            80..=86 => Some("en-US".to_string()),
            87..=96 => Some(rng.pick(&OTHER_LANGS).to_string()),
            _ => None,
        };
        let date = DateTime::from_timestamp(FIRST_DAY + rng.range(0, DAYS * 86_400) as i64, 0).unwrap_or_default();
        let byline = if rng.chance(0.8) {
            Some(self.people[zipf(&mut rng, self.people.len())].clone())
        } else {
            None
        };
        let speakers: Vec<String> = (0..rng.range(0, 4))
            .map(|_| self.people[zipf(&mut rng, self.people.len())].clone())
            .collect();
        let entities: Vec<String> = (0..rng.range(1, 7))
            .map(|_| self.entities[zipf(&mut rng, self.entities.len())].clone())
            .collect();
        let title_words = rng.range(6, 13) as usize;
        let title = self.chain.headline(&mut rng, title_words);
        let text = self.text(&mut rng, &speakers, &entities);
        IndexedArticle {
            id: i as i64 + 1,
            title,
            byline,
            site,
            language,
            date,
            text,
            speakers,
            entities,
        }
    }

    /// Articles `range`, made on every core.
    fn articles(&self, range: std::ops::Range<u64>) -> Vec<IndexedArticle> {
        let threads = gen_threads() as u64;
        let per = (range.end - range.start).div_ceil(threads).max(1);
        std::thread::scope(|s| {
            let parts: Vec<_> = (0..threads)
                .map(|t| {
                    let lo = (range.start + t * per).min(range.end);
                    let hi = (lo + per).min(range.end);
                    s.spawn(move || (lo..hi).map(|i| self.article(i)).collect::<Vec<_>>())
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }
}

/// An index in `0..n`, index `k` drawn about twice as often as `2k`
/// (log-uniform: a Zipf law of exponent 1).
fn zipf(rng: &mut Rng, n: usize) -> usize {
    let u = rng.range(0, 1 << 30) as f64 / f64::from(1u32 << 30);
    (((n as f64 + 1.0).powf(u) - 1.0) as usize).min(n.saturating_sub(1))
}

fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.range(0, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// Kinds of query, each a row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Stopword,
    Common,
    Rare,
    And,
    Phrase,
    Prefix,
    Or,
    Exclude,
    Site,
    Lang,
    Author,
    Speaker,
    Entity,
    Title,
    Dates,
    ByDate,
    Deep,
}

impl Kind {
    const ALL: [Kind; 17] = [
        Kind::Stopword,
        Kind::Common,
        Kind::Rare,
        Kind::And,
        Kind::Phrase,
        Kind::Prefix,
        Kind::Or,
        Kind::Exclude,
        Kind::Site,
        Kind::Lang,
        Kind::Author,
        Kind::Speaker,
        Kind::Entity,
        Kind::Title,
        Kind::Dates,
        Kind::ByDate,
        Kind::Deep,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::Stopword => "in > 50 %",
            Kind::Common => "common word",
            Kind::Rare => "rare word",
            Kind::And => "two words",
            Kind::Phrase => "phrase (3)",
            Kind::Prefix => "prefix*",
            Kind::Or => "a OR b",
            Kind::Exclude => "a -b",
            Kind::Site => "site: + word",
            Kind::Lang => "lang: + word",
            Kind::Author => "author:",
            Kind::Speaker => "speaker:",
            Kind::Entity => "entity: + w",
            Kind::Title => "title:",
            Kind::Dates => "dates + word",
            Kind::ByDate => "sort=date",
            Kind::Deep => "offset 100",
        }
    }
}

struct BenchQuery {
    kind: Kind,
    text: String,
    parsed: SearchQuery,
    sort: Sort,
    offset: usize,
}

struct QueryMix {
    queries: Vec<BenchQuery>,
}

impl QueryMix {
    /// `count` queries, the kinds in turn, words drawn from the texts of
    /// generated articles by their document frequency in a sample.
    fn new(generator: &Generator, articles: u64, count: usize) -> QueryMix {
        // Document frequency of each word over a sample of the articles.
        let sample = SAMPLE.min(articles);
        let mut df: HashMap<String, u32> = HashMap::new();
        for i in 0..sample {
            let a = generator.article(i * (articles / sample));
            let mut words = tracewire_search::query::words(&a.text);
            words.sort_unstable();
            words.dedup();
            for w in words {
                *df.entry(w).or_default() += 1;
            }
        }
        let band = |lo: f64, hi: f64| {
            let mut ws: Vec<String> = df
                .iter()
                .filter(|(w, n)| {
                    let share = f64::from(**n) / sample as f64;
                    share >= lo && share < hi && w.chars().all(char::is_alphabetic) && w.len() >= 3
                })
                .map(|(w, _)| w.clone())
                .collect();
            ws.sort_unstable();
            ws
        };
        // Very common: in more than half of the articles ("the", "said":
        // the worst case, rarely searched alone); common: 5–50 %; mid:
        // 0.5–5 %; rare: under 0.05 %.
        let common = band(0.05, 0.5);
        let stopwords = band(0.5, 1.1);
        let mid = band(0.005, 0.05);
        let mut rare = band(0.0, 0.000_51);
        if rare.is_empty() {
            rare = band(0.0, 0.005);
        }
        // A tiny corpus leaves some bands empty: those draw from every word.
        let mut all = band(0.0, 1.1);
        if all.is_empty() {
            all.push("news".to_string());
        }
        let [stopwords, common, mid, rare] =
            [stopwords, common, mid, rare].map(|b| if b.is_empty() { all.clone() } else { b });
        println!(
            "query words by document frequency in {sample} articles: {} in more than half, {} common (5–50 %), {} mid \
             (0.5–5 %), {} rare (under 0.05 %)",
            stopwords.len(),
            common.len(),
            mid.len(),
            rare.len()
        );
        let mut rng = generator.rng(0x9e37_79b9, 7);
        let mut queries = Vec::with_capacity(count);
        let mut seen = std::collections::HashSet::new();
        let mut attempts = 0;
        while queries.len() < count && attempts < count * 20 {
            attempts += 1;
            let kind = Kind::ALL[queries.len() % Kind::ALL.len()];
            let pick = |rng: &mut Rng, ws: &[String]| -> String { rng.pick(ws).clone() };
            let a = generator.article(rng.range(0, articles));
            let (text, sort, offset) = match kind {
                Kind::Stopword => (pick(&mut rng, &stopwords), Sort::Relevance, 0),
                Kind::Common => (pick(&mut rng, &common), Sort::Relevance, 0),
                Kind::Rare => (pick(&mut rng, &rare), Sort::Relevance, 0),
                Kind::And => (
                    format!("{} {}", pick(&mut rng, &mid), pick(&mut rng, &common)),
                    Sort::Relevance,
                    0,
                ),
                Kind::Phrase => {
                    // Three words next to each other in a real text.
                    let words = tracewire_search::query::words(&a.text);
                    let at = rng.range(0, words.len().saturating_sub(3) as u64) as usize;
                    let phrase = words.get(at..at + 3).map(|w| w.join(" ")).unwrap_or_default();
                    (format!("\"{phrase}\""), Sort::Relevance, 0)
                }
                Kind::Prefix => {
                    let w = pick(&mut rng, &mid);
                    let cut: String = w.chars().take(4.max(w.chars().count() / 2 + 1)).collect();
                    (format!("{cut}*"), Sort::Relevance, 0)
                }
                Kind::Or => (
                    format!("{} OR {}", pick(&mut rng, &mid), pick(&mut rng, &mid)),
                    Sort::Relevance,
                    0,
                ),
                Kind::Exclude => (
                    format!("{} -{}", pick(&mut rng, &common), pick(&mut rng, &common)),
                    Sort::Relevance,
                    0,
                ),
                Kind::Site => (
                    format!("site:{} {}", a.site, pick(&mut rng, &common)),
                    Sort::Relevance,
                    0,
                ),
                Kind::Lang => {
                    let lang = if rng.chance(0.5) {
                        "en".to_string()
                    } else {
                        tracewire_search::query::lang_term(OTHER_LANGS[rng.range(0, OTHER_LANGS.len() as u64) as usize])
                    };
                    (format!("lang:{lang} {}", pick(&mut rng, &mid)), Sort::Relevance, 0)
                }
                Kind::Author => match &a.byline {
                    Some(b) => (format!("author:\"{b}\""), Sort::Relevance, 0),
                    None => continue,
                },
                Kind::Speaker => match a.speakers.first() {
                    Some(s) => (format!("speaker:\"{s}\""), Sort::Relevance, 0),
                    None => continue,
                },
                Kind::Entity => match a.entities.first() {
                    Some(e) => (
                        format!("entity:\"{e}\" {}", pick(&mut rng, &common)),
                        Sort::Relevance,
                        0,
                    ),
                    None => continue,
                },
                Kind::Title => {
                    let words = tracewire_search::query::words(&a.title);
                    let long: Vec<&String> = words.iter().filter(|w| w.len() >= 5).collect();
                    if long.is_empty() {
                        continue;
                    }
                    (format!("title:{}", rng.pick(&long)), Sort::Relevance, 0)
                }
                Kind::Dates => {
                    let from = a.date - chrono::Duration::days(rng.range(15, 200) as i64);
                    let to = a.date + chrono::Duration::days(rng.range(15, 200) as i64);
                    (
                        format!(
                            "{} after:{} before:{}",
                            pick(&mut rng, &common),
                            from.format("%Y-%m-%d"),
                            to.format("%Y-%m-%d")
                        ),
                        Sort::Relevance,
                        0,
                    )
                }
                Kind::ByDate => (
                    if rng.chance(0.5) {
                        pick(&mut rng, &common)
                    } else {
                        pick(&mut rng, &mid)
                    },
                    Sort::Date,
                    0,
                ),
                Kind::Deep => (
                    if rng.chance(0.5) {
                        pick(&mut rng, &common)
                    } else {
                        pick(&mut rng, &mid)
                    },
                    Sort::Relevance,
                    100,
                ),
            };
            if !seen.insert((text.clone(), sort == Sort::Date, offset)) {
                continue;
            }
            let Ok(parsed) = SearchQuery::parse(&text) else {
                continue;
            };
            queries.push(BenchQuery {
                kind,
                text,
                parsed,
                sort,
                offset,
            });
        }
        QueryMix { queries }
    }
}

struct Measured {
    /// Per query, every timed run.
    times: Vec<Vec<Duration>>,
    /// Per query, of which the search alone.
    search_times: Vec<Vec<Duration>>,
    totals: Vec<usize>,
}

fn measure(index: &SearchIndex, generator: &Generator, mix_: &QueryMix, show_progress: bool) -> Result<Measured> {
    let n = mix_.queries.len();
    let mut out = Measured {
        times: vec![Vec::with_capacity(PASSES); n],
        search_times: vec![Vec::with_capacity(PASSES); n],
        totals: vec![0; n],
    };
    let bar = crate::progress::bar(show_progress, "searching");
    if let Some(bar) = &bar {
        bar.set_length(((PASSES + 1) * n) as u64);
    }
    for pass in 0..=PASSES {
        for (i, q) in mix_.queries.iter().enumerate() {
            let t = Instant::now();
            let found = index.search(&q.parsed, q.sort, PAGE, q.offset)?;
            let search = t.elapsed();
            let texts: Vec<String> = found
                .hits
                .iter()
                .map(|h| generator.article(h.id as u64 - 1).text)
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let t = Instant::now();
            let snippets = index.snippets(&q.parsed, &refs, SNIPPET_CHARS)?;
            let snippet = t.elapsed();
            std::hint::black_box(snippets);
            if pass == 0 {
                out.totals[i] = found.total;
            } else {
                out.times[i].push(search + snippet);
                out.search_times[i].push(search);
            }
            if let Some(bar) = &bar {
                bar.inc(1);
            }
        }
    }
    crate::progress::clear();
    Ok(out)
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

fn print_table(mix_: &QueryMix, m: &Measured) {
    println!(
        "| {:<13} | {:>7} | {:>7} | {:>7} | {:>7} | {:>7} | {:>11} | {:>13} |",
        "query", "queries", "p50 ms", "p90 ms", "p99 ms", "max ms", "search p50", "median total"
    );
    println!(
        "|{:-<15}|{:->9}|{:->9}|{:->9}|{:->9}|{:->9}|{:->13}|{:->15}|",
        "", "", "", "", "", "", "", ""
    );
    let row = |name: &str, which: &dyn Fn(&BenchQuery) -> bool| {
        let mut times = Vec::new();
        let mut search = Vec::new();
        let mut totals = Vec::new();
        for (i, q) in mix_.queries.iter().enumerate() {
            if which(q) {
                times.extend_from_slice(&m.times[i]);
                search.extend_from_slice(&m.search_times[i]);
                totals.push(m.totals[i]);
            }
        }
        times.sort_unstable();
        search.sort_unstable();
        totals.sort_unstable();
        println!(
            "| {:<13} | {:>7} | {:>7.2} | {:>7.2} | {:>7.2} | {:>7.2} | {:>11.2} | {:>13} |",
            name,
            totals.len(),
            quantile(&times, 0.5),
            quantile(&times, 0.9),
            quantile(&times, 0.99),
            quantile(&times, 1.0),
            quantile(&search, 0.5),
            totals.get(totals.len() / 2).copied().unwrap_or_default()
        );
    };
    for kind in Kind::ALL {
        row(kind.name(), &|q| q.kind == kind);
    }
    row("all", &|_| true);
}

/// The bytes of every file under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => total += m.len(),
                Err(_) => {}
            }
        }
    }
    total
}

/// A line of /proc/self/status, in KiB (0 where there is none).
fn vm_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
