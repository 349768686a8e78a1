//! A bounded load generator on loopback: fills a data directory with N requests (the demo
//! city's year, replicated with jitter), serves it in-process and runs C concurrent clients
//! for a fixed time and request count, then prints throughput, p50/p99 latency and errors
//! per kind of request.
//!
//! ```text
//! cargo run --release --example load_test -- [--requests 1000000] [--clients 200]
//!     [--seconds 60] [--max-requests 2000000] [--mix layers|mixed] [--think-ms 0]
//!     [--data DIR]
//! ```
//! `--think-ms N`: each client pauses a random 0–2N ms (mean N) after each response, like a
//! person at a map; 0 (default) sends back to back, so the latency is mostly queueing
//! (200 clients / throughput, Little's law).
//! `--mix layers`: cached layer fetches only (viewport hex bins and hot spots);
//! `--mix mixed` (default): Open311 POSTs (2 %), Open311 GETs, point queries and layers;
//! `--mix reads`: the same without POSTs (their share goes to Open311 GETs).
//! The data directory is kept (default `target/load-data-N`) so later runs skip the fill.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hotspot::city::City;
use hotspot::config::Config;
use hotspot::model::ServiceRequest;
use hotspot::store::NewRequest;

struct Args {
    requests: usize,
    clients: usize,
    seconds: u64,
    max_requests: u64,
    mix: String,
    think_ms: u64,
    data: std::path::PathBuf,
}

fn args() -> Args {
    let mut a = Args {
        requests: 1_000_000,
        clients: 200,
        seconds: 60,
        max_requests: 2_000_000,
        mix: "mixed".into(),
        think_ms: 0,
        data: std::path::PathBuf::new(),
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut data = None;
    for pair in raw.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--requests" => a.requests = value.parse().expect("--requests N"),
            "--clients" => a.clients = value.parse().expect("--clients N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--max-requests" => a.max_requests = value.parse().expect("--max-requests N"),
            "--mix" => a.mix = value,
            "--think-ms" => a.think_ms = value.parse().expect("--think-ms N"),
            "--data" => data = Some(value.into()),
            other => panic!("unknown argument {other}"),
        }
    }
    a.data = data.unwrap_or_else(|| format!("target/load-data-{}", a.requests).into());
    a
}

/// Small deterministic generator for jitter.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64) / ((1u64 << 53) as f64)
    }
}

/// Fills an empty store with `n` requests: the demo year replicated, each copy jittered by
/// up to ~60 m, tagged with the demo districts.
fn fill(app: &City, n: usize) {
    let have = app.store.count().expect("count") as usize;
    if have >= n {
        println!("data: {have} requests already stored");
        return;
    }
    let city = hotspot::demo::generate(&app.catalog);
    let started = Instant::now();
    let mut rng = Lcg(7);
    let mut batch = Vec::with_capacity(5_000);
    let mut stored = have;
    let mut copy = 0;
    while stored < n {
        for r in &city.requests {
            if stored + batch.len() >= n {
                break;
            }
            let mut r: ServiceRequest = r.clone();
            r.service_request_id = format!("{}-x{copy}", r.service_request_id);
            r.lon += (rng.next() - 0.5) * 0.0015;
            r.lat += (rng.next() - 0.5) * 0.0011;
            if !app.config.extent.is_some_and(|e| e.contains(r.lon, r.lat)) {
                continue;
            }
            r.districts = app.boundaries.tag(r.lon, r.lat);
            batch.push(NewRequest {
                request: r,
                token: None,
            });
            if batch.len() == 5_000 {
                stored += app
                    .store
                    .writer()
                    .upsert_blocking(std::mem::take(&mut batch))
                    .expect("insert")
                    .len();
            }
        }
        copy += 1;
    }
    if !batch.is_empty() {
        app.store.writer().upsert_blocking(batch).expect("insert");
    }
    println!(
        "data: stored {n} requests in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[derive(Default)]
struct Stats {
    latencies: Mutex<BTreeMap<&'static str, Vec<Duration>>>,
    errors: Mutex<BTreeMap<String, u64>>,
    bytes: Mutex<BTreeMap<&'static str, u64>>,
    sent: AtomicU64,
}

fn pick<'a, T>(items: &'a [T], rng: &mut Lcg) -> &'a T {
    &items[(rng.next() * items.len() as f64) as usize % items.len()]
}

/// One request of the mix: (kind, is a POST, path, form body).
type Planned = (
    &'static str,
    bool,
    String,
    Option<Vec<(&'static str, String)>>,
);

/// The next request of the mix.
fn next_request(mix: &str, rng: &mut Lcg, extent: [f64; 4]) -> Planned {
    const TYPES: &[&str] = &["streetlight", "pothole", "graffiti", "illegal_dumping"];
    // 24 fixed viewports (a map's typical views) so layer fetches hit the cache.
    let viewport = |rng: &mut Lcg| {
        let i = (rng.next() * 24.0) as usize % 24;
        let (w, s) = (
            extent[0] + (extent[2] - extent[0]) * ((i % 6) as f64) / 8.0,
            extent[1] + (extent[3] - extent[1]) * ((i / 6) as f64) / 6.0,
        );
        format!("{w:.4},{s:.4},{:.4},{:.4}", w + 0.03, s + 0.02)
    };
    let roll = rng.next();
    let t = *pick(TYPES, rng);
    if mix == "layers" || roll < 0.5 {
        return if rng.next() < 0.5 {
            let bbox = viewport(rng);
            (
                "hexbins",
                false,
                format!("/api/v1/hexbins.geojson?type={t}&days=90&bbox={bbox}"),
                None,
            )
        } else {
            (
                "hotspots",
                false,
                format!("/api/v1/hotspots.geojson?type={t}&days=365&method=gistar"),
                None,
            )
        };
    }
    if roll < 0.52 && mix != "reads" {
        let lon = extent[0] + rng.next() * (extent[2] - extent[0]);
        let lat = extent[1] + rng.next() * (extent[3] - extent[1]);
        let form = vec![
            ("api_key", "demo-key-riverton-311".to_string()),
            ("service_code", t.to_string()),
            ("lat", format!("{lat:.6}")),
            ("long", format!("{lon:.6}")),
            ("description", "load test".to_string()),
        ];
        return (
            "open311_post",
            true,
            "/open311/v2/requests.json".into(),
            Some(form),
        );
    }
    if roll < 0.75 {
        let bbox = viewport(rng);
        return (
            "open311_get",
            false,
            format!("/open311/v2/requests.json?service_code={t}&bbox={bbox}&page_size=100"),
            None,
        );
    }
    let lon = extent[0] + rng.next() * (extent[2] - extent[0]);
    let lat = extent[1] + rng.next() * (extent[3] - extent[1]);
    (
        "points",
        false,
        format!(
            "/api/v1/requests.geojson?type={t}&days=30&bbox={:.5},{:.5},{:.5},{:.5}&limit=500",
            lon,
            lat,
            lon + 0.005,
            lat + 0.004
        ),
        None,
    )
}

#[allow(clippy::too_many_arguments)]
async fn client(
    id: usize,
    base: String,
    mix: String,
    think_ms: u64,
    extent: [f64; 4],
    deadline: Instant,
    max: u64,
    stats: Arc<Stats>,
) {
    let http = reqwest::Client::new();
    let mut rng = Lcg(id as u64 * 7919 + 1);
    while Instant::now() < deadline && stats.sent.fetch_add(1, Ordering::Relaxed) < max {
        let (kind, post, path, form) = next_request(&mix, &mut rng, extent);
        let url = format!("{base}{path}");
        let started = Instant::now();
        let sent = if post {
            http.post(&url).form(&form.unwrap_or_default()).send().await
        } else {
            http.get(&url).send().await
        };
        let outcome = match sent {
            Ok(r) if r.status().is_success() => match r.bytes().await {
                Ok(body) => {
                    *stats.bytes.lock().unwrap().entry(kind).or_default() += body.len() as u64;
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            },
            Ok(r) => Err(format!("{kind} {}", r.status())),
            Err(e) => Err(format!("{kind} {e}")),
        };
        let elapsed = started.elapsed();
        match outcome {
            Ok(()) => stats
                .latencies
                .lock()
                .unwrap()
                .entry(kind)
                .or_default()
                .push(elapsed),
            Err(e) => *stats.errors.lock().unwrap().entry(e).or_default() += 1,
        }
        if think_ms > 0 {
            let pause = rng.next() * 2.0 * think_ms as f64;
            tokio::time::sleep(Duration::from_secs_f64(pause / 1e3)).await;
        }
    }
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn main() {
    let args = args();
    std::fs::create_dir_all(&args.data).expect("data dir");
    let mut config = Config::demo().expect("demo config");
    config.demo = false; // the fill below replaces the demo seeding
    let app = City::open(config, &args.data).expect("open store");
    fill(&app, args.requests);
    let config = app.config.clone();
    drop(app);
    let app = Arc::new(City::open(config, &args.data).expect("reopen"));
    let total = app.index.snapshot().len();
    let e = app.config.extent.expect("demo extent");
    let extent = [e.min_lon, e.min_lat, e.max_lon, e.max_lat];

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let router = hotspot::api::router(Arc::clone(&app));
        tokio::spawn(async move { axum::serve(listener, router).await });
        println!(
            "load: {total} requests indexed; {} clients, {} s, at most {} requests, mix {}, think {} ms",
            args.clients, args.seconds, args.max_requests, args.mix, args.think_ms
        );
        let stats = Arc::new(Stats::default());
        let started = Instant::now();
        let deadline = started + Duration::from_secs(args.seconds);
        let tasks: Vec<_> = (0..args.clients)
            .map(|i| {
                tokio::spawn(client(
                    i,
                    base.clone(),
                    args.mix.clone(),
                    args.think_ms,
                    extent,
                    deadline,
                    args.max_requests,
                    Arc::clone(&stats),
                ))
            })
            .collect();
        for t in tasks {
            t.await.expect("client");
        }
        let wall = started.elapsed().as_secs_f64();
        let latencies = stats.latencies.lock().unwrap();
        let done: usize = latencies.values().map(Vec::len).sum();
        let errors: u64 = stats.errors.lock().unwrap().values().sum();
        println!(
            "load: {done} ok, {errors} errors in {wall:.1} s = {:.0} requests/s",
            done as f64 / wall
        );
        for (kind, list) in latencies.iter() {
            let mut sorted = list.clone();
            sorted.sort();
            let bytes = stats.bytes.lock().unwrap().get(kind).copied().unwrap_or(0);
            println!(
                "  {kind:<13} {:>8} ok  {:>7.1} kB avg  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
                sorted.len(),
                bytes as f64 / sorted.len() as f64 / 1e3,
                percentile(&sorted, 0.5),
                percentile(&sorted, 0.99),
                percentile(&sorted, 1.0)
            );
        }
        for (e, n) in stats.errors.lock().unwrap().iter() {
            println!("  error x{n}: {e}");
        }
        let peak = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM"))
                    .map(|l| l.to_string())
            })
            .unwrap_or_default();
        println!("  peak memory (server and clients): {peak}");
    });
}
