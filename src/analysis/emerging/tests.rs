use super::*;
use crate::analysis::testutil;
use h3o::LatLng;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const WEEK: i64 = 7 * DAY;
const END: i64 = 1_780_000_000;

fn cell(lat: f64, lon: f64) -> CellIndex {
    LatLng::new(lat, lon).unwrap().to_cell(Resolution::Nine)
}

use h3o::Resolution;

#[test]
fn categories_follow_the_rules_in_order() {
    use Category::*;
    let hot = |s: &str| -> Vec<i8> {
        s.chars()
            .map(|c| match c {
                'H' => 1,
                'C' => -1,
                _ => 0,
            })
            .collect()
    };
    let cases: &[(&str, i8, Category)] = &[
        ("..........", 0, None),
        (".........H", 0, NewHot),
        ("......HHHH", 0, ConsecutiveHot),
        ("..H.H..H.H", 0, SporadicHot),
        ("C..H...H.H", 0, OscillatingHot),
        ("HHHHHHHHHH", 1, IntensifyingHot),
        ("HHHHHHHHHH", -1, DiminishingHot),
        ("HHHHHHHHHH", 0, PersistentHot),
        (".HHHHHHHHH", 0, PersistentHot),
        ("HHHHHHHHH.", 0, HistoricalHot),
        (".........C", 0, NewCold),
        ("......CCCC", 0, ConsecutiveCold),
        ("..C.C..C.C", 0, SporadicCold),
        ("H..C...C.C", 0, OscillatingCold),
        ("CCCCCCCCCC", -1, IntensifyingCold),
        ("CCCCCCCCCC", 1, DiminishingCold),
        ("CCCCCCCCCC", 0, PersistentCold),
        ("CCCCCCCCC.", 0, HistoricalCold),
        ("HHHHHHHH..", 0, None),
    ];
    for &(bins, trend, expected) in cases {
        assert_eq!(
            Category::classify(&hot(bins), trend),
            expected,
            "{bins} trend {trend}"
        );
    }
    let names: std::collections::BTreeSet<&str> =
        Category::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names.len(), 17);
    assert!(Category::HistoricalHot.is_hot() && !Category::NewCold.is_hot());
}

#[test]
fn steps_are_half_open_on_the_left_and_end_at_the_anchor() {
    assert_eq!(step_of(END, END, WEEK, 10), Some(9));
    assert_eq!(
        step_of(END - WEEK, END, WEEK, 10),
        Some(8),
        "(end-2Δ, end-Δ] holds end-Δ"
    );
    assert_eq!(step_of(END - WEEK + 1, END, WEEK, 10), Some(9));
    assert_eq!(step_of(END - 10 * WEEK + 1, END, WEEK, 10), Some(0));
    assert_eq!(step_of(END - 10 * WEEK, END, WEEK, 10), None);
    assert_eq!(step_of(END + 1, END, WEEK, 10), None);
}

#[test]
fn fewer_than_ten_steps_is_refused_with_the_span() {
    let events: Vec<(CellIndex, i64)> = (0..50)
        .map(|i| (cell(40.0, -75.0), END - i * DAY))
        .collect();
    let err = emerging_hotspots(&events, &EmergingParams::default()).unwrap_err();
    assert!(matches!(err, AnalysisError::NotEnoughData(_)), "{err}");
    assert!(err.to_string().contains("49.0 days"), "{err}");
    let bad = EmergingParams {
        step_days: 0,
        ..EmergingParams::default()
    };
    assert!(matches!(
        emerging_hotspots(&events, &bad),
        Err(AnalysisError::InvalidParameter {
            name: "step_days",
            ..
        })
    ));
}

/// Random events on a small patch over 12 weekly steps.
fn random_events(n: usize, seed: u64) -> Vec<(CellIndex, i64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let lat = 40.0 + rng.random_range(0.0..0.02);
            let lon = -75.0 + rng.random_range(0.0..0.02);
            (cell(lat, lon), END - rng.random_range(0..12 * WEEK))
        })
        .collect()
}

#[test]
fn planted_patterns_get_their_categories() {
    // background: one request a week in each of many cells, plus a cell that turns hot in
    // the final week only, and one hot in every week and growing
    let mut events = Vec::new();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let base = cell(40.0, -75.0);
    let area: Vec<CellIndex> = base.grid_disk::<Vec<_>>(12);
    let new = area[300];
    let growing = area[100];
    for week in 0..20i64 {
        for &c in &area {
            if rng.random_bool(0.5) {
                events.push((c, END - week * WEEK - 3600));
            }
        }
        for _ in 0..20 + (20 - week) * 3 {
            events.push((growing, END - week * WEEK - 7200));
        }
    }
    for _ in 0..40 {
        events.push((new, END - 3600));
    }
    let params = EmergingParams {
        steps: Some(20),
        end: Some(END),
        ..EmergingParams::default()
    };
    let result = emerging_hotspots(&events, &params).unwrap();
    assert_eq!(result.steps, 20);
    let category = |c: CellIndex| {
        result
            .locations
            .iter()
            .find(|l| l.cell == c)
            .unwrap()
            .category
    };
    assert_eq!(category(new), Category::NewHot);
    assert_eq!(category(growing), Category::IntensifyingHot);
}

const ESDA_SCRIPT: &str = r#"
import sys, json, numpy as np
import libpysal, esda
d = json.load(sys.stdin)
w = libpysal.weights.W({int(k): v for k, v in d["neighbors"].items()}, silence_warnings=True)
g = esda.G_Local(np.array(d["y"], dtype=float), w, transform="B", star=True, permutations=0)
print(json.dumps([float(z) for z in g.Zs]))
"#;

/// The cube's z against PySAL `esda.G_Local(star=True, transform='B')` on the space-time
/// graph built independently here (bins (j, s) within k = 1 and lag 1).
#[test]
fn cube_z_matches_esda_on_the_space_time_graph() {
    if !testutil::require_python(
        "cube_z_matches_esda_on_the_space_time_graph",
        &["esda", "libpysal"],
    ) {
        return;
    }
    let events = random_events(600, 11);
    let params = EmergingParams {
        steps: Some(12),
        end: Some(END),
        ..EmergingParams::default()
    };
    let result = emerging_hotspots(&events, &params).unwrap();
    let n = result.steps as usize;
    let cells: Vec<CellIndex> = result.locations.iter().map(|l| l.cell).collect();
    let index = |i: usize, t: usize| i * n + t;
    let mut neighbors = serde_json::Map::new();
    let mut y = Vec::new();
    for (i, loc) in result.locations.iter().enumerate() {
        for t in 0..n {
            y.push(loc.counts[t]);
            let mut list = Vec::new();
            for (j, other) in cells.iter().enumerate() {
                let near = loc.cell.grid_distance(*other).is_ok_and(|d| d <= 1);
                for s in t.saturating_sub(1)..=t {
                    if near && !(j == i && s == t) {
                        list.push(index(j, s));
                    }
                }
            }
            neighbors.insert(index(i, t).to_string(), serde_json::json!(list));
        }
    }
    let input = serde_json::json!({"neighbors": neighbors, "y": y}).to_string();
    let zs: Vec<f64> = serde_json::from_str(&testutil::run_python(ESDA_SCRIPT, &input)).unwrap();
    let ours: Vec<f64> = result.locations.iter().flat_map(|l| l.z.clone()).collect();
    assert_eq!(zs.len(), ours.len());
    let max = zs
        .iter()
        .zip(&ours)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(max < 1e-9, "max |z - esda| = {max}");
}

const MK_SCRIPT: &str = r#"
import sys, json
import pymannkendall as mk
out = []
for x in json.load(sys.stdin):
    r = mk.original_test(x)
    out.append([float(r.s), float(r.var_s), float(r.z), float(r.p), float(r.Tau)])
print(json.dumps(out))
"#;

/// Mann–Kendall against `pymannkendall.original_test`, on series with and without ties.
#[test]
fn mann_kendall_matches_pymannkendall() {
    if !testutil::require_python("mann_kendall_matches_pymannkendall", &["pymannkendall"]) {
        return;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let series: Vec<Vec<f64>> = (0..40)
        .map(|i| {
            let n = 10 + i % 30;
            (0..n)
                .map(|t| {
                    let v = rng.random_range(-2.0..2.0) + (i % 3) as f64 * 0.1 * t as f64;
                    if i % 2 == 0 {
                        v.round()
                    } else {
                        v
                    }
                })
                .collect()
        })
        .collect();
    let input = serde_json::to_string(&series).unwrap();
    let reference: Vec<[f64; 5]> =
        serde_json::from_str(&testutil::run_python(MK_SCRIPT, &input)).unwrap();
    for (x, r) in series.iter().zip(&reference) {
        let t = crate::analysis::mann_kendall::mann_kendall(x);
        let ours = [t.s, t.var_s, t.z, t.p, t.tau];
        for (a, b) in ours.iter().zip(r) {
            assert!(
                (a - b).abs() < 1e-9,
                "{x:?}: ours {ours:?}, pymannkendall {r:?}"
            );
        }
    }
}
