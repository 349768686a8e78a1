//! A hot-spot query and its selection from the index: which requests ([`Selection`]), which
//! method and options, and the selected requests' points, cells and index references.

use std::sync::Arc;

use geo::Coord;

use super::{HotspotError, MIN_REQUESTS};
use crate::index::{IndexSnapshot, TypeIndex};
use crate::methods::{Method, MethodOptions};
use crate::selection::{for_each_position, Selection, SelectionError};

/// A hot-spot query: which requests, which method, its options (see [`crate::methods`]) and
/// the SLA reference time.
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotQuery {
    pub selection: Selection,
    pub method: Method,
    pub options: MethodOptions,
    /// Reference time of the SLA figures (unix seconds); `None` = the snapshot's newest
    /// `requested_datetime` ([`IndexSnapshot::newest_requested`]).
    pub as_of: Option<i64>,
    /// The city's time zone: the renderings write times with its offset.
    pub tz: chrono_tz::Tz,
}

impl Default for HotspotQuery {
    fn default() -> Self {
        HotspotQuery {
            selection: Selection::default(),
            method: Method::Gistar,
            options: MethodOptions::default(),
            as_of: None,
            tz: chrono_tz::UTC,
        }
    }
}

/// The selected requests: lon/lat points, finest H3 cells and index references, in the same
/// order (ids come from [`Selected::ids`], so Gi* never touches them).
#[derive(Debug, Clone, Default)]
pub struct Selected {
    pub points: Vec<Coord<f64>>,
    /// Each request's H3 cell at the index's base resolution.
    pub cells: Vec<h3o::CellIndex>,
    /// The service codes analysed (sorted, no duplicates): the selection's, or every
    /// indexed type when it names none.
    pub codes: Vec<String>,
    /// Where each request lives in the snapshot it was selected from.
    pub refs: Vec<RequestRef>,
}

/// A request's place in an [`IndexSnapshot`]: `codes[code]`'s [`TypeIndex`], position
/// `index` in its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestRef {
    pub code: u32,
    pub index: u32,
}

/// Selects the requests of `selection` (the walk of [`for_each_position`]: on
/// `requested_datetime`, requests without one kept only when there is no window). Fewer than
/// `minimum` is [`HotspotError::TooFew`].
pub fn select(
    snapshot: &IndexSnapshot,
    selection: &Selection,
    minimum: usize,
) -> Result<Selected, HotspotError> {
    if let (Some(s), Some(e)) = (selection.start, selection.end) {
        if e < s {
            return Err(SelectionError::ReversedWindow.into());
        }
    }
    let codes: Vec<String> = if selection.codes.is_empty() {
        snapshot.types().map(|(c, _)| c.to_string()).collect()
    } else {
        selection.codes.clone()
    };
    let most: usize = codes
        .iter()
        .filter_map(|c| snapshot.of_type(c))
        .map(TypeIndex::len)
        .sum();
    let mut out = Selected {
        points: Vec::with_capacity(most),
        cells: Vec::with_capacity(most),
        codes,
        refs: Vec::with_capacity(most),
    };
    // the walk goes type by type: look a type's position up once, when it changes
    let mut current: (&str, u32) = ("", 0);
    for_each_position(snapshot, selection, |code, t, index| {
        if code != current.0 {
            let position = out.codes.iter().position(|c| c == code).unwrap_or(0);
            current = (code, position as u32);
        }
        let r = &t.requests()[index];
        out.points.push(Coord { x: r.lon, y: r.lat });
        out.cells.push(r.cell);
        out.refs.push(RequestRef {
            code: current.1,
            index: index as u32,
        });
    });
    if out.points.len() < minimum {
        return Err(HotspotError::TooFew {
            found: out.points.len(),
            minimum,
            types: out.codes.join(","),
            window: selection.describe_window(),
        });
    }
    Ok(out)
}

impl Selected {
    /// The requested time of every selected request (unix seconds), in selection order.
    pub fn times(&self, snapshot: &IndexSnapshot) -> Vec<Option<i64>> {
        let types: Vec<Option<&TypeIndex>> =
            self.codes.iter().map(|c| snapshot.of_type(c)).collect();
        self.refs
            .iter()
            .map(|r| {
                let t = types.get(r.code as usize).copied().flatten()?;
                t.requests().get(r.index as usize)?.requested
            })
            .collect()
    }

    /// The selected requests' ids; `snapshot` must be the one the selection was made from.
    pub fn ids(&self, snapshot: &IndexSnapshot) -> Vec<Arc<str>> {
        let types: Vec<Option<&TypeIndex>> =
            self.codes.iter().map(|c| snapshot.of_type(c)).collect();
        self.refs
            .iter()
            .filter_map(|r| {
                let t = types.get(r.code as usize).copied().flatten()?;
                t.requests()
                    .get(r.index as usize)
                    .map(|q| Arc::clone(&q.id))
            })
            .collect()
    }
}

/// Each selected request's own H3 cell at `resolution` (the cell its point falls in, which
/// near cell edges can differ from its finest cell's ancestor), from the index's per-type
/// cache; `snapshot` must be the one the selection was made from.
pub fn exact_cells(
    snapshot: &IndexSnapshot,
    sel: &Selected,
    res: h3o::Resolution,
) -> Vec<h3o::CellIndex> {
    let per_type: Vec<&[h3o::CellIndex]> = sel
        .codes
        .iter()
        .map(|code| snapshot.of_type(code).map_or(&[][..], |t| t.cells_at(res)))
        .collect();
    sel.refs
        .iter()
        .zip(&sel.cells)
        .map(|(r, c)| {
            per_type[r.code as usize]
                .get(r.index as usize)
                .copied()
                .unwrap_or_else(|| c.parent(res).unwrap_or(*c))
        })
        .collect()
}

/// The minimum number of requests a method needs ([`MIN_REQUESTS`]; repeats need one).
pub fn minimum_requests(method: Method) -> usize {
    match method {
        Method::Repeats => 1,
        Method::Gistar | Method::Dbscan | Method::Emerging | Method::NearRepeat => MIN_REQUESTS,
    }
}
