//! Whole layers kept for cutting vector tiles: the hex bins or the hot-spot report of one
//! query, projected once ([`FeatureSet`]) and shared by every tile of that query, so a map
//! view of twenty tiles computes its report once (the OGC API's pages share whole layers the
//! same way, [`super::ogc`]). Keyed by the query and the data version
//! ([`super::params::data_version`]); the tiles themselves are cached by URL in the layer
//! cache ([`super::respond`]), which also decides when a tile is rendered again after new
//! data arrives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::ApiError;
use crate::tiles::FeatureSet;

/// Whole layers kept (the least recently used goes first).
pub const SOURCE_CAPACITY: usize = 16;

type Cell<T> = Arc<Mutex<Option<Arc<T>>>>;

#[derive(Debug)]
struct Slot<T> {
    version: u64,
    used: u64,
    cell: Cell<T>,
}

/// Layers (by default tile sources, [`FeatureSet`]) by query, each of one data version.
#[derive(Debug)]
pub struct SourceCache<T = FeatureSet> {
    inner: Mutex<(u64, HashMap<String, Slot<T>>)>,
}

impl<T> Default for SourceCache<T> {
    fn default() -> Self {
        SourceCache {
            inner: Mutex::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<T> SourceCache<T> {
    /// The layer of `key` at `version`, built by `build` unless it is kept. Concurrent
    /// callers of the same key and version wait for one build (call from a blocking thread);
    /// a failed build is not kept.
    pub fn get_or_build(
        &self,
        key: &str,
        version: u64,
        build: impl FnOnce() -> Result<T, ApiError>,
    ) -> Result<Arc<T>, ApiError> {
        let cell = {
            let mut guard = lock(&self.inner);
            let (tick, slots) = &mut *guard;
            *tick += 1;
            let now = *tick;
            match slots.get_mut(key) {
                Some(slot) if slot.version == version => {
                    slot.used = now;
                    Arc::clone(&slot.cell)
                }
                _ => {
                    if !slots.contains_key(key) && slots.len() >= SOURCE_CAPACITY {
                        let oldest = slots
                            .iter()
                            .min_by_key(|(_, s)| s.used)
                            .map(|(k, _)| k.clone());
                        if let Some(k) = oldest {
                            slots.remove(&k);
                        }
                    }
                    let cell = Cell::default();
                    slots.insert(
                        key.to_string(),
                        Slot {
                            version,
                            used: now,
                            cell: Arc::clone(&cell),
                        },
                    );
                    cell
                }
            }
        };
        let mut built = lock(&cell);
        if let Some(set) = &*built {
            return Ok(Arc::clone(set));
        }
        let set = Arc::new(build()?);
        *built = Some(Arc::clone(&set));
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_build_per_key_and_version_and_failures_are_retried() {
        let cache = SourceCache::<FeatureSet>::default();
        let mut builds = 0;
        let mut get = |key: &str, version| {
            cache
                .get_or_build(key, version, || {
                    builds += 1;
                    Ok(FeatureSet::default())
                })
                .unwrap()
        };
        get("a", 1);
        get("a", 1);
        get("b", 1);
        get("a", 2);
        assert_eq!(builds, 3);
        let failed = cache.get_or_build("c", 1, || Err(ApiError::NotFound("x".into())));
        assert!(failed.is_err());
        let mut again = false;
        cache
            .get_or_build("c", 1, || {
                again = true;
                Ok(FeatureSet::default())
            })
            .unwrap();
        assert!(again);
    }

    #[test]
    fn the_least_recently_used_layer_goes_first() {
        let cache = SourceCache::<FeatureSet>::default();
        for i in 0..SOURCE_CAPACITY {
            cache
                .get_or_build(&i.to_string(), 0, || Ok(FeatureSet::default()))
                .unwrap();
        }
        // "0" is used again, so "1" is the oldest when one more arrives
        cache.get_or_build("0", 0, || unreachable!()).unwrap();
        cache
            .get_or_build("new", 0, || Ok(FeatureSet::default()))
            .unwrap();
        let slots = &lock(&cache.inner).1;
        assert_eq!(slots.len(), SOURCE_CAPACITY);
        assert!(slots.contains_key("0") && !slots.contains_key("1"));
    }
}
