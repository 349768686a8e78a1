//! SQLite persistence: the durable record of every accepted request.
//!
//! One writer thread owns the write connection and batches whatever intake is waiting into a
//! single transaction (WAL, `synchronous=FULL`); callers are answered only after the commit,
//! so an acknowledged request survives a crash. Readers use their own connections.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row};

use crate::model::{ServiceRequest, Status};
use crate::selection::{Page, Selection};

/// The database file inside a data directory.
pub const DB_FILE: &str = "hotspot.sqlite";
/// Largest number of requests the writer puts in one transaction.
const MAX_BATCH: usize = 5_000;
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

/// What happened to one request handed to [`Writer::insert`].
#[derive(Debug, Clone, PartialEq)]
pub enum InsertOutcome {
    /// Committed; carries the id (assigned by the store when the request had none).
    Inserted(String),
    /// A request with this id was already stored; nothing changed.
    Duplicate(String),
}

/// A request to insert, with an optional Open311 token that will map to its id.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// Its `service_request_id` may be empty: the store then assigns `HS-<number>`.
    pub request: ServiceRequest,
    pub token: Option<String>,
}

/// Called inside the writer after each commit with the requests that were inserted,
/// before any caller is answered (the in-memory index hooks in here).
pub type CommitHook = Box<dyn Fn(&[ServiceRequest]) + Send>;

struct Job {
    requests: Vec<NewRequest>,
    reply: Box<dyn FnOnce(Result<Vec<InsertOutcome>, StoreError>) + Send>,
}

/// Handle to the durable store: cheap to clone.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    readers: Arc<Vec<Mutex<Connection>>>,
    writer: Writer,
}

/// Handle to the single writer thread: cheap to clone.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
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
        configure(&conn).map_err(sql_err)?;
        migrate(&conn).map_err(sql_err)?;
        let readers = (0..READERS)
            .map(|_| open_reader(&path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql_err)?;
        let (jobs, rx) = mpsc::channel();
        thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run_writer(conn, rx, hook))
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
                &format!("{SELECT} WHERE service_request_id = ?1"),
                [id],
                from_row,
            )
            .optional()?
            .transpose()
        })
    }

    /// The requests with these ids, in the order of `ids` (unknown ids are skipped).
    pub fn get_many(&self, ids: &[std::sync::Arc<str>]) -> Result<Vec<ServiceRequest>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let sql = format!("{SELECT} WHERE service_request_id IN ({marks})");
        let mut found: HashMap<String, ServiceRequest> = self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                rusqlite::params_from_iter(ids.iter().map(|id| id.as_ref())),
                from_row,
            )?;
            rows.map(|r| r?.map(|r| (r.service_request_id.clone(), r)))
                .collect()
        })?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id.as_ref()))
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
        self.list_where(where_clause(selection), page)
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
            "{SELECT}{where_sql} ORDER BY requested_at DESC, seq DESC LIMIT {} OFFSET {}",
            page.limit, page.offset
        );
        self.read(|c| {
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), from_row)?;
            rows.map(|r| r?).collect()
        })
    }

    /// Every stored request in insertion order, passed to `f` one at a time.
    pub fn for_each(&self, mut f: impl FnMut(ServiceRequest)) -> Result<(), StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!("{SELECT} ORDER BY seq"))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                f(from_row(row)??);
            }
            Ok(())
        })
    }

    /// The newest `requested_datetime` stored, if any.
    pub fn newest_requested(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.read(|c| {
            let secs: Option<i64> =
                c.query_row("SELECT MAX(requested_at) FROM requests", [], |r| r.get(0))?;
            Ok(secs.and_then(|s| DateTime::from_timestamp(s, 0)))
        })
    }
}

impl Writer {
    /// Stores the requests in one transaction and waits for the commit.
    pub async fn insert(
        &self,
        requests: Vec<NewRequest>,
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.submit(requests, Box::new(move |r| drop(tx.send(r))))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Blocking form of [`Writer::insert`] for command-line work.
    pub fn insert_blocking(
        &self,
        requests: Vec<NewRequest>,
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.submit(requests, Box::new(move |r| drop(tx.send(r))))?;
        rx.recv().map_err(|_| StoreError::WriterGone)?
    }

    fn submit(
        &self,
        requests: Vec<NewRequest>,
        reply: Box<dyn FnOnce(Result<Vec<InsertOutcome>, StoreError>) + Send>,
    ) -> Result<(), StoreError> {
        self.jobs
            .send(Job { requests, reply })
            .map_err(|_| StoreError::WriterGone)
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
}

fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS requests (
            seq INTEGER PRIMARY KEY,
            service_request_id TEXT NOT NULL UNIQUE,
            service_code TEXT NOT NULL,
            service_name TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
            status_notes TEXT,
            requested_at INTEGER,
            updated_at INTEGER,
            expected_at INTEGER,
            closed_at INTEGER,
            address TEXT,
            zipcode TEXT,
            lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
            lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
            description TEXT,
            agency_responsible TEXT,
            media_url TEXT,
            source TEXT NOT NULL,
            districts TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX IF NOT EXISTS requests_by_time ON requests (requested_at);
        CREATE INDEX IF NOT EXISTS requests_by_code_time ON requests (service_code, requested_at);
        CREATE TABLE IF NOT EXISTS tokens (
            token TEXT PRIMARY KEY,
            service_request_id TEXT NOT NULL REFERENCES requests (service_request_id)
        );
        CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    )?;
    add_open311_columns(conn)
}

/// Adds the Open311 columns `requests.attributes` (the attribute answers, a JSON object of
/// code → values) and `requests.address_id` to a database made before they existed; does
/// nothing for a column that is there.
fn add_open311_columns(conn: &Connection) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('requests')")?;
    let columns = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (column, definition) in [
        ("attributes", "TEXT NOT NULL DEFAULT '{}'"),
        ("address_id", "TEXT"),
    ] {
        if !columns.iter().any(|c| c == column) {
            conn.execute_batch(&format!(
                "ALTER TABLE requests ADD COLUMN {column} {definition}"
            ))?;
        }
    }
    Ok(())
}

fn run_writer(mut conn: Connection, jobs: mpsc::Receiver<Job>, hook: CommitHook) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        let mut rows = batch[0].requests.len();
        while rows < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => {
                    rows += job.requests.len();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        match write_batch(&mut conn, &mut batch) {
            Ok((outcomes, inserted)) => {
                hook(&inserted);
                for (job, result) in batch.into_iter().zip(outcomes) {
                    (job.reply)(Ok(result));
                }
            }
            Err(e) => {
                let e = Arc::new(e);
                for job in batch {
                    (job.reply)(Err(StoreError::Write(Arc::clone(&e))));
                }
            }
        }
    }
}

type BatchResult = (Vec<Vec<InsertOutcome>>, Vec<ServiceRequest>);

fn write_batch(conn: &mut Connection, batch: &mut [Job]) -> rusqlite::Result<BatchResult> {
    let tx = conn.transaction()?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut inserted = Vec::new();
    {
        let mut next_number: i64 = tx
            .query_row(
                "SELECT value FROM counters WHERE name = 'request_number'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let numbered_before = next_number;
        let mut insert = tx.prepare_cached(INSERT)?;
        let mut token =
            tx.prepare_cached("INSERT INTO tokens (token, service_request_id) VALUES (?1, ?2)")?;
        for job in batch.iter_mut() {
            let mut results = Vec::with_capacity(job.requests.len());
            for new in job.requests.iter_mut() {
                let r = &mut new.request;
                if r.service_request_id.is_empty() {
                    next_number += 1;
                    r.service_request_id = format!("HS-{next_number:06}");
                }
                if insert_one(&mut insert, r)? {
                    if let Some(t) = &new.token {
                        token.execute(params![t, r.service_request_id])?;
                    }
                    inserted.push(r.clone());
                    results.push(InsertOutcome::Inserted(r.service_request_id.clone()));
                } else {
                    results.push(InsertOutcome::Duplicate(r.service_request_id.clone()));
                }
            }
            outcomes.push(results);
        }
        if next_number != numbered_before {
            tx.execute(
                "INSERT INTO counters (name, value) VALUES ('request_number', ?1)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [next_number],
            )?;
        }
    }
    tx.commit()?;
    Ok((outcomes, inserted))
}

const INSERT: &str = "INSERT INTO requests (service_request_id, service_code, service_name, status,
    status_notes, requested_at, updated_at, expected_at, closed_at, address, zipcode, lat, lon,
    description, agency_responsible, media_url, source, districts, attributes,
    address_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
    ?20)
    ON CONFLICT (service_request_id) DO NOTHING";

const SELECT: &str = "SELECT service_request_id, service_code, service_name, status, status_notes,
    requested_at, updated_at, expected_at, closed_at, address, zipcode, lat, lon, description,
    agency_responsible, media_url, source, districts, attributes, address_id FROM requests";

/// Inserts one request; false when its id was already stored.
fn insert_one(
    stmt: &mut rusqlite::CachedStatement<'_>,
    r: &ServiceRequest,
) -> rusqlite::Result<bool> {
    let secs = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp());
    let districts = serde_json::to_string(&r.districts).unwrap_or_else(|_| "{}".into());
    let attributes = serde_json::to_string(&r.attributes).unwrap_or_else(|_| "{}".into());
    let changed = stmt.execute(params![
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
    ])?;
    Ok(changed == 1)
}

/// Reads a row of [`SELECT`]; the inner error reports a corrupt stored value.
fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<ServiceRequest, StoreError>> {
    let id: String = row.get(0)?;
    let time = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(row
            .get::<_, Option<i64>>(i)?
            .and_then(|s| DateTime::from_timestamp(s, 0)))
    };
    let status: String = row.get(3)?;
    let districts: String = row.get(17)?;
    let attributes: String = row.get(18)?;
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
        service_code: row.get(1)?,
        service_name: row.get(2)?,
        status,
        status_notes: row.get(4)?,
        requested_datetime: time(5)?,
        updated_datetime: time(6)?,
        expected_datetime: time(7)?,
        closed_datetime: time(8)?,
        address: row.get(9)?,
        zipcode: row.get(10)?,
        lat: row.get(11)?,
        lon: row.get(12)?,
        description: row.get(13)?,
        agency_responsible: row.get(14)?,
        media_url: row.get(15)?,
        source: row.get(16)?,
        districts,
        attributes,
        address_id: row.get(19)?,
    }))
}

/// SQL `WHERE` text and its arguments for a selection.
fn where_clause(q: &Selection) -> (String, Vec<rusqlite::types::Value>) {
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
    if let Some(start) = q.start {
        parts.push("requested_at >= ?".into());
        args.push(Value::Integer(start));
    }
    if let Some(end) = q.end {
        parts.push("requested_at <= ?".into());
        args.push(Value::Integer(end));
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
