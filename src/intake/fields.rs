//! Field rules shared by every format: text, status, datetimes, ZIP codes, coordinates.
//!
//! - empty (or all-space) text is `None`;
//! - status goes through [`Status::from_source`]; unknown text is a [`RowError`];
//! - lat/lon must be finite numbers within ±90/±180; `(0, 0)` or empty means "no coordinate";
//! - without lat/lon, projected X/Y give [`SourceLocation::Projected`], except plain `X`/`Y`
//!   columns whose values look like degrees, which are lon/lat;
//! - a ZIP code like `19122.0` becomes `19122`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::columns::{ColumnMap, Role};
use crate::model::{RawRequest, RowError, SourceLocation, Status};
use crate::time::parse_datetime;

/// Reason used when a numeric field does not parse.
pub const NOT_A_NUMBER: &str = "not a number";
/// Reason used for NaN or infinite numbers.
pub const NOT_FINITE: &str = "not finite";
/// Reason used for latitudes beyond ±90 or longitudes beyond ±180.
pub const OUT_OF_RANGE: &str = "out of range";
/// Reason used when only one of a coordinate pair is given.
pub const INCOMPLETE: &str = "incomplete coordinate";

/// One source record: values by column index, as text.
pub struct Row<'a> {
    /// 1-based line or record number.
    pub line: u64,
    /// Column map of the header (or of the JSON object's keys).
    pub map: &'a ColumnMap,
    /// Values in column order; `None` for JSON nulls.
    pub values: &'a [Option<&'a str>],
    /// Time zone of datetimes without an offset.
    pub tz: Tz,
}

impl Row<'_> {
    /// The trimmed, non-empty text of the column playing `role`.
    fn text(&self, role: Role) -> Option<&str> {
        let i = self.map.get(role)?;
        let v = self.values.get(i).copied().flatten()?.trim();
        (!v.is_empty()).then_some(v)
    }

    fn string(&self, role: Role) -> Option<String> {
        self.text(role).map(str::to_string)
    }

    fn error(&self, role: Role, reason: &str, detail: impl Into<String>) -> RowError {
        RowError::new(self.line, self.map.name(role), reason, detail)
    }

    fn status(&self) -> Result<Option<Status>, RowError> {
        match self.text(Role::Status) {
            None => Ok(None),
            Some(t) => Status::from_source(t)
                .map(Some)
                .ok_or_else(|| self.error(Role::Status, "unknown status", t)),
        }
    }

    fn datetime(&self, role: Role) -> Result<Option<DateTime<Utc>>, RowError> {
        match self.text(role) {
            None => Ok(None),
            Some(t) => parse_datetime(t, self.tz)
                .map(Some)
                .map_err(|e| self.error(role, "bad datetime", format!("{t:?}: {}", e.reason))),
        }
    }

    /// A finite number, or `None` when empty.
    fn number(&self, role: Role) -> Result<Option<f64>, RowError> {
        let Some(t) = self.text(role) else {
            return Ok(None);
        };
        let v: f64 = t
            .parse()
            .map_err(|_| self.error(role, NOT_A_NUMBER, format!("{t:?}")))?;
        if v.is_finite() {
            Ok(Some(v))
        } else {
            Err(self.error(role, NOT_FINITE, format!("{t:?}")))
        }
    }

    /// A latitude or longitude: a finite number within ±`limit`.
    fn degrees(&self, role: Role, label: &str, limit: f64) -> Result<Option<f64>, RowError> {
        let v = self.number(role)?;
        match v {
            Some(v) if v.abs() > limit => Err(self.error(
                role,
                OUT_OF_RANGE,
                format!("{label} {v} out of range (±{limit})"),
            )),
            _ => Ok(v),
        }
    }

    fn location(&self) -> Result<Option<SourceLocation>, RowError> {
        let lat = self.degrees(Role::Lat, "lat", 90.0)?;
        let lon = self.degrees(Role::Lon, "lon", 180.0)?;
        if let Some((lon, lat)) = self.pair((Role::Lon, lon), (Role::Lat, lat))? {
            return Ok(Some(SourceLocation::LonLat { lon, lat }));
        }
        let x = self.number(Role::X)?;
        let y = self.number(Role::Y)?;
        let Some((x, y)) = self.pair((Role::X, x), (Role::Y, y))? else {
            return Ok(None);
        };
        if self.map.xy_may_be_degrees && x.abs() <= 180.0 && y.abs() <= 90.0 {
            Ok(Some(SourceLocation::LonLat { lon: x, lat: y }))
        } else {
            Ok(Some(SourceLocation::Projected { x, y }))
        }
    }

    /// Both halves of a coordinate pair; `None` for no coordinate (both missing or both
    /// zero); an error naming the missing half when only one is given.
    fn pair(
        &self,
        (ra, a): (Role, Option<f64>),
        (rb, b): (Role, Option<f64>),
    ) -> Result<Option<(f64, f64)>, RowError> {
        let blank = |v: Option<f64>| v.is_none_or(|v| v == 0.0);
        match (a, b) {
            _ if blank(a) && blank(b) => Ok(None),
            (Some(a), Some(b)) => Ok(Some((a, b))),
            (None, _) => Err(self.error(ra, INCOMPLETE, "the other half is given")),
            (_, None) => Err(self.error(rb, INCOMPLETE, "the other half is given")),
        }
    }

    /// Builds the request; the first bad field makes the whole row a [`RowError`].
    pub fn build(&self, geometry: Option<SourceLocation>) -> Result<RawRequest, RowError> {
        let location = match geometry {
            Some(g) => Some(g),
            None => self.location()?,
        };
        Ok(RawRequest {
            line: self.line,
            source_id: self.string(Role::Id),
            service_code: self.string(Role::ServiceCode),
            service_name: self.string(Role::ServiceName),
            status: self.status()?,
            status_notes: self.string(Role::StatusNotes),
            requested_datetime: self.datetime(Role::Requested)?,
            updated_datetime: self.datetime(Role::Updated)?,
            expected_datetime: self.datetime(Role::Expected)?,
            closed_datetime: self.datetime(Role::Closed)?,
            address: self.string(Role::Address),
            zipcode: self.text(Role::Zip).map(normalize_zip),
            location,
            description: self.string(Role::Description),
            agency_responsible: self.string(Role::Agency),
            media_url: self.string(Role::MediaUrl),
        })
    }
}

/// `19122.0` → `19122` (spreadsheet exports turn ZIP codes into floats); other text as is.
pub fn normalize_zip(zip: &str) -> String {
    if let Some((digits, zeros)) = zip.split_once('.') {
        let all = |s: &str, f: fn(&char) -> bool| !s.is_empty() && s.chars().all(|c| f(&c));
        if all(digits, char::is_ascii_digit) && all(zeros, |c| *c == '0') {
            return digits.to_string();
        }
    }
    zip.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(names: &[&str], values: &[&str]) -> Result<RawRequest, RowError> {
        let map = ColumnMap::new(names);
        let values: Vec<Option<&str>> = values.iter().map(|v| Some(*v)).collect();
        Row {
            line: 7,
            map: &map,
            values: &values,
            tz: chrono_tz::America::New_York,
        }
        .build(None)
    }

    #[test]
    fn zip_codes() {
        assert_eq!(normalize_zip("19122.0"), "19122");
        assert_eq!(normalize_zip("10307.00"), "10307");
        assert_eq!(normalize_zip("19122"), "19122");
        assert_eq!(normalize_zip("19122-1234"), "19122-1234");
        assert_eq!(normalize_zip("1913"), "1913");
        assert_eq!(normalize_zip("19122.5"), "19122.5");
        assert_eq!(normalize_zip(".0"), ".0");
    }

    #[test]
    fn coordinates() {
        let names = ["lat", "lon", "x", "y"];
        let loc = |v: &[&str]| build(&names, v).map(|r| r.location);
        assert_eq!(
            loc(&["40", "-75", "", ""]),
            Ok(Some(SourceLocation::LonLat {
                lon: -75.0,
                lat: 40.0
            }))
        );
        assert_eq!(loc(&["0", "0", "", ""]), Ok(None));
        assert_eq!(loc(&["", "", "", ""]), Ok(None));
        assert_eq!(
            loc(&["", "", "2694000", "236000"]),
            Ok(Some(SourceLocation::Projected {
                x: 2_694_000.0,
                y: 236_000.0
            }))
        );
        assert_eq!(
            loc(&["", "", "-75.1", "39.9"]),
            Ok(Some(SourceLocation::LonLat {
                lon: -75.1,
                lat: 39.9
            }))
        );
        let e = loc(&["91", "-75", "", ""]).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str(), e.reason.as_str()),
            (7, "lat", OUT_OF_RANGE)
        );
        assert!(e.detail.contains("lat 91 out of range"), "{e}");
        let e = loc(&["40", "-181", "", ""]).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("lon", OUT_OF_RANGE));
        let e = loc(&["NaN", "-75", "", ""]).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("lat", NOT_FINITE));
        let e = loc(&["40", "1e999", "", ""]).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("lon", NOT_FINITE));
        let e = loc(&["40,5", "-75", "", ""]).unwrap_err();
        assert_eq!(e.reason, NOT_A_NUMBER);
        let e = loc(&["40", "", "", ""]).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), ("lon", INCOMPLETE));
        let e = loc(&["", "", "5", ""]).unwrap_err();
        assert_eq!(e.reason, INCOMPLETE);
    }

    #[test]
    fn named_projected_columns_never_degrees() {
        let r = build(&["X Coordinate", "Y Coordinate"], &["10", "20"]).unwrap();
        assert_eq!(
            r.location,
            Some(SourceLocation::Projected { x: 10.0, y: 20.0 })
        );
    }

    #[test]
    fn status_and_dates() {
        let names = ["Status", "Created Date", "Incident Zip", "Complaint Type"];
        let r = build(
            &names,
            &["Closed", "03/01/2011 02:27:57 PM", "10027.0", " Noise "],
        )
        .unwrap();
        assert_eq!(r.status, Some(Status::Closed));
        assert_eq!(r.zipcode.as_deref(), Some("10027"));
        assert_eq!(r.service_name.as_deref(), Some("Noise"));
        assert_eq!(r.line, 7);
        assert!(r.requested_datetime.is_some());
        let e = build(&names, &["Bogus", "", "", ""]).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("Status", "unknown status")
        );
        let e = build(&names, &["", "31/31/2011", "", ""]).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("Created Date", "bad datetime")
        );
        assert!(e.detail.contains("31/31/2011"));
        let r = build(&names, &["", "", "  ", ""]).unwrap();
        assert_eq!(r.status, None);
        assert_eq!(r.zipcode, None);
    }
}
