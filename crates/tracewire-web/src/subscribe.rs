//! Subscribing a user to a feed by URL, for the web UI and both reader
//! APIs. The web process does not fetch: it stores the feed, due at once,
//! and a crawler reads it (finding the feed a page advertises, if the URL
//! is a page).

use tracewire_model::{Feed, UserId};
use tracewire_store::{NewFeed, StoreError};

use crate::AppState;

#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    #[error("{0:?} is not a URL: write it as https://example.com/feed.xml")]
    NotUrl(String),
    #[error("only http and https feeds can be read, not {0}:")]
    Scheme(String),
    #[error("cannot store the subscription: {0}")]
    Store(#[from] StoreError),
}

/// The one spelling of a feed URL a person typed: `https://` added when
/// there is no scheme, only http and https.
pub fn normalize_feed_url(raw: &str) -> Result<String, SubscribeError> {
    let raw = raw.trim();
    let candidate = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&candidate).map_err(|_| SubscribeError::NotUrl(raw.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(SubscribeError::Scheme(url.scheme().to_string()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(SubscribeError::NotUrl(raw.to_string()));
    }
    Ok(url.to_string())
}

/// Subscribes `user` to the feed at `raw` (stored first if the instance
/// does not have it yet), with `title` and `category` when given; a
/// subscription the user has is left as it is.
pub async fn subscribe_url(
    state: &AppState,
    user: UserId,
    raw: &str,
    title: Option<&str>,
    category: Option<i64>,
) -> Result<Feed, SubscribeError> {
    let url = normalize_feed_url(raw)?;
    let feed = match state.store.feed_by_url(&url).await? {
        Some(feed) => feed,
        None => {
            let new = NewFeed {
                url: url.clone(),
                title: None,
                site_url: None,
                interval_secs: state.config.feed_interval_secs,
            };
            match state.store.add_feed(new).await {
                Ok(feed) => feed,
                // Added by someone else meanwhile.
                Err(StoreError::DuplicateFeed(_)) => state
                    .store
                    .feed_by_url(&url)
                    .await?
                    .ok_or(SubscribeError::NotUrl(url.clone()))?,
                Err(e) => return Err(e.into()),
            }
        }
    };
    let subscribed = state.store.subscriptions(user).await?;
    if !subscribed.iter().any(|s| s.feed.id == feed.id) {
        state.store.subscribe(user, feed.id, title, category).await?;
    }
    Ok(feed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_urls_are_normalized() {
        assert_eq!(
            normalize_feed_url(" example.com/feed ").unwrap(),
            "https://example.com/feed"
        );
        assert_eq!(normalize_feed_url("HTTP://Example.com").unwrap(), "http://example.com/");
        assert!(matches!(
            normalize_feed_url("ftp://x/y"),
            Err(SubscribeError::Scheme(_))
        ));
        assert!(matches!(normalize_feed_url("http://"), Err(SubscribeError::NotUrl(_))));
    }
}
