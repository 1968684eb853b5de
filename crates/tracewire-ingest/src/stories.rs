//! Putting each new article in a story, as it arrives: a copy joins its
//! original's story (provenance found the relation); another write-up of
//! the same event joins the story it matches best among the articles that
//! name the same people and organizations within [`WINDOW_SECS`]
//! (`tracewire_similar::story`); anything else begins a story.

use tracewire_model::{ArticleId, ArticleRelation, ArticleText, NewArticle, StoryId};
use tracewire_similar::story::{StoryDoc, best_story_match};
use tracewire_store::{Result, Store};

/// How far apart in time two write-ups of one event may be.
pub const WINDOW_SECS: i64 = 3 * 24 * 3600;
/// Articles compared with a new one at most (those sharing the most names).
const MAX_CANDIDATES: i64 = 16;

fn names_of(entities: &[tracewire_model::ArticleEntity]) -> Vec<(String, String)> {
    entities.iter().map(|e| (e.name.clone(), e.kind.clone())).collect()
}

/// One assignment at a time in this process: two copies stored at once
/// would otherwise each find the other without a story and begin two.
/// (Workers on one PostgreSQL can still race so; the copies then sit in two
/// stories until a person merges them.)
static ASSIGNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Puts a stored, related article in its story; returns the story. Its
/// relations are read from the store: the ones relating it stored, and any
/// another article's relating stored since.
pub async fn assign_story(store: &dyn Store, id: ArticleId, article: &NewArticle) -> Result<Option<StoryId>> {
    let _one_at_a_time = ASSIGNING.lock().await;
    if let Some(story) = store.story_of(id).await? {
        return Ok(Some(story));
    }
    // A copy (or its original, or a page it credits) already in a story.
    let relations = store.relations_of(id).await?;
    let mut by_score: Vec<&ArticleRelation> = relations.iter().filter(|r| r.from == id || r.to == id).collect();
    by_score.sort_by(|a, b| b.score.total_cmp(&a.score));
    for r in by_score {
        let other = if r.to == id { r.from } else { r.to };
        if let Some(story) = store.story_of(other).await? {
            return store.join_story(id, Some(story), "copy", r.score).await;
        }
    }
    // Another write-up of the same event.
    let date = article.published.unwrap_or(article.fetched_at).timestamp();
    let candidates = store
        .story_candidates(id, date - WINDOW_SECS, date + WINDOW_SECS, MAX_CANDIDATES)
        .await?;
    if !candidates.is_empty() {
        let target = StoryDoc {
            text: ArticleText {
                id,
                title: article.title.clone(),
                url: article.url.clone(),
                text: article.text.clone(),
            },
            names: names_of(&store.entities_of(id).await?),
        };
        let ids: Vec<ArticleId> = candidates.iter().map(|c| c.0).collect();
        let texts = store.search_hits(&ids).await?;
        let names = store.entities_of_articles(&ids).await?;
        let mut docs = Vec::with_capacity(candidates.len());
        let mut stories = Vec::with_capacity(candidates.len());
        for (other, story, _) in &candidates {
            let Some((summary, text)) = texts.iter().find(|(s, _)| s.id == *other) else {
                continue;
            };
            docs.push(StoryDoc {
                text: ArticleText {
                    id: *other,
                    title: summary.title.clone(),
                    url: summary.url.clone(),
                    text: text.clone(),
                },
                names: names
                    .iter()
                    .filter(|(a, _, _)| a == other)
                    .map(|(_, n, k)| (n.clone(), k.clone()))
                    .collect(),
            });
            stories.push(*story);
        }
        if let Some((best, score)) = best_story_match(&target, &docs) {
            return store.join_story(id, Some(stories[best]), "similar", score).await;
        }
    }
    store.join_story(id, None, "first", 0.0).await
}
