//! Address points along the block faces, in the OpenAddresses CSV layout.

use serde::{Deserialize, Serialize};

use super::frame::to_lon_lat;
use super::layout::density;
use super::streets::{Segment, Side};

/// City name written in every address row.
pub const CITY: &str = "RIVERTON";
/// State written in every address row.
pub const REGION: &str = "PA";
/// Header of the OpenAddresses CSV layout.
pub const CSV_HEADER: [&str; 11] = [
    "LON", "LAT", "NUMBER", "STREET", "UNIT", "CITY", "DISTRICT", "REGION", "POSTCODE", "ID",
    "HASH",
];
/// Distance of an address point from the street centerline, metres.
pub const SETBACK_M: f64 = 12.0;

/// One address point (OpenAddresses row; CITY is always RIVERTON, REGION PA, UNIT and
/// DISTRICT empty). Coordinates are WGS84 degrees rounded to 6 decimals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressPoint {
    pub lon: f64,
    pub lat: f64,
    pub number: u32,
    /// Full street name, e.g. "N 5TH ST".
    pub street: String,
    /// ZIP code of the demo's ZIP layer the point falls in.
    pub postcode: String,
    /// Stable id ("RVA" + sequence).
    pub id: String,
    /// 16 hex digits of a hash of the row, as OpenAddresses' HASH column.
    pub hash: String,
}

impl AddressPoint {
    /// The one-line address, e.g. "1234 N 5TH ST".
    pub fn text(&self) -> String {
        format!("{} {}", self.number, self.street)
    }
}

/// How many address points a block face of `length` metres in block `cell` gets.
fn points_on_face(length: f64, center: (f64, f64)) -> usize {
    let spacing = 15.0 + (1.0 - density(center.0, center.1)) * 75.0;
    (length / spacing).floor().max(1.0) as usize
}

/// Address points on one side of a segment: evenly spread (with a deterministic wobble)
/// between 8% and 92% of the block, numbers growing along the segment.
fn face_points(seg: &Segment, side: &Side, left: bool, zip: &str, out: &mut Vec<AddressPoint>) {
    let Some((from, _)) = side.range else { return };
    let (dx, dy) = (seg.to.0 - seg.from.0, seg.to.1 - seg.from.1);
    let len = seg.length();
    let sign = if left { 1.0 } else { -1.0 };
    let (nx, ny) = (-dy / len * sign, dx / len * sign);
    let mid = ((seg.from.0 + seg.to.0) / 2.0, (seg.from.1 + seg.to.1) / 2.0);
    let n = points_on_face(len, mid);
    let (t0, t1) = if dx != 0.0 && dy != 0.0 {
        (0.15, 0.85)
    } else {
        (0.08, 0.92)
    };
    let street = seg.full_name();
    for k in 0..n {
        let wobble = 0.3 * ((seg.seg_id as f64 * 1.7 + k as f64 * 2.3).sin());
        let u = (k as f64 + 0.5 + wobble) / n as f64;
        let t = t0 + u * (t1 - t0);
        let number = from + 2 * (u * 49.999).floor() as u32;
        let x = seg.from.0 + dx * t + nx * SETBACK_M;
        let y = seg.from.1 + dy * t + ny * SETBACK_M;
        let [lon, lat] = to_lon_lat(x, y);
        out.push(AddressPoint {
            lon,
            lat,
            number,
            street: street.clone(),
            postcode: zip.to_string(),
            id: String::new(),
            hash: String::new(),
        });
    }
}

/// FNV-1a, 64 bits: a stable hash independent of the Rust version.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// All address points of the network; `zip_of` gives the ZIP code of a block.
pub fn address_points(
    segments: &[Segment],
    zip_of: impl Fn((i32, i32)) -> String,
) -> Vec<AddressPoint> {
    let mut out = Vec::new();
    for seg in segments {
        for (side, left) in [(&seg.left, true), (&seg.right, false)] {
            if let Some(cell) = side.cell {
                face_points(seg, side, left, &zip_of(cell), &mut out);
            }
        }
    }
    for (k, a) in out.iter_mut().enumerate() {
        a.id = format!("RVA{:05}", k + 1);
        let row = format!("{:.6},{:.6},{},{}", a.lon, a.lat, a.number, a.street);
        a.hash = format!("{:016x}", fnv1a(&row));
    }
    out
}

/// Writes the points as an OpenAddresses CSV.
pub fn write_csv<W: std::io::Write>(points: &[AddressPoint], out: W) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for a in points {
        let (lon, lat) = (format!("{:.6}", a.lon), format!("{:.6}", a.lat));
        let number = a.number.to_string();
        w.write_record([
            lon.as_str(),
            &lat,
            &number,
            &a.street,
            "",
            CITY,
            "",
            REGION,
            &a.postcode,
            &a.id,
            &a.hash,
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Reads an OpenAddresses CSV written by [`write_csv`].
pub fn read_csv<R: std::io::Read>(input: R) -> csv::Result<Vec<AddressPoint>> {
    let mut r = csv::Reader::from_reader(input);
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec?;
        let num = |k: usize| rec[k].parse::<f64>().unwrap_or(f64::NAN);
        out.push(AddressPoint {
            lon: num(0),
            lat: num(1),
            number: rec[2].parse().unwrap_or(0),
            street: rec[3].to_string(),
            postcode: rec[8].to_string(),
            id: rec[9].to_string(),
            hash: rec[10].to_string(),
        });
    }
    Ok(out)
}
