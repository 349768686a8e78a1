//! The one query-string parser of the HTTP interface (Open311, layers, geocoding): form
//! decoding with a UTF-8 check, each name at most once, and typed values whose errors name the
//! parameter and say what is accepted. The layers' [`Scope`] (selection, anchor, data
//! version) is built here from the core's window rule ([`crate::selection::window`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::ApiError;
use crate::city::City;
use crate::index::IndexSnapshot;
use crate::model::Status;
use crate::selection::{resolve_types, window, Days, Selection, DEFAULT_DAYS, MAX_DAYS};
use crate::time::{day_anchor, parse_bound, Bound};

/// Parameters every layer takes.
pub const FILTER_PARAMS: &[&str] = &["type", "start", "end", "days", "status", "bbox"];

/// A query string: each name at most once.
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Parses `raw`, refusing repeated and unknown names (`allowed` plus [`FILTER_PARAMS`]
    /// when `with_filter`).
    pub fn parse(
        raw: Option<&str>,
        allowed: &[&str],
        with_filter: bool,
    ) -> Result<Params, ApiError> {
        let params = Params::parse_any(raw)?;
        for name in params.0.keys() {
            let known = allowed.contains(&name.as_str())
                || (with_filter && FILTER_PARAMS.contains(&name.as_str()));
            if !known {
                let mut names: Vec<&str> = allowed.to_vec();
                if with_filter {
                    names.extend_from_slice(FILTER_PARAMS);
                }
                return Err(ApiError::bad(
                    name,
                    format!("unknown parameter (accepted: {})", names.join(", ")),
                ));
            }
        }
        Ok(params)
    }

    /// Parses `raw` accepting any names (Open311 clients send jurisdiction and key fields).
    pub fn parse_any(raw: Option<&str>) -> Result<Params, ApiError> {
        Ok(Params(form_pairs(raw.unwrap_or(""), "query")?))
    }

    /// The value of `name`, trimmed, when given and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// A comma-separated list, trimmed, empty items dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A whole number in `range`, or `default` when absent.
    pub fn int(
        &self,
        name: &str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ApiError> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(ApiError::bad(
                name,
                format!(
                    "{text:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )),
        }
    }

    /// A whole number checked against its row of the method table, or `default` when absent.
    pub fn from_table(
        &self,
        spec: &crate::methods::ParamSpec,
        default: i64,
    ) -> Result<i64, ApiError> {
        match self.get(spec.name) {
            Some(text) => Ok(spec.integer(text)?),
            None => Ok(default),
        }
    }

    /// A window bound (`Bound::End`: a bare date means the end of that day).
    pub fn time(&self, name: &str, tz: Tz, bound: Bound) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|text| datetime(name, text, tz, bound).map(|t| t.timestamp()))
            .transpose()
    }

    /// `minLon,minLat,maxLon,maxLat`, when given.
    pub fn bbox(&self) -> Result<Option<[f64; 4]>, ApiError> {
        self.get("bbox").map(parse_bbox).transpose()
    }

    /// The layers' selection: `type` (codes, names or source aliases, comma-separated)
    /// resolved against the catalog and the data, the window of `start`/`end`/`days` (see
    /// [`crate::selection::window`]; `days=all` for no default window), `status` (`open`,
    /// `closed` or `all`) and `bbox`.
    pub fn selection(
        &self,
        snapshot: &IndexSnapshot,
        city: &City,
        anchor: i64,
    ) -> Result<Selection, ApiError> {
        let tz = city.config.timezone;
        let codes = resolve_types(snapshot, &city.catalog, &self.list("type"))
            .map_err(|e| ApiError::bad("type", e.to_string()))?;
        let days = match self.get("days") {
            Some(d) if d.eq_ignore_ascii_case("all") => Days::All,
            _ => Days::Last(self.int("days", DEFAULT_DAYS, 1..=MAX_DAYS)?),
        };
        let (start, end) = window(
            self.time("start", tz, Bound::Start)?,
            self.time("end", tz, Bound::End)?,
            days,
            anchor,
        )
        .map_err(|_| ApiError::bad("end", "is before start"))?;
        let status = match self.get("status").map(str::to_ascii_lowercase).as_deref() {
            None | Some("all") => None,
            Some(s) => Some(s.parse::<Status>().map_err(|_| {
                ApiError::bad("status", format!("{s:?} is not open, closed or all"))
            })?),
        };
        Ok(Selection {
            codes,
            start,
            end,
            status,
            bbox: self.bbox()?,
        })
    }

    /// The [`Scope`] of this query on the city's current index.
    pub fn scope(&self, city: &City) -> Result<Scope, ApiError> {
        let snapshot = city.index.snapshot();
        let as_of = day_anchor(snapshot.newest_requested(), city.config.timezone);
        let selection = self.selection(&snapshot, city, as_of)?;
        let version = data_version(&snapshot, &selection.codes, as_of);
        Ok(Scope {
            snapshot,
            selection,
            as_of,
            version,
        })
    }
}

/// What a layer request sees of the data: the snapshot it reads, its selection, the anchor
/// its overdue counts are measured at, and the version keying its cached response.
pub struct Scope {
    pub snapshot: Arc<IndexSnapshot>,
    pub selection: Selection,
    pub as_of: i64,
    pub version: u64,
}

/// What a layer of `codes` (every type when empty) depends on in the data: those types'
/// index generations and the anchor. Keys the response cache.
pub fn data_version(snapshot: &IndexSnapshot, codes: &[String], anchor: i64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    anchor.hash(&mut h);
    if codes.is_empty() {
        snapshot.generation().hash(&mut h);
    } else {
        for code in codes {
            code.hash(&mut h);
            snapshot.of_type(code).map(|t| t.generation()).hash(&mut h);
        }
    }
    h.finish()
}

/// Reads a datetime parameter with the core's one parser ([`crate::time`]).
pub fn datetime(field: &str, text: &str, tz: Tz, bound: Bound) -> Result<DateTime<Utc>, ApiError> {
    parse_bound(text, tz, bound).map_err(|e| {
        ApiError::bad(
            field,
            format!(
                "{text:?} is not a W3C datetime such as 2026-03-01T12:00:00-05:00 or a date ({})",
                e.reason
            ),
        )
    })
}

/// Reads `minLon,minLat,maxLon,maxLat`.
pub fn parse_bbox(text: &str) -> Result<[f64; 4], ApiError> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            ApiError::bad(
                "bbox",
                format!("{text:?} is not four numbers minLon,minLat,maxLon,maxLat"),
            )
        })?;
    let [a, b, c, d]: [f64; 4] = numbers.try_into().map_err(|v: Vec<f64>| {
        ApiError::bad(
            "bbox",
            format!(
                "needs 4 numbers minLon,minLat,maxLon,maxLat, got {}",
                v.len()
            ),
        )
    })?;
    crate::config::Extent::from_array([a, b, c, d])
        .map_err(|reason| ApiError::bad("bbox", reason))?;
    Ok([a, b, c, d])
}

/// A coordinate: a finite number within ±`limit` (degrees), or `None` when blank.
pub fn coordinate(text: Option<&str>, name: &str, limit: f64) -> Result<Option<f64>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let value: f64 = text
        .parse()
        .map_err(|_| ApiError::bad(name, format!("{text:?} is not a number")))?;
    if !value.is_finite() {
        return Err(ApiError::bad(
            name,
            format!("{text:?} is not a finite number"),
        ));
    }
    if value.abs() > limit {
        return Err(ApiError::bad(
            name,
            format!("{value} is out of range (-{limit} to {limit})"),
        ));
    }
    Ok(Some(value))
}

/// Decodes `application/x-www-form-urlencoded` text (a query string or a POST body; `what`
/// names it in errors): names or values that are not UTF-8 once percent-decoded are refused
/// (a decoder would silently replace the bytes), and so is a name given twice.
pub fn form_pairs(text: &str, what: &str) -> Result<BTreeMap<String, String>, ApiError> {
    let mut map = BTreeMap::new();
    for (k, v) in form_list(text, what)? {
        if map.contains_key(&k) {
            return Err(ApiError::bad(k, "given more than once"));
        }
        map.insert(k, v);
    }
    Ok(map)
}

/// Decodes `application/x-www-form-urlencoded` text into its pairs in order, names given
/// more than once included (for list fields such as Open311's `attribute[code][]`); the
/// UTF-8 rule of [`form_pairs`] applies.
pub fn form_list(text: &str, what: &str) -> Result<Vec<(String, String)>, ApiError> {
    check_form_utf8(text)?;
    serde_urlencoded::from_str(text)
        .map_err(|e| ApiError::bad(what, format!("not a valid {what} string: {e}")))
}

fn check_form_utf8(text: &str) -> Result<(), ApiError> {
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name_bytes = percent_decode(name);
        let field = String::from_utf8_lossy(&name_bytes).into_owned();
        if std::str::from_utf8(&name_bytes).is_err() {
            return Err(ApiError::bad(
                field,
                "the parameter name is not valid UTF-8",
            ));
        }
        if std::str::from_utf8(&percent_decode(value)).is_err() {
            return Err(ApiError::bad(
                field,
                "is not valid UTF-8 once percent-decoded",
            ));
        }
    }
    Ok(())
}

/// `application/x-www-form-urlencoded` decoding of one name or value to bytes.
fn percent_decode(text: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(&text.replace('+', " ")).collect()
}
