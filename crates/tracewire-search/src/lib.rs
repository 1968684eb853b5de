//! Full-text search over the stored articles: a tantivy index on local disk.
//!
//! The index is derived data. The store is the truth; every web process
//! keeps its own index under its data directory and follows the store's
//! articles by id ([`sync::catch_up`]), so it works the same beside the
//! embedded SQLite and beside a PostgreSQL shared by many web nodes.
//! `tracewire reindex` rebuilds it from the store. The last article read
//! is kept in the index's commit payload, so a restart carries on where
//! the last commit stopped.
//!
//! One process writes an index at a time (tantivy's lock file); others
//! open it read-only and see each commit within milliseconds.

pub mod query;
pub mod sync;

use std::collections::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tantivy::aggregation::AggregationCollector;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{FAST, Field as TField, INDEXED, IndexRecordOption, STRING, Schema, TEXT, TantivyDocument};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Term};
use tracewire_model::{ArticleId, IndexedArticle};

pub use query::{Atom, Clause, Field, QueryError, SearchQuery, Sort};

/// The index's folder under the data directory. The number changes with
/// the schema: a binary with a new schema builds a new index from the
/// store and leaves the old folder to be removed.
pub const INDEX_DIR: &str = "search-v1";

/// Characters of an article's text the index reads: bounds the work a
/// huge page costs (the store cuts the text it hands over to this).
pub const INDEXED_TEXT_CHARS: usize = tracewire_store::INDEXED_TEXT_CHARS;

/// How much a title match weighs against a match in the text.
const TITLE_BOOST: f32 = 3.0;

/// Facet values returned per facet.
const FACET_SIZE: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index in {dir}: {source}; `tracewire reindex` rebuilds it from the database")]
    Index {
        dir: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error(
        "the search index in {0} is being written by another tracewire process (a running `serve`?); stop it, or let it keep the index current"
    )]
    Busy(PathBuf),
    #[error("this process opened the search index read-only; only the process that holds it can change it")]
    ReadOnly,
    #[error(transparent)]
    Store(#[from] tracewire_store::StoreError),
    #[error("the search index's background task failed: {0}")]
    Task(String),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

#[derive(Clone, Copy)]
struct Fields {
    id: TField,
    title: TField,
    text: TField,
    author: TField,
    site: TField,
    lang: TField,
    date: TField,
    speaker: TField,
    entity: TField,
}

/// The index's fields. Any change here (a field, an option, a tokenizer)
/// needs a new [`INDEX_DIR`]: an index is opened with the schema it was
/// built with, and a new folder is built from the store on first start.
fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_i64_field("id", INDEXED | FAST),
        title: b.add_text_field("title", TEXT),
        text: b.add_text_field("text", TEXT),
        author: b.add_text_field("author", TEXT),
        site: b.add_text_field("site", STRING | FAST),
        lang: b.add_text_field("lang", STRING | FAST),
        date: b.add_i64_field("date", INDEXED | FAST),
        speaker: b.add_text_field("speaker", TEXT),
        entity: b.add_text_field("entity", TEXT),
    };
    (b.build(), fields)
}

/// How a writing process sizes its indexer.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    pub threads: usize,
    /// Memory the indexer buffers before it writes a segment, in all.
    pub heap_bytes: usize,
}

impl WriterConfig {
    /// Following the store as articles arrive: one thread, little memory.
    pub const FOLLOW: WriterConfig = WriterConfig {
        threads: 1,
        heap_bytes: 64 << 20,
    };
    /// Rebuilding: every core, more memory for fewer, larger segments.
    pub fn rebuild() -> WriterConfig {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        WriterConfig {
            threads,
            heap_bytes: threads * (128 << 20),
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct SearchResults {
    /// Every matching article, not only this page.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Matching articles per site and per language, most first.
    pub sites: Vec<(String, u64)>,
    pub languages: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    pub id: ArticleId,
    /// Relevance (BM25); 0 when sorted by date.
    pub score: f32,
}

pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    writer: Option<Mutex<IndexWriter<TantivyDocument>>>,
}

impl SearchIndex {
    /// Opens (or creates) the index in `data_dir`, as its writer when no
    /// other process holds it, else read-only.
    pub fn open(data_dir: &Path, writer: WriterConfig) -> Result<SearchIndex> {
        match SearchIndex::open_with(data_dir, Some(writer)) {
            Err(SearchError::Busy(_)) => SearchIndex::open_with(data_dir, None),
            other => other,
        }
    }

    /// Opens the index as its writer, or says who holds it.
    pub fn open_writer(data_dir: &Path, writer: WriterConfig) -> Result<SearchIndex> {
        SearchIndex::open_with(data_dir, Some(writer))
    }

    fn open_with(data_dir: &Path, writer: Option<WriterConfig>) -> Result<SearchIndex> {
        let dir = data_dir.join(INDEX_DIR);
        let err = |source| SearchError::Index {
            dir: dir.clone(),
            source,
        };
        std::fs::create_dir_all(&dir).map_err(|e| err(e.into()))?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(&dir).map_err(|e| err(e.into()))?;
        let index = Index::open_or_create(directory, schema).map_err(err)?;
        let writer = match writer {
            None => None,
            Some(cfg) => match index.writer_with_num_threads(cfg.threads.max(1), cfg.heap_bytes.max(15 << 20)) {
                Ok(w) => Some(Mutex::new(w)),
                Err(tantivy::TantivyError::LockFailure(..)) => return Err(SearchError::Busy(dir)),
                Err(e) => return Err(err(e)),
            },
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(err)?;
        Ok(SearchIndex {
            dir,
            index,
            reader,
            fields,
            writer,
        })
    }

    /// Removes index folders of other schema versions beside this one.
    pub fn remove_old_versions(data_dir: &Path) {
        let Ok(entries) = std::fs::read_dir(data_dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("search-v") && name != INDEX_DIR {
                match std::fs::remove_dir_all(entry.path()) {
                    Ok(()) => tracing::info!(dir = %entry.path().display(), "removed an old search index"),
                    Err(e) => {
                        tracing::warn!(dir = %entry.path().display(), error = %e, "could not remove an old search index")
                    }
                }
            }
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn is_writer(&self) -> bool {
        self.writer.is_some()
    }

    fn err(&self, source: tantivy::TantivyError) -> SearchError {
        SearchError::Index {
            dir: self.dir.clone(),
            source,
        }
    }

    fn with_writer<T>(&self, f: impl FnOnce(&mut IndexWriter<TantivyDocument>) -> tantivy::Result<T>) -> Result<T> {
        let writer = self.writer.as_ref().ok_or(SearchError::ReadOnly)?;
        // A panic while holding the lock leaves the writer as it was
        // between two calls; carry on with it.
        let mut guard = writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard).map_err(|e| self.err(e))
    }

    fn document(&self, a: &IndexedArticle) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, a.id);
        doc.add_text(f.title, &a.title);
        doc.add_text(f.text, cut(&a.text, INDEXED_TEXT_CHARS));
        if let Some(byline) = &a.byline {
            doc.add_text(f.author, byline);
        }
        doc.add_text(f.site, query::site_term(&a.site));
        if let Some(lang) = a.language.as_deref().map(query::lang_term).filter(|l| !l.is_empty()) {
            doc.add_text(f.lang, lang);
        }
        doc.add_i64(f.date, a.date.timestamp());
        for s in &a.speakers {
            doc.add_text(f.speaker, s);
        }
        for e in &a.entities {
            doc.add_text(f.entity, e);
        }
        doc
    }

    /// Adds articles, replacing any indexed under the same id. Seen by
    /// searches after the next [`commit`](Self::commit).
    pub fn add(&self, articles: &[IndexedArticle]) -> Result<()> {
        let docs: Vec<TantivyDocument> = articles.iter().map(|a| self.document(a)).collect();
        let id = self.fields.id;
        self.with_writer(|w| {
            for (a, doc) in articles.iter().zip(docs) {
                w.delete_term(Term::from_field_i64(id, a.id));
                w.add_document(doc)?;
            }
            Ok(())
        })
    }

    /// Adds articles known not to be in the index (a rebuild): no delete
    /// per article.
    pub fn add_new(&self, articles: &[IndexedArticle]) -> Result<()> {
        let docs: Vec<TantivyDocument> = articles.iter().map(|a| self.document(a)).collect();
        self.with_writer(|w| {
            for doc in docs {
                w.add_document(doc)?;
            }
            Ok(())
        })
    }

    pub fn delete(&self, ids: &[ArticleId]) -> Result<()> {
        let id = self.fields.id;
        self.with_writer(|w| {
            for &a in ids {
                w.delete_term(Term::from_field_i64(id, a));
            }
            Ok(())
        })
    }

    /// Empties the index (seen after the next commit).
    pub fn clear(&self) -> Result<()> {
        self.with_writer(|w| w.delete_all_documents().map(|_| ()))
    }

    /// Makes everything added so far durable and searchable, with the
    /// follower's position. Blocks while segments are written.
    pub fn commit(&self, state: &sync::SyncState) -> Result<()> {
        let payload = serde_json::to_string(state).unwrap_or_default();
        self.with_writer(|w| {
            let mut prepared = w.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit().map(|_| ())
        })?;
        self.reader.reload().map_err(|e| self.err(e))
    }

    /// Where the last commit left the follower.
    pub fn state(&self) -> Result<sync::SyncState> {
        let metas = self.index.load_metas().map_err(|e| self.err(e))?;
        Ok(metas
            .payload
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default())
    }

    /// Waits for merges to finish (after a rebuild: fewer segments, faster
    /// searches). Consumes the writer; the index is read-only after.
    pub fn finish_merges(mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            let w = w.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
            w.wait_merging_threads().map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Segments in the index (for the benchmark's report).
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    pub fn reload(&self) -> Result<()> {
        self.reader.reload().map_err(|e| self.err(e))
    }

    fn term_query(&self, field: TField, word: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, word),
            IndexRecordOption::WithFreqs,
        ))
    }

    fn atom_query(&self, field: TField, atom: &Atom) -> Result<Box<dyn Query>> {
        Ok(match atom {
            Atom::Word { text, prefix: false } | Atom::Exact(text) => self.term_query(field, text),
            // Words hold only letters and digits (`query::words`), so the
            // pattern has no regex syntax in it but the `.*`.
            Atom::Word { text, prefix: true } => {
                Box::new(RegexQuery::from_pattern(&format!("{text}.*"), field).map_err(|e| self.err(e))?)
            }
            Atom::Phrase(words) => Box::new(PhraseQuery::new(
                words.iter().map(|w| Term::from_field_text(field, w)).collect(),
            )),
        })
    }

    fn clause_query(&self, clause: &Clause) -> Result<Box<dyn Query>> {
        let f = self.fields;
        let field = match clause.field {
            Field::Any => {
                let title = self.atom_query(f.title, &clause.atom)?;
                let text = self.atom_query(f.text, &clause.atom)?;
                return Ok(Box::new(BooleanQuery::new(vec![
                    (Occur::Should, Box::new(BoostQuery::new(title, TITLE_BOOST))),
                    (Occur::Should, text),
                ])));
            }
            Field::Title => f.title,
            Field::Author => f.author,
            Field::Site => f.site,
            Field::Lang => f.lang,
            Field::Speaker => f.speaker,
            Field::Entity => f.entity,
        };
        self.atom_query(field, &clause.atom)
    }

    fn tantivy_query(&self, q: &SearchQuery) -> Result<Box<dyn Query>> {
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for group in &q.groups {
            let mut alternatives = group
                .iter()
                .map(|c| Ok((Occur::Should, self.clause_query(c)?)))
                .collect::<Result<Vec<_>>>()?;
            let one = if alternatives.len() == 1 {
                alternatives.pop().map(|(_, q)| q)
            } else {
                None
            };
            parts.push((
                Occur::Must,
                one.unwrap_or_else(|| Box::new(BooleanQuery::new(alternatives))),
            ));
        }
        for clause in &q.excluded {
            parts.push((Occur::MustNot, self.clause_query(clause)?));
        }
        if q.after.is_some() || q.before.is_some() {
            let bound = |d: Option<chrono::DateTime<chrono::Utc>>, inclusive: bool| match d {
                None => Bound::Unbounded,
                Some(d) => {
                    let t = Term::from_field_i64(self.fields.date, d.timestamp());
                    if inclusive {
                        Bound::Included(t)
                    } else {
                        Bound::Excluded(t)
                    }
                }
            };
            parts.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(q.after, true), bound(q.before, false))),
            ));
        }
        if q.groups.is_empty() {
            parts.push((Occur::Must, Box::new(AllQuery)));
        }
        Ok(Box::new(BooleanQuery::new(parts)))
    }

    /// One page of the articles matching `q`, with the total and the
    /// facets over every match. A query with no words is sorted by date.
    pub fn search(&self, q: &SearchQuery, sort: Sort, limit: usize, offset: usize) -> Result<SearchResults> {
        let query = self.tantivy_query(q)?;
        let searcher = self.reader.searcher();
        let facets: Aggregations = serde_json::from_value(serde_json::json!({
            "site": {"terms": {"field": "site", "size": FACET_SIZE}},
            "lang": {"terms": {"field": "lang", "size": FACET_SIZE}},
        }))
        .map_err(|e| self.err(tantivy::TantivyError::InvalidArgument(e.to_string())))?;
        let facets = AggregationCollector::from_aggs(facets, Default::default());
        let top = TopDocs::with_limit(limit.max(1)).and_offset(offset);
        let (hits, total, facets): (Vec<(f32, DocAddress)>, usize, _) = if sort == Sort::Date || q.groups.is_empty() {
            let (docs, total, facets) = searcher
                .search(
                    &query,
                    &(top.order_by_fast_field::<i64>("date", Order::Desc), Count, facets),
                )
                .map_err(|e| self.err(e))?;
            (docs.into_iter().map(|(_, d)| (0.0, d)).collect(), total, facets)
        } else {
            searcher
                .search(&query, &(top.order_by_score(), Count, facets))
                .map_err(|e| self.err(e))?
        };
        let mut out = SearchResults {
            total,
            hits: Vec::with_capacity(hits.len()),
            ..SearchResults::default()
        };
        if limit > 0 {
            for (score, addr) in hits {
                let column = searcher.segment_reader(addr.segment_ord).fast_fields().i64("id");
                let id = column.ok().and_then(|c| c.first(addr.doc_id));
                if let Some(id) = id {
                    out.hits.push(Hit { id, score });
                }
            }
        }
        let facets = serde_json::to_value(&facets).unwrap_or_default();
        out.sites = buckets(&facets["site"]);
        out.languages = buckets(&facets["lang"]);
        Ok(out)
    }

    /// The passage of each text that best shows why it matched, as HTML:
    /// the text escaped, the matching words in `<b>`.
    pub fn snippets(&self, q: &SearchQuery, texts: &[&str], max_chars: usize) -> Result<Vec<String>> {
        let query = self.tantivy_query(q)?;
        let searcher = self.reader.searcher();
        let mut generator = SnippetGenerator::create(&searcher, &*query, self.fields.text).map_err(|e| self.err(e))?;
        generator.set_max_num_chars(max_chars);
        Ok(texts
            .iter()
            .map(|t| {
                let snippet = generator.snippet(cut(t, INDEXED_TEXT_CHARS));
                if snippet.is_empty() {
                    let start = cut(t, max_chars);
                    let mut html = String::with_capacity(start.len());
                    escape_into(&mut html, start);
                    html
                } else {
                    snippet.to_html()
                }
            })
            .collect())
    }

    /// The ids of every indexed article, for checks.
    pub fn ids(&self) -> Result<Vec<ArticleId>> {
        let searcher = self.reader.searcher();
        let mut ids = Vec::new();
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().i64("id").map_err(|e| self.err(e))?;
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_none_or(|a| a.is_alive(doc))
                    && let Some(id) = column.first(doc)
                {
                    ids.push(id);
                }
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }
}

fn buckets(agg: &serde_json::Value) -> Vec<(String, u64)> {
    agg["buckets"]
        .as_array()
        .map(|b| {
            b.iter()
                .filter_map(|b| Some((b["key"].as_str()?.to_string(), b["doc_count"].as_u64()?)))
                .collect()
        })
        .unwrap_or_default()
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The first `chars` characters of `s`.
fn cut(s: &str, chars: usize) -> &str {
    match s.char_indices().nth(chars) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests;
