use geojson::{Feature, Geometry, GeometryValue, Position};
use rusqlite::Connection;
use serde_json::json;

use super::*;

fn point_feature(x: f64, y: f64, props: serde_json::Value) -> Feature {
    Feature {
        geometry: Some(Geometry::new(GeometryValue::Point {
            coordinates: Position::from([x, y]),
        })),
        properties: props.as_object().cloned(),
        ..Default::default()
    }
}

fn square(x: f64, y: f64) -> Feature {
    let ring = vec![
        Position::from([x, y]),
        Position::from([x + 1.0, y]),
        Position::from([x + 1.0, y + 1.0]),
        Position::from([x, y + 1.0]),
        Position::from([x, y]),
    ];
    Feature {
        geometry: Some(Geometry::new(GeometryValue::MultiPolygon {
            coordinates: vec![vec![ring]],
        })),
        properties: json!({"id": format!("{x}")}).as_object().cloned(),
        ..Default::default()
    }
}

/// Writes `layers` to a file in a fresh directory and opens it.
fn written(layers: &[Layer]) -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.gpkg");
    std::fs::write(&path, b"an older file").unwrap();
    write_file(&path, layers).unwrap();
    let db = Connection::open(&path).unwrap();
    (dir, db)
}

fn one<T: rusqlite::types::FromSql>(db: &Connection, sql: &str) -> T {
    db.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_file_has_the_geopackage_header_and_core_tables() {
    let points = [
        point_feature(-75.4, 39.9, json!({"name": "a", "n": 1})),
        point_feature(-75.3, 40.1, json!({"name": "b", "n": 2})),
    ];
    let (_dir, db) = written(&[Layer {
        name: "requests",
        features: &points,
    }]);
    assert_eq!(one::<i64>(&db, "PRAGMA application_id"), 0x4750_4B47);
    assert_eq!(one::<i64>(&db, "PRAGMA user_version"), 10300);
    let srs: Vec<i64> = db
        .prepare("SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(srs, vec![-1, 0, 4326]);
    let contents: (String, String, f64, f64, f64, f64, i64) = db
        .query_row(
            "SELECT table_name, data_type, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        contents,
        (
            "requests".into(),
            "features".into(),
            -75.4,
            39.9,
            -75.3,
            40.1,
            4326
        )
    );
    let geometry: (String, String, String) = db
        .query_row(
            "SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(geometry, ("requests".into(), "geom".into(), "POINT".into()));
    assert_eq!(one::<String>(&db, "PRAGMA integrity_check"), "ok");
}

#[test]
fn features_are_rows_with_typed_columns_and_binary_geometries() {
    let points = [
        point_feature(
            1.0,
            2.0,
            json!({"when": "2026-01-02T03:04:05-05:00", "n": 1, "x": 0.5, "ok": true}),
        ),
        point_feature(3.0, 4.0, json!({"n": 2, "types": {"a": 1}})),
    ];
    let (_dir, db) = written(&[Layer {
        name: "pts",
        features: &points,
    }]);
    let columns: Vec<(String, String, i64)> = db
        .prepare("SELECT name, type, pk FROM pragma_table_info('pts')")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expect = [
        ("fid", "INTEGER", 1),
        ("geom", "POINT", 0),
        ("n", "INTEGER", 0),
        ("ok", "BOOLEAN", 0),
        ("when", "DATETIME", 0),
        ("x", "REAL", 0),
        ("types", "TEXT", 0),
    ];
    let expect: Vec<(String, String, i64)> = expect
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect();
    assert_eq!(columns, expect);
    let row: (i64, Vec<u8>, i64, bool, String, f64) = db
        .query_row(
            "SELECT fid, geom, n, ok, \"when\", x FROM pts WHERE fid = 1",
            [],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap();
    let blob = binary::encode(points[0].geometry.as_ref().map(|g| &g.value).unwrap(), 4326);
    assert_eq!(
        row,
        (1, blob, 1, true, "2026-01-02T08:04:05.000Z".into(), 0.5)
    );
    let types: String = one(&db, "SELECT types FROM pts WHERE fid = 2");
    assert_eq!(types, "{\"a\":1}");
}

#[test]
fn layers_get_an_rtree_index_of_their_envelopes() {
    let squares = [square(0.0, 0.0), square(5.0, 2.0)];
    let (_dir, db) = written(&[Layer {
        name: "areas",
        features: &squares,
    }]);
    let rows: Vec<(i64, f64, f64, f64, f64)> = db
        .prepare("SELECT id, minx, maxx, miny, maxy FROM rtree_areas_geom ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, vec![(1, 0.0, 1.0, 0.0, 1.0), (2, 5.0, 6.0, 2.0, 3.0)]);
    let extension: String = one(
        &db,
        "SELECT extension_name FROM gpkg_extensions WHERE table_name = 'areas'",
    );
    assert_eq!(extension, "gpkg_rtree_index");
    let triggers: i64 = one(
        &db,
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_areas_geom_%'",
    );
    assert_eq!(triggers, 6);
    let kind: String = one(&db, "SELECT geometry_type_name FROM gpkg_geometry_columns");
    assert_eq!(kind, "MULTIPOLYGON");
}

#[test]
fn mixed_and_missing_geometries_make_a_generic_column() {
    let features = [
        point_feature(0.0, 0.0, json!({})),
        square(1.0, 1.0),
        Feature::default(),
    ];
    let (_dir, db) = written(&[Layer {
        name: "mixed",
        features: &features,
    }]);
    let kind: String = one(&db, "SELECT geometry_type_name FROM gpkg_geometry_columns");
    assert_eq!(kind, "GEOMETRY");
    assert_eq!(
        one::<i64>(&db, "SELECT count(*) FROM mixed WHERE geom IS NULL"),
        1
    );
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM rtree_mixed_geom"), 2);
}

#[test]
fn an_empty_layer_has_no_bounds() {
    let (_dir, db) = written(&[Layer {
        name: "empty",
        features: &[],
    }]);
    let min_x: Option<f64> = one(&db, "SELECT min_x FROM gpkg_contents");
    assert_eq!(min_x, None);
    assert_eq!(one::<i64>(&db, "SELECT count(*) FROM empty"), 0);
}

#[test]
fn bytes_are_the_file_and_bad_layer_names_are_refused() {
    let features = [square(0.0, 0.0)];
    let layer = Layer {
        name: "a \"quoted\" name",
        features: &features,
    };
    let bytes = to_bytes(&[layer]).unwrap();
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
    assert_eq!(&bytes[68..72], b"GPKG");
    for name in ["", "gpkg_contents", "rtree_x", "sqlite_master"] {
        let bad = Layer {
            name,
            features: &features,
        };
        assert!(matches!(to_bytes(&[bad]), Err(GpkgError::LayerName(_))));
    }
    assert!(matches!(
        to_bytes(&[
            layer,
            Layer {
                name: "A \"QUOTED\" name",
                features: &features
            }
        ]),
        Err(GpkgError::LayerName(_))
    ));
}
