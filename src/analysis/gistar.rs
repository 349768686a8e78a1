//! Getis–Ord Gi* hot-spot statistic.
//!
//! `Gi*_i = (Σ_j w_ij x_j − X̄ Σ_j w_ij) / (S · sqrt((n Σ_j w_ij² − (Σ_j w_ij)²)/(n − 1)))`
//! with `X̄ = Σx/n`, `S = sqrt(Σx²/n − X̄²)`, the sums over `j` including `i`
//! itself, and a two-sided normal p-value. This is Esri's Hot Spot Analysis
//! and PySAL `esda.G_Local(star=True, transform='B')` `Zs`.
//!
//! [`gi_star`] is the weight-agnostic core; [`gistar_h3`] and
//! [`gistar_points`] run it on H3 cells with binary k-ring weights.

use super::{check_lon_lat, fdr, normal, AnalysisError, IntMap};
use crate::parallel::par_chunks;
use h3o::{
    geom::{ContainmentMode, TilerBuilder},
    CellIndex, LatLng, Resolution,
};

/// Largest study area accepted, in cells.
pub const MAX_STUDY_CELLS: usize = 5_000_000;
/// Largest k-ring radius accepted.
pub const MAX_K: u32 = 10;

/// Gi* z-score and its two-sided p-value for one observation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GiStar {
    /// Standardised Gi* (z-score).
    pub z: f64,
    /// Two-sided p-value from the standard normal distribution.
    pub p: f64,
}

/// Global moments of the observations: `n`, `X̄` and `S`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Moments {
    n: f64,
    mean: f64,
    s: f64,
}

impl Moments {
    fn new(values: impl Iterator<Item = f64>) -> Self {
        let (mut n, mut sum, mut sum2) = (0usize, 0.0, 0.0);
        for x in values {
            n += 1;
            sum += x;
            sum2 += x * x;
        }
        Self::from_sums(n as f64, sum, sum2)
    }

    /// The moments of `n` observations from their sum and sum of squares.
    pub(super) fn from_sums(n: f64, sum: f64, sum2: f64) -> Self {
        let mean = sum / n;
        let mean_sq = sum2 / n;
        let var = mean_sq - mean * mean;
        // Rounding can leave a tiny residue for constant data: treat as S = 0.
        let s = if var > 1e-14 * mean_sq {
            var.sqrt()
        } else {
            0.0
        };
        Self { n, mean, s }
    }

    /// Gi* for one observation from its weighted sums (degenerate → z = 0, p = 1).
    pub(super) fn gi(&self, sum_wx: f64, sum_w: f64, sum_w2: f64) -> GiStar {
        let spread = (self.n * sum_w2 - sum_w * sum_w) / (self.n - 1.0);
        let den = self.s * spread.max(0.0).sqrt();
        if den <= 0.0 || !den.is_finite() {
            return GiStar { z: 0.0, p: 1.0 };
        }
        let z = (sum_wx - self.mean * sum_w) / den;
        GiStar {
            z,
            p: normal::two_sided_p(z),
        }
    }
}

/// Gi* for every observation, with arbitrary weights.
///
/// `neighbours[i]` lists `(j, w_ij)` for observation `i` and must include `i`
/// itself with its self weight (the "star"). Observations with `S = 0` or a
/// zero variance term get `z = 0, p = 1`.
///
/// # Errors
/// Fewer than 2 observations, mismatched lengths, non-finite values or
/// weights, or a neighbour index out of range.
pub fn gi_star(
    values: &[f64],
    neighbours: &[Vec<(usize, f64)>],
) -> Result<Vec<GiStar>, AnalysisError> {
    validate_core(values, neighbours)?;
    let m = Moments::new(values.iter().copied());
    Ok(neighbours
        .iter()
        .map(|list| {
            let (mut wx, mut w, mut w2) = (0.0, 0.0, 0.0);
            for &(j, wij) in list {
                wx += wij * values[j];
                w += wij;
                w2 += wij * wij;
            }
            m.gi(wx, w, w2)
        })
        .collect())
}

fn validate_core(values: &[f64], neighbours: &[Vec<(usize, f64)>]) -> Result<(), AnalysisError> {
    let n = values.len();
    if n < 2 {
        return Err(AnalysisError::NotEnoughData(format!(
            "Gi* needs at least 2 observations, got {n}"
        )));
    }
    if neighbours.len() != n {
        return Err(AnalysisError::InvalidInput(format!(
            "{} neighbour lists for {n} values",
            neighbours.len()
        )));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(AnalysisError::InvalidInput(format!(
            "value {i} is not finite"
        )));
    }
    for (i, list) in neighbours.iter().enumerate() {
        if let Some(&(j, w)) = list.iter().find(|&&(j, w)| j >= n || !w.is_finite()) {
            return Err(AnalysisError::InvalidInput(format!(
                "neighbour ({j}, {w}) of observation {i} is out of range or not finite"
            )));
        }
    }
    Ok(())
}

/// Parameters of Gi* on H3 cells.
#[derive(Debug, Clone, Copy)]
pub struct GiStarParams<'a> {
    /// H3 resolution of the cells, 0–15 (default 9).
    pub resolution: u8,
    /// Neighbourhood radius in grid steps, 1–10 (default 1).
    pub k: u32,
    /// Use Benjamini–Hochberg FDR for the bins (default true).
    pub fdr: bool,
    /// Optional study-area polygon (WGS84 lon/lat degrees): adds every cell
    /// whose centroid lies inside; without it the study area is the non-empty
    /// cells and their k-ring.
    pub study_area: Option<&'a geo::MultiPolygon<f64>>,
}

impl Default for GiStarParams<'_> {
    fn default() -> Self {
        Self {
            resolution: 9,
            k: 1,
            fdr: true,
            study_area: None,
        }
    }
}

impl GiStarParams<'_> {
    /// Checks the parameters; returns the H3 resolution.
    ///
    /// # Errors
    /// A resolution outside 0..=15, `k` of 0, or an invalid study area.
    pub fn validate(&self) -> Result<Resolution, AnalysisError> {
        let res = Resolution::try_from(self.resolution).map_err(|_| {
            AnalysisError::param(
                "res",
                format!("H3 resolution must be 0..=15, got {}", self.resolution),
            )
        })?;
        if self.k == 0 || self.k > MAX_K {
            return Err(AnalysisError::param(
                "k",
                format!("neighbourhood radius must be 1..={MAX_K}, got {}", self.k),
            ));
        }
        Ok(res)
    }
}

/// Gi* result for one study-area cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellStat {
    /// H3 cell.
    pub cell: CellIndex,
    /// Number of points in the cell.
    pub count: u64,
    /// Gi* z-score.
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Confidence bin −3…3 (see [`fdr::bins`]).
    pub bin: i8,
    /// Number of study-area cells within grid distance k, the cell included.
    pub neighbours: u32,
}

/// Gi* over a study area of H3 cells.
#[derive(Debug, Clone, PartialEq)]
pub struct GiStarResult {
    /// H3 resolution used.
    pub resolution: u8,
    /// Neighbourhood radius used.
    pub k: u32,
    /// Whether the bins use FDR.
    pub fdr: bool,
    /// Mean count per study-area cell (X̄).
    pub mean: f64,
    /// Population standard deviation of the counts (S).
    pub std_dev: f64,
    /// Every study-area cell (n = `cells.len()`), sorted by cell index.
    pub cells: Vec<CellStat>,
}

/// Gi* on H3 cells from point cells (each item is one point).
///
/// Cells finer than `params.resolution` are moved to their parent.
///
/// # Errors
/// Invalid parameters, a cell coarser than the resolution, an invalid study
/// area, a study area over [`MAX_STUDY_CELLS`], or fewer than 2 cells.
pub fn gistar_h3(
    cells: impl IntoIterator<Item = CellIndex>,
    params: &GiStarParams<'_>,
) -> Result<GiStarResult, AnalysisError> {
    let res = params.validate()?;
    let cells: Vec<CellIndex> = cells.into_iter().collect();
    let counts = count_cells(&cells, res)?;
    gistar_counts(&counts, res, params)
}

/// Points per H3 cell: `u64::from(cell)` → count.
pub type CellCounts = IntMap<u64, u64>;

/// Counts point cells per cell at `res` on all cores (finer cells count in their parent).
///
/// # Errors
/// A cell coarser than `res`.
pub fn count_cells(cells: &[CellIndex], res: Resolution) -> Result<CellCounts, AnalysisError> {
    let parts = par_chunks(cells, |_, part| {
        let mut counts = CellCounts::default();
        for &cell in part {
            *counts
                .entry(u64::from(to_resolution(cell, res)?))
                .or_insert(0) += 1;
        }
        Ok::<_, AnalysisError>(counts)
    });
    Ok(merge_counts(
        parts.into_iter().collect::<Result<Vec<_>, _>>()?,
    ))
}

/// Gi* on H3 cells from per-cell point counts (every cell at `params.resolution`), e.g.
/// from [`count_cells`].
///
/// # Errors
/// As [`gistar_h3`], and for a key that is not an H3 cell at the resolution.
pub fn gistar_from_counts(
    counts: &CellCounts,
    params: &GiStarParams<'_>,
) -> Result<GiStarResult, AnalysisError> {
    let res = params.validate()?;
    if let Some(&bad) = counts
        .keys()
        .find(|&&c| CellIndex::try_from(c).map_or(true, |cell| cell.resolution() != res))
    {
        return Err(AnalysisError::InvalidInput(format!(
            "count key {bad:#x} is not an H3 cell at resolution {res}"
        )));
    }
    gistar_counts(counts, res, params)
}

/// Gi* on H3 cells from WGS84 points (`x` = longitude, `y` = latitude).
///
/// # Errors
/// As [`gistar_h3`], and for any non-finite or out-of-range coordinate.
pub fn gistar_points(
    points: &[geo::Coord<f64>],
    params: &GiStarParams<'_>,
) -> Result<GiStarResult, AnalysisError> {
    let res = params.validate()?;
    let counts = aggregate_points(points, res)?;
    gistar_counts(&counts, res, params)
}

pub(super) fn to_resolution(cell: CellIndex, res: Resolution) -> Result<CellIndex, AnalysisError> {
    if cell.resolution() == res {
        return Ok(cell);
    }
    cell.parent(res).ok_or_else(|| {
        AnalysisError::InvalidInput(format!(
            "cell {cell} has resolution {}, coarser than the analysis resolution {res}",
            cell.resolution()
        ))
    })
}

/// Counts points per cell, in parallel chunks.
fn aggregate_points(
    points: &[geo::Coord<f64>],
    res: Resolution,
) -> Result<IntMap<u64, u64>, AnalysisError> {
    let parts = par_chunks(points, |offset, part| count_chunk(part, offset, res));
    Ok(merge_counts(
        parts.into_iter().collect::<Result<Vec<_>, _>>()?,
    ))
}

/// The sum of per-chunk cell counts.
fn merge_counts(parts: impl IntoIterator<Item = CellCounts>) -> CellCounts {
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_default();
    for part in parts {
        for (cell, n) in part {
            *total.entry(cell).or_insert(0) += n;
        }
    }
    total
}

fn count_chunk(
    points: &[geo::Coord<f64>],
    offset: usize,
    res: Resolution,
) -> Result<IntMap<u64, u64>, AnalysisError> {
    let mut counts: IntMap<u64, u64> = IntMap::default();
    for (i, &c) in points.iter().enumerate() {
        check_lon_lat(offset + i, c)?;
        let ll = LatLng::new(c.y, c.x)
            .map_err(|e| AnalysisError::InvalidInput(format!("point {}: {e}", offset + i)))?;
        *counts.entry(u64::from(ll.to_cell(res))).or_insert(0) += 1;
    }
    Ok(counts)
}

/// Gi* over the study area built from per-cell counts.
fn gistar_counts(
    counts: &IntMap<u64, u64>,
    res: Resolution,
    params: &GiStarParams<'_>,
) -> Result<GiStarResult, AnalysisError> {
    let study = study_area(counts, res, params)?;
    if study.len() < 2 {
        return Err(AnalysisError::NotEnoughData(format!(
            "Gi* needs at least 2 study-area cells, got {}",
            study.len()
        )));
    }
    let x: Vec<f64> = study
        .iter()
        .map(|c| counts.get(&u64::from(*c)).copied().unwrap_or(0) as f64)
        .collect();
    let position: IntMap<u64, u32> = study
        .iter()
        .enumerate()
        .map(|(i, c)| (u64::from(*c), i as u32))
        .collect();
    let m = Moments::new(x.iter().copied());
    let mut disk = Vec::new();
    let mut stats = Vec::with_capacity(study.len());
    for &cell in &study {
        grid_disk_into(cell, params.k, &mut disk);
        let (mut sum_x, mut w) = (0.0, 0u32);
        for nb in &disk {
            if let Some(&j) = position.get(&u64::from(*nb)) {
                sum_x += x[j as usize];
                w += 1;
            }
        }
        stats.push((m.gi(sum_x, f64::from(w), f64::from(w)), w));
    }
    let z: Vec<f64> = stats.iter().map(|(g, _)| g.z).collect();
    let p: Vec<f64> = stats.iter().map(|(g, _)| g.p).collect();
    let bins = fdr::bins(&z, &p, params.fdr);
    let cells = study
        .iter()
        .zip(&x)
        .zip(stats.iter().zip(bins))
        .map(|((&cell, &count), (&(g, w), bin))| CellStat {
            cell,
            count: count as u64,
            z: g.z,
            p: g.p,
            bin,
            neighbours: w,
        })
        .collect();
    Ok(GiStarResult {
        resolution: params.resolution,
        k: params.k,
        fdr: params.fdr,
        mean: m.mean,
        std_dev: m.s,
        cells,
    })
}

/// Cells within grid distance `k` of `cell` (itself included) into `out`.
fn grid_disk_into(cell: CellIndex, k: u32, out: &mut Vec<CellIndex>) {
    out.clear();
    for c in cell.grid_disk_fast(k) {
        match c {
            Some(c) => out.push(c),
            None => {
                out.clear();
                out.extend(cell.grid_disk_safe(k));
                return;
            }
        }
    }
}

/// The sorted study-area cells: the polygon's cells and the cells of `counts`, or without
/// a polygon the cells of `counts` and their k-ring.
pub(super) fn study_area(
    counts: &IntMap<u64, u64>,
    res: Resolution,
    params: &GiStarParams<'_>,
) -> Result<Vec<CellIndex>, AnalysisError> {
    let mut cells: Vec<u64> = counts.keys().copied().collect();
    match params.study_area {
        Some(poly) => cells.extend(polygon_cells(poly, res, params.resolution)?),
        None => {
            let mut disk = Vec::new();
            let nonempty = cells.len();
            for i in 0..nonempty {
                let cell = CellIndex::try_from(cells[i])
                    .map_err(|e| AnalysisError::InvalidInput(e.to_string()))?;
                grid_disk_into(cell, params.k, &mut disk);
                cells.extend(disk.iter().map(|&c| u64::from(c)));
                if cells.len() > 2 * MAX_STUDY_CELLS {
                    cells.sort_unstable();
                    cells.dedup();
                    check_size(cells.len(), params.resolution)?;
                }
            }
        }
    }
    cells.sort_unstable();
    cells.dedup();
    check_size(cells.len(), params.resolution)?;
    cells
        .into_iter()
        .map(|c| CellIndex::try_from(c).map_err(|e| AnalysisError::InvalidInput(e.to_string())))
        .collect()
}

fn check_size(cells: usize, resolution: u8) -> Result<(), AnalysisError> {
    if cells > MAX_STUDY_CELLS {
        return Err(AnalysisError::TooManyCells {
            cells,
            resolution,
            limit: MAX_STUDY_CELLS,
        });
    }
    Ok(())
}

/// Cells whose centroid lies inside the polygon.
fn polygon_cells(
    poly: &geo::MultiPolygon<f64>,
    res: Resolution,
    resolution: u8,
) -> Result<Vec<u64>, AnalysisError> {
    let mut tiler = TilerBuilder::new(res)
        .containment_mode(ContainmentMode::ContainsCentroid)
        .build();
    tiler
        .add_batch(poly.0.iter().cloned())
        .map_err(|e| AnalysisError::param("study_area", e.to_string()))?;
    // The hint over-estimates; bail out early only when far beyond the limit.
    check_size(tiler.coverage_size_hint() / 4, resolution)?;
    Ok(tiler.into_coverage().map(u64::from).collect())
}

#[cfg(test)]
mod tests;
