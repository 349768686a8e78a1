//! Reference data of a city: address points (OpenAddresses CSV) and street centerlines with
//! house-number ranges (GeoJSON, TIGER-style fields), indexed by normalized street name.
//!
//! Every street name goes through [`normalize_street_name`], so reference streets and parsed
//! addresses meet on [`StreetName::key`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::geometry::{self, Frame, Xy};
use super::{normalize_street_name, StreetName};

/// Lateral distance of an interpolated address from the centerline when the side has no
/// address points to learn it from, metres.
pub const DEFAULT_SIDE_OFFSET_M: f64 = 10.0;
/// Address points farther than this from their street's segment are not used to calibrate it.
const MAX_ANCHOR_DISTANCE_M: f64 = 150.0;

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

/// One side of a segment: its house-number range and how numbers map to positions.
#[derive(Debug, Clone)]
pub struct Side {
    pub from: u32,
    pub to: u32,
    pub zip: Option<u32>,
    /// `(number, measure)` pairs sorted by number: the range ends and any address points on
    /// this side, so interpolation follows where houses really are.
    pub curve: Vec<(f64, f64)>,
    /// Distance of the houses from the centerline, metres.
    pub offset: f64,
}

impl Side {
    /// Whether `n` is in the range and has its parity (ranges with mixed-parity ends hold both).
    pub fn contains(&self, n: u32) -> bool {
        let (lo, hi) = (self.from.min(self.to), self.from.max(self.to));
        (lo..=hi).contains(&n) && (self.from % 2 != self.to % 2 || n % 2 == self.from % 2)
    }

    /// Whether the range shares a number with `lo..=hi`.
    pub fn overlaps(&self, lo: u32, hi: u32) -> bool {
        self.from.min(self.to) <= hi && self.from.max(self.to) >= lo
    }

    /// Measure (metres from the segment start) of house number `n`.
    pub fn measure_of(&self, n: f64) -> f64 {
        interpolate(&self.curve, n, |p| p.0, |p| p.1)
    }

    /// House number at `measure` metres from the segment start.
    pub fn number_at(&self, measure: f64) -> f64 {
        let mut by_measure = self.curve.clone();
        by_measure.sort_by(|a, b| a.1.total_cmp(&b.1));
        interpolate(&by_measure, measure, |p| p.1, |p| p.0)
    }
}

/// Piecewise-linear interpolation over `curve` sorted by `key`, clamped at the ends.
fn interpolate(
    curve: &[(f64, f64)],
    at: f64,
    key: impl Fn(&(f64, f64)) -> f64,
    value: impl Fn(&(f64, f64)) -> f64,
) -> f64 {
    let k = curve.partition_point(|p| key(p) < at);
    match (k.checked_sub(1).and_then(|i| curve.get(i)), curve.get(k)) {
        (Some(a), Some(b)) if key(b) > key(a) => {
            value(a) + (value(b) - value(a)) * (at - key(a)) / (key(b) - key(a))
        }
        (_, Some(b)) => value(b),
        (Some(a), None) => value(a),
        (None, None) => 0.0,
    }
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

/// A side's house-number range as read: (from, to, ZIP code).
type Range = (u32, u32, Option<u32>);

/// A point row before the frame is known.
struct RawPoint {
    lon: f64,
    lat: f64,
    number: u32,
    half: bool,
    street: String,
    zip: Option<u32>,
}

/// A centerline feature before the frame is known.
struct RawSegment {
    id: String,
    street: String,
    aliases: Vec<String>,
    lon_lat: Vec<[f64; 2]>,
    left: Option<Range>,
    right: Option<Range>,
}

impl Reference {
    /// Loads address point files (OpenAddresses CSV layout) and an optional centerline file.
    pub fn load(
        addresses: &[PathBuf],
        streets: Option<&Path>,
    ) -> Result<Reference, ReferenceError> {
        let mut points = Vec::new();
        for path in addresses {
            read_points(path, &mut points)?;
        }
        let segments = match streets {
            Some(path) => read_segments(path)?,
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

    /// Learns, per segment side, where its address points sit (measure and setback).
    fn calibrate_sides(&mut self) {
        // anchors[segment][0 = left, 1 = right] = (number, measure, |offset|)
        let mut anchors: Vec<[Vec<(u32, f64, f64)>; 2]> =
            vec![Default::default(); self.segments.len()];
        for p in &self.points {
            if let Some((seg, side, measure, offset)) = self.anchor_of(p) {
                anchors[seg][side].push((p.number, measure, offset));
            }
        }
        for (seg, found) in self.segments.iter_mut().zip(anchors) {
            let length = seg.length();
            let [left, right] = found;
            if let Some(s) = seg.left.as_mut() {
                calibrate(s, left, length);
            }
            if let Some(s) = seg.right.as_mut() {
                calibrate(s, right, length);
            }
        }
    }

    /// The segment side an address point belongs to, with its measure and setback.
    fn anchor_of(&self, p: &AddressPoint) -> Option<(usize, usize, f64, f64)> {
        let street = &self.streets[p.street as usize];
        let mut best: Option<(usize, usize, f64, f64)> = None;
        for &si in &street.segments {
            let seg = &self.segments[si as usize];
            let pr = geometry::project(&seg.line, &seg.cum, p.xy);
            let side = if pr.offset >= 0.0 {
                &seg.left
            } else {
                &seg.right
            };
            let fits = side.as_ref().is_some_and(|s| s.contains(p.number));
            let d = pr.offset.abs();
            if fits && d <= MAX_ANCHOR_DISTANCE_M && best.is_none_or(|b| d < b.3) {
                best = Some((si as usize, usize::from(pr.offset < 0.0), pr.measure, d));
            }
        }
        best
    }
}

/// Builds a side's number → measure curve from its range and the address points on it.
fn calibrate(side: &mut Side, mut anchors: Vec<(u32, f64, f64)>, length: f64) {
    anchors.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    anchors.dedup_by_key(|a| a.0);
    let ascending = side.to >= side.from;
    let monotone = anchors
        .windows(2)
        .all(|w| (w[1].1 >= w[0].1) == ascending || w[1].1 == w[0].1);
    if !monotone {
        anchors.clear();
    }
    if !anchors.is_empty() {
        side.offset = anchors.iter().map(|a| a.2).sum::<f64>() / anchors.len() as f64;
    }
    let ends = [(side.from, 0.0), (side.to, length)];
    let mut curve: Vec<(f64, f64)> = anchors.iter().map(|a| (f64::from(a.0), a.1)).collect();
    if side.from == side.to {
        curve = vec![(f64::from(side.from), length / 2.0)];
    } else if let [first, .., last] = curve.as_slice() {
        // extrapolate to the range ends along the points' own spacing
        let (first, last) = (*first, *last);
        let slope = (last.1 - first.1) / (last.0 - first.0);
        for (n, _) in ends {
            let n = f64::from(n);
            let m = if n < first.0 {
                first.1 + slope * (n - first.0)
            } else {
                last.1 + slope * (n - last.0)
            };
            if n < first.0 || n > last.0 {
                curve.push((n, m.clamp(0.0, length)));
            }
        }
    } else {
        for (n, m) in ends {
            if curve.iter().all(|c| c.0 != f64::from(n)) {
                curve.push((f64::from(n), m));
            }
        }
    }
    curve.sort_by(|a, b| a.0.total_cmp(&b.0));
    side.curve = curve;
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

/// Reads a house number as address files write it: `12`, `12A`, `12 1/2`, `12-14`
/// (the first number of a range). `None` when it does not start with a number.
pub fn parse_house_number(text: &str) -> Option<(u32, bool)> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let number = t[..digits].parse().ok()?;
    let rest = t[digits..].trim_start();
    let half = rest.starts_with("1/2") || rest.starts_with('½');
    Some((number, half))
}

/// Five-digit ZIP code at the start of `text` (`19107`, `19107-1234`).
pub fn parse_zip(text: &str) -> Option<u32> {
    let t = text.trim();
    let head = t.get(..5)?;
    let rest_ok = t.len() == 5 || t[5..].starts_with('-');
    (head.bytes().all(|b| b.is_ascii_digit()) && rest_ok)
        .then(|| head.parse().ok())
        .flatten()
}

fn read_points(path: &Path, out: &mut Vec<RawPoint>) -> Result<(), ReferenceError> {
    let file = std::fs::File::open(path).map_err(|source| ReferenceError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let format = |reason: String| ReferenceError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let headers = reader.headers().map_err(|e| format(e.to_string()))?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or(ReferenceError::MissingColumn {
                path: path.to_path_buf(),
                column: name,
            })
    };
    let (lon_c, lat_c) = (column("LON")?, column("LAT")?);
    let (num_c, street_c) = (column("NUMBER")?, column("STREET")?);
    let zip_c = column("POSTCODE").ok();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(format(e.to_string())),
        }
        let line = record.position().map_or(0, |p| p.line());
        let bad = |field: &str, reason: String| ReferenceError::Row {
            path: path.to_path_buf(),
            line,
            field: field.to_string(),
            reason,
        };
        let get = |c: usize| record.get(c).unwrap_or("").trim();
        let coord = |c: usize, field: &str, limit: f64| {
            get(c)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= limit)
                .ok_or_else(|| bad(field, format!("{:?} is not a coordinate", get(c))))
        };
        let lon = coord(lon_c, "LON", 180.0)?;
        let lat = coord(lat_c, "LAT", 90.0)?;
        let (number, half) = parse_house_number(get(num_c))
            .ok_or_else(|| bad("NUMBER", format!("{:?} is not a house number", get(num_c))))?;
        let street = get(street_c);
        if street.is_empty() {
            return Err(bad("STREET", "is empty".into()));
        }
        out.push(RawPoint {
            lon,
            lat,
            number,
            half,
            street: street.to_string(),
            zip: zip_c.and_then(|c| parse_zip(get(c))),
        });
    }
}

/// Property names (lower case) tried, in order, for each centerline field.
const FULLNAME: &[&str] = &["fullname", "full_name", "street_name", "stname", "st_full"];
const PREDIR: &[&str] = &["predir", "pre_dir", "prefix_dir", "fedirp", "prefixdir"];
const NAME: &[&str] = &["name", "st_name", "street", "fename", "streetname"];
const SUFTYPE: &[&str] = &["suftype", "st_type", "suffix", "type", "fetype", "sufftype"];
const SUFDIR: &[&str] = &["sufdir", "suf_dir", "post_dir", "postdir", "fedirs"];
const LFROM: &[&str] = &[
    "lfromadd", "l_f_add", "fromleft", "lfromhn", "fraddl", "l_from",
];
const LTO: &[&str] = &["ltoadd", "l_t_add", "toleft", "ltohn", "toaddl", "l_to"];
const RFROM: &[&str] = &[
    "rfromadd",
    "r_f_add",
    "fromright",
    "rfromhn",
    "fraddr",
    "r_from",
];
const RTO: &[&str] = &["rtoadd", "r_t_add", "toright", "rtohn", "toaddr", "r_to"];
const ZIPL: &[&str] = &["zipl", "zip_left", "l_zip", "zipleft", "lzip", "zip_l"];
const ZIPR: &[&str] = &["zipr", "zip_right", "r_zip", "zipright", "rzip", "zip_r"];
const ZIP: &[&str] = &["zip", "zipcode", "zip_code", "postcode"];
const SEG_ID: &[&str] = &["seg_id", "segment_id", "tlid", "id", "objectid"];
const ALIAS: &[&str] = &["alias", "aliases", "alt_name", "alt_names", "altname"];

/// The properties of a feature with lower-case names.
struct Props(HashMap<String, Value>);

impl Props {
    fn new(map: &Map<String, Value>) -> Props {
        Props(
            map.iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
        )
    }

    /// The first of `names` present, with the name found.
    fn find(&self, names: &[&'static str]) -> Option<(&'static str, &Value)> {
        names
            .iter()
            .find_map(|n| self.0.get(*n).map(|v| (*n, v)))
            .filter(|(_, v)| !v.is_null())
    }

    fn text(&self, names: &[&'static str]) -> Option<String> {
        let (_, v) = self.find(names)?;
        let t = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        (!t.is_empty()).then_some(t)
    }

    /// A house number field: number, numeric text, or empty / null for none.
    fn number(&self, names: &[&'static str]) -> Result<Option<u32>, (String, String)> {
        let Some((name, v)) = self.find(names) else {
            return Ok(None);
        };
        let bad = || (name.to_uppercase(), format!("{v} is not a house number"));
        match v {
            Value::Number(n) => n
                .as_f64()
                .filter(|x| *x >= 0.0 && *x <= f64::from(u32::MAX) && x.fract() == 0.0)
                .map(|x| Some(x as u32))
                .ok_or_else(bad),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => parse_house_number(s).map(|(n, _)| Some(n)).ok_or_else(bad),
            _ => Err(bad()),
        }
    }

    fn street_name(&self) -> Option<String> {
        if let Some(full) = self.text(FULLNAME) {
            return Some(full);
        }
        let name = self.text(NAME)?;
        let parts = [
            self.text(PREDIR),
            Some(name),
            self.text(SUFTYPE),
            self.text(SUFDIR),
        ];
        Some(parts.into_iter().flatten().collect::<Vec<_>>().join(" "))
    }
}

/// A range from two house-number fields; `None` when absent or `0–0`.
fn range(
    props: &Props,
    from: &[&'static str],
    to: &[&'static str],
    zip: Option<u32>,
) -> Result<Option<Range>, (String, String)> {
    Ok(match (props.number(from)?, props.number(to)?) {
        (Some(0), Some(0)) => None,
        (Some(f), Some(t)) => Some((f, t, zip)),
        (Some(n), None) | (None, Some(n)) if n > 0 => Some((n, n, zip)),
        _ => None,
    })
}

fn read_segments(path: &Path) -> Result<Vec<RawSegment>, ReferenceError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReferenceError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let format = |reason: String| ReferenceError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let doc: Value = serde_json::from_str(&text).map_err(|e| format(format!("not JSON: {e}")))?;
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| format("not a GeoJSON FeatureCollection".into()))?;
    let mut out = Vec::with_capacity(features.len());
    for (k, feature) in features.iter().enumerate() {
        let bad = |(field, reason): (String, String)| ReferenceError::Feature {
            path: path.to_path_buf(),
            feature: k,
            field,
            reason,
        };
        out.push(read_segment(k, feature).map_err(bad)?);
    }
    Ok(out)
}

fn read_segment(k: usize, feature: &Value) -> Result<RawSegment, (String, String)> {
    let empty = Map::new();
    let props = Props::new(
        feature
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty),
    );
    let street = props.street_name().ok_or_else(|| {
        (
            "FULLNAME".to_string(),
            "no street name (FULLNAME, or NAME with PREDIR/SUFTYPE/SUFDIR)".to_string(),
        )
    })?;
    let zip = props.text(ZIP).and_then(|z| parse_zip(&z));
    let zip_l = props.text(ZIPL).and_then(|z| parse_zip(&z)).or(zip);
    let zip_r = props.text(ZIPR).and_then(|z| parse_zip(&z)).or(zip);
    let aliases = props
        .text(ALIAS)
        .map(|a| {
            a.split([';', '|'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Ok(RawSegment {
        id: props.text(SEG_ID).unwrap_or_else(|| k.to_string()),
        street,
        aliases,
        lon_lat: line_coords(feature.get("geometry"))?,
        left: range(&props, LFROM, LTO, zip_l)?,
        right: range(&props, RFROM, RTO, zip_r)?,
    })
}

/// The vertices of a LineString, or of a MultiLineString's parts joined in order.
fn line_coords(geometry: Option<&Value>) -> Result<Vec<[f64; 2]>, (String, String)> {
    let bad = |reason: String| ("geometry".to_string(), reason);
    let g = geometry
        .filter(|g| !g.is_null())
        .ok_or_else(|| bad("is missing".into()))?;
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = g.get("coordinates").and_then(Value::as_array);
    let parts: Vec<&Value> = match (kind, coords) {
        ("LineString", Some(_)) => vec![g.get("coordinates").unwrap_or(&Value::Null)],
        ("MultiLineString", Some(parts)) => parts.iter().collect(),
        _ => {
            return Err(bad(format!(
                "expected a LineString or MultiLineString, found {kind:?}"
            )))
        }
    };
    let mut out = Vec::new();
    for part in parts {
        for c in part.as_array().into_iter().flatten() {
            let xy = c
                .as_array()
                .filter(|a| a.len() >= 2)
                .and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?]))
                .filter(|[lon, lat]| lon.abs() <= 180.0 && lat.abs() <= 90.0)
                .ok_or_else(|| bad(format!("{c} is not a [lon, lat] position")))?;
            if out.last() != Some(&xy) {
                out.push(xy);
            }
        }
    }
    if out.len() < 2 {
        return Err(bad("a line needs at least two distinct positions".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(from: u32, to: u32) -> Side {
        Side {
            from,
            to,
            zip: None,
            curve: Vec::new(),
            offset: DEFAULT_SIDE_OFFSET_M,
        }
    }

    #[test]
    fn parity_and_range() {
        let even = side(100, 198);
        assert!(even.contains(100) && even.contains(150) && even.contains(198));
        assert!(!even.contains(151) && !even.contains(200) && !even.contains(98));
        let odd_down = side(199, 101);
        assert!(odd_down.contains(151) && !odd_down.contains(150));
        let mixed = side(100, 199);
        assert!(mixed.contains(150) && mixed.contains(151));
    }

    #[test]
    fn interpolation_by_range_fraction_without_points() {
        let mut s = side(100, 198);
        calibrate(&mut s, Vec::new(), 200.0);
        assert_eq!(s.measure_of(100.0), 0.0);
        assert_eq!(s.measure_of(149.0), 100.0);
        assert_eq!(s.measure_of(198.0), 200.0);
        assert_eq!(s.number_at(50.0), 124.5);
        let mut down = side(199, 101);
        calibrate(&mut down, Vec::new(), 98.0);
        assert_eq!(down.measure_of(199.0), 0.0);
        assert_eq!(down.measure_of(149.0), 50.0);
        assert_eq!(down.number_at(98.0), 101.0);
        let mut one = side(7, 7);
        calibrate(&mut one, Vec::new(), 80.0);
        assert_eq!(one.measure_of(7.0), 40.0);
    }

    #[test]
    fn interpolation_follows_address_points() {
        // houses stand between 20 m and 180 m of a 200 m block
        let mut s = side(100, 198);
        calibrate(&mut s, vec![(120, 52.0, 12.0), (180, 148.0, 14.0)], 200.0);
        assert_eq!(s.offset, 13.0);
        assert!((s.measure_of(150.0) - 100.0).abs() < 1e-9);
        // extrapolated on the points' spacing (1.6 m per number), clamped to the segment
        assert!((s.measure_of(100.0) - 20.0).abs() < 1e-9);
        assert!((s.measure_of(198.0) - 176.8).abs() < 1e-9);
        assert!((s.number_at(100.0) - 150.0).abs() < 1e-9);
        // points out of order along the line are ignored
        let mut bad = side(100, 198);
        calibrate(&mut bad, vec![(120, 150.0, 12.0), (180, 20.0, 12.0)], 200.0);
        assert_eq!(bad.measure_of(149.0), 100.0);
    }

    #[test]
    fn house_numbers_and_zips() {
        assert_eq!(parse_house_number("12"), Some((12, false)));
        assert_eq!(parse_house_number(" 12 1/2"), Some((12, true)));
        assert_eq!(parse_house_number("12A"), Some((12, false)));
        assert_eq!(parse_house_number("1200-1204"), Some((1200, false)));
        assert_eq!(parse_house_number("REAR"), None);
        assert_eq!(parse_house_number(""), None);
        assert_eq!(parse_zip("19107"), Some(19107));
        assert_eq!(parse_zip("19107-1234"), Some(19107));
        assert_eq!(parse_zip("1913"), None);
        assert_eq!(parse_zip("191071"), None);
    }

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
