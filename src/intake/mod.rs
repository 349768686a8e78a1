//! Source formats: reads 311 exports into [`RawRequest`]s, one row at a time.
//!
//! Supported: Philadelphia (`public_cases_fc` CSV/JSON and the Parks & Rec extract), NYC 311
//! Service Requests (classic and newer column names), Chicago 311 (current portal, older
//! per-type datasets, GeoJSON), Open311 GeoReport v2 JSON, any GeoJSON FeatureCollection of
//! points, and generic CSV with columns matched by synonyms (see [`columns`]).
//!
//! [`read`] returns a [`Reader`], an iterator of `Result<RawRequest, RowError>`: a bad row is
//! an item, never the end of the file. Whole-file problems are [`IntakeError`]s.
//! Nothing is projected here: rows with projected X/Y come out as
//! [`SourceLocation::Projected`](crate::model::SourceLocation::Projected), and
//! [`Reader::crs`] says which CRS they are in. [`accept`] then types, projects and checks
//! each row against the city.

pub mod accept;
pub mod columns;
mod csv_source;
pub mod fields;
mod json_source;
#[cfg(test)]
mod tests;

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use chrono_tz::Tz;

use crate::model::{RawRequest, RowError};
use csv_source::CsvSource;
use json_source::JsonSource;

/// How many bytes of a file [`Format::detect_file`] looks at.
pub const HEAD_BYTES: usize = 64 * 1024;

/// Whole-file problems: the file cannot be read at all, or is not any supported format.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The file cannot be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The file should be JSON (by its name or first byte) but does not parse.
    #[error("{path} is not valid JSON: {reason}")]
    NotJson { path: String, reason: String },
    /// JSON of a shape no format uses (e.g. a number, or an object that is no FeatureCollection).
    #[error("{path}: unsupported JSON: {found}")]
    UnsupportedJson { path: String, found: String },
    /// A CSV file without a header row (empty file).
    #[error("{path} has no header row")]
    NoHeader { path: String },
    /// No format recognises the columns.
    #[error(
        "{path}: unknown format: header {header:?} has no lat/lon, X/Y or address column; \
         pick one with --format"
    )]
    UnknownFormat { path: String, header: String },
    /// The `--format` value names no format.
    #[error("unknown format {0:?} (expected auto, philly, nyc, chicago, open311, geojson or csv)")]
    UnknownFormatName(String),
    /// A GeoJSON `crs` member that names no CRS Hotspot understands.
    #[error("{path}: unsupported crs {name:?}")]
    Crs { path: String, name: String },
}

/// A source format. `Auto` asks [`read`] to detect it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Detect from the file's name, first byte and column names.
    #[default]
    Auto,
    /// Philadelphia: `public_cases_fc` CSV or JSON array, Parks & Rec CSV. X/Y: EPSG:2272.
    Philly,
    /// NYC 311 Service Requests CSV (classic or newer names). X/Y: EPSG:2263.
    Nyc,
    /// Chicago 311 CSV (portal or older per-type columns) or GeoJSON. X/Y: EPSG:3435.
    Chicago,
    /// Open311 GeoReport v2 JSON array of requests.
    Open311,
    /// Any GeoJSON FeatureCollection of points with properties.
    GeoJson,
    /// Generic CSV, columns matched by synonyms.
    Csv,
}

impl Format {
    /// Every concrete format (not `Auto`).
    pub const ALL: [Format; 6] = [
        Format::Philly,
        Format::Nyc,
        Format::Chicago,
        Format::Open311,
        Format::GeoJson,
        Format::Csv,
    ];

    /// The CLI spelling: `auto`, `philly`, `nyc`, `chicago`, `open311`, `geojson`, `csv`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Philly => "philly",
            Format::Nyc => "nyc",
            Format::Chicago => "chicago",
            Format::Open311 => "open311",
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
        }
    }

    /// CRS of projected X/Y columns when neither the file nor the configuration names one.
    pub fn default_crs(self) -> Option<&'static str> {
        match self {
            Format::Philly => Some("EPSG:2272"),
            Format::Nyc => Some("EPSG:2263"),
            Format::Chicago => Some("EPSG:3435"),
            Format::Auto | Format::Open311 | Format::GeoJson | Format::Csv => None,
        }
    }

    /// Detects the format from the file name and its first bytes.
    ///
    /// A first non-space byte `[` means a JSON array (Philly, Chicago/NYC portal JSON or
    /// Open311), `{` a GeoJSON object (Chicago or generic GeoJSON), anything else CSV. The
    /// city is then chosen by distinctive column names ([`columns::profile_format`]). A
    /// `.json`/`.geojson` name whose content does not start like JSON is an error; so is a
    /// CSV header with no lat/lon, X/Y or address column.
    pub fn detect(path: &Path, head: &[u8]) -> Result<Format, IntakeError> {
        let head = strip_bom(head);
        let shown = path.display().to_string();
        let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let json_name = matches!(ext.as_deref(), Some("json" | "geojson"));
        match first {
            None => Err(IntakeError::NoHeader { path: shown }),
            Some(b'[') => Ok(columns::profile_format(&json_keys(head)).unwrap_or(Format::Open311)),
            Some(b'{') => Ok(match columns::profile_format(&json_keys(head)) {
                Some(Format::Chicago) => Format::Chicago,
                _ => Format::GeoJson,
            }),
            Some(_) if json_name => Err(IntakeError::NotJson {
                path: shown,
                reason: "does not start with '[' or '{'".into(),
            }),
            Some(_) => detect_csv(&shown, head),
        }
    }

    /// Reads the first [`HEAD_BYTES`] of `path` and calls [`Format::detect`].
    pub fn detect_file(path: &Path) -> Result<Format, IntakeError> {
        let mut head = Vec::with_capacity(HEAD_BYTES);
        File::open(path)
            .and_then(|f| f.take(HEAD_BYTES as u64).read_to_end(&mut head))
            .map_err(|source| io_error(path, source))?;
        Format::detect(path, &head)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = IntakeError;

    /// Parses the `--format` flag, case-insensitively.
    fn from_str(s: &str) -> Result<Format, IntakeError> {
        let t = s.trim().to_ascii_lowercase();
        std::iter::once(Format::Auto)
            .chain(Format::ALL)
            .find(|f| f.name() == t)
            .ok_or_else(|| IntakeError::UnknownFormatName(s.to_string()))
    }
}

fn detect_csv(path: &str, head: &[u8]) -> Result<Format, IntakeError> {
    let header = csv_source::parse_header(head);
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(IntakeError::NoHeader { path: path.into() });
    }
    if let Some(found) = columns::profile_format(&header) {
        return Ok(match found {
            Format::Open311 => Format::Csv,
            other => other,
        });
    }
    if columns::ColumnMap::new(&header).can_locate() {
        Ok(Format::Csv)
    } else {
        Err(IntakeError::UnknownFormat {
            path: path.into(),
            header: header.join(","),
        })
    }
}

/// Object keys (`"name":`) in possibly truncated JSON text, in order of appearance.
fn json_keys(head: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    let mut i = 0;
    while i < head.len() {
        if head[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < head.len() && head[j] != b'"' {
            j += if head[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(head.len());
        let mut k = end + 1;
        while k < head.len() && head[k].is_ascii_whitespace() {
            k += 1;
        }
        if head.get(k) == Some(&b':') {
            keys.push(String::from_utf8_lossy(&head[start..end]).into_owned());
        }
        i = end + 1;
    }
    keys
}

/// Drops a UTF-8 byte-order mark.
fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn io_error(path: &Path, source: std::io::Error) -> IntakeError {
    IntakeError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Options for [`read`].
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Time zone of source datetimes without an offset (the city's).
    pub timezone: Tz,
    /// CRS of projected X/Y when the file does not name one (a configured override of the
    /// format's default, e.g. from `hotspot.toml` `[crs]`).
    pub crs: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            timezone: Tz::UTC,
            crs: None,
        }
    }
}

impl ReadOptions {
    /// Options with a time zone and no CRS override.
    pub fn new(timezone: Tz) -> ReadOptions {
        ReadOptions {
            timezone,
            crs: None,
        }
    }
}

enum Source {
    Csv(Box<CsvSource>),
    Json(Box<JsonSource>),
}

/// A streaming reader of one source file: an iterator of rows, each a [`RawRequest`] or the
/// [`RowError`] that rejected it.
///
/// CSV is read record by record; JSON and GeoJSON are parsed whole, then handed out one
/// record/feature at a time.
pub struct Reader {
    format: Format,
    crs: Option<String>,
    source: Source,
}

impl fmt::Debug for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("format", &self.format)
            .field("crs", &self.crs)
            .field("bytes_read", &self.bytes_read())
            .field("total_bytes", &self.total_bytes())
            .finish()
    }
}

impl Reader {
    /// The format being read (never `Auto`).
    pub fn format(&self) -> Format {
        self.format
    }

    /// The CRS of [`Projected`](crate::model::SourceLocation::Projected) locations: the one
    /// the file names (X/Y column names like `x_m_epsg26971`, a GeoJSON `crs` member), else
    /// [`ReadOptions::crs`], else the format's default. `None`: projected rows cannot be
    /// placed without configuration.
    pub fn crs(&self) -> Option<&str> {
        self.crs.as_deref()
    }

    /// Bytes consumed so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        match &self.source {
            Source::Csv(s) => s.bytes_read(),
            Source::Json(s) => s.bytes_read(),
        }
    }

    /// Size of the input in bytes.
    pub fn total_bytes(&self) -> u64 {
        match &self.source {
            Source::Csv(s) => s.total_bytes(),
            Source::Json(s) => s.total_bytes(),
        }
    }
}

impl Iterator for Reader {
    type Item = Result<RawRequest, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.source {
            Source::Csv(s) => s.next(),
            Source::Json(s) => s.next(),
        }
    }
}

/// Opens `path` for reading as `format` (`Auto`: detected with [`Format::detect_file`]).
pub fn read(path: &Path, format: Format, opts: &ReadOptions) -> Result<Reader, IntakeError> {
    let format = match format {
        Format::Auto => Format::detect_file(path)?,
        f => f,
    };
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let total = file.metadata().map_err(|e| io_error(path, e))?.len();
    open(path, format, opts, Box::new(BufReader::new(file)), total)
}

/// Reads an in-memory file (an upload, a test sample); `name` is used for detection by
/// extension and in error messages.
pub fn read_bytes(
    name: &str,
    data: Vec<u8>,
    format: Format,
    opts: &ReadOptions,
) -> Result<Reader, IntakeError> {
    let path = Path::new(name);
    let format = match format {
        Format::Auto => Format::detect(path, &data[..data.len().min(HEAD_BYTES)])?,
        f => f,
    };
    let total = data.len() as u64;
    open(
        path,
        format,
        opts,
        Box::new(std::io::Cursor::new(data)),
        total,
    )
}

fn open(
    path: &Path,
    format: Format,
    opts: &ReadOptions,
    mut input: Box<dyn BufRead + Send>,
    total: u64,
) -> Result<Reader, IntakeError> {
    let fallback_crs = opts
        .crs
        .clone()
        .or_else(|| format.default_crs().map(String::from));
    let shown = path.display().to_string();
    let is_json = matches!(format, Format::Open311 | Format::GeoJson)
        || starts_like_json(&mut input).map_err(|e| io_error(path, e))?;
    let (source, file_crs) = if is_json {
        json(&shown, input, total, opts)?
    } else {
        let csv = CsvSource::new(&shown, input, total, opts.timezone)?;
        let crs = csv.file_crs().map(String::from);
        (Source::Csv(Box::new(csv)), crs)
    };
    Ok(Reader {
        format,
        crs: file_crs.or(fallback_crs),
        source,
    })
}

fn json(
    path: &str,
    mut input: Box<dyn BufRead + Send>,
    total: u64,
    opts: &ReadOptions,
) -> Result<(Source, Option<String>), IntakeError> {
    let mut data = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    input
        .read_to_end(&mut data)
        .map_err(|e| io_error(Path::new(path), e))?;
    let src = JsonSource::parse(path, strip_bom(&data), total, opts.timezone)?;
    let crs = src.file_crs().map(String::from);
    Ok((Source::Json(Box::new(src)), crs))
}

/// Whether the input's first non-space byte (after a BOM) opens a JSON array or object;
/// looks at the buffered bytes without consuming them.
fn starts_like_json(input: &mut Box<dyn BufRead + Send>) -> std::io::Result<bool> {
    let buf = input.fill_buf()?;
    Ok(strip_bom(buf)
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'[' || *b == b'{'))
}
