//! Shared helpers for integration tests: a small test city and a server on a free port.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use hotspot::city::City;
use hotspot::config::Config;

pub const API_KEY: &str = "test-key-123456";

/// Runs the `hotspot` binary with `args` (no `HOTSPOT_CONFIG` from the environment):
/// (success, stdout, stderr).
pub fn run_hotspot(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hotspot"))
        .args(args)
        .env_remove("HOTSPOT_CONFIG")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes a test city config (Chicago-like extent, no demo seeding) into `dir`.
pub fn test_config(dir: &Path) -> PathBuf {
    let path = dir.join("hotspot.toml");
    let catalog = Config::bundled_catalog();
    std::fs::write(
        &path,
        format!(
            "name = \"Test City\"\ntimezone = \"America/Chicago\"\n\
             extent = [-87.95, 41.64, -87.52, 42.03]\napi_keys = [\"{API_KEY}\"]\n\
             catalog = {:?}\n",
            catalog.display().to_string()
        ),
    )
    .unwrap();
    path
}

/// A running server; aborted when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub city: Arc<City>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens the city on `data` with the test config and serves it on 127.0.0.1 (free port).
pub async fn start(data: &Path) -> TestServer {
    let config = Config::load(&test_config(data)).unwrap();
    serve(City::open(config, data).unwrap()).await
}

/// Serves `city` on 127.0.0.1 (free port).
pub async fn serve(city: City) -> TestServer {
    let city = Arc::new(city);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = hotspot::api::router(Arc::clone(&city));
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    TestServer { addr, city, task }
}

/// Form fields of a valid POST (a streetlight in Chicago).
pub fn valid_post() -> Vec<(&'static str, String)> {
    vec![
        ("api_key", API_KEY.to_string()),
        ("service_code", "streetlight".to_string()),
        ("lat", "41.8781".to_string()),
        ("long", "-87.6298".to_string()),
        ("description", "Light out on the corner".to_string()),
        ("address_string", "100 W Madison St".to_string()),
    ]
}

/// The demo city's write key.
pub const DEMO_KEY: &str = "demo-key-riverton-311";

/// Opens the bundled demo city (seeded with its year of requests) on `data` and serves it.
pub async fn start_demo(data: &Path) -> TestServer {
    let config = Config::demo().unwrap();
    let city = City::open(config, data).unwrap();
    city.seed_demo_if_empty().unwrap();
    serve(city).await
}

/// Starts `hotspot serve` on a free port and returns it with the base URL.
pub fn spawn_server(data: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotspot"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(data)
        .env_remove("HOTSPOT_CONFIG")
        .env("HOTSPOT_API_KEYS", "env-key-abcdefgh")
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting hotspot serve");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        if let Some(i) = line.find("http://") {
            break line[i..].trim_end_matches('/').to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}
