//! Live events: every committed change (this process's and, through the store's watcher,
//! other processes') as a small record, broadcast to whoever listens (the server's
//! Server-Sent Events stream). Listeners that fall behind are told to reload.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::model::Status;
use crate::store::{Change, ChangeKind};

/// Batches of events kept for slow listeners before they are told to reload.
const CAPACITY: usize = 256;

/// What a listener learns of one change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Change-feed position: the SSE event id (`Last-Event-ID` resumes after it).
    pub rev: i64,
    pub kind: ChangeKind,
    pub id: String,
    /// Service code.
    #[serde(rename = "type")]
    pub service_code: String,
    pub status: Status,
    pub lat: f64,
    pub lon: f64,
    /// When it changed: the update time, else the request time.
    pub time: Option<DateTime<Utc>>,
}

impl Event {
    /// The event of a committed change.
    pub fn of(change: &Change) -> Event {
        let r = &change.request;
        Event {
            rev: change.rev,
            kind: change.kind,
            id: r.service_request_id.clone(),
            service_code: r.service_code.clone(),
            status: r.status,
            lat: r.lat,
            lon: r.lon,
            time: r.updated_datetime.or(r.requested_datetime),
        }
    }
}

/// One broadcast: events in feed order, or "everything changed, reload".
#[derive(Debug, Clone)]
pub enum Broadcast {
    Events(Arc<[Event]>),
    Reset,
}

/// The broadcaster; cheap to share.
#[derive(Debug, Clone)]
pub struct Events {
    sender: broadcast::Sender<Broadcast>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Events {
    /// Tells every listener about committed changes (nobody listening is fine).
    pub fn publish(&self, changes: &[Change]) {
        if self.sender.receiver_count() > 0 && !changes.is_empty() {
            let events: Arc<[Event]> = changes.iter().map(Event::of).collect();
            let _ = self.sender.send(Broadcast::Events(events));
        }
    }

    /// Tells every listener to reload.
    pub fn reset(&self) {
        let _ = self.sender.send(Broadcast::Reset);
    }

    /// A new listener: it receives what is published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Broadcast> {
        self.sender.subscribe()
    }
}
