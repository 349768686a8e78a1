//! A small, thread-safe LRU cache of hot-spot reports for the HTTP layer.
//!
//! The key holds every selected service code with its [`crate::index::TypeIndex::generation`]
//! (which changes whenever requests of that type are added), the window, status, method,
//! parameters and the resolved SLA reference time `as_of`. A new request of a selected type
//! therefore changes the key and a stale report is never returned; requests of other types
//! leave it alone (unless the default `as_of`, the index's newest requested time, moves: then
//! the SLA figures change, and so does the key).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::report::{compute_report, HotspotQuery, HotspotReport};
use super::{resolve_types, HotspotError, Method};
use crate::catalog::Catalog;
use crate::index::IndexSnapshot;
use crate::model::Status;

/// Reports kept by [`HotspotCache::new`].
pub const DEFAULT_CACHE_CAPACITY: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    /// (service code, its type generation; 0 when the index has no such type), sorted.
    types: Vec<(String, u64)>,
    start: Option<i64>,
    end: Option<i64>,
    status: Option<Status>,
    method: Method,
    res: Option<u8>,
    k: u32,
    fdr: bool,
    eps_bits: Option<u64>,
    min_points: Option<usize>,
    min_requests: Option<usize>,
    as_of: Option<i64>,
}

impl CacheKey {
    fn new(
        snapshot: &IndexSnapshot,
        catalog: &Catalog,
        q: &HotspotQuery,
    ) -> Result<CacheKey, HotspotError> {
        let codes = resolve_types(snapshot, catalog, &q.selection.types)?;
        let gistar = q.method == Method::Gistar;
        let dbscan = q.method == Method::Dbscan;
        Ok(CacheKey {
            types: codes
                .into_iter()
                .map(|c| {
                    let g = snapshot.of_type(&c).map_or(0, |t| t.generation());
                    (c, g)
                })
                .collect(),
            start: q.selection.start.map(|t| t.timestamp()),
            end: q.selection.end.map(|t| t.timestamp()),
            status: q.selection.status,
            method: q.method,
            // parameters of other methods do not change the answer
            res: q.res.filter(|_| gistar),
            k: if gistar { q.k } else { 0 },
            fdr: gistar && q.fdr,
            eps_bits: q.eps_m.filter(|_| dbscan).map(f64::to_bits),
            min_points: q.min_points.filter(|_| dbscan),
            min_requests: q.min_requests.filter(|_| q.method == Method::Repeats),
            as_of: q.as_of.or(snapshot.newest_requested()),
        })
    }
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<CacheKey, (Arc<HotspotReport>, u64)>,
    tick: u64,
}

/// Thread-safe LRU cache of [`HotspotReport`]s (see the module docs for the key).
#[derive(Debug)]
pub struct HotspotCache {
    study_area: Option<Arc<geo::MultiPolygon<f64>>>,
    capacity: usize,
    entries: Mutex<Entries>,
}

impl Default for HotspotCache {
    fn default() -> Self {
        HotspotCache::new(None)
    }
}

impl HotspotCache {
    /// A cache of [`DEFAULT_CACHE_CAPACITY`] reports for a city with this Gi* study area.
    pub fn new(study_area: Option<geo::MultiPolygon<f64>>) -> HotspotCache {
        HotspotCache::with_capacity(study_area, DEFAULT_CACHE_CAPACITY)
    }

    /// A cache keeping at most `capacity` (≥ 1) reports, evicting the least recently used.
    pub fn with_capacity(
        study_area: Option<geo::MultiPolygon<f64>>,
        capacity: usize,
    ) -> HotspotCache {
        HotspotCache {
            study_area: study_area.map(Arc::new),
            capacity: capacity.max(1),
            entries: Mutex::new(Entries::default()),
        }
    }

    /// The study area Gi* queries use.
    pub fn study_area(&self) -> Option<&geo::MultiPolygon<f64>> {
        self.study_area.as_deref()
    }

    /// Number of cached reports.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The report for `query` on `snapshot`: from the cache when the selected types have not
    /// changed, else computed (outside the lock, so other queries are not held up) and kept.
    /// Errors are not cached.
    pub fn get_or_compute(
        &self,
        snapshot: &IndexSnapshot,
        catalog: &Catalog,
        query: &HotspotQuery,
    ) -> Result<Arc<HotspotReport>, HotspotError> {
        let key = CacheKey::new(snapshot, catalog, query)?;
        {
            let mut e = self.lock();
            e.tick += 1;
            let tick = e.tick;
            if let Some((report, used)) = e.map.get_mut(&key) {
                *used = tick;
                return Ok(Arc::clone(report));
            }
        }
        let report = Arc::new(compute_report(
            snapshot,
            catalog,
            query,
            self.study_area.as_deref(),
        )?);
        let mut e = self.lock();
        e.tick += 1;
        let tick = e.tick;
        // another thread may have computed the same report meanwhile: keep the first
        let report = Arc::clone(
            &e.map
                .entry(key)
                .and_modify(|(_, used)| *used = tick)
                .or_insert((report, tick))
                .0,
        );
        while e.map.len() > self.capacity {
            let oldest = e
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    e.map.remove(&k);
                }
                None => break,
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hotspots::Selection;
    use crate::index::Index;
    use crate::model::ServiceRequest;
    use chrono::{DateTime, Utc};

    fn request(id: usize, code: &str, lon: f64, lat: f64, day: i64) -> ServiceRequest {
        let t = |d: i64| DateTime::<Utc>::from_timestamp(1_700_000_000 + d * 86_400, 0);
        ServiceRequest {
            service_request_id: format!("{code}-{id}"),
            service_code: code.into(),
            service_name: code.into(),
            status: if id % 3 == 0 {
                Status::Open
            } else {
                Status::Closed
            },
            status_notes: None,
            requested_datetime: t(day),
            updated_datetime: None,
            expected_datetime: t(day + 5),
            closed_datetime: if id % 3 == 0 { None } else { t(day + 2) },
            address: Some(format!("{} Main St", 100 + (id % 7) * 2)),
            zipcode: None,
            lat,
            lon,
            description: None,
            agency_responsible: None,
            media_url: None,
            source: "test".into(),
            districts: Default::default(),
        }
    }

    /// 300 requests of `a` (a dense spot plus a spread) and 100 of `b`.
    fn index() -> Index {
        let mut v = Vec::new();
        for i in 0..300 {
            let (dx, dy) = if i < 120 {
                ((i % 11) as f64 * 1e-5, (i % 13) as f64 * 1e-5)
            } else {
                ((i % 17) as f64 * 2e-3, (i / 17) as f64 * 2e-3)
            };
            v.push(request(i, "a", -75.15 + dx, 39.95 + dy, (i % 60) as i64));
        }
        for i in 0..100 {
            v.push(request(
                i,
                "b",
                -75.1 + (i % 10) as f64 * 1e-3,
                39.9 + (i / 10) as f64 * 1e-3,
                (i % 30) as i64,
            ));
        }
        Index::build(v)
    }

    fn catalog() -> Catalog {
        Catalog::new(Vec::new()).unwrap()
    }

    fn query(method: Method) -> HotspotQuery {
        HotspotQuery {
            selection: Selection {
                types: vec!["a".into()],
                ..Default::default()
            },
            method,
            ..Default::default()
        }
    }

    #[test]
    fn second_call_is_the_same_report() {
        let (index, catalog, cache) = (index(), catalog(), HotspotCache::default());
        let snap = index.snapshot();
        for method in [Method::Gistar, Method::Dbscan, Method::Repeats] {
            let q = query(method);
            let first = cache.get_or_compute(&snap, &catalog, &q).unwrap();
            let second = cache.get_or_compute(&snap, &catalog, &q).unwrap();
            assert!(Arc::ptr_eq(&first, &second), "{method:?}");
            assert_eq!(first.parameters.codes, vec!["a".to_string()]);
            assert_eq!(first.parameters.requests, 300);
            // the same query computed directly gives an equal report
            assert_eq!(*first, compute_report(&snap, &catalog, &q, None).unwrap());
        }
        assert_eq!(cache.len(), 3);
        // a parameter of another method does not make a new entry
        let mut q = query(Method::Gistar);
        q.eps_m = Some(50.0);
        let a = cache.get_or_compute(&snap, &catalog, &q).unwrap();
        let b = cache
            .get_or_compute(&snap, &catalog, &query(Method::Gistar))
            .unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        // but its own parameters do
        q.k = 2;
        let c = cache.get_or_compute(&snap, &catalog, &q).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(c.parameters.k, Some(2));
    }

    #[test]
    fn new_request_of_the_type_invalidates_other_types_do_not() {
        let (index, catalog, cache) = (index(), catalog(), HotspotCache::default());
        let q = query(Method::Repeats);
        let before = cache
            .get_or_compute(&index.snapshot(), &catalog, &q)
            .unwrap();
        // another type, requested before the newest request (as_of unchanged): same report
        index.apply(&[request(1000, "b", -75.1, 39.9, 1)]);
        let snap = index.snapshot();
        let same = cache.get_or_compute(&snap, &catalog, &q).unwrap();
        assert!(Arc::ptr_eq(&before, &same));
        // a new request of `a` at the busiest address: a new, different report
        index.apply(&[request(7000, "a", -75.15, 39.95, 2)]);
        let snap = index.snapshot();
        let after = cache.get_or_compute(&snap, &catalog, &q).unwrap();
        assert!(!Arc::ptr_eq(&before, &after));
        assert_eq!(after.parameters.requests, 301);
        let fresh = compute_report(&snap, &catalog, &q, None).unwrap();
        assert_eq!(*after, fresh);
        assert_ne!(*before, *after);
        // a newer request of another type moves the default as_of: the SLA figures change,
        // so the key does too; with an explicit as_of it would not
        let mut fixed = q.clone();
        fixed.as_of = snap.newest_requested();
        let pinned = cache.get_or_compute(&snap, &catalog, &fixed).unwrap();
        index.apply(&[request(1001, "b", -75.1, 39.9, 400)]);
        let snap = index.snapshot();
        let moved = cache.get_or_compute(&snap, &catalog, &q).unwrap();
        assert!(!Arc::ptr_eq(&after, &moved));
        assert_eq!(moved.parameters.as_of, snap.newest_requested());
        let still = cache.get_or_compute(&snap, &catalog, &fixed).unwrap();
        assert!(Arc::ptr_eq(&pinned, &still));
    }

    #[test]
    fn lru_bound_and_errors_not_cached() {
        let (index, catalog) = (index(), catalog());
        let cache = HotspotCache::with_capacity(None, 2);
        let snap = index.snapshot();
        let mut queries: Vec<HotspotQuery> = (2..=4)
            .map(|m| HotspotQuery {
                min_requests: Some(m),
                ..query(Method::Repeats)
            })
            .collect();
        let first = cache.get_or_compute(&snap, &catalog, &queries[0]).unwrap();
        cache.get_or_compute(&snap, &catalog, &queries[1]).unwrap();
        // touch the first so the second is the least recently used
        cache.get_or_compute(&snap, &catalog, &queries[0]).unwrap();
        cache.get_or_compute(&snap, &catalog, &queries[2]).unwrap();
        assert_eq!(cache.len(), 2);
        let again = cache.get_or_compute(&snap, &catalog, &queries[0]).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        queries[0].min_requests = Some(1);
        let err = cache
            .get_or_compute(&snap, &catalog, &queries[0])
            .unwrap_err();
        assert!(err.to_string().contains("min_requests"), "{err}");
        let unknown = HotspotQuery {
            selection: Selection {
                types: vec!["nope".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(matches!(
            cache.get_or_compute(&snap, &catalog, &unknown),
            Err(HotspotError::UnknownType(..))
        ));
        assert_eq!(cache.len(), 2);
    }
}
