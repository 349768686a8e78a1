//! Hot-spot queries end to end, by concern: [`query`] selects the requests from the index,
//! [`report`] runs the method and holds the report model, [`summary`] summarizes and ranks
//! each area (SLA, types, addresses, work items), and [`render`] writes GeoJSON and CSV (the
//! HTTP layers use its helpers too). The algorithms live in [`crate::analysis`]; the methods
//! and their parameters are described once in [`crate::methods`].
//!
//! [`HotspotQuery`] → [`compute_report`] → [`HotspotReport`] → [`HotspotReport::to_geojson`],
//! [`HotspotReport::write_work_list_csv`].

pub mod compare;
mod explain;
pub mod query;
pub mod render;
pub mod report;
mod summary;

pub use query::{exact_cells, select, HotspotQuery, RequestRef, Selected};
pub use render::{
    cell_ring, collection, emerging_summary, feature, gistar_geojson, multipolygon, pos, round,
    write_dbscan_csv, write_emerging_csv, write_gistar_csv, write_knox_csv,
};
pub use report::{
    compute_report, Area, AreaDetail, AreaKind, Change, Comparison, HotspotReport, Parameters,
    ReportDetail, WorkItem, TOP_ADDRESSES, WORK_LIST_COLUMNS,
};

use crate::analysis::AnalysisError;
use crate::methods::ParamError;
use crate::selection::SelectionError;

/// Fewer requests than this give no meaningful hot-spot statistics.
pub const MIN_REQUESTS: usize = 30;

/// Errors of a hot-spot query; each names the parameter or says what is missing.
#[derive(Debug, thiserror::Error)]
pub enum HotspotError {
    #[error(transparent)]
    Selection(#[from] SelectionError),
    #[error(transparent)]
    Parameter(#[from] ParamError),
    #[error(
        "only {found} requests match (types {types}, window {window}): at least {minimum} \
         are needed for a meaningful hot-spot analysis; widen the window or add types"
    )]
    TooFew {
        found: usize,
        minimum: usize,
        types: String,
        window: String,
    },
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error("writing output")]
    Io(#[from] std::io::Error),
}
