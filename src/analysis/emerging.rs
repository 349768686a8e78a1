//! Emerging hot spots: Gi* on a space-time cube of H3 cells × time steps, a Mann–Kendall
//! trend per location, and the 17 categories of Esri's Emerging Hot Spot Analysis.
//!
//! Steps: with anchor `end` and step `Δ`, step `i` (0 oldest … n−1 final) is the interval
//! `(end − (n−i)Δ, end − (n−1−i)Δ]`. Locations follow the Gi* study-area rule
//! ([`super::gistar`]). Bin `(i, t)` counts the requests of cell `i` in step `t`; its
//! neighbours are the bins `(j, s)` with grid distance `(i, j) ≤ k` and
//! `max(0, t−L) ≤ s ≤ t`, itself included, with binary weights, and Gi* is taken over the
//! whole cube (the same as `esda.G_Local(star=True, transform='B')` on that graph).
//! Benjamini–Hochberg at 0.05 over every bin marks hot (z > 0) and cold (z < 0) bins; the
//! Mann–Kendall test of each location's z series (rounded to 9 decimals) gives its trend.
//! See ../shared/DESIGN.md, "Space-time cube", for the category rules
//! ([`Category::classify`]).

use h3o::CellIndex;

use super::gistar::{self, GiStarParams};
use super::mann_kendall::{mann_kendall, MannKendall};
use super::{fdr, AnalysisError, IntMap};

/// Fewest steps a cube may have.
pub const MIN_STEPS: u32 = 10;
/// Most steps a cube may have.
pub const MAX_STEPS: u32 = 1_000;
/// Significance of the bins (after FDR) and of the trend.
pub const ALPHA: f64 = 0.05;
const DAY: i64 = 86_400;

/// Parameters of the space-time cube.
#[derive(Debug, Clone, Copy)]
pub struct EmergingParams<'a> {
    /// H3 resolution of the locations.
    pub resolution: u8,
    /// Neighbourhood radius in grid steps.
    pub k: u32,
    /// Time lag in steps: a bin's neighbours reach back this many steps.
    pub lag: u32,
    /// Length of a step in days.
    pub step_days: u32,
    /// Number of steps; `None`: as many whole steps as fit between `start` and `end`.
    pub steps: Option<u32>,
    /// Oldest time considered (unix seconds); `None`: the oldest event.
    pub start: Option<i64>,
    /// The anchor (unix seconds): the final step ends here; `None`: the newest event.
    pub end: Option<i64>,
    /// Optional study-area polygon (as for Gi*).
    pub study_area: Option<&'a geo::MultiPolygon<f64>>,
}

impl Default for EmergingParams<'_> {
    fn default() -> Self {
        EmergingParams {
            resolution: 9,
            k: 1,
            lag: 1,
            step_days: 7,
            steps: None,
            start: None,
            end: None,
            study_area: None,
        }
    }
}

/// The category of a location (Esri's Emerging Hot Spot Analysis).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    NewHot,
    ConsecutiveHot,
    IntensifyingHot,
    PersistentHot,
    DiminishingHot,
    SporadicHot,
    OscillatingHot,
    HistoricalHot,
    NewCold,
    ConsecutiveCold,
    IntensifyingCold,
    PersistentCold,
    DiminishingCold,
    SporadicCold,
    OscillatingCold,
    HistoricalCold,
    None,
}

impl Category {
    /// Every category, hot first.
    pub const ALL: [Category; 17] = [
        Category::NewHot,
        Category::ConsecutiveHot,
        Category::IntensifyingHot,
        Category::PersistentHot,
        Category::DiminishingHot,
        Category::SporadicHot,
        Category::OscillatingHot,
        Category::HistoricalHot,
        Category::NewCold,
        Category::ConsecutiveCold,
        Category::IntensifyingCold,
        Category::PersistentCold,
        Category::DiminishingCold,
        Category::SporadicCold,
        Category::OscillatingCold,
        Category::HistoricalCold,
        Category::None,
    ];

    /// The CSV and API spelling (`new_hot`, ..., `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::NewHot => "new_hot",
            Category::ConsecutiveHot => "consecutive_hot",
            Category::IntensifyingHot => "intensifying_hot",
            Category::PersistentHot => "persistent_hot",
            Category::DiminishingHot => "diminishing_hot",
            Category::SporadicHot => "sporadic_hot",
            Category::OscillatingHot => "oscillating_hot",
            Category::HistoricalHot => "historical_hot",
            Category::NewCold => "new_cold",
            Category::ConsecutiveCold => "consecutive_cold",
            Category::IntensifyingCold => "intensifying_cold",
            Category::PersistentCold => "persistent_cold",
            Category::DiminishingCold => "diminishing_cold",
            Category::SporadicCold => "sporadic_cold",
            Category::OscillatingCold => "oscillating_cold",
            Category::HistoricalCold => "historical_cold",
            Category::None => "none",
        }
    }

    /// Whether it is one of the hot categories.
    pub fn is_hot(self) -> bool {
        self < Category::NewCold
    }

    /// The category of a location from its bins (`1` hot, `-1` cold, `0` neither; oldest
    /// first) and its trend direction (`1` up, `-1` down, `0` none).
    pub fn classify(bins: &[i8], trend: i8) -> Category {
        let Some(&last) = bins.last() else {
            return Category::None;
        };
        let n = bins.len() as f64;
        let hot = bins.iter().filter(|&&b| b > 0).count();
        let cold = bins.iter().filter(|&&b| b < 0).count();
        let mostly = |count: usize| count as f64 >= 0.9 * n;
        if last == 0 {
            return if mostly(hot) {
                Category::HistoricalHot
            } else if mostly(cold) {
                Category::HistoricalCold
            } else {
                Category::None
            };
        }
        // the final step's side ("ours") and the other side, with the hot names
        let (ours, theirs, growing) = if last > 0 {
            (hot, cold, trend > 0)
        } else {
            (cold, hot, trend < 0)
        };
        let shrinking = trend != 0 && !growing;
        let hot_name = if mostly(ours) {
            if growing {
                Category::IntensifyingHot
            } else if shrinking {
                Category::DiminishingHot
            } else {
                Category::PersistentHot
            }
        } else if theirs > 0 {
            Category::OscillatingHot
        } else if ours == 1 {
            Category::NewHot
        } else if one_final_run(bins, last) {
            Category::ConsecutiveHot
        } else {
            Category::SporadicHot
        };
        if last > 0 {
            hot_name
        } else {
            hot_name.mirror()
        }
    }

    /// The cold category of a hot one.
    fn mirror(self) -> Category {
        let i = Category::ALL
            .iter()
            .position(|&c| c == self)
            .expect("listed");
        if i < 8 {
            Category::ALL[i + 8]
        } else {
            self
        }
    }
}

/// Whether the bins equal to `side` form one run that ends at the final step.
fn one_final_run(bins: &[i8], side: i8) -> bool {
    let run = bins.iter().rev().take_while(|&&b| b == side).count();
    bins[..bins.len() - run].iter().all(|&b| b != side)
}

/// One location of the cube.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergingLocation {
    pub cell: CellIndex,
    /// Requests per step, oldest first.
    pub counts: Vec<u32>,
    /// Gi* z per step.
    pub z: Vec<f64>,
    /// Two-sided p per step.
    pub p: Vec<f64>,
    /// `1` hot, `-1` cold, `0` neither, per step (FDR at 0.05 over the cube).
    pub bins: Vec<i8>,
    /// Mann–Kendall of the z series.
    pub trend: MannKendall,
    pub category: Category,
}

impl EmergingLocation {
    /// Steps with a hot bin.
    pub fn hot_steps(&self) -> usize {
        self.bins.iter().filter(|&&b| b > 0).count()
    }

    /// Steps with a cold bin.
    pub fn cold_steps(&self) -> usize {
        self.bins.iter().filter(|&&b| b < 0).count()
    }
}

/// The cube's result.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergingResult {
    pub resolution: u8,
    pub k: u32,
    pub lag: u32,
    pub step_days: u32,
    /// The final step's end (unix seconds).
    pub end: i64,
    /// Number of steps.
    pub steps: u32,
    /// Events that fell in a step (the others were before the first step).
    pub counted: u64,
    /// The FDR p threshold of the bins (`None`: no bin significant).
    pub threshold: Option<f64>,
    /// Every location, sorted by cell index.
    pub locations: Vec<EmergingLocation>,
}

impl EmergingResult {
    /// The start of step `i` (exclusive, unix seconds).
    pub fn step_start(&self, i: u32) -> i64 {
        self.end - i64::from(self.steps - i) * i64::from(self.step_days) * DAY
    }
}

/// Emerging hot spots of events given as (cell, unix seconds).
///
/// # Errors
/// Invalid parameters (`res`, `k`, `lag`, `step_days`, `steps`), no events, fewer than
/// [`MIN_STEPS`] steps, or a study area too large.
pub fn emerging_hotspots(
    events: &[(CellIndex, i64)],
    params: &EmergingParams<'_>,
) -> Result<EmergingResult, AnalysisError> {
    let gistar_params = GiStarParams {
        resolution: params.resolution,
        k: params.k,
        fdr: true,
        study_area: params.study_area,
    };
    let res = gistar_params.validate()?;
    check_params(params)?;
    let (end, n) = steps(events, params)?;
    let step = i64::from(params.step_days) * DAY;
    let mut counts: IntMap<u64, Vec<u32>> = IntMap::default();
    let mut counted = 0u64;
    for &(cell, t) in events {
        let Some(i) = step_of(t, end, step, n) else {
            continue;
        };
        let cell = gistar::to_resolution(cell, res)?;
        counts.entry(u64::from(cell)).or_insert_with(|| vec![0; n])[i] += 1;
        counted += 1;
    }
    let presence: IntMap<u64, u64> = counts.keys().map(|&c| (c, 1)).collect();
    let locations = gistar::study_area(&presence, res, &gistar_params)?;
    if locations.len() < 2 {
        return Err(AnalysisError::NotEnoughData(format!(
            "emerging hot spots need at least 2 locations, got {}",
            locations.len()
        )));
    }
    let x: Vec<Vec<u32>> = locations
        .iter()
        .map(|c| counts.remove(&u64::from(*c)).unwrap_or_else(|| vec![0; n]))
        .collect();
    let cube = Cube::new(&locations, &x, params.k, params.lag as usize);
    let (z, p) = cube.gi_star();
    let threshold = fdr::benjamini_hochberg_threshold(&p, ALPHA);
    let locations = locations
        .iter()
        .zip(x)
        .enumerate()
        .map(|(i, (&cell, counts))| {
            let z = z[i * n..(i + 1) * n].to_vec();
            let p = p[i * n..(i + 1) * n].to_vec();
            location(cell, counts, z, p, threshold)
        })
        .collect();
    Ok(EmergingResult {
        resolution: params.resolution,
        k: params.k,
        lag: params.lag,
        step_days: params.step_days,
        end,
        steps: n as u32,
        counted,
        threshold,
        locations,
    })
}

fn check_params(params: &EmergingParams<'_>) -> Result<(), AnalysisError> {
    if !(1..=365).contains(&params.step_days) {
        return Err(AnalysisError::param(
            "step_days",
            format!("a step must be 1..=365 days, got {}", params.step_days),
        ));
    }
    if params.lag > 52 {
        return Err(AnalysisError::param(
            "lag",
            format!("the time lag must be 0..=52 steps, got {}", params.lag),
        ));
    }
    if let Some(s) = params.steps {
        if !(MIN_STEPS..=MAX_STEPS).contains(&s) {
            return Err(AnalysisError::param(
                "steps",
                format!("the number of steps must be {MIN_STEPS}..={MAX_STEPS}, got {s}"),
            ));
        }
    }
    Ok(())
}

/// The anchor and the number of steps.
fn steps(
    events: &[(CellIndex, i64)],
    params: &EmergingParams<'_>,
) -> Result<(i64, usize), AnalysisError> {
    let newest = events.iter().map(|e| e.1).max();
    let oldest = events.iter().map(|e| e.1).min();
    let (Some(newest), Some(oldest)) = (newest, oldest) else {
        return Err(AnalysisError::NotEnoughData(
            "emerging hot spots need requests with a requested time".into(),
        ));
    };
    let end = params.end.unwrap_or(newest);
    let step = i64::from(params.step_days) * DAY;
    let n = match params.steps {
        Some(s) => i64::from(s),
        None => (end - params.start.unwrap_or(oldest)).max(0) / step,
    };
    if n < i64::from(MIN_STEPS) {
        let span_days = (end - params.start.unwrap_or(oldest)).max(0) as f64 / DAY as f64;
        return Err(AnalysisError::NotEnoughData(format!(
            "emerging hot spots need at least {MIN_STEPS} steps: the selection spans {span_days:.1} days, \
             {n} step(s) of {} days; choose a longer window or shorter steps (step_days)",
            params.step_days
        )));
    }
    if n > i64::from(MAX_STEPS) {
        return Err(AnalysisError::param(
            "step_days",
            format!("{n} steps are more than {MAX_STEPS}: choose longer steps or a shorter window"),
        ));
    }
    Ok((end, n as usize))
}

/// The step of time `t`: `n − 1 − ⌊(end − t)/Δ⌋` when in `(end − nΔ, end]`.
fn step_of(t: i64, end: i64, step: i64, n: usize) -> Option<usize> {
    if t > end {
        return None;
    }
    let back = ((end - t) / step) as usize;
    (back < n).then(|| n - 1 - back)
}

/// The cube's counts and neighbourhoods.
struct Cube<'a> {
    x: &'a [Vec<u32>],
    /// Location indices within distance k of each location (itself included).
    near: Vec<Vec<u32>>,
    lag: usize,
    n: usize,
}

impl<'a> Cube<'a> {
    fn new(locations: &[CellIndex], x: &'a [Vec<u32>], k: u32, lag: usize) -> Cube<'a> {
        let position: IntMap<u64, u32> = locations
            .iter()
            .enumerate()
            .map(|(i, c)| (u64::from(*c), i as u32))
            .collect();
        let near = locations
            .iter()
            .map(|cell| {
                cell.grid_disk::<Vec<_>>(k)
                    .into_iter()
                    .filter_map(|c| position.get(&u64::from(c)).copied())
                    .collect()
            })
            .collect();
        Cube {
            x,
            near,
            lag,
            n: x.first().map_or(0, Vec::len),
        }
    }

    /// z and p of every bin, location-major (`i·n + t`).
    fn gi_star(&self) -> (Vec<f64>, Vec<f64>) {
        let n = self.n;
        let bins = (self.x.len() * n) as f64;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for v in self.x.iter().flatten() {
            let v = f64::from(*v);
            sum += v;
            sum2 += v * v;
        }
        let moments = gistar::Moments::from_sums(bins, sum, sum2);
        let mut z = Vec::with_capacity(self.x.len() * n);
        let mut p = Vec::with_capacity(self.x.len() * n);
        let mut spatial = vec![0.0; n];
        for near in &self.near {
            spatial.iter_mut().for_each(|s| *s = 0.0);
            for &j in near {
                for (s, &v) in spatial.iter_mut().zip(&self.x[j as usize]) {
                    *s += f64::from(v);
                }
            }
            for t in 0..n {
                let from = t.saturating_sub(self.lag);
                let sum_x: f64 = spatial[from..=t].iter().sum();
                let w = (near.len() * (t - from + 1)) as f64;
                let g = moments.gi(sum_x, w, w);
                z.push(g.z);
                p.push(g.p);
            }
        }
        (z, p)
    }
}

fn location(
    cell: CellIndex,
    counts: Vec<u32>,
    z: Vec<f64>,
    p: Vec<f64>,
    threshold: Option<f64>,
) -> EmergingLocation {
    let bins: Vec<i8> = z
        .iter()
        .zip(&p)
        .map(|(&z, &p)| match threshold {
            Some(thr) if p <= thr && z > 0.0 => 1,
            Some(thr) if p <= thr && z < 0.0 => -1,
            _ => 0,
        })
        .collect();
    let rounded: Vec<f64> = z.iter().map(|v| (v * 1e9).round() / 1e9).collect();
    let trend = mann_kendall(&rounded);
    let category = Category::classify(&bins, trend.direction(ALPHA));
    EmergingLocation {
        cell,
        counts,
        z,
        p,
        bins,
        trend,
        category,
    }
}

#[cfg(test)]
mod tests;
