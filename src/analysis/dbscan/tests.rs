use super::*;
use crate::analysis::testutil;
use std::collections::HashMap;

const LAT0: f64 = 39.95;
const LON0: f64 = -75.16;

/// A point `north_m` metres north and `east_m` metres east of (LAT0, LON0).
fn at(north_m: f64, east_m: f64) -> Coord<f64> {
    let dlat = (north_m / EARTH_RADIUS_M).to_degrees();
    let dlon = (east_m / (EARTH_RADIUS_M * LAT0.to_radians().cos())).to_degrees();
    Coord {
        x: LON0 + dlon,
        y: LAT0 + dlat,
    }
}

fn run(points: &[Coord<f64>], eps_m: f64, min_points: usize) -> DbscanResult {
    dbscan(points, &DbscanParams { eps_m, min_points }).unwrap()
}

#[test]
fn haversine_sanity() {
    let d = haversine_m(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 1.0 });
    assert!((d - 111_195.080_233_532_9).abs() < 1e-6, "{d}");
    assert!((haversine_m(at(0.0, 0.0), at(0.0, 100.0)) - 100.0).abs() < 1e-3);
}

#[test]
fn chain_with_border_ends_and_noise() {
    let mut pts: Vec<Coord<f64>> = (0..10).map(|i| at(50.0 * f64::from(i), 0.0)).collect();
    pts.push(at(5000.0, 0.0));
    let r = run(&pts, 60.0, 3);
    assert_eq!(r.labels[..10], [0; 10]);
    assert_eq!(r.labels[10], -1);
    assert!(!r.core[0] && !r.core[9] && r.core[1..9].iter().all(|&c| c));
    assert_eq!(r.clusters.len(), 1);
    assert_eq!((r.clusters[0].count, r.clusters[0].core_count), (10, 8));
}

/// A border point reachable from two clusters joins the one whose lowest
/// core-point index is smallest (scikit-learn's expansion order).
#[test]
fn border_point_follows_sklearn_order() {
    let a: Vec<Coord<f64>> = [-40.0, -20.0, 0.0].iter().map(|&m| at(m, 0.0)).collect();
    let b: Vec<Coord<f64>> = [180.0, 200.0, 220.0].iter().map(|&m| at(m, 0.0)).collect();
    let mid = at(90.0, 0.0);
    let first_a: Vec<Coord<f64>> = a.iter().chain(&b).copied().chain([mid]).collect();
    let r = run(&first_a, 100.0, 4);
    assert_eq!(r.core, vec![false, false, true, true, false, false, false]);
    assert_eq!(r.labels, vec![0, 0, 0, 1, 1, 1, 0]);
    let first_b: Vec<Coord<f64>> = b.iter().chain(&a).copied().chain([mid]).collect();
    let r = run(&first_b, 100.0, 4);
    assert_eq!(r.labels, vec![0, 0, 0, 1, 1, 1, 0]);
    assert_eq!(r.clusters[0].count, 4);
}

#[test]
fn min_points_one_makes_singletons() {
    let pts = vec![
        at(0.0, 0.0),
        at(1000.0, 0.0),
        at(10.0, 0.0),
        at(3000.0, 0.0),
    ];
    let r = run(&pts, 20.0, 1);
    assert!(r.core.iter().all(|&c| c));
    assert_eq!(r.labels, vec![0, 1, 0, 2]);
    // Singleton hulls are still visible polygons of about the buffer size.
    use geo::Area;
    let hull = &r.clusters[2].hull;
    assert!(hull.exterior().0.len() >= 16);
    assert!(hull.unsigned_area() > 0.0);
}

#[test]
fn crosses_the_antimeridian() {
    let pts: Vec<Coord<f64>> = (0..6)
        .map(|i| Coord {
            x: if i % 2 == 0 { 179.9997 } else { -179.9997 },
            y: 10.0 + 0.0001 * f64::from(i),
        })
        .collect();
    let r = run(&pts, 100.0, 3);
    assert!(r.labels.iter().all(|&l| l == 0), "{:?}", r.labels);
}

#[test]
fn invalid_inputs_are_errors() {
    let p = [at(0.0, 0.0)];
    let err = |eps_m, min_points, pts: &[Coord<f64>]| {
        dbscan(pts, &DbscanParams { eps_m, min_points })
            .unwrap_err()
            .to_string()
    };
    assert!(err(0.0, 5, &p).contains("`eps_m`"));
    assert!(err(f64::NAN, 5, &p).contains("`eps_m`"));
    assert!(err(100.0, 0, &p).contains("`min_points`"));
    assert!(err(
        100.0,
        5,
        &[Coord {
            x: f64::NAN,
            y: 0.0
        }]
    )
    .contains("point 0"));
    assert!(err(100.0, 5, &[Coord { x: 0.0, y: 95.0 }]).contains("point 0"));
    let empty = run(&[], 100.0, 5);
    assert!(empty.labels.is_empty() && empty.clusters.is_empty());
}

/// Deterministic clustered test points around (LAT0, LON0).
fn sample(n: usize, seed: u64) -> Vec<Coord<f64>> {
    let mut s = seed;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let centres: Vec<(f64, f64)> = (0..12)
        .map(|_| (next() * 4000.0, next() * 4000.0))
        .collect();
    (0..n)
        .map(|i| {
            if i % 3 == 0 {
                at(next() * 4000.0, next() * 4000.0)
            } else {
                let (cy, cx) = centres[i % centres.len()];
                let r = 150.0 * next().sqrt();
                let a = next() * std::f64::consts::TAU;
                at(cy + r * a.sin(), cx + r * a.cos())
            }
        })
        .collect()
}

/// scikit-learn's algorithm, literally: neighbourhoods by brute force, then
/// its `dbscan_inner` depth-first expansion.
fn brute_force(points: &[Coord<f64>], eps_m: f64, min_points: usize) -> (Vec<i32>, Vec<bool>) {
    let hav_eps = (0.5 * eps_m / EARTH_RADIUS_M).sin().powi(2);
    let rad: Vec<(f64, f64)> = points
        .iter()
        .map(|c| (c.y.to_radians(), c.x.to_radians()))
        .collect();
    let nbhd: Vec<Vec<usize>> = rad
        .iter()
        .map(|&(la, lo)| {
            (0..rad.len())
                .filter(|&j| hav(la, lo, rad[j].0, rad[j].1) <= hav_eps)
                .collect()
        })
        .collect();
    let core: Vec<bool> = nbhd.iter().map(|n| n.len() >= min_points).collect();
    let mut labels = vec![-1i32; points.len()];
    let mut label = 0;
    for start in 0..points.len() {
        if labels[start] != -1 || !core[start] {
            continue;
        }
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            if labels[i] != -1 {
                continue;
            }
            labels[i] = label;
            if core[i] {
                stack.extend(nbhd[i].iter().filter(|&&j| labels[j] == -1));
            }
        }
        label += 1;
    }
    renumber_by_size(&mut labels);
    (labels, core)
}

#[test]
fn matches_brute_force_sklearn_algorithm() {
    for (seed, eps, minp) in [(1, 40.0, 5), (2, 25.0, 3), (3, 80.0, 12), (4, 15.0, 2)] {
        let pts = sample(2500, seed);
        let r = run(&pts, eps, minp);
        let (labels, core) = brute_force(&pts, eps, minp);
        assert_eq!(r.core, core, "seed {seed}");
        assert_eq!(r.labels, labels, "seed {seed}");
        let sizes: Vec<usize> = r.clusters.iter().map(|c| c.count).collect();
        assert!(sizes.windows(2).all(|w| w[0] >= w[1]));
    }
}

#[test]
fn deterministic_and_order_independent_cores() {
    let pts = sample(5000, 9);
    let a = run(&pts, 50.0, 5);
    assert_eq!(a, run(&pts, 50.0, 5));
    let rev: Vec<Coord<f64>> = pts.iter().rev().copied().collect();
    let b = run(&rev, 50.0, 5);
    let b_core: Vec<bool> = b.core.iter().rev().copied().collect();
    assert_eq!(a.core, b_core);
    let b_labels: Vec<i32> = b.labels.iter().rev().copied().collect();
    assert!(same_core_partition(&a.labels, &b_labels, &a.core));
    // Hulls contain their centroid.
    use geo::Contains;
    assert!(a.clusters.iter().all(|c| c.hull.contains(&c.centroid)));
}

/// Whether two labelings split the core points identically.
fn same_core_partition(a: &[i32], b: &[i32], core: &[bool]) -> bool {
    let mut ab = HashMap::new();
    let mut ba = HashMap::new();
    a.iter()
        .zip(b)
        .zip(core)
        .filter(|(_, &c)| c)
        .all(|((&x, &y), _)| {
            *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x && x >= 0 && y >= 0
        })
}

/// Adjusted Rand index (noise counted as one label, as scikit-learn does).
fn adjusted_rand_index(a: &[i32], b: &[i32]) -> f64 {
    let c2 = |n: f64| n * (n - 1.0) / 2.0;
    let mut pairs: HashMap<(i32, i32), f64> = HashMap::new();
    let mut ra: HashMap<i32, f64> = HashMap::new();
    let mut rb: HashMap<i32, f64> = HashMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *pairs.entry((x, y)).or_default() += 1.0;
        *ra.entry(x).or_default() += 1.0;
        *rb.entry(y).or_default() += 1.0;
    }
    let index: f64 = pairs.values().map(|&n| c2(n)).sum();
    let sa: f64 = ra.values().map(|&n| c2(n)).sum();
    let sb: f64 = rb.values().map(|&n| c2(n)).sum();
    let expected = sa * sb / c2(a.len() as f64);
    let max = 0.5 * (sa + sb);
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

#[test]
fn ari_sanity() {
    assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
    assert!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]) < 0.0);
}

const SKLEARN_SCRIPT: &str = r#"
import sys
import numpy as np
from sklearn.cluster import DBSCAN
eps_m, min_samples = map(float, sys.stdin.readline().split())
pts = np.loadtxt(sys.stdin, delimiter=",", ndmin=2)
X = np.radians(pts[:, [1, 0]])
db = DBSCAN(eps=eps_m / 6371008.8, min_samples=int(min_samples), metric="haversine", algorithm="ball_tree").fit(X)
core = np.zeros(len(X), dtype=int)
core[db.core_sample_indices_] = 1
print("\n".join(f"{l},{c}" for l, c in zip(db.labels_, core)))
"#;

const CHICAGO: &str = "/work/shared/data/chicago/311/chi311_2017_abandoned_cars_points.csv";

fn chicago_points(limit: usize) -> Option<Vec<Coord<f64>>> {
    let text = std::fs::read_to_string(CHICAGO).ok()?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let lon = header.iter().position(|h| *h == "lon")?;
    let lat = header.iter().position(|h| *h == "lat")?;
    Some(
        lines
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                Some(Coord {
                    x: f.get(lon)?.parse().ok()?,
                    y: f.get(lat)?.parse().ok()?,
                })
            })
            .take(limit)
            .collect(),
    )
}

/// Cross-check against scikit-learn on real Chicago 311 points.
#[test]
fn sklearn_cross_check_chicago() {
    if !testutil::require_python("sklearn_cross_check_chicago", &["sklearn"]) {
        return;
    }
    let Some(pts) = chicago_points(20_000) else {
        eprintln!("SKIPPED sklearn_cross_check_chicago: {CHICAGO} not found");
        return;
    };
    let (eps_m, min_points) = (100.0, 5);
    let mut input = format!("{eps_m} {min_points}\n");
    for p in &pts {
        input.push_str(&format!("{:.8},{:.8}\n", p.x, p.y));
    }
    // Use the exact values python sees.
    let pts: Vec<Coord<f64>> = input
        .lines()
        .skip(1)
        .map(|l| {
            let (x, y) = l.split_once(',').unwrap();
            Coord {
                x: x.parse().unwrap(),
                y: y.parse().unwrap(),
            }
        })
        .collect();
    let out = testutil::run_python(SKLEARN_SCRIPT, &input);
    let (sk_labels, sk_core): (Vec<i32>, Vec<bool>) = out
        .lines()
        .map(|l| {
            let (a, b) = l.split_once(',').unwrap();
            (a.parse::<i32>().unwrap(), b == "1")
        })
        .unzip();
    let r = run(&pts, eps_m, min_points);
    assert_eq!(r.core, sk_core, "core points differ");
    assert!(same_core_partition(&r.labels, &sk_labels, &r.core));
    let ari = adjusted_rand_index(&r.labels, &sk_labels);
    let identical = {
        let mut sk = sk_labels.clone();
        renumber_by_size(&mut sk);
        sk == r.labels
    };
    eprintln!(
        "sklearn_cross_check_chicago: {} points, {} clusters, {} core, ARI = {ari}, labels identical: {identical}",
        pts.len(),
        r.clusters.len(),
        r.core.iter().filter(|&&c| c).count()
    );
    assert!(ari >= 0.999);
}

/// Points near a pole make the longitude stencil span whole rows; this stays
/// exact and fast.
#[test]
fn near_the_pole() {
    let mut pts: Vec<Coord<f64>> = (0..8)
        .map(|i| Coord {
            x: f64::from(i) * 45.0 - 180.0,
            y: 89.9995,
        })
        .collect();
    pts.push(Coord { x: 0.0, y: 90.0 });
    pts.extend((0..50).map(|i| at(f64::from(i) * 10.0, 0.0)));
    let r = run(&pts, 100.0, 5);
    let (labels, core) = brute_force(&pts, 100.0, 5);
    assert_eq!((r.labels, r.core), (labels, core));
}
