//! PROJ wrapper: source CRS (State Plane feet, UTM metres, ...) ↔ WGS84 longitude/latitude.
//!
//! Built on the `proj` crate with its bundled PROJ (proj.db compiled in, no `PROJ_DATA`).
//! Both ends of every transformation use PROJ's "normalised for visualisation" axis order, so
//! geographic coordinates are always **longitude, latitude** (and projected ones easting,
//! northing), whatever the EPSG definition says.
//!
//! # Threads
//! A [`Projector`] owns a `proj::Proj` (a PROJ context plus a transformation object), which is
//! **not `Send`**: create one projector per thread (creation takes well under a millisecond
//! once PROJ's database is warm) rather than sharing one.

use proj::Proj;

/// The CRS of longitude/latitude output and input.
pub const WGS84: &str = "EPSG:4326";

/// Errors creating or applying a transformation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProjectionError {
    /// PROJ does not know the CRS or cannot build a pipeline between the two.
    #[error("cannot create a transformation from {from} to {to}: {reason}")]
    Create {
        from: String,
        to: String,
        reason: String,
    },
    /// The input coordinate is NaN or infinite.
    #[error("coordinate ({x}, {y}) is not finite")]
    NonFiniteInput { x: f64, y: f64 },
    /// PROJ refused the coordinate (e.g. outside the projection's domain).
    #[error("cannot transform ({x}, {y}) from {from}: {reason}")]
    Transform {
        from: String,
        x: f64,
        y: f64,
        reason: String,
    },
    /// PROJ returned NaN or infinity (its way of saying "no answer" for some inputs).
    #[error("transforming ({x}, {y}) from {from} gave a non-finite result")]
    NonFiniteResult { from: String, x: f64, y: f64 },
}

/// A coordinate transformation between one CRS and another, in normalised axis order.
///
/// Not `Send` (see the module documentation).
pub struct Projector {
    proj: Proj,
    from: String,
    to: String,
}

impl std::fmt::Debug for Projector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projector")
            .field("from", &self.from)
            .field("to", &self.to)
            .finish()
    }
}

impl Projector {
    /// A transformation from `crs` (e.g. `"EPSG:2263"`) to WGS84; [`Projector::project`]
    /// then returns `(lon, lat)` in degrees.
    pub fn to_wgs84(crs: &str) -> Result<Projector, ProjectionError> {
        Projector::between(crs, WGS84)
    }

    /// A transformation from WGS84 to `crs`; [`Projector::project`] then takes `(lon, lat)`
    /// in degrees and returns `(x, y)` in the units of `crs`.
    pub fn from_wgs84(crs: &str) -> Result<Projector, ProjectionError> {
        Projector::between(WGS84, crs)
    }

    /// A transformation between any two CRSs PROJ knows (`"AUTHORITY:CODE"`, a PROJ string
    /// or a CRS name), with longitude/easting first on both sides.
    pub fn between(from: &str, to: &str) -> Result<Projector, ProjectionError> {
        let proj = Proj::new_known_crs(from, to, None).map_err(|e| ProjectionError::Create {
            from: from.to_string(),
            to: to.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Projector {
            proj,
            from: from.to_string(),
            to: to.to_string(),
        })
    }

    /// The CRS coordinates are read in.
    pub fn source_crs(&self) -> &str {
        &self.from
    }

    /// The CRS coordinates are written in.
    pub fn target_crs(&self) -> &str {
        &self.to
    }

    /// Transforms one coordinate (`x`/longitude first). Non-finite input or output is an error.
    pub fn project(&self, x: f64, y: f64) -> Result<(f64, f64), ProjectionError> {
        if !x.is_finite() || !y.is_finite() {
            return Err(ProjectionError::NonFiniteInput { x, y });
        }
        let (a, b) = self
            .proj
            .convert((x, y))
            .map_err(|e| ProjectionError::Transform {
                from: self.from.clone(),
                x,
                y,
                reason: e.to_string(),
            })?;
        if a.is_finite() && b.is_finite() {
            Ok((a, b))
        } else {
            Err(ProjectionError::NonFiniteResult {
                from: self.from.clone(),
                x,
                y,
            })
        }
    }
}

/// Great-circle distance in metres (haversine, R = 6,371,008.8 m) between two lon/lat points.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    crate::analysis::dbscan::haversine_m(
        geo::Coord { x: lon1, y: lat1 },
        geo::Coord { x: lon2, y: lat2 },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// The shared data folder, or `None` (and a printed reason) when it is absent.
    fn data_dir() -> Option<PathBuf> {
        let found = crate::config::shared_data_dir();
        if found.is_none() {
            eprintln!("skipping: no ../shared/data or /work/shared/data folder");
        }
        found
    }

    fn column(headers: &csv::StringRecord, name: &str) -> usize {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap_or_else(|| panic!("column {name} missing"))
    }

    /// Projects `x`/`y` from `crs` for every row that also has `lon`/`lat`, prints the
    /// mean error and the worst row, and returns (rows checked, max error in metres).
    fn check_file(path: &std::path::Path, crs: &str, cols: [&str; 4]) -> (usize, f64) {
        let projector = Projector::to_wgs84(crs).expect("projector");
        let mut rdr = csv::Reader::from_path(path).expect("open");
        let headers = rdr.headers().expect("headers").clone();
        let idx = cols.map(|c| column(&headers, c));
        let (mut n, mut max, mut sum, mut worst) = (0usize, 0f64, 0f64, 0u64);
        for rec in rdr.records() {
            let rec = rec.expect("record");
            let v: Vec<Option<f64>> = idx
                .iter()
                .map(|&i| rec.get(i).and_then(|s| s.trim().parse::<f64>().ok()))
                .collect();
            let (Some(x), Some(y), Some(lon), Some(lat)) = (v[0], v[1], v[2], v[3]) else {
                continue;
            };
            let (plon, plat) = projector.project(x, y).expect("project");
            let d = haversine_m(plon, plat, lon, lat);
            if d > max {
                max = d;
                worst = rec.position().map_or(0, |p| p.line());
            }
            sum += d;
            n += 1;
        }
        let mean = sum / n.max(1) as f64;
        println!("  {crs}: mean error {mean:.4} m, worst on line {worst}");
        (n, max)
    }

    #[test]
    fn known_point_state_plane_feet() {
        // Philadelphia City Hall, about (-75.1636, 39.9524); EPSG:2272 ≈ (2694000, 236000) ft.
        let p = Projector::to_wgs84("EPSG:2272").unwrap();
        let (lon, lat) = p.project(2_694_000.0, 236_000.0).unwrap();
        assert!((-75.2..-75.1).contains(&lon), "lon {lon}");
        assert!((39.9..40.0).contains(&lat), "lat {lat}");
    }

    #[test]
    fn round_trip() {
        let to = Projector::to_wgs84("EPSG:2263").unwrap();
        let from = Projector::from_wgs84("EPSG:2263").unwrap();
        let (x, y) = from.project(-73.9857, 40.7484).unwrap();
        assert!(x > 900_000.0 && y > 100_000.0, "({x}, {y})");
        let (lon, lat) = to.project(x, y).unwrap();
        assert!(haversine_m(lon, lat, -73.9857, 40.7484) < 1e-3);
        assert_eq!(from.source_crs(), WGS84);
        assert_eq!(from.target_crs(), "EPSG:2263");
    }

    #[test]
    fn identity_keeps_lon_lat_order() {
        let p = Projector::to_wgs84("EPSG:4326").unwrap();
        let (lon, lat) = p.project(-75.0, 40.0).unwrap();
        assert!((lon + 75.0).abs() < 1e-9 && (lat - 40.0).abs() < 1e-9);
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Projector::to_wgs84("EPSG:999999"),
            Err(ProjectionError::Create { .. })
        ));
        assert!(matches!(
            Projector::to_wgs84("not a crs"),
            Err(ProjectionError::Create { .. })
        ));
        let p = Projector::to_wgs84("EPSG:2272").unwrap();
        assert!(matches!(
            p.project(f64::NAN, 1.0),
            Err(ProjectionError::NonFiniteInput { .. })
        ));
        assert!(p.project(f64::INFINITY, 1.0).is_err());
        let back = Projector::from_wgs84("EPSG:2272").unwrap();
        // Latitude beyond the pole: PROJ refuses or answers with non-finite values.
        assert!(back.project(0.0, 95.0).is_err());
    }

    #[test]
    fn haversine_known_distance() {
        // One degree of latitude ≈ 111.2 km.
        let d = haversine_m(0.0, 0.0, 0.0, 1.0);
        assert!((d - 111_195.0).abs() < 5.0, "{d}");
    }

    #[test]
    fn philadelphia_farmers_markets_epsg2272() {
        let Some(dir) = data_dir() else { return };
        let path = dir.join("philadelphia/addresses/phl_farmers_markets.csv");
        let (n, max) = check_file(&path, "EPSG:2272", ["X", "Y", "LON", "LAT"]);
        println!("EPSG:2272 farmers markets: {n} rows, max error {max:.4} m");
        assert!(n >= 60, "{n} rows");
        assert!(max < 1.0, "max error {max} m");
    }

    #[test]
    fn chicago_points_epsg26971() {
        let Some(dir) = data_dir() else { return };
        for name in [
            "chi311_2017_graffiti_points.csv",
            "chi311_2017_abandoned_cars_points.csv",
        ] {
            let path = dir.join("chicago/311").join(name);
            let cols = ["x_m_epsg26971", "y_m_epsg26971", "lon", "lat"];
            let (n, max) = check_file(&path, "EPSG:26971", cols);
            println!("EPSG:26971 {name}: {n} rows, max error {max:.6} m");
            assert!(n > 30_000, "{n} rows");
            assert!(max < 1.0, "max error {max} m");
        }
    }

    #[test]
    fn nyc_state_plane_epsg2263() {
        let Some(dir) = data_dir() else { return };
        for name in [
            "nyc311_tuplex_subset_2000.csv",
            "nyc311_pyboot_2022-05-01.csv",
        ] {
            let path = dir.join("nyc/311").join(name);
            let cols = [
                "X Coordinate (State Plane)",
                "Y Coordinate (State Plane)",
                "Longitude",
                "Latitude",
            ];
            let (n, max) = check_file(&path, "EPSG:2263", cols);
            println!("EPSG:2263 {name}: {n} rows, max error {max:.4} m");
            assert!(n > 900, "{n} rows");
            assert!(max < 1.0, "max error {max} m");
        }
    }
}
