//! Keeping the index in step with the store, and turning hits back into
//! articles.
//!
//! The follower reads articles by id, after the last one it indexed. On
//! PostgreSQL ids are handed out before their transaction commits, so an
//! article can become visible after a higher id was read: every id the
//! follower skipped is kept as a gap and asked for again until it turns up
//! or is ten minutes old (its transaction rolled back). On SQLite, ids of
//! deleted articles at the top can be given out again; the follower steps
//! back when the highest id in the store is below its position. Articles
//! deleted from the store leave the index when a search finds them gone,
//! and all of them at the follower's next check (about a minute) when the
//! index holds more articles than the store.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tracewire_model::{ArticleId, ArticleSummary, IndexedArticle};
use tracewire_store::Store;

use crate::{Result, SearchError, SearchIndex, SearchQuery, Sort};

/// Where the follower is, kept in the index's commit payload.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncState {
    /// Every article up to this id was read (or is a gap).
    pub after: ArticleId,
    /// Ids skipped over, with when they were first missed (unix seconds).
    #[serde(default)]
    pub gaps: Vec<(ArticleId, i64)>,
}

/// Articles read from the store at a time.
pub const BATCH: i64 = 500;
/// Articles added between two commits during a long catch-up.
const COMMIT_EVERY: usize = 50_000;
/// How long a skipped id is asked for again.
const GAP_PATIENCE_SECS: i64 = 600;
/// Gaps kept at most: a jump in a sequence (an import moves it) is not
/// thousands of transactions in flight.
const MAX_GAPS: usize = 10_000;

/// Whether the index may already hold the articles read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Follow,
    Rebuild,
}

async fn add(index: &Arc<SearchIndex>, articles: Vec<IndexedArticle>, mode: Mode) -> Result<()> {
    let index = Arc::clone(index);
    tokio::task::spawn_blocking(move || match mode {
        Mode::Follow => index.add(&articles),
        Mode::Rebuild => index.add_new(&articles),
    })
    .await
    .map_err(|e| SearchError::Task(e.to_string()))?
}

async fn commit(index: &Arc<SearchIndex>, state: &SyncState) -> Result<()> {
    let index = Arc::clone(index);
    let state = state.clone();
    tokio::task::spawn_blocking(move || index.commit(&state))
        .await
        .map_err(|e| SearchError::Task(e.to_string()))?
}

/// Adds every article the index lacks; returns how many were added.
/// `progress` hears the running count.
pub async fn catch_up(store: &dyn Store, index: &Arc<SearchIndex>, progress: impl FnMut(usize)) -> Result<usize> {
    let state = index.state()?;
    run(store, index, state, Mode::Follow, progress).await
}

/// Empties the index and reads every article again.
pub async fn rebuild(store: &dyn Store, index: &Arc<SearchIndex>, progress: impl FnMut(usize)) -> Result<usize> {
    index.clear()?;
    commit(index, &SyncState::default()).await?;
    run(store, index, SyncState::default(), Mode::Rebuild, progress).await
}

async fn run(
    store: &dyn Store,
    index: &Arc<SearchIndex>,
    mut state: SyncState,
    mode: Mode,
    mut progress: impl FnMut(usize),
) -> Result<usize> {
    let before = state.clone();
    let now = chrono::Utc::now().timestamp();
    let top = store.max_article_id().await?.unwrap_or(0);
    if top < state.after {
        state.after = top;
    }
    let mut added = 0;
    if !state.gaps.is_empty() {
        let ids: Vec<ArticleId> = state.gaps.iter().map(|(id, _)| *id).collect();
        let found = store.articles_for_index_by_ids(&ids).await?;
        state
            .gaps
            .retain(|(id, since)| now - since < GAP_PATIENCE_SECS && !found.iter().any(|a| a.id == *id));
        added += found.len();
        add(index, found, Mode::Follow).await?;
    }
    let mut uncommitted = 0;
    loop {
        let batch = store.articles_for_index(state.after, BATCH).await?;
        let Some(last) = batch.last().map(|a| a.id) else {
            break;
        };
        let mut expect = state.after + 1;
        for a in &batch {
            let missing = (a.id - expect).max(0) as usize;
            if missing > 0 && state.gaps.len() + missing <= MAX_GAPS {
                state.gaps.extend((expect..a.id).map(|id| (id, now)));
            }
            expect = a.id + 1;
        }
        state.after = last;
        added += batch.len();
        uncommitted += batch.len();
        add(index, batch, mode).await?;
        progress(added);
        if uncommitted >= COMMIT_EVERY {
            commit(index, &state).await?;
            uncommitted = 0;
        }
    }
    if added > 0 || state != before {
        commit(index, &state).await?;
    }
    Ok(added)
}

/// Removes from the index the articles the store no longer has (a removed
/// feed's); returns how many. Reads the index's ids and asks the store for
/// them a batch at a time: run when the index holds more articles than the
/// store.
pub async fn prune(store: &dyn Store, index: &Arc<SearchIndex>) -> Result<usize> {
    let ids = index.ids()?;
    let mut gone = Vec::new();
    for chunk in ids.chunks(1000) {
        let found = store.articles_for_index_by_ids(chunk).await?;
        gone.extend(chunk.iter().filter(|id| !found.iter().any(|a| a.id == **id)));
    }
    if !gone.is_empty() {
        index.delete(&gone)?;
        commit(index, &index.state()?).await?;
    }
    Ok(gone.len())
}

/// Rounds of following between two checks for articles the store lost.
const PRUNE_EVERY_ROUNDS: u32 = 30;

/// Catches up every `every`, for as long as the task runs; `first_round`
/// hears when the first catch-up ended. A failure is logged and tried again
/// on the next round.
pub async fn follow(
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    every: Duration,
    first_round: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut failing = false;
    let mut first_round = first_round;
    let mut rounds: u32 = 0;
    loop {
        rounds = rounds.wrapping_add(1);
        if rounds.is_multiple_of(PRUNE_EVERY_ROUNDS) {
            let lost = match store.count_articles().await {
                Ok(stored) => index.num_docs() > u64::try_from(stored).unwrap_or(0),
                Err(_) => false,
            };
            if lost {
                match prune(store.as_ref(), &index).await {
                    Ok(n) => tracing::info!(
                        articles = n,
                        "removed articles the database no longer has from the search index"
                    ),
                    Err(e) => tracing::warn!(error = %e, "could not prune the search index; trying again later"),
                }
            }
        }
        let round = catch_up(store.as_ref(), &index, |_| {}).await;
        if let Some(done) = first_round.take() {
            let _ = done.send(());
        }
        match round {
            Ok(n) => {
                if n > 0 {
                    tracing::debug!(articles = n, "search index caught up");
                }
                if failing {
                    tracing::info!("search index is following the store again");
                }
                failing = false;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "search index could not catch up; trying again");
                }
                failing = true;
            }
        }
        tokio::time::sleep(every).await;
    }
}

/// One article found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub article: ArticleSummary,
    /// The passage that matched, as HTML (escaped text, matches in `<b>`).
    pub snippet: String,
    pub score: f32,
}

/// A page of results, with the articles read from the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub total: usize,
    pub hits: Vec<Found>,
    pub sites: Vec<(String, u64)>,
    pub languages: Vec<(String, u64)>,
}

/// Characters in a snippet.
pub const SNIPPET_CHARS: usize = 240;

/// Searches and reads the page's articles from the store. A hit the
/// store no longer has is left out, and removed from the index when this
/// process writes it.
pub async fn search(
    store: &dyn Store,
    index: &Arc<SearchIndex>,
    query: &SearchQuery,
    sort: Sort,
    limit: usize,
    offset: usize,
) -> Result<Page> {
    let results = {
        let index = Arc::clone(index);
        let query = query.clone();
        tokio::task::spawn_blocking(move || index.search(&query, sort, limit, offset))
            .await
            .map_err(|e| SearchError::Task(e.to_string()))??
    };
    let ids: Vec<ArticleId> = results.hits.iter().map(|h| h.id).collect();
    let mut articles = store.search_hits(&ids).await?;
    let gone: Vec<ArticleId> = ids
        .iter()
        .copied()
        .filter(|id| !articles.iter().any(|(a, _)| a.id == *id))
        .collect();
    if !gone.is_empty() && index.is_writer() {
        index.delete(&gone)?;
        commit(index, &index.state()?).await?;
    }
    // In the index's order.
    articles.sort_by_key(|(a, _)| ids.iter().position(|id| *id == a.id));
    let texts: Vec<&str> = articles.iter().map(|(_, t)| t.as_str()).collect();
    let snippets = index.snippets(query, &texts, SNIPPET_CHARS)?;
    let hits = articles
        .iter()
        .zip(snippets)
        .map(|((article, _), snippet)| Found {
            score: results
                .hits
                .iter()
                .find(|h| h.id == article.id)
                .map_or(0.0, |h| h.score),
            article: article.clone(),
            snippet,
        })
        .collect();
    Ok(Page {
        total: results.total.saturating_sub(gone.len()),
        hits,
        sites: results.sites,
        languages: results.languages,
    })
}
