//! The request lifecycle: upserts by the rules of DESIGN.md, the index following every
//! update, staff status changes, Open311 update windows and history, another process's
//! commits reaching a running server, and the live event stream.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{app, test_config, API_KEY};
use hotspot::city::City;
use hotspot::config::Config;
use hotspot::import::{import_file, ImportOptions, ImportSummary};
use hotspot::model::Status;
use serde_json::Value;

const HEADER: &str =
    "service_request_id,service_code,lat,lon,requested_datetime,updated_datetime,status,closed_datetime,status_notes";

/// A first export: five open requests.
const FIRST: &str = "\
a,streetlight,41.88,-87.63,2026-03-01 08:00,2026-03-01 09:00,open,,
b,streetlight,41.89,-87.64,2026-03-01 08:00,2026-03-05 09:00,open,,crew sent
c,pothole,41.90,-87.65,2026-03-02 08:00,,open,,
d,pothole,41.91,-87.66,2026-03-02 08:00,2026-03-02 09:00,open,,
e,pothole,41.92,-87.67,2026-03-03 08:00,2026-03-03 09:00,open,,";

/// A later export: a closed (newer), b closed but older than stored, c closed without an
/// update time, d moved and retyped (newer), e as before, f new.
const SECOND: &str = "\
a,streetlight,41.88,-87.63,2026-03-01 08:00,2026-03-04 10:00,closed,2026-03-04 10:00,replaced lamp
b,streetlight,41.89,-87.64,2026-03-01 08:00,2026-03-04 09:00,closed,2026-03-04 09:00,
c,pothole,41.90,-87.65,2026-03-02 08:00,,closed,2026-03-06 08:00,filled
d,graffiti,41.95,-87.70,2026-03-02 08:00,2026-03-07 09:00,open,,location corrected
e,pothole,41.92,-87.67,2026-03-03 08:00,2026-03-03 09:00,open,,
f,pothole,41.93,-87.68,2026-03-04 08:00,2026-03-04 08:00,open,,";

fn write_csv(dir: &Path, name: &str, rows: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{HEADER}\n{rows}\n")).unwrap();
    path
}

fn import(city: &City, file: &Path) -> ImportSummary {
    import_file(
        &city.intake(),
        &city.store,
        file,
        &ImportOptions::default(),
        &mut |_, _| {},
    )
    .unwrap()
}

fn counts(s: &ImportSummary) -> [u64; 5] {
    [s.new, s.updated, s.moved, s.unchanged, s.rejected_total()]
}

/// The indexed status of `id` (searching every type), and its type.
fn indexed(city: &City, id: &str) -> Option<(String, Status, f64)> {
    let snapshot = city.index.snapshot();
    let found = snapshot.types().find_map(|(code, t)| {
        t.requests()
            .iter()
            .find(|r| r.id.as_ref() == id)
            .map(|r| (code.to_string(), r.status, r.lat))
    });
    found
}

#[test]
fn imports_upsert_by_the_lifecycle_rules_and_the_index_follows() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let city = City::open(Config::load(&test_config(dir.path())).unwrap(), &data).unwrap();
    let first = write_csv(dir.path(), "first.csv", FIRST);
    let second = write_csv(dir.path(), "second.csv", SECOND);
    assert_eq!(counts(&import(&city, &first)), [5, 0, 0, 0, 0]);
    let before = city.index.snapshot();
    let summary = import(&city, &second);
    // a, c, d updated (d moved); b (older) and e (equal) unchanged; f new
    assert_eq!(counts(&summary), [1, 3, 1, 2, 0]);
    // idempotent: the same export again changes nothing
    assert_eq!(counts(&import(&city, &second)), [0, 0, 0, 6, 0]);

    let get = |id: &str| city.store.get(id).unwrap().unwrap();
    assert_eq!(get("a").status, Status::Closed);
    assert_eq!(get("a").status_notes.as_deref(), Some("replaced lamp"));
    assert!(get("a").closed_datetime.is_some());
    assert_eq!(
        get("b").status,
        Status::Open,
        "an older row changes nothing"
    );
    assert_eq!(get("b").status_notes.as_deref(), Some("crew sent"));
    assert_eq!(
        get("c").status,
        Status::Closed,
        "no update time: status differs"
    );
    assert_eq!(
        (get("d").service_code.as_str(), get("d").lat),
        ("graffiti", 41.95)
    );

    // the index saw every update in the same commit; the old snapshot did not change
    assert_eq!(indexed(&city, "a").unwrap().1, Status::Closed);
    assert_eq!(indexed(&city, "b").unwrap().1, Status::Open);
    assert_eq!(indexed(&city, "c").unwrap().1, Status::Closed);
    assert_eq!(
        indexed(&city, "d").unwrap(),
        ("graffiti".into(), Status::Open, 41.95)
    );
    assert!(indexed(&city, "f").is_some());
    assert_eq!(city.index.snapshot().len(), 6);
    let old_pothole = before.of_type("pothole").unwrap();
    assert!(old_pothole.requests().iter().any(|r| r.id.as_ref() == "d"));
    assert!(city
        .index
        .snapshot()
        .of_type("pothole")
        .unwrap()
        .requests()
        .iter()
        .all(|r| r.id.as_ref() != "d"));

    // the history: opened, then closed with the note, from the second file
    let history = city.store.history("a").unwrap();
    let steps: Vec<(Status, Option<&str>, &str)> = history
        .iter()
        .map(|e| (e.status, e.status_notes.as_deref(), e.source.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Status::Open, None, "import:first.csv"),
            (Status::Closed, Some("replaced lamp"), "import:second.csv"),
        ]
    );
    // a request never updated has the history its row implies
    assert_eq!(city.store.history("e").unwrap().len(), 1);

    // a reopened City builds the same index from the store
    drop(city);
    let again = City::open(Config::load(&test_config(dir.path())).unwrap(), &data).unwrap();
    assert_eq!(indexed(&again, "a").unwrap().1, Status::Closed);
    assert_eq!(indexed(&again, "d").unwrap().0, "graffiti");
}

#[tokio::test]
async fn staff_change_a_status_with_a_key_only_and_never_with_a_stale_one() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let city = &app.city;
    import(city, &write_csv(dir.path(), "first.csv", FIRST));
    let path = "/api/v1/requests/a/status";
    let close = |key: &str| {
        vec![
            ("api_key", key.to_string()),
            ("status", "closed".to_string()),
            ("status_notes", "lamp replaced".to_string()),
        ]
    };
    let refused = app.post_form(path, &close("")).await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert_eq!(
        app.post_form(path, &close("wrong-key-1234")).await.status,
        403
    );
    let unknown = app
        .post_form("/api/v1/requests/nope/status", &close(API_KEY))
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text());
    let bad = app
        .post_form(path, &[("api_key", API_KEY), ("status", "fixed-ish")])
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("status"), "{}", bad.text());
    assert_eq!(city.store.get("a").unwrap().unwrap().status, Status::Open);

    let done = app.post_form(path, &close(API_KEY)).await;
    assert_eq!(done.status, 200, "{}", done.text());
    let record = done.json();
    assert_eq!(record["status"], "closed");
    assert_eq!(record["status_notes"], "lamp replaced");
    assert!(record["closed_datetime"].is_string(), "{record}");
    assert_eq!(
        indexed(city, "a").unwrap().1,
        Status::Closed,
        "index follows"
    );

    // older than the stored update: 409, nothing changes
    let stale = app
        .post_form(
            path,
            &[
                ("api_key", API_KEY),
                ("status", "open"),
                ("updated_datetime", "2026-03-01T10:00:00-06:00"),
            ],
        )
        .await;
    assert_eq!(stale.status, 409, "{}", stale.text());
    assert_eq!(city.store.get("a").unwrap().unwrap().status, Status::Closed);

    // Open311 with extensions: closed time and the history as notes
    let one = app
        .get("/open311/v2/requests/a.json?extensions=true")
        .await
        .json();
    let notes = one[0]["notes"].as_array().unwrap();
    let kinds: Vec<&str> = notes.iter().map(|n| n["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["opened", "closed"]);
    assert_eq!(notes[1]["description"], "lamp replaced");
    assert_eq!(notes[1]["source"], "staff");
    let plain = app.get("/open311/v2/requests/a.json").await.json();
    assert!(plain[0].get("notes").is_none(), "only with extensions=true");
}

#[tokio::test]
async fn open311_lists_requests_by_update_time() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    import(&app.city, &write_csv(dir.path(), "first.csv", FIRST));
    import(&app.city, &write_csv(dir.path(), "second.csv", SECOND));
    let ids = |v: Value| -> Vec<String> {
        let mut ids: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let after = app
        .get("/open311/v2/requests.json?updated_after=2026-03-04T00:00:00-06:00")
        .await;
    assert_eq!(after.status, 200, "{}", after.text());
    // a (4th), b (5th, unchanged by the older row), c (closed on the 6th: a row without an
    // update time is updated when it closed), d (7th), f (4th)
    assert_eq!(ids(after.json()), ["a", "b", "c", "d", "f"]);
    let window = app
        .get("/open311/v2/requests.json?updated_after=2026-03-04T00:00:00-06:00&updated_before=2026-03-04T23:59:59-06:00")
        .await
        .json();
    assert_eq!(ids(window), ["a", "f"]);
    let backwards = app
        .get("/open311/v2/requests.json?updated_after=2026-03-05&updated_before=2026-03-01")
        .await;
    assert_eq!(backwards.status, 400);
    let extended = app
        .get("/open311/v2/requests.json?updated_after=2026-03-06&extensions=true")
        .await
        .json();
    assert!(extended[0]["notes"].is_array(), "{extended}");
}

/// `hotspot serve` on a free port with the test city; returns it and its base URL.
fn serve_process(dir: &Path, data: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotspot"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(test_config(dir))
        .arg("--data")
        .arg(data)
        .env_remove("HOTSPOT_CONFIG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(i) = line.find("http://") {
            break line[i..].trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

/// Polls `url` until `done` holds for its JSON body, for at most `limit`; the time it took.
async fn wait_for(url: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(reply) = reqwest::get(url).await {
            if let Ok(body) = reply.json::<Value>().await {
                if done(&body) {
                    return Some(start.elapsed());
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test]
async fn another_process_import_reaches_the_running_server_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut server, url) = serve_process(dir.path(), &data);
    let run_import = |name: &str, rows: &str| {
        let file = write_csv(dir.path(), name, rows);
        let out = Command::new(env!("CARGO_BIN_EXE_hotspot"))
            .args(["import", "--data"])
            .arg(&data)
            .arg(&file)
            .env_remove("HOTSPOT_CONFIG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run_import("first.csv", FIRST);
    let one = format!("{url}/open311/v2/requests/a.json");
    let took = wait_for(&one, Duration::from_secs(2), |v| v[0]["status"] == "open").await;
    assert!(
        took.is_some(),
        "the server never saw the other process's import"
    );
    // the index too: the requests layer lists them
    let layer = format!("{url}/api/v1/requests.geojson?start=2026-01-01&end=2026-12-31");
    let listed = wait_for(&layer, Duration::from_secs(2), |v| {
        v["features"].as_array().is_some_and(|f| f.len() == 5)
    })
    .await;
    assert!(listed.is_some(), "the index never followed the import");
    run_import("second.csv", SECOND);
    let updated = wait_for(&layer, Duration::from_secs(2), |v| {
        let features = v["features"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        features.len() == 6
            && features
                .iter()
                .any(|f| f["id"] == "a" && f["properties"]["status"] == "closed")
    })
    .await;
    server.kill().unwrap();
    server.wait().unwrap();
    let updated = updated.expect("the server never saw the other process's updates");
    println!("another process's update reached the server's layer in {updated:?}");
}

/// Reads an event stream until `count` events (`id:` + `data:` blocks) arrived or `limit`
/// passed; returns (id, data JSON) pairs.
async fn read_events(
    response: &mut reqwest::Response,
    count: usize,
    limit: Duration,
) -> Vec<(i64, Value)> {
    let mut text = String::new();
    let mut events = Vec::new();
    let deadline = Instant::now() + limit;
    while events.len() < count {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Ok(Some(chunk))) = tokio::time::timeout(left, response.chunk()).await else {
            break;
        };
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
            };
            if let (Some(id), Some(data)) = (field("id:"), field("data:")) {
                events.push((id.parse().unwrap(), serde_json::from_str(&data).unwrap()));
            }
        }
    }
    events
}

#[tokio::test]
async fn the_event_stream_delivers_a_post_within_a_second_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    import(&server.city, &write_csv(dir.path(), "first.csv", FIRST));
    let client = reqwest::Client::new();
    let mut stream = client
        .get(server.url("/api/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let post = || async {
        let reply = client
            .post(server.url("/open311/v2/requests.json"))
            .form(&common::valid_post())
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201);
        let body: Value = reply.json().await.unwrap();
        body[0]["service_request_id"].as_str().unwrap().to_string()
    };
    let id = post().await;
    let posted = Instant::now();
    let events = read_events(&mut stream, 1, Duration::from_secs(5)).await;
    let delay = posted.elapsed();
    assert_eq!(events.len(), 1, "no event for the POST");
    let (rev, event) = &events[0];
    assert_eq!(event["id"], id.as_str());
    assert_eq!(
        (&event["kind"], &event["type"], &event["status"]),
        (
            &Value::from("new"),
            &Value::from("streetlight"),
            &Value::from("open")
        )
    );
    assert!(event["lat"].is_number() && event["lon"].is_number() && event["time"].is_string());
    assert!(delay < Duration::from_secs(1), "the event took {delay:?}");
    drop(stream);

    // missed while away: a staff update and another POST, replayed after Last-Event-ID
    let closed = client
        .post(server.url("/api/v1/requests/a/status"))
        .form(&[("api_key", API_KEY), ("status", "closed")])
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 200);
    let second = post().await;
    let mut resumed = client
        .get(server.url("/api/v1/events"))
        .header("Last-Event-ID", rev.to_string())
        .send()
        .await
        .unwrap();
    let missed = read_events(&mut resumed, 2, Duration::from_secs(5)).await;
    let seen: Vec<(&str, &str)> = missed
        .iter()
        .map(|(_, e)| (e["id"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(seen, [("a", "updated"), (second.as_str(), "new")]);
    assert!(missed.iter().all(|(r, _)| r > rev));
    let bad = client
        .get(server.url("/api/v1/events"))
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[test]
fn the_live_demo_adds_and_closes_requests_on_its_clock() {
    let dir = tempfile::tempdir().unwrap();
    let city = std::sync::Arc::new(common::demo_city(dir.path()));
    let start = city.index.snapshot();
    let mut events = city.events.subscribe();
    let live = city.run_demo_live(Duration::from_millis(10), chrono::Duration::hours(1));
    let deadline = Instant::now() + Duration::from_secs(20);
    let closed_by_crews = || {
        let selection = hotspot::selection::Selection {
            status: Some(Status::Closed),
            ..Default::default()
        };
        let after = hotspot::store::UpdatedWindow {
            after: start.newest_requested().map(|t| t + 1),
            before: None,
        };
        let page = hotspot::selection::Page {
            limit: 1_000,
            offset: 0,
        };
        city.store.list_updated(&selection, after, page).unwrap()
    };
    while Instant::now() < deadline
        && (city.index.snapshot().len() < start.len() + 50 || closed_by_crews().len() < 20)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(live);
    let now = city.index.snapshot();
    assert!(
        now.len() >= start.len() + 50,
        "{} new requests",
        now.len() - start.len()
    );
    assert!(
        now.newest_requested() > start.newest_requested(),
        "the clock moves on"
    );
    let closed = closed_by_crews();
    assert!(closed.len() >= 20, "{} closed by crews", closed.len());
    let one = &closed[0];
    let history = city.store.history(&one.service_request_id).unwrap();
    assert_eq!(history.last().unwrap().source, "demo-live");
    // new requests are tagged with the demo's districts, and listeners heard of it all
    let newest = city
        .store
        .list(
            &Default::default(),
            hotspot::selection::Page {
                limit: 1,
                offset: 0,
            },
        )
        .unwrap();
    assert_eq!(newest[0].source, "demo-live");
    assert!(!newest[0].districts.is_empty());
    assert!(events.try_recv().is_ok());
}
