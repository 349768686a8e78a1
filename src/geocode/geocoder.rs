//! The geocoder of a city: its reference data with the indexes forward and reverse
//! geocoding need, built once from the config and shared read-only.

use std::path::{Path, PathBuf};

use super::forward::{self, Geocoded};
use super::reference::{parse_zip, Reference, ReferenceError};
use super::reverse::{Reverse, ReverseIndex};
use super::{parse_address, MAX_INPUT_LEN};
use crate::config::Config;

/// Lowest score of a result that intake accepts as the location of a request.
pub const ACCEPT_SCORE: f64 = 0.6;

/// Forward and reverse geocoding over one city's reference data.
pub struct Geocoder {
    reference: Reference,
    reverse: ReverseIndex,
}

impl std::fmt::Debug for Geocoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Geocoder")
            .field("streets", &self.reference.streets.len())
            .field("points", &self.reference.points.len())
            .field("segments", &self.reference.segments.len())
            .finish()
    }
}

impl Geocoder {
    /// The config's `addresses` and `streets`; `None` when it names neither.
    pub fn from_config(config: &Config) -> Result<Option<Geocoder>, ReferenceError> {
        Geocoder::from_files(&config.addresses, config.streets.as_deref())
    }

    /// Address point files and a centerline file; `None` when there are neither.
    pub fn from_files(
        addresses: &[PathBuf],
        streets: Option<&Path>,
    ) -> Result<Option<Geocoder>, ReferenceError> {
        if addresses.is_empty() && streets.is_none() {
            return Ok(None);
        }
        Ok(Some(Geocoder::new(Reference::load(addresses, streets)?)))
    }

    /// Indexes a loaded reference.
    pub fn new(reference: Reference) -> Geocoder {
        Geocoder {
            reverse: ReverseIndex::build(&reference),
            reference,
        }
    }

    /// The reference data.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }

    /// Locates free-form address text; `zipcode` (else a ZIP in the text) narrows the search.
    pub fn geocode(&self, query: &str, zipcode: Option<&str>) -> Geocoded {
        if query.len() > MAX_INPUT_LEN {
            return Geocoded::not_found(
                query,
                format!("longer than {MAX_INPUT_LEN} bytes: not an address"),
            );
        }
        let parsed = match parse_address(query) {
            Ok(p) => p,
            Err(e) => return Geocoded::not_found(query, e.to_string()),
        };
        let text_zip = match &parsed {
            super::ParsedAddress::Street(a) | super::ParsedAddress::Block(a) => {
                a.zipcode.as_deref().and_then(parse_zip)
            }
            _ => None,
        };
        let zip = zipcode.and_then(parse_zip).or(text_zip);
        let mut out = forward::locate(&self.reference, &parsed, zip);
        out.query = query.to_string();
        out
    }

    /// The nearest address point and street segment to `(lon, lat)`.
    pub fn reverse(&self, lon: f64, lat: f64) -> Option<Reverse> {
        self.reverse.reverse(&self.reference, lon, lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geocode::forward::MatchType;
    use crate::projection::haversine_m;

    /// A small town in the local frame around (-75.4, 39.985): BROAD ST runs north (x = 0,
    /// y 0..200, two segments), MARKET ST east (y = 0, x 0..300), a diagonal RIDGE AVE that
    /// crosses BROAD ST mid-segment, and N/S 5TH ST in two ZIP codes.
    fn town() -> (tempfile::TempDir, Geocoder) {
        let dir = tempfile::tempdir().unwrap();
        let f = frame();
        let ll = |x: f64, y: f64| {
            let (lon, lat) = f.to_lon_lat([x, y]);
            format!("[{lon},{lat}]")
        };
        let seg = |name: &str,
                   a: (f64, f64),
                   b: (f64, f64),
                   l: (u32, u32),
                   r: (u32, u32),
                   zip: &str| {
            format!(
                r#"{{"type":"Feature","geometry":{{"type":"LineString","coordinates":[{},{}]}},
                "properties":{{"FULLNAME":"{name}","LFROMADD":{},"LTOADD":{},"RFROMADD":{},"RTOADD":{},"ZIPL":"{zip}","ZIPR":"{zip}"}}}}"#,
                ll(a.0, a.1),
                ll(b.0, b.1),
                l.0,
                l.1,
                r.0,
                r.1
            )
        };
        let features = [
            seg(
                "N BROAD ST",
                (0.0, 0.0),
                (0.0, 100.0),
                (100, 198),
                (101, 199),
                "19107",
            ),
            seg(
                "N BROAD ST",
                (0.0, 100.0),
                (0.0, 200.0),
                (200, 298),
                (201, 299),
                "19107",
            ),
            seg(
                "MARKET ST",
                (300.0, 0.0),
                (0.0, 0.0),
                (100, 198),
                (101, 199),
                "19107",
            ),
            seg(
                "RIDGE AVE",
                (-50.0, 50.0),
                (50.0, 150.0),
                (100, 198),
                (101, 199),
                "19107",
            ),
            seg(
                "N 5TH ST",
                (1000.0, 0.0),
                (1000.0, 100.0),
                (100, 198),
                (101, 199),
                "19106",
            ),
            seg(
                "S 5TH ST",
                (1000.0, -2000.0),
                (1000.0, -2100.0),
                (100, 198),
                (101, 199),
                "19147",
            ),
        ];
        let streets = dir.path().join("streets.geojson");
        std::fs::write(
            &streets,
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
        // one address point: 150 N BROAD ST, 12 m west (left) of BROAD at y = 60
        let (lon, lat) = f.to_lon_lat([-12.0, 60.0]);
        let addresses = dir.path().join("addresses.csv");
        std::fs::write(
            &addresses,
            format!("LON,LAT,NUMBER,STREET,POSTCODE\n{lon},{lat},150,N BROAD ST,19107\n"),
        )
        .unwrap();
        let g = Geocoder::from_files(&[addresses], Some(&streets))
            .unwrap()
            .unwrap();
        (dir, g)
    }

    /// The test's own frame (the reference centres its frame on the data).
    fn frame() -> super::super::geometry::Frame {
        super::super::geometry::Frame::new(-75.4, 39.985)
    }

    fn xy(_g: &Geocoder, m: &forward::Match) -> [f64; 2] {
        frame().to_xy(m.lon, m.lat)
    }

    fn near(a: [f64; 2], b: [f64; 2], tol: f64) -> bool {
        (a[0] - b[0]).hypot(a[1] - b[1]) <= tol
    }

    #[test]
    fn exact_point_and_interpolation() {
        let (_d, g) = town();
        let r = g.geocode("150 North Broad Street, Riverton PA 19107", None);
        let best = r.best.unwrap();
        assert_eq!(best.match_type, MatchType::Exact);
        assert_eq!(
            (best.score, best.matched_address.as_str()),
            (1.0, "150 N BROAD ST")
        );
        // 250 is half-way along the second segment, on the left (west), at the default offset
        let r = g.geocode("250 N Broad St", None).best.unwrap();
        assert_eq!(r.match_type, MatchType::Interpolated);
        assert!(near(xy(&g, &r), [-10.0, 151.02], 0.5), "{:?}", xy(&g, &r));
        // odd numbers on the right (east)
        let r = g.geocode("251 N Broad St", None).best.unwrap();
        assert!(near(xy(&g, &r), [10.0, 151.02], 0.5), "{:?}", xy(&g, &r));
        // on the first segment the address point calibrates: 150 at y = 60, 100 at y = 0,
        // so 124 lies at y = 28.8, with the point's 12 m setback
        let r = g.geocode("124 N Broad St", None).best.unwrap();
        assert!(near(xy(&g, &r), [-12.0, 28.8], 0.5), "{:?}", xy(&g, &r));
        // ranges use the first number
        let r = g.geocode("250-54 N Broad St", None).best.unwrap();
        assert!(near(xy(&g, &r), [-10.0, 151.02], 0.5));
        // outside every range
        let r = g.geocode("900 N Broad St", None);
        assert!(r.best.is_none() && r.reason.unwrap().contains("900"));
    }

    #[test]
    fn blocks_and_intersections() {
        let (_d, g) = town();
        let r = g.geocode("200 BLOCK N BROAD ST", None).best.unwrap();
        assert_eq!(r.match_type, MatchType::Block);
        assert_eq!(r.matched_address, "200 BLOCK N BROAD ST");
        assert!(near(xy(&g, &r), [0.0, 150.0], 0.5), "{:?}", xy(&g, &r));
        // shared node
        let r = g.geocode("Broad & Market", None).best.unwrap();
        assert_eq!(r.match_type, MatchType::Intersection);
        assert!(near(xy(&g, &r), [0.0, 0.0], 0.5), "{:?}", xy(&g, &r));
        // a real crossing in the middle of BROAD ST's segment
        let r = g.geocode("Ridge Ave and N Broad St", None).best.unwrap();
        assert!(near(xy(&g, &r), [0.0, 100.0], 0.5), "{:?}", xy(&g, &r));
        assert_eq!(r.matched_address, "RIDGE AVE & N BROAD ST");
        // streets that do not meet
        let r = g.geocode("5th St at Market St", None);
        assert!(r.best.is_none(), "{r:?}");
    }

    #[test]
    fn fuzzy_zip_and_ambiguity() {
        let (_d, g) = town();
        let r = g.geocode("251 N Brod St", None).best.unwrap();
        assert_eq!(r.match_type, MatchType::Fuzzy);
        assert!(r.score < 0.95 && r.score >= ACCEPT_SCORE, "{}", r.score);
        // 5TH ST without a directional: north or south
        let r = g.geocode("150 5th St", None);
        assert!(r.ambiguous && r.accepted(ACCEPT_SCORE).is_none(), "{r:?}");
        assert_eq!(r.candidates.len(), 1);
        // a ZIP code resolves it, given in the text or apart
        for r in [
            g.geocode("150 5th St 19147", None),
            g.geocode("150 5th St", Some("19147")),
        ] {
            assert!(!r.ambiguous, "{r:?}");
            let best = r.accepted(ACCEPT_SCORE).unwrap();
            assert_eq!(best.matched_address, "150 S 5TH ST");
            assert_eq!(best.zipcode.as_deref(), Some("19147"));
        }
        let r = g.geocode("150 Wallnut Street", None);
        assert!(r.best.is_none() && r.reason.is_some());
        let r = g.geocode("", None);
        assert!(r.best.is_none());
    }

    #[test]
    fn suggestions_when_nothing_matches() {
        let (_d, g) = town();
        let r = g.geocode("150 Boardd Lane", None);
        assert!(r.best.is_none());
        assert!(
            r.candidates
                .iter()
                .any(|c| c.matched_address.contains("BROAD")),
            "{r:?}"
        );
        assert!(r.candidates.iter().all(|c| c.score < ACCEPT_SCORE));
    }

    #[test]
    fn reverse_finds_point_and_segment_side() {
        let (_d, g) = town();
        let f = frame();
        // right next to the address point
        let (lon, lat) = f.to_lon_lat([-13.0, 61.0]);
        let r = g.reverse(lon, lat).unwrap();
        assert_eq!(r.address, "150 N BROAD ST");
        assert!(r.distance_m < 2.0, "{r:?}");
        // east of BROAD at y = 150: odd side of the 200 block, half-way: 249 or 251
        let (lon, lat) = f.to_lon_lat([5.0, 150.0]);
        let r = g.reverse(lon, lat).unwrap();
        let s = r.nearest_street.unwrap();
        assert_eq!((s.street.as_str(), s.side), ("N BROAD ST", "right"));
        let n = s.house_number.unwrap();
        assert!(n % 2 == 1 && (249..=251).contains(&n), "{n}");
        assert!((s.distance_m - 5.0).abs() < 0.1, "{}", s.distance_m);
        assert_eq!(r.address, format!("{n} N BROAD ST"));
        let d = haversine_m(lon, lat, s.lon, s.lat);
        assert!((d - 5.0).abs() < 0.1);
    }
}
