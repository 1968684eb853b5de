//! Quotes and named entities on SQLite (migration 0011).

use sqlx::SqliteConnection;
use tracewire_model::{
    Annotations, ArticleEntity, ArticleId, ArticleQuote, ArticleSummary, EntitySummary, QuoteInArticle,
};

use super::{SqliteStore, WRITE, json_list};
use crate::Result;
use crate::rows::{QuoteInArticleRow, QuoteRow, SummaryRow};

fn at(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Replaces an article's annotations, in the caller's transaction.
pub(super) async fn write_annotations(conn: &mut SqliteConnection, article: ArticleId, a: &Annotations) -> Result<()> {
    sqlx::query("DELETE FROM quotes WHERE article_id = ?")
        .bind(article)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM article_entities WHERE article_id = ?")
        .bind(article)
        .execute(&mut *conn)
        .await?;
    for (position, q) in (0_i64..).zip(&a.quotes) {
        sqlx::query(
            "INSERT INTO quotes (article_id, position, kind, content_start, content_end, content, speaker_start, \
             speaker_end, speaker, speaker_name, cue_start, cue_end, cue) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(article)
        .bind(position)
        .bind(&q.kind)
        .bind(at(q.content.start))
        .bind(at(q.content.end))
        .bind(&q.content.text)
        .bind(q.speaker.as_ref().map(|s| at(s.start)))
        .bind(q.speaker.as_ref().map(|s| at(s.end)))
        .bind(q.speaker.as_ref().map(|s| s.text.as_str()))
        .bind(&q.speaker_name)
        .bind(q.cue.as_ref().map(|s| at(s.start)))
        .bind(q.cue.as_ref().map(|s| at(s.end)))
        .bind(q.cue.as_ref().map(|s| s.text.as_str()))
        .execute(&mut *conn)
        .await?;
    }
    for e in a.entity_counts() {
        sqlx::query("INSERT INTO article_entities (article_id, name, kind, mentions, first_at) VALUES (?, ?, ?, ?, ?)")
            .bind(article)
            .bind(&e.name)
            .bind(&e.kind)
            .bind(e.mentions)
            .bind(e.first)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl SqliteStore {
    pub(super) async fn annotations_put(&self, article: ArticleId, a: &Annotations) -> Result<()> {
        let mut tx = self.pool.begin_with(WRITE).await?;
        let exists: Option<(i64,)> = sqlx::query_as("SELECT id FROM articles WHERE id = ?")
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
            " FROM quotes q WHERE q.article_id = ? ORDER BY q.position"
        ))
        .bind(article)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleQuote::from).collect())
    }

    pub(super) async fn article_entities(&self, article: ArticleId) -> Result<Vec<ArticleEntity>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT name, kind, mentions, first_at FROM article_entities WHERE article_id = ? \
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
        Ok(sqlx::query_as(
            "SELECT article_id, name, kind FROM article_entities WHERE article_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(json_list(articles))
        .fetch_all(&self.pool)
        .await?)
    }

    pub(super) async fn entity_days(&self, name: &str, days: i64) -> Result<Vec<(String, i64)>> {
        let mut rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT strftime('%Y-%m-%d', COALESCE(a.published, a.fetched_at), 'unixepoch') AS day, COUNT(DISTINCT e.article_id) FROM article_entities e \
             JOIN articles a ON a.id = e.article_id WHERE e.name = ?1 GROUP BY day ORDER BY day DESC LIMIT ?2",
        )
        .bind(name)
        .bind(days.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.reverse();
        Ok(rows)
    }

    pub(super) async fn entity_article_list(&self, name: &str, limit: i64, offset: i64) -> Result<Vec<ArticleSummary>> {
        let rows: Vec<SummaryRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM articles WHERE id IN (SELECT article_id FROM article_entities WHERE name = ?1) \
             ORDER BY COALESCE(published, fetched_at) DESC, id DESC LIMIT ?2 OFFSET ?3"
        ))
        .bind(name)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleSummary::from).collect())
    }

    pub(super) async fn speaker_quotes(&self, name: &str, limit: i64) -> Result<Vec<QuoteInArticle>> {
        let rows: Vec<QuoteInArticleRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            ", ",
            quote_columns!(),
            " FROM quotes q JOIN articles ON articles.id = q.article_id WHERE q.speaker_name = ?1 \
             ORDER BY COALESCE(published, fetched_at) DESC, articles.id DESC, q.position LIMIT ?2"
        ))
        .bind(name)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(QuoteInArticle::from).collect())
    }

    pub(super) async fn entity_list(&self, kind: Option<&str>, limit: i64) -> Result<Vec<EntitySummary>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT name, kind, COUNT(*) AS n FROM article_entities WHERE ?1 IS NULL OR kind = ?1 \
             GROUP BY name, kind ORDER BY n DESC, name LIMIT ?2",
        )
        .bind(kind)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(name, kind, articles)| EntitySummary { name, kind, articles })
            .collect())
    }

    /// Speakers and entity names of these articles, for the search index.
    pub(super) async fn index_names(&self, ids: &[ArticleId]) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>)> {
        let list = json_list(ids);
        let speakers: Vec<(i64, String)> = sqlx::query_as(
            "SELECT DISTINCT article_id, speaker_name FROM quotes \
             WHERE article_id IN (SELECT value FROM json_each(?1)) AND speaker_name IS NOT NULL",
        )
        .bind(&list)
        .fetch_all(&self.pool)
        .await?;
        let entities: Vec<(i64, String)> = sqlx::query_as(
            "SELECT article_id, name FROM article_entities WHERE article_id IN (SELECT value FROM json_each(?1))",
        )
        .bind(&list)
        .fetch_all(&self.pool)
        .await?;
        Ok((speakers, entities))
    }
}
