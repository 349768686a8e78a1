//! `hotspot` command line: parses arguments and calls the library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use hotspot::app::App;
use hotspot::config::Config;
use hotspot::import::{import_file, ImportOptions, ImportSummary};
use hotspot::intake::Format;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(
    name = "hotspot",
    version,
    about = "Turns a city's 311 service requests into hot-spot maps"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Place {
    /// City configuration (hotspot.toml); default: DATA/hotspot.toml, else the demo city.
    #[arg(long, env = "HOTSPOT_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory holding the request store.
    #[arg(long, env = "HOTSPOT_DATA", default_value = "data")]
    data: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Open311 API, the GeoJSON layers and the map (the demo city when no data yet).
    Serve {
        #[command(flatten)]
        place: Place,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8311")]
        bind: SocketAddr,
    },
    /// Import open-data exports or request files into the store (duplicates are skipped).
    Import {
        /// Files to import (CSV, JSON array, GeoJSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Source format; auto detects each file by its header.
        #[arg(long, default_value = "auto")]
        format: Format,
        /// Service (code, name or alias) for rows that name none; default: from the file name.
        #[arg(long)]
        service: Option<String>,
        #[command(flatten)]
        place: Place,
    },
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "hotspot=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve { place, bind } => serve(&place, bind),
        Command::Import {
            files,
            format,
            service,
            place,
        } => import(&place, &files, format, service),
    }
}

/// The configuration in force: `--config`, else `DATA/hotspot.toml`, else the demo city.
fn load_config(place: &Place) -> Result<Config> {
    let in_data = place.data.join("hotspot.toml");
    let path = match &place.config {
        Some(p) => p.clone(),
        None if in_data.exists() => in_data,
        None => return Config::demo().context("loading the bundled demo city config"),
    };
    Config::load(&path).with_context(|| format!("loading config {}", path.display()))
}

fn open_app(place: &Place) -> Result<App> {
    let config = load_config(place)?;
    App::open(config, &place.data)
        .with_context(|| format!("opening data directory {}", place.data.display()))
}

fn serve(place: &Place, bind: SocketAddr) -> Result<()> {
    let mut app = open_app(place)?;
    let seeded = app
        .seed_demo_if_empty()
        .context("loading the demo city's requests")?;
    if seeded > 0 {
        eprintln!(
            "hotspot: new data directory: loaded {seeded} demo requests of {}",
            app.config.name
        );
    }
    let mut keys = env_keys();
    keys.extend(std::mem::take(&mut app.config.api_keys));
    app.config.api_keys = keys;
    let app = Arc::new(app);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let name = app.config.name.clone();
    let count = app.index.snapshot().len();
    runtime
        .block_on(hotspot::api::serve(app, bind, |addr| {
            eprintln!("hotspot: serving {name} ({count} requests) on http://{addr}/");
        }))
        .with_context(|| format!("serving on {bind}"))
}

/// Write keys from `HOTSPOT_API_KEYS` (comma-separated).
fn env_keys() -> Vec<String> {
    std::env::var("HOTSPOT_API_KEYS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

fn import(place: &Place, files: &[PathBuf], format: Format, service: Option<String>) -> Result<()> {
    let app = open_app(place)?;
    let opts = ImportOptions { format, service };
    let mut failed = 0;
    for file in files {
        let bar = progress_bar(file);
        let mut progress = |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        };
        match import_file(&app, file, &opts, &mut progress) {
            Ok(summary) => {
                bar.finish_and_clear();
                print_summary(&summary);
            }
            Err(e) => {
                bar.abandon();
                eprintln!("hotspot: {}: {e}", file.display());
                failed += 1;
            }
        }
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} files could not be imported",
        files.len()
    );
    Ok(())
}

fn progress_bar(file: &Path) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .expect("valid progress template")
            .progress_chars("=> "),
    );
    bar.set_message(
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    bar
}

fn print_summary(s: &ImportSummary) {
    println!("{} ({} format)", s.file, s.format);
    if let Some((code, inferred)) = &s.default_service {
        let why = if *inferred {
            "from the file name"
        } else {
            "from --service"
        };
        println!("  rows that name no type: {code} ({why})");
    }
    println!(
        "  read {}, imported {}, duplicates {}, rejected {}",
        s.read,
        s.imported,
        s.duplicates,
        s.rejected_total()
    );
    for (reason, n) in &s.rejected {
        println!("  rejected {n}: {reason}");
        for e in s.examples.iter().filter(|e| &e.reason == reason) {
            println!("    {e}");
        }
    }
}
