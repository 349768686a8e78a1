//! Why a Gi* layer shows no hot spot, in words a map user can act on: how much was analysed,
//! how strong the strongest cell was, and what has power with this data.

use super::query::{select, HotspotQuery, Selected};
use crate::analysis::GiStarResult;
use crate::index::IndexSnapshot;
use crate::selection::Selection;

const DAY: i64 = 86_400;

/// The explanation of an empty Gi* result for `query` (whose selection gave `sel`).
pub(super) fn no_hot_spot(
    snapshot: &IndexSnapshot,
    query: &HotspotQuery,
    sel: &Selected,
    result: &GiStarResult,
) -> String {
    let nonempty = result.cells.iter().filter(|c| c.count > 0).count();
    let strongest = result
        .cells
        .iter()
        .map(|c| c.z)
        .fold(0.0_f64, |m, z| m.max(z));
    let mut text = format!(
        "No hot spot stands out: {} requests in {nonempty} cells at H3 resolution {}; the \
         strongest cell's z is {strongest:.2}, and with the false discovery rate controlled over \
         {} cells none reaches 95% confidence.",
        sel.points.len(),
        result.resolution,
        result.cells.len()
    );
    let mut power = Vec::new();
    let count =
        |selection: &Selection| select(snapshot, selection, 0).map_or(0, |s| s.points.len());
    if query.selection.status.is_some() {
        let all = count(&Selection {
            status: None,
            ..query.selection.clone()
        });
        if all > sel.points.len() {
            power.push(format!("all statuses ({all} requests)"));
        }
    }
    if let (Some(start), Some(end)) = (query.selection.start, query.selection.end) {
        if end - start < 300 * DAY {
            let year = count(&Selection {
                start: Some(end - 365 * DAY),
                ..query.selection.clone()
            });
            if year > sel.points.len() {
                power.push(format!("the last 365 days ({year} requests)"));
            }
        }
    }
    if result.resolution > 7 {
        power.push(format!(
            "a coarser resolution (res {}) that pools more requests per cell",
            result.resolution - 1
        ));
    }
    power.push("clusters (DBSCAN), which find groups of as few as 5 requests within 100 m".into());
    text.push_str(&format!(" What has power here: {}.", power.join("; ")));
    text
}
