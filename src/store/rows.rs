//! Rows of the `requests` table: the SQL that writes and reads them, and the `WHERE` clause of
//! a selection.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Row};

use super::StoreError;
use crate::model::{ServiceRequest, Status};
use crate::selection::Selection;

/// Inserts a row unless its id is stored.
pub(super) const INSERT: &str = "INSERT INTO requests (service_request_id, service_code,
    service_name, status, status_notes, requested_at, updated_at, expected_at, closed_at,
    address, zipcode, lat, lon, description, agency_responsible, media_url, source, districts,
    attributes, address_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
    ?19, ?20)
    ON CONFLICT (service_request_id) DO NOTHING";

/// Replaces a stored row's fields (same parameters as [`INSERT`]).
pub(super) const UPDATE: &str = "UPDATE requests SET service_code = ?2, service_name = ?3,
    status = ?4, status_notes = ?5, requested_at = ?6, updated_at = ?7, expected_at = ?8,
    closed_at = ?9, address = ?10, zipcode = ?11, lat = ?12, lon = ?13, description = ?14,
    agency_responsible = ?15, media_url = ?16, source = ?17, districts = ?18, attributes = ?19,
    address_id = ?20
    WHERE service_request_id = ?1";

/// The columns [`from_row`] reads, in its order.
pub(super) const COLUMNS: &str = "requests.service_request_id, service_code, service_name,
    status, status_notes, requested_at, updated_at, expected_at, closed_at, address, zipcode,
    lat, lon, description, agency_responsible, media_url, source, districts, attributes,
    address_id";

/// `SELECT` of every column from `requests`.
pub(super) fn select() -> String {
    format!("SELECT {COLUMNS} FROM requests")
}

/// Runs [`INSERT`] or [`UPDATE`] for `r`; returns the number of rows changed.
pub(super) fn write(
    stmt: &mut rusqlite::CachedStatement<'_>,
    r: &ServiceRequest,
) -> rusqlite::Result<usize> {
    let districts = serde_json::to_string(&r.districts).unwrap_or_else(|_| "{}".into());
    let attributes = serde_json::to_string(&r.attributes).unwrap_or_else(|_| "{}".into());
    stmt.execute(params![
        r.service_request_id,
        r.service_code,
        r.service_name,
        r.status.as_str(),
        r.status_notes,
        secs(r.requested_datetime),
        secs(r.updated_datetime),
        secs(r.expected_datetime),
        secs(r.closed_datetime),
        r.address,
        r.zipcode,
        r.lat,
        r.lon,
        r.description,
        r.agency_responsible,
        r.media_url,
        r.source,
        districts,
        attributes,
        r.address_id,
    ])
}

/// Unix seconds of a time.
pub(super) fn secs(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp())
}

/// A time from unix seconds.
pub(super) fn time(secs: Option<i64>) -> Option<DateTime<Utc>> {
    secs.and_then(|s| DateTime::from_timestamp(s, 0))
}

/// Reads a row of [`select`]; the inner error reports a corrupt stored value.
pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<ServiceRequest, StoreError>> {
    from_row_at(row, 0)
}

/// Reads the [`COLUMNS`] that start at column `at`.
pub(super) fn from_row_at(
    row: &Row<'_>,
    at: usize,
) -> rusqlite::Result<Result<ServiceRequest, StoreError>> {
    let id: String = row.get(at)?;
    let when = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(time(row.get::<_, Option<i64>>(at + i)?))
    };
    let status: String = row.get(at + 3)?;
    let districts: String = row.get(at + 17)?;
    let attributes: String = row.get(at + 18)?;
    let corrupt = |reason: String| StoreError::Corrupt {
        id: id.clone(),
        reason,
    };
    let status = match status.parse::<Status>() {
        Ok(s) => s,
        Err(e) => return Ok(Err(corrupt(e))),
    };
    let districts: BTreeMap<String, String> = match serde_json::from_str(&districts) {
        Ok(d) => d,
        Err(e) => return Ok(Err(corrupt(format!("districts: {e}")))),
    };
    let attributes: BTreeMap<String, Vec<String>> = match serde_json::from_str(&attributes) {
        Ok(a) => a,
        Err(e) => return Ok(Err(corrupt(format!("attributes: {e}")))),
    };
    Ok(Ok(ServiceRequest {
        service_request_id: id.clone(),
        service_code: row.get(at + 1)?,
        service_name: row.get(at + 2)?,
        status,
        status_notes: row.get(at + 4)?,
        requested_datetime: when(5)?,
        updated_datetime: when(6)?,
        expected_datetime: when(7)?,
        closed_datetime: when(8)?,
        address: row.get(at + 9)?,
        zipcode: row.get(at + 10)?,
        lat: row.get(at + 11)?,
        lon: row.get(at + 12)?,
        description: row.get(at + 13)?,
        agency_responsible: row.get(at + 14)?,
        media_url: row.get(at + 15)?,
        source: row.get(at + 16)?,
        districts,
        attributes,
        address_id: row.get(at + 19)?,
    }))
}

/// Bounds on `updated_datetime` (unix seconds, both included), Chicago's `updated_after` and
/// `updated_before`; a request never updated counts as updated when it was requested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpdatedWindow {
    pub after: Option<i64>,
    pub before: Option<i64>,
}

/// SQL `WHERE` text and its arguments for a selection (and update window).
pub(super) fn where_clause(
    q: &Selection,
    updated: UpdatedWindow,
) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut parts: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if !q.codes.is_empty() {
        let marks = vec!["?"; q.codes.len()].join(", ");
        parts.push(format!("service_code IN ({marks})"));
        args.extend(q.codes.iter().map(|s| Value::Text(s.clone())));
    }
    if let Some(status) = q.status {
        parts.push("status = ?".into());
        args.push(Value::Text(status.as_str().into()));
    }
    let bounds = [
        ("requested_at >= ?", q.start),
        ("requested_at <= ?", q.end),
        // a request never updated last changed when it was made
        ("COALESCE(updated_at, requested_at) >= ?", updated.after),
        ("COALESCE(updated_at, requested_at) <= ?", updated.before),
    ];
    for (sql, bound) in bounds {
        if let Some(value) = bound {
            parts.push(sql.into());
            args.push(Value::Integer(value));
        }
    }
    if let Some([min_lon, min_lat, max_lon, max_lat]) = q.bbox {
        parts.push("lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?".into());
        args.extend([min_lon, max_lon, min_lat, max_lat].map(Value::Real));
    }
    let sql = if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    };
    (sql, args)
}
