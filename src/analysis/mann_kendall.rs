//! The Mann–Kendall trend test (original, no autocorrelation correction).
//!
//! `S = Σ_{k<j} sign(x_j − x_k)`; `Var(S) = (n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)) / 18`
//! over the groups of tied values; `Z = (S − 1)/√Var` for `S > 0`, `(S + 1)/√Var` for
//! `S < 0`, else 0; two-sided normal `p`; Kendall's `τ = S / (n(n−1)/2)`. The same figures
//! as `pymannkendall.original_test` (Mann 1945, Kendall 1975; Hussain & Mahmud 2019).
//!
//! ```
//! use hotspot::analysis::mann_kendall::mann_kendall;
//! let t = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
//! assert_eq!(t.s, 45.0);
//! assert_eq!(t.tau, 1.0);
//! assert!(t.p < 0.001 && t.z > 0.0);
//! ```

use super::normal;

/// The test's figures for one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// Kendall's S.
    pub s: f64,
    /// Variance of S with the ties correction.
    pub var_s: f64,
    /// Continuity-corrected normal score.
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Kendall's τ.
    pub tau: f64,
}

impl MannKendall {
    /// `1` for a significant upward trend at `alpha`, `-1` downward, else `0`.
    pub fn direction(&self, alpha: f64) -> i8 {
        if self.p <= alpha && self.z > 0.0 {
            1
        } else if self.p <= alpha && self.z < 0.0 {
            -1
        } else {
            0
        }
    }
}

/// The Mann–Kendall test of `x` in its order (NaN values are not expected: callers pass
/// finite series). A series of fewer than 2 values has `S = 0`, `p = 1`.
pub fn mann_kendall(x: &[f64]) -> MannKendall {
    let n = x.len();
    let mut s = 0i64;
    for k in 0..n {
        for j in k + 1..n {
            s += match x[j].partial_cmp(&x[k]) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    let nf = n as f64;
    let ties: f64 = tie_groups(x)
        .into_iter()
        .map(|t| t * (t - 1.0) * (2.0 * t + 5.0))
        .sum();
    let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0;
    let s = s as f64;
    let z = if var_s <= 0.0 {
        0.0
    } else if s > 0.0 {
        (s - 1.0) / var_s.sqrt()
    } else if s < 0.0 {
        (s + 1.0) / var_s.sqrt()
    } else {
        0.0
    };
    let pairs = nf * (nf - 1.0) / 2.0;
    MannKendall {
        s,
        var_s,
        z,
        p: if z == 0.0 {
            1.0
        } else {
            normal::two_sided_p(z)
        },
        tau: if pairs > 0.0 { s / pairs } else { 0.0 },
    }
}

/// Sizes of the groups of equal values (groups of one included: they add nothing).
fn tie_groups(x: &[f64]) -> Vec<f64> {
    let mut sorted = x.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut groups = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i + 1;
        while j < sorted.len() && sorted[j] == sorted[i] {
            j += 1;
        }
        groups.push((j - i) as f64);
        i = j;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_series_has_no_trend() {
        let t = mann_kendall(&[3.0; 12]);
        assert_eq!((t.s, t.z, t.p, t.tau), (0.0, 0.0, 1.0, 0.0));
    }

    #[test]
    fn ties_lower_the_variance() {
        // n = 6: 6·5·17/18 = 28.33; two pairs of ties take 2·(2·1·9)/18 = 2 off
        let t = mann_kendall(&[1.0, 1.0, 2.0, 3.0, 3.0, 4.0]);
        assert!((t.var_s - (510.0 - 36.0) / 18.0).abs() < 1e-12);
        assert_eq!(t.s, 13.0);
        assert!((t.z - 12.0 / t.var_s.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_falling_series_is_significant_downward() {
        let x: Vec<f64> = (0..15)
            .map(|i| 20.0 - i as f64 + (i % 3) as f64 * 0.5)
            .collect();
        let t = mann_kendall(&x);
        assert!(t.z < 0.0 && t.p < 0.01);
        assert_eq!(t.direction(0.05), -1);
    }

    #[test]
    fn short_series_are_not_significant() {
        assert_eq!(mann_kendall(&[]).p, 1.0);
        assert_eq!(mann_kendall(&[1.0]).p, 1.0);
        assert_eq!(mann_kendall(&[1.0, 2.0]).direction(0.05), 0);
    }
}
