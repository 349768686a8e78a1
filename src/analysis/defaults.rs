//! Parameters chosen without tuning (in the spirit of ArcGIS Optimized Hot Spot Analysis).
//!
//! * **H3 resolution for Gi\*** ([`auto_resolution`]): the finest resolution in
//!   [`AUTO_RES_MIN`]`..=`[`AUTO_RES_MAX`] (7 ≈ 5.2 km², 8 ≈ 0.74 km², 9 ≈ 0.11 km²,
//!   10 ≈ 0.015 km² per cell) at which the median non-empty cell holds at least
//!   [`AUTO_RES_MIN_MEDIAN`] requests; 7 when none does. Finer cells show more detail, but
//!   cells holding one or two requests make every count look alike and Gi* loses power.
//! * **DBSCAN**: `eps_m` = [`DEFAULT_EPS_M`] (100 m, about a city block) and `min_points` =
//!   [`DEFAULT_MIN_POINTS`] (5, the point included): fixed, so clusters mean the same thing
//!   on every data set and window.

use h3o::{CellIndex, Resolution};

use super::IntMap;

/// Coarsest resolution the rule picks.
pub const AUTO_RES_MIN: u8 = 7;
/// Finest resolution the rule picks.
pub const AUTO_RES_MAX: u8 = 10;
/// Median requests per non-empty cell the rule asks for.
pub const AUTO_RES_MIN_MEDIAN: u64 = 3;
/// DBSCAN radius when none is given (metres).
pub const DEFAULT_EPS_M: f64 = 100.0;
/// DBSCAN core-point threshold when none is given (the point itself included).
pub const DEFAULT_MIN_POINTS: usize = 5;

/// Chooses the Gi* resolution from request cells (any resolution ≥ [`AUTO_RES_MAX`]; coarser
/// cells are ignored). See the module docs for the rule.
pub fn auto_resolution(cells: impl IntoIterator<Item = CellIndex>) -> u8 {
    let finest = Resolution::try_from(AUTO_RES_MAX).expect("valid resolution");
    let mut counts: IntMap<u64, u64> = IntMap::default();
    for c in cells {
        if let Some(p) = c.parent(finest) {
            *counts.entry(u64::from(p)).or_insert(0) += 1;
        }
    }
    let mut res = AUTO_RES_MAX;
    loop {
        if median_at_least(counts.values().copied().collect(), AUTO_RES_MIN_MEDIAN)
            || res == AUTO_RES_MIN
        {
            return res;
        }
        res -= 1;
        let coarser = Resolution::try_from(res).expect("valid resolution");
        let mut up: IntMap<u64, u64> = IntMap::default();
        for (cell, n) in counts {
            let parent = CellIndex::try_from(cell)
                .ok()
                .and_then(|c| c.parent(coarser))
                .map_or(cell, u64::from);
            *up.entry(parent).or_insert(0) += n;
        }
        counts = up;
    }
}

/// Whether the median (lower median for an even count) of `v` is at least `min`.
fn median_at_least(mut v: Vec<u64>, min: u64) -> bool {
    if v.is_empty() {
        return false;
    }
    let mid = (v.len() - 1) / 2;
    let (_, m, _) = v.select_nth_unstable(mid);
    *m >= min
}

#[cfg(test)]
mod tests {
    use super::*;
    use h3o::LatLng;

    fn cell(lat: f64, lon: f64) -> CellIndex {
        LatLng::new(lat, lon).unwrap().to_cell(Resolution::Fifteen)
    }

    /// Requests spread one per res-10 cell: no res-10 cell holds 3; the rule goes coarser
    /// until it finds a resolution where the median cell has ≥ 3.
    #[test]
    fn follows_the_rule_by_hand() {
        let origin = cell(40.0, -75.15).parent(Resolution::Ten).unwrap();
        // `n` requests in each of the res-10 cells of a disk
        let disk = |radius: u32, n: usize| -> Vec<CellIndex> {
            origin
                .grid_disk::<Vec<_>>(radius)
                .into_iter()
                .flat_map(|c| std::iter::repeat_n(c.center_child(Resolution::Fifteen).unwrap(), n))
                .collect()
        };
        // 3 per res-10 cell: res 10
        assert_eq!(auto_resolution(disk(3, 3)), 10);
        // 2 per res-10 cell: not 10; check the rule's pick against a direct count
        let cells = disk(12, 2);
        let pick = auto_resolution(cells.iter().copied());
        assert!(pick < 10);
        for r in AUTO_RES_MIN..=AUTO_RES_MAX {
            let res = Resolution::try_from(r).unwrap();
            let mut m: std::collections::HashMap<CellIndex, u64> = Default::default();
            for c in &cells {
                *m.entry(c.parent(res).unwrap()).or_default() += 1;
            }
            let mut v: Vec<u64> = m.into_values().collect();
            v.sort();
            let ok = v[(v.len() - 1) / 2] >= 3;
            if r > pick {
                assert!(!ok, "res {r} finer than the pick {pick} satisfies the rule");
            }
            if r == pick {
                assert!(ok, "the pick {pick} does not satisfy the rule");
            }
        }
        // one request per place far apart: nothing qualifies, the coarsest
        let sparse: Vec<CellIndex> = (0..50)
            .map(|i| cell(39.0 + f64::from(i) * 0.2, -75.0))
            .collect();
        assert_eq!(auto_resolution(sparse), AUTO_RES_MIN);
        assert_eq!(auto_resolution(std::iter::empty()), AUTO_RES_MIN);
    }

    #[test]
    fn median_rule() {
        assert!(median_at_least(vec![1, 3, 9], 3));
        assert!(!median_at_least(vec![1, 2, 9, 9], 3)); // lower median 2
        assert!(median_at_least(vec![3, 3, 1, 9], 3));
        assert!(!median_at_least(vec![], 0));
    }
}
