//! GeoPackage geometry encoding (GeoPackage 1.3 §2.1.3): the `GP` header (version 0,
//! little-endian, srs id, an `[minx, maxx, miny, maxy]` envelope) followed by standard
//! little-endian WKB (ISO 13249-3, 2D).

use geojson::{GeometryValue, Position};

/// WKB geometry type codes (2D).
const POINT: u32 = 1;
const LINE_STRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTI_POINT: u32 = 4;
const MULTI_LINE_STRING: u32 = 5;
const MULTI_POLYGON: u32 = 6;
const GEOMETRY_COLLECTION: u32 = 7;

/// Flag bits of the header: little-endian byte order, envelope contents indicator 1
/// (`[minx, maxx, miny, maxy]`) in bits 1–3, the empty geometry flag in bit 4.
const LITTLE_ENDIAN: u8 = 0b0000_0001;
const ENVELOPE_XY: u8 = 0b0000_0010;
const EMPTY: u8 = 0b0001_0000;

/// A 2D bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Envelope {
    pub min_x: f64,
    pub max_x: f64,
    pub min_y: f64,
    pub max_y: f64,
}

impl Envelope {
    fn of(position: &Position) -> Envelope {
        let (x, y) = (position[0], position[1]);
        Envelope {
            min_x: x,
            max_x: x,
            min_y: y,
            max_y: y,
        }
    }

    /// The box holding both.
    pub fn union(self, other: Envelope) -> Envelope {
        Envelope {
            min_x: self.min_x.min(other.min_x),
            max_x: self.max_x.max(other.max_x),
            min_y: self.min_y.min(other.min_y),
            max_y: self.max_y.max(other.max_y),
        }
    }
}

/// The envelope of a geometry; `None` when it has no position.
pub fn envelope(value: &GeometryValue) -> Option<Envelope> {
    let mut found: Option<Envelope> = None;
    visit_positions(value, &mut |p| {
        let e = Envelope::of(p);
        found = Some(found.map_or(e, |f| f.union(e)));
    });
    found
}

fn visit_positions(value: &GeometryValue, f: &mut dyn FnMut(&Position)) {
    match value {
        GeometryValue::Point { coordinates } => each(std::slice::from_ref(coordinates), f),
        GeometryValue::MultiPoint { coordinates } | GeometryValue::LineString { coordinates } => {
            each(coordinates, f)
        }
        GeometryValue::MultiLineString { coordinates } | GeometryValue::Polygon { coordinates } => {
            coordinates.iter().for_each(|l| each(l, f))
        }
        GeometryValue::MultiPolygon { coordinates } => {
            coordinates.iter().flatten().for_each(|l| each(l, f))
        }
        GeometryValue::GeometryCollection { geometries } => {
            geometries.iter().for_each(|g| visit_positions(&g.value, f))
        }
    }
}

/// Calls `f` on each position with at least x and y.
fn each(positions: &[Position], f: &mut dyn FnMut(&Position)) {
    positions.iter().filter(|p| p.len() >= 2).for_each(f)
}

/// The GeoPackage geometry type name of a geometry (`POINT`, `MULTIPOLYGON`...).
pub fn type_name(value: &GeometryValue) -> &'static str {
    match value {
        GeometryValue::Point { .. } => "POINT",
        GeometryValue::MultiPoint { .. } => "MULTIPOINT",
        GeometryValue::LineString { .. } => "LINESTRING",
        GeometryValue::MultiLineString { .. } => "MULTILINESTRING",
        GeometryValue::Polygon { .. } => "POLYGON",
        GeometryValue::MultiPolygon { .. } => "MULTIPOLYGON",
        GeometryValue::GeometryCollection { .. } => "GEOMETRYCOLLECTION",
    }
}

/// A geometry as a GeoPackage binary blob in `srs_id`: the header with the envelope (or the
/// empty flag when the geometry has no position), then its WKB.
pub fn encode(value: &GeometryValue, srs_id: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(b"GP");
    out.push(0); // version 1 of the format is stored as 0
    match envelope(value) {
        Some(e) => {
            out.push(LITTLE_ENDIAN | ENVELOPE_XY);
            out.extend_from_slice(&srs_id.to_le_bytes());
            for v in [e.min_x, e.max_x, e.min_y, e.max_y] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        None => {
            out.push(LITTLE_ENDIAN | EMPTY);
            out.extend_from_slice(&srs_id.to_le_bytes());
        }
    }
    wkb(value, &mut out);
    out
}

/// Standard little-endian WKB of a 2D geometry (an empty point is NaN, NaN).
pub fn wkb(value: &GeometryValue, out: &mut Vec<u8>) {
    match value {
        GeometryValue::Point { coordinates } => {
            header(out, POINT);
            point(coordinates, out);
        }
        GeometryValue::LineString { coordinates } => {
            header(out, LINE_STRING);
            line(coordinates, out);
        }
        GeometryValue::Polygon { coordinates } => {
            header(out, POLYGON);
            polygon(coordinates, out);
        }
        GeometryValue::MultiPoint { coordinates } => {
            header(out, MULTI_POINT);
            count(out, coordinates.len());
            for p in coordinates {
                header(out, POINT);
                point(p, out);
            }
        }
        GeometryValue::MultiLineString { coordinates } => {
            header(out, MULTI_LINE_STRING);
            count(out, coordinates.len());
            for l in coordinates {
                header(out, LINE_STRING);
                line(l, out);
            }
        }
        GeometryValue::MultiPolygon { coordinates } => {
            header(out, MULTI_POLYGON);
            count(out, coordinates.len());
            for p in coordinates {
                header(out, POLYGON);
                polygon(p, out);
            }
        }
        GeometryValue::GeometryCollection { geometries } => {
            header(out, GEOMETRY_COLLECTION);
            count(out, geometries.len());
            for g in geometries {
                wkb(&g.value, out);
            }
        }
    }
}

fn header(out: &mut Vec<u8>, kind: u32) {
    out.push(1); // little-endian
    out.extend_from_slice(&kind.to_le_bytes());
}

fn count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn point(p: &Position, out: &mut Vec<u8>) {
    let (x, y) = if p.len() >= 2 {
        (p[0], p[1])
    } else {
        (f64::NAN, f64::NAN)
    };
    out.extend_from_slice(&x.to_le_bytes());
    out.extend_from_slice(&y.to_le_bytes());
}

fn line(positions: &[Position], out: &mut Vec<u8>) {
    count(out, positions.len());
    positions.iter().for_each(|p| point(p, out));
}

fn polygon(rings: &[Vec<Position>], out: &mut Vec<u8>) {
    count(out, rings.len());
    rings.iter().for_each(|r| line(r, out));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64s(bytes: &[u8]) -> Vec<f64> {
        bytes
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    }

    #[test]
    fn point_header_and_wkb_bytes() {
        let blob = encode(
            &GeometryValue::Point {
                coordinates: Position::from([-75.5, 39.25]),
            },
            4326,
        );
        assert_eq!(&blob[..4], &[b'G', b'P', 0, 0b0000_0011]);
        assert_eq!(&blob[4..8], &4326i32.to_le_bytes());
        assert_eq!(f64s(&blob[8..40]), vec![-75.5, -75.5, 39.25, 39.25]);
        let mut wkb = vec![1, 1, 0, 0, 0];
        wkb.extend_from_slice(&(-75.5f64).to_le_bytes());
        wkb.extend_from_slice(&39.25f64.to_le_bytes());
        assert_eq!(&blob[40..], &wkb[..]);
    }

    #[test]
    fn multipolygon_wkb_nests_polygons_and_rings() {
        let ring = vec![
            Position::from([0.0, 0.0]),
            Position::from([2.0, 0.0]),
            Position::from([2.0, 1.0]),
            Position::from([0.0, 0.0]),
        ];
        let value = GeometryValue::MultiPolygon {
            coordinates: vec![vec![ring.clone()], vec![ring]],
        };
        let blob = encode(&value, 4326);
        assert_eq!(f64s(&blob[8..40]), vec![0.0, 2.0, 0.0, 1.0]);
        let w = &blob[40..];
        assert_eq!(&w[..9], &[1, 6, 0, 0, 0, 2, 0, 0, 0]);
        // first polygon: byte order, type 3, one ring of four points
        assert_eq!(&w[9..22], &[1, 3, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0]);
        assert_eq!(f64s(&w[22..86]), vec![0., 0., 2., 0., 2., 1., 0., 0.]);
        assert_eq!(w.len(), 9 + 2 * (13 + 64));
        assert_eq!(type_name(&value), "MULTIPOLYGON");
    }

    #[test]
    fn empty_geometry_has_the_empty_flag_and_no_envelope() {
        let blob = encode(
            &GeometryValue::MultiPolygon {
                coordinates: vec![],
            },
            4326,
        );
        assert_eq!(blob[3], 0b0001_0001);
        assert_eq!(&blob[8..], &[1, 6, 0, 0, 0, 0, 0, 0, 0]);
    }
}
