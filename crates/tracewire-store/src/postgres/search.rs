//! What the search index reads from PostgreSQL (`tracewire-search` keeps
//! the index; this is its feed).

use tracewire_model::{ArticleId, ArticleSummary, IndexedArticle};

use super::PgStore;
use crate::Result;
use crate::rows::{HitRow, IndexRow, attach_names};

impl PgStore {
    async fn with_names(&self, mut articles: Vec<IndexedArticle>) -> Result<Vec<IndexedArticle>> {
        if !articles.is_empty() {
            let ids: Vec<ArticleId> = articles.iter().map(|a| a.id).collect();
            let (speakers, entities) = self.index_names(&ids).await?;
            attach_names(&mut articles, speakers, entities);
        }
        Ok(articles)
    }

    pub(super) async fn index_feed(&self, after: ArticleId, limit: i64) -> Result<Vec<IndexedArticle>> {
        let rows: Vec<IndexRow> = sqlx::query_as(concat!(
            "SELECT ",
            index_columns!(),
            " FROM articles WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after)
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        self.with_names(rows.into_iter().map(IndexedArticle::from).collect())
            .await
    }

    pub(super) async fn index_feed_by_ids(&self, ids: &[ArticleId]) -> Result<Vec<IndexedArticle>> {
        let rows: Vec<IndexRow> = sqlx::query_as(concat!(
            "SELECT ",
            index_columns!(),
            " FROM articles WHERE id = ANY($1) ORDER BY id"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        self.with_names(rows.into_iter().map(IndexedArticle::from).collect())
            .await
    }

    pub(super) async fn hits(&self, ids: &[ArticleId]) -> Result<Vec<(ArticleSummary, String)>> {
        let rows: Vec<HitRow> = sqlx::query_as(concat!(
            "SELECT ",
            summary_columns!(),
            ", substr(body_text, 1, 100000) AS text FROM articles WHERE id = ANY($1)"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(<(ArticleSummary, String)>::from).collect())
    }
}
