//! Plane geometry for the geocoder: a local equirectangular frame in metres around the
//! reference data, and measures along polylines (position by distance, projection of a
//! point, crossing of two lines).

/// Metres per degree of latitude (mean Earth radius 6,371,008.8 m).
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// A point in the local frame: metres east and north of the frame's origin.
pub type Xy = [f64; 2];

/// An equirectangular projection around a city's centre; within a city (tens of km) its
/// distances agree with great-circle ones to a fraction of a percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    lon0: f64,
    lat0: f64,
    m_per_deg_lon: f64,
}

impl Frame {
    /// A frame centred on `(lon0, lat0)`.
    pub fn new(lon0: f64, lat0: f64) -> Frame {
        Frame {
            lon0,
            lat0,
            m_per_deg_lon: M_PER_DEG * lat0.to_radians().cos(),
        }
    }

    /// Degrees → local metres.
    pub fn to_xy(&self, lon: f64, lat: f64) -> Xy {
        [
            (lon - self.lon0) * self.m_per_deg_lon,
            (lat - self.lat0) * M_PER_DEG,
        ]
    }

    /// Local metres → `(lon, lat)` degrees.
    pub fn to_lon_lat(&self, p: Xy) -> (f64, f64) {
        (
            self.lon0 + p[0] / self.m_per_deg_lon,
            self.lat0 + p[1] / M_PER_DEG,
        )
    }
}

/// Euclidean distance in the frame.
pub fn dist(a: Xy, b: Xy) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// Cumulative length at each vertex (first 0, last the total).
pub fn cumulative(line: &[Xy]) -> Vec<f64> {
    let mut total = 0.0;
    let mut out = Vec::with_capacity(line.len());
    for (k, p) in line.iter().enumerate() {
        if k > 0 {
            total += dist(line[k - 1], *p);
        }
        out.push(total);
    }
    out
}

/// The point `measure` metres along `line` (clamped to its ends), moved `offset` metres to
/// the left of the direction of travel (negative: to the right).
pub fn point_along(line: &[Xy], cum: &[f64], measure: f64, offset: f64) -> Xy {
    if line.len() < 2 {
        return line.first().copied().unwrap_or([0.0, 0.0]);
    }
    let total = cum[cum.len() - 1];
    let m = measure.clamp(0.0, total);
    // the sub-segment k..k+1 holding m
    let k = cum.partition_point(|&c| c <= m).clamp(1, line.len() - 1) - 1;
    let (a, b) = (line[k], line[k + 1]);
    let len = cum[k + 1] - cum[k];
    let t = if len > 0.0 { (m - cum[k]) / len } else { 0.0 };
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (nx, ny) = if len > 0.0 {
        (-dy / len, dx / len)
    } else {
        (0.0, 0.0)
    };
    [a[0] + dx * t + nx * offset, a[1] + dy * t + ny * offset]
}

/// Where `p` projects onto a line: measure along it, the closest point, and the signed
/// distance (positive to the left of the direction of travel).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub measure: f64,
    pub closest: Xy,
    pub offset: f64,
}

/// Projects `p` onto the polyline `line` with cumulative lengths `cum`.
pub fn project(line: &[Xy], cum: &[f64], p: Xy) -> Projection {
    let mut best = Projection {
        measure: 0.0,
        closest: line.first().copied().unwrap_or(p),
        offset: f64::INFINITY,
    };
    let mut best_d = f64::INFINITY;
    for k in 0..line.len().saturating_sub(1) {
        let (a, b) = (line[k], line[k + 1]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let c = [a[0] + dx * t, a[1] + dy * t];
        let d = dist(c, p);
        if d < best_d {
            best_d = d;
            let cross = dx * (p[1] - a[1]) - dy * (p[0] - a[0]);
            best = Projection {
                measure: cum[k] + t * (cum[k + 1] - cum[k]),
                closest: c,
                offset: if cross >= 0.0 { d } else { -d },
            };
        }
    }
    if line.len() == 1 {
        best.offset = dist(line[0], p);
    }
    best
}

/// The crossing point of segments `a0–a1` and `b0–b1`, ends included (so segments that
/// only share an end meet there); `None` for parallel or disjoint segments.
pub fn segment_crossing(a0: Xy, a1: Xy, b0: Xy, b1: Xy) -> Option<Xy> {
    const EPS: f64 = 1e-9;
    let r = [a1[0] - a0[0], a1[1] - a0[1]];
    let s = [b1[0] - b0[0], b1[1] - b0[1]];
    let denom = r[0] * s[1] - r[1] * s[0];
    let q = [b0[0] - a0[0], b0[1] - a0[1]];
    if denom.abs() < EPS {
        // parallel: they meet only if an end is shared
        return [b0, b1]
            .into_iter()
            .find(|&e| dist(e, a0) < 1e-6 || dist(e, a1) < 1e-6);
    }
    let t = (q[0] * s[1] - q[1] * s[0]) / denom;
    let u = (q[0] * r[1] - q[1] * r[0]) / denom;
    let inside = |v: f64| (-EPS..=1.0 + EPS).contains(&v);
    (inside(t) && inside(u)).then(|| [a0[0] + r[0] * t, a0[1] + r[1] * t])
}

/// Every point where polylines `a` and `b` cross or touch.
pub fn line_crossings(a: &[Xy], b: &[Xy]) -> Vec<Xy> {
    let mut out: Vec<Xy> = Vec::new();
    for wa in a.windows(2) {
        for wb in b.windows(2) {
            if let Some(p) = segment_crossing(wa[0], wa[1], wb[0], wb[1]) {
                if !out.iter().any(|q| dist(*q, p) < 0.5) {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Axis-aligned bounds `[min_x, min_y, max_x, max_y]` of a polyline.
pub fn bounds(line: &[Xy]) -> [f64; 4] {
    line.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, p| {
            [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ]
        },
    )
}

/// True when two bounds, grown by `margin` metres, overlap.
pub fn bounds_touch(a: &[f64; 4], b: &[f64; 4], margin: f64) -> bool {
    a[0] - margin <= b[2] && b[0] - margin <= a[2] && a[1] - margin <= b[3] && b[1] - margin <= a[3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_round_trips_and_matches_haversine() {
        let f = Frame::new(-75.4, 39.985);
        let p = f.to_xy(-75.38, 39.99);
        let (lon, lat) = f.to_lon_lat(p);
        assert!((lon + 75.38).abs() < 1e-12 && (lat - 39.99).abs() < 1e-12);
        let h = crate::projection::haversine_m(-75.4, 39.985, -75.38, 39.99);
        assert!((dist([0.0, 0.0], p) - h).abs() / h < 1e-3, "{p:?} {h}");
    }

    #[test]
    fn points_along_and_projection_invert() {
        let line = [[0.0, 0.0], [100.0, 0.0], [100.0, 50.0]];
        let cum = cumulative(&line);
        assert_eq!(cum, vec![0.0, 100.0, 150.0]);
        assert_eq!(point_along(&line, &cum, 25.0, 0.0), [25.0, 0.0]);
        assert_eq!(point_along(&line, &cum, 125.0, 0.0), [100.0, 25.0]);
        // left of eastward travel is north; left of northward travel is west
        assert_eq!(point_along(&line, &cum, 50.0, 10.0), [50.0, 10.0]);
        assert_eq!(point_along(&line, &cum, 125.0, 10.0), [90.0, 25.0]);
        assert_eq!(point_along(&line, &cum, 999.0, 0.0), [100.0, 50.0]);
        let pr = project(&line, &cum, [40.0, -7.0]);
        assert_eq!(
            (pr.measure, pr.closest, pr.offset),
            (40.0, [40.0, 0.0], -7.0)
        );
        let pr = project(&line, &cum, [90.0, 30.0]);
        assert_eq!((pr.measure, pr.offset), (130.0, 10.0));
    }

    #[test]
    fn crossings_real_and_shared_ends() {
        let x = segment_crossing([0.0, 0.0], [10.0, 10.0], [0.0, 10.0], [10.0, 0.0]);
        assert_eq!(x, Some([5.0, 5.0]));
        let end = segment_crossing([0.0, 0.0], [10.0, 0.0], [10.0, 0.0], [10.0, 10.0]);
        assert_eq!(end, Some([10.0, 0.0]));
        assert_eq!(
            segment_crossing([0.0, 0.0], [10.0, 0.0], [0.0, 1.0], [10.0, 1.0]),
            None
        );
        assert_eq!(
            segment_crossing([0.0, 0.0], [4.0, 0.0], [5.0, -1.0], [5.0, 1.0]),
            None
        );
        let a = [[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]];
        let b = [[10.0, -5.0], [10.0, 0.0], [10.0, 5.0]];
        assert_eq!(line_crossings(&a, &b), vec![[10.0, 0.0]]);
    }
}
