//! The GeoPackage tables: the required core (spatial reference systems, contents, geometry
//! columns, extensions), feature tables and their R-tree index with the spec's triggers.

use rusqlite::{params, Transaction};

use super::binary::Envelope;
use super::columns::Column;
use super::{GEOMETRY_COLUMN, ID_COLUMN, WGS84};

/// EPSG:4326 as GDAL writes it.
const WGS84_WKT: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#;

/// A quoted SQL identifier.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The R-tree table of a layer's geometry column.
pub fn rtree_name(table: &str) -> String {
    format!("rtree_{table}_{GEOMETRY_COLUMN}")
}

/// The tables every GeoPackage has, with the three required spatial reference systems.
pub fn create_core(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (
           srs_name TEXT NOT NULL,
           srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL,
           organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL,
           description TEXT);
         CREATE TABLE gpkg_contents (
           table_name TEXT NOT NULL PRIMARY KEY,
           data_type TEXT NOT NULL,
           identifier TEXT UNIQUE,
           description TEXT DEFAULT '',
           last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
           srs_id INTEGER,
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (
           table_name TEXT NOT NULL,
           column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL,
           z TINYINT NOT NULL,
           m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
           CONSTRAINT uk_gc_table_name UNIQUE (table_name),
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
         CREATE TABLE gpkg_extensions (
           table_name TEXT,
           column_name TEXT,
           extension_name TEXT NOT NULL,
           definition TEXT NOT NULL,
           scope TEXT NOT NULL,
           CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));",
    )?;
    let mut srs = tx.prepare("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)")?;
    srs.execute(params![
        "Undefined cartesian SRS",
        -1,
        "NONE",
        -1,
        "undefined",
        "undefined cartesian coordinate reference system"
    ])?;
    srs.execute(params![
        "Undefined geographic SRS",
        0,
        "NONE",
        0,
        "undefined",
        "undefined geographic coordinate reference system"
    ])?;
    srs.execute(params![
        "WGS 84 geodetic",
        WGS84,
        "EPSG",
        WGS84,
        WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"
    ])?;
    Ok(())
}

/// A feature table: `fid`, the geometry column (of `geometry_type`) and `columns`.
pub fn create_feature_table(
    tx: &Transaction,
    table: &str,
    geometry_type: &str,
    columns: &[Column],
) -> rusqlite::Result<()> {
    let mut defs = vec![
        format!("{ID_COLUMN} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"),
        format!("{} {geometry_type}", quote(GEOMETRY_COLUMN)),
    ];
    defs.extend(
        columns
            .iter()
            .map(|c| format!("{} {}", quote(&c.name), c.kind.sql())),
    );
    tx.execute_batch(&format!(
        "CREATE TABLE {} ({});",
        quote(table),
        defs.join(", ")
    ))
}

/// The layer's rows in `gpkg_contents` (with its bounds) and `gpkg_geometry_columns`.
pub fn register(
    tx: &Transaction,
    table: &str,
    geometry_type: &str,
    bounds: Option<Envelope>,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description,
                                    min_x, min_y, max_x, max_y, srs_id)
         VALUES (?1, 'features', ?1, '', ?2, ?3, ?4, ?5, ?6)",
        params![
            table,
            bounds.map(|b| b.min_x),
            bounds.map(|b| b.min_y),
            bounds.map(|b| b.max_x),
            bounds.map(|b| b.max_y),
            WGS84
        ],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
        params![table, GEOMETRY_COLUMN, geometry_type, WGS84],
    )?;
    Ok(())
}

/// The layer's R-tree (empty) and its `gpkg_rtree_index` extension row.
pub fn create_rtree(tx: &Transaction, table: &str) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index',
           'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        params![table, GEOMETRY_COLUMN],
    )?;
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {} USING rtree(id, minx, maxx, miny, maxy);",
        quote(&rtree_name(table))
    ))
}

/// The triggers that keep the R-tree in step with later edits (GeoPackage 1.3 §F.3).
pub fn create_rtree_triggers(tx: &Transaction, table: &str) -> rusqlite::Result<()> {
    let t = quote(table);
    let rtree = rtree_name(table);
    let r = quote(&rtree);
    let trigger = |suffix: &str| quote(&format!("{rtree}_{suffix}"));
    let (c, i) = (quote(GEOMETRY_COLUMN), ID_COLUMN);
    let upsert = format!(
        "INSERT OR REPLACE INTO {r} VALUES (NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), \
         ST_MinY(NEW.{c}), ST_MaxY(NEW.{c}));"
    );
    let present = format!("(NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))");
    let absent = format!("(NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))");
    tx.execute_batch(&format!(
        "CREATE TRIGGER {insert} AFTER INSERT ON {t} WHEN {present}
           BEGIN {upsert} END;
         CREATE TRIGGER {update1} AFTER UPDATE OF {c} ON {t}
           WHEN OLD.{i} = NEW.{i} AND {present}
           BEGIN {upsert} END;
         CREATE TRIGGER {update2} AFTER UPDATE OF {c} ON {t}
           WHEN OLD.{i} = NEW.{i} AND {absent}
           BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END;
         CREATE TRIGGER {update3} AFTER UPDATE ON {t}
           WHEN OLD.{i} != NEW.{i} AND {present}
           BEGIN DELETE FROM {r} WHERE id = OLD.{i}; {upsert} END;
         CREATE TRIGGER {update4} AFTER UPDATE ON {t}
           WHEN OLD.{i} != NEW.{i} AND {absent}
           BEGIN DELETE FROM {r} WHERE id IN (OLD.{i}, NEW.{i}); END;
         CREATE TRIGGER {delete} AFTER DELETE ON {t} WHEN OLD.{c} NOT NULL
           BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END;",
        insert = trigger("insert"),
        update1 = trigger("update1"),
        update2 = trigger("update2"),
        update3 = trigger("update3"),
        update4 = trigger("update4"),
        delete = trigger("delete"),
    ))
}
