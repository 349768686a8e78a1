//! Pure hot-spot algorithms over plain inputs (no HTTP, SQL or files).
//!
//! * [`gistar`]: Getis–Ord Gi* on H3 cells (Esri's Hot Spot Analysis, PySAL
//!   `esda.G_Local(star=True, transform='B')` `Zs`), with a weight-agnostic core
//!   [`gi_star`] and the H3 layer [`gistar_h3`] / [`gistar_points`].
//! * [`fdr`]: Benjamini–Hochberg false-discovery-rate thresholds and the
//!   −3…3 confidence [`bins`].
//! * [`regions`]: connected hot (bin ≥ 2) and cold (bin ≤ −2) cells dissolved
//!   into one multipolygon per region.
//! * [`dbscan`]: density clusters with great-circle distance (scikit-learn
//!   semantics for core points and border assignment), with buffered hulls.
//! * [`emerging`]: emerging hot spots, Gi* on a space-time cube of cells × steps with a
//!   [`mann_kendall`] trend per location and Esri's 17 categories.
//! * [`knox`]: near repeats, the Knox table of distance × time bands with permutation
//!   expectations.
//! * [`normal`]: the standard normal distribution (Cody's `erfc`).
//! * [`sla`]: SLA summaries (open, overdue, late, ages) and the work priority of groups.
//! * [`repeats`]: requests grouped by normalized address (repeat nuisance places).
//! * [`trends`]: opened, closed, backlog, days to close and SLA share per time step.
//! * [`defaults`]: parameters chosen from the data when none are given (H3 resolution).
//!
//! Every public function validates its inputs and returns [`AnalysisError`]
//! instead of panicking or producing NaN.

pub mod dbscan;
pub mod defaults;
pub mod emerging;
pub mod fdr;
pub mod gistar;
pub mod knox;
pub mod mann_kendall;
pub mod normal;
pub mod regions;
pub mod repeats;
pub mod sla;
pub mod trends;

pub use dbscan::{dbscan, Cluster, DbscanParams, DbscanResult};
pub use defaults::auto_resolution;
pub use fdr::{benjamini_hochberg_threshold, bins};
pub use gistar::{
    count_cells, gi_star, gistar_from_counts, gistar_h3, gistar_points, CellCounts, CellStat,
    GiStar, GiStarParams, GiStarResult,
};
pub use regions::{hot_cold_regions, Region, RegionKind};
pub use repeats::{repeat_addresses, RepeatGroup, RepeatInput};
pub use sla::{priority_order, summarize, PriorityInput, SlaSummary, SlaTimes};

/// Errors of the analysis algorithms: invalid parameters or inputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// A parameter is out of its allowed range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Name of the parameter, as the CLI and API spell it.
        name: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// An input value (coordinate, count, weight …) is unusable.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Too few observations for the statistic.
    #[error("not enough data: {0}")]
    NotEnoughData(String),
    /// The study area would hold more cells than the engine accepts.
    #[error("study area too large: {cells} cells at resolution {resolution} (limit {limit}); use a coarser `res`")]
    TooManyCells {
        /// Estimated number of cells.
        cells: usize,
        /// H3 resolution asked for.
        resolution: u8,
        /// The limit.
        limit: usize,
    },
    /// H3 could not turn cells into a geometry.
    #[error("geometry error: {0}")]
    Geometry(String),
}

impl AnalysisError {
    pub(crate) fn param(name: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidParameter {
            name,
            reason: reason.into(),
        }
    }
}

/// A fast, deterministic hasher for integer keys (H3 indexes, grid keys):
/// a multiply–xorshift mix; not DoS-resistant, which is fine for cell ids.
#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        let x = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^ (x >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    }
}

/// Hash map keyed by integers with [`IntHasher`].
pub type IntMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;

/// Checks one WGS84 lon/lat coordinate (`x` = longitude, `y` = latitude, degrees).
pub(crate) fn check_lon_lat(i: usize, c: geo::Coord<f64>) -> Result<(), AnalysisError> {
    let ok = c.x.is_finite()
        && c.y.is_finite()
        && (-180.0..=180.0).contains(&c.x)
        && (-90.0..=90.0).contains(&c.y);
    if ok {
        Ok(())
    } else {
        Err(AnalysisError::InvalidInput(format!(
            "point {i} has invalid coordinates (lon {}, lat {}): need finite lon in [-180, 180] and lat in [-90, 90]",
            c.x, c.y
        )))
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Helpers for the cross-checks against PySAL and scikit-learn.
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// Whether `python3 -c "import <module>"` succeeds.
    pub fn python_has(module: &str) -> bool {
        Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Whether the Python oracle `modules` can be imported for `test`. When they cannot, the
    /// test is skipped with a printed reason, unless `HOTSPOT_REQUIRE_PYTHON` is set (as CI
    /// does): then a missing oracle fails the test instead of passing it silently.
    pub fn require_python(test: &str, modules: &[&str]) -> bool {
        let missing: Vec<&str> = modules.iter().copied().filter(|m| !python_has(m)).collect();
        if missing.is_empty() {
            return true;
        }
        let reason = format!(
            "{test}: python3 cannot import {} (pip install scikit-learn esda libpysal)",
            missing.join(", ")
        );
        if std::env::var_os("HOTSPOT_REQUIRE_PYTHON").is_some() {
            panic!("cross-check required (HOTSPOT_REQUIRE_PYTHON) but {reason}");
        }
        eprintln!("SKIPPED {reason}");
        false
    }

    /// Runs a python script with `input` on stdin and returns its stdout.
    pub fn run_python(script: &str, input: &str) -> String {
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn python3");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("python3 output");
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8")
    }
}
