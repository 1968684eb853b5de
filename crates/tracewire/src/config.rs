//! The one configuration struct: defaults from `config.example.toml`, then a
//! TOML file, then command-line flags and `TRACEWIRE_*` variables.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Deserialize;
use tracewire_ingest::{CrawlConfig, FetchConfig};
use tracewire_web::WebConfig;

/// The commented example, which is also the source of the defaults.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub fetch: FetchSection,
    pub crawl: CrawlSection,
    pub web: WebSection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchSection {
    pub timeout_secs: u64,
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    pub allow_private_networks: bool,
    pub allowed_private_addresses: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrawlSection {
    pub interval_secs: u64,
    pub max_backoff_secs: u64,
    pub feed_concurrency: usize,
    pub page_concurrency: usize,
    pub per_host_concurrency: usize,
    pub per_host_interval_ms: u64,
    pub respect_robots_txt: bool,
    pub websub: bool,
    pub fetch_pages: bool,
    pub max_new_entries: usize,
    pub tick_secs: u64,
    pub lease_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSection {
    pub public_url: String,
    pub site_title: String,
    pub home: tracewire_web::Home,
    pub public: bool,
    pub trust_proxy: bool,
}

impl Config {
    /// Defaults overlaid with the file at `path`.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let mut merged: toml::Table =
            toml::from_str(EXAMPLE).context("the built-in configuration does not parse (a bug)")?;
        if let Some(path) = path {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
            let overlay: toml::Table =
                toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
            for (section, values) in overlay {
                match (merged.get_mut(&section), values) {
                    (Some(toml::Value::Table(into)), toml::Value::Table(from)) => into.extend(from),
                    (_, _) => anyhow::bail!(
                        "{}: unknown section [{section}]; the sections are [fetch], [crawl] and [web]",
                        path.display()
                    ),
                }
            }
        }
        let what = path.map_or("the configuration".to_string(), |p| p.display().to_string());
        toml::Value::Table(merged)
            .try_into()
            .with_context(|| format!("{what}: a setting has the wrong name or type (see `tracewire config`)"))
    }

    pub fn fetch_config(&self) -> FetchConfig {
        FetchConfig {
            timeout: Duration::from_secs(self.fetch.timeout_secs.max(1)),
            max_body_bytes: self.fetch.max_body_bytes,
            max_redirects: self.fetch.max_redirects,
            allow_private_networks: self.fetch.allow_private_networks,
            allowed_private_addresses: self.fetch.allowed_private_addresses.clone(),
            ..FetchConfig::default()
        }
    }

    pub fn crawl_config(&self) -> CrawlConfig {
        CrawlConfig {
            default_interval: Duration::from_secs(self.crawl.interval_secs.max(60)),
            max_backoff: Duration::from_secs(self.crawl.max_backoff_secs.max(60)),
            feed_concurrency: self.crawl.feed_concurrency.max(1),
            page_concurrency: self.crawl.page_concurrency.max(1),
            per_host_concurrency: self.crawl.per_host_concurrency.max(1),
            per_host_interval: Duration::from_millis(self.crawl.per_host_interval_ms),
            respect_robots_txt: self.crawl.respect_robots_txt,
            max_new_entries: self.crawl.max_new_entries.max(1),
            websub_base: Some(self.web.public_url.trim().trim_end_matches('/').to_string())
                .filter(|u| self.crawl.websub && !u.is_empty()),
            fetch_pages: self.crawl.fetch_pages,
            tick: Duration::from_secs(self.crawl.tick_secs.max(1)),
            lease: Duration::from_secs(self.crawl.lease_secs.max(5)),
            ..CrawlConfig::default()
        }
    }

    pub fn web_config(&self) -> WebConfig {
        WebConfig {
            public_url: Some(self.web.public_url.trim().to_string()).filter(|u| !u.is_empty()),
            site_title: self.web.site_title.clone(),
            home: self.web.home,
            public: self.web.public,
            trust_proxy: self.web.trust_proxy,
            feed_interval_secs: i64::try_from(self.crawl.interval_secs).unwrap_or(i64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_parse_and_overlay_works() {
        let d = Config::load(None).unwrap();
        assert_eq!(d.fetch.timeout_secs, 30);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[fetch]\ntimeout_secs = 5\n[web]\nsite_title = \"Mine\"\n").unwrap();
        let c = Config::load(Some(&path)).unwrap();
        assert_eq!(c.fetch.timeout_secs, 5);
        assert_eq!(c.fetch.max_redirects, 5);
        assert_eq!(c.web.site_title, "Mine");
        std::fs::write(&path, "[fetch]\ntimeout = 5\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&path)).unwrap_err());
        assert!(err.contains("timeout"), "{err}");
    }
}
