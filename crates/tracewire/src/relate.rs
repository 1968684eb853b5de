//! `simulate`, `relate` and `bench relate`: provenance over offline
//! collections, and its measurement against the syndication simulator.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::json;
use tracewire_provenance::{Corpus, Doc, Kind, Relation, lineages};
use tracewire_testkit::simulate::{SimConfig, SimDoc, Simulation, simulate};

/// `tracewire simulate`: writes `docs.jsonl` (the input `relate` reads) and
/// `truth.jsonl` (who copied whom) to `out`.
pub fn simulate_to(config: SimConfig, out: &Path) -> Result<ExitCode> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let sim = simulate(config);
    let docs_path = out.join("docs.jsonl");
    let mut docs =
        BufWriter::new(File::create(&docs_path).with_context(|| format!("cannot write {}", docs_path.display()))?);
    for d in &sim.docs {
        let published = d
            .published
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .map(|t| t.to_rfc3339());
        let line =
            json!({"id": d.id, "url": d.url, "site": d.site, "title": d.title, "text": d.text, "published": published});
        writeln!(docs, "{line}")?;
    }
    docs.flush()?;
    let truth_path = out.join("truth.jsonl");
    let mut truth =
        BufWriter::new(File::create(&truth_path).with_context(|| format!("cannot write {}", truth_path.display()))?);
    for t in &sim.truth {
        let line = json!({"id": t.id, "origin": t.origin, "source": t.source, "made": t.made.as_str(), "attributed": t.attributed});
        writeln!(truth, "{line}")?;
    }
    truth.flush()?;
    println!(
        "{} articles ({} stories) on {} sites → {} and {}",
        sim.docs.len(),
        config.origins,
        config.sites,
        docs_path.display(),
        truth_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// One input line of `relate`.
#[derive(Deserialize)]
struct InputDoc {
    id: i64,
    #[serde(default)]
    url: String,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    title: String,
    text: String,
    #[serde(default)]
    published: Option<serde_json::Value>,
    #[serde(default)]
    source_url: Option<String>,
}

fn parse_published(v: Option<&serde_json::Value>) -> Option<i64> {
    match v? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp())
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc().timestamp())
            }),
        _ => None,
    }
}

/// The source a text's attribution lines name ("Source Article from …",
/// "Originally published at …"), for documents that do not say.
fn source_in_text(text: &str) -> Option<String> {
    let lines: Vec<_> = text
        .lines()
        .filter_map(|l| tracewire_extract::classify_attribution(l, &[]))
        .collect();
    tracewire_extract::pick_source_url(&lines)
}

/// Every related pair and every copy's origin, for a collection of documents.
pub struct Related {
    pub relations: Vec<Relation>,
    pub origins: Vec<tracewire_provenance::Lineage>,
}

/// Relates documents in the order given (the order stands for time where
/// they carry none), learning each site's furniture from all of them first.
pub fn relate_docs(docs: Vec<Doc>) -> (Corpus, Related) {
    let mut corpus = Corpus::learning_from(&docs);
    let mut relations = Vec::new();
    for d in docs {
        relations.extend(corpus.add(d));
    }
    let origins = lineages(&corpus, &relations);
    (corpus, Related { relations, origins })
}

/// `tracewire relate`: reads `{"id","url","site","title","text","published"}`
/// lines, writes `{"a","b","kind","score","evidence"}` for every related
/// pair and `{"id","origin","source"}` for every copy.
pub fn relate_file(input: &Path, output: &Path) -> Result<ExitCode> {
    let file = File::open(input).with_context(|| format!("cannot read {}", input.display()))?;
    let mut docs = Vec::new();
    let mut bad = 0usize;
    let mut seen = HashSet::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {} at line {}", input.display(), n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<InputDoc>(&line) {
            Ok(d) if seen.insert(d.id) => docs.push(Doc {
                source_url: d.source_url.or_else(|| source_in_text(&d.text)),
                site: d
                    .site
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| tracewire_provenance::site_of(&d.url)),
                id: d.id,
                url: d.url,
                title: d.title,
                text: d.text,
                published: parse_published(d.published.as_ref()),
            }),
            Ok(d) => {
                bad += 1;
                eprintln!(
                    "warning: {}:{}: id {} seen before; line skipped",
                    input.display(),
                    n + 1,
                    d.id
                );
            }
            Err(e) => {
                bad += 1;
                eprintln!(
                    "warning: {}:{}: not a document ({e}); each line needs at least \"id\" and \"text\"; line skipped",
                    input.display(),
                    n + 1
                );
            }
        }
    }
    let count = docs.len();
    let started = Instant::now();
    let (_, related) = relate_docs(docs);
    let out = File::create(output).with_context(|| format!("cannot write {}", output.display()))?;
    let mut out = BufWriter::new(out);
    for r in &related.relations {
        let line = json!({"a": r.from, "b": r.to, "kind": r.kind.as_str(), "score": (r.score * 1000.0).round() / 1000.0, "evidence": r.evidence});
        writeln!(out, "{line}")?;
    }
    let mut copies = 0;
    for l in related.origins.iter().filter(|l| l.source.is_some()) {
        copies += 1;
        writeln!(out, "{}", json!({"id": l.id, "origin": l.origin, "source": l.source}))?;
    }
    out.flush()?;
    println!(
        "{count} documents, {} relations, {copies} copies with their origin, in {:.2} s → {}{}",
        related.relations.len(),
        started.elapsed().as_secs_f64(),
        output.display(),
        if bad > 0 {
            format!(" ({bad} lines skipped)")
        } else {
            String::new()
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// The simulator's documents as provenance reads them, in the order a
/// crawl would find them: by publication, undated ones where they came.
pub fn sim_docs(sim: &Simulation) -> Vec<Doc> {
    let as_doc = |d: &SimDoc| Doc {
        id: d.id,
        url: d.url.clone(),
        site: d.site.clone(),
        title: d.title.clone(),
        text: d.text.clone(),
        published: d.published,
        // Read from the text's attribution line, as `relate` does for a
        // file, not taken from the simulator's own record.
        source_url: source_in_text(&d.text),
    };
    // Undated copies are found after their source, like everything else:
    // they take the time of the article generated before them.
    let mut last = i64::MIN;
    let mut timed: Vec<(i64, Doc)> = sim
        .docs
        .iter()
        .map(|d| {
            last = d.published.unwrap_or(last.saturating_add(1));
            (last, as_doc(d))
        })
        .collect();
    timed.sort_by_key(|(t, d)| (*t, d.id));
    timed.into_iter().map(|(_, d)| d).collect()
}

/// Scores of provenance against the simulator's truth.
#[derive(Debug, Default, Clone)]
pub struct RelateScores {
    pub precision: f64,
    pub recall: f64,
    pub origin_accuracy: f64,
    pub source_accuracy_attributed: f64,
    pub predicted_pairs: usize,
    pub truth_pairs: usize,
    /// Per way of copying: copies found with their source, with their
    /// origin, and how many copies.
    pub by_made: Vec<(&'static str, usize, usize, usize)>,
}

/// Pairs: a predicted copying pair is right when both belong to one story;
/// the truth pairs are each copy with its source and with its origin.
/// Origins over every article of a story with copies; immediate sources
/// over copies whose text names their source.
pub fn score(sim: &Simulation, related: &Related) -> RelateScores {
    let truth: HashMap<i64, &tracewire_testkit::simulate::SimTruth> = sim.truth.iter().map(|t| (t.id, t)).collect();
    let pair = |a: i64, b: i64| (a.min(b), a.max(b));
    let predicted: HashSet<(i64, i64)> = related
        .relations
        .iter()
        .filter(|r| r.kind != Kind::Attributes)
        .map(|r| pair(r.from, r.to))
        .collect();
    let correct = predicted
        .iter()
        .filter(|(a, b)| {
            truth
                .get(a)
                .zip(truth.get(b))
                .is_some_and(|(x, y)| x.origin == y.origin)
        })
        .count();
    let mut truth_pairs: HashSet<(i64, i64)> = HashSet::new();
    for t in &sim.truth {
        if let Some(s) = t.source {
            truth_pairs.insert(pair(s, t.id));
            truth_pairs.insert(pair(t.origin, t.id));
        }
    }
    let found = truth_pairs.iter().filter(|p| predicted.contains(p)).count();
    let mut by_made = Vec::new();
    for made in ["wire", "trimmed", "edited", "excerpt"] {
        let copies: Vec<_> = sim.truth.iter().filter(|t| t.made.as_str() == made).collect();
        let with_source = copies
            .iter()
            .filter(|t| t.source.is_some_and(|s| predicted.contains(&pair(s, t.id))))
            .count();
        let with_origin = copies
            .iter()
            .filter(|t| predicted.contains(&pair(t.origin, t.id)))
            .count();
        by_made.push((made, with_source, with_origin, copies.len()));
    }
    let lineage: HashMap<i64, &tracewire_provenance::Lineage> = related.origins.iter().map(|l| (l.id, l)).collect();
    let story_size = sim.truth.iter().fold(HashMap::new(), |mut m: HashMap<i64, usize>, t| {
        *m.entry(t.origin).or_default() += 1;
        m
    });
    let in_stories: Vec<_> = sim.truth.iter().filter(|t| story_size[&t.origin] > 1).collect();
    let origin_ok = in_stories
        .iter()
        .filter(|t| lineage.get(&t.id).map_or(t.id, |l| l.origin) == t.origin)
        .count();
    let attributed: Vec<_> = sim.truth.iter().filter(|t| t.attributed).collect();
    let source_ok = attributed
        .iter()
        .filter(|t| lineage.get(&t.id).and_then(|l| l.source) == t.source)
        .count();
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    RelateScores {
        precision: ratio(correct, predicted.len()),
        recall: ratio(found, truth_pairs.len()),
        origin_accuracy: ratio(origin_ok, in_stories.len()),
        source_accuracy_attributed: ratio(source_ok, attributed.len()),
        predicted_pairs: predicted.len(),
        truth_pairs: truth_pairs.len(),
        by_made,
    }
}

fn print_scores(s: &RelateScores) {
    println!(
        "precision    {:.4} ({} pairs predicted)",
        s.precision, s.predicted_pairs
    );
    println!(
        "recall       {:.4} ({} copy–source and copy–origin pairs)",
        s.recall, s.truth_pairs
    );
    for (made, source, origin, n) in &s.by_made {
        println!("  {made:<10} {source}/{n} found with their source, {origin}/{n} with their origin");
    }
    println!(
        "origin       {:.4} of articles in stories with copies",
        s.origin_accuracy
    );
    println!(
        "source       {:.4} of copies that name their source",
        s.source_accuracy_attributed
    );
}

/// The crawl's path over the simulator's documents: each is stored in a
/// fresh SQLite store and related as the crawl relates an article (the
/// site's furniture learnt as the articles come, not beforehand), then the
/// story is read back from the store's relations.
async fn relate_through_store(docs: &[Doc]) -> Result<Related> {
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let store = tracewire_store::open_embedded(dir.path()).await?;
    let feed = store
        .add_feed(tracewire_store::NewFeed {
            url: "https://simulated.invalid/feed".to_string(),
            title: None,
            site_url: None,
            interval_secs: 3600,
        })
        .await?;
    let mut sim_id = HashMap::new();
    let mut when = HashMap::new();
    let mut last = 0;
    for d in docs {
        // An undated document is fetched just after the one before it.
        last = d.published.unwrap_or(last + 1);
        let time = |t: i64| chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
        let a = tracewire_model::NewArticle {
            feed_id: feed.id,
            guid: d.id.to_string(),
            url: d.url.clone(),
            site: d.site.clone(),
            canonical_url: None,
            title: d.title.clone(),
            byline: None,
            published: d.published.map(time),
            site_name: None,
            language: None,
            source_url: d.source_url.clone(),
            attributions: Vec::new(),
            text: d.text.clone(),
            html: String::new(),
            fetched_at: time(last),
            annotations: Default::default(),
        };
        let id = store
            .insert_article(&a)
            .await?
            .with_context(|| format!("document {} stored twice", d.id))?;
        tracewire_ingest::provenance::relate_new_article(store.as_ref(), id, &a).await?;
        sim_id.insert(id, d.id);
        when.insert(d.id, (last, d.id));
    }
    let mut relations = Vec::new();
    let mut seen = HashSet::new();
    for id in sim_id.keys() {
        for r in store.relations_of(*id).await? {
            let (Some(&from), Some(&to), Some(kind)) = (sim_id.get(&r.from), sim_id.get(&r.to), Kind::parse(&r.kind))
            else {
                continue;
            };
            if seen.insert((from, to, kind)) {
                relations.push(Relation {
                    from,
                    to,
                    kind,
                    score: r.score,
                    evidence: r.evidence,
                });
            }
        }
    }
    let order = |id: i64| when.get(&id).copied().unwrap_or((i64::MAX, id));
    let origins = tracewire_provenance::lineages_ordered(&relations, &order);
    Ok(Related { relations, origins })
}

/// `tracewire bench relate`: quality on the simulator's mix, and speed;
/// with `crawl`, also the quality the crawl's path reaches.
pub async fn bench_relate(config: SimConfig, crawl: bool) -> Result<ExitCode> {
    let sim = simulate(config);
    let docs = sim_docs(&sim);
    let words: usize = docs.iter().map(|d| d.text.split_whitespace().count()).sum();
    // Fingerprinting alone: shingles and lookup keys of every text, repeated
    // for at least two seconds.
    let started = Instant::now();
    let mut rounds = 0usize;
    let mut keys = 0usize;
    while rounds == 0 || started.elapsed().as_secs_f64() < 2.0 {
        for d in &docs {
            let s = tracewire_similar::fingerprint::shingles(&d.text);
            keys += tracewire_similar::fingerprint::lookup_keys(&s).len();
        }
        rounds += 1;
    }
    let fp_rate = (rounds * docs.len()) as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (_, related) = relate_docs(docs.clone());
    let relate_secs = started.elapsed().as_secs_f64();
    let s = score(&sim, &related);
    println!(
        "simulated    {} articles in {} stories on {} sites (seed {}), {:.0} words each on average",
        docs.len(),
        config.origins,
        config.sites,
        config.seed,
        words as f64 / docs.len().max(1) as f64
    );
    print_scores(&s);
    let words_per_doc = words as f64 / docs.len().max(1) as f64;
    println!(
        "fingerprint  {fp_rate:.0} docs/s, {:.0} for 700-word articles (one thread; {:.0} keys, {:.0} bytes of keys per article)",
        fp_rate * words_per_doc / 700.0,
        keys as f64 / (rounds * sim.docs.len()).max(1) as f64,
        8.0 * keys as f64 / (rounds * sim.docs.len()).max(1) as f64
    );
    println!(
        "relate       {:.0} docs/s end to end (furniture, fingerprints, lookup, verification, lineages)",
        sim.docs.len() as f64 / relate_secs
    );
    if crawl {
        let started = Instant::now();
        let related = relate_through_store(&docs).await?;
        let secs = started.elapsed().as_secs_f64();
        println!("through the crawl's path (SQLite store, furniture learnt as articles arrive):");
        print_scores(&score(&sim, &related));
        println!(
            "crawl relate {:.0} docs/s (storage, furniture, fingerprints, lookup, verification)",
            sim.docs.len() as f64 / secs
        );
    }
    Ok(ExitCode::SUCCESS)
}
