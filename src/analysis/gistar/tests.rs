use super::*;
use crate::analysis::testutil;
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// PySAL's G_Local doc example: binary distance band 15, self included.
#[test]
fn published_check_vector() {
    let pts = [
        (10., 10.),
        (20., 10.),
        (40., 10.),
        (15., 20.),
        (30., 20.),
        (30., 30.),
    ];
    let y = [2.0, 3.0, 3.2, 5.0, 8.0, 7.0];
    let neighbours: Vec<Vec<(usize, f64)>> = pts
        .iter()
        .map(|a: &(f64, f64)| {
            pts.iter()
                .enumerate()
                .filter(|(_, b)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() <= 15.0)
                .map(|(j, _)| (j, 1.0))
                .collect()
        })
        .collect();
    let got = gi_star(&y, &neighbours).unwrap();
    let want = [
        -1.39727626,
        -0.28917762,
        0.65064964,
        -0.28917762,
        1.23452088,
        2.02424331,
    ];
    for (g, w) in got.iter().zip(want) {
        assert!((g.z - w).abs() < 1e-7, "z {} want {w}", g.z);
        assert!((g.p - normal::two_sided_p(w)).abs() < 1e-7);
    }
}

#[test]
fn degenerate_cases() {
    let nb = vec![vec![(0, 1.0), (1, 1.0)], vec![(0, 1.0), (1, 1.0)]];
    // S = 0.
    let got = gi_star(&[3.0, 3.0], &nb).unwrap();
    assert!(got.iter().all(|g| g.z == 0.0 && g.p == 1.0));
    // Every cell sees all n cells: the variance term is 0.
    let got = gi_star(&[1.0, 3.0], &nb).unwrap();
    assert!(got.iter().all(|g| g.z == 0.0 && g.p == 1.0));
    assert!(matches!(
        gi_star(&[1.0], &[vec![(0, 1.0)]]),
        Err(AnalysisError::NotEnoughData(_))
    ));
    assert!(gi_star(&[], &[]).is_err());
    assert!(gi_star(&[1.0, f64::NAN], &nb).is_err());
    assert!(gi_star(&[1.0, 2.0], &[vec![(5, 1.0)], vec![]]).is_err());
    assert!(gi_star(&[1.0, 2.0], &[vec![(0, f64::INFINITY)], vec![]]).is_err());
    assert!(gi_star(&[1.0, 2.0], &nb[..1]).is_err());
}

/// Deterministic pseudo-random points around Philadelphia with two blobs.
fn sample_points(n: usize, seed: u64) -> Vec<Coord<f64>> {
    let mut s = seed;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64) / ((1u64 << 53) as f64)
    };
    (0..n)
        .map(|i| {
            let (cx, cy, r) = match i % 4 {
                0 => (-75.16, 39.95, 0.004),
                1 => (-75.13, 39.97, 0.002),
                _ => (-75.15, 39.96, 0.03),
            };
            Coord {
                x: cx + (next() - 0.5) * 2.0 * r,
                y: cy + (next() - 0.5) * 2.0 * r,
            }
        })
        .collect()
}

fn cells_of(points: &[Coord<f64>], res: Resolution) -> Vec<CellIndex> {
    points
        .iter()
        .map(|c| LatLng::new(c.y, c.x).unwrap().to_cell(res))
        .collect()
}

/// Straightforward dense reference of the definition.
fn reference(cells: &[CellIndex], k: u32) -> Vec<(CellIndex, u64, f64, u32)> {
    let mut counts = std::collections::BTreeMap::<CellIndex, u64>::new();
    for &c in cells {
        *counts.entry(c).or_default() += 1;
    }
    let mut study: std::collections::BTreeSet<CellIndex> = counts.keys().copied().collect();
    for &c in counts.keys() {
        study.extend(c.grid_disk::<Vec<_>>(k));
    }
    let study: Vec<CellIndex> = study.into_iter().collect();
    let x: Vec<f64> = study
        .iter()
        .map(|c| counts.get(c).copied().unwrap_or(0) as f64)
        .collect();
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let s = (x.iter().map(|v| v * v).sum::<f64>() / n - mean * mean).sqrt();
    study
        .iter()
        .enumerate()
        .map(|(i, &ci)| {
            let (mut swx, mut sw, mut sw2) = (0.0, 0.0, 0.0);
            for (j, &cj) in study.iter().enumerate() {
                let w = if ci.grid_distance(cj).is_ok_and(|d| d <= k as i32) {
                    1.0
                } else {
                    0.0
                };
                swx += w * x[j];
                sw += w;
                sw2 += w * w;
            }
            let z = (swx - mean * sw) / (s * ((n * sw2 - sw * sw) / (n - 1.0)).sqrt());
            (ci, x[i] as u64, z, sw as u32)
        })
        .collect()
}

#[test]
fn h3_matches_dense_reference() {
    for (k, res) in [
        (1, Resolution::Nine),
        (2, Resolution::Nine),
        (1, Resolution::Eight),
    ] {
        let pts = sample_points(3000, 7 + u64::from(k));
        let cells = cells_of(&pts, res);
        let params = GiStarParams {
            resolution: u8::from(res),
            k,
            ..GiStarParams::default()
        };
        let got = gistar_h3(cells.iter().copied(), &params).unwrap();
        let want = reference(&cells, k);
        assert_eq!(got.cells.len(), want.len());
        for (g, w) in got.cells.iter().zip(&want) {
            assert_eq!((g.cell, g.count, g.neighbours), (w.0, w.1, w.3));
            assert!((g.z - w.2).abs() < 1e-9, "{}: {} vs {}", g.cell, g.z, w.2);
        }
        // Same answer from raw points.
        let from_points = gistar_points(&pts, &params).unwrap();
        assert_eq!(from_points, got);
    }
}

#[test]
fn finer_cells_are_moved_to_parents() {
    let pts = sample_points(500, 3);
    let fine = cells_of(&pts, Resolution::Twelve);
    let parents: Vec<CellIndex> = fine
        .iter()
        .map(|c| c.parent(Resolution::Nine).unwrap())
        .collect();
    let p = GiStarParams::default();
    let (a, b) = (
        gistar_h3(fine, &p).unwrap(),
        gistar_h3(parents, &p).unwrap(),
    );
    assert!(a == b, "results differ");
    let too_coarse = cells_of(&pts, Resolution::Seven);
    assert!(matches!(
        gistar_h3(too_coarse, &p),
        Err(AnalysisError::InvalidInput(_))
    ));
}

#[test]
fn study_area_polygon_adds_empty_cells() {
    let pts = sample_points(400, 11);
    let square = Polygon::new(
        LineString::from(vec![
            (-75.20, 39.92),
            (-75.10, 39.92),
            (-75.10, 40.00),
            (-75.20, 40.00),
            (-75.20, 39.92),
        ]),
        vec![],
    );
    let area = MultiPolygon(vec![square]);
    let params = GiStarParams {
        study_area: Some(&area),
        ..GiStarParams::default()
    };
    let got = gistar_h3(cells_of(&pts, Resolution::Nine), &params).unwrap();
    let mut tiler = TilerBuilder::new(Resolution::Nine).build();
    tiler.add_batch(area.0.iter().cloned()).unwrap();
    let inside: std::collections::BTreeSet<CellIndex> = tiler.into_coverage().collect();
    let mut want = inside.clone();
    want.extend(cells_of(&pts, Resolution::Nine));
    let got_cells: Vec<CellIndex> = got.cells.iter().map(|c| c.cell).collect();
    assert_eq!(got_cells, want.into_iter().collect::<Vec<_>>());
    assert!(got.cells.iter().any(|c| c.count == 0));
    let total: u64 = got.cells.iter().map(|c| c.count).sum();
    assert_eq!(total, 400);
}

#[test]
fn parameter_errors_name_the_parameter() {
    let cells = cells_of(&sample_points(10, 1), Resolution::Nine);
    let bad = |p: GiStarParams<'_>| {
        gistar_h3(cells.iter().copied(), &p)
            .unwrap_err()
            .to_string()
    };
    let d = GiStarParams::default();
    assert!(bad(GiStarParams {
        resolution: 16,
        ..d
    })
    .contains("`res`"));
    assert!(bad(GiStarParams { k: 0, ..d }).contains("`k`"));
    assert!(bad(GiStarParams { k: 11, ..d }).contains("`k`"));
    let empty: Vec<CellIndex> = Vec::new();
    assert!(matches!(
        gistar_h3(empty, &d),
        Err(AnalysisError::NotEnoughData(_))
    ));
    let nan = [Coord {
        x: f64::NAN,
        y: 40.0,
    }];
    assert!(matches!(
        gistar_points(&nan, &d),
        Err(AnalysisError::InvalidInput(_))
    ));
    let out = [Coord { x: -75.0, y: 91.0 }];
    assert!(matches!(
        gistar_points(&out, &d),
        Err(AnalysisError::InvalidInput(_))
    ));
}

#[test]
fn deterministic_and_sorted() {
    let pts = sample_points(2000, 5);
    let a = gistar_points(&pts, &GiStarParams::default()).unwrap();
    let mut rev = pts.clone();
    rev.reverse();
    let b = gistar_points(&rev, &GiStarParams::default()).unwrap();
    assert_eq!(a, b);
    assert!(a.cells.windows(2).all(|w| w[0].cell < w[1].cell));
    assert!(a.cells.iter().any(|c| c.bin >= 2));
}

const PYSAL_SCRIPT: &str = r#"
import sys, json
import numpy as np
import libpysal, esda
d = json.load(sys.stdin)
w = libpysal.weights.W({i: nb for i, nb in enumerate(d["neighbours"])}, silence_warnings=True)
g = esda.G_Local(np.array(d["y"], dtype=float), w, transform="B", star=True, permutations=0)
print("\n".join(repr(float(z)) for z in g.Zs))
"#;

/// Max |z - esda Zs| over a Gi* result (k = 1 neighbours rebuilt from the cells).
fn max_diff_vs_esda(res: &GiStarResult) -> f64 {
    let position: std::collections::HashMap<CellIndex, usize> = res
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| (c.cell, i))
        .collect();
    // Neighbours without self: esda's star=True adds the self weight 1.
    let neighbours: Vec<Vec<usize>> = res
        .cells
        .iter()
        .map(|c| {
            c.cell
                .grid_disk::<Vec<_>>(res.k)
                .into_iter()
                .filter(|n| *n != c.cell)
                .filter_map(|n| position.get(&n).copied())
                .collect()
        })
        .collect();
    let y: Vec<u64> = res.cells.iter().map(|c| c.count).collect();
    let input = format!("{{\"y\": {y:?}, \"neighbours\": {:?}}}", neighbours);
    let out = testutil::run_python(PYSAL_SCRIPT, &input);
    let zs: Vec<f64> = out.lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(zs.len(), res.cells.len());
    res.cells
        .iter()
        .zip(&zs)
        .map(|(c, z)| (c.z - z).abs())
        .fold(0.0, f64::max)
}

/// Cross-check against esda on real points: Philadelphia's 2024 illegal-dumping requests
/// (22,156), H3 res 9 and res 8, k = 1.
#[test]
fn pysal_cross_check_philadelphia() {
    if !testutil::require_python("pysal_cross_check_philadelphia", &["esda", "libpysal"]) {
        return;
    }
    let Some(path) = crate::config::shared_data_dir()
        .map(|d| d.join("philadelphia/311/phl311_illegal_dumping_2024_points.csv"))
        .filter(|p| p.exists())
    else {
        eprintln!("SKIPPED pysal_cross_check_philadelphia: shared Philadelphia data not found");
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let pts: Vec<Coord<f64>> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            Some(Coord {
                x: f.next()?.parse().ok()?,
                y: f.next()?.parse().ok()?,
            })
        })
        .collect();
    assert_eq!(pts.len(), 22_156);
    for resolution in [9, 8] {
        let params = GiStarParams {
            resolution,
            ..Default::default()
        };
        let res = gistar_points(&pts, &params).unwrap();
        let max_diff = max_diff_vs_esda(&res);
        eprintln!(
            "pysal_cross_check_philadelphia: res {resolution}, {} cells, max |z - Zs| = {max_diff:e}",
            res.cells.len()
        );
        assert!(max_diff < 1e-9);
    }
}

/// Cross-check against PySAL `esda.G_Local(star=True, transform='B')`.
#[test]
fn pysal_cross_check() {
    if !testutil::require_python("pysal_cross_check", &["esda", "libpysal"]) {
        return;
    }
    let pts = sample_points(3000, 21);
    let res = GiStarResult::clone(&gistar_points(&pts, &GiStarParams::default()).unwrap());
    let position: std::collections::HashMap<CellIndex, usize> = res
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| (c.cell, i))
        .collect();
    // Neighbours without self: esda's star=True adds the self weight 1.
    let neighbours: Vec<Vec<usize>> = res
        .cells
        .iter()
        .map(|c| {
            c.cell
                .grid_disk::<Vec<_>>(1)
                .into_iter()
                .filter(|n| *n != c.cell)
                .filter_map(|n| position.get(&n).copied())
                .collect()
        })
        .collect();
    let y: Vec<u64> = res.cells.iter().map(|c| c.count).collect();
    let input = format!("{{\"y\": {y:?}, \"neighbours\": {:?}}}", neighbours);
    let out = testutil::run_python(PYSAL_SCRIPT, &input);
    let zs: Vec<f64> = out.lines().map(|l| l.trim().parse().unwrap()).collect();
    assert_eq!(zs.len(), res.cells.len());
    let max_diff = res
        .cells
        .iter()
        .zip(&zs)
        .map(|(c, z)| (c.z - z).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "pysal_cross_check: {} cells, max |z - Zs| = {max_diff:e}",
        zs.len()
    );
    assert!(max_diff < 1e-9);
}
