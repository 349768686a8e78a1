//! Near repeats: the Knox test of space-time interaction (Knox 1964; Ratcliffe's Near Repeat
//! Calculator), over distance × time bands.
//!
//! Every unordered pair of events is counted in the band of its great-circle distance
//! (`[0, d₁]`, `(d₁, d₂]`, …, then beyond the last edge) and the band of its time apart in
//! days (`[0, t₁]`, `(t₁, t₂]`, …, then beyond). Observed `O` per (distance, time) band;
//! expected under independence `E₀ = R·C/P` (row and column totals over all pairs `P`);
//! expected `E` = the mean of `O` over `permutations` seeded shuffles of the times among the
//! events; Knox ratio `O/E`; `p = (1 + #{O_perm ≥ O}) / (permutations + 1)`.
//!
//! Pairs within the last distance edge are found on a grid of that size (never all n²
//! pairs); the pairs beyond it are counted per time band from the sorted times. A shuffle
//! changes no row or column total, so only the close pairs are recounted per permutation.
//!
//! ```
//! use hotspot::analysis::knox::{knox, KnoxParams};
//! // three reports on one corner within days, one far away months later
//! let day = 86_400;
//! let events = [(-75.1600, 39.9500, 0), (-75.1601, 39.9501, 2 * day),
//!               (-75.1602, 39.9500, 4 * day), (-75.3000, 40.1000, 90 * day)];
//! let result = knox(&events, &KnoxParams::default()).unwrap();
//! assert_eq!(result.pairs, 6);
//! assert_eq!(result.cell(0, 0).observed, 3); // within 100 m and 7 days
//! ```

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::dbscan::{haversine_m, EARTH_RADIUS_M};
use super::{check_lon_lat, AnalysisError, IntMap};
use crate::parallel::par_chunks;
use geo::Coord;

const DAY: f64 = 86_400.0;
/// Most events a Knox table takes (pairs grow with the square).
pub const MAX_EVENTS: usize = 1_000_000;
/// Most close pairs kept for the permutations.
pub const MAX_CLOSE_PAIRS: usize = 100_000_000;

/// Parameters of the Knox test.
#[derive(Debug, Clone, PartialEq)]
pub struct KnoxParams {
    /// Upper edges of the distance bands in metres, ascending (default 100 … 500).
    pub distance_bands: Vec<f64>,
    /// Upper edges of the time bands in days, ascending (default 7 … 28).
    pub time_bands: Vec<f64>,
    /// Shuffles of the times for the expected counts (default 99).
    pub permutations: u32,
    /// Seed of the shuffles.
    pub seed: u64,
}

impl Default for KnoxParams {
    fn default() -> Self {
        KnoxParams {
            distance_bands: vec![100.0, 200.0, 300.0, 400.0, 500.0],
            time_bands: vec![7.0, 14.0, 21.0, 28.0],
            permutations: 99,
            seed: 20_240_601,
        }
    }
}

/// One (distance band, time band) cell of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KnoxCell {
    pub distance_band: usize,
    pub time_band: usize,
    pub observed: u64,
    /// Mean over the permutations.
    pub expected: f64,
    /// Row total × column total / all pairs.
    pub expected_independent: f64,
    /// `observed / expected` (`None` when nothing is expected).
    pub knox_ratio: Option<f64>,
    pub p: f64,
}

/// The Knox table.
#[derive(Debug, Clone, PartialEq)]
pub struct KnoxResult {
    /// Band labels: `0-100`, `100-200`, …, `500+`.
    pub distance_labels: Vec<String>,
    /// Band labels: `0-7`, …, `28+`.
    pub time_labels: Vec<String>,
    /// Distance-major: `cells[d · time_labels.len() + t]`.
    pub cells: Vec<KnoxCell>,
    pub events: usize,
    /// All unordered pairs, n(n−1)/2.
    pub pairs: u64,
    pub permutations: u32,
}

impl KnoxResult {
    /// The cell of distance band `d` and time band `t`.
    pub fn cell(&self, d: usize, t: usize) -> &KnoxCell {
        &self.cells[d * self.time_labels.len() + t]
    }
}

/// The Knox table of events given as (longitude, latitude, unix seconds).
///
/// # Errors
/// Bands not positive, finite and strictly ascending; a bad coordinate; fewer than 2 or
/// more than [`MAX_EVENTS`] events; more than [`MAX_CLOSE_PAIRS`] close pairs.
pub fn knox(events: &[(f64, f64, i64)], params: &KnoxParams) -> Result<KnoxResult, AnalysisError> {
    check_bands("distance_bands", &params.distance_bands)?;
    check_bands("time_bands", &params.time_bands)?;
    if !(1..=9_999).contains(&params.permutations) {
        return Err(AnalysisError::param(
            "permutations",
            format!("must be 1..=9999, got {}", params.permutations),
        ));
    }
    let n = events.len();
    if n < 2 {
        return Err(AnalysisError::NotEnoughData(format!(
            "a Knox table needs at least 2 requests with a requested time, got {n}"
        )));
    }
    if n > MAX_EVENTS {
        return Err(AnalysisError::InvalidInput(format!(
            "{n} requests are more than the {MAX_EVENTS} a Knox table takes: narrow the selection"
        )));
    }
    for (i, &(lon, lat, _)) in events.iter().enumerate() {
        check_lon_lat(i, geo::Coord { x: lon, y: lat })?;
    }
    // events in grid order, so a close pair's two events lie near each other in memory
    let events = &spatial_order(events, *params.distance_bands.last().expect("checked"));
    let close = Neighbours::new(
        close_pairs(events, &params.distance_bands)?,
        n,
        params.distance_bands.len(),
    );
    let times: Vec<i64> = events.iter().map(|e| e.2).collect();
    // seconds after the first request, 4 bytes each: the permutations read them at random
    let first = times.iter().copied().min().unwrap_or(0);
    let offsets: Vec<u32> = times
        .iter()
        .map(|&t| u32::try_from(t - first))
        .collect::<Result<_, _>>()
        .map_err(|_| AnalysisError::InvalidInput("the requests span more than 136 years".into()))?;
    let (nd, nt) = (params.distance_bands.len() + 1, params.time_bands.len() + 1);
    let columns = column_totals(&times, &params.time_bands);
    let pairs = (n as u64) * (n as u64 - 1) / 2;
    let near = params.distance_bands.len();
    let thresholds = seconds(&params.time_bands);
    let observed = table(&close, &offsets, &thresholds, near, &columns);
    let rows: Vec<u64> = (0..nd)
        .map(|d| observed[d * nt..(d + 1) * nt].iter().sum())
        .collect();
    let (expected, exceed) = permute(&close, &offsets, params, &columns, &observed);
    let cells = (0..nd * nt)
        .map(|i| {
            let (d, t) = (i / nt, i % nt);
            let e = expected[i];
            KnoxCell {
                distance_band: d,
                time_band: t,
                observed: observed[i],
                expected: e,
                expected_independent: rows[d] as f64 * columns[t] as f64 / pairs as f64,
                knox_ratio: (e > 0.0).then(|| observed[i] as f64 / e),
                p: (1.0 + exceed[i] as f64) / (f64::from(params.permutations) + 1.0),
            }
        })
        .collect();
    Ok(KnoxResult {
        distance_labels: labels(&params.distance_bands),
        time_labels: labels(&params.time_bands),
        cells,
        events: n,
        pairs,
        permutations: params.permutations,
    })
}

/// A pair of events of one band: their indices in the input, metres and days apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandPair {
    pub a: usize,
    pub b: usize,
    pub distance_m: f64,
    pub days: f64,
}

/// The pairs in distance band `d` and time band `t` (a close band: `d` below the number of
/// distance edges), at most `limit` of them, closest first.
///
/// # Errors
/// As [`knox`].
pub fn band_pairs(
    events: &[(f64, f64, i64)],
    params: &KnoxParams,
    d: usize,
    t: usize,
    limit: usize,
) -> Result<Vec<BandPair>, AnalysisError> {
    check_bands("distance_bands", &params.distance_bands)?;
    check_bands("time_bands", &params.time_bands)?;
    // only pairs up to band d's edge: a smaller search than the table's
    let edges = params
        .distance_bands
        .get(..=d)
        .ok_or_else(|| AnalysisError::param("distance_bands", format!("no distance band {d}")))?;
    let mut found: Vec<BandPair> = close_pairs(events, edges)?
        .into_iter()
        .filter(|p| p.band as usize == d)
        .filter_map(|p| {
            let (a, b) = (events[p.a as usize], events[p.b as usize]);
            let days = (a.2 - b.2).unsigned_abs() as f64 / DAY;
            (band(days, &params.time_bands) == t).then(|| BandPair {
                a: p.a as usize,
                b: p.b as usize,
                distance_m: haversine_m(Coord { x: a.0, y: a.1 }, Coord { x: b.0, y: b.1 }),
                days,
            })
        })
        .collect();
    found.sort_by(|x, y| {
        x.distance_m
            .total_cmp(&y.distance_m)
            .then(x.days.total_cmp(&y.days))
    });
    found.truncate(limit);
    Ok(found)
}

/// The strongest close cell: the highest Knox ratio among cells significant at `alpha` with
/// at least `min_pairs` observed pairs, within the band edges (not the open-ended bands).
pub fn strongest(result: &KnoxResult, alpha: f64, min_pairs: u64) -> Option<&KnoxCell> {
    let (nd, nt) = (result.distance_labels.len(), result.time_labels.len());
    result
        .cells
        .iter()
        .filter(|c| c.distance_band + 1 < nd && c.time_band + 1 < nt)
        .filter(|c| {
            c.p <= alpha && c.observed >= min_pairs && c.knox_ratio.is_some_and(|r| r > 1.0)
        })
        .max_by(|a, b| {
            a.knox_ratio
                .partial_cmp(&b.knox_ratio)
                .expect("finite ratios")
        })
}

/// A sentence a resident could read: what the strongest band says, or that none stands out.
pub fn reading(result: &KnoxResult, strongest: Option<&KnoxCell>) -> String {
    let Some(c) = strongest else {
        return "No distance and time band holds more pairs of requests than chance would give \
                (p ≤ 0.05): requests here do not follow one another closer in space and time \
                than by chance."
            .to_string();
    };
    let span = |label: &str, unit: &str| match label.split_once('-') {
        Some(("0", high)) => format!("within {high} {unit}"),
        Some((low, high)) => format!("{low}–{high} {unit}"),
        None => format!("{label} {unit}"),
    };
    format!(
        "{} and {} of a request, {:.1}× as many others follow as chance would give (p {:.2}).",
        span(&result.distance_labels[c.distance_band], "m"),
        span(&result.time_labels[c.time_band], "days"),
        c.knox_ratio.unwrap_or(0.0),
        c.p
    )
}

fn check_bands(name: &'static str, edges: &[f64]) -> Result<(), AnalysisError> {
    if edges.is_empty() || edges.len() > 50 {
        return Err(AnalysisError::param(name, "give 1 to 50 band edges"));
    }
    let ascending = edges.windows(2).all(|w| w[0] < w[1]);
    if !edges.iter().all(|e| e.is_finite() && *e > 0.0) || !ascending {
        return Err(AnalysisError::param(
            name,
            format!("band edges must be positive and strictly ascending, got {edges:?}"),
        ));
    }
    Ok(())
}

/// `0-100`, `100-200`, …, `500+` (edges printed without needless decimals).
fn labels(edges: &[f64]) -> Vec<String> {
    let show = |x: f64| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x}")
        }
    };
    let mut out = Vec::with_capacity(edges.len() + 1);
    let mut low = 0.0;
    for &e in edges {
        out.push(format!("{}-{}", show(low), show(e)));
        low = e;
    }
    out.push(format!("{}+", show(low)));
    out
}

/// The band of `x` among `edges`: the first edge it does not exceed, else the last band.
fn band(x: f64, edges: &[f64]) -> usize {
    edges.iter().position(|&e| x <= e).unwrap_or(edges.len())
}

/// A close pair: the two events and the distance band.
#[derive(Debug, Clone, Copy)]
struct Pair {
    a: u32,
    b: u32,
    band: u8,
}

/// The close pairs per distance band as compressed rows: for each event `a`, the events
/// `b > a` of the band are `others[starts[a]..starts[a + 1]]` (4 bytes a pair: the
/// permutation loop reads them a hundred times, so their size is its speed).
struct Neighbours {
    bands: Vec<Rows>,
}

struct Rows {
    starts: Vec<u32>,
    others: Vec<u32>,
}

impl Neighbours {
    /// From the close pairs, `bands` distance bands over `events` events.
    fn new(pairs: Vec<Pair>, events: usize, bands: usize) -> Neighbours {
        let mut out: Vec<Rows> = (0..bands)
            .map(|_| Rows {
                starts: vec![0; events + 1],
                others: Vec::new(),
            })
            .collect();
        for p in &pairs {
            out[p.band as usize].starts[p.a as usize + 1] += 1;
        }
        for rows in &mut out {
            for a in 0..events {
                rows.starts[a + 1] += rows.starts[a];
            }
            rows.others = vec![0; rows.starts[events] as usize];
        }
        let mut fill: Vec<Vec<u32>> = out.iter().map(|r| r.starts[..events].to_vec()).collect();
        for p in pairs {
            let slot = &mut fill[p.band as usize][p.a as usize];
            out[p.band as usize].others[*slot as usize] = p.b;
            *slot += 1;
        }
        Neighbours { bands: out }
    }
}

/// Every pair within the last distance edge, found on a grid of cells that size.
fn close_pairs(events: &[(f64, f64, i64)], edges: &[f64]) -> Result<Vec<Pair>, AnalysisError> {
    let reach = *edges.last().expect("checked non-empty");
    let mid_lat = events.iter().map(|e| e.1).sum::<f64>() / events.len() as f64;
    let lat_step = reach / (EARTH_RADIUS_M.to_radians());
    // the widest longitude span of `reach` among the events' latitudes
    let max_abs_lat = events
        .iter()
        .map(|e| e.1.abs())
        .fold(mid_lat.abs(), f64::max);
    let lon_step = lat_step / max_abs_lat.min(89.0).to_radians().cos();
    let key = |lon: f64, lat: f64| {
        (
            (lon / lon_step).floor() as i64,
            (lat / lat_step).floor() as i64,
        )
    };
    let mut grid: IntMap<u64, Vec<u32>> = IntMap::default();
    let pack = |(x, y): (i64, i64)| ((x as u64) << 32) ^ (y as u64 & 0xffff_ffff);
    for (i, &(lon, lat, _)) in events.iter().enumerate() {
        grid.entry(pack(key(lon, lat))).or_default().push(i as u32);
    }
    let indices: Vec<u32> = (0..events.len() as u32).collect();
    let parts = par_chunks(&indices, |_, part| {
        let mut found = Vec::new();
        for &i in part {
            let (lon, lat, _) = events[i as usize];
            let (x, y) = key(lon, lat);
            for dx in -1..=1 {
                for dy in -1..=1 {
                    let Some(list) = grid.get(&pack((x + dx, y + dy))) else {
                        continue;
                    };
                    for &j in list.iter().filter(|&&j| j > i) {
                        let (lon2, lat2, _) = events[j as usize];
                        // a cheap bound first: farther apart in latitude alone than the reach
                        if (lat2 - lat).abs() > lat_step * 1.001 {
                            continue;
                        }
                        let d = haversine_m(Coord { x: lon, y: lat }, Coord { x: lon2, y: lat2 });
                        if d <= reach {
                            found.push(Pair {
                                a: i,
                                b: j,
                                band: band(d, edges) as u8,
                            });
                        }
                    }
                }
            }
            if found.len() > MAX_CLOSE_PAIRS {
                break;
            }
        }
        found
    });
    let total: usize = parts.iter().map(Vec::len).sum();
    if total > MAX_CLOSE_PAIRS {
        return Err(AnalysisError::InvalidInput(format!(
            "more than {MAX_CLOSE_PAIRS} pairs of requests lie within {reach} m: narrow the selection or the distance bands"
        )));
    }
    Ok(parts.into_iter().flatten().collect())
}

/// The events sorted by the grid cell of `reach` metres they fall in (row by row).
fn spatial_order(events: &[(f64, f64, i64)], reach: f64) -> Vec<(f64, f64, i64)> {
    let step = reach / EARTH_RADIUS_M.to_radians();
    let mut sorted = events.to_vec();
    sorted.sort_by_key(|&(lon, lat, t)| {
        ((lat / step).floor() as i64, (lon / step).floor() as i64, t)
    });
    sorted
}

/// Pairs of all events per time band (a shuffle of the times keeps them).
fn column_totals(times: &[i64], edges: &[f64]) -> Vec<u64> {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    // pairs at most `limit` seconds apart, by two pointers
    let within = |limit: f64| -> u64 {
        let mut count = 0u64;
        let mut j = 0;
        for i in 0..sorted.len() {
            if j < i {
                j = i;
            }
            while j + 1 < sorted.len() && ((sorted[j + 1] - sorted[i]) as f64) <= limit {
                j += 1;
            }
            count += (j - i) as u64;
        }
        count
    };
    let n = sorted.len() as u64;
    let all = n * (n - 1) / 2;
    let mut totals = Vec::with_capacity(edges.len() + 1);
    let mut below = 0u64;
    for &e in edges {
        let upto = within(e * DAY);
        totals.push(upto - below);
        below = upto;
    }
    totals.push(all - below);
    totals
}

/// Time band edges in whole seconds: `Δt ≤ edge days` ⟺ `Δt seconds ≤ ⌊edge · 86400⌋`.
fn seconds(edges: &[f64]) -> Vec<u32> {
    edges
        .iter()
        .map(|e| (e * DAY).floor().min(f64::from(u32::MAX)) as u32)
        .collect()
}

/// Observed counts per cell (distance-major): the close pairs in the `near` distance bands,
/// and the band beyond them as what the column totals leave. `thresholds` are the time band
/// edges in seconds ([`seconds`]).
fn table(
    close: &Neighbours,
    times: &[u32],
    thresholds: &[u32],
    near: usize,
    columns: &[u64],
) -> Vec<u64> {
    let nt = thresholds.len() + 1;
    let mut counts = vec![0u64; (near + 1) * nt];
    for (d, band) in close.bands.iter().enumerate() {
        let row = &mut counts[d * nt..(d + 1) * nt];
        for a in 0..band.starts.len() - 1 {
            let ta = times[a];
            let (from, to) = (band.starts[a] as usize, band.starts[a + 1] as usize);
            for &b in &band.others[from..to] {
                let dt = ta.abs_diff(times[b as usize]);
                // the band: how many edges the time apart exceeds
                let t: usize = thresholds.iter().map(|&e| usize::from(dt > e)).sum();
                row[t] += 1;
            }
        }
    }
    for (t, &column) in columns.iter().enumerate() {
        let close_pairs: u64 = (0..near).map(|d| counts[d * nt + t]).sum();
        counts[near * nt + t] = column - close_pairs;
    }
    counts
}

/// Mean counts over the permutations and how often a permutation reached each observed one.
fn permute(
    close: &Neighbours,
    times: &[u32],
    params: &KnoxParams,
    columns: &[u64],
    observed: &[u64],
) -> (Vec<f64>, Vec<u64>) {
    let cells = observed.len();
    let seeds: Vec<u64> = (0..u64::from(params.permutations))
        .map(|i| {
            params
                .seed
                .wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        })
        .collect();
    let thresholds = seconds(&params.time_bands);
    let parts = par_chunks(&seeds, |_, part| {
        let mut sum = vec![0u64; cells];
        let mut exceed = vec![0u64; cells];
        let mut shuffled = times.to_vec();
        for &seed in part {
            shuffled.copy_from_slice(times);
            shuffled.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
            let near = params.distance_bands.len();
            let counts = table(close, &shuffled, &thresholds, near, columns);
            for i in 0..cells {
                sum[i] += counts[i];
                exceed[i] += u64::from(counts[i] >= observed[i]);
            }
        }
        (sum, exceed)
    });
    let mut sum = vec![0u64; cells];
    let mut exceed = vec![0u64; cells];
    for (s, e) in parts {
        for i in 0..cells {
            sum[i] += s[i];
            exceed[i] += e[i];
        }
    }
    let perms = f64::from(params.permutations);
    (sum.iter().map(|&s| s as f64 / perms).collect(), exceed)
}

#[cfg(test)]
mod tests;
