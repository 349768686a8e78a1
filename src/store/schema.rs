//! Connections and the database schema: current rows, tokens, the status history of updated
//! requests and the change feed other processes and event listeners read.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// Sets the write connection up: WAL, durable commits, foreign keys.
pub(super) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
}

/// A read-only connection.
pub(super) fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// Creates what is missing; a database of an earlier version gains the history and the
/// change feed (its rows then have no history yet: see [`super::Store::history`]).
pub(super) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
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
        CREATE INDEX IF NOT EXISTS requests_by_update ON requests (updated_at);
        -- `updated_after`/`updated_before` (sync): a request never updated changed when made
        CREATE INDEX IF NOT EXISTS requests_by_change
            ON requests (COALESCE(updated_at, requested_at));
        CREATE TABLE IF NOT EXISTS tokens (
            token TEXT PRIMARY KEY,
            service_request_id TEXT NOT NULL REFERENCES requests (service_request_id)
        );
        CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        -- status changes of requests that were updated after they were first stored
        CREATE TABLE IF NOT EXISTS history (
            entry INTEGER PRIMARY KEY,
            service_request_id TEXT NOT NULL,
            at INTEGER,
            status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
            status_notes TEXT,
            source TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS history_by_request ON history (service_request_id, entry);
        -- one row per stored or updated request, in commit order (rev)
        CREATE TABLE IF NOT EXISTS changes (
            rev INTEGER PRIMARY KEY AUTOINCREMENT,
            service_request_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('new', 'updated', 'moved')),
            previous_code TEXT
        );",
    )?;
    conn.execute_batch(super::cursor::SCHEMA)?;
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
