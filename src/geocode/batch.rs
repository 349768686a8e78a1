//! Batch geocoding of a CSV file: reads a CSV with an `address` column (and optionally
//! `zipcode`), writes the input columns plus `lat,lon,match_type,score,matched_address`.
//! Rows that match nothing get empty `lat`/`lon` and `match_type` `none`.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use super::Geocoder;

/// Columns appended to every row.
pub const OUTPUT_COLUMNS: [&str; 5] = ["lat", "lon", "match_type", "score", "matched_address"];

/// Errors that stop a batch (rows that match nothing do not).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("the input has no address column (columns: {0})")]
    NoAddressColumn(String),
    #[error("input line {line}: {source}")]
    Read { line: u64, source: csv::Error },
    #[error("writing the output: {0}")]
    Write(#[from] csv::Error),
    #[error("writing the output: {0}")]
    Io(#[from] std::io::Error),
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchSummary {
    pub rows: u64,
    /// Rows with a match, by match type.
    pub matched: BTreeMap<&'static str, u64>,
    /// Rows without a match.
    pub unmatched: u64,
}

/// Geocodes every row of `input` into `output`; `progress(bytes_read)` is called as it goes.
pub fn geocode_csv<R: Read, W: Write>(
    geocoder: &Geocoder,
    input: R,
    output: W,
    progress: &mut dyn FnMut(u64),
) -> Result<BatchSummary, BatchError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|source| BatchError::Read { line: 1, source })?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let address = column("address")
        .ok_or_else(|| BatchError::NoAddressColumn(headers.iter().collect::<Vec<_>>().join(",")))?;
    let zipcode = column("zipcode").or_else(|| column("zip"));
    let mut writer = csv::Writer::from_writer(output);
    writer.write_record(headers.iter().chain(OUTPUT_COLUMNS))?;
    let mut summary = BatchSummary::default();
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|source| BatchError::Read {
                line: record.position().map_or(0, |p| p.line()) + 1,
                source,
            })?;
        if !more {
            break;
        }
        summary.rows += 1;
        let text = record.get(address).unwrap_or("");
        let zip = zipcode
            .and_then(|z| record.get(z))
            .filter(|z| !z.trim().is_empty());
        let result = geocoder.geocode(text, zip);
        let extra: [String; 5] = match &result.best {
            Some(m) => {
                *summary.matched.entry(m.match_type.as_str()).or_insert(0) += 1;
                [
                    format!("{:.6}", m.lat),
                    format!("{:.6}", m.lon),
                    m.match_type.to_string(),
                    format!("{:.3}", m.score),
                    m.matched_address.clone(),
                ]
            }
            None => {
                summary.unmatched += 1;
                [
                    String::new(),
                    String::new(),
                    "none".into(),
                    "0".into(),
                    String::new(),
                ]
            }
        };
        // pad short rows so every output row has the header's width
        let padding = headers.len().saturating_sub(record.len());
        let row = record
            .iter()
            .chain(std::iter::repeat_n("", padding))
            .chain(extra.iter().map(String::as_str));
        writer.write_record(row)?;
        if summary.rows % 1024 == 0 {
            progress(reader.position().byte());
        }
    }
    progress(reader.position().byte());
    writer.flush()?;
    Ok(summary)
}
