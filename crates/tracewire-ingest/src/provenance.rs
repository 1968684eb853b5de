//! Provenance as articles arrive: fingerprint the new article, look up
//! stored articles sharing its keys, verify each on exact shingle sets and
//! store the relations found. The rules are `tracewire_provenance`'s; this
//! module only feeds them from the store.

use chrono::{DateTime, Utc};
use tracewire_model::{ArticleId, ArticleRelation, NewArticle};
use tracewire_provenance::{Doc, relation, site_of, worth_verifying};
use tracewire_similar::fingerprint;
use tracewire_store::{Result, Store};

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

/// Fingerprints a just-stored article and stores its relations to the
/// articles before it; returns them.
pub async fn relate_new_article(store: &dyn Store, id: ArticleId, a: &NewArticle) -> Result<Vec<ArticleRelation>> {
    let new = doc(id, &a.url, &a.text, a.published, a.fetched_at);
    let shingles = fingerprint::shingles(&new.text);
    let keys = fingerprint::lookup_keys(&shingles);
    let candidates = store.fingerprint_candidates(&keys, MAX_CANDIDATES + 1).await?;
    store.put_fingerprint(id, fingerprint::SCHEME, &keys).await?;
    let mut relations = Vec::new();
    for c in candidates
        .into_iter()
        .filter(|c| c.article != id && worth_verifying(c.bands, c.anchors))
    {
        let Some(o) = store.article(c.article).await? else {
            continue;
        };
        let other = doc(o.id, &o.url, &o.text, o.published, o.fetched_at);
        let other_shingles = fingerprint::shingles(&other.text);
        // Earlier by publication time; the one stored first on a tie.
        let other_first = (other.published, other.id) <= (new.published, new.id);
        if let Some(r) = relation((&other, &other_shingles), (&new, &shingles), other_first) {
            relations.push(ArticleRelation {
                from: r.from,
                to: r.to,
                kind: r.kind.as_str().to_string(),
                score: r.score,
                evidence: r.evidence,
            });
        }
    }
    store.put_relations(&relations).await?;
    Ok(relations)
}
