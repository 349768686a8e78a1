//! Data-parallel loops on all cores (scoped threads, no runtime): used by the index (cells
//! per resolution) and the algorithms (Gi* counts, DBSCAN grids).

/// Number of worker threads for data-parallel loops (at most 8).
pub fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `f(offset, chunk)` for one contiguous chunk of `items` per worker thread, results in
/// chunk order (`offset` is the chunk's first index in `items`).
pub fn par_chunks<T: Sync, U: Send>(items: &[T], f: impl Fn(usize, &[T]) -> U + Sync) -> Vec<U> {
    let chunk = items.len().div_ceil(worker_threads()).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(ci, part)| s.spawn(move || f(ci * chunk, part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// `items.iter().map(f).collect()` on all worker threads, order kept.
pub fn par_map<T: Sync, U: Send>(items: &[T], f: impl Fn(usize, &T) -> U + Sync) -> Vec<U> {
    par_chunks(items, |offset, part| {
        part.iter()
            .enumerate()
            .map(|(i, t)| f(offset + i, t))
            .collect::<Vec<U>>()
    })
    .into_iter()
    .flatten()
    .collect()
}
