//! For this crate's tests: the real server on 127.0.0.1 over a SQLite store
//! in a temporary directory, with accounts, feeds and articles put straight
//! into the store.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{Duration, Utc};
use tracewire_model::{FeedId, NewArticle, User};
use tracewire_store::{NewFeed, NewUser, Store};

use crate::{AppState, WebConfig, auth};

pub(crate) struct TestServer {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    pub store: Arc<dyn Store>,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(WebConfig::default()).await
    }

    pub async fn start_with(config: WebConfig) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = tracewire_store::open_embedded(dir.path()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(store.clone(), config);
        tokio::spawn(crate::serve(listener, state, std::future::pending()));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestServer {
            base,
            store,
            client,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An account with this password (its Fever key too).
    pub async fn user(&self, name: &str, password: &str, is_admin: bool) -> User {
        let new = NewUser {
            name: name.to_string(),
            password_hash: auth::hash_password(password).unwrap(),
            fever_key: Some(auth::fever_key(name, password)),
            is_admin,
        };
        self.store.add_user(&new).await.unwrap().unwrap()
    }

    /// A feed with `n` articles, stored a minute apart (the last newest);
    /// returns the feed and the articles' ids, oldest first.
    pub async fn feed_with_articles(&self, url: &str, title: &str, n: usize) -> (FeedId, Vec<i64>) {
        let feed = self
            .store
            .add_feed(NewFeed {
                url: url.to_string(),
                title: Some(title.to_string()),
                site_url: Some(url.trim_end_matches("/feed").to_string()),
                interval_secs: 1800,
            })
            .await
            .unwrap();
        let mut ids = Vec::new();
        for i in 0..n {
            let at = Utc::now() - Duration::minutes((n - i) as i64);
            let article = NewArticle {
                feed_id: feed.id,
                guid: format!("{url}#{i}"),
                url: format!("{}/story-{i}", url.trim_end_matches("/feed")),
                site: url::Url::parse(url).unwrap().host_str().unwrap().to_string(),
                canonical_url: None,
                title: format!("{title} story {i}"),
                byline: Some("A. Writer".to_string()),
                published: Some(at),
                site_name: Some(title.to_string()),
                language: Some("en".to_string()),
                source_url: None,
                attributions: Vec::new(),
                text: format!("Text of story {i} of {title}."),
                html: format!("<p>Text of story {i} of {title}.</p>"),
                fetched_at: at,
                annotations: Default::default(),
            };
            ids.push(self.store.insert_article(&article).await.unwrap().unwrap());
        }
        (feed.id, ids)
    }
}
