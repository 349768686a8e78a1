//! GeoPackage 1.3 writer (OGC 12-128r18), pure of HTTP: GeoJSON features as one feature table
//! per layer in WGS 84 (srs 4326), ready for QGIS, ArcGIS or GDAL.
//!
//! A file holds `application_id` `GPKG` and `user_version` 10300, `gpkg_spatial_ref_sys`
//! (the required -1, 0 and 4326 rows), `gpkg_contents` (with each layer's bounds),
//! `gpkg_geometry_columns`, and per layer a table with an `INTEGER PRIMARY KEY` `fid`, a
//! `geom` column of GeoPackage binary geometries ([`binary`]) and typed property columns
//! ([`columns`]), plus its R-tree spatial index (`gpkg_rtree_index` extension).

pub mod binary;
pub mod columns;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use geojson::Feature;
use rusqlite::{params_from_iter, Connection};

use columns::Column;

/// The media type of a GeoPackage (IANA registered).
pub const MEDIA_TYPE: &str = "application/geopackage+sqlite3";
/// WGS 84 longitude/latitude, the srs of every layer (GeoJSON's).
pub const WGS84: i32 = 4326;
/// The geometry column of every feature table.
pub const GEOMETRY_COLUMN: &str = "geom";
/// The primary key of every feature table.
pub const ID_COLUMN: &str = "fid";

/// A GeoPackage that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GpkgError {
    #[error("writing the GeoPackage: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("GeoPackage file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("layer name {0:?} is empty, reserved (gpkg_, rtree_, sqlite_) or given twice")]
    LayerName(String),
}

/// One feature table: its name (the GIS layer name) and features.
#[derive(Debug, Clone, Copy)]
pub struct Layer<'a> {
    pub name: &'a str,
    pub features: &'a [Feature],
}

/// Writes `layers` as a new GeoPackage at `path` (replacing a file there): written beside it
/// and renamed into place when complete.
pub fn write_file(path: &Path, layers: &[Layer]) -> Result<(), GpkgError> {
    let partial = sibling(path, "partial");
    let result = write_new(&partial, layers).and_then(|()| {
        std::fs::rename(&partial, path).map_err(|source| GpkgError::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// `layers` as the bytes of a GeoPackage (written to a temporary file, read back and removed).
pub fn to_bytes(layers: &[Layer]) -> Result<Vec<u8>, GpkgError> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "hotspot-{}-{}.gpkg",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let path = std::env::temp_dir().join(name);
    let _ = std::fs::remove_file(&path);
    let result = write_new(&path, layers).and_then(|()| {
        std::fs::read(&path).map_err(|source| GpkgError::Io {
            path: path.clone(),
            source,
        })
    });
    let _ = std::fs::remove_file(&path);
    result
}

/// `path` with `.{tag}-{pid}` appended to its file name.
fn sibling(path: &Path, tag: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{tag}-{}", std::process::id()));
    path.with_file_name(name)
}

/// Writes a GeoPackage to `path`, which must not exist.
fn write_new(path: &Path, layers: &[Layer]) -> Result<(), GpkgError> {
    check_names(layers)?;
    if path.exists() {
        std::fs::remove_file(path).map_err(|source| GpkgError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let mut db = Connection::open(path)?;
    db.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
         PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;",
    )?;
    let tx = db.transaction()?;
    schema::create_core(&tx)?;
    for layer in layers {
        write_layer(&tx, layer)?;
    }
    tx.commit()?;
    db.close().map_err(|(_, e)| e)?;
    Ok(())
}

fn check_names(layers: &[Layer]) -> Result<(), GpkgError> {
    for (i, layer) in layers.iter().enumerate() {
        let lower = layer.name.to_lowercase();
        let reserved = ["gpkg_", "rtree_", "sqlite_"]
            .iter()
            .any(|p| lower.starts_with(p));
        let repeated = layers[..i]
            .iter()
            .any(|l| l.name.eq_ignore_ascii_case(layer.name));
        if lower.is_empty() || reserved || repeated {
            return Err(GpkgError::LayerName(layer.name.to_string()));
        }
    }
    Ok(())
}

/// One layer's table, rows, contents entry and spatial index.
fn write_layer(tx: &rusqlite::Transaction, layer: &Layer) -> Result<(), GpkgError> {
    let columns = columns::infer(layer.features, &[ID_COLUMN, GEOMETRY_COLUMN]);
    let geometry_type = geometry_type(layer.features);
    schema::create_feature_table(tx, layer.name, geometry_type, &columns)?;
    schema::create_rtree(tx, layer.name)?;
    let bounds = insert_features(tx, layer, &columns)?;
    schema::register(tx, layer.name, geometry_type, bounds)?;
    // after the rows: the triggers call functions (ST_MinX...) that GIS clients provide
    schema::create_rtree_triggers(tx, layer.name)?;
    Ok(())
}

/// `POINT`, `MULTIPOLYGON`... when every geometry has that type, else `GEOMETRY`.
fn geometry_type(features: &[Feature]) -> &'static str {
    let mut names = features
        .iter()
        .filter_map(|f| f.geometry.as_ref())
        .map(|g| binary::type_name(&g.value));
    match names.next() {
        Some(first) if names.all(|n| n == first) => first,
        _ => "GEOMETRY",
    }
}

/// Inserts the rows (`fid` 1, 2... in the features' order) and their envelopes into the
/// spatial index; returns the layer's bounds.
fn insert_features(
    tx: &rusqlite::Transaction,
    layer: &Layer,
    columns: &[Column],
) -> Result<Option<binary::Envelope>, GpkgError> {
    let names: Vec<String> = std::iter::once(GEOMETRY_COLUMN.to_string())
        .chain(columns.iter().map(|c| c.name.clone()))
        .map(|n| schema::quote(&n))
        .collect();
    let marks = vec!["?"; names.len() + 1].join(", ");
    let sql = format!(
        "INSERT INTO {} ({}, {}) VALUES ({marks})",
        schema::quote(layer.name),
        ID_COLUMN,
        names.join(", ")
    );
    let mut insert = tx.prepare(&sql)?;
    let mut index = tx.prepare(&format!(
        "INSERT INTO {} VALUES (?, ?, ?, ?, ?)",
        schema::quote(&schema::rtree_name(layer.name))
    ))?;
    let mut bounds: Option<binary::Envelope> = None;
    for (i, feature) in layer.features.iter().enumerate() {
        let geometry = feature.geometry.as_ref().map(|g| &g.value);
        let fid = i as i64 + 1;
        if let Some(e) = geometry.and_then(binary::envelope) {
            bounds = Some(bounds.map_or(e, |b| b.union(e)));
            index.execute(rusqlite::params![fid, e.min_x, e.max_x, e.min_y, e.max_y])?;
        }
        let blob = geometry.map_or(rusqlite::types::Value::Null, |g| {
            rusqlite::types::Value::Blob(binary::encode(g, WGS84))
        });
        let row = [rusqlite::types::Value::Integer(fid), blob]
            .into_iter()
            .chain(columns::values(columns, feature.properties.as_ref()));
        insert.execute(params_from_iter(row))?;
    }
    Ok(bounds)
}

#[cfg(test)]
mod tests;
