//! Forward geocoding: a parsed address to points. A numbered address is an address point
//! when one exists, else interpolated along the centerline segment whose range and parity
//! hold the number; a block is the middle of its segment; an intersection is where the two
//! centerlines cross or meet. Street names are matched by [`matcher::resolve`].

use std::fmt;

use serde::Serialize;

use super::geometry::{self, Xy};
use super::matcher::{self, StreetHit};
use super::reference::{Reference, Segment};
use super::{ParsedAddress, StreetAddress, StreetName};

/// Score of an interpolated address (an address point scores 1).
const INTERPOLATED: f64 = 0.95;
/// Score of a block's middle.
const BLOCK: f64 = 0.9;
/// Score of an intersection.
const INTERSECTION: f64 = 0.95;
/// Score lost when the match lies in another ZIP code than the one asked for.
const OTHER_ZIP: f64 = 0.1;
/// Results closer than this are one place, metres.
const SAME_PLACE_M: f64 = 60.0;
/// Two places whose scores differ by less than this are an unresolved ambiguity.
const TIE: f64 = 0.05;
/// Highest score of an ambiguous best result: below [`super::ACCEPT_SCORE`].
const AMBIGUOUS_SCORE: f64 = 0.5;
/// Centerlines that pass within this distance meet, metres (for streets that stop short).
const NEAR_MISS_M: f64 = 25.0;
/// Score lost when `12 1/2` is placed on the point of `12`.
const MISSING_HALF: f64 = 0.05;
/// Suggestions given when nothing matches.
const SUGGESTIONS: usize = 3;

/// How a result was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchType {
    /// An address point with this number on this street.
    Exact,
    /// Interpolated along the street's centerline from its house-number range.
    Interpolated,
    /// The middle of a block (`2100 BLOCK S BROAD ST`).
    Block,
    /// Where two streets meet.
    Intersection,
    /// The street name matched only approximately (a typo, another suffix or directional).
    Fuzzy,
}

impl MatchType {
    /// `exact`, `interpolated`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Exact => "exact",
            MatchType::Interpolated => "interpolated",
            MatchType::Block => "block",
            MatchType::Intersection => "intersection",
            MatchType::Fuzzy => "fuzzy",
        }
    }
}

impl fmt::Display for MatchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One located place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub match_type: MatchType,
    /// 0 to 1: 1 for an address point matched as written.
    pub score: f64,
    /// The normalized address of the place found: `1234 N 5TH ST`, `N 5TH ST & MARKET ST`.
    pub matched_address: String,
    pub lat: f64,
    pub lon: f64,
    /// ZIP code of the place, when the reference knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
    #[serde(skip)]
    xy: Xy,
}

/// The answer to one query: the best match, if any, and the other candidates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Geocoded {
    pub query: String,
    /// The query as the normalizer read it, when it could.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best: Option<Match>,
    /// True when other places fit the query as well as the best (its score is then lowered).
    pub ambiguous: bool,
    /// Other places the query may mean, or suggestions when nothing matched; best first.
    pub candidates: Vec<Match>,
    /// Why nothing matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Geocoded {
    /// A query that located nothing.
    pub fn not_found(query: &str, reason: impl Into<String>) -> Geocoded {
        Geocoded {
            query: query.to_string(),
            normalized: None,
            best: None,
            ambiguous: false,
            candidates: Vec::new(),
            reason: Some(reason.into()),
        }
    }

    /// The best match when its score reaches `min_score`.
    pub fn accepted(&self, min_score: f64) -> Option<&Match> {
        self.best.as_ref().filter(|m| m.score >= min_score)
    }

    /// The best match and the candidates, as `ADDRESS (score)` for messages.
    pub fn describe_candidates(&self, limit: usize) -> String {
        let list: Vec<String> = self
            .best
            .iter()
            .chain(&self.candidates)
            .take(limit)
            .map(|m| format!("{} ({:.2})", m.matched_address, m.score))
            .collect();
        if list.is_empty() {
            "none".into()
        } else {
            list.join("; ")
        }
    }
}

/// Locates a parsed address; `zip` (five digits) narrows the search.
pub fn locate(reference: &Reference, parsed: &ParsedAddress, zip: Option<u32>) -> Geocoded {
    let mut found = Found {
        reference,
        zip,
        matches: Vec::new(),
    };
    let reason = match parsed {
        ParsedAddress::Street(a) => found.numbered(a),
        ParsedAddress::Block(a) => found.block(a),
        ParsedAddress::Intersection(a, b) => found.intersection(a, b),
        ParsedAddress::StreetOnly(s) => Err(format!(
            "{s} has no house number or cross street to place it on"
        )),
    };
    let mut out = found.finish(reason.err());
    out.normalized = Some(parsed.to_string());
    if out.best.is_none() {
        out.candidates = suggestions(reference, parsed, zip);
    }
    out
}

/// Matches gathered for one query.
struct Found<'r> {
    reference: &'r Reference,
    zip: Option<u32>,
    matches: Vec<Match>,
}

impl Found<'_> {
    fn push(&mut self, kind: MatchType, score: f64, address: String, xy: Xy, zip: Option<u32>) {
        let zip_penalty = match (self.zip, zip) {
            (Some(a), Some(b)) if a != b => OTHER_ZIP,
            _ => 0.0,
        };
        let (lon, lat) = self.reference.frame.to_lon_lat(xy);
        self.matches.push(Match {
            match_type: kind,
            score: round3((score - zip_penalty).clamp(0.0, 1.0)),
            matched_address: address,
            lat: round6(lat),
            lon: round6(lon),
            zipcode: zip.map(|z| format!("{z:05}")),
            xy,
        });
    }

    fn hits(&self, name: &StreetName) -> Result<Vec<StreetHit>, String> {
        let hits = matcher::resolve(self.reference, name);
        if hits.is_empty() {
            Err(format!("no street named {name} in the reference data"))
        } else {
            Ok(hits)
        }
    }

    /// `1234 N 5TH ST`: an address point, else interpolation.
    fn numbered(&mut self, a: &StreetAddress) -> Result<(), String> {
        let hits = self.hits(&a.street)?;
        for hit in &hits {
            let located =
                self.address_point(hit, a.number, a.half, 0.0) || self.interpolate(hit, a.number);
            // `12 1/2` where only `12` is known
            if !located && a.half {
                self.address_point(hit, a.number, false, MISSING_HALF);
            }
        }
        if self.matches.is_empty() {
            let street = &self.reference.streets[hits[0].street as usize].full;
            return Err(format!("{street} has no house number {}", a.number));
        }
        Ok(())
    }

    fn address_point(&mut self, hit: &StreetHit, number: u32, half: bool, penalty: f64) -> bool {
        let r = self.reference;
        let street = &r.streets[hit.street as usize];
        let points = &street.points;
        let start = points.partition_point(|&i| {
            let p = &r.points[i as usize];
            (p.number, p.half) < (number, half)
        });
        let same = points[start..].iter().take_while(|&&i| {
            let p = &r.points[i as usize];
            (p.number, p.half) == (number, half)
        });
        // the one in the asked ZIP code, else the first
        let mut chosen = None;
        for &i in same {
            let p = &r.points[i as usize];
            if chosen.is_none() || (self.zip.is_some() && p.zip == self.zip) {
                chosen = Some(p);
            }
        }
        let Some(p) = chosen else { return false };
        let kind = if hit.fuzzy {
            MatchType::Fuzzy
        } else {
            MatchType::Exact
        };
        let half = if p.half { " 1/2" } else { "" };
        let address = format!("{}{half} {}", p.number, street.full);
        self.push(kind, 1.0 - hit.penalty - penalty, address, p.xy, p.zip);
        true
    }

    fn interpolate(&mut self, hit: &StreetHit, number: u32) -> bool {
        let r = self.reference;
        let street = &r.streets[hit.street as usize];
        let mut best: Option<(&Segment, f64, Xy, Option<u32>)> = None;
        for &si in &street.segments {
            let seg = &r.segments[si as usize];
            for (side, sign) in seg.sides().filter(|(s, _)| s.contains(number)) {
                let in_zip = self.zip.is_none() || side.zip == self.zip;
                if best.is_some() && !in_zip {
                    continue;
                }
                let m = side.measure_of(f64::from(number));
                let xy = geometry::point_along(&seg.line, &seg.cum, m, sign * side.offset);
                best = Some((seg, m, xy, side.zip));
                if in_zip {
                    break;
                }
            }
        }
        if let Some((_, _, xy, zip)) = best {
            let kind = if hit.fuzzy {
                MatchType::Fuzzy
            } else {
                MatchType::Interpolated
            };
            let address = format!("{number} {}", street.full);
            self.push(kind, INTERPOLATED - hit.penalty, address, xy, zip);
            return true;
        }
        false
    }

    /// `2100 BLOCK S BROAD ST`: the middle of the segment holding the block, else the
    /// centre of the block's address points.
    fn block(&mut self, a: &StreetAddress) -> Result<(), String> {
        let hits = self.hits(&a.street)?;
        let lo = a.number / 100 * 100;
        let hi = lo + 99;
        for hit in &hits {
            if let Some((xy, zip)) = self.block_middle(hit.street, lo, hi) {
                let kind = if hit.fuzzy {
                    MatchType::Fuzzy
                } else {
                    MatchType::Block
                };
                let street = &self.reference.streets[hit.street as usize].full;
                let address = format!("{lo} BLOCK {street}");
                self.push(kind, BLOCK - hit.penalty, address, xy, zip);
            }
        }
        if self.matches.is_empty() {
            let street = &self.reference.streets[hits[0].street as usize].full;
            return Err(format!("{street} has no {lo} block"));
        }
        Ok(())
    }

    fn block_middle(&self, street: u32, lo: u32, hi: u32) -> Option<(Xy, Option<u32>)> {
        let r = self.reference;
        let s = &r.streets[street as usize];
        let centre = f64::from(lo + hi) / 2.0;
        let mut best: Option<(f64, Xy, Option<u32>)> = None;
        for &si in &s.segments {
            let seg = &r.segments[si as usize];
            for (side, _) in seg.sides().filter(|(s, _)| s.overlaps(lo, hi)) {
                let miss = (f64::from(side.from + side.to) / 2.0 - centre).abs();
                if best.is_none_or(|b| miss < b.0) {
                    let mid = geometry::point_along(&seg.line, &seg.cum, seg.length() / 2.0, 0.0);
                    best = Some((miss, mid, side.zip));
                }
            }
        }
        if let Some((_, xy, zip)) = best {
            return Some((xy, zip));
        }
        let points: Vec<_> = s
            .points
            .iter()
            .map(|&i| &r.points[i as usize])
            .filter(|p| (lo..=hi).contains(&p.number))
            .collect();
        let n = points.len() as f64;
        (n > 0.0).then(|| {
            let x = points.iter().map(|p| p.xy[0]).sum::<f64>() / n;
            let y = points.iter().map(|p| p.xy[1]).sum::<f64>() / n;
            ([x, y], points[0].zip)
        })
    }

    /// `A & B`: where the two streets' centerlines cross or share a node, else where they
    /// come within [`NEAR_MISS_M`].
    fn intersection(&mut self, a: &StreetName, b: &StreetName) -> Result<(), String> {
        let (ha, hb) = (self.hits(a)?, self.hits(b)?);
        let mut near_misses = Vec::new();
        for x in &ha {
            for y in &hb {
                if x.street == y.street {
                    continue;
                }
                let (points, near) = self.crossings(x.street, y.street);
                let r = self.reference;
                let name = format!(
                    "{} & {}",
                    r.streets[x.street as usize].full, r.streets[y.street as usize].full
                );
                let kind = if x.fuzzy || y.fuzzy {
                    MatchType::Fuzzy
                } else {
                    MatchType::Intersection
                };
                let score = INTERSECTION - x.penalty - y.penalty;
                for p in points {
                    self.push(kind, score, name.clone(), p, None);
                }
                if let Some((d, p)) = near {
                    near_misses.push((d, kind, score, name, p));
                }
            }
        }
        if self.matches.is_empty() {
            near_misses.sort_by(|a, b| a.0.total_cmp(&b.0));
            let Some((_, kind, score, name, p)) = near_misses.into_iter().next() else {
                return Err(format!("{a} and {b} do not meet in the reference data"));
            };
            self.push(kind, score - 0.05, name, p, None);
        }
        Ok(())
    }

    /// Crossing points of two streets, and their closest approach within [`NEAR_MISS_M`].
    fn crossings(&self, a: u32, b: u32) -> (Vec<Xy>, Option<(f64, Xy)>) {
        let r = self.reference;
        let (sa, sb) = (&r.streets[a as usize], &r.streets[b as usize]);
        let mut points: Vec<Xy> = Vec::new();
        let mut near: Option<(f64, Xy)> = None;
        for &i in &sa.segments {
            let s = &r.segments[i as usize];
            for &j in &sb.segments {
                let t = &r.segments[j as usize];
                if !geometry::bounds_touch(&s.bounds, &t.bounds, NEAR_MISS_M) {
                    continue;
                }
                for p in geometry::line_crossings(&s.line, &t.line) {
                    if !points.iter().any(|q| geometry::dist(*q, p) < 1.0) {
                        points.push(p);
                    }
                }
                near = closest_ends(s, t)
                    .filter(|c| near.is_none_or(|n| c.0 < n.0))
                    .or(near);
            }
        }
        (points, near.filter(|n| n.0 <= NEAR_MISS_M))
    }

    /// Sorts, merges matches at one place, and flags ties between distinct places.
    fn finish(self, reason: Option<String>) -> Geocoded {
        let mut matches = self.matches;
        matches.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut kept: Vec<Match> = Vec::with_capacity(matches.len());
        for m in matches {
            if !kept
                .iter()
                .any(|k| geometry::dist(k.xy, m.xy) < SAME_PLACE_M)
            {
                kept.push(m);
            }
        }
        let mut kept = kept.into_iter();
        let mut best = kept.next();
        let candidates: Vec<Match> = kept.collect();
        let ambiguous = match (&mut best, candidates.first()) {
            (Some(b), Some(c)) if b.score - c.score < TIE => {
                b.score = b.score.min(AMBIGUOUS_SCORE);
                true
            }
            _ => false,
        };
        Geocoded {
            query: String::new(),
            normalized: None,
            reason: if best.is_none() { reason } else { None },
            best,
            ambiguous,
            candidates,
        }
    }
}

/// The closest pair of end points of two segments: (distance, midpoint).
fn closest_ends(s: &Segment, t: &Segment) -> Option<(f64, Xy)> {
    let ends = |g: &Segment| [g.line[0], g.line[g.line.len() - 1]];
    let mut best: Option<(f64, Xy)> = None;
    for p in ends(s) {
        for q in &t.line {
            let d = geometry::dist(p, *q);
            if best.is_none_or(|b| d < b.0) {
                best = Some((d, [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0]));
            }
        }
    }
    for q in ends(t) {
        let pr = geometry::project(&s.line, &s.cum, q);
        let d = pr.offset.abs();
        if best.is_none_or(|b| d < b.0) {
            best = Some((d, pr.closest));
        }
    }
    best
}

/// Streets like the query's (with the number placed on them when possible), for a query
/// that matched nothing. Scores stay below the acceptance threshold.
fn suggestions(reference: &Reference, parsed: &ParsedAddress, zip: Option<u32>) -> Vec<Match> {
    let (name, number) = match parsed {
        ParsedAddress::Street(a) | ParsedAddress::Block(a) => (&a.street, Some(a.number)),
        ParsedAddress::Intersection(a, _) => (a, None),
        ParsedAddress::StreetOnly(s) => (s, None),
    };
    let mut found = Found {
        reference,
        zip,
        matches: Vec::new(),
    };
    for (street, similarity) in matcher::similar(reference, name, SUGGESTIONS) {
        let hit = StreetHit {
            street,
            penalty: 0.0,
            fuzzy: true,
        };
        let before = found.matches.len();
        if let Some(n) = number {
            if !found.address_point(&hit, n, false, 0.0) {
                found.interpolate(&hit, n);
            }
        }
        if found.matches.len() == before {
            if let Some(xy) = street_middle(reference, street) {
                let full = reference.streets[street as usize].full.clone();
                found.push(MatchType::Fuzzy, 1.0, full, xy, None);
            }
        }
        for m in &mut found.matches[before..] {
            m.score = round3(similarity * 0.5);
        }
    }
    found.matches
}

/// A point in the middle of a street: its middle segment's midpoint, else its middle point.
fn street_middle(reference: &Reference, street: u32) -> Option<Xy> {
    let s = &reference.streets[street as usize];
    if let Some(&si) = s.segments.get(s.segments.len() / 2) {
        let seg = &reference.segments[si as usize];
        return Some(geometry::point_along(
            &seg.line,
            &seg.cum,
            seg.length() / 2.0,
            0.0,
        ));
    }
    s.points
        .get(s.points.len() / 2)
        .map(|&i| reference.points[i as usize].xy)
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn round3(v: f64) -> f64 {
    (v * 1e3).round() / 1e3
}
