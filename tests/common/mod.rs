//! Shared helpers for integration tests: a small test city, the router called in-process
//! ([`TestApp`]) and, for tests that need a socket, a server on a free port.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use hotspot::city::City;
use hotspot::config::Config;
use serde_json::Value;
use tower::ServiceExt;

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
    serve(demo_city(data)).await
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

// ---------------------------------------------------------------- in-process

/// The whole HTTP interface ([`hotspot::api::router`], with its compression, CORS, timeout
/// and metrics layers) called in-process: no socket, no port. Clones share the router's
/// state (metrics, layer cache), like connections to one server.
#[derive(Clone)]
pub struct TestApp {
    pub city: Arc<City>,
    router: Router,
}

/// A response read to its end.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{} body is not JSON ({e}): {}", self.status, self.text()))
    }

    /// The body as JSON, or `Null` when it is not JSON.
    pub fn json_or_null(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl TestApp {
    /// The router of `city`.
    pub fn new(city: City) -> TestApp {
        let city = Arc::new(city);
        let router = hotspot::api::router(Arc::clone(&city));
        TestApp { city, router }
    }

    /// A second router on the same city (as a restarted server would be): its own metrics
    /// and layer cache.
    pub fn fresh_router(&self) -> TestApp {
        TestApp {
            city: Arc::clone(&self.city),
            router: hotspot::api::router(Arc::clone(&self.city)),
        }
    }

    /// Sends `request` through the router and reads the whole answer.
    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// `GET path` (path and query, already encoded).
    pub async fn get(&self, path: &str) -> Reply {
        self.get_with(path, &[]).await
    }

    /// `GET path` with extra request headers.
    pub async fn get_with(&self, path: &str, headers: &[(header::HeaderName, &str)]) -> Reply {
        self.send(Method::GET, path, headers, None).await
    }

    /// A request of any method with extra headers and, optionally, a body of a content type
    /// (its length declared, as a client on a socket would).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(header::HeaderName, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            builder = builder.header(name, *value);
        }
        let request = match body {
            Some((content_type, bytes)) => builder
                .header(header::CONTENT_TYPE, content_type)
                .header(header::CONTENT_LENGTH, bytes.len())
                .body(Body::from(bytes)),
            None => builder.body(Body::empty()),
        };
        self.request(request.unwrap()).await
    }

    /// `POST path` with `body` of `content_type` (its length declared).
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        self.send(Method::POST, path, &[], Some((content_type, body)))
            .await
    }

    /// `POST path` of form fields (`application/x-www-form-urlencoded`).
    pub async fn post_form<V: AsRef<str>>(&self, path: &str, fields: &[(&str, V)]) -> Reply {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_ref())).collect();
        let body = serde_urlencoded::to_string(pairs).unwrap().into_bytes();
        self.post_raw(path, "application/x-www-form-urlencoded", body)
            .await
    }

    /// `POST path` of a JSON document.
    pub async fn post_json(&self, path: &str, value: &Value) -> Reply {
        self.post_raw(path, "application/json", serde_json::to_vec(value).unwrap())
            .await
    }
}

/// The test city (see [`test_config`]) on `data`, called in-process.
pub fn app(data: &Path) -> TestApp {
    let config = Config::load(&test_config(data)).unwrap();
    TestApp::new(City::open(config, data).unwrap())
}

/// The bundled demo city, seeded with its year of requests, on `data`, called in-process.
pub fn demo_app(data: &Path) -> TestApp {
    TestApp::new(demo_city(data))
}

/// The bundled demo city opened on `data` and seeded with its year of requests.
pub fn demo_city(data: &Path) -> City {
    let config = Config::demo().unwrap();
    let city = City::open(config, data).unwrap();
    city.seed_demo_if_empty().unwrap();
    city
}

// ---------------------------------------------------------------- external cross-checks

/// Whether `program ARGS` runs successfully.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `found`, or else: the test is skipped with `reason` printed, unless the environment
/// variable `require` is set (as CI sets it), when the missing tool fails the test instead of
/// passing it silently.
fn require(found: bool, require: &str, reason: String) -> bool {
    if found {
        return true;
    }
    if std::env::var_os(require).is_some() {
        panic!("cross-check required ({require}) but {reason}");
    }
    eprintln!("SKIPPED {reason}");
    false
}

/// Whether python3 can import `module` (from PyPI's `package`) for `test`; see [`require`]
/// (`HOTSPOT_REQUIRE_PYTHON`).
pub fn require_python(test: &str, module: &str, package: &str) -> bool {
    require(
        runs("python3", &["-c", &format!("import {module}")]),
        "HOTSPOT_REQUIRE_PYTHON",
        format!("{test}: python3 cannot import {module} (pip install {package})"),
    )
}

/// Whether GDAL's `ogrinfo` and `ogr2ogr` run, for `test`; see [`require`]
/// (`HOTSPOT_REQUIRE_GDAL`).
pub fn require_gdal(test: &str) -> bool {
    require(
        runs("ogrinfo", &["--version"]) && runs("ogr2ogr", &["--version"]),
        "HOTSPOT_REQUIRE_GDAL",
        format!("{test}: GDAL's ogrinfo/ogr2ogr not found (apt-get install gdal-bin)"),
    )
}

/// A CSV of 40 potholes in Chicago: 30 on one corner, 10 spread out (`--input` tests).
pub fn corner_csv() -> String {
    let mut text = String::from("service_request_id,lat,lon,service_code\n");
    for i in 0..40 {
        let (lat, lon) = if i < 30 {
            (41.88 + (i % 5) as f64 * 1e-4, -87.63)
        } else {
            (41.95 + i as f64 * 1e-3, -87.70)
        };
        text.push_str(&format!("R{i},{lat},{lon},pothole\n"));
    }
    text
}

/// Writes `rows` (Open311 JSON) as `dir/NAME` and imports them with the test config into the
/// data directory `dir`; returns the data directory and the config path as text.
pub fn import_json(dir: &Path, name: &str, rows: &[Value]) -> (String, String) {
    let config = test_config(dir);
    let file = dir.join(name);
    std::fs::write(&file, serde_json::to_vec(rows).unwrap()).unwrap();
    let data = dir.to_str().unwrap().to_string();
    let config = config.to_str().unwrap().to_string();
    let (ok, _, err) = run_hotspot(&[
        "import",
        file.to_str().unwrap(),
        "--config",
        &config,
        "--data",
        &data,
    ]);
    assert!(ok, "{err}");
    (data, config)
}
