//! Criterion benchmarks of the hot-spot engine on 1,000,000 synthetic requests of one type in
//! a Philadelphia-sized area (see `benches/common`): `cargo bench --bench analysis`.
//!
//! * `gistar_1m_index`: one type and a window from the in-memory index, each request counted
//!   in its own H3 res-9 cell, study area, Gi*, FDR and regions (target ≤ 50 ms).
//! * `report_gistar_1m`: the whole Gi* report (adds SLA summaries, ranking, work lists).
//! * `dbscan_1m`: DBSCAN eps 100 m, min 5, with hulls (target ≤ 1 s).
//!
//! `cargo run --example bench_analysis` prints the same figures plus peak memory.

mod common;

use std::time::Duration;

use chrono::DateTime;
use criterion::{criterion_group, criterion_main, Criterion};
use hotspot::analysis::{DbscanParams, GiStarParams};
use hotspot::catalog::Catalog;
use hotspot::hotspots::{
    compute_report, gistar_indexed, run_dbscan, select, HotspotQuery, Method, Selection,
};
use hotspot::index::Index;

const N: usize = 1_000_000;

fn engine(c: &mut Criterion) {
    let pts = common::points(N);
    let index = Index::build(common::requests(&pts, "illegal_dumping"));
    let snapshot = index.snapshot();
    let catalog = Catalog::new(Vec::new()).expect("empty catalog");
    let selection = Selection {
        types: vec!["illegal_dumping".into()],
        start: DateTime::from_timestamp(common::YEAR_START, 0),
        end: DateTime::from_timestamp(common::YEAR_START + 366 * 86_400, 0),
        status: None,
    };

    let mut g = c.benchmark_group("engine_1m");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("gistar_1m_index", |b| {
        b.iter(|| {
            gistar_indexed(&snapshot, &catalog, &selection, &GiStarParams::default())
                .expect("gistar")
        })
    });
    let query = HotspotQuery {
        selection: selection.clone(),
        res: Some(9),
        ..Default::default()
    };
    g.bench_function("report_gistar_1m", |b| {
        b.iter(|| compute_report(&snapshot, &catalog, &query, None).expect("report"))
    });
    let sel = select(&snapshot, &catalog, &selection).expect("select");
    let params = DbscanParams {
        eps_m: 100.0,
        min_points: 5,
    };
    g.bench_function("dbscan_1m", |b| {
        b.iter(|| run_dbscan(&sel, &params).expect("dbscan"))
    });
    let query = HotspotQuery {
        selection,
        method: Method::Dbscan,
        ..Default::default()
    };
    g.bench_function("report_dbscan_1m", |b| {
        b.iter(|| compute_report(&snapshot, &catalog, &query, None).expect("report"))
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
