//! Repeat addresses: requests grouped by normalized address, kept when a place has at least
//! `min_requests` of them. Pure (the address normalizer is a pure function too).
//!
//! **Key.** An address is parsed with [`crate::geocode::parse_address`] (USPS Publication 28)
//! and keyed by house number (with its letter and ½, the low end of a range) plus the
//! normalized street key; units, city, state and ZIP are dropped, so `1234 N Broad Street
//! Apt 2` and `1234 N BROAD ST` meet. A block (`2100 BLOCK S BROAD ST`) keys as that block,
//! an intersection as its two streets in sorted order. A request without an address, or whose
//! address does not parse or names only a street, is keyed by its location rounded to
//! 1e-5° (about 1 m), so reports from the same point still meet.
//!
//! **Ranking** (first = most to look at): more *recurring* types (types with at least two
//! requests at the place: the vacant property that keeps drawing dumping, graffiti and
//! rodent complaints), then more requests, then more distinct types, then more overdue,
//! then the key. Counting recurring rather than distinct types keeps a busy corner with one
//! request each of many unrelated types below a true nuisance property.

use std::collections::HashMap;

use crate::analysis::AnalysisError;
use crate::geocode::{parse_address, ParsedAddress, StreetAddress};

/// Default minimum number of requests at a place to report it.
pub const DEFAULT_MIN_REQUESTS: usize = 3;

/// One request as the repeat analysis sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepeatInput<'a> {
    /// The address as given.
    pub address: Option<&'a str>,
    pub lon: f64,
    pub lat: f64,
    /// Caller's id of the request's type (e.g. an index into a list of service codes).
    pub type_id: usize,
    /// Unix seconds.
    pub requested: Option<i64>,
    pub open: bool,
    pub overdue: bool,
}

/// The canonical place of an address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlaceKey {
    /// Matching key (`A|1234|N|BROAD|ST||`, `B|2100|S|BROAD|ST||`, `X|...&...`, `P|lat,lon`).
    pub key: String,
    /// Normalized address for display (`1234 N BROAD ST`); `None` for a location key.
    pub address: Option<String>,
}

fn number_text(a: &StreetAddress) -> String {
    let mut s = a.number.to_string();
    if let Some(l) = &a.number_suffix {
        s.push_str(l);
    }
    if a.half {
        s.push_str(" 1/2");
    }
    s
}

/// The place key of an address, `None` when it has none usable (missing, unparseable or
/// a bare street name); callers then key by location ([`location_key`]).
pub fn address_key(address: &str) -> Option<PlaceKey> {
    match parse_address(address).ok()? {
        ParsedAddress::Street(a) => {
            let n = number_text(&a);
            Some(PlaceKey {
                key: format!("A|{n}|{}", a.street.key()),
                address: Some(format!("{n} {}", a.street.full())),
            })
        }
        ParsedAddress::Block(a) => Some(PlaceKey {
            key: format!("B|{}|{}", a.number, a.street.key()),
            address: Some(format!("{} BLOCK {}", a.number, a.street.full())),
        }),
        ParsedAddress::Intersection(a, b) => {
            let (a, b) = if a.key() <= b.key() { (a, b) } else { (b, a) };
            Some(PlaceKey {
                key: format!("X|{}&{}", a.key(), b.key()),
                address: Some(format!("{} & {}", a.full(), b.full())),
            })
        }
        ParsedAddress::StreetOnly(_) => None,
    }
}

/// The place key of a bare location: lat/lon rounded to 1e-5°.
pub fn location_key(lon: f64, lat: f64) -> PlaceKey {
    // `+ 0.0` turns -0.0 into 0.0 so both sides of zero format alike
    let r = |v: f64| (v * 1e5).round() / 1e5 + 0.0;
    PlaceKey {
        key: format!("P|{:.5},{:.5}", r(lat), r(lon)),
        address: None,
    }
}

/// A place with repeated requests.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatGroup {
    pub place: PlaceKey,
    /// Mean position of the members.
    pub lon: f64,
    pub lat: f64,
    /// Indices into the input, in input order.
    pub members: Vec<usize>,
    /// `(type_id, requests)`, most requests first (then by type id).
    pub type_counts: Vec<(usize, usize)>,
    pub open: usize,
    pub overdue: usize,
    /// First and last `requested` time of the members (unix seconds).
    pub first: Option<i64>,
    pub last: Option<i64>,
}

impl RepeatGroup {
    /// Number of requests at the place.
    pub fn requests(&self) -> usize {
        self.members.len()
    }

    /// Number of distinct request types.
    pub fn distinct_types(&self) -> usize {
        self.type_counts.len()
    }

    /// Number of types with at least two requests at the place.
    pub fn recurring_types(&self) -> usize {
        self.type_counts.iter().filter(|(_, n)| *n >= 2).count()
    }
}

/// Groups requests by place and keeps places with at least `min_requests` (≥ 2), ranked
/// (see the module docs).
pub fn repeat_addresses(
    items: &[RepeatInput<'_>],
    min_requests: usize,
) -> Result<Vec<RepeatGroup>, AnalysisError> {
    if min_requests < 2 {
        return Err(AnalysisError::param(
            "min_requests",
            format!("must be at least 2 (a repeat needs two requests), got {min_requests}"),
        ));
    }
    for (i, it) in items.iter().enumerate() {
        crate::analysis::check_lon_lat(
            i,
            geo::Coord {
                x: it.lon,
                y: it.lat,
            },
        )?;
    }
    // Each distinct address string is parsed once.
    let mut parsed: HashMap<&str, Option<PlaceKey>> = HashMap::new();
    let mut groups: HashMap<PlaceKey, Vec<usize>> = HashMap::new();
    for (i, it) in items.iter().enumerate() {
        let by_address = it
            .address
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .and_then(|a| parsed.entry(a).or_insert_with(|| address_key(a)).clone());
        let place = by_address.unwrap_or_else(|| location_key(it.lon, it.lat));
        groups.entry(place).or_default().push(i);
    }
    let mut out: Vec<RepeatGroup> = groups
        .into_iter()
        .filter(|(_, m)| m.len() >= min_requests)
        .map(|(place, members)| {
            let mut types: HashMap<usize, usize> = HashMap::new();
            let (mut lon, mut lat) = (0.0, 0.0);
            let (mut open, mut overdue) = (0, 0);
            let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
            for &i in &members {
                let it = &items[i];
                *types.entry(it.type_id).or_default() += 1;
                lon += it.lon;
                lat += it.lat;
                open += usize::from(it.open);
                overdue += usize::from(it.overdue);
                if let Some(t) = it.requested {
                    first = Some(first.map_or(t, |f| f.min(t)));
                    last = Some(last.map_or(t, |l| l.max(t)));
                }
            }
            let mut type_counts: Vec<(usize, usize)> = types.into_iter().collect();
            type_counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let n = members.len() as f64;
            RepeatGroup {
                place,
                lon: lon / n,
                lat: lat / n,
                members,
                type_counts,
                open,
                overdue,
                first,
                last,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.recurring_types()
            .cmp(&a.recurring_types())
            .then(b.requests().cmp(&a.requests()))
            .then(b.distinct_types().cmp(&a.distinct_types()))
            .then(b.overdue.cmp(&a.overdue))
            .then_with(|| a.place.key.cmp(&b.place.key))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(address: Option<&str>, lon: f64, type_id: usize, t: i64) -> RepeatInput<'_> {
        RepeatInput {
            address,
            lon,
            lat: 40.0,
            type_id,
            requested: Some(t),
            open: t % 2 == 0,
            overdue: t % 4 == 0,
        }
    }

    #[test]
    fn keys_drop_units_and_spelling() {
        let a = address_key("1234 N Broad Street Apt 2").unwrap();
        let b = address_key("1234 NORTH BROAD ST, PHILADELPHIA, PA 19122").unwrap();
        let c = address_key("1234 n. broad st. #3").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.address.as_deref(), Some("1234 N BROAD ST"));
        assert_ne!(a, address_key("1236 N Broad St").unwrap());
        assert_ne!(a, address_key("1234 S Broad St").unwrap());
        assert_ne!(a, address_key("1234A N Broad St").unwrap());
        // blocks and intersections
        let blk = address_key("2100 BLOCK S BROAD ST").unwrap();
        assert_eq!(blk.address.as_deref(), Some("2100 BLOCK S BROAD ST"));
        assert_ne!(blk, address_key("2100 S BROAD ST").unwrap());
        assert_eq!(
            address_key("N 12th St & Market St"),
            address_key("market street and north 12th street")
        );
        // a bare street is no place
        assert_eq!(address_key("Market St"), None);
        assert_eq!(address_key(""), None);
    }

    #[test]
    fn location_keys_round_to_a_metre() {
        assert_eq!(
            location_key(-75.123_451, 39.999_991),
            location_key(-75.123_449, 39.999_994)
        );
        assert_ne!(location_key(-75.12345, 40.0), location_key(-75.12347, 40.0));
        assert_eq!(location_key(-0.000_001, 0.0), location_key(0.000_001, 0.0));
    }

    #[test]
    fn groups_counts_and_ranking() {
        let items = [
            // place A: 3 requests, 3 types
            item(Some("10 Main St"), -75.0, 0, 4),
            item(Some("10 MAIN STREET UNIT 2"), -75.0002, 1, 1),
            item(Some("10 main st."), -75.0001, 2, 9),
            // place B: 4 requests, 1 type
            item(Some("20 Main St"), -75.1, 0, 2),
            item(Some("20 Main St"), -75.1, 0, 3),
            item(Some("20 Main St"), -75.1, 0, 5),
            item(Some("20 Main St"), -75.1, 0, 7),
            // place C (no address): 3 at one point, 2 types
            item(None, -75.2, 0, 8),
            item(Some("  "), -75.2, 1, 12),
            item(Some("Main St"), -75.200_001, 1, 16),
            // place D: only 2
            item(Some("30 Main St"), -75.3, 0, 1),
            item(Some("30 Main St"), -75.3, 1, 1),
        ];
        let g = repeat_addresses(&items, 3).unwrap();
        assert_eq!(g.len(), 3);
        // B (1 recurring type, 4 requests), C (1 recurring, 3), A (3 types, none recurring)
        assert_eq!(g[0].place.address.as_deref(), Some("20 MAIN ST"));
        assert_eq!(g[0].requests(), 4);
        assert_eq!((g[0].distinct_types(), g[0].recurring_types()), (1, 1));
        assert_eq!((g[0].open, g[0].overdue), (1, 0));
        assert_eq!(g[1].place.address, None);
        assert_eq!(g[1].members, vec![7, 8, 9]);
        assert_eq!(g[1].type_counts, vec![(1, 2), (0, 1)]);
        assert_eq!((g[1].open, g[1].overdue), (3, 3));
        assert_eq!(g[2].place.address.as_deref(), Some("10 MAIN ST"));
        assert_eq!(g[2].members, vec![0, 1, 2]);
        assert_eq!(g[2].type_counts, vec![(0, 1), (1, 1), (2, 1)]);
        assert_eq!((g[2].first, g[2].last), (Some(1), Some(9)));
        assert_eq!((g[2].open, g[2].overdue), (1, 1));
        assert_eq!(g[2].recurring_types(), 0);
        assert!((g[2].lon + 75.0001).abs() < 1e-12);
        // with min 2, D (2 requests, none recurring) comes last
        let g2 = repeat_addresses(&items, 2).unwrap();
        assert_eq!(g2.len(), 4);
        assert_eq!(g2[3].place.address.as_deref(), Some("30 MAIN ST"));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(
            repeat_addresses(&[], 1),
            Err(AnalysisError::InvalidParameter {
                name: "min_requests",
                ..
            })
        ));
        let bad = [item(None, f64::NAN, 0, 0)];
        assert!(matches!(
            repeat_addresses(&bad, 2),
            Err(AnalysisError::InvalidInput(_))
        ));
        assert!(repeat_addresses(&[], 2).unwrap().is_empty());
    }
}
