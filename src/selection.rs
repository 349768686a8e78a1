//! Which requests: the one selection type that the CLI, the Open311 lists, every map layer and
//! every analysis method use (types, time window, status, box), its window rule, and the
//! walk over an index snapshot that applies it.
//!
//! **Window rule** ([`window`]): times are unix seconds on `requested_datetime`, both ends
//! inclusive. Given both `start` and `end`, that is the window. Given one of them, the window
//! is `days` long from `start` or up to `end`. Given neither, it is the `days` before the
//! anchor ([`crate::time::day_anchor`]: the end of the newest request's day in the city's
//! zone). [`Days::All`] with neither bound means no window at all. Requests without a
//! requested time are selected only when there is no window.

use std::sync::Arc;

use crate::catalog::{slug, Catalog};
use crate::index::{IndexSnapshot, IndexedRequest, TypeIndex};
use crate::model::Status;
use crate::time::DAY;

/// Days in the default window of the API and the map (ending at the anchor).
pub const DEFAULT_DAYS: i64 = 90;
/// Longest window `days` accepts (ten years).
pub const MAX_DAYS: i64 = 3_660;

/// Why a selection cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectionError {
    /// A type name that is no code, name or alias of the catalog, nor a code in the data.
    #[error(
        "type {name:?} matches no service code, name or alias in the data (try one of: {known})"
    )]
    UnknownType { name: String, known: String },
    /// The window's end is before its start.
    #[error("end is before start")]
    ReversedWindow,
}

/// Which requests: empty `codes` means every type; `None` means no bound.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Service codes (already resolved, see [`resolve_types`]), sorted.
    pub codes: Vec<String>,
    /// First requested time included (unix seconds).
    pub start: Option<i64>,
    /// Last requested time included (unix seconds).
    pub end: Option<i64>,
    pub status: Option<Status>,
    /// `[min_lon, min_lat, max_lon, max_lat]`, edges included.
    pub bbox: Option<[f64; 4]>,
}

/// A page of a list: `limit` items after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: usize,
    pub offset: usize,
}

/// How long a window is when only one bound (or none) is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    /// No default window: only the bounds given apply.
    All,
    /// This many days.
    Last(i64),
}

/// The window of the rule in the module docs: `(start, end)` in unix seconds.
pub fn window(
    start: Option<i64>,
    end: Option<i64>,
    days: Days,
    anchor: i64,
) -> Result<(Option<i64>, Option<i64>), SelectionError> {
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(SelectionError::ReversedWindow);
        }
        return Ok((start, end));
    }
    let Days::Last(days) = days else {
        return Ok((start, end));
    };
    let span = days.saturating_mul(DAY);
    Ok(match (start, end) {
        (Some(s), None) => (Some(s), Some(s.saturating_add(span))),
        (None, Some(e)) => (Some(e.saturating_sub(span)), Some(e)),
        _ => (Some(anchor.saturating_sub(span)), Some(anchor)),
    })
}

impl Selection {
    /// Whether the type is selected.
    pub fn admits_type(&self, code: &str) -> bool {
        self.codes.is_empty() || self.codes.iter().any(|c| c == code)
    }

    /// Whether a request passes the window and status (the type and box are applied by
    /// [`for_each_position`]). Requests without a date pass only when no window is set.
    pub fn admits(&self, r: &IndexedRequest) -> bool {
        let in_window = match r.requested {
            Some(at) => self.start.is_none_or(|s| at >= s) && self.end.is_none_or(|e| at <= e),
            None => self.start.is_none() && self.end.is_none(),
        };
        in_window && self.status.is_none_or(|s| s == r.status)
    }

    /// Whether a request passes the window, status and box (not the type).
    pub fn admits_in_box(&self, r: &IndexedRequest) -> bool {
        self.admits(r) && self.bbox.is_none_or(|b| r.is_within(b))
    }

    /// The window in words, for messages: `all time`, or `START to END` (RFC 3339, UTC).
    pub fn describe_window(&self) -> String {
        let time = |t: Option<i64>| {
            t.and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                .map_or_else(|| "…".to_string(), |t| t.to_rfc3339())
        };
        match (self.start, self.end) {
            (None, None) => "all time".to_string(),
            (s, e) => format!("{} to {}", time(s), time(e)),
        }
    }
}

/// Resolves type names (service codes, names or any source alias, case-insensitive) to the
/// service codes of the catalog or the data, sorted and without duplicates. No names: none
/// (every type).
pub fn resolve_types(
    snapshot: &IndexSnapshot,
    catalog: &Catalog,
    names: &[String],
) -> Result<Vec<String>, SelectionError> {
    let mut codes = names
        .iter()
        .map(|name| {
            let code = catalog
                .lookup(name)
                .map(|s| s.code.clone())
                .unwrap_or_else(|| slug(name));
            if snapshot.of_type(&code).is_some() || catalog.get(&code).is_some() {
                Ok(code)
            } else {
                let known: Vec<&str> = snapshot.types().map(|(c, _)| c).collect();
                Err(SelectionError::UnknownType {
                    name: name.clone(),
                    known: known.join(", "),
                })
            }
        })
        .collect::<Result<Vec<String>, _>>()?;
    codes.sort();
    codes.dedup();
    Ok(codes)
}

/// Calls `f(code, request)` for every selected request, type by type in code order; uses the
/// R-tree when a box is given.
pub fn for_each_match<'a>(
    snapshot: &'a IndexSnapshot,
    selection: &Selection,
    mut f: impl FnMut(&'a str, &'a IndexedRequest),
) {
    for_each_position(snapshot, selection, |code, index, i| {
        f(code, &index.requests()[i])
    });
}

/// Like [`for_each_match`], with the type's index and the request's position in it.
pub fn for_each_position<'a>(
    snapshot: &'a IndexSnapshot,
    selection: &Selection,
    mut f: impl FnMut(&'a str, &'a TypeIndex, usize),
) {
    for (code, index) in snapshot.types() {
        if !selection.admits_type(code) {
            continue;
        }
        let requests = index.requests();
        match selection.bbox {
            Some(bbox) => index
                .positions_within(bbox)
                .filter(|&i| selection.admits(&requests[i]))
                .for_each(|i| f(code, index, i)),
            None => (0..requests.len())
                .filter(|&i| selection.admits(&requests[i]))
                .for_each(|i| f(code, index, i)),
        }
    }
}

/// One page of the selected requests, newest `requested_datetime` first (requests without
/// one last), ties newest stored first: the store's list order ([`crate::store::Store::list`])
/// from the index, without reading the database. Returns the page's ids.
pub fn list_page(snapshot: &IndexSnapshot, selection: &Selection, page: Page) -> Vec<Arc<str>> {
    newest_first_page(snapshot, selection, page, |_| true)
        .into_iter()
        .map(|(_, r)| Arc::clone(&r.id))
        .collect()
}

/// The page of [`list_page`]'s order among the selected requests that also pass `keep`,
/// with their service codes. Each type is read newest first from its time order and the
/// types are merged, so a page costs its offset plus its length, not a sort of the
/// selection.
pub fn newest_first_page<'a>(
    snapshot: &'a IndexSnapshot,
    selection: &Selection,
    page: Page,
    keep: impl Fn(&IndexedRequest) -> bool,
) -> Vec<(&'a str, &'a IndexedRequest)> {
    use std::collections::BinaryHeap;
    let keep = &keep;
    let mut streams: Vec<_> = snapshot
        .types()
        .filter(|(code, _)| selection.admits_type(code))
        .map(|(code, index)| {
            let stream = index
                .newest_first(selection.start, selection.end)
                .filter(move |r| selection.admits_in_box(r) && keep(r));
            (code, stream)
        })
        .collect();
    // the next request of each type (`next[i]`), the newest (largest key) on top of `heads`
    let mut next: Vec<Option<&IndexedRequest>> =
        streams.iter_mut().map(|(_, s)| s.next()).collect();
    let mut heads: BinaryHeap<((Option<i64>, u64), usize)> = next
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|r| ((r.requested, r.seq), i)))
        .collect();
    let mut out = Vec::with_capacity(page.limit.min(4_096));
    let mut skipped = 0;
    while out.len() < page.limit {
        let Some((_, i)) = heads.pop() else { break };
        let Some(r) = next[i] else { break };
        if skipped < page.offset {
            skipped += 1;
        } else {
            out.push((streams[i].0, r));
        }
        next[i] = streams[i].1.next();
        if let Some(n) = next[i] {
            heads.push(((n.requested, n.seq), i));
        }
    }
    out
}

/// How many requests the selection and `keep` admit.
pub fn count_matches(
    snapshot: &IndexSnapshot,
    selection: &Selection,
    keep: impl Fn(&IndexedRequest) -> bool,
) -> usize {
    let mut n = 0;
    for_each_match(snapshot, selection, |_, r| n += usize::from(keep(r)));
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Index;
    use crate::model::ServiceRequest;
    use chrono::{TimeZone, Utc};

    fn request(id: &str, code: &str, lon: f64, lat: f64, day: i64, open: bool) -> ServiceRequest {
        let requested = Utc.timestamp_opt(1_700_000_000 + day * DAY, 0).unwrap();
        ServiceRequest {
            service_request_id: id.into(),
            service_code: code.into(),
            status: if open { Status::Open } else { Status::Closed },
            requested_datetime: Some(requested),
            lon,
            lat,
            ..Default::default()
        }
    }

    fn at(day: i64) -> i64 {
        1_700_000_000 + day * DAY
    }

    #[test]
    fn by_type_window_status_and_box() {
        let index = Index::build(vec![
            request("a", "pothole", 0.1, 0.1, 0, true),
            request("b", "pothole", 0.1, 0.1, 9, true),
            request("c", "pothole", 0.7, 0.1, 5, false),
            request("d", "graffiti", 0.7, 0.1, 10, true),
            request("e", "graffiti", 2.0, 0.1, 1, true),
        ]);
        let snap = index.snapshot();
        let ids = |s: &Selection| {
            let mut v = Vec::new();
            for_each_match(&snap, s, |_, r| v.push(r.id.to_string()));
            v.sort();
            v
        };
        assert_eq!(ids(&Selection::default()), ["a", "b", "c", "d", "e"]);
        let potholes = Selection {
            codes: vec!["pothole".into()],
            ..Default::default()
        };
        assert_eq!(ids(&potholes), ["a", "b", "c"]);
        let window = Selection {
            start: Some(at(5)),
            end: Some(at(9)),
            ..Default::default()
        };
        assert_eq!(ids(&window), ["b", "c"]);
        let open_in_box = Selection {
            status: Some(Status::Open),
            bbox: Some([0.0, 0.0, 1.0, 1.0]),
            ..Default::default()
        };
        assert_eq!(ids(&open_in_box), ["a", "b", "d"]);
        let page = list_page(
            &snap,
            &Selection::default(),
            Page {
                limit: 2,
                offset: 1,
            },
        );
        assert_eq!(page, [Arc::from("b"), Arc::from("c")]);
    }

    #[test]
    fn the_window_rule() {
        let anchor = at(100);
        let last = Days::Last(30);
        assert_eq!(
            window(None, None, last, anchor),
            Ok((Some(at(70)), Some(anchor)))
        );
        assert_eq!(
            window(Some(at(10)), None, last, anchor),
            Ok((Some(at(10)), Some(at(40))))
        );
        assert_eq!(
            window(None, Some(at(50)), last, anchor),
            Ok((Some(at(20)), Some(at(50))))
        );
        assert_eq!(
            window(Some(at(1)), Some(at(2)), last, anchor),
            Ok((Some(at(1)), Some(at(2))))
        );
        assert_eq!(window(None, None, Days::All, anchor), Ok((None, None)));
        assert_eq!(
            window(Some(at(5)), None, Days::All, anchor),
            Ok((Some(at(5)), None))
        );
        assert_eq!(
            window(Some(at(2)), Some(at(1)), last, anchor),
            Err(SelectionError::ReversedWindow)
        );
    }
}
