//! What the analysis commands read: a file, or a data directory's city.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use hotspot::config::Config;

/// What an analysis command reads: a file (`--input`, with `--config` or no city) or a data
/// directory's city.
pub struct Loaded {
    pub config: Config,
    pub snapshot: Arc<hotspot::index::IndexSnapshot>,
    pub catalog: hotspot::catalog::Catalog,
    pub study_area: Option<Arc<geo::MultiPolygon<f64>>>,
    pub boundaries: hotspot::boundaries::Boundaries,
}

pub fn load(
    input: Option<&Path>,
    data: Option<PathBuf>,
    config: Option<PathBuf>,
) -> Result<Loaded> {
    let Some(file) = input else {
        let place = crate::Place {
            config,
            data: data.unwrap_or_else(|| PathBuf::from("data")),
        };
        let city = crate::open_city(&place)?;
        return Ok(Loaded {
            snapshot: city.index.snapshot(),
            config: city.config,
            catalog: city.catalog,
            study_area: city.study_area,
            boundaries: city.boundaries,
        });
    };
    let config = match &config {
        Some(p) => Config::load(p).with_context(|| format!("loading config {}", p.display()))?,
        None => Config::unconfigured(),
    };
    let catalog = hotspot::catalog::Catalog::load(&config.catalog)?;
    let context = hotspot::import::Context {
        catalog: &catalog,
        config: &config,
        boundaries: None,
        geocoder: None,
    };
    let (requests, summary) = hotspot::import::read_requests(&context, file, &Default::default())
        .with_context(|| format!("reading {}", file.display()))?;
    if summary.rejected_total() > 0 {
        crate::print_summary_to_stderr(&summary);
    }
    let study_area = config
        .study_area
        .as_deref()
        .map(hotspot::boundaries::load_study_area)
        .transpose()?
        .map(Arc::new);
    let index = hotspot::index::Index::build(requests);
    Ok(Loaded {
        config,
        snapshot: index.snapshot(),
        catalog,
        study_area,
        boundaries: Default::default(),
    })
}

/// An instant given as `--OPTION` (RFC 3339 or a day in the city's zone; `bound` says which
/// end of a day), in unix seconds.
pub fn instant(
    option: &str,
    text: &Option<String>,
    tz: chrono_tz::Tz,
    bound: hotspot::time::Bound,
) -> Result<Option<i64>> {
    text.as_deref()
        .map(|t| hotspot::time::parse_bound(t, tz, bound).map(|t| t.timestamp()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--{option}: {e}"))
}

impl Loaded {
    /// The selection of `--type`, `--start`, `--end` (and a status) on what was loaded.
    pub fn selection(
        &self,
        types: &[String],
        start: &Option<String>,
        end: &Option<String>,
        status: Option<hotspot::model::Status>,
    ) -> Result<hotspot::selection::Selection> {
        use hotspot::time::Bound;
        let tz = self.config.timezone;
        Ok(hotspot::selection::Selection {
            codes: hotspot::selection::resolve_types(&self.snapshot, &self.catalog, types)?,
            start: instant("start", start, tz, Bound::Start)?,
            end: instant("end", end, tz, Bound::End)?,
            status,
            bbox: None,
        })
    }
}
