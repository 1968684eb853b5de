//! An article's story as the store knows it: the articles its relations
//! reach, and their origin and sources (`tracewire_provenance`'s rules).

use std::collections::{BTreeMap, HashSet, VecDeque};

use tracewire_model::{Article, ArticleId, ArticleRelation};
use tracewire_provenance::{Kind, Lineage, Relation, lineages_ordered};
use tracewire_store::{Result, Store};

/// At most this many articles are gathered into one story (a story copied
/// by more sites than this shows its first ones).
const MAX_ARTICLES: usize = 200;

/// The articles reachable from one through relations, the relations
/// between them, and every article's lineage.
pub(crate) struct Story {
    pub articles: BTreeMap<ArticleId, Article>,
    pub relations: Vec<ArticleRelation>,
    pub lineages: Vec<Lineage>,
}

impl Story {
    /// The lineage of `id`: its origin and source (itself for an article
    /// without copies).
    pub fn lineage(&self, id: ArticleId) -> Lineage {
        self.lineages.iter().find(|l| l.id == id).cloned().unwrap_or(Lineage {
            id,
            origin: id,
            source: None,
        })
    }

    /// From the origin down to `id`, following each copy's source.
    pub fn chain(&self, id: ArticleId) -> Vec<ArticleId> {
        let mut chain = vec![id];
        let mut at = id;
        while let Some(src) = self.lineage(at).source {
            if chain.contains(&src) || chain.len() > MAX_ARTICLES {
                break;
            }
            chain.push(src);
            at = src;
        }
        chain.reverse();
        chain
    }
}

/// Gathers the story of `start` (which the caller has loaded).
pub(crate) async fn story_of(store: &dyn Store, start: Article) -> Result<Story> {
    let mut articles = BTreeMap::new();
    let mut relations: Vec<ArticleRelation> = Vec::new();
    let mut seen_relations = HashSet::new();
    let mut queue = VecDeque::from([start.id]);
    articles.insert(start.id, start);
    while let Some(id) = queue.pop_front() {
        for r in store.relations_of(id).await? {
            if !seen_relations.insert((r.from, r.to, r.kind.clone())) {
                continue;
            }
            for other in [r.from, r.to] {
                if articles.contains_key(&other) || articles.len() >= MAX_ARTICLES {
                    continue;
                }
                if let Some(a) = store.article(other).await? {
                    articles.insert(other, a);
                    queue.push_back(other);
                }
            }
            relations.push(r);
        }
    }
    relations.retain(|r| articles.contains_key(&r.from) && articles.contains_key(&r.to));
    let typed: Vec<Relation> = relations
        .iter()
        .filter_map(|r| {
            Some(Relation {
                from: r.from,
                to: r.to,
                kind: Kind::parse(&r.kind)?,
                score: r.score,
                evidence: r.evidence.clone(),
            })
        })
        .collect();
    let order = |id: i64| {
        articles.get(&id).map_or((i64::MAX, id), |a| {
            (a.published.unwrap_or(a.fetched_at).timestamp(), id)
        })
    };
    let lineages = lineages_ordered(&typed, &order);
    Ok(Story {
        articles,
        relations,
        lineages,
    })
}
