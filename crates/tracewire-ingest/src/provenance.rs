//! Provenance as articles arrive: learn the site's furniture from the new
//! article, fingerprint what is left, look up stored articles sharing its
//! keys, verify each on exact shingle sets, link it to the pages it names as
//! its source (and the stored pages that named it), and record the sources
//! its text cites. The rules are `tracewire_provenance`'s; this module only
//! feeds them from the store.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use tracewire_model::{ArticleId, ArticleRelation, Citation, NewArticle};
use tracewire_provenance::{
    Doc, Kind, Relation, attribution, citations, furniture, relation, site_of, url_key, worth_verifying,
};
use tracewire_similar::fingerprint;
use tracewire_store::{EdgeNeighbour, Result, Store};

/// Candidates verified per new article, most shared keys first: copies of
/// one story are a handful; a story copied by hundreds of sites still finds
/// its origin among the first.
const MAX_CANDIDATES: i64 = 64;

// The store tells band keys from anchors by the fingerprint's own bit.
const _: () = assert!(tracewire_store::BAND_KEY_BIT == fingerprint::BAND_KEY_BIT);

/// Provenance's view of an article; an undated one dates from its fetch.
fn doc(id: ArticleId, url: &str, text: &str, published: Option<DateTime<Utc>>, fetched_at: DateTime<Utc>) -> Doc {
    Doc {
        id,
        url: url.to_string(),
        site: site_of(url),
        title: String::new(),
        text: text.to_string(),
        published: Some(published.unwrap_or(fetched_at).timestamp()),
        source_url: None,
    }
}

/// What of one text is furniture, as the store knows it now: its site's
/// paragraph counts and the blocks shared across sites.
struct KnownFurniture {
    counts: HashMap<u64, i64>,
    shared: HashSet<u64>,
}

impl KnownFurniture {
    async fn of(store: &dyn Store, site: &str, keys: &[u64]) -> Result<KnownFurniture> {
        Ok(KnownFurniture {
            counts: store.paragraph_counts(site, keys).await?,
            shared: store.shared_furniture(keys).await?,
        })
    }

    fn contains(&self, key: u64) -> bool {
        self.shared.contains(&key)
            || self
                .counts
                .get(&key)
                .is_some_and(|&n| n >= i64::from(furniture::MIN_ARTICLES))
    }

    fn strip(&self, text: &str) -> String {
        furniture::strip_with(text, |k| self.contains(k))
    }
}

/// An article's text as fingerprints see it: furniture left out.
async fn own_text(store: &dyn Store, site: &str, text: &str) -> Result<String> {
    let known = KnownFurniture::of(store, site, &furniture::paragraph_keys(text)).await?;
    Ok(known.strip(text))
}

/// What learning from one article taught: the furniture its text has now,
/// and whether relations must be checked again because a block became
/// furniture (the articles that carried it before it was known may have
/// been related by it alone).
struct Learnt {
    known: KnownFurniture,
    /// A paragraph of the site's became its furniture.
    site_block: bool,
    /// Articles that carried a block now known as shared furniture.
    carried_shared: Vec<ArticleId>,
}

/// Learns furniture from a new article as `furniture::Furniture::learn`
/// does, with the counts and edge runs kept in the store.
async fn learn(store: &dyn Store, id: ArticleId, site: &str, text: &str) -> Result<Learnt> {
    let keys = furniture::paragraph_keys(text);
    let mut known = KnownFurniture::of(store, site, &keys).await?;
    let mut site_block = false;
    if furniture::counts_toward_furniture(keys.len(), known.counts.len()) {
        store.count_paragraphs(site, &keys).await?;
        for k in &keys {
            let n = known.counts.entry(*k).or_default();
            *n += 1;
            site_block |= *n == i64::from(furniture::MIN_ARTICLES);
        }
    }
    let runs = furniture::edge_runs(text, |k| known.contains(k));
    let ids: Vec<u64> = runs.iter().map(|r| r.run).collect();
    let mut seen = store.edge_neighbours(&ids).await?;
    let mut carried_shared = Vec::new();
    for r in runs {
        let beside = seen.entry(r.run).or_default();
        let mut contexts: Vec<furniture::Context> = beside
            .iter()
            .map(|n| furniture::Context(n.context.0, n.context.1))
            .collect();
        if furniture::is_shared_furniture(&contexts) || !contexts.iter().all(|c| c.differs(r.neighbour)) {
            continue;
        }
        let here = EdgeNeighbour {
            article: id,
            context: (r.neighbour.0, r.neighbour.1),
        };
        store.add_edge_neighbour(r.run, here).await?;
        beside.push(here);
        contexts.push(r.neighbour);
        if furniture::is_shared_furniture(&contexts) {
            store.add_shared_furniture(&r.keys).await?;
            known.shared.extend(&r.keys);
            carried_shared.extend(beside.iter().map(|n| n.article).filter(|&a| a != id));
        }
    }
    Ok(Learnt {
        known,
        site_block,
        carried_shared,
    })
}

/// Checks these relations again on the texts without the furniture known
/// now; one they no longer support is deleted (or its kind corrected).
async fn recheck(store: &dyn Store, mut relations: Vec<ArticleRelation>) -> Result<()> {
    relations.sort_by(|x, y| (x.from, x.to, &x.kind).cmp(&(y.from, y.to, &y.kind)));
    relations.dedup_by(|x, y| (x.from, x.to, &x.kind) == (y.from, y.to, &y.kind));
    for r in relations {
        if r.kind == Kind::Attributes.as_str() {
            continue;
        }
        let (Some(from), Some(to)) = (store.article(r.from).await?, store.article(r.to).await?) else {
            continue;
        };
        let (from_text, to_text) = (
            own_text(store, &from.site, &from.text).await?,
            own_text(store, &to.site, &to.text).await?,
        );
        let earlier = doc(from.id, &from.url, &from_text, from.published, from.fetched_at);
        let later = doc(to.id, &to.url, &to_text, to.published, to.fetched_at);
        let (e_sh, l_sh) = (fingerprint::shingles(&earlier.text), fingerprint::shingles(&later.text));
        let now = relation((&earlier, &e_sh), (&later, &l_sh), true);
        if now.as_ref().is_some_and(|n| n.kind.as_str() == r.kind) {
            continue;
        }
        tracing::debug!(from = r.from, to = r.to, kind = %r.kind, "relation dropped: it rested on furniture");
        store.delete_relation(r.from, r.to, &r.kind).await?;
        if let Some(n) = now {
            store.put_relations(&[stored(n)]).await?;
        }
    }
    Ok(())
}

fn stored(r: Relation) -> ArticleRelation {
    ArticleRelation {
        from: r.from,
        to: r.to,
        kind: r.kind.as_str().to_string(),
        score: r.score,
        evidence: r.evidence,
    }
}

/// The URL keys an article is known by, and the ones it names as its
/// source: its attribution lines, and a canonical URL on another site.
fn url_keys(a: &NewArticle) -> (Vec<String>, Vec<String>) {
    let mut own = vec![url_key(&a.url)];
    let mut named: Vec<String> = a
        .attributions
        .iter()
        .filter_map(|at| at.url.as_deref())
        .chain(a.source_url.as_deref())
        .map(url_key)
        .collect();
    if let Some(canonical) = a.canonical_url.as_deref() {
        if site_of(canonical) == a.site {
            own.push(url_key(canonical));
        } else {
            named.push(url_key(canonical));
        }
    }
    own.sort();
    own.dedup();
    named.sort();
    named.dedup();
    named.retain(|k| !own.contains(k));
    (own, named)
}

/// Fingerprints a just-stored article, stores its relations to the
/// articles before it and the sources its text cites, and puts it in its
/// story; returns the relations.
pub async fn relate_new_article(store: &dyn Store, id: ArticleId, a: &NewArticle) -> Result<Vec<ArticleRelation>> {
    let cites: Vec<Citation> = citations(&a.text)
        .into_iter()
        .map(|c| Citation {
            who: c.who,
            kind: c.kind.as_str().to_string(),
            phrase: c.phrase,
        })
        .collect();
    store.put_citations(id, &cites).await?;

    // Learn furniture from this article first, as the offline corpus does,
    // so a site's third post already drops a block seen in its first two.
    let learnt = learn(store, id, &a.site, &a.text).await?;
    let mut stale = Vec::new();
    if learnt.site_block {
        stale.extend(store.site_relations(&a.site).await?);
    }
    for carrier in &learnt.carried_shared {
        stale.extend(store.relations_of(*carrier).await?);
    }
    recheck(store, stale).await?;
    let new = doc(id, &a.url, &learnt.known.strip(&a.text), a.published, a.fetched_at);
    let shingles = fingerprint::shingles(&new.text);
    let keys = fingerprint::lookup_keys(&shingles);
    // Stored before the lookup: of two copies stored at once by concurrent
    // tasks, at least one then finds the other (looking up first, each
    // could miss the other). The lookup finds this article too: one more.
    store.put_fingerprint(id, fingerprint::SCHEME, &keys).await?;
    let candidates = store.fingerprint_candidates(&keys, MAX_CANDIDATES + 1).await?;
    let mut found: Vec<Relation> = Vec::new();
    for c in candidates
        .into_iter()
        .filter(|c| c.article != id && worth_verifying(c.bands, c.anchors))
    {
        let Some(o) = store.article(c.article).await? else {
            continue;
        };
        let text = own_text(store, &o.site, &o.text).await?;
        let other = doc(o.id, &o.url, &text, o.published, o.fetched_at);
        let other_shingles = fingerprint::shingles(&other.text);
        // Earlier by publication time; the one stored first on a tie.
        let other_first = (other.published, other.id) <= (new.published, new.id);
        found.extend(relation((&other, &other_shingles), (&new, &shingles), other_first));
    }

    // Attribution both ways: pages this one names, and stored pages that
    // named this one before it arrived (keys stored first, as above).
    let (own, named) = url_keys(a);
    store.put_url_keys(id, &own, &named).await?;
    for (_, source) in store.articles_by_url_key(&named, false).await? {
        if source != id
            && let Some(s) = store.article(source).await?
        {
            found.push(attribution(source, &s.url, id));
        }
    }
    for (_, copy) in store.articles_by_url_key(&own, true).await? {
        if copy != id {
            found.push(attribution(id, &a.url, copy));
        }
    }
    found.sort_by_key(|r| (r.from, r.to, r.kind.as_str()));
    found.dedup_by_key(|r| (r.from, r.to, r.kind.as_str()));

    let relations: Vec<ArticleRelation> = found.into_iter().map(stored).collect();
    store.put_relations(&relations).await?;
    crate::stories::assign_story(store, id, a).await?;
    // Last: until here a crash leaves the article to `relate_unfinished`.
    store.mark_related(id).await?;
    Ok(relations)
}

/// Unrelated articles taken up per crawl (a crash leaves at most a few per
/// feed being crawled; failures that recur do not hold up the crawl).
const MAX_UNFINISHED: i64 = 1000;

/// Relates the articles stored but never related: the store marks each
/// article with its insert and `relate_new_article` clears the mark last,
/// so a crawl killed between the two (or a relating that failed) leaves
/// the article here. Every step of relating replaces what it wrote before
/// or ignores a repeat, except the site's paragraph counts, which a crash
/// in the middle of relating may count twice. Returns how many were related.
/// Only articles stored before `stored_before` are taken: a younger one may
/// be in the hands of the worker that stored it.
pub async fn relate_unfinished(store: &dyn Store, stored_before: DateTime<Utc>) -> Result<usize> {
    let mut related = 0;
    for id in store.unrelated_articles(stored_before, MAX_UNFINISHED).await? {
        let Some(a) = store.article(id).await? else {
            continue;
        };
        let article = a.into_new(Default::default());
        match relate_new_article(store, id, &article).await {
            Ok(_) => related += 1,
            Err(e) => tracing::warn!(article = id, error = %e, "provenance still not computed for this article"),
        }
    }
    Ok(related)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tracewire_model::{Attribution, AttributionKind};

    /// A time after every article these tests store.
    fn later() -> DateTime<Utc> {
        Utc::now() + chrono::Duration::minutes(1)
    }

    fn article(url: &str, canonical: Option<&str>, source: Option<&str>) -> NewArticle {
        NewArticle {
            feed_id: 1,
            guid: url.to_string(),
            url: url.to_string(),
            site: site_of(url),
            canonical_url: canonical.map(str::to_string),
            title: String::new(),
            byline: None,
            published: None,
            site_name: None,
            language: None,
            source_url: source.map(str::to_string),
            attributions: source
                .map(|s| Attribution {
                    kind: AttributionKind::Source,
                    url: Some(s.to_string()),
                    text: format!("Source Article from {s}"),
                })
                .into_iter()
                .collect(),
            text: String::new(),
            html: String::new(),
            fetched_at: Utc::now(),
            annotations: Default::default(),
        }
    }

    /// Paragraphs of a story that no other shares: numbered words.
    fn story(n: usize) -> String {
        (0..6)
            .map(|p| (0..40).map(|w| format!("s{n}p{p}w{w}")).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A fresh embedded store with one feed (the temporary directory lives
    /// as long as the first value).
    async fn store_with_a_feed() -> (tempfile::TempDir, std::sync::Arc<dyn Store>, tracewire_model::Feed) {
        let dir = tempfile::tempdir().unwrap();
        let store = tracewire_store::open_embedded(dir.path()).await.unwrap();
        let feed = store
            .add_feed(tracewire_store::NewFeed {
                url: "https://feeds.example/x".into(),
                title: None,
                site_url: None,
                interval_secs: 60,
            })
            .await
            .unwrap();
        (dir, store, feed)
    }

    #[tokio::test]
    async fn attribution_links_either_order_and_furniture_links_nothing() {
        let (_dir, store, feed) = store_with_a_feed().await;
        let add = |mut a: NewArticle, text: String| {
            a.feed_id = feed.id;
            a.text = text;
            let store = store.clone();
            async move {
                let id = store.insert_article(&a).await.unwrap().unwrap();
                (id, relate_new_article(store.as_ref(), id, &a).await.unwrap())
            }
        };
        let kinds = |rels: &[ArticleRelation]| rels.iter().map(|r| (r.from, r.to, r.kind.clone())).collect::<Vec<_>>();
        // A brief crediting a page not yet stored, then that page: linked
        // when the source arrives. Their texts share nothing.
        let (brief, rels) = add(
            article(
                "https://digest.example/b",
                None,
                Some("https://origin.example/s?utm_source=rss"),
            ),
            story(1),
        )
        .await;
        assert!(rels.is_empty());
        let (origin, rels) = add(article("https://www.origin.example/s", None, None), story(2)).await;
        assert_eq!(kinds(&rels), vec![(origin, brief, "attributes".to_string())]);
        // A page whose canonical URL is the origin's: linked at once.
        let (syndicated, rels) = add(
            article("https://partner.example/p", Some("https://origin.example/s"), None),
            story(3),
        )
        .await;
        assert_eq!(kinds(&rels), vec![(origin, syndicated, "attributes".to_string())]);

        // A site appending one long disclaimer to unrelated briefs: its
        // posts are not copies of each other. The second post arrives when
        // the block has been seen twice and is related to the first by it;
        // the third teaches the block (as the site's, and as a block found
        // at the foot of three unrelated texts), and that relation is
        // dropped.
        let brief = |n| story(n).lines().next().unwrap_or_default().to_string();
        let disclaimer = "The views expressed in this article are the author's own and do not \
                          reflect the editorial policy of this site or its owners in any way. \
                          Subscribe to our free daily newsletter to get every story like this \
                          one delivered to your inbox before anyone else reads it.";
        let mut related = Vec::new();
        for n in 10..16 {
            let (_, rels) = add(
                article(&format!("https://blog.example/{n}"), None, None),
                format!("{}\n{disclaimer}", brief(n)),
            )
            .await;
            related.push(rels.len());
        }
        assert_eq!(related, vec![0, 1, 0, 0, 0, 0]);
        assert!(store.site_relations("blog.example").await.unwrap().is_empty());
        // A real copy on another site is still found (the same text once
        // the disclaimer is left out).
        let (copy, rels) = add(article("https://copier.example/c", None, None), brief(12)).await;
        assert!(rels.iter().any(|r| r.to == copy && r.kind == "duplicate"), "{rels:?}");
        // A wire notice that different sites put under unrelated briefs:
        // learnt as shared furniture at the third, after which the first
        // two are no longer related by it.
        let notice = "Copyright 2026 The Wire Service. All rights reserved. This material may \
                      not be published, broadcast, rewritten or redistributed in any form \
                      without the prior written permission of the copyright holder, and any \
                      quotation must credit the service by name.";
        let (mut related, mut ids) = (Vec::new(), Vec::new());
        for n in 20..25 {
            let (id, rels) = add(
                article(&format!("https://site{n}.example/story"), None, None),
                format!("{}\n{notice}", brief(n)),
            )
            .await;
            related.push(rels.len());
            ids.push(id);
        }
        assert_eq!(related, vec![0, 1, 0, 0, 0]);
        for id in ids {
            assert!(store.relations_of(id).await.unwrap().is_empty());
        }

        // Citations are stored with the article.
        let (cited, _) = add(
            article("https://wire.example/w", None, None),
            "Oil prices rose on Monday, according to a Reuters report on the market.".to_string(),
        )
        .await;
        let cites = store.citations_of(cited).await.unwrap();
        assert!(
            cites.iter().any(|c| c.who == "Reuters" && c.kind == "outlet"),
            "{cites:?}"
        );
    }

    #[tokio::test]
    async fn an_article_a_crash_left_unrelated_is_related_by_the_next_crawl() {
        let (_dir, store, feed) = store_with_a_feed().await;
        let text = format!(
            "{}\nOil prices rose on Monday, according to a Reuters report.",
            story(7)
        );
        let mut origin = article("https://origin.example/s", None, None);
        let mut copy = article("https://copier.example/c", None, None);
        for a in [&mut origin, &mut copy] {
            a.feed_id = feed.id;
            a.text = text.clone();
        }
        let first = store.insert_article(&origin).await.unwrap().unwrap();
        assert_eq!(store.unrelated_articles(later(), 10).await.unwrap(), vec![first]);
        relate_new_article(store.as_ref(), first, &origin).await.unwrap();
        assert!(store.unrelated_articles(later(), 10).await.unwrap().is_empty());
        // Stored, then the process dies before relating it.
        let second = store.insert_article(&copy).await.unwrap().unwrap();
        assert_eq!(store.unrelated_articles(later(), 10).await.unwrap(), vec![second]);

        assert_eq!(relate_unfinished(store.as_ref(), later()).await.unwrap(), 1);
        assert!(store.unrelated_articles(later(), 10).await.unwrap().is_empty());
        let rels = store.relations_of(second).await.unwrap();
        assert!(
            rels.iter()
                .any(|r| (r.from, r.to) == (first, second) && r.kind == "duplicate"),
            "{rels:?}"
        );
        assert!(!store.citations_of(second).await.unwrap().is_empty());
        assert_eq!(relate_unfinished(store.as_ref(), later()).await.unwrap(), 0);
    }

    #[test]
    fn a_canonical_url_elsewhere_names_a_source_and_one_at_home_is_own() {
        let a = article(
            "https://copy.example/story?utm_source=x",
            Some("https://www.origin.example/story/"),
            Some("https://mid.example/s"),
        );
        assert_eq!(
            url_keys(&a),
            (
                vec!["copy.example/story".to_string()],
                vec!["mid.example/s".to_string(), "origin.example/story".to_string()]
            )
        );
        let b = article("https://site.example/a?id=1", Some("https://site.example/a/"), None);
        assert_eq!(
            url_keys(&b),
            (
                vec!["site.example/a".to_string(), "site.example/a?id=1".to_string()],
                vec![]
            )
        );
    }
}
