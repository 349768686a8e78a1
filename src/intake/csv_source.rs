//! Streaming CSV reader that turns bad records into [`RowError`]s instead of failing.
//!
//! Physical lines are read one at a time and joined while a quoted field is still open
//! (so quoted multi-line fields work); each complete record is then split into fields by
//! the `csv` crate (flexible, so ragged rows are seen, not fatal). That split keeps damage
//! local:
//! - a record whose field count differs from the header is a "ragged row";
//! - a quote that is never closed (by the end of the file, within [`MAX_RECORD_LINES`]
//!   lines, or by a record that then comes out ragged) is an "unbalanced quote" on the line
//!   where the record starts, and reading resumes on the next physical line;
//! - a field that is not UTF-8 is "invalid UTF-8" for that record only;
//! - a UTF-8 byte-order mark is dropped; blank lines are skipped.
//!
//! Line numbers are 1-based physical lines where a record starts.

use std::collections::VecDeque;
use std::io::BufRead;

use chrono_tz::Tz;
use csv::ByteRecord;

use super::columns::ColumnMap;
use super::fields::Row;
use super::IntakeError;
use crate::model::{RawRequest, RowError};

/// Longest quoted field (in physical lines) before the quote is judged unbalanced.
pub const MAX_RECORD_LINES: usize = 1_000;
/// Largest record in bytes before an open quote is judged unbalanced.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Where the CSV grammar is at the end of a physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    FieldStart,
    Unquoted,
    Quoted,
    AfterClosing,
}

/// Advances the quote state over one physical line (as the `csv` crate reads quotes: a
/// quote opens a field only at its start, `""` inside quotes is a literal quote).
fn scan(mut state: Quote, line: &[u8]) -> Quote {
    for &b in line {
        state = match (state, b) {
            (Quote::Quoted, b'"') => Quote::AfterClosing,
            (Quote::Quoted, _) => Quote::Quoted,
            (Quote::AfterClosing, b'"') | (Quote::FieldStart, b'"') => Quote::Quoted,
            (_, b',') | (_, b'\n') => Quote::FieldStart,
            _ => Quote::Unquoted,
        };
    }
    state
}

/// A physical line with its 1-based number.
type Line = (u64, Vec<u8>);

/// The input side of [`Splitter`]: hands the `csv` reader one record at a time.
#[derive(Debug, Default)]
struct Feed {
    data: Vec<u8>,
    pos: usize,
    /// The reader asked for more than one record: it is out of step with the lines.
    starved: bool,
}

impl std::io::Read for Feed {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.data[self.pos..];
        let n = rest.len().min(out.len());
        if n == 0 {
            self.starved = true;
        }
        out[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

/// Splits complete records into fields with one long-lived `csv` reader (building a
/// reader per record is slow). Records are fed ending in exactly one `\n`, the only
/// terminator, so the reader never needs to look past a record; if it ever does (it then
/// sees the end of its input), it is replaced by a fresh one.
struct Splitter {
    rdr: csv::Reader<Feed>,
    fed: u64,
}

impl Splitter {
    fn new() -> Splitter {
        Splitter {
            rdr: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .terminator(csv::Terminator::Any(b'\n'))
                .from_reader(Feed::default()),
            fed: 0,
        }
    }

    fn split(&mut self, lines: &[Line]) -> ByteRecord {
        let feed = self.rdr.get_mut();
        feed.data.clear();
        feed.pos = 0;
        for (_, line) in lines {
            feed.data.extend_from_slice(line);
        }
        while matches!(feed.data.last(), Some(b'\n' | b'\r')) {
            feed.data.pop();
        }
        feed.data.push(b'\n');
        self.fed += feed.data.len() as u64;
        let mut rec = ByteRecord::new();
        let ok = matches!(self.rdr.read_byte_record(&mut rec), Ok(true));
        let in_step = !self.rdr.get_ref().starved && self.rdr.position().byte() == self.fed;
        if !in_step {
            *self = Splitter::new();
        }
        if ok {
            rec
        } else {
            ByteRecord::new()
        }
    }
}

/// The first record of `head` as text (BOM dropped), for format detection.
pub fn parse_header(head: &[u8]) -> Vec<String> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let mut rec = ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Streaming CSV source (see the module documentation).
pub struct CsvSource {
    input: Box<dyn BufRead + Send>,
    map: ColumnMap,
    splitter: Splitter,
    /// Lines taken back after an unbalanced quote, to be read again.
    pending: VecDeque<Line>,
    next_line: u64,
    bytes_read: u64,
    total: u64,
    tz: Tz,
    done: bool,
}

impl CsvSource {
    /// Reads the header row.
    pub fn new(
        path: &str,
        input: Box<dyn BufRead + Send>,
        total: u64,
        tz: Tz,
    ) -> Result<CsvSource, IntakeError> {
        let mut src = CsvSource {
            input,
            map: ColumnMap::new::<&str>(&[]),
            splitter: Splitter::new(),
            pending: VecDeque::new(),
            next_line: 1,
            bytes_read: 0,
            total,
            tz,
            done: false,
        };
        let no_header = || IntakeError::NoHeader { path: path.into() };
        let (_, lines) = match src.next_record() {
            Some(Ok(found)) => found,
            Some(Err(e)) if e.reason == "read error" => {
                return Err(IntakeError::Io {
                    path: path.into(),
                    source: std::io::Error::other(e.detail),
                })
            }
            _ => return Err(no_header()),
        };
        let header: Vec<String> = src
            .splitter
            .split(&lines)
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect();
        src.map = ColumnMap::new(&header);
        Ok(src)
    }

    /// The CRS the X/Y column names carry, if any.
    pub fn file_crs(&self) -> Option<&str> {
        self.map.xy_crs.as_deref()
    }

    /// Bytes consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Input size in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.total
    }

    fn next_physical(&mut self) -> Option<std::io::Result<Line>> {
        if let Some(line) = self.pending.pop_front() {
            return Some(Ok(line));
        }
        let mut buf = Vec::new();
        match self.input.read_until(b'\n', &mut buf) {
            Ok(0) => None,
            Ok(n) => {
                self.bytes_read += n as u64;
                let no = self.next_line;
                self.next_line += 1;
                if no == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
                    buf.drain(..3);
                }
                Some(Ok((no, buf)))
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// Gives back every line but the first of a failed record and reports its open quote.
    fn unbalanced(&mut self, mut lines: Vec<Line>) -> RowError {
        let start = lines.first().map_or(self.next_line, |l| l.0);
        for line in lines.drain(1..).rev() {
            self.pending.push_front(line);
        }
        RowError::new(
            start,
            "row",
            "unbalanced quote",
            "a quoted field is not closed where the record should end",
        )
    }

    fn read_error(&mut self, e: std::io::Error) -> RowError {
        self.done = true;
        RowError::new(self.next_line, "file", "read error", e.to_string())
    }

    /// The physical lines of the next non-blank record.
    fn next_record(&mut self) -> Option<Result<(u64, Vec<Line>), RowError>> {
        let first = loop {
            match self.next_physical()? {
                Err(e) => return Some(Err(self.read_error(e))),
                Ok(line) if is_blank(&line.1) => continue,
                Ok(line) => break line,
            }
        };
        let start = first.0;
        let mut state = scan(Quote::FieldStart, &first.1);
        let mut size = first.1.len();
        let mut lines = vec![first];
        while state == Quote::Quoted {
            if lines.len() >= MAX_RECORD_LINES || size >= MAX_RECORD_BYTES {
                return Some(Err(self.unbalanced(lines)));
            }
            match self.next_physical() {
                None => return Some(Err(self.unbalanced(lines))),
                Some(Err(e)) => return Some(Err(self.read_error(e))),
                Some(Ok(line)) => {
                    state = scan(state, &line.1);
                    size += line.1.len();
                    lines.push(line);
                }
            }
        }
        Some(Ok((start, lines)))
    }

    fn row(&mut self, start: u64, lines: Vec<Line>) -> Result<RawRequest, RowError> {
        let rec = self.splitter.split(&lines);
        if rec.len() != self.map.len() {
            if lines.len() > 1 {
                return Err(self.unbalanced(lines));
            }
            let detail = format!("expected {} fields, found {}", self.map.len(), rec.len());
            return Err(RowError::new(start, "row", "ragged row", detail));
        }
        let mut values = Vec::with_capacity(rec.len());
        for (i, field) in rec.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(s) => values.push(Some(s)),
                Err(e) => {
                    let detail = format!("bad byte after {} valid bytes", e.valid_up_to());
                    let name = self.map.column_name(i);
                    return Err(RowError::new(start, name, "invalid UTF-8", detail));
                }
            }
        }
        Row {
            line: start,
            map: &self.map,
            values: &values,
            tz: self.tz,
        }
        .build(None)
    }
}

impl Iterator for CsvSource {
    type Item = Result<RawRequest, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_record()? {
            Ok((start, lines)) => Some(self.row(start, lines)),
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_state() {
        assert_eq!(scan(Quote::FieldStart, b"a,b,c\n"), Quote::FieldStart);
        assert_eq!(scan(Quote::FieldStart, b"a,\"b\nc"), Quote::Quoted);
        assert_eq!(scan(Quote::Quoted, b"still\n"), Quote::Quoted);
        assert_eq!(scan(Quote::Quoted, b"end\",x\n"), Quote::FieldStart);
        assert_eq!(
            scan(Quote::FieldStart, b"5 1/2\" pipe,x\n"),
            Quote::FieldStart
        );
        assert_eq!(
            scan(Quote::FieldStart, b"\"say \"\"hi\"\"\",x\n"),
            Quote::FieldStart
        );
        assert_eq!(scan(Quote::FieldStart, b"\"a\"\r\n"), Quote::FieldStart);
    }

    #[test]
    fn splitter_stays_in_step() {
        let mut s = Splitter::new();
        let line = |t: &str| vec![(1u64, t.as_bytes().to_vec())];
        assert_eq!(
            s.split(&line("a,b,c\r\n")),
            ByteRecord::from(vec!["a", "b", "c"])
        );
        assert_eq!(
            s.split(&line("\"x,y\",z")),
            ByteRecord::from(vec!["x,y", "z"])
        );
        let two = vec![(2, b"\"multi\r\n".to_vec()), (3, b"line\",q\n".to_vec())];
        assert_eq!(s.split(&two), ByteRecord::from(vec!["multi\r\nline", "q"]));
        // A stray CR is data, not a terminator.
        assert_eq!(
            s.split(&line("a\rb,c\n")),
            ByteRecord::from(vec!["a\rb", "c"])
        );
        // An open quote makes the reader look past the record: it is replaced, and the
        // next record still splits correctly.
        assert_eq!(s.split(&line("\"open,x\n")).len(), 1);
        assert_eq!(s.split(&line("d,e\n")), ByteRecord::from(vec!["d", "e"]));
    }

    #[test]
    fn header_parsing() {
        assert_eq!(
            parse_header(b"\xEF\xBB\xBF\"Unique Key\",Created Date\n1,2\n"),
            vec!["Unique Key", "Created Date"]
        );
        assert!(parse_header(b"").is_empty());
    }
}
