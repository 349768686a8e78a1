//! `compare=previous`: each ranked area marked new or persisting against the window of the
//! same length just before, and the areas of that window that are gone.

use geo::Intersects;

use super::query::HotspotQuery;
use super::report::{compute_report, Change, Comparison, HotspotReport};
use super::HotspotError;
use crate::index::IndexSnapshot;
use crate::methods::{Method, ParamError};

const DAY: i64 = 86_400;

/// Compares `report` (of `query`) with the same query over the window of the same length
/// just before: sets each area's [`Change`], says so first in its priority reason, and keeps
/// the previous areas that meet none of this window's. A previous window with too little data
/// has no areas: everything is new.
///
/// # Errors
/// A query without both ends of its window, or the previous report's errors other than too
/// little data.
pub fn with_previous(
    snapshot: &IndexSnapshot,
    query: &HotspotQuery,
    study_area: Option<&geo::MultiPolygon<f64>>,
    report: &mut HotspotReport,
) -> Result<(), HotspotError> {
    let (Some(start), Some(end)) = (query.selection.start, query.selection.end) else {
        return Err(ParamError {
            name: "compare",
            reason: "comparing with the previous period needs a window with a start and an end"
                .into(),
        }
        .into());
    };
    let length = end - start + 1;
    let mut previous = query.clone();
    previous.selection.start = Some(start - length);
    previous.selection.end = Some(start - 1);
    if query.method == Method::Gistar || query.method == Method::Emerging {
        // the same cells, so regions can be compared
        previous.options.res = report.parameters.resolution.or(previous.options.res);
    }
    let before = match compute_report(snapshot, &previous, study_area) {
        Ok(r) => r.areas,
        Err(HotspotError::TooFew { .. })
        | Err(HotspotError::Analysis(crate::analysis::AnalysisError::NotEnoughData(_))) => {
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    let days = (length + DAY / 2) / DAY;
    for area in &mut report.areas {
        let persisting = before.iter().any(|b| b.geometry.intersects(&area.geometry));
        let (change, words) = if persisting {
            (
                Change::Persisting,
                format!("also in the previous {days} days"),
            )
        } else {
            (Change::New, format!("new since the previous {days} days"))
        };
        area.change = Some(change);
        area.priority_reason = format!("{words}; {}", area.priority_reason);
    }
    let gone = before
        .into_iter()
        .filter(|b| {
            !report
                .areas
                .iter()
                .any(|a| a.geometry.intersects(&b.geometry))
        })
        .map(|mut b| {
            b.rank = 0;
            b.change = Some(Change::Gone);
            b.priority_reason = format!("gone: hot in the previous {days} days, not now");
            b
        })
        .collect();
    report.comparison = Some(Comparison {
        start: start - length,
        end: start - 1,
        gone,
    });
    Ok(())
}
