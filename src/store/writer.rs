//! The single writer thread: batches whatever work is waiting into one transaction, applies
//! the upsert rules, records history and the change feed, and after the commit hands every
//! change (its own and, first, what other processes committed since) to the commit hook.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::cursor::{self, SyncCursor};
use super::rows::{self, COLUMNS};
use super::upsert::{self, Decision, HistoryEntry};
use super::{
    Change, ChangeKind, Commit, CommitHook, NewRequest, StatusChange, StatusOutcome, StoreError,
    UpsertOutcome,
};
use crate::model::{ServiceRequest, Status};

/// Largest number of requests the writer puts in one transaction.
const MAX_BATCH: usize = 5_000;
/// Change-feed rows kept (older ones are pruned; a process further behind rebuilds its index).
pub(super) const FEED_KEEP: i64 = 200_000;

/// Work for the writer.
pub(super) enum Work {
    Upsert(Vec<NewRequest>),
    Status(StatusChange),
    /// Load what other processes committed.
    CatchUp,
    /// The index was built from the store as of this change-feed position.
    Follow(i64),
    /// Remember how far a sync has read.
    SaveCursor(SyncCursor),
}

/// What the writer did.
pub(super) enum Done {
    Upserts(Vec<UpsertOutcome>),
    Status(StatusOutcome),
    Nothing,
}

type Reply = Box<dyn FnOnce(Result<Done, StoreError>) + Send>;

pub(super) struct Job {
    pub work: Work,
    pub reply: Reply,
}

impl Job {
    fn size(&self) -> usize {
        match &self.work {
            Work::Upsert(r) => r.len(),
            _ => 1,
        }
    }
}

/// Handle to the single writer thread: cheap to clone.
#[derive(Clone)]
pub struct Writer {
    pub(super) jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Stores the requests in one transaction (upserting those whose id is stored) and waits
    /// for the commit.
    pub async fn upsert(
        &self,
        requests: Vec<NewRequest>,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        match self.run(Work::Upsert(requests)).await? {
            Done::Upserts(outcomes) => Ok(outcomes),
            _ => Err(StoreError::WriterGone),
        }
    }

    /// Blocking form of [`Writer::upsert`] for command-line work.
    pub fn upsert_blocking(
        &self,
        requests: Vec<NewRequest>,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        match self.run_blocking(Work::Upsert(requests))? {
            Done::Upserts(outcomes) => Ok(outcomes),
            _ => Err(StoreError::WriterGone),
        }
    }

    /// Changes one request's status (a crew's update) and waits for the commit.
    pub async fn set_status(&self, change: StatusChange) -> Result<StatusOutcome, StoreError> {
        match self.run(Work::Status(change)).await? {
            Done::Status(outcome) => Ok(outcome),
            _ => Err(StoreError::WriterGone),
        }
    }

    /// Blocking form of [`Writer::set_status`].
    pub fn set_status_blocking(&self, change: StatusChange) -> Result<StatusOutcome, StoreError> {
        match self.run_blocking(Work::Status(change))? {
            Done::Status(outcome) => Ok(outcome),
            _ => Err(StoreError::WriterGone),
        }
    }

    /// Saves a sync cursor (after the requests it covers were committed) and waits for the
    /// commit.
    pub async fn save_cursor(&self, cursor: SyncCursor) -> Result<(), StoreError> {
        self.run(Work::SaveCursor(cursor)).await.map(drop)
    }

    /// Loads what other processes committed (into the index, through the commit hook) and
    /// waits until it has.
    pub fn catch_up_blocking(&self) -> Result<(), StoreError> {
        self.run_blocking(Work::CatchUp).map(drop)
    }

    /// Asks for a catch-up without waiting.
    pub(super) fn nudge(&self) -> Result<(), StoreError> {
        self.submit(Work::CatchUp, Box::new(drop))
    }

    pub(super) fn follow_blocking(&self, rev: i64) -> Result<(), StoreError> {
        self.run_blocking(Work::Follow(rev)).map(drop)
    }

    async fn run(&self, work: Work) -> Result<Done, StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.submit(work, Box::new(move |r| drop(tx.send(r))))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    fn run_blocking(&self, work: Work) -> Result<Done, StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.submit(work, Box::new(move |r| drop(tx.send(r))))?;
        rx.recv().map_err(|_| StoreError::WriterGone)?
    }

    fn submit(&self, work: Work, reply: Reply) -> Result<(), StoreError> {
        self.jobs
            .send(Job { work, reply })
            .map_err(|_| StoreError::WriterGone)
    }
}

/// The writer thread's loop.
pub(super) fn run(conn: Connection, jobs: mpsc::Receiver<Job>, hook: CommitHook) {
    let mut writer = WriterThread {
        last_rev: newest_rev(&conn).unwrap_or(0),
        conn,
        hook,
    };
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        let mut rows = batch[0].size();
        while rows < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => {
                    rows += job.size();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        writer.run_batch(batch);
    }
}

struct WriterThread {
    conn: Connection,
    /// The newest change the commit hook has seen.
    last_rev: i64,
    hook: CommitHook,
}

/// What one transaction did, for the hook.
struct Written {
    /// Other processes' changes (`Err`: too far behind, here is everything instead).
    foreign: Result<Vec<Change>, Vec<ServiceRequest>>,
    own: Vec<Change>,
    done: Vec<Done>,
}

impl WriterThread {
    fn run_batch(&mut self, batch: Vec<Job>) {
        for job in &batch {
            if let Work::Follow(rev) = job.work {
                self.last_rev = rev;
            }
        }
        let writes = batch.iter().any(|j| {
            matches!(
                j.work,
                Work::Upsert(_) | Work::Status(_) | Work::SaveCursor(_)
            )
        });
        if !writes && newest_rev(&self.conn).ok() == Some(self.last_rev) {
            for job in batch {
                (job.reply)(Ok(Done::Nothing));
            }
            return;
        }
        let mut work: Vec<Work> = Vec::with_capacity(batch.len());
        let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
        for job in batch {
            work.push(job.work);
            replies.push(job.reply);
        }
        match self.write(work) {
            Ok(written) => {
                match written.foreign {
                    Ok(changes) if !changes.is_empty() => (self.hook)(Commit::Changes(&changes)),
                    Ok(_) => {}
                    Err(everything) => (self.hook)(Commit::Reset(everything)),
                }
                if !written.own.is_empty() {
                    (self.hook)(Commit::Changes(&written.own));
                }
                for (reply, done) in replies.into_iter().zip(written.done) {
                    reply(Ok(done));
                }
            }
            Err(e) => {
                let e = Arc::new(e);
                for reply in replies {
                    reply(Err(StoreError::Write(Arc::clone(&e))));
                }
            }
        }
    }

    /// One transaction: read other processes' changes, then do the work.
    fn write(&mut self, work: Vec<Work>) -> rusqlite::Result<Written> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let foreign = changes_since(&tx, self.last_rev)?;
        let mut own = Vec::new();
        let mut done = Vec::with_capacity(work.len());
        for w in work {
            done.push(match w {
                Work::Upsert(requests) => Done::Upserts(upsert_all(&tx, requests, &mut own)?),
                Work::Status(change) => Done::Status(set_status(&tx, change, &mut own)?),
                Work::SaveCursor(c) => {
                    cursor::save(&tx, &c)?;
                    Done::Nothing
                }
                Work::CatchUp | Work::Follow(_) => Done::Nothing,
            });
        }
        let newest = own
            .last()
            .map(|c| c.rev)
            .or_else(|| foreign.as_ref().ok().and_then(|f| f.last().map(|c| c.rev)));
        let newest = match (&foreign, newest) {
            (_, Some(rev)) => rev,
            (Err(_), None) => newest_rev(&tx)?,
            (Ok(_), None) => self.last_rev,
        };
        tx.execute("DELETE FROM changes WHERE rev <= ?1", [newest - FEED_KEEP])?;
        tx.commit()?;
        self.last_rev = newest;
        Ok(Written { foreign, own, done })
    }
}

/// The newest change-feed position (0 for none).
pub(super) fn newest_rev(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(rev), 0) FROM changes", [], |r| {
        r.get(0)
    })
}

/// Changes after `rev` with each request's current row; `Err(every row)` when the feed no
/// longer reaches back to `rev`.
fn changes_since(
    conn: &Connection,
    rev: i64,
) -> rusqlite::Result<Result<Vec<Change>, Vec<ServiceRequest>>> {
    let first: Option<i64> =
        conn.query_row("SELECT MIN(rev) FROM changes WHERE rev > ?1", [rev], |r| {
            r.get(0)
        })?;
    match first {
        None => Ok(Ok(Vec::new())),
        Some(first) if first == rev + 1 => Ok(Ok(read_changes(conn, rev, i64::MAX)?)),
        Some(_) => {
            let mut everything = Vec::new();
            let mut stmt = conn.prepare(&format!("{} ORDER BY seq", rows::select()))?;
            let mut found = stmt.query([])?;
            while let Some(row) = found.next()? {
                if let Ok(r) = rows::from_row(row)? {
                    everything.push(r);
                }
            }
            Ok(Err(everything))
        }
    }
}

/// Up to `limit` changes after `rev`, oldest first, each with the request's current row
/// (corrupt rows are skipped: [`super::Store::get`] reports them).
pub(super) fn read_changes(
    conn: &Connection,
    rev: i64,
    limit: i64,
) -> rusqlite::Result<Vec<Change>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT changes.rev, changes.kind, changes.previous_code, {COLUMNS}
         FROM changes JOIN requests ON requests.service_request_id = changes.service_request_id
         WHERE changes.rev > ?1 ORDER BY changes.rev LIMIT ?2"
    ))?;
    let mut found = stmt.query(params![rev, limit])?;
    let mut changes = Vec::new();
    while let Some(row) = found.next()? {
        let kind: String = row.get(1)?;
        if let Ok(request) = rows::from_row_at(row, 3)? {
            changes.push(Change {
                rev: row.get(0)?,
                kind: ChangeKind::parse(&kind),
                previous_code: row.get(2)?,
                request,
            });
        }
    }
    Ok(changes)
}

/// Upserts every request (DESIGN.md, "Request lifecycle"), appending the changes to `own`.
fn upsert_all(
    tx: &Transaction<'_>,
    requests: Vec<NewRequest>,
    own: &mut Vec<Change>,
) -> rusqlite::Result<Vec<UpsertOutcome>> {
    let mut next_number: i64 = tx
        .query_row(
            "SELECT value FROM counters WHERE name = 'request_number'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let numbered_before = next_number;
    let mut outcomes = Vec::with_capacity(requests.len());
    for NewRequest { mut request, token } in requests {
        if request.service_request_id.is_empty() {
            next_number += 1;
            request.service_request_id = format!("HS-{next_number:06}");
        }
        outcomes.push(upsert_one(tx, request, token.as_deref(), own)?);
    }
    if next_number != numbered_before {
        tx.execute(
            "INSERT INTO counters (name, value) VALUES ('request_number', ?1)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [next_number],
        )?;
    }
    Ok(outcomes)
}

fn upsert_one(
    tx: &Transaction<'_>,
    request: ServiceRequest,
    token: Option<&str>,
    own: &mut Vec<Change>,
) -> rusqlite::Result<UpsertOutcome> {
    let id = request.service_request_id.clone();
    if rows::write(&mut tx.prepare_cached(rows::INSERT)?, &request)? == 1 {
        if let Some(t) = token {
            tx.prepare_cached("INSERT INTO tokens (token, service_request_id) VALUES (?1, ?2)")?
                .execute(params![t, id])?;
        }
        own.push(record_change(tx, ChangeKind::New, None, request)?);
        return Ok(UpsertOutcome::New(id));
    }
    let Some(stored) = stored(tx, &id)? else {
        return Ok(UpsertOutcome::Unchanged(id));
    };
    match upsert::decide(&stored, &request) {
        Decision::Unchanged => Ok(UpsertOutcome::Unchanged(id)),
        Decision::Update { moved } => {
            let next = upsert::merge(&stored, &request);
            update(tx, &stored, next, &request.source, moved, own)?;
            Ok(UpsertOutcome::Updated { id, moved })
        }
    }
}

/// A crew's status change: refused when not newer than the stored update.
fn set_status(
    tx: &Transaction<'_>,
    change: StatusChange,
    own: &mut Vec<Change>,
) -> rusqlite::Result<StatusOutcome> {
    let Some(stored) = stored(tx, &change.id)? else {
        return Ok(StatusOutcome::NotFound);
    };
    if let Some(last) = stored.updated_datetime.filter(|&t| t > change.at) {
        return Ok(StatusOutcome::Stale { stored: last });
    }
    let mut next = stored.clone();
    next.status = change.status;
    next.status_notes = change.status_notes;
    next.updated_datetime = Some(change.at);
    next.closed_datetime = match change.status {
        Status::Closed => Some(change.at),
        Status::Open => None,
    };
    update(tx, &stored, next.clone(), &change.source, false, own)?;
    Ok(StatusOutcome::Updated(Box::new(next)))
}

/// Writes an update, its history entry and its change.
fn update(
    tx: &Transaction<'_>,
    stored: &ServiceRequest,
    next: ServiceRequest,
    source: &str,
    moved: bool,
    own: &mut Vec<Change>,
) -> rusqlite::Result<()> {
    if upsert::changes_status(stored, &next) {
        record_history(tx, stored, &upsert::entry_for(&next, source))?;
    }
    rows::write(&mut tx.prepare_cached(rows::UPDATE)?, &next)?;
    let kind = if moved {
        ChangeKind::Moved
    } else {
        ChangeKind::Updated
    };
    own.push(record_change(
        tx,
        kind,
        Some(stored.service_code.clone()),
        next,
    )?);
    Ok(())
}

fn stored(tx: &Transaction<'_>, id: &str) -> rusqlite::Result<Option<ServiceRequest>> {
    let mut stmt =
        tx.prepare_cached(&format!("{} WHERE service_request_id = ?1", rows::select()))?;
    Ok(stmt
        .query_row([id], rows::from_row)
        .optional()?
        .and_then(Result::ok))
}

/// Appends `entry`; a request's first recorded change first writes the history its stored
/// row implies.
fn record_history(
    tx: &Transaction<'_>,
    stored: &ServiceRequest,
    entry: &HistoryEntry,
) -> rusqlite::Result<()> {
    let id = &stored.service_request_id;
    let known: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM history WHERE service_request_id = ?1)")?
        .query_row([id], |r| r.get(0))?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO history (service_request_id, at, status, status_notes, source)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let first = if known {
        Vec::new()
    } else {
        upsert::first_entries(stored)
    };
    for e in first.iter().chain(std::iter::once(entry)) {
        insert.execute(params![
            id,
            rows::secs(e.at),
            e.status.as_str(),
            e.status_notes,
            e.source
        ])?;
    }
    Ok(())
}

fn record_change(
    tx: &Transaction<'_>,
    kind: ChangeKind,
    previous_code: Option<String>,
    request: ServiceRequest,
) -> rusqlite::Result<Change> {
    tx.prepare_cached(
        "INSERT INTO changes (service_request_id, kind, previous_code) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![
        request.service_request_id,
        kind.as_str(),
        previous_code
    ])?;
    Ok(Change {
        rev: tx.last_insert_rowid(),
        kind,
        previous_code,
        request,
    })
}

/// Reads the recorded histories of these requests (those that have one), oldest first.
pub(super) fn read_histories(
    conn: &Connection,
    ids: &[&str],
) -> rusqlite::Result<HashMap<String, Vec<HistoryEntry>>> {
    let mut histories: HashMap<String, Vec<HistoryEntry>> = HashMap::new();
    if ids.is_empty() {
        return Ok(histories);
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let mut stmt = conn.prepare(&format!(
        "SELECT service_request_id, at, status, status_notes, source FROM history
         WHERE service_request_id IN ({marks}) ORDER BY entry"
    ))?;
    let mut found = stmt.query(rusqlite::params_from_iter(ids))?;
    while let Some(row) = found.next()? {
        let status: String = row.get(2)?;
        histories
            .entry(row.get(0)?)
            .or_default()
            .push(HistoryEntry {
                at: rows::time(row.get(1)?),
                status: status.parse().unwrap_or_default(),
                status_notes: row.get(3)?,
                source: row.get(4)?,
            });
    }
    Ok(histories)
}
