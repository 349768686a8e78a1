//! Browser tests of the map page: `web/tests/browser.mjs` drives Debian's Chromium through
//! playwright-core against a demo-city server (see that script for the checks). Screenshots
//! of the main views land in `target/screenshots/`.
//!
//! Needs node, `web/node_modules` (`npm ci` in web/) and /usr/bin/chromium, all installed by
//! `.ci/setup`. Without them the test prints why and passes, unless `HOTSPOT_REQUIRE_BROWSER`
//! is set (as `.ci/run` does), when it fails.

mod common;

use std::path::Path;
use std::process::Command;

fn missing_tools(root: &Path) -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!(
            "{chromium} is not installed (apt-get install chromium)"
        ));
    }
    if !root.join("web/node_modules/playwright-core").is_dir() {
        return Some("web/node_modules is missing (run npm ci in web/)".into());
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => None,
        _ => Some("node is not installed".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_page_works_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(reason) = missing_tools(root) {
        if std::env::var_os("HOTSPOT_REQUIRE_BROWSER").is_some() {
            panic!("browser test required but {reason}");
        }
        eprintln!("skipping the browser test: {reason}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = common::start_demo(dir.path()).await;
    let shots = root.join("target/screenshots");
    let script = root.join("web/tests/browser.mjs");
    let url = server.url("");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(url)
            .arg(&shots)
            .arg(common::DEMO_KEY)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
}
