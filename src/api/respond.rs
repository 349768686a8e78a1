//! Rendered layer responses: cached per URL until the index changes, with ETags so a
//! browser's `If-None-Match` gets `304 Not Modified`, and byte ranges ([`super::ranges`]).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::Problem;
use super::{ranges, ApiError, ServerState};
use crate::index::IndexSnapshot;

/// GeoJSON's media type (RFC 7946).
pub const GEOJSON: &str = "application/geo+json";
/// Plain JSON.
pub const JSON: &str = "application/json";
/// CSV (RFC 4180).
pub const CSV: &str = "text/csv; charset=utf-8";
/// Mapbox Vector Tiles (IANA-registered).
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

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
    /// Wraps a body, deriving its ETag from the bytes. The ETag is strong (`"…"`) for this
    /// identity body; [`weak_etag_when_encoded`] makes it weak (`W/"…"`) on gzip or brotli
    /// answers, which are other bytes of the same content (`Vary: Accept-Encoding`).
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

    /// The response to a request with these headers: 304 when its ETag matches (weakly);
    /// else the body, or the byte range it asks for ([`ranges`]).
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let common = |tag: &str| {
            let mut headers = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(tag) {
                headers.insert(header::ETAG, v);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
            headers
        };
        if let Some(sent_weak) = if_none_match(request, &self.etag) {
            // the tag as the client holds it: weak when it came with an encoded answer
            let tag = if sent_weak {
                format!("W/{}", self.etag)
            } else {
                self.etag.clone()
            };
            return (StatusCode::NOT_MODIFIED, common(&tag)).into_response();
        }
        let mut headers = common(&self.etag);
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        if let Some(name) = &self.filename {
            let value = format!("attachment; filename=\"{}\"", name.replace('"', ""));
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(header::CONTENT_DISPOSITION, v);
            }
        }
        let len = self.body.len() as u64;
        let content_range =
            |text: String| HeaderValue::from_str(&text).expect("a byte range is a valid header");
        match ranges::requested(request, &self.etag, len) {
            ranges::Answer::Full => (headers, self.body.clone()).into_response(),
            ranges::Answer::Partial { start, end } => {
                headers.insert(
                    header::CONTENT_RANGE,
                    content_range(format!("bytes {start}-{end}/{len}")),
                );
                let part = self.body.slice(start as usize..=end as usize);
                (StatusCode::PARTIAL_CONTENT, headers, part).into_response()
            }
            ranges::Answer::Unsatisfiable => {
                headers.remove(header::CONTENT_TYPE);
                headers.insert(
                    header::CONTENT_RANGE,
                    content_range(format!("bytes */{len}")),
                );
                (StatusCode::RANGE_NOT_SATISFIABLE, headers).into_response()
            }
        }
    }
}

/// Weak comparison (RFC 9110 §13.1.2), as `If-None-Match` asks for: `Some(weak)` when a tag
/// sent matches ours, `weak` telling whether the client sent it as `W/`.
fn if_none_match(request: &HeaderMap, etag: &str) -> Option<bool> {
    let ours = etag.trim_start_matches("W/");
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find(|t| t.trim_start_matches("W/") == ours || *t == "*")
        .map(|t| t.starts_with("W/"))
}

/// Middleware (outside the compression layer): an answer the compression layer encoded gets
/// its ETag weakened, so the strong tag names the identity bytes only (what `If-Range` and
/// byte ranges refer to), while `If-None-Match` still matches every encoding.
pub async fn weak_etag_when_encoded(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if headers.contains_key(header::CONTENT_ENCODING) {
        let strong = headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.starts_with("W/"))
            .map(|t| format!("W/{t}"));
        if let Some(weak) = strong.and_then(|t| HeaderValue::from_str(&t).ok()) {
            headers.insert(header::ETAG, weak);
        }
    }
    response
}

/// Layers rendered at once (the rest wait up to [`RENDER_WAIT`]).
pub const CONCURRENT_RENDERS: usize = 4;
/// Hot-spot reports (the slow renderings) computed at once, besides the layers.
pub const CONCURRENT_REPORTS: usize = 2;

/// How heavy a rendering is: reports (hot spots, repeats, work lists: a whole-type analysis)
/// have their own permits, so they never hold up the quick layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Layer,
    Report,
}
/// How long a request waits for a free renderer before a 503.
pub const RENDER_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// URLs the server's layer cache keeps.
pub const CACHE_CAPACITY: usize = 512;

/// How many times its own rendering time a layer may be served after its data changed, at
/// least (so slow layers are recomputed at most about a tenth of the time under writes).
pub const REFRESH_COST_FACTOR: u32 = 10;

/// Layers whose last rendering took less than this are re-rendered before answering once
/// their refresh window has passed (instead of being revalidated in the background): they
/// then show a change at the first request after the window.
pub const CHEAP_RENDER: Duration = Duration::from_millis(100);

/// Rendered responses keyed by URL, with the version of the data they were rendered from.
///
/// * Concurrent requests for the same URL and version share one rendering.
/// * Stale while revalidating: after new requests arrive (a new version), the last rendering
///   is still served until it is `refresh` old (or [`REFRESH_COST_FACTOR`] times its
///   rendering time, if longer); the next request then renders the new version: in the
///   background if the last rendering took [`CHEAP_RENDER`] or longer (everyone gets the last
///   rendering until it is done), else before it answers. Layers so lag
///   writes by a bounded time, a stream of POSTs cannot make every map request recompute, and
///   only the first request of a URL ever waits. `refresh` zero: always re-render first.
/// * At most `capacity` URLs; the least recently used is dropped first.
#[derive(Debug)]
pub struct ResponseCache {
    capacity: usize,
    refresh: Duration,
    inner: Mutex<CacheInner>,
}

type Slot = Arc<tokio::sync::OnceCell<Arc<Rendered>>>;

#[derive(Debug, Default)]
struct CacheInner {
    entries: HashMap<String, Entry>,
    /// Use counter for least-recently-used eviction.
    tick: u64,
}

#[derive(Debug, Default)]
struct Entry {
    ready: Option<Ready>,
    /// The rendering in flight: its version and where it lands.
    pending: Option<(u64, Slot)>,
    used: u64,
}

#[derive(Debug)]
struct Ready {
    version: u64,
    /// The index generation it was rendered from (newer renderings replace older ones only).
    generation: u64,
    rendered: Arc<Rendered>,
    /// When its rendering started, and how long it took.
    started: Instant,
    cost: Duration,
}

/// What a request gets from the cache.
enum Lookup {
    /// A response to send now (current, or stale within its refresh window).
    Ready(Arc<Rendered>),
    /// Send the stale response now and render this version into the slot in the background.
    Refresh(Arc<Rendered>, Slot),
    /// Nothing to send yet: render (or wait for the rendering of) this version into the slot.
    Render(Slot),
}

impl ResponseCache {
    /// A cache of at most `capacity` responses that serves a layer for `refresh` after its
    /// data changed (see the type's documentation).
    pub fn new(capacity: usize, refresh: Duration) -> ResponseCache {
        ResponseCache {
            capacity: capacity.max(1),
            refresh,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long a rendering that took `cost` may be served after its data changed.
    fn window(&self, cost: Duration) -> Duration {
        if self.refresh.is_zero() {
            Duration::ZERO
        } else {
            self.refresh.max(cost * REFRESH_COST_FACTOR)
        }
    }

    fn lookup(&self, key: &str, version: u64, now: Instant) -> Lookup {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if !inner.entries.contains_key(key) {
            self.make_room(&mut inner);
        }
        let entry = inner.entries.entry(key.to_string()).or_default();
        entry.used = tick;
        if let Some(ready) = &entry.ready {
            let fresh_enough = now < ready.started + self.window(ready.cost);
            if ready.version == version || fresh_enough || entry.pending.is_some() {
                return Lookup::Ready(Arc::clone(&ready.rendered));
            }
            if !self.refresh.is_zero() && ready.cost >= CHEAP_RENDER {
                let stale = Arc::clone(&ready.rendered);
                let slot: Slot = Arc::default();
                entry.pending = Some((version, Arc::clone(&slot)));
                return Lookup::Refresh(stale, slot);
            }
        }
        match &entry.pending {
            Some((v, slot)) if *v == version => Lookup::Render(Arc::clone(slot)),
            _ => {
                let slot: Slot = Arc::default();
                entry.pending = Some((version, Arc::clone(&slot)));
                Lookup::Render(slot)
            }
        }
    }

    /// Drops least recently used entries (none with a rendering in flight) until one more fits.
    fn make_room(&self, inner: &mut CacheInner) {
        while inner.entries.len() >= self.capacity {
            let oldest = inner
                .entries
                .iter()
                .filter(|(_, e)| e.pending.is_none())
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => inner.entries.remove(&k),
                None => break,
            };
        }
    }

    /// Stores a finished rendering (unless a newer one is already there).
    fn finish(
        &self,
        key: &str,
        version: u64,
        generation: u64,
        ready: Arc<Rendered>,
        started: Instant,
    ) {
        let mut inner = self.lock();
        let Some(entry) = inner.entries.get_mut(key) else {
            return;
        };
        if entry.pending.as_ref().is_some_and(|(v, _)| *v == version) {
            entry.pending = None;
        }
        if entry
            .ready
            .as_ref()
            .is_none_or(|r| r.generation <= generation)
        {
            entry.ready = Some(Ready {
                version,
                generation,
                rendered: ready,
                started,
                cost: started.elapsed(),
            });
        }
    }

    /// Forgets a rendering that failed or was abandoned, so the next request tries again.
    fn abandon(&self, key: &str, version: u64) {
        let mut inner = self.lock();
        if let Some(entry) = inner.entries.get_mut(key) {
            if entry.pending.as_ref().is_some_and(|(v, _)| *v == version) {
                entry.pending = None;
            }
        }
    }
}

/// Clears a cache entry's pending rendering unless disarmed: a request dropped while waiting
/// for a renderer, or a failed rendering, must not leave the entry waiting forever.
struct PendingGuard {
    cache: Arc<ResponseCache>,
    key: String,
    version: u64,
    armed: bool,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        if self.armed {
            self.cache.abandon(&self.key, self.version);
        }
    }
}

/// The cache key of a request: its route and query string.
pub fn cache_key(route: &str, raw: &Option<String>) -> String {
    format!("{route}?{}", raw.as_deref().unwrap_or(""))
}

/// Answers from the cache, or renders with `render` from `snapshot` on a blocking thread
/// (layers are CPU work) and caches the result under `version` (see
/// [`super::params::data_version`] and [`ResponseCache`] for how long an older version is
/// still served). `key` must identify everything else the body depends on.
pub async fn cached<F>(
    state: &ServerState,
    work: Work,
    snapshot: Arc<IndexSnapshot>,
    key: String,
    version: u64,
    request: &HeaderMap,
    render: F,
) -> Result<Response, Problem>
where
    F: FnOnce(&ServerState, &IndexSnapshot) -> Result<Rendered, ApiError> + Send + 'static,
{
    let slot = match state.responses.lookup(&key, version, Instant::now()) {
        Lookup::Ready(hit) => return Ok(hit.respond(request)),
        Lookup::Refresh(stale, slot) => {
            let job = Rendering::new(state, work, snapshot, key, version);
            tokio::spawn(async move {
                if let Err(e) = slot.get_or_try_init(|| job.run(render)).await {
                    tracing::warn!(error = %e, "refreshing a layer failed");
                }
            });
            return Ok(stale.respond(request));
        }
        Lookup::Render(slot) => slot,
    };
    let job = Rendering::new(state, work, snapshot, key, version);
    let rendered = slot.get_or_try_init(|| job.run(render)).await?;
    Ok(rendered.respond(request))
}

/// A permit to render `work`. Uncached layers are CPU work: a bounded number render at once,
/// so a crawler asking for endless distinct boxes queues (then gets 503 after
/// [`RENDER_WAIT`]) instead of starving everyone.
async fn renderer(
    state: &ServerState,
    work: Work,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    let permits = match work {
        Work::Layer => &state.renders,
        Work::Report => &state.reports,
    };
    tokio::time::timeout(RENDER_WAIT, Arc::clone(permits).acquire_owned())
        .await
        .map_err(|_| ApiError::Busy("the server is busy computing layers; retry shortly".into()))?
        .map_err(ApiError::internal("waiting for a renderer"))
}

/// Runs `work` on a blocking thread with a renderer's permit (as [`cached`] renders), for
/// answers that are not kept in the layer cache (the OGC API's pages).
pub async fn on_renderer<T, F>(state: &ServerState, work: Work, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    let permit = renderer(state, work).await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(ApiError::internal("rendering a layer"))?
}

/// One rendering of a cache entry.
struct Rendering {
    state: ServerState,
    work: Work,
    snapshot: Arc<IndexSnapshot>,
    guard: PendingGuard,
}

impl Rendering {
    fn new(
        state: &ServerState,
        work: Work,
        snapshot: Arc<IndexSnapshot>,
        key: String,
        version: u64,
    ) -> Rendering {
        Rendering {
            state: state.clone(),
            work,
            snapshot,
            guard: PendingGuard {
                cache: Arc::clone(&state.responses),
                key,
                version,
                armed: true,
            },
        }
    }

    /// Waits for a permit, renders on a blocking thread and stores the result.
    async fn run<F>(self, render: F) -> Result<Arc<Rendered>, ApiError>
    where
        F: FnOnce(&ServerState, &IndexSnapshot) -> Result<Rendered, ApiError> + Send + 'static,
    {
        let permit = renderer(&self.state, self.work).await?;
        let Rendering {
            state,
            snapshot,
            mut guard,
            ..
        } = self;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let started = Instant::now();
            let rendered = Arc::new(render(&state, &snapshot)?);
            // Stored here, not after the await: the rendering completes even when the
            // request that started it has gone.
            guard.armed = false;
            state.responses.finish(
                &guard.key,
                guard.version,
                snapshot.generation(),
                Arc::clone(&rendered),
                started,
            );
            Ok::<_, ApiError>(rendered)
        })
        .await
        .map_err(ApiError::internal("rendering a layer"))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(s: &str) -> Arc<Rendered> {
        Arc::new(Rendered::new(s.as_bytes().to_vec(), JSON))
    }

    /// Looks `key` up at `version` and `now`; renders `text` (at index generation `version`)
    /// when asked to. Returns what was served and whether it was rendered.
    fn serve(
        cache: &ResponseCache,
        key: &str,
        version: u64,
        now: Instant,
        text: &str,
    ) -> (String, bool) {
        match cache.lookup(key, version, now) {
            Lookup::Ready(r) | Lookup::Refresh(r, _) => {
                (String::from_utf8(r.body.to_vec()).unwrap(), false)
            }
            Lookup::Render(slot) => {
                let r = body(text);
                slot.set(Arc::clone(&r)).unwrap();
                cache.finish(key, version, version, r, now);
                (text.to_string(), true)
            }
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
        // strong for the identity body; a weak spelling also matches and is echoed
        assert!(r.etag.starts_with('"'));
        let weak = format!("W/{}", r.etag);
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&weak).unwrap());
        let not_modified = r.respond(&headers);
        assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(not_modified.headers()[header::ETAG], weak.as_str());
    }

    #[test]
    fn ranges_of_the_body() {
        let r = Rendered::new(b"0123456789".to_vec(), JSON).download("x.json");
        let ask = |range: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::RANGE, HeaderValue::from_str(range).unwrap());
            r.respond(&headers)
        };
        let whole = r.respond(&HeaderMap::new());
        assert_eq!(whole.headers()[header::ACCEPT_RANGES], "bytes");
        let part = ask("bytes=2-4");
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        let h = part.headers();
        assert_eq!(h[header::CONTENT_RANGE], "bytes 2-4/10");
        assert_eq!(h[header::ETAG], r.etag.as_str());
        assert_eq!(h[header::CONTENT_TYPE], JSON);
        assert_eq!(
            h[header::CONTENT_DISPOSITION],
            "attachment; filename=\"x.json\""
        );
        let none = ask("bytes=10-");
        assert_eq!(none.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(none.headers()[header::CONTENT_RANGE], "bytes */10");
        assert_eq!(ask("bytes=2-1").status(), StatusCode::OK);
    }

    #[test]
    fn cache_is_bounded_least_recently_used_first() {
        let cache = ResponseCache::new(2, Duration::ZERO);
        let now = Instant::now();
        assert_eq!(serve(&cache, "a", 1, now, "a1"), ("a1".into(), true));
        assert_eq!(serve(&cache, "a", 1, now, "x"), ("a1".into(), false));
        serve(&cache, "b", 1, now, "b1");
        serve(&cache, "a", 1, now, "x"); // a is now the most recently used
        serve(&cache, "c", 1, now, "c1"); // drops b
        assert_eq!(serve(&cache, "a", 1, now, "x"), ("a1".into(), false));
        assert_eq!(
            serve(&cache, "b", 1, now, "b1 again"),
            ("b1 again".into(), true)
        );
    }

    #[test]
    fn strict_cache_renders_every_new_version() {
        let cache = ResponseCache::new(8, Duration::ZERO);
        let now = Instant::now();
        serve(&cache, "a", 1, now, "v1");
        assert_eq!(serve(&cache, "a", 2, now, "v2"), ("v2".into(), true));
        assert_eq!(serve(&cache, "a", 2, now, "x"), ("v2".into(), false));
    }

    #[test]
    fn stale_while_revalidate_within_the_refresh_window() {
        let refresh = Duration::from_secs(1);
        let cache = ResponseCache::new(8, refresh);
        let t0 = Instant::now();
        serve(&cache, "a", 1, t0, "v1");
        set_cost(&cache, "a", CHEAP_RENDER);
        // new data within the window: the old rendering is still served, nothing renders
        let soon = t0 + Duration::from_millis(500);
        assert_eq!(serve(&cache, "a", 2, soon, "v2"), ("v1".into(), false));
        // past the window: the first request starts rendering the new version in the
        // background and still gets the old one...
        let later = t0 + Duration::from_millis(1_200);
        let Lookup::Refresh(stale, slot) = cache.lookup("a", 2, later) else {
            panic!("past the window a new version renders");
        };
        assert_eq!(stale.body.as_ref(), b"v1");
        // ...and so does everyone else while it renders
        assert_eq!(serve(&cache, "a", 3, later, "x"), ("v1".into(), false));
        let v2 = body("v2");
        slot.set(Arc::clone(&v2)).unwrap();
        cache.finish("a", 2, 2, v2, later);
        assert_eq!(serve(&cache, "a", 2, later, "x"), ("v2".into(), false));
        // a rendering that took long stays longer: 10 x its cost
        let slow = ResponseCache::new(8, refresh);
        let Lookup::Render(_) = slow.lookup("s", 1, t0) else {
            panic!()
        };
        slow.finish("s", 1, 1, body("s1"), t0);
        set_cost(&slow, "s", Duration::from_millis(300));
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(matches!(slow.lookup("s", 2, at(2_900)), Lookup::Ready(_)));
        assert!(matches!(
            slow.lookup("s", 2, at(3_100)),
            Lookup::Refresh(..)
        ));
    }

    #[test]
    fn a_cheap_layer_shows_a_change_at_the_first_request_after_the_window() {
        let cache = ResponseCache::new(8, Duration::from_secs(1));
        let t0 = Instant::now();
        serve(&cache, "c", 1, t0, "v1");
        let soon = t0 + Duration::from_millis(500);
        assert_eq!(serve(&cache, "c", 2, soon, "v2"), ("v1".into(), false));
        let later = t0 + Duration::from_millis(1_200);
        assert_eq!(serve(&cache, "c", 2, later, "v2"), ("v2".into(), true));
    }

    /// Pretends the ready rendering of `key` took `cost`.
    fn set_cost(cache: &ResponseCache, key: &str, cost: Duration) {
        cache
            .lock()
            .entries
            .get_mut(key)
            .unwrap()
            .ready
            .as_mut()
            .unwrap()
            .cost = cost;
    }

    #[test]
    fn abandoned_rendering_is_retried_and_older_renderings_never_replace_newer() {
        let cache = ResponseCache::new(8, Duration::from_secs(1));
        let t0 = Instant::now();
        serve(&cache, "a", 5, t0, "gen5");
        set_cost(&cache, "a", CHEAP_RENDER);
        let later = t0 + Duration::from_secs(2);
        let Lookup::Refresh(..) = cache.lookup("a", 6, later) else {
            panic!("past the window a refresh starts")
        };
        cache.abandon("a", 6);
        let Lookup::Refresh(_, slot) = cache.lookup("a", 6, later) else {
            panic!("an abandoned refresh is tried again")
        };
        let gen6 = body("gen6");
        slot.set(Arc::clone(&gen6)).unwrap();
        cache.finish("a", 6, 6, gen6, later);
        // a slow rendering of an older generation finishing last is not kept
        cache.finish("a", 4, 4, body("gen4"), later);
        assert_eq!(serve(&cache, "a", 6, later, "x"), ("gen6".into(), false));
    }
}
