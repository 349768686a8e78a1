//! Criterion benchmarks of the hot-spot engine on 1,000,000 synthetic requests of one type in
//! a Philadelphia-sized area (see `benches/common`): `cargo bench --bench analysis`.
//!
//! * `gistar_1m_cells`: the product's Gi* step: the selected requests' res-9 cells counted on
//!   all cores, study area, Gi*, FDR (target ≤ 50 ms).
//! * `report_gistar_1m`: the whole Gi* report as the CLI and the server compute it (select
//!   from the index, Gi*, regions, SLA summaries, ranking, work lists).
//! * `dbscan_1m`: DBSCAN eps 100 m, min 5, with hulls (target ≤ 1 s).
//! * `report_dbscan_1m`: the whole DBSCAN report.
//! * `emerging_cube_1m_52w`: emerging hot spots, the space-time cube of res-9 cells × 52
//!   weekly steps (Gi* on every bin, FDR, Mann–Kendall, categories; target ≤ 300 ms).
//! * `report_emerging_1m_52w`: the whole emerging hot-spot report.
//! * `knox_100k_99`: the Knox table of 100,000 requests (every tenth) with 99 permutations
//!   (target ≤ 2 s).
//!
//! `cargo run --example bench_analysis` prints the same figures plus peak memory.

mod common;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use hotspot::analysis::emerging::{emerging_hotspots, EmergingParams};
use hotspot::analysis::knox::{knox, KnoxParams};
use hotspot::analysis::{count_cells, dbscan, gistar_from_counts, DbscanParams, GiStarParams};
use hotspot::hotspots::{compute_report, exact_cells, select, HotspotQuery, MIN_REQUESTS};
use hotspot::index::Index;
use hotspot::methods::Method;
use hotspot::selection::Selection;

const N: usize = 1_000_000;

fn engine(c: &mut Criterion) {
    let pts = common::points(N);
    let index = Index::build(common::requests(&pts, "illegal_dumping"));
    let snapshot = index.snapshot();
    let selection = Selection {
        codes: vec!["illegal_dumping".into()],
        start: Some(common::YEAR_START),
        end: Some(common::YEAR_START + 366 * 86_400),
        ..Default::default()
    };

    let mut g = c.benchmark_group("engine_1m");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let sel = select(&snapshot, &selection, MIN_REQUESTS).expect("select");
    let cells = exact_cells(&snapshot, &sel, h3o::Resolution::Nine);
    let params = GiStarParams::default();
    g.bench_function("gistar_1m_cells", |b| {
        b.iter(|| {
            let counts = count_cells(&cells, h3o::Resolution::Nine).expect("counts");
            gistar_from_counts(&counts, &params).expect("gistar")
        })
    });
    let mut query = HotspotQuery {
        selection: selection.clone(),
        ..Default::default()
    };
    query.options.res = Some(9);
    g.bench_function("report_gistar_1m", |b| {
        b.iter(|| compute_report(&snapshot, &query, None).expect("report"))
    });
    let params = DbscanParams {
        eps_m: 100.0,
        min_points: 5,
    };
    g.bench_function("dbscan_1m", |b| {
        b.iter(|| dbscan(&sel.points, &params).expect("dbscan"))
    });
    let query = HotspotQuery {
        selection: selection.clone(),
        method: Method::Dbscan,
        ..Default::default()
    };
    g.bench_function("report_dbscan_1m", |b| {
        b.iter(|| compute_report(&snapshot, &query, None).expect("report"))
    });
    let times = sel.times(&snapshot);
    let events: Vec<(h3o::CellIndex, i64)> = cells
        .iter()
        .zip(&times)
        .filter_map(|(&c, t)| Some((c, (*t)?)))
        .collect();
    let cube = EmergingParams {
        steps: Some(52),
        end: selection.end,
        ..EmergingParams::default()
    };
    g.bench_function("emerging_cube_1m_52w", |b| {
        b.iter(|| emerging_hotspots(&events, &cube).expect("cube"))
    });
    let mut query = HotspotQuery {
        selection,
        method: Method::Emerging,
        ..Default::default()
    };
    query.options.res = Some(9);
    query.options.steps = Some(52);
    g.bench_function("report_emerging_1m_52w", |b| {
        b.iter(|| compute_report(&snapshot, &query, None).expect("report"))
    });
    let knox_events: Vec<(f64, f64, i64)> = sel
        .points
        .iter()
        .zip(&times)
        .step_by(10)
        .filter_map(|(p, t)| Some((p.x, p.y, (*t)?)))
        .collect();
    g.bench_function("knox_100k_99", |b| {
        b.iter(|| knox(&knox_events, &KnoxParams::default()).expect("knox"))
    });
    g.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
