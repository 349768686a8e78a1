//! Where house numbers lie along a centerline segment: a side's house-number range, the
//! number → measure curve interpolated over it, and its calibration from the address points
//! standing on that side.

use super::{AddressPoint, Reference};
use crate::geocode::geometry;

/// Lateral distance of an interpolated address from the centerline when the side has no
/// address points to learn it from, metres.
pub const DEFAULT_SIDE_OFFSET_M: f64 = 10.0;
/// Address points farther than this from their street's segment are not used to calibrate it.
const MAX_ANCHOR_DISTANCE_M: f64 = 150.0;

/// One side of a segment: its house-number range and how numbers map to positions.
#[derive(Debug, Clone)]
pub struct Side {
    pub from: u32,
    pub to: u32,
    pub zip: Option<u32>,
    /// `(number, measure)` pairs sorted by number: the range ends and any address points on
    /// this side, so interpolation follows where houses really are.
    pub curve: Vec<(f64, f64)>,
    /// Distance of the houses from the centerline, metres.
    pub offset: f64,
}

impl Side {
    /// Whether `n` is in the range and has its parity (ranges with mixed-parity ends hold both).
    pub fn contains(&self, n: u32) -> bool {
        let (lo, hi) = (self.from.min(self.to), self.from.max(self.to));
        (lo..=hi).contains(&n) && (self.from % 2 != self.to % 2 || n % 2 == self.from % 2)
    }

    /// Whether the range shares a number with `lo..=hi`.
    pub fn overlaps(&self, lo: u32, hi: u32) -> bool {
        self.from.min(self.to) <= hi && self.from.max(self.to) >= lo
    }

    /// Measure (metres from the segment start) of house number `n`.
    pub fn measure_of(&self, n: f64) -> f64 {
        interpolate(&self.curve, n, |p| p.0, |p| p.1)
    }

    /// House number at `measure` metres from the segment start.
    pub fn number_at(&self, measure: f64) -> f64 {
        let mut by_measure = self.curve.clone();
        by_measure.sort_by(|a, b| a.1.total_cmp(&b.1));
        interpolate(&by_measure, measure, |p| p.1, |p| p.0)
    }
}

/// Piecewise-linear interpolation over `curve` sorted by `key`, clamped at the ends.
fn interpolate(
    curve: &[(f64, f64)],
    at: f64,
    key: impl Fn(&(f64, f64)) -> f64,
    value: impl Fn(&(f64, f64)) -> f64,
) -> f64 {
    let k = curve.partition_point(|p| key(p) < at);
    match (k.checked_sub(1).and_then(|i| curve.get(i)), curve.get(k)) {
        (Some(a), Some(b)) if key(b) > key(a) => {
            value(a) + (value(b) - value(a)) * (at - key(a)) / (key(b) - key(a))
        }
        (_, Some(b)) => value(b),
        (Some(a), None) => value(a),
        (None, None) => 0.0,
    }
}

impl Reference {
    /// Learns, per segment side, where its address points sit (measure and setback).
    pub(super) fn calibrate_sides(&mut self) {
        // anchors[segment][0 = left, 1 = right] = (number, measure, |offset|)
        let mut anchors: Vec<[Vec<(u32, f64, f64)>; 2]> =
            vec![Default::default(); self.segments.len()];
        for p in &self.points {
            if let Some((seg, side, measure, offset)) = self.anchor_of(p) {
                anchors[seg][side].push((p.number, measure, offset));
            }
        }
        for (seg, found) in self.segments.iter_mut().zip(anchors) {
            let length = seg.length();
            let [left, right] = found;
            if let Some(s) = seg.left.as_mut() {
                calibrate(s, left, length);
            }
            if let Some(s) = seg.right.as_mut() {
                calibrate(s, right, length);
            }
        }
    }

    /// The segment side an address point belongs to, with its measure and setback.
    fn anchor_of(&self, p: &AddressPoint) -> Option<(usize, usize, f64, f64)> {
        let street = &self.streets[p.street as usize];
        let mut best: Option<(usize, usize, f64, f64)> = None;
        for &si in &street.segments {
            let seg = &self.segments[si as usize];
            let pr = geometry::project(&seg.line, &seg.cum, p.xy);
            let side = if pr.offset >= 0.0 {
                &seg.left
            } else {
                &seg.right
            };
            let fits = side.as_ref().is_some_and(|s| s.contains(p.number));
            let d = pr.offset.abs();
            if fits && d <= MAX_ANCHOR_DISTANCE_M && best.is_none_or(|b| d < b.3) {
                best = Some((si as usize, usize::from(pr.offset < 0.0), pr.measure, d));
            }
        }
        best
    }
}

/// Builds a side's number → measure curve from its range and the address points on it.
fn calibrate(side: &mut Side, mut anchors: Vec<(u32, f64, f64)>, length: f64) {
    anchors.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    anchors.dedup_by_key(|a| a.0);
    let ascending = side.to >= side.from;
    let monotone = anchors
        .windows(2)
        .all(|w| (w[1].1 >= w[0].1) == ascending || w[1].1 == w[0].1);
    if !monotone {
        anchors.clear();
    }
    if !anchors.is_empty() {
        side.offset = anchors.iter().map(|a| a.2).sum::<f64>() / anchors.len() as f64;
    }
    let ends = [(side.from, 0.0), (side.to, length)];
    let mut curve: Vec<(f64, f64)> = anchors.iter().map(|a| (f64::from(a.0), a.1)).collect();
    if side.from == side.to {
        curve = vec![(f64::from(side.from), length / 2.0)];
    } else if let [first, .., last] = curve.as_slice() {
        // extrapolate to the range ends along the points' own spacing
        let (first, last) = (*first, *last);
        let slope = (last.1 - first.1) / (last.0 - first.0);
        for (n, _) in ends {
            let n = f64::from(n);
            let m = if n < first.0 {
                first.1 + slope * (n - first.0)
            } else {
                last.1 + slope * (n - last.0)
            };
            if n < first.0 || n > last.0 {
                curve.push((n, m.clamp(0.0, length)));
            }
        }
    } else {
        for (n, m) in ends {
            if curve.iter().all(|c| c.0 != f64::from(n)) {
                curve.push((f64::from(n), m));
            }
        }
    }
    curve.sort_by(|a, b| a.0.total_cmp(&b.0));
    side.curve = curve;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(from: u32, to: u32) -> Side {
        Side {
            from,
            to,
            zip: None,
            curve: Vec::new(),
            offset: DEFAULT_SIDE_OFFSET_M,
        }
    }

    #[test]
    fn parity_and_range() {
        let even = side(100, 198);
        assert!(even.contains(100) && even.contains(150) && even.contains(198));
        assert!(!even.contains(151) && !even.contains(200) && !even.contains(98));
        let odd_down = side(199, 101);
        assert!(odd_down.contains(151) && !odd_down.contains(150));
        let mixed = side(100, 199);
        assert!(mixed.contains(150) && mixed.contains(151));
    }

    #[test]
    fn interpolation_by_range_fraction_without_points() {
        let mut s = side(100, 198);
        calibrate(&mut s, Vec::new(), 200.0);
        assert_eq!(s.measure_of(100.0), 0.0);
        assert_eq!(s.measure_of(149.0), 100.0);
        assert_eq!(s.measure_of(198.0), 200.0);
        assert_eq!(s.number_at(50.0), 124.5);
        let mut down = side(199, 101);
        calibrate(&mut down, Vec::new(), 98.0);
        assert_eq!(down.measure_of(199.0), 0.0);
        assert_eq!(down.measure_of(149.0), 50.0);
        assert_eq!(down.number_at(98.0), 101.0);
        let mut one = side(7, 7);
        calibrate(&mut one, Vec::new(), 80.0);
        assert_eq!(one.measure_of(7.0), 40.0);
    }

    #[test]
    fn interpolation_follows_address_points() {
        // houses stand between 20 m and 180 m of a 200 m block
        let mut s = side(100, 198);
        calibrate(&mut s, vec![(120, 52.0, 12.0), (180, 148.0, 14.0)], 200.0);
        assert_eq!(s.offset, 13.0);
        assert!((s.measure_of(150.0) - 100.0).abs() < 1e-9);
        // extrapolated on the points' spacing (1.6 m per number), clamped to the segment
        assert!((s.measure_of(100.0) - 20.0).abs() < 1e-9);
        assert!((s.measure_of(198.0) - 176.8).abs() < 1e-9);
        assert!((s.number_at(100.0) - 150.0).abs() < 1e-9);
        // points out of order along the line are ignored
        let mut bad = side(100, 198);
        calibrate(&mut bad, vec![(120, 150.0, 12.0), (180, 20.0, 12.0)], 200.0);
        assert_eq!(bad.measure_of(149.0), 100.0);
    }
}
