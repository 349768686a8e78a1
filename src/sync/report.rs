//! What a sync pass did: counts, refused rows, the server's problems, how far it read.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};

use crate::model::RowError;
use crate::store::{SyncMode, UpsertCounts, UpsertOutcome};

/// Refused rows kept as examples per reason.
const EXAMPLES_PER_REASON: usize = 3;

/// The outcome of one sync pass.
#[derive(Debug, Clone)]
pub struct SyncReport {
    pub url: String,
    pub mode: SyncMode,
    /// Remote services and the catalog service each maps to (`None`: kept under its own name).
    pub services: Vec<(String, Option<String>)>,
    pub windows: u64,
    pub pages: u64,
    /// Rows on the pages.
    pub read: u64,
    /// What the store did with the rows accepted.
    pub counts: UpsertCounts,
    /// Rows seen again within a window (a server repeating rows across pages).
    pub repeated: u64,
    pub rejected: BTreeMap<String, u64>,
    /// The first few refused rows of each reason, with the page they were on.
    pub examples: Vec<(String, RowError)>,
    /// What went wrong with the server (bad pages, refused windows), in order.
    pub problems: Vec<String>,
    /// Everything before this has been read (the cursor saved), if any window was.
    pub through: Option<DateTime<Utc>>,
    /// The pass stopped early (the server stopped answering).
    pub stopped: bool,
}

impl SyncReport {
    pub(super) fn new(url: &str, mode: SyncMode) -> SyncReport {
        SyncReport {
            url: url.to_string(),
            mode,
            services: Vec::new(),
            windows: 0,
            pages: 0,
            read: 0,
            counts: UpsertCounts::default(),
            repeated: 0,
            rejected: BTreeMap::new(),
            examples: Vec::new(),
            problems: Vec::new(),
            through: None,
            stopped: false,
        }
    }

    /// Rows refused in all.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Whether the pass read everything it meant to, with no problem.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && !self.stopped
    }

    pub(super) fn count(&mut self, outcome: &UpsertOutcome) {
        self.counts.add(outcome);
    }

    pub(super) fn reject(&mut self, page: &str, e: RowError) {
        let n = self.rejected.entry(e.reason.clone()).or_insert(0);
        *n += 1;
        if *n as usize <= EXAMPLES_PER_REASON {
            self.examples.push((page.to_string(), e));
        }
    }

    /// One line of counts, as the progress bar and the log show them.
    pub fn counts_line(&self) -> String {
        format!(
            "read {}, new {}, updated {} (moved {}), unchanged {}, rejected {}",
            self.read,
            self.counts.new,
            self.counts.updated,
            self.counts.moved,
            self.counts.unchanged,
            self.rejected_total()
        )
    }
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sync {} (by {} time): {} window(s), {} page(s)",
            self.url,
            self.mode.as_str(),
            self.windows,
            self.pages
        )?;
        writeln!(f, "  {}", self.counts_line())?;
        if self.repeated > 0 {
            writeln!(
                f,
                "  {} row(s) repeated on later pages (skipped)",
                self.repeated
            )?;
        }
        let unmapped: Vec<&str> = self
            .services
            .iter()
            .filter(|(_, mapped)| mapped.is_none())
            .map(|(remote, _)| remote.as_str())
            .collect();
        if !unmapped.is_empty() {
            writeln!(
                f,
                "  services not in this city's catalog (kept under their own names): {}",
                unmapped.join(", ")
            )?;
        }
        for (reason, n) in &self.rejected {
            writeln!(f, "  rejected {n}: {reason}")?;
        }
        for (page, e) in &self.examples {
            writeln!(
                f,
                "    {page}: row {}: {}: {} ({})",
                e.line, e.field, e.reason, e.detail
            )?;
        }
        for problem in &self.problems {
            writeln!(f, "  problem: {problem}")?;
        }
        match self.through {
            Some(t) => write!(f, "  read through {}", t.to_rfc3339())?,
            None => write!(f, "  nothing read yet")?,
        }
        if self.stopped {
            write!(f, " (stopped early: the next run continues from there)")?;
        }
        Ok(())
    }
}
