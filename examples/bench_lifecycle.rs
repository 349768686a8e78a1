//! Times how the in-memory index follows lifecycle updates on one large type: a batch of
//! status changes in place (the type's requests are copied, tree and time order kept), a
//! batch with one moved request (the types involved are rebuilt), and new requests.
//!
//! ```sh
//! CARGO_PROFILE_DEV_OPT_LEVEL=3 cargo run --example bench_lifecycle [-- N]
//! ```

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::Instant;

use hotspot::index::{Index, Update};
use hotspot::model::{ServiceRequest, Status};

/// Runs `f` `runs` times and returns the median in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let points = common::points(n);
    let all: Vec<ServiceRequest> = common::requests(&points, "pothole").collect();
    let start = Instant::now();
    let index = Index::build(all.iter().cloned());
    println!(
        "build {n} requests: {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );

    let closed = |i: usize| {
        let mut r = all[i * 997 % n].clone();
        r.status = Status::Closed;
        r
    };
    for batch in [1, 100, 5_000] {
        let changed: Vec<ServiceRequest> = (0..batch).map(closed).collect();
        let updates: Vec<Update<'_>> = changed
            .iter()
            .map(|r| Update::Changed {
                request: r,
                previous_code: "pothole",
            })
            .collect();
        let ms = median_ms(5, || index.apply_updates(&updates));
        println!("status changes in place, batch of {batch}: {ms:.1} ms");
    }
    let mut moved = all[42].clone();
    moved.service_code = "graffiti".into();
    let updates = [Update::Changed {
        request: &moved,
        previous_code: "pothole",
    }];
    let ms = median_ms(1, || index.apply_updates(&updates));
    println!("one request moved to another type (rebuilds the type): {ms:.1} ms");
    let fresh: Vec<ServiceRequest> = (0..100)
        .map(|i| {
            let mut r = all[i].clone();
            r.service_request_id = format!("new-{i}");
            r
        })
        .collect();
    let ms = median_ms(1, || index.apply(&fresh));
    println!("100 new requests: {ms:.1} ms");
    if let Some(mib) = common::peak_memory_mib() {
        println!("peak memory: {mib:.0} MiB");
    }
}
