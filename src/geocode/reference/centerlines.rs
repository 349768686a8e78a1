//! Street centerlines from a GeoJSON FeatureCollection: each feature's street name, aliases,
//! line and left/right house-number ranges, read from TIGER-style property names
//! (`FULLNAME` or `PREDIR`/`NAME`/`SUFTYPE`/`SUFDIR`, `LFROMADD`, `L_F_ADD`, `ZIPL`, ...).

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::{parse_house_number, parse_zip, ReferenceError};

/// A side's house-number range as read: (from, to, ZIP code).
pub(super) type Range = (u32, u32, Option<u32>);

/// A centerline feature before the frame is known.
pub(super) struct RawSegment {
    pub(super) id: String,
    pub(super) street: String,
    pub(super) aliases: Vec<String>,
    pub(super) lon_lat: Vec<[f64; 2]>,
    pub(super) left: Option<Range>,
    pub(super) right: Option<Range>,
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

/// Reads the centerline features of a GeoJSON FeatureCollection file.
pub(super) fn read_segments(path: &Path) -> Result<Vec<RawSegment>, ReferenceError> {
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
