//! Getting news in: the guarded HTTP fetcher, feed parsing and discovery,
//! OPML, and the crawler that ties fetch → parse → extract → store.
//!
//! Only this crate talks to the network. Every request goes through
//! [`fetch::Fetcher`], which bounds time, size and redirects and refuses
//! private addresses unless configured to allow them.

pub mod annotate;
mod atom03;
mod atom_text;
pub mod check;
pub mod conformance;
pub mod crawl;
pub mod extras;
pub mod feed;
pub mod fetch;
pub mod metrics;
pub mod opml_io;
pub mod provenance;
pub mod robots;
pub mod sources;
pub mod stories;
pub mod websub;
pub mod xml_encoding;

pub use crawl::{CrawlConfig, CrawlEvent, CrawlReport, Crawler, FeedReport};
pub use feed::{FeedEntry, ParsedFeed, Served, parse_feed, parse_feed_served};
pub use fetch::{FetchConfig, FetchError, FetchedPage, Fetcher, Validators};
pub use metrics::CrawlMetrics;
