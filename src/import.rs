//! Bulk import of source files into the store: read (any supported format), accept (type,
//! project, check), store in batches. Re-importing a file stores nothing twice: ids are the
//! source's own or stable hashes of the row.

use std::collections::BTreeMap;
use std::path::Path;

use crate::app::App;
use crate::catalog::Service;
use crate::intake::accept::{Acceptor, ProjectFn};
use crate::intake::{self, Format, IntakeError, ReadOptions};
use crate::model::RowError;
use crate::projection::{ProjectionError, Projector};
use crate::store::{InsertOutcome, NewRequest, StoreError};

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
    pub imported: u64,
    pub duplicates: u64,
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

/// Imports one file; `progress(bytes_read, total_bytes)` is called as it goes.
pub fn import_file(
    app: &App,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportSummary, ImportError> {
    let file = path.display().to_string();
    let read_opts = ReadOptions {
        timezone: app.config.timezone,
        crs: configured_crs(app, path, opts.format)?,
    };
    let mut reader = intake::read(path, opts.format, &read_opts)?;
    let default_service = default_service(app, path, opts)?;
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
        &app.catalog,
        app.config.extent,
        &format!("import:{file_name}"),
        reader.format().name(),
    )
    .with_default_service(default_service.map(|(s, _)| s))
    .with_projection(project_ref);

    let mut summary = ImportSummary {
        file,
        format: reader.format(),
        default_service: default_service.map(|(s, inferred)| (s.code.clone(), inferred)),
        read: 0,
        imported: 0,
        duplicates: 0,
        rejected: BTreeMap::new(),
        examples: Vec::new(),
    };
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = reader.next() {
        summary.read += 1;
        match row.and_then(|raw| acceptor.accept(raw)) {
            Ok(request) => batch.push(NewRequest {
                request,
                token: None,
            }),
            Err(e) => summary.reject(e),
        }
        if batch.len() == BATCH {
            store_batch(app, &mut batch, &mut summary)?;
            progress(reader.bytes_read(), reader.total_bytes());
        }
    }
    store_batch(app, &mut batch, &mut summary)?;
    progress(reader.total_bytes(), reader.total_bytes());
    Ok(summary)
}

fn store_batch(
    app: &App,
    batch: &mut Vec<NewRequest>,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    for outcome in app.store.writer().insert_blocking(std::mem::take(batch))? {
        match outcome {
            InsertOutcome::Inserted(_) => summary.imported += 1,
            InsertOutcome::Duplicate(_) => summary.duplicates += 1,
        }
    }
    Ok(())
}

/// The CRS the city config sets for this file's format, if any.
fn configured_crs(app: &App, path: &Path, format: Format) -> Result<Option<String>, ImportError> {
    let format = match format {
        Format::Auto => Format::detect_file(path)?,
        f => f,
    };
    Ok(app.config.crs.get(format.name()).cloned())
}

/// The service for rows without one: `--service`, else one the file name clearly names.
fn default_service<'a>(
    app: &'a App,
    path: &Path,
    opts: &ImportOptions,
) -> Result<Option<(&'a Service, bool)>, ImportError> {
    if let Some(name) = &opts.service {
        let s = app
            .catalog
            .lookup(name)
            .ok_or_else(|| ImportError::UnknownService(name.clone()))?;
        return Ok(Some((s, false)));
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or_default();
    Ok(app.catalog.infer_from_text(&stem).map(|s| (s, true)))
}
