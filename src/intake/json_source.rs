//! JSON sources, parsed whole with `serde_json` and handed out record by record:
//! - a JSON array of objects (Open311 GeoReport v2, Philadelphia `public_cases_fc`, Socrata
//!   portal JSON): each object's keys are matched like CSV columns;
//! - a GeoJSON FeatureCollection (or a single Feature): properties are matched like CSV
//!   columns, a Point geometry gives the location, the feature `id` is a fallback id.
//!
//! The "line" of a record is its 1-based position in the array / feature list. A GeoJSON
//! `crs` member naming a projected CRS makes Point coordinates
//! [`Projected`](crate::model::SourceLocation::Projected) in that CRS.

use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::columns::ColumnMap;
use super::fields::{Row, NOT_A_NUMBER, NOT_FINITE, OUT_OF_RANGE};
use super::IntakeError;
use crate::model::{RawRequest, RowError, SourceLocation};

/// Geographic CRS codes whose coordinates are read as WGS84 lon/lat (GeoJSON order).
const GEOGRAPHIC_EPSG: &[&str] = &["4326", "4269", "4258", "4617", "4979"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Plain objects (array elements).
    Objects,
    /// GeoJSON features.
    Features,
}

/// A parsed JSON file being handed out record by record.
pub struct JsonSource {
    records: std::vec::IntoIter<Value>,
    kind: Kind,
    count: usize,
    done: usize,
    total: u64,
    tz: Tz,
    /// CRS of projected Point coordinates (from the `crs` member); `None`: lon/lat.
    crs: Option<String>,
    /// Column map of the previous record's keys, reused while the keys stay the same.
    cache: Option<(Vec<String>, ColumnMap)>,
}

impl JsonSource {
    /// Parses a whole file.
    pub fn parse(path: &str, data: &[u8], total: u64, tz: Tz) -> Result<JsonSource, IntakeError> {
        let value: Value = serde_json::from_slice(data).map_err(|e| IntakeError::NotJson {
            path: path.into(),
            reason: e.to_string(),
        })?;
        let unsupported = |found: &str| IntakeError::UnsupportedJson {
            path: path.into(),
            found: found.into(),
        };
        let (records, kind, crs) = match value {
            Value::Array(items) => (items, Kind::Objects, None),
            Value::Object(mut obj) => {
                let crs = geojson_crs(path, &obj)?;
                match obj.get("type").and_then(Value::as_str) {
                    Some("FeatureCollection") => match obj.remove("features") {
                        Some(Value::Array(f)) => (f, Kind::Features, crs),
                        _ => return Err(unsupported("a FeatureCollection without features")),
                    },
                    Some("Feature") => (vec![Value::Object(obj)], Kind::Features, crs),
                    _ => {
                        return Err(unsupported(
                            "an object that is not a GeoJSON FeatureCollection",
                        ))
                    }
                }
            }
            _ => return Err(unsupported("neither an array nor a GeoJSON object")),
        };
        Ok(JsonSource {
            count: records.len(),
            records: records.into_iter(),
            kind,
            done: 0,
            total,
            tz,
            crs,
            cache: None,
        })
    }

    /// The CRS the GeoJSON `crs` member names, when it is not geographic.
    pub fn file_crs(&self) -> Option<&str> {
        self.crs.as_deref()
    }

    /// Bytes consumed, estimated from the share of records handed out.
    pub fn bytes_read(&self) -> u64 {
        if self.count == 0 {
            self.total
        } else {
            (self.total as f64 * self.done as f64 / self.count as f64) as u64
        }
    }

    /// Input size in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.total
    }

    fn record(&mut self, line: u64, value: Value) -> Result<RawRequest, RowError> {
        let Value::Object(mut obj) = value else {
            return Err(RowError::new(
                line,
                "record",
                "not an object",
                type_name(&value),
            ));
        };
        if self.kind == Kind::Objects {
            return self.object(line, &obj, None, None);
        }
        let geometry = point(line, obj.get("geometry"), self.crs.is_some())?;
        let id = obj.get("id").and_then(text);
        match obj.remove("properties") {
            Some(Value::Object(props)) => self.object(line, &props, geometry, id),
            None | Some(Value::Null) => self.object(line, &Map::new(), geometry, id),
            Some(other) => Err(RowError::new(
                line,
                "properties",
                "not an object",
                type_name(&other),
            )),
        }
    }

    fn object(
        &mut self,
        line: u64,
        obj: &Map<String, Value>,
        geometry: Option<SourceLocation>,
        feature_id: Option<String>,
    ) -> Result<RawRequest, RowError> {
        let keys: Vec<String> = obj.keys().cloned().collect();
        let values: Vec<Option<String>> = obj.values().map(text).collect();
        let map = match self.cache.take() {
            Some((k, m)) if k == keys => m,
            _ => ColumnMap::new(&keys),
        };
        let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        let row = Row {
            line,
            map: &map,
            values: &refs,
            tz: self.tz,
        };
        let mut req = row.build(geometry);
        if let Ok(r) = &mut req {
            r.source_id = r.source_id.take().or(feature_id);
        }
        self.cache = Some((keys, map));
        req
    }
}

impl Iterator for JsonSource {
    type Item = Result<RawRequest, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let value = self.records.next()?;
        self.done += 1;
        Some(self.record(self.done as u64, value))
    }
}

/// A JSON value as field text: strings as is, numbers and booleans printed, null as `None`,
/// arrays and objects as JSON text.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The location of a GeoJSON geometry: `None` for null or a `[0, 0]` point; an error for
/// other geometry types and bad coordinates.
fn point(
    line: u64,
    geometry: Option<&Value>,
    projected: bool,
) -> Result<Option<SourceLocation>, RowError> {
    let err = |reason: &str, detail: String| RowError::new(line, "geometry", reason, detail);
    let geom = match geometry {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(g)) => g,
        Some(other) => return Err(err("not an object", type_name(other).into())),
    };
    let kind = geom.get("type").and_then(Value::as_str).unwrap_or("?");
    if kind != "Point" {
        return Err(err("not a point", kind.to_string()));
    }
    let coords = match geom.get("coordinates") {
        Some(Value::Array(c)) if c.len() >= 2 => c,
        other => {
            let shown = other.map_or("nothing".into(), Value::to_string);
            return Err(err("bad coordinates", shown));
        }
    };
    let num = |v: &Value| -> Result<f64, RowError> {
        let x = v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| err(NOT_A_NUMBER, v.to_string()))?;
        if x.is_finite() {
            Ok(x)
        } else {
            Err(err(NOT_FINITE, v.to_string()))
        }
    };
    let (x, y) = (num(&coords[0])?, num(&coords[1])?);
    if x == 0.0 && y == 0.0 {
        return Ok(None);
    }
    if projected {
        return Ok(Some(SourceLocation::Projected { x, y }));
    }
    if x.abs() > 180.0 || y.abs() > 90.0 {
        let detail = format!("lon {x} / lat {y} out of range (±180 / ±90)");
        return Err(err(OUT_OF_RANGE, detail));
    }
    Ok(Some(SourceLocation::LonLat { lon: x, lat: y }))
}

/// The projected CRS a GeoJSON `crs` member names; `None` when absent or geographic
/// (CRS84, EPSG:4326/4269/...).
fn geojson_crs(path: &str, obj: &Map<String, Value>) -> Result<Option<String>, IntakeError> {
    let Some(crs) = obj.get("crs").filter(|c| !c.is_null()) else {
        return Ok(None);
    };
    let name = crs
        .pointer("/properties/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let bad = || IntakeError::Crs {
        path: path.into(),
        name: if name.is_empty() {
            crs.to_string()
        } else {
            name.to_string()
        },
    };
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("CRS84") || upper.ends_with("CRS:84") {
        return Ok(None);
    }
    let at = upper.rfind("EPSG").ok_or_else(bad)?;
    let code: String = upper[at + 4..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    if code.is_empty() {
        Err(bad())
    } else if GEOGRAPHIC_EPSG.contains(&code.as_str()) {
        Ok(None)
    } else {
        Ok(Some(format!("EPSG:{code}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crs_of(json: &str) -> Result<Option<String>, IntakeError> {
        let v: Value = serde_json::from_str(json).unwrap();
        geojson_crs("t", v.as_object().unwrap())
    }

    #[test]
    fn crs_members() {
        assert_eq!(crs_of("{}").unwrap(), None);
        let named =
            |n: &str| format!(r#"{{"crs":{{"type":"name","properties":{{"name":"{n}"}}}}}}"#);
        assert_eq!(
            crs_of(&named("urn:ogc:def:crs:OGC:1.3:CRS84")).unwrap(),
            None
        );
        assert_eq!(crs_of(&named("urn:ogc:def:crs:EPSG::4326")).unwrap(), None);
        assert_eq!(crs_of(&named("EPSG:4269")).unwrap(), None);
        assert_eq!(
            crs_of(&named("urn:ogc:def:crs:EPSG::2272"))
                .unwrap()
                .as_deref(),
            Some("EPSG:2272")
        );
        assert!(matches!(
            crs_of(&named("local")),
            Err(IntakeError::Crs { .. })
        ));
    }

    #[test]
    fn points() {
        let p = |s: &str| point(3, Some(&serde_json::from_str(s).unwrap()), false);
        assert_eq!(
            p(r#"{"type":"Point","coordinates":[-87.6,41.8]}"#),
            Ok(Some(SourceLocation::LonLat {
                lon: -87.6,
                lat: 41.8
            }))
        );
        assert_eq!(p(r#"{"type":"Point","coordinates":[0,0]}"#), Ok(None));
        assert_eq!(p("null"), Ok(None));
        let e = p(r#"{"type":"LineString","coordinates":[[0,1],[1,2]]}"#).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str(), e.reason.as_str()),
            (3, "geometry", "not a point")
        );
        let e = p(r#"{"type":"Point","coordinates":[-87.6,91]}"#).unwrap_err();
        assert_eq!(e.reason, OUT_OF_RANGE);
        let e = p(r#"{"type":"Point","coordinates":["x",1]}"#).unwrap_err();
        assert_eq!(e.reason, NOT_A_NUMBER);
        let e = p(r#"{"type":"Point","coordinates":[1]}"#).unwrap_err();
        assert_eq!(e.reason, "bad coordinates");
    }
}
