//! Rendered layer responses: cached per URL until the index changes, with strong ETags so
//! a browser's `If-None-Match` gets `304 Not Modified`.

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::Problem;
use super::{ApiError, AppState};
use crate::index::IndexSnapshot;

/// GeoJSON's media type (RFC 7946).
pub const GEOJSON: &str = "application/geo+json";
/// Plain JSON.
pub const JSON: &str = "application/json";
/// CSV (RFC 4180).
pub const CSV: &str = "text/csv; charset=utf-8";

/// A rendered body with its media type and ETag.
#[derive(Debug)]
pub struct Rendered {
    pub body: Bytes,
    pub content_type: &'static str,
    /// Extra `Content-Disposition` for downloads.
    pub filename: Option<String>,
    etag: String,
}

impl Rendered {
    /// Wraps a body, deriving its ETag from the bytes.
    pub fn new(body: Vec<u8>, content_type: &'static str) -> Rendered {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        let etag = format!("\"{:016x}-{:x}\"", hasher.finish(), body.len());
        Rendered {
            body: Bytes::from(body),
            content_type,
            filename: None,
            etag,
        }
    }

    /// Marks the body as a download named `filename`.
    pub fn download(mut self, filename: impl Into<String>) -> Rendered {
        self.filename = Some(filename.into());
        self
    }

    /// The response to a request with these headers: 304 when its ETag matches.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let etag = HeaderValue::from_str(&self.etag).expect("hex etag is a valid header");
        let cache = HeaderValue::from_static("no-cache");
        if if_none_match(request, &self.etag) {
            return (
                StatusCode::NOT_MODIFIED,
                [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
            )
                .into_response();
        }
        let mut response = (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.content_type),
                ),
                (header::ETAG, etag),
                (header::CACHE_CONTROL, cache),
            ],
            self.body.clone(),
        )
            .into_response();
        if let Some(name) = &self.filename {
            let value = format!("attachment; filename=\"{}\"", name.replace('"', ""));
            if let Ok(v) = HeaderValue::from_str(&value) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, v);
            }
        }
        response
    }
}

fn if_none_match(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// Layers rendered at once (the rest wait up to [`RENDER_WAIT`]).
pub const CONCURRENT_RENDERS: usize = 4;
/// How long a request waits for a free renderer before a 503.
pub const RENDER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Rendered responses keyed by URL and the version of the data they were rendered from.
/// Concurrent requests for the same URL and version share one rendering.
#[derive(Debug)]
pub struct ResponseCache {
    capacity: usize,
    inner: Mutex<CacheInner>,
}

type Slot = Arc<tokio::sync::OnceCell<Arc<Rendered>>>;

#[derive(Debug, Default)]
struct CacheInner {
    entries: HashMap<String, (u64, Slot)>,
    order: VecDeque<String>,
}

impl Default for ResponseCache {
    fn default() -> Self {
        ResponseCache::new(512)
    }
}

impl ResponseCache {
    /// A cache of at most `capacity` responses (the oldest is dropped first).
    pub fn new(capacity: usize) -> ResponseCache {
        ResponseCache {
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    /// The slot of `key` at `version`: the ready response, or the one being rendered, or a
    /// new empty slot replacing an older version.
    fn slot(&self, key: &str, version: u64) -> Slot {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((v, slot)) = inner.entries.get(key) {
            if *v == version {
                return Arc::clone(slot);
            }
        }
        let slot: Slot = Arc::default();
        if inner
            .entries
            .insert(key.to_string(), (version, Arc::clone(&slot)))
            .is_none()
        {
            inner.order.push_back(key.to_string());
        }
        while inner.entries.len() > self.capacity {
            match inner.order.pop_front() {
                Some(old) => {
                    inner.entries.remove(&old);
                }
                None => break,
            }
        }
        slot
    }
}

/// Answers from the cache, or renders with `render` from `snapshot` on a blocking thread
/// (layers are CPU work) and caches the result under `version` (see
/// [`super::params::data_version`]). `key` must identify everything else the body depends
/// on. Requests arriving while the same key and version render wait for that rendering.
pub async fn cached<F>(
    state: &AppState,
    snapshot: Arc<IndexSnapshot>,
    key: String,
    version: u64,
    request: &HeaderMap,
    render: F,
) -> Result<Response, Problem>
where
    F: FnOnce(&AppState, &IndexSnapshot) -> Result<Rendered, ApiError> + Send + 'static,
{
    let slot = state.responses.slot(&key, version);
    if let Some(hit) = slot.get() {
        return Ok(hit.respond(request));
    }
    let rendered = slot
        .get_or_try_init(|| async {
            // Uncached layers are CPU work: a bounded number render at once, so a crawler
            // asking for endless distinct boxes queues (then gets 503) instead of starving
            // everyone.
            let permit = tokio::time::timeout(RENDER_WAIT, state.renders.clone().acquire_owned())
                .await
                .map_err(|_| {
                    ApiError::Busy("the server is busy computing layers; retry shortly".into())
                })?
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let worker = state.clone();
            let rendered = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                render(&worker, &snapshot)
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
            Ok::<_, ApiError>(Arc::new(rendered))
        })
        .await?;
    Ok(rendered.respond(request))
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ResponseCache {
        /// The cached response for `key` rendered at `version`, if it is ready.
        pub fn get(&self, key: &str, version: u64) -> Option<Arc<Rendered>> {
            let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            match inner.entries.get(key) {
                Some((v, slot)) if *v == version => slot.get().cloned(),
                _ => None,
            }
        }

        /// Stores a response rendered at `version`.
        pub fn put(&self, key: String, version: u64, rendered: Arc<Rendered>) {
            let slot = self.slot(&key, version);
            let _ = slot.set(rendered);
        }
    }

    #[test]
    fn etag_matches_and_304() {
        let r = Rendered::new(b"{}".to_vec(), JSON);
        let mut headers = HeaderMap::new();
        assert_eq!(r.respond(&headers).status(), StatusCode::OK);
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&r.etag).unwrap(),
        );
        assert_eq!(r.respond(&headers).status(), StatusCode::NOT_MODIFIED);
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert_eq!(r.respond(&headers).status(), StatusCode::OK);
        let other = Rendered::new(b"[]".to_vec(), JSON);
        assert_ne!(r.etag, other.etag);
    }

    #[test]
    fn cache_is_bounded_and_keyed_by_generation() {
        let cache = ResponseCache::new(2);
        let body = |s: &str| Arc::new(Rendered::new(s.as_bytes().to_vec(), JSON));
        cache.put("a".into(), 1, body("a"));
        assert!(cache.get("a", 1).is_some());
        assert!(cache.get("a", 2).is_none(), "stale after the index changed");
        cache.put("b".into(), 1, body("b"));
        cache.put("c".into(), 1, body("c"));
        assert!(cache.get("a", 1).is_none(), "oldest dropped");
        assert!(cache.get("b", 1).is_some() && cache.get("c", 1).is_some());
    }
}
