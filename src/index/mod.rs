//! In-memory spatial index of requests per service type: an R-tree (rstar) of points and
//! each request's H3 cell (h3o). Built from the store at start, updated after every commit.
//!
//! Readers take an immutable [`IndexSnapshot`]; the writer builds the next snapshot, copying
//! only the types that changed, and swaps it in.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, OnceLock, RwLock};

use h3o::{CellIndex, LatLng, Resolution};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

use crate::analysis::SlaTimes;
use crate::model::{ServiceRequest, Status};
use crate::shared_vec::SharedVec;

/// The finest resolution kept per request; coarser cells come from `CellIndex::parent`.
pub const BASE_RESOLUTION: Resolution = Resolution::Fifteen;

/// What the index keeps of a request: enough for spatial and time filtering and SLA work.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedRequest {
    pub id: Arc<str>,
    pub lon: f64,
    pub lat: f64,
    /// H3 cell at [`BASE_RESOLUTION`].
    pub cell: CellIndex,
    pub status: Status,
    /// Unix seconds.
    pub requested: Option<i64>,
    pub expected: Option<i64>,
    pub closed: Option<i64>,
    /// The address as given (repeat-address analysis and work lists normalize it).
    pub address: Option<Arc<str>>,
    /// (boundary layer id, feature id) of every layer the request falls in, by layer id.
    pub districts: Arc<[(Arc<str>, Arc<str>)]>,
    /// Position in the order requests were stored (the store's insertion order), assigned by
    /// the [`Index`]; 0 until then.
    pub seq: u64,
}

impl IndexedRequest {
    /// Indexes a stored request; `None` when its coordinates are not a valid lat/lon.
    pub fn new(r: &ServiceRequest) -> Option<IndexedRequest> {
        let cell = LatLng::new(r.lat, r.lon).ok()?.to_cell(BASE_RESOLUTION);
        Some(IndexedRequest {
            id: Arc::from(r.service_request_id.as_str()),
            lon: r.lon,
            lat: r.lat,
            cell,
            status: r.status,
            requested: r.requested_datetime.map(|t| t.timestamp()),
            expected: r.expected_datetime.map(|t| t.timestamp()),
            closed: r.closed_datetime.map(|t| t.timestamp()),
            address: r.address.as_deref().map(Arc::from),
            districts: r
                .districts
                .iter()
                .map(|(layer, id)| (Arc::from(layer.as_str()), Arc::from(id.as_str())))
                .collect(),
            seq: 0,
        })
    }

    /// The H3 cell the request's point falls in at `resolution`.
    pub fn exact_cell(&self, resolution: Resolution) -> CellIndex {
        LatLng::new(self.lat, self.lon)
            .map(|ll| ll.to_cell(resolution))
            .unwrap_or_else(|_| self.cell_at(resolution))
    }

    /// Whether the point lies in the lon/lat box `[minLon, minLat, maxLon, maxLat]` (edges
    /// included, like the R-tree and the store's `BETWEEN`).
    pub fn is_within(&self, [min_lon, min_lat, max_lon, max_lat]: [f64; 4]) -> bool {
        (min_lon..=max_lon).contains(&self.lon) && (min_lat..=max_lat).contains(&self.lat)
    }

    /// The id of the feature of boundary `layer` the request falls in.
    pub fn district(&self, layer: &str) -> Option<&str> {
        self.districts
            .iter()
            .find(|(l, _)| l.as_ref() == layer)
            .map(|(_, id)| id.as_ref())
    }

    /// Open past its SLA due time at `now` (unix seconds).
    pub fn is_overdue(&self, now: i64) -> bool {
        self.sla_times().is_overdue(now)
    }

    /// The times the SLA figures are computed from.
    pub fn sla_times(&self) -> SlaTimes {
        SlaTimes {
            status: self.status,
            requested: self.requested,
            expected: self.expected,
            closed: self.closed,
        }
    }

    /// The request's cell's ancestor at `resolution` (≤ [`BASE_RESOLUTION`]). H3 cells do
    /// not nest exactly: near a cell edge this can differ from the cell the point itself
    /// falls in at `resolution` (see [`IndexedRequest::exact_cell`]).
    pub fn cell_at(&self, resolution: Resolution) -> CellIndex {
        self.cell.parent(resolution).unwrap_or(self.cell)
    }
}

type Entry = GeomWithData<[f64; 2], u32>;

/// Requests added since the R-tree was built are searched linearly; past this many the tree
/// is rebuilt (bulk load), so a write costs O(1) amortized instead of a copy of the tree.
const TREE_REBUILD_AFTER: usize = 4_096;

/// All requests of one service type. Cloning is cheap (the requests and cells are shared,
/// see [`SharedVec`]), so publishing a snapshot after a write does not copy the type.
#[derive(Debug, Clone, Default)]
pub struct TypeIndex {
    requests: SharedVec<IndexedRequest>,
    /// R-tree of every request but the `recent` ones.
    tree: Arc<RTree<Entry>>,
    /// Positions added since `tree` was built.
    recent: Vec<u32>,
    /// Positions in `requests` ordered by (`requested`, `seq`), undated first.
    by_time: Vec<u32>,
    /// Bumped whenever requests of this type are added; keys analysis caches.
    generation: u64,
    /// Per resolution, each request's exact cell (same order as `requests`), computed on
    /// first use and extended as requests arrive.
    cells: [OnceLock<SharedVec<CellIndex>>; 16],
}

impl TypeIndex {
    fn build(requests: Vec<IndexedRequest>, generation: u64) -> TypeIndex {
        let mut by_time: Vec<u32> = (0..requests.len() as u32).collect();
        by_time.sort_unstable_by_key(|&i| time_key(&requests[i as usize]));
        // room to grow, so the first writes after a start append in place instead of
        // copying the whole type
        let room = requests.len() + requests.len() / 8 + 64;
        TypeIndex {
            tree: tree_of(&requests),
            requests: SharedVec::from_vec(requests, room),
            recent: Vec::new(),
            by_time,
            generation,
            cells: Default::default(),
        }
    }

    fn push(&mut self, r: IndexedRequest, generation: u64) {
        for (res, cells) in self.cells.iter_mut().enumerate() {
            if let (Some(cells), Ok(resolution)) =
                (cells.get_mut(), Resolution::try_from(res as u8))
            {
                cells.push(r.exact_cell(resolution));
            }
        }
        let i = self.requests.len() as u32;
        self.recent.push(i);
        let key = time_key(&r);
        let at = self
            .by_time
            .partition_point(|&p| time_key(&self.requests[p as usize]) <= key);
        self.by_time.insert(at, i);
        self.requests.push(r);
        self.generation = generation;
        if self.recent.len() > TREE_REBUILD_AFTER {
            self.tree = tree_of(&self.requests);
            self.recent.clear();
        }
    }

    /// Replaces the requests with these ids by their updated versions (each keeps its `seq`).
    /// Returns those not found here. Where no point or time changed only the requests are
    /// copied; otherwise the type is rebuilt.
    fn replace(
        &mut self,
        mut updated: HashMap<Arc<str>, IndexedRequest>,
        generation: u64,
    ) -> Vec<IndexedRequest> {
        let mut requests = self.requests.as_slice().to_vec();
        let mut rebuild = false;
        for old in requests.iter_mut() {
            if let Some(mut new) = updated.remove(&old.id) {
                new.seq = old.seq;
                rebuild |= (new.lon, new.lat, new.requested) != (old.lon, old.lat, old.requested);
                *old = new;
            }
        }
        if rebuild {
            *self = TypeIndex::build(requests, generation);
        } else {
            let room = requests.len() + requests.len() / 8 + 64;
            self.requests = SharedVec::from_vec(requests, room);
            self.generation = generation;
        }
        updated.into_values().collect()
    }

    /// Removes the requests with these ids and rebuilds the type; returns the removed ones.
    fn remove(&mut self, ids: &HashSet<Arc<str>>, generation: u64) -> Vec<IndexedRequest> {
        let (removed, kept): (Vec<_>, Vec<_>) = self
            .requests
            .iter()
            .cloned()
            .partition(|r| ids.contains(&r.id));
        *self = TypeIndex::build(kept, generation);
        removed
    }

    /// Each request's exact H3 cell at `resolution`, in [`TypeIndex::requests`] order
    /// (computed once per resolution, then kept current).
    pub fn cells_at(&self, resolution: Resolution) -> &[CellIndex] {
        self.cells[u8::from(resolution) as usize]
            .get_or_init(|| {
                crate::parallel::par_map(&self.requests, |_, r| r.exact_cell(resolution)).into()
            })
            .as_slice()
    }

    /// Positions (in [`TypeIndex::requests`]) of the requests inside a lon/lat box.
    pub fn positions_within(&self, bbox: [f64; 4]) -> impl Iterator<Item = usize> + '_ {
        let [min_lon, min_lat, max_lon, max_lat] = bbox;
        let envelope = AABB::from_corners([min_lon, min_lat], [max_lon, max_lat]);
        let recent = self
            .recent
            .iter()
            .map(|&i| i as usize)
            .filter(move |&i| self.requests[i].is_within(bbox));
        self.tree
            .locate_in_envelope(&envelope)
            .map(|e| e.data as usize)
            .chain(recent)
    }

    /// The requests with `requested_datetime` in `start..=end` (either open), newest first,
    /// ties newest stored first. Undated requests come last, and only when neither bound is
    /// given (as [`crate::selection::Selection::admits`]).
    pub fn newest_first(
        &self,
        start: Option<i64>,
        end: Option<i64>,
    ) -> impl Iterator<Item = &IndexedRequest> {
        let key = |p: &u32| self.requests[*p as usize].requested;
        let lower = match (start, end) {
            (None, None) => 0,
            (Some(s), _) => self.by_time.partition_point(|p| key(p) < Some(s)),
            (None, Some(_)) => self.by_time.partition_point(|p| key(p).is_none()),
        };
        let upper = match end {
            Some(e) => self.by_time.partition_point(|p| key(p) <= Some(e)),
            None => self.by_time.len(),
        };
        self.by_time[lower..upper.max(lower)]
            .iter()
            .rev()
            .map(|&p| &self.requests[p as usize])
    }

    /// Every request of the type, in the order they were indexed.
    pub fn requests(&self) -> &[IndexedRequest] {
        self.requests.as_slice()
    }

    pub fn len(&self) -> usize {
        self.requests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// Changes whenever requests of this type were added.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The request nearest to a point (planar lon/lat distance: fine at city scale for ranking).
    pub fn nearest(&self, lon: f64, lat: f64) -> Option<&IndexedRequest> {
        let d2 = |r: &IndexedRequest| (r.lon - lon).powi(2) + (r.lat - lat).powi(2);
        let in_tree = self
            .tree
            .nearest_neighbor(&[lon, lat])
            .map(|e| &self.requests[e.data as usize]);
        self.recent
            .iter()
            .map(|&i| &self.requests[i as usize])
            .chain(in_tree)
            .min_by(|a, b| d2(a).total_cmp(&d2(b)))
    }
}

/// An R-tree of the requests' points, each tagged with its position.
fn tree_of(requests: &[IndexedRequest]) -> Arc<RTree<Entry>> {
    let entries = requests
        .iter()
        .enumerate()
        .map(|(i, r)| Entry::new([r.lon, r.lat], i as u32))
        .collect();
    Arc::new(RTree::bulk_load(entries))
}

/// The time order of [`TypeIndex::newest_first`]: undated first, then by time, then by `seq`.
fn time_key(r: &IndexedRequest) -> (Option<i64>, u64) {
    (r.requested, r.seq)
}

/// An immutable view of the whole index.
#[derive(Debug, Clone, Default)]
pub struct IndexSnapshot {
    types: BTreeMap<String, Arc<TypeIndex>>,
    generation: u64,
    newest_requested: Option<i64>,
    /// The `seq` the next added request gets.
    next_seq: u64,
}

impl IndexSnapshot {
    /// Index of one service code.
    pub fn of_type(&self, code: &str) -> Option<&TypeIndex> {
        self.types.get(code).map(Arc::as_ref)
    }

    /// Service codes with their indexes, in code order.
    pub fn types(&self) -> impl Iterator<Item = (&str, &TypeIndex)> {
        self.types.iter().map(|(k, v)| (k.as_str(), v.as_ref()))
    }

    /// Total number of indexed requests.
    pub fn len(&self) -> usize {
        self.types.values().map(|t| t.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Changes whenever anything was added.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Newest `requested_datetime` (unix seconds): the anchor of default time windows.
    pub fn newest_requested(&self) -> Option<i64> {
        self.newest_requested
    }
}

/// The shared, swappable index.
#[derive(Debug, Default)]
pub struct Index {
    current: RwLock<Arc<IndexSnapshot>>,
}

impl Index {
    /// Builds the index from requests (e.g. everything in the store).
    pub fn build(requests: impl IntoIterator<Item = ServiceRequest>) -> Index {
        Index::build_at(requests, 1)
    }

    /// [`Index::build`] with every type at `generation`.
    fn build_at(requests: impl IntoIterator<Item = ServiceRequest>, generation: u64) -> Index {
        let mut by_type: BTreeMap<String, Vec<IndexedRequest>> = BTreeMap::new();
        let mut newest = None;
        let mut seq = 0;
        for r in requests {
            if let Some(mut ix) = IndexedRequest::new(&r) {
                ix.seq = seq;
                seq += 1;
                newest = newest.max(ix.requested);
                by_type.entry(r.service_code).or_default().push(ix);
            }
        }
        let types = by_type
            .into_iter()
            .map(|(code, reqs)| (code, Arc::new(TypeIndex::build(reqs, generation))))
            .collect();
        let snapshot = IndexSnapshot {
            types,
            generation,
            newest_requested: newest,
            next_seq: seq,
        };
        Index {
            current: RwLock::new(Arc::new(snapshot)),
        }
    }

    /// Replaces the whole index with one built from `requests`. Generations keep growing, so
    /// caches keyed by them never mistake the new index for the old one.
    pub fn reset(&self, requests: impl IntoIterator<Item = ServiceRequest>) {
        let generation = self.snapshot().generation + 1;
        let built = Index::build_at(requests, generation).snapshot();
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = built;
    }

    /// The current snapshot; it never changes under the caller.
    pub fn snapshot(&self) -> Arc<IndexSnapshot> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Adds newly committed requests and publishes a new snapshot. Called by the single
    /// store writer only, so snapshots are never built concurrently.
    pub fn apply(&self, requests: &[ServiceRequest]) {
        let added: Vec<Update<'_>> = requests.iter().map(Update::Added).collect();
        self.apply_updates(&added);
    }

    /// Applies committed changes in order (several of one request collapse into its last) and
    /// publishes a new snapshot; only the types they touch are copied. Called by the single
    /// store writer only.
    pub fn apply_updates(&self, updates: &[Update<'_>]) {
        if updates.is_empty() {
            return;
        }
        let mut next = (*self.snapshot()).clone();
        next.generation += 1;
        let generation = next.generation;
        let plan = Plan::of(updates);
        let mut moved_seq: HashMap<Arc<str>, u64> = HashMap::new();
        for (code, ids) in &plan.remove {
            if let Some(entry) = next.types.get_mut(code) {
                let removed = Arc::make_mut(entry).remove(ids, generation);
                moved_seq.extend(removed.into_iter().map(|r| (r.id, r.seq)));
            }
        }
        let mut add = plan.add;
        for (code, updated) in plan.replace {
            match next.types.get_mut(&code) {
                Some(entry) => add.extend(
                    Arc::make_mut(entry)
                        .replace(updated, generation)
                        .into_iter()
                        .map(|r| (code.clone(), r)),
                ),
                None => add.extend(updated.into_values().map(|r| (code.clone(), r))),
            }
        }
        for (code, mut ix) in add {
            ix.seq = moved_seq.get(&ix.id).copied().unwrap_or_else(|| {
                next.next_seq += 1;
                next.next_seq - 1
            });
            next.newest_requested = next.newest_requested.max(ix.requested);
            let entry = next.types.entry(code).or_default();
            Arc::make_mut(entry).push(ix, generation);
        }
        next.types.retain(|_, t| !t.is_empty());
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    }
}

/// A committed change as the index needs it.
#[derive(Debug, Clone, Copy)]
pub enum Update<'a> {
    /// A request stored for the first time.
    Added(&'a ServiceRequest),
    /// A stored request, as it is now, and the service code it had before.
    Changed {
        request: &'a ServiceRequest,
        previous_code: &'a str,
    },
}

/// What [`Index::apply_updates`] does per type.
#[derive(Default)]
struct Plan {
    /// Ids to take out of a type (moved to another one, or no longer indexable).
    remove: BTreeMap<String, HashSet<Arc<str>>>,
    /// Updated requests that stay in their type.
    replace: BTreeMap<String, HashMap<Arc<str>, IndexedRequest>>,
    /// Requests to add, by type (new ones, and moved ones after their removal).
    add: Vec<(String, IndexedRequest)>,
}

impl Plan {
    fn of(updates: &[Update<'_>]) -> Plan {
        // per id: the code it has in the index before these updates (None: not there yet)
        // and its last version
        let mut order: Vec<&str> = Vec::new();
        let mut last: HashMap<&str, (Option<&str>, &ServiceRequest)> = HashMap::new();
        for u in updates {
            let (r, before) = match *u {
                Update::Added(r) => (r, None),
                Update::Changed {
                    request,
                    previous_code,
                } => (request, Some(previous_code)),
            };
            let id = r.service_request_id.as_str();
            last.entry(id).and_modify(|e| e.1 = r).or_insert_with(|| {
                order.push(id);
                (before, r)
            });
        }
        let mut plan = Plan::default();
        for id in order {
            let (before, r) = last[id];
            let indexed = IndexedRequest::new(r);
            match (before, indexed) {
                (None, Some(ix)) => plan.add.push((r.service_code.clone(), ix)),
                (None, None) => {}
                (Some(code), Some(ix)) if code == r.service_code => {
                    plan.replace
                        .entry(code.to_string())
                        .or_default()
                        .insert(Arc::clone(&ix.id), ix);
                }
                (Some(code), indexed) => {
                    plan.remove
                        .entry(code.to_string())
                        .or_default()
                        .insert(Arc::from(id));
                    if let Some(ix) = indexed {
                        plan.add.push((r.service_code.clone(), ix));
                    }
                }
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests;
