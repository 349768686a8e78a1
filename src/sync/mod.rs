//! `hotspot sync`: pulls a GeoReport v2 JSON server into this city's store.
//!
//! A pass maps the server's services to the catalog (by code, name or alias), then reads its
//! requests in time windows, page by page, and upserts them (the store's lifecycle rules
//! decide what is newer). A server that supports Chicago's `updated_after`/`updated_before`
//! (Hotspot's own does) is read by update time from a saved cursor, so a rerun continues
//! where the last one stopped; any other server is read by requested time, re-reading the
//! last `--since` days every pass. Windows a server refuses, or truncates because it ignores
//! paging, are halved ([`window`]). A bad page or refused row is reported, never fatal; the
//! cursor only moves past windows read in full, and only after their rows are committed.

pub mod http;
pub mod page;
mod report;
pub mod window;

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use reqwest::Url;

use crate::city::City;
use crate::store::{NewRequest, StoreError, SyncCursor, SyncMode};
pub use http::{Client, FetchError};
pub use report::SyncReport;
use window::{Window, Windows};

/// Days read on a first pass (and re-read by requested time) without `--since`.
pub const DEFAULT_SINCE_DAYS: i64 = 90;
/// Rows asked for per page.
pub const PAGE_SIZE: usize = 500;
/// A pass by update time starts this long before the cursor, for rows committed on the
/// server with an update time just before the last pass ended.
const OVERLAP: Duration = Duration::minutes(10);
/// Pages read per window at most (a server that pages forever is reported).
const MAX_PAGES: usize = 10_000;
/// Reads of a page that came back unreadable (not JSON) before it is reported.
const PAGE_ATTEMPTS: usize = 3;

/// Errors that stop a pass before it reads any request.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{url:?} is not an http(s) URL of a GeoReport v2 server ({reason})")]
    BadUrl { url: String, reason: String },
    #[error("{url} does not answer like a GeoReport v2 server: services.json: {source}")]
    NotOpen311 {
        url: String,
        #[source]
        source: FetchError,
    },
    #[error("{url}: services.json is not a list of services: {reason}")]
    BadServices { url: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a pass starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// From this instant.
    At(DateTime<Utc>),
    /// The last this many days.
    Days(i64),
}

impl FromStr for Since {
    type Err = String;

    /// `2026-01-31`, an RFC 3339 instant, or a number of days (`30` or `30d`).
    fn from_str(text: &str) -> Result<Since, String> {
        let text = text.trim();
        if let Ok(days) = text.trim_end_matches('d').parse::<i64>() {
            return if days > 0 {
                Ok(Since::Days(days))
            } else {
                Err(format!("{text:?}: a number of days must be positive"))
            };
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(Since::At(t.with_timezone(&Utc)));
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(|d| Since::At(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc()))
            .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD), an instant or days (30d)"))
    }
}

impl Since {
    fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Since::At(t) => t,
            Since::Days(days) => now - Duration::days(days),
        }
    }
}

/// How to sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Where to start; `None`: from the cursor, else the last [`DEFAULT_SINCE_DAYS`] days.
    pub since: Option<Since>,
    pub page_size: usize,
    /// Waits before retrying a GET that may pass (2, 4 and 8 s by default).
    pub retry_delays: Vec<StdDuration>,
    /// Longest window asked for.
    pub first_window: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            since: None,
            page_size: PAGE_SIZE,
            retry_delays: [2, 4, 8].map(StdDuration::from_secs).to_vec(),
            first_window: window::FIRST_WINDOW,
        }
    }
}

/// What a pass reports as it goes (after each page).
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub window: Window,
    pub page: usize,
    /// The whole span of the pass.
    pub span: Window,
    pub report: &'a SyncReport,
}

/// A GeoReport v2 server: its base URL (the folder of `services.json`) and the query
/// parameters given with it (e.g. `jurisdiction_id`), sent with every GET.
#[derive(Debug, Clone)]
pub struct Remote {
    base: Url,
    params: Vec<(String, String)>,
    shown: String,
}

impl Remote {
    /// Parses a server URL: `https://host/open311/v2/` (a trailing `services.json` or
    /// `requests.json` is dropped; query parameters are kept for every GET).
    pub fn parse(text: &str) -> Result<Remote, SyncError> {
        let bad = |reason: &str| SyncError::BadUrl {
            url: text.to_string(),
            reason: reason.to_string(),
        };
        let mut url = Url::parse(text.trim()).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        let params = url.query_pairs().into_owned().collect();
        url.set_query(None);
        url.set_fragment(None);
        let mut path = url.path().to_string();
        for file in ["services.json", "requests.json"] {
            if let Some(folder) = path.strip_suffix(file) {
                path = folder.to_string();
            }
        }
        if !path.ends_with('/') {
            path.push('/');
        }
        url.set_path(&path);
        Ok(Remote {
            shown: url.to_string(),
            base: url,
            params,
        })
    }

    /// The base URL, as the cursor is saved under.
    pub fn as_str(&self) -> &str {
        &self.shown
    }

    /// The URL of `file` with the server's own parameters and `params`.
    fn endpoint(&self, file: &str, params: &[(&str, String)]) -> Url {
        let mut url = self.base.join(file).expect("a file name joins a base URL");
        let pairs: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(params.iter().map(|(k, v)| (*k, v.as_str())))
            .collect();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        url
    }

    /// The host, for the requests' `source`.
    fn host(&self) -> String {
        self.base.host_str().unwrap_or("remote").to_string()
    }
}

/// One pass: reads what the server has since the cursor (or `--since`) up to now.
pub async fn sync_once(
    city: &City,
    remote: &Remote,
    options: &SyncOptions,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<SyncReport, SyncError> {
    let client = Client::new(options.retry_delays.clone());
    let services = read_services(city, remote, &client).await?;
    let mode = probe_mode(remote, &client).await;
    let mut report = SyncReport::new(remote.as_str(), mode);
    report.services = services;
    let now = Utc::now();
    let cursor = city.store.sync_cursor(remote.as_str())?;
    let start = match (options.since, &cursor) {
        (Some(since), _) => since.start(now),
        (None, Some(c)) if mode == SyncMode::Updated && c.mode == SyncMode::Updated => {
            c.through - OVERLAP
        }
        (None, _) => now - Duration::days(DEFAULT_SINCE_DAYS),
    };
    let span = Window {
        start,
        end: now + Duration::seconds(1),
    };
    let mut reading = Reading {
        city,
        remote,
        client: &client,
        options,
        source: format!("sync:{}", remote.host()),
        unpaged_rows: 0,
    };
    let mut windows = Windows::new(span.start, span.end, options.first_window);
    // the cursor moves only while every window so far was read in full
    let mut contiguous = true;
    while let Some(w) = windows.next() {
        match reading.window(w, mode, span, &mut report, progress).await? {
            WindowRead::Complete => {
                report.windows += 1;
                windows.done();
                if contiguous {
                    save_cursor(city, remote, mode, w.end, &mut report).await?;
                }
            }
            WindowRead::TooBig(why) => {
                if !windows.shrink() {
                    report.problems.push(format!(
                        "{}: {why}, even in a window of {}; the next run reads it again",
                        show(w),
                        describe(w.len())
                    ));
                    contiguous = false;
                    windows.done();
                }
            }
            WindowRead::Unreadable(why) => {
                report
                    .problems
                    .push(format!("{}: {why}; the next run reads it again", show(w)));
                contiguous = false;
                windows.done();
            }
            WindowRead::ServerDown(why) => {
                report.problems.push(format!("{}: {why}; stopped", show(w)));
                report.stopped = true;
                break;
            }
        }
    }
    Ok(report)
}

/// How reading one window went.
enum WindowRead {
    Complete,
    /// Refused or truncated: try a smaller window.
    TooBig(String),
    /// A page stayed unreadable: report, move on.
    Unreadable(String),
    /// No answer after the retries: stop the pass.
    ServerDown(String),
}

/// A pass's settings and what it learned of the server.
struct Reading<'a> {
    city: &'a City,
    remote: &'a Remote,
    client: &'a Client,
    options: &'a SyncOptions,
    source: String,
    /// Rows the server gave for a window when it ignored paging (the most seen): a window
    /// that gives as many may have been cut at the server's limit.
    unpaged_rows: usize,
}

impl Reading<'_> {
    async fn window(
        &mut self,
        w: Window,
        mode: SyncMode,
        span: Window,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(Progress<'_>) + Send),
    ) -> Result<WindowRead, SyncError> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut first_page_rows = 0;
        for number in 1..=MAX_PAGES {
            let url = self.remote.endpoint(
                "requests.json",
                &window_params(w, mode, number, self.options.page_size),
            );
            let page = match self.page(&url).await {
                Ok(page) => page,
                Err(read) => return Ok(read),
            };
            report.pages += 1;
            if page.is_empty() {
                return Ok(WindowRead::Complete);
            }
            let fresh = page.ids.iter().filter(|id| !seen.contains(*id)).count();
            if fresh == 0 && !page.ids.is_empty() {
                report.repeated += page.len() as u64;
                return Ok(self.after_repeated_page(number, first_page_rows));
            }
            if number == 1 {
                first_page_rows = page.len();
            }
            self.store(&url, page, &mut seen, report).await?;
            progress(Progress {
                window: w,
                page: number,
                span,
                report,
            });
        }
        Ok(WindowRead::Unreadable(format!(
            "the server gave {MAX_PAGES} pages without an empty one"
        )))
    }

    /// A page repeated rows already read: the server ignores `page`, so the window is
    /// complete only if its first page was not cut at the server's limit.
    fn after_repeated_page(&mut self, number: usize, first_page_rows: usize) -> WindowRead {
        if number == 1 {
            return WindowRead::Complete;
        }
        let cut = first_page_rows >= self.options.page_size
            || (first_page_rows > 1 && first_page_rows >= self.unpaged_rows);
        self.unpaged_rows = self.unpaged_rows.max(first_page_rows);
        if cut {
            WindowRead::TooBig(format!(
                "the server ignores paging and gave {first_page_rows} rows, perhaps not all"
            ))
        } else {
            WindowRead::Complete
        }
    }

    /// GETs and reads one page; a page that stays unreadable is reported.
    async fn page(&self, url: &Url) -> Result<page::Page, WindowRead> {
        let mut last = String::new();
        for _ in 0..PAGE_ATTEMPTS {
            let body = match self.client.get(url).await {
                Ok(body) => body,
                Err(e) => return Err(classify(e)),
            };
            match page::read_page(self.city, &self.source, body) {
                Ok(page) => return Ok(page),
                Err(e) => last = e.to_string(),
            }
        }
        Err(WindowRead::Unreadable(format!("{url}: {last}")))
    }

    /// Stores the page's rows not seen before in this window; counts the rest.
    async fn store(
        &self,
        url: &Url,
        page: page::Page,
        seen: &mut HashSet<String>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        report.read += page.len() as u64;
        let shown = url.to_string();
        for e in page.rejected {
            report.reject(&shown, e);
        }
        let mut batch = Vec::with_capacity(page.accepted.len());
        for request in page.accepted {
            if seen.insert(request.service_request_id.clone()) {
                batch.push(NewRequest {
                    request,
                    token: None,
                });
            } else {
                report.repeated += 1;
            }
        }
        seen.extend(page.ids);
        if !batch.is_empty() {
            for outcome in self.city.store.writer().upsert(batch).await? {
                report.count(&outcome);
            }
        }
        Ok(())
    }
}

/// Keeps following `remote` (`serve --sync`): a pass every `every`, each logged.
pub async fn follow(city: std::sync::Arc<City>, remote: Remote, every: StdDuration) {
    let options = SyncOptions::default();
    loop {
        match sync_once(&city, &remote, &options, &mut |_| {}).await {
            Ok(report) if report.is_clean() => {
                tracing::info!("sync {}: {}", remote.as_str(), report.counts_line())
            }
            Ok(report) => tracing::warn!("{report}"),
            Err(e) => tracing::warn!("sync {}: {e}", remote.as_str()),
        }
        tokio::time::sleep(every).await;
    }
}

/// What a failed GET means for the window.
fn classify(e: FetchError) -> WindowRead {
    match e.status() {
        // the server refuses the window (too long a range, too many rows)
        Some(400 | 413 | 422) => WindowRead::TooBig(e.to_string()),
        Some(s) if (400..500).contains(&s) && s != 429 => WindowRead::Unreadable(e.to_string()),
        _ => WindowRead::ServerDown(e.to_string()),
    }
}

/// Query parameters of one page of a window. The window's start is asked from a second
/// earlier, so servers that read `updated_after` as exclusive miss nothing at the seam.
fn window_params(
    w: Window,
    mode: SyncMode,
    page: usize,
    page_size: usize,
) -> Vec<(&'static str, String)> {
    let (after, before) = match mode {
        SyncMode::Updated => ("updated_after", "updated_before"),
        SyncMode::Requested => ("start_date", "end_date"),
    };
    vec![
        (after, stamp(w.start - Duration::seconds(1))),
        (before, stamp(w.end)),
        ("page", page.to_string()),
        ("page_size", page_size.to_string()),
    ]
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn show(w: Window) -> String {
    format!("window {} to {}", stamp(w.start), stamp(w.end))
}

fn describe(d: Duration) -> String {
    if d >= Duration::days(1) {
        format!("{} day(s)", d.num_days())
    } else if d >= Duration::hours(1) {
        format!("{} hour(s)", d.num_hours())
    } else {
        format!("{} minute(s)", d.num_minutes().max(1))
    }
}

async fn save_cursor(
    city: &City,
    remote: &Remote,
    mode: SyncMode,
    through: DateTime<Utc>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    city.store
        .writer()
        .save_cursor(SyncCursor {
            url: remote.as_str().to_string(),
            mode,
            through,
            saved_at: Utc::now(),
        })
        .await?;
    report.through = Some(through);
    Ok(())
}

/// The server's services, each with the catalog service it maps to.
async fn read_services(
    city: &City,
    remote: &Remote,
    client: &Client,
) -> Result<Vec<(String, Option<String>)>, SyncError> {
    #[derive(serde::Deserialize)]
    struct RemoteService {
        service_code: Option<serde_json::Value>,
        service_name: Option<String>,
    }
    let url = remote.endpoint("services.json", &[]);
    let body = client
        .get(&url)
        .await
        .map_err(|source| SyncError::NotOpen311 {
            url: remote.as_str().to_string(),
            source,
        })?;
    let services: Vec<RemoteService> =
        serde_json::from_slice(&body).map_err(|e| SyncError::BadServices {
            url: remote.as_str().to_string(),
            reason: e.to_string(),
        })?;
    Ok(services
        .into_iter()
        .map(|s| {
            let code = match s.service_code {
                Some(serde_json::Value::String(c)) => Some(c),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let resolved = city
                .catalog
                .resolve(code.as_deref(), s.service_name.as_deref());
            let shown = match (&code, &s.service_name) {
                (Some(c), Some(n)) if c != n => format!("{c} ({n})"),
                (Some(c), _) => c.clone(),
                (None, Some(n)) => n.clone(),
                (None, None) => "(no code or name)".into(),
            };
            let mapped = resolved.and_then(|r| r.service.map(|s| s.code.clone()));
            (shown, mapped)
        })
        .collect())
}

/// Whether the server filters by update time: asked for requests updated in a far-future
/// day, such a server answers none; one that ignores the parameters answers its recent
/// requests, and some refuse them.
async fn probe_mode(remote: &Remote, client: &Client) -> SyncMode {
    let url = remote.endpoint(
        "requests.json",
        &[
            ("updated_after", "2199-01-01T00:00:00Z".to_string()),
            ("updated_before", "2199-01-02T00:00:00Z".to_string()),
            ("page_size", "1".to_string()),
        ],
    );
    let Ok(body) = client.get(&url).await else {
        return SyncMode::Requested;
    };
    match serde_json::from_slice::<Vec<serde_json::Value>>(&body) {
        Ok(rows) if rows.is_empty() => SyncMode::Updated,
        _ => SyncMode::Requested,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn since_takes_dates_instants_and_days() {
        assert_eq!("30d".parse::<Since>(), Ok(Since::Days(30)));
        assert_eq!("7".parse::<Since>(), Ok(Since::Days(7)));
        assert_eq!(
            "2026-01-31".parse::<Since>(),
            Ok(Since::At(
                Utc.with_ymd_and_hms(2026, 1, 31, 0, 0, 0).unwrap()
            ))
        );
        assert_eq!(
            "2026-01-31T12:00:00-05:00".parse::<Since>(),
            Ok(Since::At(
                Utc.with_ymd_and_hms(2026, 1, 31, 17, 0, 0).unwrap()
            ))
        );
        assert!("0d".parse::<Since>().is_err());
        assert!("last week"
            .parse::<Since>()
            .unwrap_err()
            .contains("last week"));
    }

    #[test]
    fn server_urls_are_folders_with_their_own_parameters() {
        let r =
            Remote::parse("https://311.example.org/open311/v2/requests.json?jurisdiction_id=x.org")
                .unwrap();
        assert_eq!(r.as_str(), "https://311.example.org/open311/v2/");
        assert_eq!(
            r.endpoint("requests.json", &[("page", "2".into())])
                .as_str(),
            "https://311.example.org/open311/v2/requests.json?jurisdiction_id=x.org&page=2"
        );
        let r = Remote::parse("http://127.0.0.1:8311/open311/v2").unwrap();
        assert_eq!(
            r.endpoint("services.json", &[]).as_str(),
            "http://127.0.0.1:8311/open311/v2/services.json"
        );
        assert!(matches!(
            Remote::parse("ftp://example.org/"),
            Err(SyncError::BadUrl { .. })
        ));
        assert!(Remote::parse("not a url").is_err());
    }

    #[test]
    fn windows_are_asked_from_a_second_before_their_start() {
        let w = Window {
            start: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap(),
        };
        assert_eq!(
            window_params(w, SyncMode::Updated, 3, 500),
            vec![
                ("updated_after", "2026-10-31T23:59:59Z".to_string()),
                ("updated_before", "2026-11-02T00:00:00Z".to_string()),
                ("page", "3".to_string()),
                ("page_size", "500".to_string()),
            ]
        );
        assert_eq!(
            window_params(w, SyncMode::Requested, 1, 10)[0].0,
            "start_date"
        );
    }

    #[test]
    fn refused_windows_shrink_and_silent_servers_stop_the_pass() {
        let status = |status| FetchError::Status {
            url: "u".into(),
            status,
            message: None,
        };
        assert!(matches!(classify(status(400)), WindowRead::TooBig(_)));
        assert!(matches!(classify(status(403)), WindowRead::Unreadable(_)));
        assert!(matches!(classify(status(503)), WindowRead::ServerDown(_)));
    }
}
