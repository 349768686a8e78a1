//! Reference data of a city: address points (OpenAddresses CSV) and street centerlines with
//! house-number ranges (GeoJSON, TIGER-style fields), indexed by normalized street name.
//!
//! Every street name goes through [`normalize_street_name`], so reference streets and parsed
//! addresses meet on [`StreetName::key`].
//!
//! This module holds the loaded reference ([`Reference`]: streets, address points, segments)
//! and its lookups by street name. The rest is in submodules, re-exported here:
//! * `openaddresses`: reading address points from OpenAddresses CSV ([`parse_house_number`],
//!   [`parse_zip`]);
//! * `centerlines`: reading street centerlines from GeoJSON;
//! * `interpolation`: a segment [`Side`]'s house-number range and where its numbers lie,
//!   calibrated with the address points.

mod centerlines;
mod interpolation;
mod openaddresses;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::geometry::{self, Frame, Xy};
use super::{normalize_street_name, StreetName};
use centerlines::{Range, RawSegment};
use openaddresses::RawPoint;

pub use interpolation::{Side, DEFAULT_SIDE_OFFSET_M};
pub use openaddresses::{parse_house_number, parse_zip};

/// Why reference data could not be loaded. Always names the file, and the line or feature
/// and the field when one row is at fault.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: missing column {column} (OpenAddresses layout: LON,LAT,NUMBER,STREET,...)")]
    MissingColumn { path: PathBuf, column: &'static str },
    #[error("{path}: line {line}: {field}: {reason}")]
    Row {
        path: PathBuf,
        line: u64,
        field: String,
        reason: String,
    },
    #[error("{path}: feature {feature}: {field}: {reason}")]
    Feature {
        path: PathBuf,
        feature: usize,
        field: String,
        reason: String,
    },
    #[error("{path}: {reason}")]
    Format { path: PathBuf, reason: String },
}

/// A street of the reference: the normalized name and its points and segments.
#[derive(Debug, Clone)]
pub struct Street {
    pub name: StreetName,
    /// USPS form, e.g. `N 5TH ST`.
    pub full: String,
    /// The primary name without spaces (`SPRINGGARDEN`), for partial and fuzzy matching.
    pub bare: String,
    /// Address points, sorted by house number.
    pub points: Vec<u32>,
    /// Centerline segments.
    pub segments: Vec<u32>,
}

/// One address point.
#[derive(Debug, Clone)]
pub struct AddressPoint {
    pub lon: f64,
    pub lat: f64,
    pub xy: Xy,
    pub number: u32,
    /// `12 1/2`.
    pub half: bool,
    pub street: u32,
    pub zip: Option<u32>,
}

/// A centerline segment in the local frame.
#[derive(Debug, Clone)]
pub struct Segment {
    pub street: u32,
    /// The source's segment id (`SEG_ID`, `TLID`...), or the feature number.
    pub id: String,
    pub line: Vec<Xy>,
    pub cum: Vec<f64>,
    pub bounds: [f64; 4],
    pub left: Option<Side>,
    pub right: Option<Side>,
}

impl Segment {
    /// Length in metres.
    pub fn length(&self) -> f64 {
        self.cum.last().copied().unwrap_or(0.0)
    }

    /// The sides with a house-number range, left first, with the sign of their offset.
    pub fn sides(&self) -> impl Iterator<Item = (&Side, f64)> {
        [(self.left.as_ref(), 1.0), (self.right.as_ref(), -1.0)]
            .into_iter()
            .filter_map(|(s, sign)| s.map(|s| (s, sign)))
    }
}

/// The loaded reference of a city.
#[derive(Debug, Clone)]
pub struct Reference {
    pub frame: Frame,
    pub streets: Vec<Street>,
    pub points: Vec<AddressPoint>,
    pub segments: Vec<Segment>,
    by_key: HashMap<String, u32>,
    aliases: HashMap<String, Vec<u32>>,
    by_bare: HashMap<String, Vec<u32>>,
}

impl Reference {
    /// Loads address point files (OpenAddresses CSV layout) and an optional centerline file.
    pub fn load(
        addresses: &[PathBuf],
        streets: Option<&Path>,
    ) -> Result<Reference, ReferenceError> {
        let mut points = Vec::new();
        for path in addresses {
            openaddresses::read_points(path, &mut points)?;
        }
        let segments = match streets {
            Some(path) => centerlines::read_segments(path)?,
            None => Vec::new(),
        };
        Ok(Reference::build(points, segments))
    }

    fn build(raw_points: Vec<RawPoint>, raw_segments: Vec<RawSegment>) -> Reference {
        let frame = frame_of(&raw_points, &raw_segments);
        let mut r = Reference {
            frame,
            streets: Vec::new(),
            points: Vec::with_capacity(raw_points.len()),
            segments: Vec::with_capacity(raw_segments.len()),
            by_key: HashMap::new(),
            aliases: HashMap::new(),
            by_bare: HashMap::new(),
        };
        for s in raw_segments {
            r.add_segment(s);
        }
        for p in raw_points {
            let street = r.street_id(&p.street);
            r.streets[street as usize]
                .points
                .push(r.points.len() as u32);
            r.points.push(AddressPoint {
                lon: p.lon,
                lat: p.lat,
                xy: frame.to_xy(p.lon, p.lat),
                number: p.number,
                half: p.half,
                street,
                zip: p.zip,
            });
        }
        let points = &r.points;
        for s in &mut r.streets {
            s.points
                .sort_by_key(|&i| (points[i as usize].number, points[i as usize].half));
        }
        r.calibrate_sides();
        r
    }

    fn add_segment(&mut self, s: RawSegment) {
        let street = self.street_id(&s.street);
        let id = self.segments.len() as u32;
        self.streets[street as usize].segments.push(id);
        for alias in &s.aliases {
            let key = normalize_street_name(alias).key();
            if key != self.streets[street as usize].name.key() {
                let list = self.aliases.entry(key).or_default();
                if !list.contains(&street) {
                    list.push(street);
                }
            }
        }
        let line: Vec<Xy> = s
            .lon_lat
            .iter()
            .map(|p| self.frame.to_xy(p[0], p[1]))
            .collect();
        let cum = geometry::cumulative(&line);
        let side = |r: Option<Range>| {
            r.map(|(from, to, zip)| Side {
                from,
                to,
                zip,
                curve: Vec::new(),
                offset: DEFAULT_SIDE_OFFSET_M,
            })
        };
        self.segments.push(Segment {
            street,
            id: s.id,
            bounds: geometry::bounds(&line),
            line,
            cum,
            left: side(s.left),
            right: side(s.right),
        });
    }

    /// The id of a street by its (raw) name, adding it when new.
    fn street_id(&mut self, raw: &str) -> u32 {
        let name = normalize_street_name(raw);
        let key = name.key();
        if let Some(&id) = self.by_key.get(&key) {
            return id;
        }
        let id = self.streets.len() as u32;
        let bare: String = name.name.chars().filter(|c| *c != ' ').collect();
        self.by_bare.entry(bare.clone()).or_default().push(id);
        self.by_key.insert(key, id);
        self.streets.push(Street {
            full: name.full(),
            name,
            bare,
            points: Vec::new(),
            segments: Vec::new(),
        });
        id
    }

    /// The street with exactly this key.
    pub fn street_by_key(&self, key: &str) -> Option<u32> {
        self.by_key.get(key).copied()
    }

    /// Streets that have this key as an alias.
    pub fn streets_by_alias(&self, key: &str) -> &[u32] {
        self.aliases.get(key).map_or(&[], Vec::as_slice)
    }

    /// Streets whose primary name (without spaces) is `bare`.
    pub fn streets_by_bare(&self, bare: &str) -> &[u32] {
        self.by_bare.get(bare).map_or(&[], Vec::as_slice)
    }

    /// Every distinct bare name with its streets.
    pub fn bare_names(&self) -> impl Iterator<Item = (&str, &[u32])> {
        self.by_bare.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

/// A frame centred on the data's bounding box.
fn frame_of(points: &[RawPoint], segments: &[RawSegment]) -> Frame {
    let coords = points
        .iter()
        .map(|p| [p.lon, p.lat])
        .chain(segments.iter().flat_map(|s| s.lon_lat.iter().copied()));
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for [lon, lat] in coords {
        b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
    }
    if b[0].is_finite() {
        Frame::new((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
    } else {
        Frame::new(0.0, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn loads_and_names_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let good = write(
            dir.path(),
            "a.csv",
            "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH\n\
             -75.1,39.9,12 1/2,n fifth street,,,,,19107,,\n",
        );
        let lines = write(
            dir.path(),
            "s.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature",
               "geometry":{"type":"LineString","coordinates":[[-75.1,39.9],[-75.1,39.901]]},
               "properties":{"PREDIR":"N","NAME":"5th","SUFTYPE":"Street",
               "L_F_ADD":"2","L_T_ADD":"98","R_F_ADD":1,"R_T_ADD":99,"ALIAS":"Fifth Ave"}}]}"#,
        );
        let r = Reference::load(&[good], Some(&lines)).unwrap();
        assert_eq!(r.streets.len(), 1);
        assert_eq!(r.streets[0].full, "N 5TH ST");
        assert_eq!((r.points[0].number, r.points[0].half), (12, true));
        assert_eq!(r.points[0].zip, Some(19107));
        let seg = &r.segments[0];
        assert_eq!(seg.left.as_ref().map(|s| (s.from, s.to)), Some((2, 98)));
        assert!((seg.length() - 111.2).abs() < 0.5, "{}", seg.length());
        assert_eq!(r.streets_by_alias("|5TH|AVE||"), &[0]);

        let bad = write(
            dir.path(),
            "b.csv",
            "LON,LAT,NUMBER,STREET\n-75.1,39.9,1,A ST\n-75.1,39.9,x,B ST\n",
        );
        let e = Reference::load(&[bad], None).unwrap_err().to_string();
        assert!(
            e.contains("b.csv") && e.contains("line 3") && e.contains("NUMBER"),
            "{e}"
        );
        let no_col = write(dir.path(), "c.csv", "X,Y,NUMBER,STREET\n");
        let e = Reference::load(&[no_col], None).unwrap_err().to_string();
        assert!(e.contains("c.csv") && e.contains("LON"), "{e}");
        let bad_line = write(
            dir.path(),
            "t.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature",
               "geometry":{"type":"Point","coordinates":[-75.1,39.9]},
               "properties":{"FULLNAME":"A ST"}}]}"#,
        );
        let e = Reference::load(&[], Some(&bad_line))
            .unwrap_err()
            .to_string();
        assert!(e.contains("feature 0") && e.contains("geometry"), "{e}");
        let bad_range = write(
            dir.path(),
            "u.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature",
               "geometry":{"type":"LineString","coordinates":[[-75.1,39.9],[-75.1,39.901]]},
               "properties":{"FULLNAME":"A ST","LFROMADD":"abc","LTOADD":9}}]}"#,
        );
        let e = Reference::load(&[], Some(&bad_range))
            .unwrap_err()
            .to_string();
        assert!(e.contains("feature 0") && e.contains("LFROMADD"), "{e}");
    }
}
