//! Operations endpoints: `/healthz` (the process is up and reaches its
//! database) and `/metrics` (Prometheus text format: the shared work queue
//! as the database sees it, and what this process's crawler counted).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::AppState;

pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ok\n".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the database does not answer: {e}\n"),
            )
                .into_response()
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let stats = match state.store.queue_stats(chrono::Utc::now()).await {
        Ok(stats) => stats,
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the work queue");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot read the work queue: {e}\n"),
            )
                .into_response();
        }
    };
    let mut registry = Registry::default();
    let gauge = |value: i64| {
        let g = Gauge::<i64>::default();
        g.set(value);
        g
    };
    registry.register(
        "tracewire_feeds_due",
        "Feeds whose next fetch has come, not claimed by a worker",
        gauge(stats.feeds_due),
    );
    registry.register(
        "tracewire_feeds_claimed",
        "Feeds a worker is fetching (a live claim)",
        gauge(stats.feeds_claimed),
    );
    let jobs = Family::<StateLabel, Gauge<i64>>::default();
    for (label, value) in [
        ("queued", stats.pages_queued),
        ("claimed", stats.pages_claimed),
        ("failed", stats.pages_failed),
    ] {
        jobs.get_or_create(&StateLabel { state: label }).set(value);
    }
    registry.register(
        "tracewire_page_jobs",
        "Page jobs by state: queued (now or for a retry), claimed by a worker, failed for good",
        jobs,
    );
    registry.register(
        "tracewire_host_slots",
        "Requests in flight across all workers (host slots held)",
        gauge(stats.host_slots),
    );
    if let Some(register) = &state.crawl_metrics {
        register(&mut registry);
    }
    let mut text = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &registry) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot encode the metrics: {e}\n"),
        )
            .into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
