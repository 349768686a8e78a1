//! `hotspot import` through the real binary: real exports, duplicates, projection of
//! State Plane X/Y, rejected rows with line numbers, and an import killed midway.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hotspot::city::City;
use hotspot::config::Config;
use hotspot::projection::haversine_m;

fn data_dir() -> Option<PathBuf> {
    hotspot::config::shared_data_dir()
}

fn city(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/cities/{name}.toml"))
}

fn import(config: &Path, data: &Path, args: &[&str]) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hotspot"))
        .arg("import")
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out, text)
}

fn stored(config: &Path, data: &Path) -> Vec<hotspot::model::ServiceRequest> {
    let app = City::open(Config::load(config).unwrap(), data).unwrap();
    let mut all = Vec::new();
    app.store.for_each(|r| all.push(r)).unwrap();
    all
}

#[test]
fn imports_real_exports_once_with_reasons_for_rejected_rows() {
    let Some(shared) = data_dir() else {
        println!("skipped: ../shared/data is absent");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let nyc = city("nyc");
    let file = shared.join("nyc/311/nyc311_pyboot_2022-05-01.csv");
    let (out, text) = import(&nyc, dir.path(), &[file.to_str().unwrap()]);
    assert!(out.status.success(), "{text}");
    // 924 rows; 913 have coordinates, the rest have none (data README).
    assert!(
        text.contains("read 924, new 913, updated 0 (moved 0), unchanged 0, rejected 11"),
        "{text}"
    );
    assert!(
        text.contains("rejected 11: no location") && text.contains("line 53: lat/lon"),
        "{text}"
    );
    let (_, again) = import(&nyc, dir.path(), &[file.to_str().unwrap()]);
    assert!(
        again.contains("new 0, updated 0 (moved 0), unchanged 913"),
        "{again}"
    );
    let all = stored(&nyc, dir.path());
    assert_eq!(all.len(), 913);
    let noise = all.iter().filter(|r| r.service_code == "noise").count();
    // Independently counted with Python's csv module: 729 "Noise - *" rows, 722 with coordinates.
    assert_eq!(
        noise, 722,
        "every located Noise - * complaint is a noise request"
    );

    let phl = city("philadelphia");
    let pdir = tempfile::tempdir().unwrap();
    let files: Vec<String> = [
        "phl311_graffiti_random_sample.json",
        "phl311_parks_rec_requests_2021_2025.csv",
    ]
    .iter()
    .map(|f| {
        shared
            .join("philadelphia/311")
            .join(f)
            .display()
            .to_string()
    })
    .collect();
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let (out, text) = import(&phl, pdir.path(), &args);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("read 20, new 20") && text.contains("read 568, new 568"),
        "{text}"
    );
    let all = stored(&phl, pdir.path());
    let graffiti: Vec<_> = all
        .iter()
        .filter(|r| r.service_code == "graffiti")
        .collect();
    assert_eq!(graffiti.len(), 20, "typed from the file name");
    let closed = all
        .iter()
        .filter(|r| r.source.contains("parks") && r.status == hotspot::model::Status::Closed)
        .count();
    assert_eq!(
        closed, 327,
        "Closed 327, New 130, In-Progress 111 (data README)"
    );
}

/// Rows with only State Plane X/Y land within 1 m of the source's own lat/lon.
#[test]
fn projects_state_plane_rows_within_a_metre() {
    let Some(shared) = data_dir() else {
        println!("skipped: ../shared/data is absent");
        return;
    };
    for (config, source, lat_col, lon_col, take) in [
        (
            "nyc",
            "nyc/311/nyc311_pyboot_2022-05-01.csv",
            "Latitude",
            "Longitude",
            1000,
        ),
        (
            "chicago",
            "chicago/311/chi311_2017_abandoned_cars_points.csv",
            "lat",
            "lon",
            3000,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut reader = csv::Reader::from_path(shared.join(source)).unwrap();
        let headers = reader.headers().unwrap().clone();
        let lat_i = headers.iter().position(|h| h == lat_col).unwrap();
        let lon_i = headers.iter().position(|h| h == lon_col).unwrap();
        let stripped = dir.path().join(format!("{config}_xy_only.csv"));
        let mut writer = csv::Writer::from_path(&stripped).unwrap();
        writer.write_record(&headers).unwrap();
        let mut truth = Vec::new();
        for record in reader.records().take(take) {
            let record = record.unwrap();
            let (lat, lon) = (record[lat_i].to_string(), record[lon_i].to_string());
            let blanked: Vec<&str> = record
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    if i == lat_i || i == lon_i || headers[i].eq_ignore_ascii_case("location") {
                        ""
                    } else {
                        v
                    }
                })
                .collect();
            writer.write_record(&blanked).unwrap();
            truth.push((lat.parse::<f64>().ok(), lon.parse::<f64>().ok()));
        }
        writer.flush().unwrap();
        let cfg = city(config);
        let (out, text) = import(
            &cfg,
            &dir.path().join("data"),
            &[stripped.to_str().unwrap(), "--service", "abandoned_vehicle"],
        );
        assert!(out.status.success(), "{text}");
        let all = stored(&cfg, &dir.path().join("data"));
        let with_truth = truth.iter().filter(|t| t.0.is_some()).count();
        assert_eq!(all.len(), with_truth, "{text}");
        // Rows are stored in file order; pair them with the rows that had coordinates.
        let mut worst: f64 = 0.0;
        for (r, (lat, lon)) in all.iter().zip(truth.iter().filter(|t| t.0.is_some())) {
            worst = worst.max(haversine_m(r.lon, r.lat, lon.unwrap(), lat.unwrap()));
        }
        println!(
            "{config}: {} rows projected from X/Y, worst error {worst:.3} m",
            all.len()
        );
        assert!(worst < 1.0, "{config}: worst error {worst} m");
    }
}

#[test]
fn bad_rows_are_reported_with_line_and_field_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("requests.csv");
    std::fs::write(
        &csv,
        "service_request_id,service_name,requested_datetime,lat,lon,status\n\
         A1,Pothole,2026-03-01T10:00:00-05:00,41.88,-87.63,open\n\
         A2,Pothole,not a date,41.88,-87.63,open\n\
         A3,Pothole,2026-03-01T10:00:00-05:00,91,-87.63,open\n\
         A4,Pothole,2026-03-01T10:00:00-05:00,41.88\n\
         A5,Pothole,2026-03-01T10:00:00-05:00,41.88,-87.63,maybe\n\
         A6,Graffiti,2026-03-02T10:00:00-05:00,40.00,-75.00,closed\n\
         A7,Noise,2026-03-03T10:00:00-05:00,41.90,-87.70,closed\n",
    )
    .unwrap();
    let cfg = city("chicago");
    let (out, text) = import(&cfg, &dir.path().join("data"), &[csv.to_str().unwrap()]);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("read 7, new 2, updated 0 (moved 0), unchanged 0, rejected 5"),
        "{text}"
    );
    for expected in [
        "line 3: requested_datetime",
        "line 4: lat",
        "line 5:",
        "line 6: status",
        "line 7: lat/lon: outside the city extent",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let ids: Vec<String> = stored(&cfg, &dir.path().join("data"))
        .into_iter()
        .map(|r| r.service_request_id)
        .collect();
    assert_eq!(ids, ["A1", "A7"]);
    let (out, text) = import(
        &cfg,
        &dir.path().join("data"),
        &[dir.path().join("missing.csv").to_str().unwrap()],
    );
    assert!(
        !out.status.success() && text.contains("missing.csv"),
        "{text}"
    );
}

/// An import killed midway and run again ends with every row stored exactly once.
#[test]
fn an_import_killed_midway_completes_on_rerun_without_duplicates() {
    let Some(shared) = data_dir() else {
        println!("skipped: ../shared/data is absent");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = city("chicago");
    let file = shared.join("chicago/311/chi311_2017_graffiti_points.csv");
    let data = dir.path().join("data");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotspot"))
        .args([
            "import",
            file.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = if data.join("hotspot.sqlite").exists() {
        stored(&cfg, &data).len()
    } else {
        0
    };
    let (out, text) = import(&cfg, &data, &[file.to_str().unwrap()]);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!(
            "new {}, updated 0 (moved 0), unchanged {partial}",
            54_177 - partial
        )),
        "partial {partial}: {text}"
    );
    assert_eq!(stored(&cfg, &data).len(), 54_177);
    println!("killed after {partial} rows; the rerun stored the rest");
}
