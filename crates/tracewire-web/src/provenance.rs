//! An article's story as the store knows it: the articles its relations
//! reach, and their origin and sources (`tracewire_provenance`'s rules);
//! and the provenance view the API serves and the article page shows.

use std::collections::{BTreeMap, HashSet, VecDeque};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use tracewire_model::{Article, ArticleId, ArticleRelation};
use tracewire_provenance::{Kind, Lineage, Relation, diff, lineages_ordered};
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

fn rfc3339<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> std::result::Result<S::Ok, S::Error> {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)).serialize(s)
}

/// One article of a story.
#[derive(Serialize)]
pub(crate) struct StoryArticle {
    pub id: i64,
    pub url: String,
    pub site: String,
    /// The name the site gives itself, when its pages say.
    pub site_name: Option<String>,
    pub title: String,
    #[serde(serialize_with = "rfc3339")]
    pub published: Option<DateTime<Utc>>,
}

impl StoryArticle {
    fn of(a: &Article) -> StoryArticle {
        StoryArticle {
            id: a.id,
            url: a.url.clone(),
            site: a.site.clone(),
            site_name: a.site_name.clone(),
            title: a.title.clone(),
            published: a.published,
        }
    }

    /// The site as the pages name it.
    pub fn site_label(&self) -> &str {
        self.site_name.as_deref().unwrap_or(&self.site)
    }

    /// The publication time as the pages show it.
    pub fn when(&self) -> String {
        crate::pages::date(self.published)
    }
}

/// Another article of the story, and how it relates to this one.
#[derive(Serialize)]
pub(crate) struct CopyItem {
    #[serde(flatten)]
    pub article: StoryArticle,
    /// How it relates to this article ("copy", "excerpt", ...), or
    /// "same_story" when only through others.
    pub relation: String,
    pub score: Option<f64>,
    pub evidence: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct CiteItem {
    pub who: String,
    pub kind: String,
    pub phrase: String,
}

#[derive(Serialize)]
pub(crate) struct Edit {
    pub before: String,
    pub after: String,
}

/// What this article changed from its immediate source, by paragraph.
#[derive(Serialize)]
pub(crate) struct Changes {
    pub source: i64,
    pub kept: usize,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub edited: Vec<Edit>,
}

/// An article's provenance: the story's origin, the chain of copies that
/// led to it, every other copy, the sources its text cites and what it
/// changed from its source.
#[derive(Serialize)]
pub(crate) struct ProvenanceView {
    pub origin: StoryArticle,
    /// From the origin to this article, each copied from the one before.
    pub chain: Vec<StoryArticle>,
    pub copies: Vec<CopyItem>,
    pub cites: Vec<CiteItem>,
    pub changes: Option<Changes>,
    /// Every article of the story, this one included (for related posts,
    /// which leave them out).
    #[serde(skip)]
    pub story: HashSet<ArticleId>,
    /// The copy chain as a picture (the article page's SVG).
    #[serde(skip)]
    pub graph: ChainGraph,
}

/// Articles a provenance picture shows at most (the earliest).
const GRAPH_NODES: usize = 40;
/// A node's size; the template draws its rectangles at this size too.
const NODE_W: i64 = 176;
const NODE_H: i64 = 38;
const COL_W: i64 = 206;
const ROW_H: i64 = 46;

/// A story's copies laid out for an SVG: time runs down (one row per
/// article, earliest first), copying runs right (a copy one column right of
/// its source), and a line joins each copy to its source.
#[derive(Default)]
pub(crate) struct ChainGraph {
    pub width: i64,
    pub height: i64,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// Articles left out of the picture (past [`GRAPH_NODES`]).
    pub more: usize,
}

pub(crate) struct GraphNode {
    pub id: ArticleId,
    pub x: i64,
    pub y: i64,
    pub site: String,
    pub when: String,
    pub title: String,
    pub current: bool,
    pub origin: bool,
}

pub(crate) struct GraphEdge {
    /// An SVG path from the source's right edge to the copy's left edge.
    pub path: String,
}

impl ChainGraph {
    /// The picture of `story` with `current` marked.
    fn of(story: &Story, current: ArticleId) -> ChainGraph {
        let mut ids: Vec<&Article> = story.articles.values().collect();
        ids.sort_by_key(|a| (a.published.unwrap_or(a.fetched_at), a.id));
        let more = ids.len().saturating_sub(GRAPH_NODES);
        ids.truncate(GRAPH_NODES);
        let mut nodes: Vec<GraphNode> = Vec::new();
        for (row, a) in ids.iter().enumerate() {
            let depth = story.chain(a.id).len().saturating_sub(1).min(8) as i64;
            let lineage = story.lineage(a.id);
            let when = a.published.unwrap_or(a.fetched_at).format("%b %-d, %H:%M").to_string();
            nodes.push(GraphNode {
                id: a.id,
                x: 4 + depth * COL_W,
                y: 4 + row as i64 * ROW_H,
                site: truncate(a.site_name.as_deref().unwrap_or(&a.site), 24),
                when,
                title: a.title.clone(),
                current: a.id == current,
                origin: lineage.origin == a.id && lineage.source.is_none(),
            });
        }
        let mut edges = Vec::new();
        for node in &nodes {
            let Some(src) = story.lineage(node.id).source else {
                continue;
            };
            let Some(from) = nodes.iter().find(|n| n.id == src) else {
                continue;
            };
            let (x1, y1) = (from.x + NODE_W, from.y + NODE_H / 2);
            let (x2, y2) = (node.x, node.y + NODE_H / 2);
            let bend = ((x2 - x1).abs() / 2).max(12);
            edges.push(GraphEdge {
                path: format!("M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}", x1 + bend, x2 - bend),
            });
        }
        let width = nodes.iter().map(|n| n.x + NODE_W + 4).max().unwrap_or(0);
        let height = nodes.iter().map(|n| n.y + NODE_H + 4).max().unwrap_or(0);
        ChainGraph {
            width,
            height,
            nodes,
            edges,
            more,
        }
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Every article of `article`'s story, itself included.
pub(crate) async fn story_ids(store: &dyn Store, article: &Article) -> Result<HashSet<ArticleId>> {
    Ok(story_of(store, article.clone()).await?.articles.into_keys().collect())
}

/// Builds the provenance of `article` from the store.
pub(crate) async fn provenance_of(store: &dyn Store, article: Article) -> Result<ProvenanceView> {
    let id = article.id;
    let cites = store
        .citations_of(id)
        .await?
        .into_iter()
        .map(|c| CiteItem {
            who: c.who,
            kind: c.kind,
            phrase: c.phrase,
        })
        .collect();
    let this = StoryArticle::of(&article);
    let story = story_of(store, article).await?;
    let lineage = story.lineage(id);
    let chain: Vec<StoryArticle> = story
        .chain(id)
        .iter()
        .filter_map(|i| story.articles.get(i))
        .map(StoryArticle::of)
        .collect();
    // The origin is in the story by construction; the article itself else.
    let origin = story.articles.get(&lineage.origin).map_or(this, StoryArticle::of);
    let mut others: Vec<&Article> = story.articles.values().filter(|a| a.id != id).collect();
    others.sort_by_key(|a| (a.published.unwrap_or(a.fetched_at), a.id));
    let copies = others
        .into_iter()
        .map(|a| {
            let direct: Vec<&ArticleRelation> = story
                .relations
                .iter()
                .filter(|r| (r.from == id && r.to == a.id) || (r.to == id && r.from == a.id))
                .collect();
            // A copying relation says more than an attribution; the
            // evidence is all of it.
            let main = direct.iter().max_by_key(|r| r.kind != "attributes");
            let evidence: Vec<&str> = direct.iter().map(|r| r.evidence.as_str()).collect();
            CopyItem {
                article: StoryArticle::of(a),
                relation: main.map_or("same_story".to_string(), |r| r.kind.clone()),
                score: main.map(|r| r.score),
                evidence: (!evidence.is_empty()).then(|| evidence.join("; ")),
            }
        })
        .collect();
    let changes = lineage.source.and_then(|src| {
        let (source, this) = (story.articles.get(&src)?, story.articles.get(&id)?);
        let d = diff(&source.text, &this.text);
        Some(Changes {
            source: src,
            kept: d.kept,
            added: d.added,
            removed: d.removed,
            edited: d
                .edited
                .into_iter()
                .map(|(before, after)| Edit { before, after })
                .collect(),
        })
    });
    let ids = story.articles.keys().copied().collect();
    let graph = ChainGraph::of(&story, id);
    Ok(ProvenanceView {
        origin,
        chain,
        copies,
        cites,
        changes,
        story: ids,
        graph,
    })
}
