//! The local metric frame of the demo city: metres east (`x`) and north (`y`) of the
//! city centre, and the conversions to WGS84 degrees.
//!
//! The frame is an equirectangular projection around the centre; over an 8 km city it is
//! affine, so straight lines and polygon orientation survive the conversion.

/// Longitude of the city centre (x = 0).
pub const CENTER_LON: f64 = -75.400;
/// Latitude of the city centre (y = 0).
pub const CENTER_LAT: f64 = 39.985;
const M_PER_DEG_LAT: f64 = 111_045.0;

fn m_per_deg_lon() -> f64 {
    M_PER_DEG_LAT * CENTER_LAT.to_radians().cos()
}

/// Rounds degrees to 6 decimals (about 0.1 m), the precision of every output file.
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Local metres → `[lon, lat]` in degrees, rounded to 6 decimals.
pub fn to_lon_lat(x: f64, y: f64) -> [f64; 2] {
    [
        round6(CENTER_LON + x / m_per_deg_lon()),
        round6(CENTER_LAT + y / M_PER_DEG_LAT),
    ]
}

/// `[lon, lat]` in degrees → local metres.
pub fn to_xy(lon: f64, lat: f64) -> (f64, f64) {
    (
        (lon - CENTER_LON) * m_per_deg_lon(),
        (lat - CENTER_LAT) * M_PER_DEG_LAT,
    )
}

pub use crate::projection::haversine_m;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_scale() {
        let [lon, lat] = to_lon_lat(1000.0, -500.0);
        let (x, y) = to_xy(lon, lat);
        assert!((x - 1000.0).abs() < 0.2 && (y + 500.0).abs() < 0.2);
        let d = haversine_m(CENTER_LON, CENTER_LAT, lon, lat);
        assert!((d - 1118.0).abs() < 5.0, "{d}");
    }
}
