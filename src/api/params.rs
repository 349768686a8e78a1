//! Query parameters of the `/api/v1/` layers: parsed, validated, and turned into a
//! [`Filter`]. Every error names the parameter and says what is accepted.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::open311::{list, parse_bbox, parse_datetime, query_pairs};
use super::ApiError;
use crate::catalog::Catalog;
use crate::hotspots::resolve_types;
use crate::index::IndexSnapshot;
use crate::layers::{Filter, DAY};
use crate::model::Status;

/// Days in the default time window (ending at the newest request in the data).
pub const DEFAULT_DAYS: i64 = 90;
/// Longest window `days` accepts (ten years).
pub const MAX_DAYS: i64 = 3_660;

/// Parameters every layer takes.
pub const FILTER_PARAMS: &[&str] = &["type", "start", "end", "days", "status", "bbox"];

/// A layer's query string: unique names, only the ones the layer knows.
pub struct Params(BTreeMap<String, String>);

impl Params {
    /// Parses `raw`, refusing repeated and unknown names (`allowed` plus [`FILTER_PARAMS`]
    /// when `with_filter`).
    pub fn parse(
        raw: Option<&str>,
        allowed: &[&str],
        with_filter: bool,
    ) -> Result<Params, ApiError> {
        let map = query_pairs(raw)?;
        for name in map.keys() {
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
        Ok(Params(map))
    }

    /// The raw value of `name`, when given and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
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

    /// A finite number in `range`, or `default` when absent.
    pub fn number(
        &self,
        name: &str,
        default: f64,
        range: std::ops::RangeInclusive<f64>,
    ) -> Result<f64, ApiError> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() && range.contains(&x) => Ok(x),
            _ => Err(ApiError::bad(
                name,
                format!(
                    "{text:?} is not a number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )),
        }
    }

    /// `true`/`false` (also 1/0, yes/no), or `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(default),
            Some("true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(other) => Err(ApiError::bad(
                name,
                format!("{other:?} is not true or false"),
            )),
        }
    }

    /// The layer filter: types resolved against the catalog and the data, the time window
    /// (`start`/`end`, else `days` ending at the newest request; `days=all` for no window),
    /// status (`open`, `closed` or `all`) and bbox.
    pub fn filter(
        &self,
        snapshot: &IndexSnapshot,
        catalog: &Catalog,
        tz: Tz,
    ) -> Result<Filter, ApiError> {
        let codes = self.types(snapshot, catalog)?;
        let (start, end) = self.window(snapshot, tz)?;
        let status = match self.get("status").map(str::to_ascii_lowercase).as_deref() {
            None | Some("all") => None,
            Some(s) => Some(s.parse::<Status>().map_err(|_| {
                ApiError::bad("status", format!("{s:?} is not open, closed or all"))
            })?),
        };
        let bbox = self.get("bbox").map(parse_bbox).transpose()?;
        Ok(Filter {
            codes,
            start,
            end,
            status,
            bbox,
        })
    }

    /// Service codes named by `type` (codes, names or source aliases, comma-separated).
    fn types(&self, snapshot: &IndexSnapshot, catalog: &Catalog) -> Result<Vec<String>, ApiError> {
        let names = list(&self.0, "type");
        if names.is_empty() {
            return Ok(Vec::new());
        }
        Ok(resolve_types(snapshot, catalog, &names)?)
    }

    fn window(
        &self,
        snapshot: &IndexSnapshot,
        tz: Tz,
    ) -> Result<(Option<i64>, Option<i64>), ApiError> {
        let start = self
            .get("start")
            .map(|t| parse_datetime("start", t, tz, false))
            .transpose()?;
        let end = self
            .get("end")
            .map(|t| parse_datetime("end", t, tz, true))
            .transpose()?;
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                return Err(ApiError::bad("end", "is before start"));
            }
            return Ok((Some(s.timestamp()), Some(e.timestamp())));
        }
        if self
            .get("days")
            .is_some_and(|d| d.eq_ignore_ascii_case("all"))
        {
            return Ok((start.map(|s| s.timestamp()), end.map(|e| e.timestamp())));
        }
        let days = self.int("days", DEFAULT_DAYS, 1..=MAX_DAYS)?;
        Ok(match (start, end) {
            (Some(s), None) => (Some(s.timestamp()), Some(s.timestamp() + days * DAY)),
            (None, Some(e)) => (Some(e.timestamp() - days * DAY), Some(e.timestamp())),
            _ => {
                let anchor = anchor(snapshot, tz);
                (Some(anchor - days * DAY), Some(anchor))
            }
        })
    }
}

/// What a layer request sees of the data: the snapshot it reads, its filter, the anchor its
/// overdue counts are measured at, and the version keying its cached response.
pub struct Scope {
    pub snapshot: std::sync::Arc<IndexSnapshot>,
    pub filter: Filter,
    pub as_of: i64,
    pub version: u64,
}

impl Params {
    /// The [`Scope`] of this query on the app's current index.
    pub fn scope(&self, app: &crate::app::App) -> Result<Scope, ApiError> {
        let snapshot = app.index.snapshot();
        let tz = app.config.timezone;
        let filter = self.filter(&snapshot, &app.catalog, tz)?;
        let as_of = anchor(&snapshot, tz);
        let version = data_version(&snapshot, &filter.codes, as_of);
        Ok(Scope {
            snapshot,
            filter,
            as_of,
            version,
        })
    }
}

/// The anchor of default windows and of overdue counts: the end (23:59:59, city time) of
/// the day of the newest request in the data (today when there is none). An imported history
/// shows up on first look, and the anchor moves once a day rather than with every request,
/// so new requests of one type leave the other types' layers cached.
pub fn anchor(snapshot: &IndexSnapshot, tz: Tz) -> i64 {
    let newest = snapshot
        .newest_requested()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or_else(Utc::now);
    let day = newest.with_timezone(&tz).date_naive();
    day.and_hms_opt(23, 59, 59)
        .and_then(|t| tz.from_local_datetime(&t).latest())
        .map_or(newest.timestamp(), |t| t.timestamp())
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

/// RFC 3339 in the city's zone, or `None`.
pub fn local_time(t: Option<i64>, tz: Tz) -> Option<String> {
    t.and_then(|s| DateTime::from_timestamp(s, 0))
        .map(|t| super::open311::format_time(t, tz))
}
