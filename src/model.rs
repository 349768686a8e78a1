//! The service request as Hotspot stores and serves it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Open311 request status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// New requests are open.
    #[default]
    Open,
    Closed,
}

impl Status {
    /// The Open311 spelling: `open` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    /// Reads the many spellings cities use ("Closed", "Completed", "In-Progress", "New", ...).
    /// Returns `None` for text that names no known state.
    pub fn from_source(text: &str) -> Option<Status> {
        let t = text.trim().to_ascii_lowercase();
        let t = t.replace(['_', '-'], " ");
        const CLOSED: &[&str] = &[
            "closed",
            "completed",
            "complete",
            "resolved",
            "done",
            "cancelled",
            "canceled",
            "closed duplicate",
            "completed dup",
            "duplicate",
            "closed   dup",
            "fixed",
        ];
        const OPEN: &[&str] = &[
            "open",
            "new",
            "in progress",
            "started",
            "assigned",
            "pending",
            "open   dup",
            "open dup",
            "unspecified",
            "received",
            "acknowledged",
            "email sent",
            "draft",
            "assigned to agency",
        ];
        if CLOSED.contains(&t.as_str()) || t.starts_with("closed") || t.starts_with("completed") {
            Some(Status::Closed)
        } else if OPEN.contains(&t.as_str())
            || t.starts_with("open")
            || t.starts_with("in progress")
        {
            Some(Status::Open)
        } else {
            None
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(Status::Open),
            "closed" => Ok(Status::Closed),
            other => Err(format!(
                "unknown status {other:?} (expected open or closed)"
            )),
        }
    }
}

/// A request as accepted into the store: located (WGS84), typed against the catalog,
/// with its SLA due time filled in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceRequest {
    /// Public id: the source's own id when it has one, else one Hotspot assigned.
    pub service_request_id: String,
    pub service_code: String,
    pub service_name: String,
    pub status: Status,
    pub status_notes: Option<String>,
    /// When the request was made; some exports (e.g. Chicago's 2017 point sets) carry none.
    pub requested_datetime: Option<DateTime<Utc>>,
    pub updated_datetime: Option<DateTime<Utc>>,
    /// SLA due time: the source's, else requested + the service's SLA days.
    pub expected_datetime: Option<DateTime<Utc>>,
    pub closed_datetime: Option<DateTime<Utc>>,
    pub address: Option<String>,
    /// The id of the address in the city's own address system, as an Open311 client sent it
    /// (kept and shown, not used to locate the request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub lat: f64,
    pub lon: f64,
    pub description: Option<String>,
    pub agency_responsible: Option<String>,
    pub media_url: Option<String>,
    /// `open311` for requests posted to the API, `import:<file name>` for bulk imports,
    /// `demo` for the generated demo city.
    pub source: String,
    /// Boundary layer id → id of the feature the request falls in.
    pub districts: BTreeMap<String, String>,
    /// Answers to the service's attributes (Open311 `attribute[code]`): code → values (one
    /// for most datatypes, one or more for a multivaluelist).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl ServiceRequest {
    /// Open and past its SLA due time at `now`.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status == Status::Open && self.expected_datetime.is_some_and(|due| now > due)
    }

    /// Closed after its SLA due time.
    pub fn is_late(&self) -> bool {
        match (self.status, self.closed_datetime, self.expected_datetime) {
            (Status::Closed, Some(closed), Some(due)) => closed > due,
            _ => false,
        }
    }
}

/// Where a source row says the request is, before projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SourceLocation {
    /// WGS84 longitude and latitude in degrees.
    LonLat { lon: f64, lat: f64 },
    /// Projected coordinates (e.g. State Plane feet) in the CRS the format or config names.
    Projected { x: f64, y: f64 },
}

/// One row of a source file (or one Open311 POST) as read, before it is resolved
/// against the catalog, projected and checked. Only text parsing has happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRequest {
    /// 1-based line (CSV) or record number (JSON/GeoJSON) in the source, for error reports.
    pub line: u64,
    /// The source's own request id, when it has one.
    pub source_id: Option<String>,
    /// A service code given by the source (Open311 style).
    pub service_code: Option<String>,
    /// The source's type name ("Street Lights - All Out", "Noise - Residential", ...).
    pub service_name: Option<String>,
    /// `None` when the source says nothing; unknown text is an error at parse time.
    pub status: Option<Status>,
    pub status_notes: Option<String>,
    pub requested_datetime: Option<DateTime<Utc>>,
    pub updated_datetime: Option<DateTime<Utc>>,
    pub expected_datetime: Option<DateTime<Utc>>,
    pub closed_datetime: Option<DateTime<Utc>>,
    pub address: Option<String>,
    pub zipcode: Option<String>,
    pub location: Option<SourceLocation>,
    pub description: Option<String>,
    pub agency_responsible: Option<String>,
    pub media_url: Option<String>,
}

/// A rejected row or field: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {field}: {reason}{}", if detail.is_empty() { String::new() } else { format!(" ({detail})") })]
pub struct RowError {
    /// 1-based line or record number in the source.
    pub line: u64,
    /// The column or field that is wrong (the source's own header name when there is one).
    pub field: String,
    /// A short, stable reason used to group the import summary ("bad datetime", ...).
    pub reason: String,
    /// The offending value or extra detail, for the user.
    pub detail: String,
}

impl RowError {
    pub fn new(
        line: u64,
        field: impl Into<String>,
        reason: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        RowError {
            line,
            field: field.into(),
            reason: reason.into(),
            detail: detail.into(),
        }
    }
}
