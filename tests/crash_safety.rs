//! Crash safety of the real binary: many clients POST concurrently while the server is
//! killed with SIGKILL at pseudo-random moments, over and over on one data directory. After
//! every restart, each request that received a service_request_id is present and intact,
//! and every stored request is whole (nothing half-written).

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::spawn_server;
use hotspot::city::City;
use hotspot::config::Config;

/// SIGKILL trials in one run.
const TRIALS: usize = 20;
/// Concurrent posting clients per trial.
const CLIENTS: usize = 12;

/// Deterministic pseudo-random kill delays (ms), 40..=440.
fn delays() -> impl Iterator<Item = u64> {
    let mut state: u64 = 0x5eed_1234;
    std::iter::repeat_with(move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        40 + (state >> 33) % 401
    })
}

/// The description each posted request carries; checked byte for byte after restarts.
fn description(trial: usize, client: usize, seq: usize) -> String {
    format!("trial {trial} client {client} seq {seq}: light out, pole #{seq}")
}

/// Posts until the server dies; returns the acknowledged (id → description).
async fn post_until_dead(
    http: reqwest::Client,
    url: String,
    trial: usize,
    client: usize,
) -> Vec<(String, String)> {
    let mut acknowledged = Vec::new();
    for seq in 0.. {
        let text = description(trial, client, seq);
        let mut fields = common::valid_post();
        fields[4].1 = text.clone();
        let Ok(resp) = http
            .post(format!("{url}/open311/v2/requests.json"))
            .form(&fields)
            .send()
            .await
        else {
            break;
        };
        if resp.status() != 201 {
            break;
        }
        let Ok(body) = resp.json::<serde_json::Value>().await else {
            break; // the answer was cut off: not acknowledged
        };
        if let Some(id) = body[0]["service_request_id"].as_str() {
            acknowledged.push((id.to_string(), text));
        }
    }
    acknowledged
}

#[test]
fn acknowledged_requests_survive_repeated_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    common::test_config(dir.path());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let acknowledged: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    // one client (building one loads the system's TLS roots: too slow to do per trial)
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut kills = 0;
    for (trial, delay) in delays().take(TRIALS).enumerate() {
        let (mut child, url) = spawn_server(dir.path());
        let acked = runtime.block_on(async {
            let clients: Vec<_> = (0..CLIENTS)
                .map(|c| tokio::spawn(post_until_dead(http.clone(), url.clone(), trial, c)))
                .collect();
            tokio::time::sleep(Duration::from_millis(delay)).await;
            child.kill().unwrap(); // SIGKILL mid-traffic
            kills += 1;
            let mut all = Vec::new();
            for c in clients {
                all.extend(c.await.unwrap());
            }
            all
        });
        child.wait().unwrap();
        let mut map = acknowledged.lock().unwrap();
        for (id, text) in acked {
            assert!(
                map.insert(id.clone(), text).is_none(),
                "id {id} given twice"
            );
        }
    }
    assert_eq!(kills, TRIALS);

    // Everything acknowledged is present and intact; nothing stored is half-written.
    let acknowledged = acknowledged.lock().unwrap();
    assert!(
        acknowledged.len() > TRIALS,
        "traffic reached the server: {}",
        acknowledged.len()
    );
    let config = Config::load(&dir.path().join("hotspot.toml")).unwrap();
    let app = City::open(config, dir.path()).unwrap();
    let mut stored = HashMap::new();
    app.store
        .for_each(|r| {
            stored.insert(r.service_request_id.clone(), r);
        })
        .unwrap();
    for (id, text) in acknowledged.iter() {
        let r = stored
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged {id} lost"));
        assert_eq!(r.description.as_deref(), Some(text.as_str()), "{id}");
    }
    for r in stored.values() {
        let text = r.description.as_deref().unwrap_or_default();
        assert!(
            text.starts_with("trial ") && text.contains(": light out, pole #"),
            "half-written or foreign request {r:?}"
        );
        assert_eq!(r.service_code, "streetlight");
        assert!(r.requested_datetime.is_some() && r.expected_datetime.is_some());
        assert!((r.lat - 41.8781).abs() < 1e-9 && (r.lon + 87.6298).abs() < 1e-9);
    }
    assert_eq!(
        app.index.snapshot().len(),
        stored.len(),
        "index rebuilt from the store"
    );
    println!(
        "{TRIALS} SIGKILL trials: {} acknowledged, {} stored ({} committed but unacknowledged)",
        acknowledged.len(),
        stored.len(),
        stored.len() - acknowledged.len()
    );
}
