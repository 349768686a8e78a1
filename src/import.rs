//! Bulk import of source files into the store: read (any supported format), accept (type,
//! project, check), upsert in batches. Re-importing a file stores nothing twice: ids are the
//! source's own or stable hashes of the row, and a row whose id is stored updates it only when
//! it is newer (the store's lifecycle rules).

use std::collections::BTreeMap;
use std::path::Path;

use crate::boundaries::Boundaries;
use crate::catalog::{Catalog, Service};
use crate::config::Config;
use crate::geocode::Geocoder;
use crate::intake::accept::{Acceptor, ProjectFn};
use crate::intake::{self, Format, IntakeError, ReadOptions};
use crate::model::{RowError, ServiceRequest};
use crate::projection::{ProjectionError, Projector};
use crate::store::{NewRequest, Store, StoreError, UpsertCounts};

/// Rows stored per transaction.
const BATCH: usize = 2_000;
/// Rejected rows kept as examples per reason.
const EXAMPLES_PER_REASON: usize = 3;

/// Errors that stop an import (row problems do not: they are counted and reported).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error("{file}: CRS {crs}: {source}")]
    Projection {
        file: String,
        crs: String,
        source: ProjectionError,
    },
    #[error("--service {0:?} is not a service of this city's catalog")]
    UnknownService(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How to read the files.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `Format::Auto` detects each file by its header.
    pub format: Format,
    /// Service (code, name or alias) of rows that name none; default: inferred from the file name.
    pub service: Option<String>,
}

/// What an import did with one file.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub file: String,
    pub format: Format,
    /// Service given to rows that name none, and whether it came from the file name.
    pub default_service: Option<(String, bool)>,
    pub read: u64,
    /// Rows stored for the first time.
    pub new: u64,
    /// Rows that updated a stored request (newer status, times or notes).
    pub updated: u64,
    /// Of the updated, those whose location or type changed.
    pub moved: u64,
    /// Rows of stored requests that were not newer (a re-import: all of them).
    pub unchanged: u64,
    /// Accepted rows located by geocoding their address (they had no coordinates).
    pub geocoded: u64,
    /// Rejected rows by reason.
    pub rejected: BTreeMap<String, u64>,
    /// The first few rejected rows of each reason.
    pub examples: Vec<RowError>,
}

impl ImportSummary {
    /// Rows rejected in all.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    fn reject(&mut self, e: RowError) {
        let n = self.rejected.entry(e.reason.clone()).or_insert(0);
        *n += 1;
        if *n as usize <= EXAMPLES_PER_REASON {
            self.examples.push(e);
        }
    }
}

/// Imports one file into `store`, reading it with a city's `context` ([`crate::city::City::intake`]);
/// `progress(bytes_read, total_bytes)` is called as it goes.
pub fn import_file(
    context: &Context<'_>,
    store: &Store,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportSummary, ImportError> {
    let mut sink = |batch: Vec<ServiceRequest>| -> Result<UpsertCounts, ImportError> {
        let requests = batch
            .into_iter()
            .map(|request| NewRequest {
                request,
                token: None,
            })
            .collect();
        let mut counts = UpsertCounts::default();
        for outcome in store.writer().upsert_blocking(requests)? {
            counts.add(&outcome);
        }
        Ok(counts)
    };
    read_file(context, path, opts, progress, &mut sink)
}

/// Reads one file into memory (to analyse a file without a store); rows repeated within the
/// file (same id) count as unchanged (the first is kept).
pub fn read_requests(
    context: &Context<'_>,
    path: &Path,
    opts: &ImportOptions,
) -> Result<(Vec<ServiceRequest>, ImportSummary), ImportError> {
    let mut seen = std::collections::HashSet::new();
    let mut all = Vec::new();
    let mut keep = |batch: Vec<ServiceRequest>| -> Result<UpsertCounts, ImportError> {
        let before = all.len() as u64;
        let n = batch.len() as u64;
        all.extend(
            batch
                .into_iter()
                .filter(|r| seen.insert(r.service_request_id.clone())),
        );
        let new = all.len() as u64 - before;
        Ok(UpsertCounts {
            new,
            unchanged: n - new,
            ..UpsertCounts::default()
        })
    };
    let summary = read_file(context, path, opts, &mut |_, _| {}, &mut keep)?;
    Ok((all, summary))
}

/// What reading a file needs to know of the city ([`City::intake`], or a bare catalog and
/// config to analyse a file without a store).
pub struct Context<'a> {
    pub catalog: &'a Catalog,
    pub config: &'a Config,
    /// Tag requests with these layers' features, if given.
    pub boundaries: Option<&'a Boundaries>,
    /// Locate rows that have an address but no coordinates, if given.
    pub geocoder: Option<&'a Geocoder>,
}

/// Takes accepted requests in batches; says what became of them.
type Sink<'s> = dyn FnMut(Vec<ServiceRequest>) -> Result<UpsertCounts, ImportError> + 's;

/// Reads, accepts and hands over the rows of one file in batches.
fn read_file(
    city: &Context<'_>,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
    sink: &mut Sink<'_>,
) -> Result<ImportSummary, ImportError> {
    let file = path.display().to_string();
    let format = match opts.format {
        Format::Auto => Format::detect_file(path)?,
        f => f,
    };
    let read_opts = ReadOptions {
        timezone: city.config.timezone,
        crs: city.config.crs.get(format.name()).cloned(),
    };
    let mut reader = intake::read(path, format, &read_opts)?;
    let default_service = default_service(city.catalog, path, opts)?;
    let projector = reader
        .crs()
        .map(|crs| {
            Projector::to_wgs84(crs).map_err(|source| ImportError::Projection {
                file: file.clone(),
                crs: crs.to_string(),
                source,
            })
        })
        .transpose()?;
    let project = |x: f64, y: f64| match &projector {
        Some(p) => p.project(x, y).map_err(|e| e.to_string()),
        None => Err("no CRS".to_string()),
    };
    let project_ref: Option<&ProjectFn<'_>> =
        projector.as_ref().map(|_| &project as &ProjectFn<'_>);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut acceptor = Acceptor::new(
        city.catalog,
        city.config.extent,
        &format!("import:{file_name}"),
        reader.format().name(),
    )
    .with_default_service(default_service.map(|(s, _)| s))
    .with_projection(project_ref)
    .with_boundaries(city.boundaries)
    .with_geocoder(city.geocoder);

    let mut summary = ImportSummary {
        file,
        format: reader.format(),
        default_service: default_service.map(|(s, inferred)| (s.code.clone(), inferred)),
        read: 0,
        new: 0,
        updated: 0,
        moved: 0,
        unchanged: 0,
        geocoded: 0,
        rejected: BTreeMap::new(),
        examples: Vec::new(),
    };
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = reader.next() {
        summary.read += 1;
        match row.and_then(|raw| acceptor.accept(raw)) {
            Ok(request) => batch.push(request),
            Err(e) => summary.reject(e),
        }
        if batch.len() == BATCH {
            hand_over(sink, &mut batch, &mut summary)?;
            progress(reader.bytes_read(), reader.total_bytes());
        }
    }
    hand_over(sink, &mut batch, &mut summary)?;
    summary.geocoded = acceptor.geocoded();
    progress(reader.total_bytes(), reader.total_bytes());
    Ok(summary)
}

fn hand_over(
    sink: &mut Sink<'_>,
    batch: &mut Vec<ServiceRequest>,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    if !batch.is_empty() {
        let counts = sink(std::mem::take(batch))?;
        summary.new += counts.new;
        summary.updated += counts.updated;
        summary.moved += counts.moved;
        summary.unchanged += counts.unchanged;
    }
    Ok(())
}

/// The service for rows without one: `--service`, else one the file name clearly names.
fn default_service<'a>(
    catalog: &'a Catalog,
    path: &Path,
    opts: &ImportOptions,
) -> Result<Option<(&'a Service, bool)>, ImportError> {
    if let Some(name) = &opts.service {
        let s = catalog
            .lookup(name)
            .ok_or_else(|| ImportError::UnknownService(name.clone()))?;
        return Ok(Some((s, false)));
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    Ok(catalog.infer_from_text(&stem).map(|s| (s, true)))
}
