//! The real binary: acknowledged requests survive SIGKILL and a restart.

mod common;

use std::time::Duration;

use common::spawn_server;

#[test]
fn acknowledged_requests_survive_sigkill_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    common::test_config(dir.path()); // DATA/hotspot.toml is picked up without --config
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let (mut child, url) = spawn_server(dir.path());
    let ids: Vec<String> = runtime.block_on(async {
        let mut ids = Vec::new();
        for (i, key) in [common::API_KEY, "env-key-abcdefgh"]
            .iter()
            .cycle()
            .take(20)
            .enumerate()
        {
            let mut fields = common::valid_post();
            fields[0].1 = key.to_string();
            fields[4].1 = format!("report {i}");
            let resp = client
                .post(format!("{url}/open311/v2/requests.json"))
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 201);
            let body: serde_json::Value = resp.json().await.unwrap();
            ids.push(body[0]["service_request_id"].as_str().unwrap().to_string());
        }
        ids
    });
    child.kill().unwrap(); // SIGKILL: no shutdown code runs
    child.wait().unwrap();

    let (mut child, url) = spawn_server(dir.path());
    runtime.block_on(async {
        let health: serde_json::Value = client
            .get(format!("{url}/healthz"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(health["requests"], 20, "{health}");
        for (i, id) in ids.iter().enumerate() {
            let got: serde_json::Value = client
                .get(format!("{url}/open311/v2/requests/{id}.json"))
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(got[0]["description"], format!("report {i}"));
        }
        let metrics = client
            .get(format!("{url}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("hotspot_requests_indexed{service_code=\"streetlight\"} 20"),
            "{metrics}"
        );
    });
    child.kill().unwrap();
    child.wait().unwrap();
}
