//! Point-in-polygon tagging against real Philadelphia and Chicago boundary files
//! (../shared/data; skipped with a message when absent).

use std::path::PathBuf;

use hotspot::boundaries::BoundaryLayer;

fn data_dir() -> Option<PathBuf> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("../shared/data"),
        PathBuf::from("/work/shared/data"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
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
    assert_eq!(police.features.len(), 25);
    let none = uncovered(
        &points,
        &layer(b.join("chi_chicagoBoundary.geojson")),
        &[police, layer(b.join("chi_community_areas.geojson"))],
    );
    // The city outline file encloses suburbs such as Evergreen Park that no police district or
    // community area covers: the uncovered points must be the same for both layers (checked
    // independently with a ray-casting script on three of them).
    assert_eq!(
        none[0], none[1],
        "points outside every police district are outside every community area"
    );
    assert!(none[0].len() < 100, "{} uncovered points", none[0].len());
}
