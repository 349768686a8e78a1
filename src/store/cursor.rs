//! Sync cursors: how far `hotspot sync` has read each remote server, so a rerun continues.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::rows;

/// How a remote server is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// By `updated_after`/`updated_before` (the server supports Chicago's extension).
    Updated,
    /// By `start_date`/`end_date` (requested time): the last days are re-read every run.
    Requested,
}

impl SyncMode {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::Updated => "updated",
            SyncMode::Requested => "requested",
        }
    }

    fn parse(text: &str) -> SyncMode {
        if text == "updated" {
            SyncMode::Updated
        } else {
            SyncMode::Requested
        }
    }
}

/// How far one remote server has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCursor {
    /// The server's base URL, as given to `hotspot sync`.
    pub url: String,
    pub mode: SyncMode,
    /// Everything updated (or requested, by mode) before this instant has been read.
    pub through: DateTime<Utc>,
    /// When the cursor was saved.
    pub saved_at: DateTime<Utc>,
}

pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS sync_cursors (
    url TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    through INTEGER NOT NULL,
    saved_at INTEGER NOT NULL
);";

pub(super) fn read(conn: &Connection, url: &str) -> rusqlite::Result<Option<SyncCursor>> {
    conn.query_row(
        "SELECT mode, through, saved_at FROM sync_cursors WHERE url = ?1",
        [url],
        |r| {
            let mode: String = r.get(0)?;
            Ok((mode, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        },
    )
    .optional()
    .map(|found| {
        found.and_then(|(mode, through, saved_at)| {
            Some(SyncCursor {
                url: url.to_string(),
                mode: SyncMode::parse(&mode),
                through: rows::time(Some(through))?,
                saved_at: rows::time(Some(saved_at))?,
            })
        })
    })
}

pub(super) fn save(conn: &Connection, cursor: &SyncCursor) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sync_cursors (url, mode, through, saved_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (url) DO UPDATE SET mode = ?2, through = ?3, saved_at = ?4",
        params![
            cursor.url,
            cursor.mode.as_str(),
            cursor.through.timestamp(),
            cursor.saved_at.timestamp()
        ],
    )?;
    Ok(())
}
