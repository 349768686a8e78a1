//! `/healthz` and `/metrics` (Prometheus text format).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::ServerState;

/// Counters exported at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class, 1xx to 5xx (index = first digit − 1).
    responses: [AtomicU64; 5],
    /// Requests accepted through Open311 POST.
    pub posts_accepted: AtomicU64,
    /// Open311 POSTs refused (any 4xx).
    pub posts_rejected: AtomicU64,
}

impl Metrics {
    fn count(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
    }
}

/// Middleware counting responses by class and logging internal errors, once, with their
/// whole source chain ([`super::error::Logged`]).
pub async fn count_and_log(State(state): State<ServerState>, req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let response = next.run(req).await;
    state.metrics.count(response.status().as_u16());
    if let Some(super::error::Logged(line)) = response.extensions().get() {
        tracing::error!(%method, %path, error = %line, "internal error");
    }
    response
}

/// Liveness and a quick look at what is loaded.
pub async fn healthz(State(state): State<ServerState>) -> impl IntoResponse {
    let snapshot = state.city.index.snapshot();
    Json(json!({
        "status": "ok",
        "city": state.city.config.name,
        "requests": snapshot.len(),
        "types": snapshot.types().count(),
    }))
}

/// Prometheus text exposition.
pub async fn metrics(State(state): State<ServerState>) -> impl IntoResponse {
    let m = &state.metrics;
    let snapshot = state.city.index.snapshot();
    let mut out = String::new();
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let _ = writeln!(
        out,
        "# HELP hotspot_http_responses_total HTTP responses by status class."
    );
    let _ = writeln!(out, "# TYPE hotspot_http_responses_total counter");
    for (i, c) in m.responses.iter().enumerate() {
        let class = format!("{}xx", i + 1);
        let _ = writeln!(
            out,
            "hotspot_http_responses_total{{class=\"{class}\"}} {}",
            get(c)
        );
    }
    let _ = writeln!(
        out,
        "# HELP hotspot_open311_posts_total Open311 POSTs by outcome."
    );
    let _ = writeln!(out, "# TYPE hotspot_open311_posts_total counter");
    let _ = writeln!(
        out,
        "hotspot_open311_posts_total{{outcome=\"accepted\"}} {}",
        get(&m.posts_accepted)
    );
    let _ = writeln!(
        out,
        "hotspot_open311_posts_total{{outcome=\"rejected\"}} {}",
        get(&m.posts_rejected)
    );
    let _ = writeln!(
        out,
        "# HELP hotspot_requests_indexed Requests in the in-memory index by service code."
    );
    let _ = writeln!(out, "# TYPE hotspot_requests_indexed gauge");
    for (code, t) in snapshot.types() {
        let _ = writeln!(
            out,
            "hotspot_requests_indexed{{service_code=\"{code}\"}} {}",
            t.len()
        );
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
