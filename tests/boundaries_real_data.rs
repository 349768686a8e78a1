//! Point-in-polygon tagging against real Philadelphia and Chicago boundary files
//! (../shared/data; skipped with a message when absent).

use std::path::PathBuf;

use hotspot::boundaries::BoundaryLayer;

fn data_dir() -> Option<PathBuf> {
    hotspot::config::shared_data_dir()
}

fn layer(path: PathBuf) -> BoundaryLayer {
    let text = std::fs::read_to_string(&path).unwrap();
    let id = path.file_stem().unwrap().to_string_lossy().into_owned();
    BoundaryLayer::from_geojson(&id, &text, None).unwrap_or_else(|e| panic!("{e}"))
}

/// The points inside `limits`, and per layer the ones that fall in no feature. Asserts that
/// no point falls in two features of a layer.
fn uncovered(
    points: &[(f64, f64)],
    limits: &BoundaryLayer,
    layers: &[BoundaryLayer],
) -> Vec<Vec<(f64, f64)>> {
    let inside: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| limits.locate(*x, *y).is_some())
        .collect();
    assert!(
        inside.len() > points.len() * 9 / 10,
        "most sample points lie inside the city"
    );
    layers
        .iter()
        .map(|layer| {
            let counts: Vec<usize> = inside.iter().map(|(x, y)| layer.locate_all(*x, *y).len()).collect();
            let overlaps = counts.iter().filter(|&&n| n > 1).count();
            let none: Vec<(f64, f64)> = inside.iter().zip(&counts).filter(|(_, &n)| n == 0).map(|(p, _)| *p).collect();
            println!(
                "{}: {} features; of {} points inside the city limits {} are in no feature, {} in two or more",
                layer.id,
                layer.features.len(),
                inside.len(),
                none.len(),
                overlaps
            );
            assert_eq!(overlaps, 0, "{}: features overlap", layer.id);
            none
        })
        .collect()
}

#[test]
fn philadelphia_points_fall_in_exactly_one_district() {
    let Some(data) = data_dir() else {
        println!("skipped: ../shared/data is absent");
        return;
    };
    let mut reader = csv::Reader::from_path(
        data.join("philadelphia/311/phl311_illegal_dumping_2024_points.csv"),
    )
    .unwrap();
    let points: Vec<(f64, f64)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].parse().unwrap(), r[1].parse().unwrap())
        })
        .collect();
    let b = data.join("philadelphia/boundaries");
    let council = layer(b.join("phl_council_districts.geojson"));
    assert_eq!(council.features.len(), 10);
    assert_eq!(council.id_property.as_deref(), Some("phl_council_district"));
    let none = uncovered(
        &points,
        &layer(b.join("phl_city_limits.geojson")),
        &[council, layer(b.join("phl_police_districts.geojson"))],
    );
    assert!(
        none.iter().all(Vec::is_empty),
        "every point gets exactly one district"
    );
}

#[test]
fn chicago_points_fall_in_exactly_one_district() {
    let Some(data) = data_dir() else {
        println!("skipped: ../shared/data is absent");
        return;
    };
    let text =
        std::fs::read_to_string(data.join("chicago/311/chi311_2017_streetLightsOut.geojson"))
            .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let points: Vec<(f64, f64)> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
        })
        .collect();
    assert_eq!(points.len(), 14_587);
    let b = data.join("chicago/boundaries");
    let police = layer(b.join("chi_policeDistricts.geojson"));
    assert_eq!(police.id_property.as_deref(), Some("District"));
    assert_eq!(
        police.features.len(),
        23,
        "25 features, district 31 in three parts"
    );
    let none = uncovered(
        &points,
        &layer(b.join("chi_chicagoBoundary.geojson")),
        &[police.clone(), layer(b.join("chi_community_areas.geojson"))],
    );
    // The city outline of this file also covers places the police districts and community
    // areas (of other vintages) leave out, e.g. the Evergreen Park enclave. Each such point
    // must really be outside every feature: checked with an independent ray-casting test.
    let text = std::fs::read_to_string(b.join("chi_policeDistricts.geojson")).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (x, y) in &none[0] {
        assert!(
            !raw["features"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| even_odd(&f["geometry"], *x, *y)),
            "({x}, {y})"
        );
    }
    assert!(none.iter().all(|n| n.len() < 100), "few uncovered points");
    // And tagged points agree with the ray casting too.
    for (x, y) in points.iter().step_by(97) {
        let ours = police.locate(*x, *y).map(|f| f.id.clone());
        let theirs: Vec<String> = raw["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| even_odd(&f["geometry"], *x, *y))
            .map(|f| {
                f["properties"]["District"]
                    .to_string()
                    .trim_matches('"')
                    .to_string()
            })
            .collect();
        assert_eq!(ours.into_iter().collect::<Vec<_>>(), theirs, "({x}, {y})");
    }
}

/// Even-odd ray casting over a GeoJSON Polygon/MultiPolygon: an independent point-in-polygon.
fn even_odd(geometry: &serde_json::Value, x: f64, y: f64) -> bool {
    let polygons: Vec<&serde_json::Value> = match geometry["type"].as_str() {
        Some("Polygon") => vec![&geometry["coordinates"]],
        Some("MultiPolygon") => geometry["coordinates"].as_array().unwrap().iter().collect(),
        _ => return false,
    };
    let mut inside = false;
    for rings in polygons {
        for ring in rings.as_array().unwrap() {
            let pts: Vec<(f64, f64)> = ring
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect();
            for w in pts.windows(2) {
                let ((x1, y1), (x2, y2)) = (w[0], w[1]);
                if (y1 > y) != (y2 > y) && x < (x2 - x1) * (y - y1) / (y2 - y1) + x1 {
                    inside = !inside;
                }
            }
        }
    }
    inside
}
