//! Polygons cut to a tile and its buffer, rounded to whole tile units and wound as MVT asks
//! (exterior rings positive by the surveyor's formula in tile units, holes negative).
//!
//! Rings are clipped one by one against the square `[-BUFFER, EXTENT + BUFFER]²`
//! (Sutherland–Hodgman: a convex clip window keeps each ring one ring, with edges along the
//! window where the polygon leaves it, as tilers such as geojson-vt do). A ring that rounding
//! collapses (smaller than a tile unit at this zoom) is not dropped when it is an exterior: it
//! becomes a one-unit square where it lies, so every polygon that reaches a tile is in it at
//! every zoom. Collapsed holes are left out.

use super::{BUFFER, EXTENT};

/// The clip window: the tile and its buffer, in tile units.
fn window() -> (f64, f64) {
    (-f64::from(BUFFER), f64::from(EXTENT + BUFFER))
}

/// Clips one ring (tile units, open or closed) to the window; empty when it lies outside.
pub fn clip_ring(ring: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let (lo, hi) = window();
    let mut points: Vec<[f64; 2]> = ring.to_vec();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    // (axis, bound, keep the side below the bound?)
    for (axis, bound, below) in [(0, lo, false), (0, hi, true), (1, lo, false), (1, hi, true)] {
        if points.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if below {
                p[axis] <= bound
            } else {
                p[axis] >= bound
            }
        };
        let mut out = Vec::with_capacity(points.len() + 4);
        for i in 0..points.len() {
            let a = points[i];
            let b = points[(i + 1) % points.len()];
            match (inside(&a), inside(&b)) {
                (true, true) => out.push(b),
                (true, false) => out.push(crossing(a, b, axis, bound)),
                (false, true) => {
                    out.push(crossing(a, b, axis, bound));
                    out.push(b);
                }
                (false, false) => {}
            }
        }
        points = out;
    }
    points
}

/// Where segment a–b crosses `coordinate[axis] = bound`.
fn crossing(a: [f64; 2], b: [f64; 2], axis: usize, bound: f64) -> [f64; 2] {
    let t = (bound - a[axis]) / (b[axis] - a[axis]);
    let mut p = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
    p[axis] = bound;
    p
}

/// Rounds a clipped ring to tile units, without repeated points; `None` when fewer than
/// three distinct points or no area remain.
fn rounded(ring: &[[f64; 2]]) -> Option<Vec<[i32; 2]>> {
    let mut out: Vec<[i32; 2]> = Vec::with_capacity(ring.len());
    for p in ring {
        let q = [p[0].round() as i32, p[1].round() as i32];
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    (out.len() >= 3 && area2(&out) != 0).then_some(out)
}

/// Twice the signed area by the surveyor's formula (positive: clockwise on screen, y down).
pub fn area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
        })
        .sum()
}

/// A one-unit square at the mean of a clipped ring's points, wound as an exterior.
fn speck(ring: &[[f64; 2]]) -> Vec<[i32; 2]> {
    let (lo, hi) = window();
    let n = ring.len() as f64;
    let mean = |axis: usize| (ring.iter().map(|p| p[axis]).sum::<f64>() / n).clamp(lo, hi - 1.0);
    let (x, y) = (mean(0).floor() as i32, mean(1).floor() as i32);
    vec![[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1]]
}

/// Winds a ring positive (`exterior`) or negative.
fn wind(mut ring: Vec<[i32; 2]>, exterior: bool) -> Vec<[i32; 2]> {
    if (area2(&ring) > 0) != exterior {
        ring.reverse();
    }
    ring
}

/// A polygon (exterior then holes, tile units) clipped, rounded and wound for MVT; `None`
/// when it does not reach the window. A collapsed exterior becomes a one-unit square.
pub fn polygon(rings: &[Vec<[f64; 2]>]) -> Option<Vec<Vec<[i32; 2]>>> {
    let (exterior, holes) = rings.split_first()?;
    let clipped = clip_ring(exterior);
    if clipped.len() < 3 {
        return None;
    }
    let outer = rounded(&clipped).unwrap_or_else(|| speck(&clipped));
    let mut out = vec![wind(outer, true)];
    for hole in holes {
        if let Some(h) = rounded(&clip_ring(hole)) {
            out.push(wind(h, false));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_inside_are_kept_and_wound() {
        // counter-clockwise on screen: reversed to be an exterior
        let ccw = vec![
            [10.0, 10.0],
            [10.0, 20.0],
            [20.0, 20.0],
            [20.0, 10.0],
            [10.0, 10.0],
        ];
        let p = polygon(&[ccw]).unwrap();
        assert_eq!(p.len(), 1);
        assert!(area2(&p[0]) > 0);
        assert_eq!(area2(&p[0]), 200);
        assert_eq!(p[0].len(), 4, "the closing point is not repeated");
    }

    #[test]
    fn rings_are_cut_at_the_buffer() {
        let big = vec![
            [-1000.0, -1000.0],
            [5000.0, -1000.0],
            [5000.0, 5000.0],
            [-1000.0, 5000.0],
        ];
        let p = polygon(&[big]).unwrap();
        let mut corners = p[0].clone();
        corners.sort();
        assert_eq!(
            corners,
            vec![[-64, -64], [-64, 4160], [4160, -64], [4160, 4160]]
        );
        // a triangle half outside: cut along the window's edge
        let tri = vec![[4000.0, 100.0], [4400.0, 100.0], [4000.0, 500.0]];
        let cut = clip_ring(&tri);
        assert!(cut.iter().all(|q| q[0] <= 4160.0));
        assert!(cut.iter().any(|q| q[0] == 4160.0));
        // outside altogether
        let away = vec![[5000.0, 5000.0], [6000.0, 5000.0], [6000.0, 6000.0]];
        assert_eq!(polygon(&[away]), None);
    }

    #[test]
    fn tiny_exteriors_stay_as_a_speck_and_tiny_holes_go() {
        let tiny = vec![[100.1, 100.1], [100.3, 100.1], [100.2, 100.3]];
        let p = polygon(&[tiny.clone(), tiny]).unwrap();
        assert_eq!(p.len(), 1, "the collapsed hole is left out");
        assert_eq!(area2(&p[0]), 2);
        assert!(p[0].contains(&[100, 100]));
    }

    #[test]
    fn holes_are_wound_negative() {
        let outer = vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]];
        let hole = vec![[10.0, 10.0], [20.0, 10.0], [20.0, 20.0], [10.0, 20.0]];
        let p = polygon(&[outer, hole]).unwrap();
        assert!(area2(&p[0]) > 0 && area2(&p[1]) < 0);
    }
}
