//! The status history of a request as `notes` (`extensions=true`), as Chicago's and Boston's
//! Open311 servers give it.

use chrono_tz::Tz;
use serde::Serialize;

use super::xml::XmlWriter;
use crate::model::Status;
use crate::store::HistoryEntry;
use crate::time::format_local;

/// One entry of a request's status history.
#[derive(Debug, Serialize)]
pub struct Note {
    datetime: Option<String>,
    /// `opened`, `closed`, `reopened` or `update`.
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    summary: &'static str,
    /// The status notes of the change.
    description: Option<String>,
    source: String,
}

impl Note {
    pub(super) fn write_xml(&self, w: &mut XmlWriter) {
        w.optional("datetime", self.datetime.as_deref());
        w.text("type", self.kind);
        w.text("status", self.status);
        w.text("summary", self.summary);
        w.optional("description", self.description.as_deref());
        w.text("source", &self.source);
    }
}

/// A request's history as notes: each entry says what changed relative to the one before.
pub fn notes(history: &[HistoryEntry], tz: Tz) -> Vec<Note> {
    let mut before: Option<Status> = None;
    history
        .iter()
        .map(|e| {
            let (kind, summary) = match (before, e.status) {
                (None, Status::Open) => ("opened", "Request opened"),
                (None | Some(Status::Open), Status::Closed) => ("closed", "Request closed"),
                (Some(Status::Closed), Status::Open) => ("reopened", "Request reopened"),
                (Some(_), _) => ("update", "Status notes updated"),
            };
            before = Some(e.status);
            Note {
                datetime: e.at.map(|t| format_local(t, tz)),
                kind,
                status: e.status.as_str(),
                summary,
                description: e.status_notes.clone(),
                source: e.source.clone(),
            }
        })
        .collect()
}
