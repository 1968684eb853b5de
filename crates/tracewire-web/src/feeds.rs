//! Output feeds of the aggregated stream: Atom 1.0, RSS 2.0 and JSON Feed 1.1.
//! Each item links to our copy and credits its source: the earliest source
//! its attribution lines name, else the page it was read from.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use tracewire_model::{Article, Feed};

use crate::{AppState, base_url, host_of};

const FEED_ITEMS: i64 = 50;

/// One item, prepared once for all three formats.
struct Item {
    id: String,
    link: String,
    title: String,
    published: DateTime<Utc>,
    author: Option<String>,
    /// Sanitized body followed by the source credit.
    content_html: String,
    credit_url: String,
    credit_name: String,
    /// The feed it came from, for RSS `<source>`.
    origin_feed: Option<(String, String)>,
}

async fn items(state: &AppState, headers: &HeaderMap) -> Result<(String, Vec<Item>), Response> {
    let base = base_url(&state.config, headers);
    let fail = |e: tracewire_store::StoreError| {
        tracing::error!(error = %e, "storage failed while building an output feed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal storage error; see the server log",
        )
            .into_response()
    };
    let articles = state.store.recent_articles(FEED_ITEMS).await.map_err(fail)?;
    let feeds: HashMap<i64, Feed> = state
        .store
        .feeds()
        .await
        .map_err(fail)?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let items = articles.into_iter().map(|a| item(&base, a, &feeds)).collect();
    Ok((base, items))
}

fn item(base: &str, a: Article, feeds: &HashMap<i64, Feed>) -> Item {
    let (credit_url, credit_name) = match &a.source_url {
        Some(src) => (src.clone(), host_of(src).unwrap_or_else(|| src.clone())),
        None => (a.url.clone(), a.site_name.clone().unwrap_or_else(|| a.site.clone())),
    };
    let credit = format!(
        "<p>Source: {name} <a href=\"{url}\">{url}</a></p>",
        name = escape(&credit_name),
        url = escape(&credit_url)
    );
    let content_html = format!(
        "{}\n{}",
        tracewire_extract::sanitize_html(&a.html),
        tracewire_extract::sanitize_html(&credit)
    );
    let link = format!("{base}/articles/{}", a.id);
    Item {
        id: link.clone(),
        title: a.title,
        published: a.published.unwrap_or(a.fetched_at),
        author: a.byline.or(a.site_name),
        content_html,
        credit_url,
        credit_name,
        origin_feed: feeds
            .get(&a.feed_id)
            .map(|f| (f.url.clone(), f.title.clone().unwrap_or_else(|| f.url.clone()))),
        link,
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn respond(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

pub(crate) async fn atom(State(state): State<AppState>, headers: HeaderMap) -> Response {
    use atom_syndication as a;
    let (base, items) = match items(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let updated = items.iter().map(|i| i.published).max().unwrap_or_else(Utc::now);
    let entries: Vec<a::Entry> = items
        .into_iter()
        .map(|i| a::Entry {
            title: a::Text::plain(i.title),
            id: i.id,
            updated: i.published.fixed_offset(),
            published: Some(i.published.fixed_offset()),
            authors: i
                .author
                .map(|name| a::Person {
                    name,
                    ..Default::default()
                })
                .into_iter()
                .collect(),
            links: vec![
                a::Link {
                    href: i.link,
                    rel: "alternate".to_string(),
                    mime_type: Some("text/html".to_string()),
                    ..Default::default()
                },
                a::Link {
                    href: i.credit_url,
                    rel: "via".to_string(),
                    title: Some(i.credit_name),
                    ..Default::default()
                },
            ],
            content: Some(a::Content {
                value: Some(i.content_html),
                content_type: Some("html".to_string()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let feed = a::Feed {
        title: a::Text::plain(state.config.site_title.clone()),
        id: format!("{base}/"),
        updated: updated.fixed_offset(),
        links: vec![
            a::Link {
                href: format!("{base}/"),
                rel: "alternate".to_string(),
                ..Default::default()
            },
            a::Link {
                href: format!("{base}/feed.atom"),
                rel: "self".to_string(),
                ..Default::default()
            },
        ],
        generator: Some(a::Generator {
            value: "Tracewire".to_string(),
            ..Default::default()
        }),
        entries,
        ..Default::default()
    };
    respond("application/atom+xml; charset=utf-8", feed.to_string())
}

pub(crate) async fn rss(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (base, items) = match items(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rss_items: Vec<rss::Item> = items
        .into_iter()
        .map(|i| rss::Item {
            title: Some(i.title),
            link: Some(i.link),
            guid: Some(rss::Guid {
                value: i.id,
                permalink: true,
            }),
            pub_date: Some(i.published.to_rfc2822()),
            author: None,
            dublin_core_ext: i.author.map(|name| rss::extension::dublincore::DublinCoreExtension {
                creators: vec![name],
                ..Default::default()
            }),
            description: Some(i.content_html),
            source: i.origin_feed.map(|(url, title)| rss::Source {
                url,
                title: Some(title),
            }),
            ..Default::default()
        })
        .collect();
    let channel = rss::Channel {
        title: state.config.site_title.clone(),
        link: format!("{base}/"),
        description: "Articles aggregated by Tracewire, each crediting its source".to_string(),
        generator: Some("Tracewire".to_string()),
        items: rss_items,
        namespaces: [("dc".to_string(), rss::extension::dublincore::NAMESPACE.to_string())]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    respond("application/rss+xml; charset=utf-8", channel.to_string())
}

#[derive(Serialize)]
struct JsonFeed {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    items: Vec<JsonItem>,
}

#[derive(Serialize)]
struct JsonItem {
    id: String,
    url: String,
    /// The source the item credits (JSON Feed's "external_url").
    external_url: String,
    title: String,
    content_html: String,
    date_published: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor>,
    #[serde(rename = "_tracewire")]
    extension: JsonExtension,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
}

/// Our JSON Feed extension (names starting with "_" are extensions by the spec).
#[derive(Serialize)]
struct JsonExtension {
    source_url: String,
    source_name: String,
}

pub(crate) async fn json_feed(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (base, items) = match items(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: state.config.site_title.clone(),
        home_page_url: format!("{base}/"),
        feed_url: format!("{base}/feed.json"),
        items: items
            .into_iter()
            .map(|i| JsonItem {
                id: i.id,
                url: i.link,
                external_url: i.credit_url.clone(),
                title: i.title,
                content_html: i.content_html,
                date_published: i.published.to_rfc3339_opts(SecondsFormat::Secs, true),
                authors: i.author.map(|name| JsonAuthor { name }).into_iter().collect(),
                extension: JsonExtension {
                    source_url: i.credit_url,
                    source_name: i.credit_name,
                },
            })
            .collect(),
    };
    match serde_json::to_string_pretty(&feed) {
        Ok(body) => respond("application/feed+json; charset=utf-8", body),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot encode the feed: {e}"),
        )
            .into_response(),
    }
}
