//! The upsert rules of the request lifecycle (DESIGN.md, "Request lifecycle"): whether a row
//! for an id already stored changes it, and what the stored row becomes. Pure: no SQL.

use chrono::{DateTime, Utc};

use crate::model::{ServiceRequest, Status};

/// One status change of a request's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HistoryEntry {
    /// When it happened (`None` when the source gave no time).
    pub at: Option<DateTime<Utc>>,
    pub status: Status,
    pub status_notes: Option<String>,
    /// Who said so: `open311`, `import:<file>`, `staff`, `sync:<server>`, `demo`.
    pub source: String,
}

/// What an incoming row does to the stored row with the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Older or equal: nothing changes.
    Unchanged,
    /// Newer: the stored row is replaced by [`merge`]; `moved` when its location or type
    /// changed.
    Update { moved: bool },
}

/// Decides by `updated_datetime`: a newer one updates; an older or equal one does not. A row
/// without an update time updates when its status, closed time or status notes differ. A
/// stored row without an update time is older than any row that has one.
pub fn decide(stored: &ServiceRequest, incoming: &ServiceRequest) -> Decision {
    let newer = match (incoming.updated_datetime, stored.updated_datetime) {
        // whole seconds, as stored: a source's fractional seconds are not news
        (Some(new), Some(old)) => new.timestamp() > old.timestamp(),
        (Some(_), None) => true,
        (None, _) => {
            incoming.status != stored.status
                || incoming.closed_datetime != stored.closed_datetime
                || incoming.status_notes != stored.status_notes
        }
    };
    if newer {
        Decision::Update {
            moved: is_moved(stored, incoming),
        }
    } else {
        Decision::Unchanged
    }
}

/// Whether the incoming row puts the request somewhere else or under another type.
pub fn is_moved(stored: &ServiceRequest, incoming: &ServiceRequest) -> bool {
    stored.service_code != incoming.service_code
        || stored.lat != incoming.lat
        || stored.lon != incoming.lon
}

/// The stored row after an update: status, status notes, updated and closed times from the
/// incoming row, its expected time when it gives one, and its location, address, districts
/// and type when it moved. The id, requested time, description and source stay.
pub fn merge(stored: &ServiceRequest, incoming: &ServiceRequest) -> ServiceRequest {
    let mut next = stored.clone();
    next.status = incoming.status;
    next.status_notes = incoming.status_notes.clone();
    next.updated_datetime = incoming.updated_datetime.or(stored.updated_datetime);
    next.closed_datetime = incoming.closed_datetime;
    if incoming.expected_datetime.is_some() {
        next.expected_datetime = incoming.expected_datetime;
    }
    if is_moved(stored, incoming) {
        next.service_code = incoming.service_code.clone();
        next.service_name = incoming.service_name.clone();
        next.lat = incoming.lat;
        next.lon = incoming.lon;
        next.address = incoming.address.clone();
        next.zipcode = incoming.zipcode.clone();
        next.districts = incoming.districts.clone();
    }
    next
}

/// Whether an update changes what the history records (status or status notes).
pub fn changes_status(before: &ServiceRequest, after: &ServiceRequest) -> bool {
    before.status != after.status || before.status_notes != after.status_notes
}

/// The history a row implies before any update: opened at its requested time and, when it
/// arrived closed, closed at its closed (else updated) time.
pub fn first_entries(r: &ServiceRequest) -> Vec<HistoryEntry> {
    let opened = HistoryEntry {
        at: r.requested_datetime,
        status: Status::Open,
        status_notes: None,
        source: r.source.clone(),
    };
    match r.status {
        Status::Open => vec![HistoryEntry {
            status_notes: r.status_notes.clone(),
            ..opened
        }],
        Status::Closed => vec![
            opened,
            HistoryEntry {
                at: r.closed_datetime.or(r.updated_datetime),
                status: Status::Closed,
                status_notes: r.status_notes.clone(),
                source: r.source.clone(),
            },
        ],
    }
}

/// The entry an update adds: the new status and notes, at the update (else closed) time.
pub fn entry_for(after: &ServiceRequest, source: &str) -> HistoryEntry {
    HistoryEntry {
        at: after.updated_datetime.or(after.closed_datetime),
        status: after.status,
        status_notes: after.status_notes.clone(),
        source: source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0)
    }

    fn stored() -> ServiceRequest {
        ServiceRequest {
            service_request_id: "1".into(),
            service_code: "pothole".into(),
            service_name: "Pothole".into(),
            status: Status::Open,
            requested_datetime: at(0),
            updated_datetime: at(100),
            expected_datetime: at(1_000),
            lat: 39.95,
            lon: -75.16,
            address: Some("1 MAIN ST".into()),
            description: Some("deep".into()),
            source: "import:a.csv".into(),
            ..Default::default()
        }
    }

    fn closed(updated: Option<DateTime<Utc>>) -> ServiceRequest {
        ServiceRequest {
            status: Status::Closed,
            closed_datetime: at(150),
            updated_datetime: updated,
            status_notes: Some("filled".into()),
            source: "import:b.csv".into(),
            description: None,
            ..stored()
        }
    }

    #[test]
    fn by_update_time_newer_updates_older_or_equal_does_not() {
        let cases = [
            (at(200), Decision::Update { moved: false }),
            (at(100), Decision::Unchanged),
            (at(50), Decision::Unchanged),
        ];
        for (updated, expected) in cases {
            assert_eq!(decide(&stored(), &closed(updated)), expected, "{updated:?}");
        }
    }

    #[test]
    fn a_stored_row_without_update_time_is_older_than_any_with_one() {
        let mut old = stored();
        old.updated_datetime = None;
        assert_eq!(
            decide(&old, &closed(at(-500))),
            Decision::Update { moved: false }
        );
    }

    #[test]
    fn without_update_times_a_changed_status_closed_time_or_note_updates() {
        let mut old = stored();
        old.updated_datetime = None;
        let mut same = old.clone();
        same.description = Some("other text".into());
        assert_eq!(decide(&old, &same), Decision::Unchanged);
        assert_eq!(
            decide(&old, &closed(None)),
            Decision::Update { moved: false }
        );
        let mut noted = old.clone();
        noted.status_notes = Some("crew sent".into());
        assert_eq!(decide(&old, &noted), Decision::Update { moved: false });
    }

    #[test]
    fn a_new_place_or_type_is_a_move() {
        let mut moved = closed(at(200));
        moved.lat += 0.001;
        assert_eq!(decide(&stored(), &moved), Decision::Update { moved: true });
        let mut retyped = closed(at(200));
        retyped.service_code = "streetlight".into();
        assert_eq!(
            decide(&stored(), &retyped),
            Decision::Update { moved: true }
        );
        let merged = merge(&stored(), &retyped);
        assert_eq!(merged.service_code, "streetlight");
    }

    #[test]
    fn merge_replaces_the_lifecycle_and_keeps_the_case() {
        let merged = merge(&stored(), &closed(at(200)));
        assert_eq!(merged.status, Status::Closed);
        assert_eq!(merged.closed_datetime, at(150));
        assert_eq!(merged.updated_datetime, at(200));
        assert_eq!(merged.status_notes.as_deref(), Some("filled"));
        assert_eq!(
            merged.expected_datetime,
            at(1_000),
            "kept: incoming gives the same"
        );
        // kept from the first record
        assert_eq!(merged.description.as_deref(), Some("deep"));
        assert_eq!(merged.source, "import:a.csv");
        assert_eq!(merged.requested_datetime, at(0));
        let mut no_due = closed(at(300));
        no_due.expected_datetime = None;
        assert_eq!(merge(&stored(), &no_due).expected_datetime, at(1_000));
        let mut reopened = stored();
        reopened.updated_datetime = at(400);
        let back = merge(&merged, &reopened);
        assert_eq!((back.status, back.closed_datetime), (Status::Open, None));
    }

    #[test]
    fn a_row_that_arrived_closed_implies_opened_then_closed() {
        let entries = first_entries(&closed(at(200)));
        let statuses: Vec<_> = entries.iter().map(|e| (e.at, e.status)).collect();
        assert_eq!(
            statuses,
            vec![(at(0), Status::Open), (at(150), Status::Closed)]
        );
        assert_eq!(entries[1].status_notes.as_deref(), Some("filled"));
        assert_eq!(first_entries(&stored()).len(), 1);
    }
}
