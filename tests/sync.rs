//! `hotspot sync` end to end: the real binary pulling a second Hotspot server (updates and
//! paging, the cursor), small in-test servers with quirks (no `updated_after`, capped and
//! overlapping pages, a 503, an unreadable page, a bad row, no paging at all), a SIGKILL in
//! the middle of a pass, and `serve --sync` following a server.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use common::{run_hotspot, test_config, API_KEY};

// ------------------------------------------------------------------ helpers

/// One request as a remote server lists it.
fn row(i: usize, now: DateTime<Utc>) -> Value {
    let requested = now - chrono::Duration::hours(2 * i as i64 + 1);
    let (code, name) = [
        ("4ffa4c69601827691b000018", "Street Lights - All Out"),
        ("4fd3b656e750846c53000004", "Pothole in Street"),
        ("4fd3b9bce750846c5300004a", "Bee Hive Removal"),
    ][i % 3];
    json!({
        "service_request_id": format!("R-{i:04}"),
        "service_code": code,
        "service_name": name,
        "status": if i % 4 == 0 { "closed" } else { "open" },
        "requested_datetime": requested.to_rfc3339(),
        "updated_datetime": (requested + chrono::Duration::minutes(30)).to_rfc3339(),
        "lat": 41.70 + (i % 50) as f64 * 0.005,
        "long": -87.80 + (i / 50) as f64 * 0.01,
        "address": format!("{} W Madison St", 100 + i),
    })
}

/// Rows of a store: id → (code, status, updated_at, lat, lon in micro-degrees: Open311
/// bodies carry 6 decimals).
type Rows = BTreeMap<String, (String, String, Option<i64>, i64, i64)>;

fn stored(data: &Path) -> Rows {
    let db = rusqlite::Connection::open_with_flags(
        data.join("hotspot.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = db
        .prepare(
            "SELECT service_request_id, service_code, status, updated_at, lat, lon FROM requests",
        )
        .unwrap();
    stmt.query_map([], |r| {
        let micro = |v: f64| (v * 1e6).round() as i64;
        Ok((
            r.get(0)?,
            (
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                micro(r.get(4)?),
                micro(r.get(5)?),
            ),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn count(data: &Path) -> usize {
    if !data.join("hotspot.sqlite").exists() {
        return 0;
    }
    rusqlite::Connection::open_with_flags(
        data.join("hotspot.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .and_then(|db| db.query_row("SELECT COUNT(*) FROM requests", [], |r| r.get(0)))
    .unwrap_or(0)
}

/// `hotspot sync URL ARGS --config C --data D` (blocking, on a worker thread).
async fn sync(url: &str, data: &Path, args: &[&str]) -> (bool, String) {
    let config = test_config(data);
    let mut all = vec!["sync".to_string(), url.to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    all.extend([
        "--config".into(),
        config.display().to_string(),
        "--data".into(),
        data.display().to_string(),
    ]);
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = all.iter().map(String::as_str).collect();
        let (ok, _, stderr) = run_hotspot(&args);
        (ok, stderr)
    })
    .await
    .unwrap()
}

// ------------------------------------------------------------------ a server with quirks

/// How the in-test server misbehaves.
#[derive(Clone, Default)]
struct Quirks {
    /// Filters by `updated_after`/`updated_before` (else ignores them).
    updated_after: bool,
    /// Most rows per page, whatever `page_size` asks.
    page_cap: usize,
    /// Ignores `page` and `page_size`: always the first `page_cap` rows of the window.
    no_paging: bool,
    /// Each page after the first starts with the previous page's last row again.
    overlap: bool,
    /// The first request for a page 2 answers 503.
    fail_once: bool,
    /// The first request for a page 3 answers a body that is not JSON.
    garbage_once: bool,
    /// Wait before each answer.
    delay: Duration,
}

struct Remote {
    rows: Mutex<Vec<Value>>,
    quirks: Quirks,
    failed: AtomicUsize,
    garbled: AtomicUsize,
    hits: AtomicUsize,
}

fn time_of(row: &Value, key: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(row[key].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn services() -> Json<Value> {
    Json(json!([
        {"service_code": "4ffa4c69601827691b000018", "service_name": "Street Lights - All Out"},
        {"service_code": "4fd3b656e750846c53000004", "service_name": "Pothole in Street"},
        {"service_code": "4fd3b9bce750846c5300004a", "service_name": "Bee Hive Removal"},
    ]))
}

async fn requests(
    State(remote): State<Arc<Remote>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    remote.hits.fetch_add(1, Ordering::SeqCst);
    let quirks = &remote.quirks;
    tokio::time::sleep(quirks.delay).await;
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let asked: usize = q
        .get("page_size")
        .and_then(|p| p.parse().ok())
        .unwrap_or(50);
    if page == 2 && quirks.fail_once && remote.failed.fetch_add(1, Ordering::SeqCst) == 0 {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    if page == 3 && quirks.garbage_once && remote.garbled.fetch_add(1, Ordering::SeqCst) == 0 {
        return (StatusCode::OK, "<html>proxy error</html>").into_response();
    }
    let bound = |key: &str| {
        q.get(key).map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|_| panic!("{key}={t} is not RFC 3339"))
        })
    };
    let (field, after, before) = if quirks.updated_after {
        (
            "updated_datetime",
            bound("updated_after"),
            bound("updated_before"),
        )
    } else {
        ("requested_datetime", bound("start_date"), bound("end_date"))
    };
    let mut rows: Vec<Value> = remote
        .rows
        .lock()
        .unwrap()
        .iter()
        .filter(|r| {
            let t = time_of(r, field);
            after.is_none_or(|a| t > a) && before.is_none_or(|b| t <= b)
        })
        .cloned()
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(time_of(r, "requested_datetime")));
    let size = if quirks.no_paging {
        quirks.page_cap
    } else {
        asked.min(quirks.page_cap)
    };
    let start = if quirks.no_paging {
        0
    } else {
        (page - 1) * size
    };
    let mut out: Vec<Value> = rows.iter().skip(start).take(size).cloned().collect();
    if quirks.overlap && page > 1 && !out.is_empty() {
        out.insert(0, rows[start - 1].clone());
    }
    Json(Value::Array(out)).into_response()
}

/// Serves `rows` with `quirks` on a free port; returns the base URL and the server state.
async fn remote(rows: Vec<Value>, quirks: Quirks) -> (String, Arc<Remote>) {
    let state = Arc::new(Remote {
        rows: Mutex::new(rows),
        quirks,
        failed: AtomicUsize::new(0),
        garbled: AtomicUsize::new(0),
        hits: AtomicUsize::new(0),
    });
    let app = Router::new()
        .route("/open311/v2/services.json", get(services))
        .route("/open311/v2/requests.json", get(requests))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/open311/v2/"), state)
}

// ------------------------------------------------------------------ tests

/// A second Hotspot server as the remote: every request arrives (paged, by update time),
/// a staff update on the remote arrives as an update with its history, and the rerun reads
/// from the cursor only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulls_a_second_hotspot_server_with_updates_and_paging() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let rows: Vec<Value> = (0..1_234)
        .map(|i| {
            row(
                i % 700 + 1,
                now - chrono::Duration::days((i / 700) as i64 * 30),
            )
        })
        .collect();
    let rows: Vec<Value> = rows
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r["service_request_id"] = json!(format!("A-{i:05}"));
            r
        })
        .collect();
    common::import_json(a.path(), "requests.json", &rows);
    let server = common::start(a.path()).await;
    let url = server.url("/open311/v2/");

    let (ok, report) = sync(&url, b.path(), &[]).await;
    assert!(ok, "{report}");
    assert!(report.contains("by updated time"), "{report}");
    assert!(report.contains("new 1234,"), "{report}");
    assert!(report.contains("rejected 0"), "{report}");
    let pages: u64 = report
        .split(" page(s)")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(pages >= 4, "1,234 rows come in pages of 500: {report}");
    assert_eq!(stored(b.path()), stored(a.path()));

    // a crew closes a request on the remote; the rerun brings the update and its history
    let closed = "A-00003";
    let response = reqwest::Client::new()
        .post(server.url(&format!("/api/v1/requests/{closed}/status")))
        .header("X-Api-Key", API_KEY)
        .form(&[("status", "closed"), ("status_notes", "Replaced the lamp")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let (ok, report) = sync(&url, b.path(), &[]).await;
    assert!(ok, "{report}");
    assert!(report.contains("new 0, updated 1 (moved 0)"), "{report}");
    assert!(
        report.contains(" 1 window(s)"),
        "the rerun starts at the cursor: {report}"
    );
    assert_eq!(stored(b.path()), stored(a.path()));
    assert_eq!(stored(b.path())[closed].1, "closed");
    let db = rusqlite::Connection::open(b.path().join("hotspot.sqlite")).unwrap();
    let notes: Vec<String> = db
        .prepare("SELECT COALESCE(status_notes, '') FROM history WHERE service_request_id = ?1 ORDER BY entry")
        .unwrap()
        .query_map([closed], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(notes.iter().any(|n| n == "Replaced the lamp"), "{notes:?}");
}

/// A server without `updated_after`, with capped and overlapping pages, one 503, one
/// unreadable page and one bad row: everything else arrives, the bad row is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_a_quirky_server_by_requested_time() {
    let now = Utc::now();
    let mut rows: Vec<Value> = (0..40).map(|i| row(i, now)).collect();
    rows[17]["lat"] = json!(91.5);
    let (url, state) = remote(
        rows,
        Quirks {
            page_cap: 7,
            overlap: true,
            fail_once: true,
            garbage_once: true,
            ..Quirks::default()
        },
    )
    .await;
    let b = tempfile::tempdir().unwrap();
    let (ok, report) = sync(&url, b.path(), &["--since", "20d"]).await;
    assert!(ok, "{report}");
    assert!(report.contains("by requested time"), "{report}");
    assert!(report.contains("new 39,"), "{report}");
    assert!(report.contains("rejected 1"), "{report}");
    assert!(
        report.contains("lat"),
        "the bad row's field is named: {report}"
    );
    assert!(report.contains("row(s) repeated"), "{report}");
    assert!(
        report.contains("services not in this city's catalog (kept under their own names): 4fd3b9bce750846c5300004a (Bee Hive Removal)"),
        "{report}"
    );
    assert!(state.failed.load(Ordering::SeqCst) >= 1 && state.garbled.load(Ordering::SeqCst) >= 1);
    let rows = stored(b.path());
    assert_eq!(rows.len(), 39);
    assert!(!rows.contains_key("R-0017"));
    assert_eq!(
        rows["R-0000"].0, "streetlight",
        "mapped by the Chicago alias"
    );
    assert_eq!(rows["R-0001"].0, "pothole");

    // requested-time servers are read again over the whole span: nothing new, nothing lost
    let (ok, report) = sync(&url, b.path(), &["--since", "20d"]).await;
    assert!(ok, "{report}");
    assert!(
        report.contains("new 0, updated 0 (moved 0), unchanged 39"),
        "{report}"
    );
}

/// A server that ignores paging and cuts every answer at 10 rows: windows are halved until
/// each holds fewer, and all 45 requests arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn halves_windows_of_a_server_without_paging() {
    let now = Utc::now();
    let rows: Vec<Value> = (0..45).map(|i| row(i, now)).collect();
    let (url, _) = remote(
        rows,
        Quirks {
            page_cap: 10,
            no_paging: true,
            updated_after: true,
            ..Quirks::default()
        },
    )
    .await;
    let b = tempfile::tempdir().unwrap();
    let (ok, report) = sync(&url, b.path(), &["--since", "10d"]).await;
    assert!(ok, "{report}");
    assert!(report.contains("new 45,"), "{report}");
    assert_eq!(count(b.path()), 45);
}

/// A pass killed with SIGKILL keeps what it committed; the rerun completes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_pass_loses_nothing_and_the_rerun_completes_it() {
    let now = Utc::now();
    let rows: Vec<Value> = (0..200).map(|i| row(i, now)).collect();
    let (url, _) = remote(
        rows,
        Quirks {
            page_cap: 5,
            updated_after: true,
            delay: Duration::from_millis(100),
            ..Quirks::default()
        },
    )
    .await;
    let b = tempfile::tempdir().unwrap();
    let config = test_config(b.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotspot"))
        .args(["sync", &url, "--since", "20d", "--config"])
        .arg(&config)
        .arg("--data")
        .arg(b.path())
        .env_remove("HOTSPOT_CONFIG")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(b.path()) < 40 {
        assert!(Instant::now() < deadline, "the pass stored nothing");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the pass ended too soon"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let kept = count(b.path());
    assert!((40..200).contains(&kept), "killed mid-pass: {kept}");

    let (ok, report) = sync(&url, b.path(), &["--since", "20d"]).await;
    assert!(ok, "{report}");
    assert_eq!(count(b.path()), 200, "{report}");
    assert!(report.contains(&format!("new {},", 200 - kept)), "{report}");
}

/// `serve --sync` follows a remote: a request posted there shows up here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_follows_a_remote_server() {
    let a = tempfile::tempdir().unwrap();
    let server = common::start(a.path()).await;
    let b = tempfile::tempdir().unwrap();
    let config = test_config(b.path());
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_hotspot"))
            .args(["serve", "--bind", "127.0.0.1:0", "--sync"])
            .arg(server.url("/open311/v2/"))
            .args(["--sync-every", "1s", "--config"])
            .arg(&config)
            .arg("--data")
            .arg(b.path())
            .env_remove("HOTSPOT_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = child.0.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let here = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let (true, Some(i)) = (line.contains("serving"), line.find("http://")) {
            break line[i..].trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let posted: Value = reqwest::Client::new()
        .post(server.url("/open311/v2/requests.json"))
        .form(&common::valid_post())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = posted[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found: Value = reqwest::get(format!(
            "{here}/open311/v2/requests.json?service_request_id={id}"
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        if found.as_array().is_some_and(|a| a.len() == 1) {
            assert_eq!(found[0]["service_code"], "streetlight");
            break;
        }
        assert!(Instant::now() < deadline, "{id} never arrived");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A child process killed when dropped (also when a test fails).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Bad command lines fail with a clear message before any request.
#[test]
fn refuses_bad_urls_and_dates() {
    let b = tempfile::tempdir().unwrap();
    let config = test_config(b.path());
    let (ok, _, err) = run_hotspot(&[
        "sync",
        "ftp://example.org/",
        "--config",
        config.to_str().unwrap(),
        "--data",
        b.path().to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("not an http(s) URL"), "{err}");
    let (ok, _, err) = run_hotspot(&["sync", "http://127.0.0.1:9/", "--since", "last week"]);
    assert!(!ok);
    assert!(
        err.contains("--since") && err.contains("last week"),
        "{err}"
    );
    // nothing listens on port 9: the pass says so instead of hanging or panicking
    let (ok, _, err) = run_hotspot(&[
        "sync",
        "http://127.0.0.1:9/open311/v2/",
        "--config",
        config.to_str().unwrap(),
        "--data",
        b.path().to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        err.contains("does not answer like a GeoReport v2 server"),
        "{err}"
    );
}
