//! Benjamini–Hochberg false discovery rate and the Gi* confidence bins.
//!
//! With `m` p-values sorted ascending `p(1) ≤ … ≤ p(m)`, the BH threshold at
//! level α is `p(k*)` for the largest `k*` with `p(k*) ≤ k*·α/m`; every p-value
//! `≤ p(k*)` is significant. When no such `k*` exists nothing is significant.

/// Significance levels of the bins, strongest first, with their bin magnitude.
const LEVELS: [(f64, i8); 3] = [(0.01, 3), (0.05, 2), (0.10, 1)];

/// The Benjamini–Hochberg p-value threshold at level `alpha` over all of `p`
/// (NaN p-values count as 1). `None` when no p-value is significant.
pub fn benjamini_hochberg_threshold(p: &[f64], alpha: f64) -> Option<f64> {
    let sorted = sorted_p(p);
    bh_threshold_sorted(&sorted, alpha)
}

fn sorted_p(p: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = p
        .iter()
        .map(|&v| if v.is_nan() { 1.0 } else { v })
        .collect();
    sorted.sort_unstable_by(f64::total_cmp);
    sorted
}

fn bh_threshold_sorted(sorted: &[f64], alpha: f64) -> Option<f64> {
    let m = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .rev()
        .find(|&(i, &v)| v <= (i + 1) as f64 * alpha / m)
        .map(|(_, &v)| v)
}

/// Confidence bins: `sign(z) × 3 / 2 / 1` when `p` is significant at
/// 0.01 / 0.05 / 0.10, else 0.
///
/// With `fdr`, "significant at α" means `p ≤` the Benjamini–Hochberg threshold
/// for α computed over all p-values; without it, `p ≤ α`. The result has the
/// length of `z`; a missing or NaN p-value, or a zero or NaN z, gives bin 0.
pub fn bins(z: &[f64], p: &[f64], fdr: bool) -> Vec<i8> {
    let thresholds: Vec<(Option<f64>, i8)> = if fdr {
        let sorted = sorted_p(p);
        LEVELS
            .iter()
            .map(|&(a, b)| (bh_threshold_sorted(&sorted, a), b))
            .collect()
    } else {
        LEVELS.iter().map(|&(a, b)| (Some(a), b)).collect()
    };
    z.iter()
        .enumerate()
        .map(|(i, &zi)| bin_one(zi, p.get(i).copied(), &thresholds))
        .collect()
}

fn bin_one(z: f64, p: Option<f64>, thresholds: &[(Option<f64>, i8)]) -> i8 {
    let Some(p) = p.filter(|p| !p.is_nan()) else {
        return 0;
    };
    let sign: i8 = if z > 0.0 {
        1
    } else if z < 0.0 {
        -1
    } else {
        return 0;
    };
    thresholds
        .iter()
        .find(|(t, _)| t.is_some_and(|t| p <= t))
        .map_or(0, |&(_, b)| sign * b)
}

#[cfg(test)]
mod tests {
    use super::*;

    // m = 10 p-values, sorted: 0.001 0.004 0.006 0.012 0.03 0.04 0.07 0.2 0.5 0.9
    // BH line k·α/m:
    //   α=0.01: 0.001 0.002 0.003 0.004 0.005 …  → p(1)=0.001 ≤ 0.001 ✓, p(2)=0.004 > 0.002,
    //           p(3)=0.006 > 0.003, higher ranks all fail → threshold 0.001
    //   α=0.05: 0.005 0.010 0.015 0.020 0.025 0.030 0.035 0.040 0.045 0.050
    //           p(3)=0.006 ≤ 0.015 ✓, p(4)=0.012 ≤ 0.020 ✓, p(5)=0.03 > 0.025,
    //           p(6)=0.04 > 0.030, p(7)=0.07 > 0.035 … → threshold 0.012
    //   α=0.10: 0.01 0.02 0.03 0.04 0.05 0.06 0.07 0.08 0.09 0.10
    //           p(6)=0.04 ≤ 0.06 ✓, p(7)=0.07 ≤ 0.07 ✓, p(8)=0.2 > 0.08, p(9), p(10) fail
    //           → threshold 0.07
    const P: [f64; 10] = [0.04, 0.9, 0.001, 0.012, 0.2, 0.004, 0.07, 0.5, 0.006, 0.03];
    const Z: [f64; 10] = [2.0, 0.1, -3.3, 2.5, 1.3, 2.9, -1.8, 0.7, -2.7, 2.2];

    #[test]
    fn bh_thresholds_hand_worked() {
        assert_eq!(benjamini_hochberg_threshold(&P, 0.01), Some(0.001));
        assert_eq!(benjamini_hochberg_threshold(&P, 0.05), Some(0.012));
        assert_eq!(benjamini_hochberg_threshold(&P, 0.10), Some(0.07));
        // Nothing under the line: sorted 0.2 0.5, α·k/m = 0.05, 0.10.
        assert_eq!(benjamini_hochberg_threshold(&[0.5, 0.2], 0.10), None);
        assert_eq!(benjamini_hochberg_threshold(&[], 0.10), None);
    }

    #[test]
    fn bins_with_fdr() {
        // thresholds 0.001 / 0.012 / 0.07 (see above)
        let b = bins(&Z, &P, true);
        //          p:  0.04 0.9 0.001 0.012 0.2 0.004 0.07 0.5 0.006 0.03
        assert_eq!(b, vec![1, 0, -3, 2, 0, 2, -1, 0, -2, 1]);
    }

    #[test]
    fn bins_without_fdr() {
        let b = bins(&Z, &P, false);
        //          p:  0.04 0.9 0.001 0.012 0.2 0.004 0.07 0.5 0.006 0.03
        assert_eq!(b, vec![2, 0, -3, 2, 0, 3, -1, 0, -3, 2]);
    }

    #[test]
    fn bins_degenerate_inputs() {
        assert_eq!(
            bins(&[0.0, f64::NAN, 3.0], &[0.0, 0.0, f64::NAN], false),
            vec![0, 0, 0]
        );
        // Missing p-values give 0, no panic.
        assert_eq!(bins(&[3.0, 3.0], &[0.001], false), vec![3, 0]);
        assert!(bins(&[], &[], true).is_empty());
    }

    #[test]
    fn fdr_all_significant_single_cell() {
        // m = 1: threshold is p itself when p ≤ α.
        assert_eq!(bins(&[-4.0], &[0.0001], true), vec![-3]);
        assert_eq!(bins(&[4.0], &[0.2], true), vec![0]);
    }
}
