//! Acceptance: turns a [`RawRequest`] (a row as read) into a [`ServiceRequest`] ready for the
//! store — typed against the catalog, located in WGS84 inside the city, SLA due time set —
//! or a [`RowError`] naming the field and the reason.

use std::collections::HashMap;

use chrono::Duration;

use crate::boundaries::Boundaries;
use crate::catalog::{Catalog, Service};
use crate::config::Extent;
use crate::geocode::{Geocoder, ACCEPT_SCORE};
use crate::model::{RawRequest, RowError, ServiceRequest, SourceLocation, Status};

/// Converts projected source coordinates (x, y) to WGS84 (lon, lat).
pub type ProjectFn<'a> = dyn Fn(f64, f64) -> Result<(f64, f64), String> + 'a;

/// Settings and state for accepting the rows of one source.
pub struct Acceptor<'a> {
    catalog: &'a Catalog,
    extent: Option<Extent>,
    source: String,
    id_prefix: String,
    default_service: Option<&'a Service>,
    project: Option<&'a ProjectFn<'a>>,
    boundaries: Option<&'a Boundaries>,
    geocoder: Option<&'a Geocoder>,
    geocoded: u64,
    /// Occurrences of each content hash, so identical id-less rows get distinct stable ids.
    seen: HashMap<u64, u32>,
}

impl<'a> Acceptor<'a> {
    /// `source` is stored with each request (`open311`, `import:<file>`); `id_prefix` starts
    /// the ids made for rows that carry none.
    pub fn new(
        catalog: &'a Catalog,
        extent: Option<Extent>,
        source: &str,
        id_prefix: &str,
    ) -> Self {
        Acceptor {
            catalog,
            extent,
            source: source.to_string(),
            id_prefix: id_prefix.to_string(),
            default_service: None,
            project: None,
            boundaries: None,
            geocoder: None,
            geocoded: 0,
            seen: HashMap::new(),
        }
    }

    /// The service of rows that name none (e.g. a file of one type without a type column).
    pub fn with_default_service(mut self, service: Option<&'a Service>) -> Self {
        self.default_service = service;
        self
    }

    /// How to turn projected X/Y into lon/lat; without it such rows are rejected.
    pub fn with_projection(mut self, project: Option<&'a ProjectFn<'a>>) -> Self {
        self.project = project;
        self
    }

    /// Tags each request with the boundary features it falls in.
    pub fn with_boundaries(mut self, boundaries: Option<&'a Boundaries>) -> Self {
        self.boundaries = boundaries;
        self
    }

    /// Locates rows that have an address but no coordinates with this geocoder.
    pub fn with_geocoder(mut self, geocoder: Option<&'a Geocoder>) -> Self {
        self.geocoder = geocoder;
        self
    }

    /// Rows located by geocoding their address so far.
    pub fn geocoded(&self) -> u64 {
        self.geocoded
    }

    /// Accepts one row.
    pub fn accept(&mut self, raw: RawRequest) -> Result<ServiceRequest, RowError> {
        check_text_lengths(&raw)?;
        let (code, name, service) = self.service_of(&raw)?;
        let (lon, lat) = self.locate(&raw)?;
        let id = match raw.source_id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => self.made_id(&raw, &code),
        };
        let status = raw.status.unwrap_or(if raw.closed_datetime.is_some() {
            Status::Closed
        } else {
            Status::Open
        });
        let sla = service.and_then(|s| s.sla_days);
        let expected = raw.expected_datetime.or_else(|| {
            let days = sla?;
            let due = raw.requested_datetime? + Duration::seconds((days * 86_400.0).round() as i64);
            Some(due)
        });
        Ok(ServiceRequest {
            service_request_id: id,
            service_code: code,
            service_name: name,
            status,
            status_notes: raw.status_notes,
            requested_datetime: raw.requested_datetime,
            updated_datetime: raw
                .updated_datetime
                .or(raw.closed_datetime)
                .or(raw.requested_datetime),
            expected_datetime: expected,
            closed_datetime: raw.closed_datetime,
            address: raw.address,
            zipcode: raw.zipcode,
            lat,
            lon,
            description: raw.description,
            agency_responsible: raw
                .agency_responsible
                .or_else(|| service.and_then(|s| s.agency.clone())),
            media_url: raw.media_url,
            source: self.source.clone(),
            districts: self.boundaries.map(|b| b.tag(lon, lat)).unwrap_or_default(),
            attributes: Default::default(),
            address_id: None,
        })
    }

    fn service_of(
        &self,
        raw: &RawRequest,
    ) -> Result<(String, String, Option<&'a Service>), RowError> {
        if let Some(r) = self
            .catalog
            .resolve(raw.service_code.as_deref(), raw.service_name.as_deref())
        {
            return Ok((r.code, r.name, r.service));
        }
        match self.default_service {
            Some(s) => Ok((s.code.clone(), s.name.clone(), Some(s))),
            None => Err(RowError::new(
                raw.line,
                "service_name",
                "no service type",
                "the row names no service type and none was given (use --service)",
            )),
        }
    }

    fn locate(&mut self, raw: &RawRequest) -> Result<(f64, f64), RowError> {
        let (lon, lat) = match raw.location {
            Some(SourceLocation::LonLat { lon, lat }) => (lon, lat),
            Some(SourceLocation::Projected { x, y }) => {
                let project = self.project.ok_or_else(|| {
                    RowError::new(
                        raw.line,
                        "x/y",
                        "no CRS for projected coordinates",
                        format!("x={x} y={y}: set crs in the city config"),
                    )
                })?;
                project(x, y).map_err(|e| {
                    RowError::new(
                        raw.line,
                        "x/y",
                        "projection failed",
                        format!("x={x} y={y}: {e}"),
                    )
                })?
            }
            None => match (self.geocoder, non_empty(raw.address.as_deref())) {
                (Some(geocoder), Some(address)) => {
                    let point = geocode(geocoder, raw, address)?;
                    self.geocoded += 1;
                    point
                }
                _ => {
                    return Err(RowError::new(
                        raw.line,
                        "lat/lon",
                        "no location",
                        "the row has neither lat/lon nor projected x/y",
                    ))
                }
            },
        };
        let valid = lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0;
        if !valid {
            return Err(RowError::new(
                raw.line,
                "lat/lon",
                "coordinate out of range",
                format!("lat={lat} lon={lon}"),
            ));
        }
        if let Some(e) = self.extent.filter(|e| !e.contains(lon, lat)) {
            return Err(RowError::new(
                raw.line,
                "lat/lon",
                "outside the city extent",
                format!(
                    "lat={lat} lon={lon} is outside [{}, {}, {}, {}]",
                    e.min_lon, e.min_lat, e.max_lon, e.max_lat
                ),
            ));
        }
        Ok((lon, lat))
    }

    /// A stable id for a row without one: a hash of its content plus how many identical rows
    /// came before it in this source, so re-importing the same file yields the same ids.
    fn made_id(&mut self, raw: &RawRequest, code: &str) -> String {
        let content = format!(
            "{code}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            raw.location,
            raw.requested_datetime,
            raw.closed_datetime,
            raw.status,
            raw.address,
            raw.zipcode,
            raw.description
        );
        let hash = fnv1a(content.as_bytes());
        let n = self.seen.entry(hash).or_insert(0);
        *n += 1;
        format!("{}-{hash:016x}-{n}", self.id_prefix)
    }
}

/// Longest description (or status note) a row may carry, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Longest id, address, ZIP code, agency or URL a row may carry, in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 1_000;

/// Refuses rows with absurdly long text fields or control characters (a broken export or
/// a hostile file).
fn check_text_lengths(raw: &RawRequest) -> Result<(), RowError> {
    let fields = [
        ("service_code", &raw.service_code, MAX_SHORT_TEXT_CHARS),
        ("service_name", &raw.service_name, MAX_SHORT_TEXT_CHARS),
        ("description", &raw.description, MAX_TEXT_CHARS),
        ("status_notes", &raw.status_notes, MAX_TEXT_CHARS),
        ("service_request_id", &raw.source_id, MAX_SHORT_TEXT_CHARS),
        ("address", &raw.address, MAX_SHORT_TEXT_CHARS),
        ("zipcode", &raw.zipcode, MAX_SHORT_TEXT_CHARS),
        (
            "agency_responsible",
            &raw.agency_responsible,
            MAX_SHORT_TEXT_CHARS,
        ),
        ("media_url", &raw.media_url, MAX_SHORT_TEXT_CHARS),
    ];
    for (field, value, max) in fields {
        let chars = value.as_deref().map_or(0, |v| v.chars().count());
        if chars > max {
            return Err(RowError::new(
                raw.line,
                field,
                "field too long",
                format!("{chars} characters; at most {max} are accepted"),
            ));
        }
        let control = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
        if value.as_deref().is_some_and(|v| v.chars().any(control)) {
            return Err(RowError::new(
                raw.line,
                field,
                "control characters",
                "the value contains control characters (NUL, escape...)",
            ));
        }
    }
    Ok(())
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// The point of a row's address, or an error naming the field `address` with the best
/// candidates.
fn geocode(geocoder: &Geocoder, raw: &RawRequest, address: &str) -> Result<(f64, f64), RowError> {
    let result = geocoder.geocode(address, non_empty(raw.zipcode.as_deref()));
    if let Some(m) = result.accepted(ACCEPT_SCORE) {
        return Ok((m.lon, m.lat));
    }
    let why = if result.ambiguous {
        "matches several places".to_string()
    } else {
        result
            .reason
            .clone()
            .unwrap_or_else(|| "no match good enough".into())
    };
    Err(RowError::new(
        raw.line,
        "address",
        "address could not be geocoded",
        format!(
            "{address:?}: {why}; best candidates: {}",
            result.describe_candidates(3)
        ),
    ))
}

/// 64-bit FNV-1a: a stable hash (unlike std's, which may change between Rust versions).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn catalog() -> Catalog {
        Catalog::load(&crate::config::Config::bundled_catalog()).unwrap()
    }

    fn raw(line: u64) -> RawRequest {
        RawRequest {
            line,
            service_name: Some("Street Lights - All Out".into()),
            requested_datetime: Some(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()),
            location: Some(SourceLocation::LonLat {
                lon: -87.7,
                lat: 41.9,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn types_locates_and_sets_the_sla_due_time() {
        let c = catalog();
        let mut a = Acceptor::new(&c, None, "import:x.csv", "x");
        let r = a.accept(raw(2)).unwrap();
        assert_eq!(r.service_code, "streetlight");
        assert_eq!(r.status, Status::Open);
        let due = Utc.with_ymd_and_hms(2026, 3, 8, 12, 0, 0).unwrap();
        assert_eq!(r.expected_datetime, Some(due));
        assert_eq!(r.agency_responsible.as_deref(), Some("Streets Department"));
    }

    #[test]
    fn identical_rows_without_ids_get_distinct_stable_ids() {
        let c = catalog();
        let ids = || {
            let mut a = Acceptor::new(&c, None, "import:x.csv", "x");
            (0..3)
                .map(|i| a.accept(raw(i)).unwrap().service_request_id)
                .collect::<Vec<_>>()
        };
        let first = ids();
        assert_eq!(first, ids());
        assert_eq!(
            first
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            3
        );
    }

    #[test]
    fn rejects_rows_with_the_field_and_reason() {
        let c = catalog();
        let extent = Extent::from_array([-75.3, 39.8, -74.9, 40.2]).unwrap();
        let mut a = Acceptor::new(&c, Some(extent), "open311", "x");
        let e = a.accept(raw(7)).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str(), e.reason.as_str()),
            (7, "lat/lon", "outside the city extent")
        );
        let mut no_type = raw(8);
        no_type.service_name = None;
        assert_eq!(a.accept(no_type).unwrap_err().reason, "no service type");
        let mut projected = raw(9);
        projected.location = Some(SourceLocation::Projected { x: 1.0, y: 2.0 });
        assert_eq!(a.accept(projected).unwrap_err().field, "x/y");
        let mut nowhere = raw(10);
        nowhere.location = None;
        assert_eq!(a.accept(nowhere).unwrap_err().reason, "no location");
    }
}
