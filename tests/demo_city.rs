//! The bundled demo city: an empty data directory is seeded with its year of requests,
//! each tagged with every boundary layer, and served through Open311.

use hotspot::city::City;
use hotspot::config::Config;

#[test]
fn an_empty_data_directory_is_seeded_once_with_tagged_demo_requests() {
    let dir = tempfile::tempdir().unwrap();
    let app = City::open(Config::demo().unwrap(), dir.path()).unwrap();
    let layers: Vec<String> = app
        .boundaries
        .layers()
        .iter()
        .map(|l| l.id.clone())
        .collect();
    for wanted in ["council_districts", "police_districts", "zip_codes"] {
        assert!(layers.iter().any(|l| l == wanted), "{layers:?}");
    }
    let seeded = app.seed_demo_if_empty().unwrap();
    assert!(seeded > 20_000, "{seeded}");
    assert_eq!(
        app.seed_demo_if_empty().unwrap(),
        0,
        "seeding happens only once"
    );
    assert_eq!(app.store.count().unwrap() as usize, seeded);
    assert_eq!(app.index.snapshot().len(), seeded);
    let mut untagged = 0;
    let mut types = std::collections::BTreeSet::new();
    app.store
        .for_each(|r| {
            types.insert(r.service_code.clone());
            if layers.iter().any(|l| !r.districts.contains_key(l)) {
                untagged += 1;
            }
            assert!(app.config.extent.unwrap().contains(r.lon, r.lat));
        })
        .unwrap();
    assert_eq!(
        untagged, 0,
        "every demo request lies in one feature of every layer"
    );
    assert!(types.len() >= 8, "{types:?}");
}
