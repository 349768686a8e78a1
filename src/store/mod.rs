//! SQLite persistence: the durable record of every accepted request, its status history, and
//! a change feed.
//!
//! One writer thread owns the write connection and batches whatever work is waiting into a
//! single transaction (WAL, `synchronous=FULL`); callers are answered only after the commit,
//! so an acknowledged request survives a crash. A row whose id is stored is upserted by the
//! lifecycle rules ([`upsert`]). Every commit appends to the change feed; the commit hook
//! receives the changes (the in-memory index and the event stream hook in there), and changes
//! committed by other processes on the same database reach it too ([`Store::watch`]).
//! Readers use their own connections.

mod cursor;
mod rows;
mod schema;
pub mod upsert;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use crate::model::{ServiceRequest, Status};
use crate::selection::{Page, Selection};
pub use cursor::{SyncCursor, SyncMode};
pub use rows::UpdatedWindow;
pub use upsert::HistoryEntry;
pub use writer::Writer;

/// The database file inside a data directory.
pub const DB_FILE: &str = "hotspot.sqlite";
/// Read connections kept open for queries.
const READERS: usize = 4;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {path}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open database {path}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("database query failed")]
    Query(#[from] rusqlite::Error),
    #[error("stored request {id}: {reason}")]
    Corrupt { id: String, reason: String },
    /// The batch's transaction failed (shared by every caller of the batch).
    #[error("write failed, nothing of the batch was kept")]
    Write(#[source] Arc<rusqlite::Error>),
    #[error("the store's writer has stopped")]
    WriterGone,
}

/// What happened to one request handed to [`Writer::upsert`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// Stored for the first time; carries the id (assigned by the store when it had none).
    New(String),
    /// The stored request was newer-updated; `moved` when its location or type changed.
    Updated { id: String, moved: bool },
    /// The stored request is as new or newer: nothing changed.
    Unchanged(String),
}

impl UpsertOutcome {
    /// The request's id.
    pub fn id(&self) -> &str {
        match self {
            UpsertOutcome::New(id)
            | UpsertOutcome::Updated { id, .. }
            | UpsertOutcome::Unchanged(id) => id,
        }
    }
}

/// What became of a batch of upserts, by kind of outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub new: u64,
    pub updated: u64,
    /// Of the updated, those whose location or type changed.
    pub moved: u64,
    pub unchanged: u64,
}

impl UpsertCounts {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &UpsertOutcome) {
        match outcome {
            UpsertOutcome::New(_) => self.new += 1,
            UpsertOutcome::Updated { moved, .. } => {
                self.updated += 1;
                self.moved += u64::from(*moved);
            }
            UpsertOutcome::Unchanged(_) => self.unchanged += 1,
        }
    }
}

/// A request to store, with an optional Open311 token that will map to its id.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// Its `service_request_id` may be empty: the store then assigns `HS-<number>`.
    pub request: ServiceRequest,
    pub token: Option<String>,
}

/// A status change by staff ([`Writer::set_status`]).
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub id: String,
    pub status: Status,
    pub status_notes: Option<String>,
    /// When it happened; refused unless newer than the stored update.
    pub at: DateTime<Utc>,
    /// Who made it (recorded in the history), e.g. `staff`.
    pub source: String,
}

/// What a status change did.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusOutcome {
    /// Committed; the request as it is now.
    Updated(Box<ServiceRequest>),
    NotFound,
    /// The stored request was updated after the change's time (an equal time is applied:
    /// a crew may close a request in the second it was opened).
    Stale {
        stored: DateTime<Utc>,
    },
}

/// How a commit changed a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    New,
    Updated,
    /// Updated, and its location or type changed.
    Moved,
}

impl ChangeKind {
    fn as_str(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::Updated => "updated",
            ChangeKind::Moved => "moved",
        }
    }

    fn parse(text: &str) -> ChangeKind {
        match text {
            "new" => ChangeKind::New,
            "moved" => ChangeKind::Moved,
            _ => ChangeKind::Updated,
        }
    }
}

/// One entry of the change feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Position in the feed: grows with every change of every process.
    pub rev: i64,
    pub kind: ChangeKind,
    /// The service code the request had before (updates only).
    pub previous_code: Option<String>,
    /// The request as the change left it (as read back later: as it is now).
    pub request: ServiceRequest,
}

/// What the commit hook is told.
#[derive(Debug)]
pub enum Commit<'a> {
    /// These changes were committed, in feed order.
    Changes(&'a [Change]),
    /// Changes were missed (another process wrote more than the feed keeps): here is every
    /// stored request.
    Reset(Vec<ServiceRequest>),
}

/// Called inside the writer after each commit, before any caller is answered.
pub type CommitHook = Box<dyn Fn(Commit<'_>) + Send>;

/// Handle to the durable store: cheap to clone.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    readers: Arc<Vec<Mutex<Connection>>>,
    writer: Writer,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir`, with `hook` called after each commit.
    pub fn open(data_dir: &Path, hook: CommitHook) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join(DB_FILE);
        let sql_err = |source| StoreError::Sqlite {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(&path).map_err(sql_err)?;
        schema::configure(&conn).map_err(sql_err)?;
        schema::migrate(&conn).map_err(sql_err)?;
        let readers = (0..READERS)
            .map(|_| schema::open_reader(&path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql_err)?;
        let (jobs, rx) = mpsc::channel();
        thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer::run(conn, rx, hook))
            .expect("spawning the store writer thread");
        Ok(Store {
            path,
            readers: Arc::new(readers),
            writer: Writer { jobs },
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer handle.
    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Runs `f` on a free read connection.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        for slot in self.readers.iter() {
            if let Ok(conn) = slot.try_lock() {
                return f(&conn);
            }
        }
        let conn = self.readers[0].lock().unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }

    /// Number of stored requests.
    pub fn count(&self) -> Result<u64, StoreError> {
        self.read(|c| Ok(c.query_row("SELECT COUNT(*) FROM requests", [], |r| r.get(0))?))
    }

    /// One request by id.
    pub fn get(&self, id: &str) -> Result<Option<ServiceRequest>, StoreError> {
        self.read(|c| {
            c.query_row(
                &format!("{} WHERE service_request_id = ?1", rows::select()),
                [id],
                rows::from_row,
            )
            .optional()?
            .transpose()
        })
    }

    /// The requests with these ids, in the order of `ids` (unknown ids are skipped).
    pub fn get_many(&self, ids: &[Arc<str>]) -> Result<Vec<ServiceRequest>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let sql = format!("{} WHERE service_request_id IN ({marks})", rows::select());
        let mut found: HashMap<String, ServiceRequest> = self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                rusqlite::params_from_iter(ids.iter().map(|id| id.as_ref())),
                rows::from_row,
            )?;
            rows.map(|r| r?.map(|r| (r.service_request_id.clone(), r)))
                .collect()
        })?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id.as_ref()))
            .collect())
    }

    /// The status history of a request, oldest first (see [`Store::histories`]). Empty for
    /// an unknown id.
    pub fn history(&self, id: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let Some(request) = self.get(id)? else {
            return Ok(Vec::new());
        };
        Ok(self.histories(std::slice::from_ref(&request))?.remove(0))
    }

    /// The status histories of these stored requests (one per request, in order, read in one
    /// query), oldest first: the recorded changes, or for a request never updated since it
    /// was stored, the history its row implies (opened, and closed when it arrived closed).
    pub fn histories(
        &self,
        requests: &[ServiceRequest],
    ) -> Result<Vec<Vec<HistoryEntry>>, StoreError> {
        let ids: Vec<&str> = requests
            .iter()
            .map(|r| r.service_request_id.as_str())
            .collect();
        let mut recorded = self.read(|c| Ok(writer::read_histories(c, &ids)?))?;
        Ok(requests
            .iter()
            .map(|r| match recorded.remove(&r.service_request_id) {
                Some(entries) => entries,
                None => upsert::first_entries(r),
            })
            .collect())
    }

    /// The request id a token was issued for.
    pub fn token(&self, token: &str) -> Result<Option<String>, StoreError> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT service_request_id FROM tokens WHERE token = ?1",
                [token],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    /// One page of the selected requests, newest `requested_datetime` first (undated last),
    /// ties newest stored first.
    pub fn list(
        &self,
        selection: &Selection,
        page: Page,
    ) -> Result<Vec<ServiceRequest>, StoreError> {
        self.list_updated(selection, UpdatedWindow::default(), page)
    }

    /// [`Store::list`] restricted to requests updated within `updated`.
    pub fn list_updated(
        &self,
        selection: &Selection,
        updated: UpdatedWindow,
        page: Page,
    ) -> Result<Vec<ServiceRequest>, StoreError> {
        self.list_where(rows::where_clause(selection, updated), page)
    }

    /// One page of the requests with these ids, in [`Store::list`]'s order.
    pub fn list_ids(&self, ids: &[String], page: Page) -> Result<Vec<ServiceRequest>, StoreError> {
        use rusqlite::types::Value;
        let marks = vec!["?"; ids.len()].join(", ");
        let args = ids.iter().map(|s| Value::Text(s.clone())).collect();
        self.list_where(
            (format!(" WHERE service_request_id IN ({marks})"), args),
            page,
        )
    }

    fn list_where(
        &self,
        (where_sql, args): (String, Vec<rusqlite::types::Value>),
        page: Page,
    ) -> Result<Vec<ServiceRequest>, StoreError> {
        let sql = format!(
            "{}{where_sql} ORDER BY requested_at DESC, seq DESC LIMIT {} OFFSET {}",
            rows::select(),
            page.limit,
            page.offset
        );
        self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), rows::from_row)?;
            rows.map(|r| r?).collect()
        })
    }

    /// Every stored request in insertion order, passed to `f` one at a time; returns the
    /// change-feed position the reading saw (one read transaction).
    pub fn for_each(&self, mut f: impl FnMut(ServiceRequest)) -> Result<i64, StoreError> {
        self.read(|c| {
            let tx = c.unchecked_transaction()?;
            let rev = writer::newest_rev(&tx)?;
            let mut stmt = tx.prepare(&format!("{} ORDER BY seq", rows::select()))?;
            let mut found = stmt.query([])?;
            while let Some(row) = found.next()? {
                f(rows::from_row(row)??);
            }
            Ok(rev)
        })
    }

    /// Tells the writer that the hook's consumer (the index) holds everything up to change
    /// `rev` ([`Store::for_each`]'s answer); it catches up from there.
    pub fn follow_from(&self, rev: i64) -> Result<(), StoreError> {
        self.writer.follow_blocking(rev)
    }

    /// Up to `limit` changes after feed position `rev`, oldest first, with each request as it
    /// is now (to resume an event stream).
    pub fn changes_since(&self, rev: i64, limit: usize) -> Result<Vec<Change>, StoreError> {
        self.read(|c| Ok(writer::read_changes(c, rev, limit as i64)?))
    }

    /// The oldest change-feed position still kept (`None` for an empty feed).
    pub fn oldest_change(&self) -> Result<Option<i64>, StoreError> {
        self.read(|c| Ok(c.query_row("SELECT MIN(rev) FROM changes", [], |r| r.get(0))?))
    }

    /// How far `hotspot sync` has read the server at `url`, if it has.
    pub fn sync_cursor(&self, url: &str) -> Result<Option<SyncCursor>, StoreError> {
        self.read(|c| Ok(cursor::read(c, url)?))
    }

    /// The newest `requested_datetime` stored, if any.
    pub fn newest_requested(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.read(|c| {
            let secs: Option<i64> =
                c.query_row("SELECT MAX(requested_at) FROM requests", [], |r| r.get(0))?;
            Ok(rows::time(secs))
        })
    }

    /// Watches the database for commits of other processes (SQLite's `data_version`) every
    /// `interval` and has the writer load them, so the commit hook sees them within about
    /// `interval`. Stops once every handle of this store is dropped.
    pub fn watch(&self, interval: Duration) -> Result<(), StoreError> {
        let conn = schema::open_reader(&self.path).map_err(|source| StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        })?;
        let writer = self.writer.clone();
        let alive = Arc::downgrade(&self.readers);
        thread::Builder::new()
            .name("store-watch".into())
            .spawn(move || {
                let version = |c: &Connection| -> Option<i64> {
                    c.query_row("PRAGMA data_version", [], |r| r.get(0)).ok()
                };
                let mut seen = version(&conn);
                loop {
                    thread::sleep(interval);
                    if alive.strong_count() == 0 {
                        return;
                    }
                    let now = version(&conn);
                    if now != seen {
                        seen = now;
                        if writer.nudge().is_err() {
                            return;
                        }
                    }
                }
            })
            .expect("spawning the store watcher thread");
        Ok(())
    }
}
