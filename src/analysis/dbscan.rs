//! DBSCAN with great-circle distance, matching scikit-learn.
//!
//! `q` is a neighbour of `p` when `haversine(p, q) ≤ eps_m` (R = 6,371,008.8 m);
//! `p` is a core point when it has at least `min_points` neighbours, itself
//! included (scikit-learn's `min_samples`). Clusters are the connected core
//! points plus their border points; noise is −1.
//!
//! **Border points** go where scikit-learn puts them: its expansion starts
//! clusters in order of their lowest-indexed core point and finishes each
//! cluster before starting the next, so a border point reachable from several
//! clusters joins the one whose lowest core-point index is smallest. We apply
//! that rule directly, so labels equal scikit-learn's up to renumbering.
//! Cluster ids are then ordered by size (largest first, ties by smallest
//! member index).
//!
//! **Algorithm** (grid DBSCAN, O(n) memory): points are bucketed in lat/lon
//! cells no larger than eps across (so all points of one cell are mutual
//! neighbours), with a stencil wide enough to hold every neighbour. A cell
//! with ≥ `min_points` points makes all its points core without distance
//! checks; other points count neighbours with early exit. Core cells are
//! joined by union–find when any of their core points are within eps. Every
//! candidate pair is decided by the exact haversine test (a chord-length
//! prefilter settles all but near-ties). Passes 1 and 3 run on all cores.
//! The stencil width follows the highest |latitude| in the input, so data
//! near the poles is still exact but slower (wider longitude stencils).

use super::{check_lon_lat, AnalysisError, IntMap};
use crate::parallel::{par_map, worker_threads};
use geo::{ConvexHull, Coord, MultiPoint, Point, Polygon};

/// Mean Earth radius used for distances, metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Radius of the buffer added around cluster members in hulls, metres.
pub const HULL_BUFFER_M: f64 = 10.0;
/// Smallest accepted `eps_m`.
pub const MIN_EPS_M: f64 = 0.1;
/// Largest accepted `eps_m` (a quarter of the Earth's circumference).
pub const MAX_EPS_M: f64 = 10_000_000.0;

/// DBSCAN parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DbscanParams {
    /// Neighbourhood radius in metres (great-circle).
    pub eps_m: f64,
    /// Minimum neighbours (self included) of a core point, ≥ 1.
    pub min_points: usize,
}

impl Default for DbscanParams {
    fn default() -> Self {
        Self {
            eps_m: 100.0,
            min_points: 5,
        }
    }
}

/// One cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Cluster id (0 = largest).
    pub id: u32,
    /// Number of member points (core and border).
    pub count: usize,
    /// Number of core points.
    pub core_count: usize,
    /// Spherical mean of the members (lon/lat degrees).
    pub centroid: Point<f64>,
    /// Convex hull of the members buffered by [`HULL_BUFFER_M`] (lon/lat).
    pub hull: Polygon<f64>,
}

/// DBSCAN output.
#[derive(Debug, Clone, PartialEq)]
pub struct DbscanResult {
    /// Cluster id per input point, −1 for noise.
    pub labels: Vec<i32>,
    /// Whether each input point is a core point.
    pub core: Vec<bool>,
    /// Clusters, indexed by id.
    pub clusters: Vec<Cluster>,
}

/// Great-circle distance in metres between two lon/lat points (degrees).
pub fn haversine_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let h = hav(
        a.y.to_radians(),
        a.x.to_radians(),
        b.y.to_radians(),
        b.x.to_radians(),
    );
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Haversine term as scikit-learn computes it (radians).
#[inline]
fn hav(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let sin_0 = (0.5 * (lat1 - lat2)).sin();
    let sin_1 = (0.5 * (lon1 - lon2)).sin();
    sin_0 * sin_0 + lat1.cos() * lat2.cos() * sin_1 * sin_1
}

/// Runs DBSCAN over WGS84 points (`x` = longitude, `y` = latitude, degrees).
///
/// # Errors
/// `eps_m` outside [[`MIN_EPS_M`], [`MAX_EPS_M`]], `min_points` = 0, more
/// than 2³¹ − 1 points, or an invalid coordinate.
pub fn dbscan(points: &[Coord<f64>], params: &DbscanParams) -> Result<DbscanResult, AnalysisError> {
    validate(points, params)?;
    let n = points.len();
    if n == 0 {
        return Ok(DbscanResult {
            labels: Vec::new(),
            core: Vec::new(),
            clusters: Vec::new(),
        });
    }
    let grid = Grid::new(points, params.eps_m);
    let idx = Indexed::new(points, &grid);
    let core_sorted = idx.core_flags(params.min_points);
    let comp = idx.core_components(&core_sorted);
    let labels_sorted = idx.assign(&core_sorted, &comp);
    let mut labels = vec![-1i32; n];
    let mut core = vec![false; n];
    for (s, &o) in idx.orig.iter().enumerate() {
        labels[o as usize] = labels_sorted[s];
        core[o as usize] = core_sorted[s];
    }
    renumber_by_size(&mut labels);
    let clusters = build_clusters(points, &labels, &core);
    Ok(DbscanResult {
        labels,
        core,
        clusters,
    })
}

fn validate(points: &[Coord<f64>], params: &DbscanParams) -> Result<(), AnalysisError> {
    if !(MIN_EPS_M..=MAX_EPS_M).contains(&params.eps_m) {
        return Err(AnalysisError::param(
            "eps_m",
            format!(
                "must be between {MIN_EPS_M} and {MAX_EPS_M} metres, got {}",
                params.eps_m
            ),
        ));
    }
    if params.min_points == 0 {
        return Err(AnalysisError::param("min_points", "must be at least 1"));
    }
    if points.len() >= i32::MAX as usize {
        return Err(AnalysisError::InvalidInput(format!(
            "{} points exceed the DBSCAN limit of {}",
            points.len(),
            i32::MAX - 1
        )));
    }
    points
        .iter()
        .enumerate()
        .try_for_each(|(i, &c)| check_lon_lat(i, c))
}

/// A lat/lon grid whose cells have a diameter below eps.
#[derive(Debug, Clone, Copy)]
struct Grid {
    nrows: i64,
    ncols: i64,
    row_h: f64,
    col_w: f64,
    row_reach: i64,
    col_reach: i64,
    /// `sin²(θ/2)`, θ = eps/R: the haversine threshold.
    hav_eps: f64,
}

impl Grid {
    fn new(points: &[Coord<f64>], eps_m: f64) -> Self {
        use std::f64::consts::PI;
        let theta = eps_m / EARTH_RADIUS_M;
        let hav_of = |x: f64| (0.5 * x).sin().powi(2);
        let hav_eps = hav_of(theta);
        // Rows at most θ/2 high; columns with hav(w) ≤ hav(θ) − hav(θ/2), so any
        // two points of a cell have hav(d) ≤ hav(Δφ) + hav(Δλ) < hav(θ).
        let nrows = (2.0 * PI / theta).ceil().max(1.0);
        let row_h = PI / nrows;
        let hav_w = (hav_eps * (1.0 - 1e-9) - hav_of(row_h)).max(0.0);
        let max_w = 2.0 * hav_w.sqrt().min(1.0).asin();
        let ncols = (2.0 * PI / max_w).ceil().clamp(1.0, 1e15);
        let col_w = 2.0 * PI / ncols;
        // Any neighbour has |Δφ| ≤ θ and hav(Δλ) ≤ hav(θ)/cos²φmax.
        let max_lat = points
            .iter()
            .map(|c| c.y.abs())
            .fold(0.0, f64::max)
            .to_radians();
        let ratio = (0.5 * theta).sin() / max_lat.cos();
        let dlon = if ratio >= 1.0 { PI } else { 2.0 * ratio.asin() };
        Self {
            nrows: nrows as i64,
            ncols: ncols as i64,
            row_h,
            col_w,
            row_reach: ((theta / row_h) * (1.0 + 1e-12)).ceil() as i64,
            col_reach: ((dlon / col_w) * (1.0 + 1e-12)).ceil() as i64,
            hav_eps,
        }
    }

    fn cell_of(&self, lat: f64, lon: f64) -> (i64, i64) {
        use std::f64::consts::{FRAC_PI_2, PI};
        let row = (((lat + FRAC_PI_2) / self.row_h).floor() as i64).clamp(0, self.nrows - 1);
        let col = (((lon + PI) / self.col_w).floor() as i64).rem_euclid(self.ncols);
        (row, col)
    }

    fn key(&self, (row, col): (i64, i64)) -> u64 {
        (row as u64) * (self.ncols as u64) + col as u64
    }

    /// Half-open key ranges of the cells that can hold neighbours of cell
    /// `rc` (itself included): per row one column span, split in two where it
    /// wraps around the antimeridian, or the whole row.
    fn stencil(&self, (row, col): (i64, i64), out: &mut Vec<(u64, u64)>) {
        out.clear();
        let r0 = (row - self.row_reach).max(0);
        let r1 = (row + self.row_reach).min(self.nrows - 1);
        let (c0, c1) = (col - self.col_reach, col + self.col_reach);
        let full = 2 * self.col_reach + 1 >= self.ncols;
        for r in r0..=r1 {
            let span = |a: i64, b: i64| (self.key((r, a)), self.key((r, b)) + 1);
            if full {
                out.push(span(0, self.ncols - 1));
            } else if c0 < 0 {
                out.push(span(0, c1));
                out.push(span(c0 + self.ncols, self.ncols - 1));
            } else if c1 >= self.ncols {
                out.push(span(0, c1 - self.ncols));
                out.push(span(c0, self.ncols - 1));
            } else {
                out.push(span(c0, c1));
            }
        }
    }
}

/// Points sorted by grid cell, with per-cell ranges and stencils.
struct Indexed {
    grid: Grid,
    /// Original index of each sorted point.
    orig: Vec<u32>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    /// Unit vectors, for the chord prefilter.
    xyz: Vec<[f64; 3]>,
    /// Start of each cell in the sorted arrays (plus a final end).
    starts: Vec<usize>,
    /// Stencil cells (indices into `starts`) of each cell, CSR.
    nb_start: Vec<usize>,
    nb: Vec<u32>,
    /// Grid key of each cell.
    keys: Vec<u64>,
    /// Chord² below which a pair is surely within eps, above which surely not.
    chord_lo: f64,
    chord_hi: f64,
}

impl Indexed {
    fn new(points: &[Coord<f64>], grid: &Grid) -> Self {
        let mut keyed: Vec<(u64, u32)> = par_map(points, |i, c| {
            let rc = grid.cell_of(c.y.to_radians(), c.x.to_radians());
            (grid.key(rc), i as u32)
        });
        keyed.sort_unstable();
        let orig: Vec<u32> = keyed.iter().map(|&(_, i)| i).collect();
        let rad: Vec<(f64, f64)> = par_map(&orig, |_, &i| {
            let c = points[i as usize];
            (c.y.to_radians(), c.x.to_radians())
        });
        let xyz = par_map(&rad, |_, &(la, lo)| {
            [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
        });
        let (lat, lon): (Vec<f64>, Vec<f64>) = rad.into_iter().unzip();
        let mut starts = Vec::new();
        let mut keys = Vec::new();
        for (s, &(k, _)) in keyed.iter().enumerate() {
            if keys.last() != Some(&k) {
                keys.push(k);
                starts.push(s);
            }
        }
        starts.push(keyed.len());
        let (nb_start, nb) = stencils(grid, &keys);
        // chord² = 4·hav(d); margin covers rounding of the unit vectors.
        let chord = 4.0 * grid.hav_eps;
        let margin = 1e-9 * chord + 1e-14 * chord.sqrt();
        Self {
            grid: *grid,
            orig,
            lat,
            lon,
            xyz,
            starts,
            nb_start,
            keys,
            nb,
            chord_lo: chord - margin,
            chord_hi: chord + margin,
        }
    }

    fn ncells(&self) -> usize {
        self.starts.len() - 1
    }

    fn range(&self, cell: usize) -> std::ops::Range<usize> {
        self.starts[cell]..self.starts[cell + 1]
    }

    fn stencil(&self, cell: usize) -> &[u32] {
        &self.nb[self.nb_start[cell]..self.nb_start[cell + 1]]
    }

    /// Exact neighbour test between sorted points `a` and `b`.
    #[inline]
    fn within(&self, a: usize, b: usize) -> bool {
        let (p, q) = (self.xyz[a], self.xyz[b]);
        let d2 = (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2);
        if d2 <= self.chord_lo {
            true
        } else if d2 > self.chord_hi {
            false
        } else {
            hav(self.lat[a], self.lon[a], self.lat[b], self.lon[b]) <= self.grid.hav_eps
        }
    }

    /// Pass 1: core flag of every sorted point.
    fn core_flags(&self, min_points: usize) -> Vec<bool> {
        let mut core = vec![false; self.orig.len()];
        self.par_cells(&mut core, |cell, out| {
            let r = self.range(cell);
            if r.len() >= min_points {
                out.fill(true);
                return;
            }
            for (o, i) in out.iter_mut().zip(r) {
                *o = self.count_reaches(i, cell, min_points);
            }
        });
        core
    }

    /// Whether point `i` has at least `min_points` neighbours.
    fn count_reaches(&self, i: usize, cell: usize, min_points: usize) -> bool {
        let mut count = 0;
        for &c in self.stencil(cell) {
            for j in self.range(c as usize) {
                if self.within(i, j) {
                    count += 1;
                    if count >= min_points {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// Pass 2: union–find over cells holding core points.
    fn core_components(&self, core: &[bool]) -> Vec<u32> {
        let mut uf = UnionFind::new(self.ncells());
        let has_core: Vec<bool> = (0..self.ncells())
            .map(|c| self.range(c).any(|i| core[i]))
            .collect();
        // Adjacent cells first: most farther pairs are then already joined.
        for adjacent_only in [true, false] {
            for a in (0..self.ncells()).filter(|&a| has_core[a]) {
                for &b in self.stencil(a) {
                    let b = b as usize;
                    if b <= a
                        || !has_core[b]
                        || self.adjacent(a, b) != adjacent_only
                        || uf.find(a) == uf.find(b)
                    {
                        continue;
                    }
                    if self.cores_touch(a, b, core) {
                        uf.union(a, b);
                    }
                }
            }
        }
        (0..self.ncells()).map(|c| uf.find(c) as u32).collect()
    }

    /// Whether cells `a` and `b` are at most one row and one column apart.
    fn adjacent(&self, a: usize, b: usize) -> bool {
        let n = self.grid.ncols as u64;
        let (ra, ca) = (self.keys[a] / n, self.keys[a] % n);
        let (rb, cb) = (self.keys[b] / n, self.keys[b] % n);
        let dc = ca.abs_diff(cb);
        ra.abs_diff(rb) <= 1 && dc.min(n - dc) <= 1
    }

    fn cores_touch(&self, a: usize, b: usize, core: &[bool]) -> bool {
        self.range(a).filter(|&i| core[i]).any(|i| {
            self.range(b)
                .filter(|&j| core[j])
                .any(|j| self.within(i, j))
        })
    }

    /// Pass 3: labels per sorted point (cluster = the lowest original index of
    /// its core points, noise −1), border points by scikit-learn's rule.
    fn assign(&self, core: &[bool], comp: &[u32]) -> Vec<i32> {
        // Lowest original core index per component root.
        let mut first: IntMap<u32, u32> = IntMap::default();
        for (cell, &root) in comp.iter().enumerate() {
            for i in self.range(cell).filter(|&i| core[i]) {
                let e = first.entry(root).or_insert(u32::MAX);
                *e = (*e).min(self.orig[i]);
            }
        }
        let mut labels = vec![-1i32; self.orig.len()];
        self.par_cells(&mut labels, |cell, out| {
            for (o, i) in out.iter_mut().zip(self.range(cell)) {
                *o = if core[i] {
                    first.get(&comp[cell]).map_or(-1, |&f| f as i32)
                } else {
                    self.border_label(i, cell, core, comp, &first)
                };
            }
        });
        labels
    }

    fn border_label(
        &self,
        i: usize,
        cell: usize,
        core: &[bool],
        comp: &[u32],
        first: &IntMap<u32, u32>,
    ) -> i32 {
        let mut best = u32::MAX;
        for &c in self.stencil(cell) {
            let c = c as usize;
            let Some(&f) = first.get(&comp[c]) else {
                continue;
            };
            if f < best && self.range(c).any(|j| core[j] && self.within(i, j)) {
                best = f;
            }
        }
        if best == u32::MAX {
            -1
        } else {
            best as i32
        }
    }

    /// Runs `f(cell, out_slice)` over all cells on all worker threads, where
    /// `out_slice` is the part of `out` (sorted order) belonging to the cell.
    fn par_cells<T: Send>(&self, out: &mut [T], f: impl Fn(usize, &mut [T]) + Sync) {
        let threads = worker_threads();
        let n = self.orig.len();
        let mut bounds = vec![0usize];
        for t in 1..threads {
            let target = n * t / threads;
            let c = self.starts.partition_point(|&s| s < target);
            bounds.push(c.min(self.ncells()).max(*bounds.last().unwrap_or(&0)));
        }
        bounds.push(self.ncells());
        let f = &f;
        std::thread::scope(|s| {
            let mut rest = out;
            for w in bounds.windows(2) {
                let (c0, c1) = (w[0], w[1]);
                let len = self.starts[c1] - self.starts[c0];
                let (mine, tail) = rest.split_at_mut(len);
                rest = tail;
                s.spawn(move || {
                    let mut off = 0;
                    for c in c0..c1 {
                        let l = self.range(c).len();
                        f(c, &mut mine[off..off + l]);
                        off += l;
                    }
                });
            }
        });
    }
}

/// Stencil cell lists (CSR) for the sorted, distinct cell keys: only the
/// non-empty cells, found by binary search, so wide stencils stay cheap.
fn stencils(grid: &Grid, keys: &[u64]) -> (Vec<usize>, Vec<u32>) {
    let mut nb_start = Vec::with_capacity(keys.len() + 1);
    let mut nb = Vec::new();
    let mut spans = Vec::new();
    for &k in keys {
        nb_start.push(nb.len());
        let ncols = grid.ncols as u64;
        grid.stencil(((k / ncols) as i64, (k % ncols) as i64), &mut spans);
        spans.sort_unstable();
        for &(lo, hi) in &spans {
            let a = keys.partition_point(|&x| x < lo);
            let b = keys.partition_point(|&x| x < hi);
            nb.extend(a as u32..b as u32);
        }
    }
    nb_start.push(nb.len());
    (nb_start, nb)
}

/// Union–find with path halving and union by size.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

/// Renumbers labels 0.. by cluster size descending, ties by smallest member.
fn renumber_by_size(labels: &mut [i32]) {
    // label → (size, first member)
    let mut stats: IntMap<u32, (usize, usize)> = IntMap::default();
    for (i, &l) in labels.iter().enumerate() {
        if l >= 0 {
            let e = stats.entry(l as u32).or_insert((0, i));
            e.0 += 1;
        }
    }
    let mut order: Vec<(u32, usize, usize)> =
        stats.into_iter().map(|(l, (s, f))| (l, s, f)).collect();
    order.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let new_id: IntMap<u32, i32> = order
        .iter()
        .enumerate()
        .map(|(id, &(l, _, _))| (l, id as i32))
        .collect();
    for l in labels.iter_mut().filter(|l| **l >= 0) {
        *l = new_id.get(&(*l as u32)).copied().unwrap_or(-1);
    }
}

/// Per-cluster count, centroid and buffered hull.
fn build_clusters(points: &[Coord<f64>], labels: &[i32], core: &[bool]) -> Vec<Cluster> {
    let k = labels
        .iter()
        .copied()
        .max()
        .map_or(0, |m| (m + 1).max(0) as usize);
    let mut members: Vec<Vec<Coord<f64>>> = vec![Vec::new(); k];
    let mut cores = vec![0usize; k];
    for ((&l, &c), &p) in labels.iter().zip(core).zip(points) {
        if l >= 0 {
            members[l as usize].push(p);
            cores[l as usize] += usize::from(c);
        }
    }
    let work: Vec<(usize, Vec<Coord<f64>>, usize)> = members
        .into_iter()
        .zip(cores)
        .enumerate()
        .map(|(id, (m, c))| (id, m, c))
        .collect();
    // Interleave clusters over the workers (sizes are sorted descending).
    let threads = worker_threads().min(work.len()).max(1);
    let mut clusters: Vec<Cluster> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let work = &work;
                s.spawn(move || {
                    work.iter()
                        .skip(t)
                        .step_by(threads)
                        .map(|(id, m, core_count)| cluster(*id, m, *core_count))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    clusters.sort_unstable_by_key(|c| c.id);
    clusters
}

fn cluster(id: usize, members: &[Coord<f64>], core_count: usize) -> Cluster {
    Cluster {
        id: id as u32,
        count: members.len(),
        core_count,
        centroid: spherical_mean(members),
        hull: buffered_hull(members, HULL_BUFFER_M),
    }
}

/// Mean of the members' unit vectors, back to lon/lat degrees.
fn spherical_mean(pts: &[Coord<f64>]) -> Point<f64> {
    let mut v = [0.0f64; 3];
    for p in pts {
        let (la, lo) = (p.y.to_radians(), p.x.to_radians());
        v[0] += la.cos() * lo.cos();
        v[1] += la.cos() * lo.sin();
        v[2] += la.sin();
    }
    let h = v[0].hypot(v[1]);
    if h == 0.0 && v[2] == 0.0 {
        return pts
            .first()
            .map_or(Point::new(0.0, 0.0), |&c| Point::from(c));
    }
    Point::new(v[1].atan2(v[0]).to_degrees(), v[2].atan2(h).to_degrees())
}

/// Convex hull of the points, each grown to a 16-gon of radius `buffer_m`.
/// The hull of (hull ⊕ disc) needs only the hull's vertices.
pub fn buffered_hull(pts: &[Coord<f64>], buffer_m: f64) -> Polygon<f64> {
    let hull = MultiPoint::from(pts.to_vec()).convex_hull();
    let mut grown = Vec::with_capacity(hull.exterior().0.len() * 16);
    for c in &hull.exterior().0 {
        let dlat = (buffer_m / EARTH_RADIUS_M).to_degrees();
        let dlon = dlat / c.y.to_radians().cos().max(1e-6);
        for s in 0..16 {
            let a = f64::from(s) * std::f64::consts::PI / 8.0;
            grown.push(Coord {
                x: c.x + dlon * a.cos(),
                y: c.y + dlat * a.sin(),
            });
        }
    }
    MultiPoint::from(grown).convex_hull()
}

#[cfg(test)]
mod tests;
