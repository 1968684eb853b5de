//! Quotes and named entities on PostgreSQL (migration 0005): each
//! article's rows go in as one statement per table (UNNEST of arrays), not
//! a round trip per row.

use sqlx::PgConnection;
use tracewire_model::{
    Annotations, ArticleEntity, ArticleId, ArticleQuote, ArticleSummary, EntitySummary, QuoteInArticle,
};

use super::{PgStore, limit, offset};
use crate::Result;
use crate::rows::{QuoteInArticleRow, QuoteRow, SummaryRow};

fn at(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Replaces an article's annotations, in the caller's transaction.
pub(super) async fn write_annotations(conn: &mut PgConnection, article: ArticleId, a: &Annotations) -> Result<()> {
    sqlx::query("DELETE FROM quotes WHERE article_id = $1")
        .bind(article)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM article_entities WHERE article_id = $1")
        .bind(article)
        .execute(&mut *conn)
        .await?;
    if !a.quotes.is_empty() {
        let q = &a.quotes;
        let span_start = |f: fn(&ArticleQuote) -> Option<&tracewire_model::TextSpan>| -> Vec<Option<i64>> {
            q.iter().map(|x| f(x).map(|s| at(s.start))).collect()
        };
        let span_end = |f: fn(&ArticleQuote) -> Option<&tracewire_model::TextSpan>| -> Vec<Option<i64>> {
            q.iter().map(|x| f(x).map(|s| at(s.end))).collect()
        };
        let span_text = |f: fn(&ArticleQuote) -> Option<&tracewire_model::TextSpan>| -> Vec<Option<String>> {
            q.iter().map(|x| f(x).map(|s| s.text.clone())).collect()
        };
        fn speaker(x: &ArticleQuote) -> Option<&tracewire_model::TextSpan> {
            x.speaker.as_ref()
        }
        fn cue(x: &ArticleQuote) -> Option<&tracewire_model::TextSpan> {
            x.cue.as_ref()
        }
        sqlx::query(
            "INSERT INTO quotes (article_id, position, kind, content_start, content_end, content, speaker_start, \
             speaker_end, speaker, speaker_name, cue_start, cue_end, cue) \
             SELECT $1, position - 1, kind, content_start, content_end, content, speaker_start, speaker_end, \
             speaker, speaker_name, cue_start, cue_end, cue \
             FROM UNNEST($2::TEXT[], $3::BIGINT[], $4::BIGINT[], $5::TEXT[], $6::BIGINT[], $7::BIGINT[], $8::TEXT[], \
             $9::TEXT[], $10::BIGINT[], $11::BIGINT[], $12::TEXT[]) WITH ORDINALITY \
             AS q (kind, content_start, content_end, content, speaker_start, speaker_end, speaker, speaker_name, \
             cue_start, cue_end, cue, position)",
        )
        .bind(article)
        .bind(q.iter().map(|x| x.kind.clone()).collect::<Vec<_>>())
        .bind(q.iter().map(|x| at(x.content.start)).collect::<Vec<_>>())
        .bind(q.iter().map(|x| at(x.content.end)).collect::<Vec<_>>())
        .bind(q.iter().map(|x| x.content.text.clone()).collect::<Vec<_>>())
        .bind(span_start(speaker))
        .bind(span_end(speaker))
        .bind(span_text(speaker))
        .bind(q.iter().map(|x| x.speaker_name.clone()).collect::<Vec<_>>())
        .bind(span_start(cue))
        .bind(span_end(cue))
        .bind(span_text(cue))
        .execute(&mut *conn)
        .await?;
    }
    let entities = a.entity_counts();
    if !entities.is_empty() {
        sqlx::query(
            "INSERT INTO article_entities (article_id, name, kind, mentions, first_at) \
             SELECT $1, name, kind, mentions, first_at FROM UNNEST($2::TEXT[], $3::TEXT[], $4::BIGINT[], $5::BIGINT[]) \
             AS e (name, kind, mentions, first_at)",
        )
        .bind(article)
        .bind(entities.iter().map(|e| e.name.clone()).collect::<Vec<_>>())
        .bind(entities.iter().map(|e| e.kind.clone()).collect::<Vec<_>>())
        .bind(entities.iter().map(|e| e.mentions).collect::<Vec<_>>())
        .bind(entities.iter().map(|e| e.first).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl PgStore {
    pub(super) async fn annotations_put(&self, article: ArticleId, a: &Annotations) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // The article's row is locked so a concurrent delete waits.
        let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM articles WHERE id = $1 FOR KEY SHARE")
            .bind(article)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            write_annotations(&mut tx, article, a).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn article_quotes(&self, article: ArticleId) -> Result<Vec<ArticleQuote>> {
        let rows: Vec<QuoteRow> = sqlx::query_as(concat!(
            "SELECT ",
            quote_columns!(),
            " FROM quotes q WHERE q.article_id = $1 ORDER BY q.position"
        ))
        .bind(article)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleQuote::from).collect())
    }

    pub(super) async fn article_entities(&self, article: ArticleId) -> Result<Vec<ArticleEntity>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT name, kind, mentions, first_at FROM article_entities WHERE article_id = $1 \
             ORDER BY mentions DESC, first_at",
        )
        .bind(article)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(name, kind, mentions, first)| ArticleEntity {
                name,
                kind,
                mentions,
                first,
            })
            .collect())
    }

    pub(super) async fn entities_of_many(&self, articles: &[ArticleId]) -> Result<Vec<(ArticleId, String, String)>> {
        Ok(
            sqlx::query_as("SELECT article_id, name, kind FROM article_entities WHERE article_id = ANY($1)")
                .bind(articles)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub(super) async fn entity_days(&self, name: &str, days: i64) -> Result<Vec<(String, i64)>> {
        let mut rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT to_char(to_timestamp(COALESCE(a.published, a.fetched_at)) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, COUNT(DISTINCT e.article_id) FROM article_entities e \
             JOIN articles a ON a.id = e.article_id WHERE e.name = $1 GROUP BY day ORDER BY day DESC LIMIT $2",
        )
        .bind(name)
        .bind(days.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.reverse();
        Ok(rows)
    }

    pub(super) async fn entity_article_list(&self, name: &str, n: i64, skip: i64) -> Result<Vec<ArticleSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM articles WHERE id IN (SELECT article_id FROM article_entities WHERE name = $1) \
             ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(name)
        .bind(limit(n))
        .bind(offset(skip))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleSummary::from).collect())
    }

    pub(super) async fn speaker_quotes(&self, name: &str, n: i64) -> Result<Vec<QuoteInArticle>> {
        let rows: Vec<QuoteInArticleRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            ", ",
            quote_columns!(),
            " FROM quotes q JOIN articles ON articles.id = q.article_id WHERE q.speaker_name = $1 \
             ORDER BY COALESCE(published, fetched_at) DESC, articles.id DESC, q.position LIMIT $2"
        ))
        .bind(name)
        .bind(limit(n))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(QuoteInArticle::from).collect())
    }

    pub(super) async fn entity_list(&self, kind: Option<&str>, n: i64) -> Result<Vec<EntitySummary>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT name, kind, COUNT(*) AS n FROM article_entities WHERE $1::TEXT IS NULL OR kind = $1 \
             GROUP BY name, kind ORDER BY n DESC, name LIMIT $2",
        )
        .bind(kind)
        .bind(limit(n))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(name, kind, articles)| EntitySummary { name, kind, articles })
            .collect())
    }

    /// Speakers and entity names of these articles, for the search index.
    pub(super) async fn index_names(&self, ids: &[ArticleId]) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>)> {
        let speakers: Vec<(i64, String)> = sqlx::query_as(
            "SELECT DISTINCT article_id, speaker_name FROM quotes \
             WHERE article_id = ANY($1) AND speaker_name IS NOT NULL",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        let entities: Vec<(i64, String)> =
            sqlx::query_as("SELECT article_id, name FROM article_entities WHERE article_id = ANY($1)")
                .bind(ids)
                .fetch_all(&self.pool)
                .await?;
        Ok((speakers, entities))
    }
}
