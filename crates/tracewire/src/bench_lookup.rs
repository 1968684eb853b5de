//! `tracewire bench lookup`: how the crawl's candidate lookup
//! (`fingerprint_candidates(&keys, 65)`) holds up as the store grows.
//!
//! One fresh SQLite store in a temporary directory is filled, step by step,
//! to each size, and at each size the same kind of queries are timed. The
//! stored keys come from generated news text, not random numbers: common
//! phrases and each site's furniture make hot keys that many articles share,
//! which slowed a lookup down as the store grew until a hot key kept one row
//! (`tracewire_store::MAX_KEY_ROWS`); the table shows how many turned hot.
//!
//! The texts: a word chain over the bundled Wikinews texts (the simulator's
//! rule: a word's followers, with a jump to any word one time in five or
//! where the corpus allows fewer than four ways on), 6–14 paragraphs of 2–4
//! sentences, on one of 500 sites, half of which add one or two paragraphs
//! of furniture under every post. One stored article in twenty is a copy of
//! an earlier one (whole, trimmed, edited or excerpted). Article `i` follows
//! from the seed and `i` alone, so a copy regenerates its source. The
//! `articles` rows themselves carry no body (only the keys are looked up);
//! the keys go in with `put_fingerprints`, a growing batch at a time: the
//! crawl's one transaction per article would take hours at a million.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use tracewire_model::{ArticleId, NewArticle};
use tracewire_provenance::worth_verifying;
use tracewire_similar::fingerprint;
use tracewire_store::{NewFeed, SqliteStore, Store};
use tracewire_testkit::simulate::{Chain, Rng};

/// What the crawl asks for (`tracewire_ingest::provenance`: 64 candidates
/// verified, plus one).
const LOOKUP_LIMIT: i64 = 65;
/// Sites the stored articles come from; half add furniture to every post.
const SITES: u64 = 500;
/// Share of stored articles that copy an earlier one.
const COPY_SHARE: f64 = 0.05;
/// Articles generated and stored a transaction at least; batches grow to a
/// quarter of the store, up to 50 times this.
const BATCH: usize = 5_000;
/// Timed passes over the queries, after one untimed pass to warm the caches.
const PASSES: usize = 3;

/// `tracewire bench lookup`.
pub async fn bench_lookup(sizes: &[usize], queries: usize, seed: u64, show_progress: bool) -> Result<ExitCode> {
    let mut sizes = sizes.to_vec();
    sizes.sort_unstable();
    sizes.dedup();
    anyhow::ensure!(sizes.first().is_some_and(|&s| s > 0), "give at least one size above 0");
    let generator = std::sync::Arc::new(Generator::new(seed));
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let store = SqliteStore::open_in_dir(dir.path()).await?;
    let feed = store
        .add_feed(NewFeed {
            url: "https://bench.invalid/feed".to_string(),
            title: None,
            site_url: None,
            interval_secs: 3600,
        })
        .await?;
    println!(
        "stored texts: word chain over the Wikinews texts, 6–14 paragraphs; {SITES} sites, half with furniture; \
         {:.0} % copies of earlier articles",
        COPY_SHARE * 100.0
    );
    println!("stored rows: articles without bodies; keys by `put_fingerprints`, {BATCH}+ articles a transaction");
    println!(
        "queries: {queries} articles not in the store, half of them copies of stored ones; \
         `fingerprint_candidates(keys, {LOOKUP_LIMIT})`, {PASSES} passes after a warm-up"
    );
    println!(
        "{:>10} {:>12} {:>9} {:>14} {:>9} {:>11} {:>9} {:>11} {:>13}",
        "articles", "key rows", "hot keys", "db bytes", "fill s", "median µs", "p90 µs", "candidates", "copies found"
    );
    let mut ids: Vec<ArticleId> = Vec::new();
    let mut medians = Vec::new();
    for &size in &sizes {
        let started = Instant::now();
        fill(&store, feed.id, &generator, &mut ids, size, show_progress).await?;
        let fill_secs = started.elapsed().as_secs_f64();
        let m = measure(&store, &generator, &ids, queries).await?;
        let (key_rows, hot_keys) = store.fingerprint_key_rows().await?;
        println!(
            "{:>10} {:>12} {:>9} {:>14} {:>9.1} {:>11.0} {:>9.0} {:>11.1} {:>13}",
            size,
            key_rows,
            hot_keys,
            db_bytes(dir.path()),
            fill_secs,
            m.median_us,
            m.p90_us,
            m.candidates,
            format!("{}/{}", m.copies_found, m.copies)
        );
        medians.push((size, m.median_us));
    }
    if let (Some((small, first)), Some((large, last))) = (medians.first(), medians.last()) {
        println!(
            "ratio      median lookup at {large} articles / at {small}: {:.2}x",
            last / first.max(f64::MIN_POSITIVE)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Grows the store to `size` articles.
async fn fill(
    store: &SqliteStore,
    feed: i64,
    generator: &std::sync::Arc<Generator>,
    ids: &mut Vec<ArticleId>,
    size: usize,
    show_progress: bool,
) -> Result<()> {
    let from = ids.len();
    if size <= from {
        return Ok(());
    }
    let bar = crate::progress::bar(show_progress, "filling");
    if let Some(bar) = &bar {
        bar.set_length(size as u64);
        bar.set_position(from as u64);
    }
    let mut logged = from;
    // Keys of the next batch are made on other threads while this one is stored.
    let spawn = |start: usize| {
        let generator = generator.clone();
        // Batches grow with the store: each one rewrites the key index pages
        // it touches, which at a million articles is nearly all of them.
        let end = (start + (start / 4).clamp(BATCH, 50 * BATCH)).min(size);
        tokio::task::spawn_blocking(move || generator.keys_of_range(start as u64..end as u64))
    };
    let mut next = Some(spawn(from));
    let mut start = from;
    while let Some(task) = next.take() {
        let batch = task.await.context("key generation failed")?;
        let end = start + batch.len();
        if end < size {
            next = Some(spawn(end));
        }
        let mut fingerprints = Vec::with_capacity(batch.len());
        for (i, keys) in (start..end).zip(batch) {
            let id = store
                .insert_article(&stub_article(feed, i as u64))
                .await?
                .context("bench article stored twice")?;
            ids.push(id);
            fingerprints.push((id, keys));
        }
        store.put_fingerprints(fingerprint::SCHEME, &fingerprints).await?;
        start = end;
        match &bar {
            Some(bar) => bar.set_position(end as u64),
            None if end - logged >= size / 10 || end == size => {
                tracing::info!("filled {end}/{size} articles");
                logged = end;
            }
            None => {}
        }
    }
    crate::progress::clear();
    Ok(())
}

/// The `articles` row of generated article `i`: no body, only what the
/// table requires.
fn stub_article(feed: i64, i: u64) -> NewArticle {
    let fetched_at = DateTime::from_timestamp(1_700_000_000 + i as i64, 0).unwrap_or_else(Utc::now);
    NewArticle {
        feed_id: feed,
        guid: i.to_string(),
        url: format!("https://bench.invalid/{i}"),
        site: "bench.invalid".to_string(),
        canonical_url: None,
        title: String::new(),
        byline: None,
        published: Some(fetched_at),
        site_name: None,
        language: None,
        source_url: None,
        attributions: Vec::new(),
        text: String::new(),
        html: String::new(),
        fetched_at,
        annotations: Default::default(),
    }
}

/// Lookup times and results at one size.
struct Measured {
    median_us: f64,
    p90_us: f64,
    /// Candidates returned per query, on average.
    candidates: f64,
    /// Copy queries whose source came back worth verifying, of all copy queries.
    copies_found: usize,
    copies: usize,
}

async fn measure(store: &SqliteStore, generator: &Generator, ids: &[ArticleId], queries: usize) -> Result<Measured> {
    let qs: Vec<(Vec<u64>, Option<u64>)> = (0..queries as u64)
        .map(|q| generator.query(q, ids.len() as u64))
        .collect();
    let mut times: Vec<Duration> = Vec::with_capacity(queries * PASSES);
    let (mut candidates, mut copies, mut copies_found) = (0usize, 0usize, 0usize);
    for pass in 0..=PASSES {
        for (keys, source) in &qs {
            let started = Instant::now();
            let found = store.fingerprint_candidates(keys, LOOKUP_LIMIT).await?;
            let took = started.elapsed();
            if pass == 0 {
                candidates += found.len();
                if let Some(&id) = source.and_then(|s| ids.get(s as usize)) {
                    copies += 1;
                    if found
                        .iter()
                        .any(|c| c.article == id && worth_verifying(c.bands, c.anchors))
                    {
                        copies_found += 1;
                    }
                }
            } else {
                times.push(took);
            }
        }
    }
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1));
        times.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    Ok(Measured {
        median_us: at(0.5),
        p90_us: at(0.9),
        candidates: candidates as f64 / queries.max(1) as f64,
        copies_found,
        copies,
    })
}

/// The database file and its write-ahead log, in bytes.
fn db_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// Generated articles and queries, each from the seed and its number.
struct Generator {
    chain: Chain,
    seed: u64,
    /// Each site's furniture (empty for half of them).
    furniture: Vec<Vec<String>>,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let chain = Chain::of_corpus();
        let furniture = (0..SITES)
            .map(|s| {
                let mut rng = Rng::new(fingerprint::mix(seed ^ 0xf0e1_d2c3 ^ fingerprint::mix(s)));
                if s % 2 == 0 {
                    let n = rng.range(1, 3);
                    chain.paragraphs(&mut rng, n as usize)
                } else {
                    Vec::new()
                }
            })
            .collect();
        Generator { chain, seed, furniture }
    }

    fn rng(&self, stream: u64, i: u64) -> Rng {
        Rng::new(fingerprint::mix(self.seed ^ stream ^ fingerprint::mix(i)))
    }

    /// Stored article `i`: its site and paragraphs (furniture apart).
    fn article(&self, i: u64) -> (usize, Vec<String>) {
        let mut rng = self.rng(0, i);
        let site = rng.range(0, SITES) as usize;
        if i > 0 && rng.chance(COPY_SHARE) {
            let (_, source) = self.article(rng.range(0, i));
            (site, self.copy(&mut rng, &source))
        } else {
            let n = rng.range(6, 15);
            (site, self.chain.paragraphs(&mut rng, n as usize))
        }
    }

    /// A copy of `source`: whole, trimmed (50–90 % of its paragraphs),
    /// edited (2–10 % of words replaced or dropped) or excerpted (30–60 %
    /// of it among new paragraphs).
    fn copy(&self, rng: &mut Rng, source: &[String]) -> Vec<String> {
        let len = source.len() as u64;
        match rng.range(0, 4) {
            0 => source.to_vec(),
            1 => {
                let keep = (len * rng.range(50, 91)).div_ceil(100).clamp(1, len);
                source[..keep as usize].to_vec()
            }
            2 => {
                let share = 0.02 + 0.08 * rng.range(0, 101) as f64 / 100.0;
                source
                    .iter()
                    .map(|p| {
                        let words: Vec<&str> = p.split_whitespace().collect();
                        let mut out: Vec<&str> = Vec::with_capacity(words.len());
                        for &w in &words {
                            if !rng.chance(share) {
                                out.push(w);
                            } else if rng.chance(0.5) {
                                out.push(*rng.pick(&words));
                            }
                        }
                        out.join(" ")
                    })
                    .collect()
            }
            _ => {
                let keep = (len * rng.range(30, 61)).div_ceil(100).clamp(1, len);
                let start = rng.range(0, len - keep + 1);
                let mut ps = self.chain.paragraphs(rng, 2);
                ps.extend_from_slice(&source[start as usize..(start + keep) as usize]);
                let extra = rng.range(2, 5);
                ps.extend(self.chain.paragraphs(rng, extra as usize));
                ps
            }
        }
    }

    /// The lookup keys of a text on `site`, its furniture included (the
    /// crawl fingerprints the text as extracted).
    fn keys(&self, site: usize, paragraphs: &[String]) -> Vec<u64> {
        let mut text = paragraphs.join("\n\n");
        for f in &self.furniture[site] {
            text.push_str("\n\n");
            text.push_str(f);
        }
        let mut keys = fingerprint::lookup_keys(&fingerprint::shingles(&text));
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Keys of stored articles `range`, made on every core.
    fn keys_of_range(&self, range: std::ops::Range<u64>) -> Vec<Vec<u64>> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let per = (range.end - range.start).div_ceil(threads).max(1);
        std::thread::scope(|s| {
            let parts: Vec<_> = (0..threads)
                .map(|t| {
                    let lo = (range.start + t * per).min(range.end);
                    let hi = (lo + per).min(range.end);
                    s.spawn(move || {
                        (lo..hi)
                            .map(|i| {
                                let (site, ps) = self.article(i);
                                self.keys(site, &ps)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts
                .into_iter()
                .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }

    /// Query `q` against a store of `stored` articles: its keys, and for a
    /// copy (every other query) the index of its source. Never a stored
    /// article itself.
    fn query(&self, q: u64, stored: u64) -> (Vec<u64>, Option<u64>) {
        let mut rng = self.rng(0x51_7e57, q);
        let site = rng.range(0, SITES) as usize;
        if q.is_multiple_of(2) && stored > 0 {
            let source = rng.range(0, stored);
            let (_, paragraphs) = self.article(source);
            let copy = self.copy(&mut rng, &paragraphs);
            (self.keys(site, &copy), Some(source))
        } else {
            let n = rng.range(6, 15);
            let paragraphs = self.chain.paragraphs(&mut rng, n as usize);
            (self.keys(site, &paragraphs), None)
        }
    }
}
