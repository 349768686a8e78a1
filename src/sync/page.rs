//! One page of a remote server's `requests.json`: read like an Open311 file, each row
//! accepted against this city (catalog by code, name or alias; extent; boundaries) or
//! rejected with its position and field.

use crate::city::City;
use crate::intake::{self, Format, IntakeError, ReadOptions};
use crate::model::{RowError, ServiceRequest};

/// The rows of one page.
#[derive(Debug, Default)]
pub struct Page {
    /// The id of every row, in page order (rejected rows too, when they carry one).
    pub ids: Vec<String>,
    /// Rows accepted for the store.
    pub accepted: Vec<ServiceRequest>,
    /// Rows refused; `line` is the row's 1-based position in the page.
    pub rejected: Vec<RowError>,
}

impl Page {
    /// Rows on the page.
    pub fn len(&self) -> usize {
        self.accepted.len() + self.rejected.len()
    }

    /// Whether the page has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads a page body; `source` is stored with each request (e.g. `sync:311.example.org`).
/// Fails only when the body is not a JSON array of requests.
pub fn read_page(city: &City, source: &str, body: Vec<u8>) -> Result<Page, IntakeError> {
    let options = ReadOptions::new(city.config.timezone);
    let reader = intake::read_bytes("requests.json", body, Format::Open311, &options)?;
    let mut acceptor = city.acceptor(source, "sync");
    let mut page = Page::default();
    for row in reader {
        let row = row.inspect(|raw| {
            if let Some(id) = &raw.source_id {
                page.ids.push(id.clone());
            }
        });
        match row.and_then(|raw| acceptor.accept(raw)) {
            Ok(request) => page.accepted.push(request),
            Err(e) => page.rejected.push(e),
        }
    }
    Ok(page)
}
