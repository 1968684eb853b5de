//! What a crawling process counts, for `/metrics`: fetches by outcome and
//! their latency, articles stored, page jobs that failed. Each process
//! counts its own; Prometheus sums them across workers.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchLabels {
    /// "feed", "page" or "robots".
    pub kind: &'static str,
    /// "ok" or "error".
    pub outcome: &'static str,
}

/// Cheap to clone: the metrics are shared handles.
#[derive(Debug, Clone)]
pub struct CrawlMetrics {
    pub fetches: Family<FetchLabels, Counter>,
    pub fetch_seconds: Family<FetchLabels, Histogram>,
    pub articles_stored: Counter,
    pub page_jobs_failed: Counter,
}

/// Fetch latency buckets, in seconds: 10 ms to 30 s (the default time limit).
const LATENCY_BUCKETS: [f64; 12] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0];

impl Default for CrawlMetrics {
    fn default() -> Self {
        CrawlMetrics {
            fetches: Family::default(),
            fetch_seconds: Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS)),
            articles_stored: Counter::default(),
            page_jobs_failed: Counter::default(),
        }
    }
}

impl CrawlMetrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "tracewire_fetches",
            "HTTP fetches this process made, by kind and outcome",
            self.fetches.clone(),
        );
        registry.register(
            "tracewire_fetch_seconds",
            "Time from request to whole body, by kind and outcome (waiting for the host's turn excluded)",
            self.fetch_seconds.clone(),
        );
        registry.register(
            "tracewire_articles_stored",
            "Articles this process stored (rate() gives articles per second)",
            self.articles_stored.clone(),
        );
        registry.register(
            "tracewire_page_jobs_failed",
            "Page job attempts this process ended in failure (retried later or failed for good)",
            self.page_jobs_failed.clone(),
        );
    }

    pub(crate) fn fetched(&self, kind: &'static str, ok: bool, seconds: f64) {
        let labels = FetchLabels {
            kind,
            outcome: if ok { "ok" } else { "error" },
        };
        self.fetches.get_or_create(&labels).inc();
        self.fetch_seconds.get_or_create(&labels).observe(seconds);
    }
}
