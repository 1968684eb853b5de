//! Provenance as articles arrive: fingerprint the new article, look up
//! stored articles sharing its keys, verify each on exact shingle sets and
//! store the relations found. The rules are `tracewire_provenance`'s; this
//! module only feeds them from the store.

use chrono::{DateTime, Utc};
use tracewire_model::{ArticleId, ArticleRelation, NewArticle};
use tracewire_provenance::{Doc, classify, site_of};
use tracewire_similar::fingerprint;
use tracewire_store::{Result, Store};

/// Candidates verified per new article, most shared keys first: copies of
/// one story are a handful; a story copied by hundreds of sites still finds
/// its origin among the first.
const MAX_CANDIDATES: i64 = 64;
/// A candidate shares a band, or this many containment anchors.
const MIN_ANCHORS: i64 = 2;

/// Provenance's view of a stored article; an undated one dates from its fetch.
#[allow(clippy::too_many_arguments)]
fn doc(
    id: ArticleId,
    url: &str,
    title: &str,
    text: &str,
    published: Option<DateTime<Utc>>,
    fetched_at: DateTime<Utc>,
    source_url: Option<&String>,
) -> Doc {
    Doc {
        id,
        url: url.to_string(),
        site: site_of(url),
        title: title.to_string(),
        text: text.to_string(),
        published: Some(published.unwrap_or(fetched_at).timestamp()),
        source_url: source_url.cloned(),
    }
}

/// Fingerprints a just-stored article and stores its relations to the
/// articles before it; returns them.
pub async fn relate_new_article(
    store: &dyn Store,
    id: ArticleId,
    article: &NewArticle,
) -> Result<Vec<ArticleRelation>> {
    let a = article;
    let new = doc(
        id,
        &a.url,
        &a.title,
        &a.text,
        a.published,
        a.fetched_at,
        a.source_url.as_ref(),
    );
    let shingles = fingerprint::shingles(&new.text);
    let keys = fingerprint::lookup_keys(&shingles);
    let candidates = store.fingerprint_candidates(&keys, MAX_CANDIDATES + 1).await?;
    store.put_fingerprint(id, fingerprint::SCHEME, &keys).await?;
    let mut relations = Vec::new();
    for c in candidates
        .into_iter()
        .filter(|c| c.article != id && (c.bands >= 1 || c.anchors >= MIN_ANCHORS))
    {
        let Some(other) = store.article(c.article).await? else {
            continue;
        };
        let o = other;
        let other = doc(
            o.id,
            &o.url,
            &o.title,
            &o.text,
            o.published,
            o.fetched_at,
            o.source_url.as_ref(),
        );
        let other_shingles = fingerprint::shingles(&other.text);
        // Earlier by publication time; the one stored first on a tie.
        let new_is_later = (other.published, other.id) <= (new.published, new.id);
        let (earlier, later, ov) = if new_is_later {
            (&other, &new, fingerprint::overlap(&other_shingles, &shingles))
        } else {
            (&new, &other, fingerprint::overlap(&shingles, &other_shingles))
        };
        if let Some((kind, score, evidence)) = classify(earlier, later, ov) {
            relations.push(ArticleRelation {
                from: earlier.id,
                to: later.id,
                kind: kind.as_str().to_string(),
                score,
                evidence,
            });
        }
    }
    store.put_relations(&relations).await?;
    Ok(relations)
}
