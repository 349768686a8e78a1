//! `hotspot` command line: parses arguments and calls the library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::io::Write;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

mod cli;

use hotspot::city::City;
use hotspot::config::Config;
use hotspot::import::{import_file, ImportOptions, ImportSummary};
use hotspot::intake::Format;
use hotspot::methods;
use hotspot::time::Bound;
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
        /// Keep the demo city going on an accelerated clock (an hour every 2 seconds): new
        /// requests, crews closing them, a streetlight circuit failing now and then.
        #[arg(long)]
        demo_live: bool,
        /// Keep following a GeoReport v2 server (as `hotspot sync URL --every`).
        #[arg(long, value_name = "URL")]
        sync: Option<String>,
        /// How often `--sync` pulls (e.g. 30s, 5m, 1h).
        #[arg(long, value_name = "DURATION", default_value = "5m", requires = "sync")]
        sync_every: humantime::Duration,
    },
    /// Import open-data exports or request files into the store (a stored request is updated
    /// when the row is newer).
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
    /// Pull a GeoReport v2 server's requests into the store: by update time from where the
    /// last run stopped when the server supports `updated_after` (Hotspot's own does), else
    /// the last `--since` days again.
    Sync {
        /// The server's GeoReport v2 address, e.g. https://311.example.org/open311/v2/ (query
        /// parameters such as jurisdiction_id are sent with every request).
        url: String,
        /// Keep following: a pass every DURATION (e.g. 30s, 5m, 1h) until interrupted.
        #[arg(long, value_name = "DURATION")]
        every: Option<humantime::Duration>,
        /// Where to start: a date (2026-01-31), an instant, or days back (30d); default:
        /// where the last run stopped, else 90 days back.
        #[arg(long)]
        since: Option<hotspot::sync::Since>,
        #[command(flatten)]
        place: Place,
    },
    /// Find hot spots (Gi* on H3 cells), clusters (DBSCAN) or repeat addresses of one or more
    /// request types, ranked by SLA priority.
    Hotspots(Box<HotspotArgs>),
    /// Trends per time step: opened, closed, open at the step's end, median days to close and
    /// share closed within the SLA, for all selected requests, by type or by district.
    Trends(cli::trends::TrendsArgs),
    /// Locate an address (or a CSV of them) on the city's address points and street centerlines.
    Geocode(GeocodeArgs),
}

#[derive(clap::Args)]
struct GeocodeArgs {
    /// The address to locate, e.g. "1234 N Broad St" or "Broad St & Market St".
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    query: Option<String>,
    /// A CSV with an `address` column (and optionally `zipcode`) to geocode row by row.
    #[arg(long)]
    batch: Option<PathBuf>,
    /// Where to write the batch CSV (default standard output).
    #[arg(long, requires = "batch")]
    output: Option<PathBuf>,
    /// ZIP code that narrows the search for QUERY.
    #[arg(long)]
    zipcode: Option<String>,
    /// Address point file (OpenAddresses CSV); repeatable; replaces the config's `addresses`.
    #[arg(long)]
    addresses: Vec<PathBuf>,
    /// Street centerlines (GeoJSON); replaces the config's `streets`.
    #[arg(long)]
    streets: Option<PathBuf>,
    /// Output of QUERY: readable JSON, or one CSV row with a header.
    #[arg(long, default_value = "json")]
    format: GeocodeFormat,
    #[command(flatten)]
    place: Place,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum GeocodeFormat {
    Json,
    Csv,
}

#[derive(clap::Args)]
struct HotspotArgs {
    /// Data directory to analyse (default ./data or HOTSPOT_DATA).
    #[arg(long, env = "HOTSPOT_DATA", conflicts_with = "input")]
    data: Option<PathBuf>,
    /// Analyse a file instead (any importable format, or CSV with lat, lon, service_code).
    #[arg(long)]
    input: Option<PathBuf>,
    /// City configuration (time zone, extent, catalog, study area).
    #[arg(long, env = "HOTSPOT_CONFIG")]
    config: Option<PathBuf>,
    /// Request type(s): service code, name or any city's alias; comma-separated; default all.
    #[arg(long = "type", value_delimiter = ',')]
    types: Vec<String>,
    /// Analysis method: gistar (Gi* hot spots), dbscan (clusters) or repeats (addresses);
    /// aliases as `/api/v1/layers` lists them.
    #[arg(long, default_value = "gistar")]
    method: hotspot::methods::Method,
    #[arg(long, help = methods::RES.cli_help())]
    res: Option<String>,
    #[arg(long, help = methods::K.cli_help())]
    k: Option<String>,
    /// Plain p-values instead of Benjamini-Hochberg FDR for the bins (Gi*).
    #[arg(long)]
    no_fdr: bool,
    #[arg(long, help = methods::EPS_M.cli_help())]
    eps_m: Option<String>,
    #[arg(long, help = methods::MIN_POINTS.cli_help())]
    min_points: Option<String>,
    #[arg(long, help = methods::MIN_REQUESTS.cli_help())]
    min_requests: Option<String>,
    #[arg(long, help = methods::STEP_DAYS.cli_help())]
    step_days: Option<String>,
    #[arg(long, help = methods::LAG.cli_help())]
    lag: Option<String>,
    #[arg(long, help = methods::STEPS.cli_help())]
    steps: Option<String>,
    #[arg(long, help = methods::DISTANCE_BANDS.cli_help())]
    distance_bands: Option<String>,
    #[arg(long, help = methods::TIME_BANDS.cli_help())]
    time_bands: Option<String>,
    #[arg(long, help = methods::PERMUTATIONS.cli_help())]
    permutations: Option<String>,
    /// Mark each area new or persisting against the window of the same length before, and
    /// list the areas gone since (needs --start and --end).
    #[arg(long, value_parser = ["previous"])]
    compare: Option<String>,
    /// Reference time of the SLA figures (overdue, ages); default: the newest request.
    #[arg(long)]
    as_of: Option<String>,
    /// Also write the work list (open requests of the ranked areas, rank order) to this CSV.
    #[arg(long)]
    work_list: Option<PathBuf>,
    /// Only open or only closed requests.
    #[arg(long)]
    status: Option<hotspot::model::Status>,
    /// First day or instant (RFC 3339 or YYYY-MM-DD, city time zone); default: everything.
    #[arg(long)]
    start: Option<String>,
    /// Last day or instant (inclusive).
    #[arg(long)]
    end: Option<String>,
    /// geojson, csv, or gpkg (a GeoPackage file: needs --output).
    #[arg(long, default_value = "geojson")]
    format: OutputFormat,
    /// Write the result to this file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutputFormat {
    Geojson,
    Csv,
    Gpkg,
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
        Command::Serve {
            place,
            bind,
            demo_live,
            sync,
            sync_every,
        } => {
            let follow = sync.map(|url| (url, sync_every.into()));
            serve(&place, bind, demo_live, follow)
        }
        Command::Sync {
            url,
            every,
            since,
            place,
        } => {
            let remote = hotspot::sync::Remote::parse(&url)?;
            let city = open_city(&place)?;
            cli::sync::run(&city, &remote, every.map(Into::into), since)
        }
        Command::Import {
            files,
            format,
            service,
            place,
        } => import(&place, &files, format, service),
        Command::Hotspots(args) => hotspots(&args),
        Command::Geocode(args) => geocode(&args),
        Command::Trends(args) => cli::trends::run(&args),
    }
}

/// The configuration in force: the one the data directory remembers (see
/// [`hotspot::city::resolve_config`]), else `--config`, else `DATA/hotspot.toml`, else the
/// demo city.
fn load_config(place: &Place) -> Result<Config> {
    let (_, config) = hotspot::city::resolve_config(&place.data, place.config.as_deref())
        .with_context(|| {
            format!(
                "choosing the city of data directory {}",
                place.data.display()
            )
        })?;
    Ok(config)
}

fn open_city(place: &Place) -> Result<City> {
    let config = load_config(place)?;
    City::open(config, &place.data)
        .with_context(|| format!("opening data directory {}", place.data.display()))
}

/// How often a running server looks for commits of other processes (an import or sync beside
/// it): they reach its index and event stream within about this long.
const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

/// Real time per simulated hour of `serve --demo-live`.
const DEMO_LIVE_TICK: std::time::Duration = std::time::Duration::from_secs(2);

/// `serve --sync`: the server to follow and how often.
type Follow = (String, std::time::Duration);

fn serve(place: &Place, bind: SocketAddr, demo_live: bool, follow: Option<Follow>) -> Result<()> {
    let mut city = open_city(place)?;
    anyhow::ensure!(
        !demo_live || city.config.demo,
        "--demo-live keeps the demo city going; data directory {} holds {}",
        place.data.display(),
        city.config.name
    );
    let seeded = city
        .seed_demo_if_empty()
        .context("loading the demo city's requests")?;
    if seeded > 0 {
        eprintln!(
            "hotspot: new data directory: loaded {seeded} demo requests of {}",
            city.config.name
        );
    }
    let mut keys = env_keys();
    keys.extend(std::mem::take(&mut city.config.api_keys));
    city.config.api_keys = keys;
    city.watch_other_processes(WATCH_INTERVAL)
        .context("watching the data directory for other processes' commits")?;
    let city = Arc::new(city);
    let _live = demo_live.then(|| {
        eprintln!(
            "hotspot: live demo: an hour of {} every 2 seconds",
            city.config.name
        );
        city.run_demo_live(DEMO_LIVE_TICK, chrono::Duration::hours(1))
    });
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    if let Some((url, every)) = follow {
        let remote = hotspot::sync::Remote::parse(&url)?;
        eprintln!(
            "hotspot: following {} every {}",
            remote.as_str(),
            humantime::format_duration(every)
        );
        runtime.spawn(hotspot::sync::follow(Arc::clone(&city), remote, every));
    }
    let name = city.config.name.clone();
    let count = city.index.snapshot().len();
    runtime
        .block_on(hotspot::api::serve(city, bind, |addr| {
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

fn hotspots(args: &HotspotArgs) -> Result<()> {
    use hotspot::hotspots::{self as hs, HotspotQuery};
    if args.format == OutputFormat::Gpkg && args.output.is_none() {
        anyhow::bail!(
            "--format gpkg writes a GeoPackage, a file rather than a stream: add --output FILE.gpkg"
        );
    }
    let loaded = cli::load::load(
        args.input.as_deref(),
        args.data.clone(),
        args.config.clone(),
    )?;
    let selection = loaded.selection(&args.types, &args.start, &args.end, args.status)?;
    let cli::load::Loaded {
        config,
        snapshot,
        study_area,
        ..
    } = loaded;
    let tz = config.timezone;
    let raw = |name: &str| match name {
        "res" => args.res.as_deref(),
        "k" => args.k.as_deref(),
        "fdr" => args.no_fdr.then_some("false"),
        "eps_m" => args.eps_m.as_deref(),
        "min_points" => args.min_points.as_deref(),
        "min_requests" => args.min_requests.as_deref(),
        "step_days" => args.step_days.as_deref(),
        "lag" => args.lag.as_deref(),
        "steps" => args.steps.as_deref(),
        "distance_bands" => args.distance_bands.as_deref(),
        "time_bands" => args.time_bands.as_deref(),
        "permutations" => args.permutations.as_deref(),
        _ => None,
    };
    let options = methods::MethodOptions::parse(args.method, raw).map_err(|e| {
        let option = e.name.replace('_', "-");
        anyhow::anyhow!("invalid parameter {} (--{option}): {}", e.name, e.reason)
    })?;
    let query = HotspotQuery {
        selection,
        method: args.method,
        options,
        as_of: cli::load::instant("as-of", &args.as_of, tz, Bound::End)?,
        tz,
    };
    let mut report = hs::compute_report(&snapshot, &query, study_area.as_deref())?;
    if args.compare.is_some() {
        hs::compare::with_previous(&snapshot, &query, study_area.as_deref(), &mut report)?;
    }
    cli::output::write_report(args, &report)?;
    if let Some(path) = &args.work_list {
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("creating work list {}", path.display()))?,
        );
        report.write_work_list_csv(&mut file, tz)?;
        file.flush()?;
    }
    let p = &report.parameters;
    let what = match &report.detail {
        hs::ReportDetail::Gistar { result, .. } => format!(
            "{} cells, {} hot-spot regions at 95%+",
            result.cells.len(),
            report.areas.len()
        ),
        hs::ReportDetail::Dbscan { result, .. } => format!(
            "{} clusters, {} noise",
            result.clusters.len(),
            result.labels.iter().filter(|&&l| l < 0).count()
        ),
        hs::ReportDetail::Repeats => format!("{} repeat addresses", report.areas.len()),
        hs::ReportDetail::Emerging { result } => hs::emerging_summary(result),
        hs::ReportDetail::NearRepeat { reading, .. } => reading.trim_end_matches('.').to_string(),
    };
    eprintln!(
        "hotspot: {} {} requests of {}: {what}; {}",
        p.method.as_str(),
        p.requests,
        p.codes.join(","),
        p.describe()
    );
    if let Some(top) = report.areas.first() {
        eprintln!("hotspot: rank 1: {} ({})", top.id, top.priority_reason);
    }
    if let Some(why) = &report.explanation {
        eprintln!("hotspot: {why}");
    }
    Ok(())
}

fn geocode(args: &GeocodeArgs) -> Result<()> {
    let config = hotspot::city::peek_config(&args.place.data, args.place.config.as_deref())
        .context("loading the city config")?;
    let addresses = if args.addresses.is_empty() {
        config.addresses.clone()
    } else {
        args.addresses.clone()
    };
    let streets = args.streets.clone().or(config.streets.clone());
    let geocoder = hotspot::geocode::Geocoder::from_files(&addresses, streets.as_deref())?
        .context("no reference data: give --addresses/--streets or set them in the config")?;
    match (&args.query, &args.batch) {
        (_, Some(file)) => geocode_batch(&geocoder, file, args.output.as_deref()),
        (Some(query), None) => geocode_one(&geocoder, query, args),
        (None, None) => anyhow::bail!("give an address or --batch FILE"),
    }
}

fn geocode_one(
    geocoder: &hotspot::geocode::Geocoder,
    query: &str,
    args: &GeocodeArgs,
) -> Result<()> {
    let result = geocoder.geocode(query, args.zipcode.as_deref());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        GeocodeFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &result)?;
            writeln!(out)?;
        }
        GeocodeFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "query",
                "lat",
                "lon",
                "match_type",
                "score",
                "matched_address",
            ])?;
            let row = match &result.best {
                Some(m) => [
                    query.to_string(),
                    format!("{:.6}", m.lat),
                    format!("{:.6}", m.lon),
                    m.match_type.to_string(),
                    format!("{:.3}", m.score),
                    m.matched_address.clone(),
                ],
                None => [
                    query.into(),
                    "".into(),
                    "".into(),
                    "none".into(),
                    "0".into(),
                    "".into(),
                ],
            };
            w.write_record(&row)?;
            w.flush()?;
        }
    }
    match &result.best {
        Some(_) => Ok(()),
        None => anyhow::bail!(
            "no match for {query:?}: {}",
            result.reason.as_deref().unwrap_or("nothing close enough")
        ),
    }
}

fn geocode_batch(
    geocoder: &hotspot::geocode::Geocoder,
    file: &Path,
    output: Option<&Path>,
) -> Result<()> {
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let bar = progress_bar(file);
    bar.set_length(input.metadata().map(|m| m.len()).unwrap_or(0));
    let mut progress = |done: u64| bar.set_position(done);
    let summary = match output {
        Some(path) => {
            let out = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let out = std::io::BufWriter::new(out);
            hotspot::geocode::batch::geocode_csv(geocoder, input, out, &mut progress)
        }
        None => {
            let stdout = std::io::stdout();
            let out = std::io::BufWriter::new(stdout.lock());
            hotspot::geocode::batch::geocode_csv(geocoder, input, out, &mut progress)
        }
    }
    .with_context(|| format!("geocoding {}", file.display()))?;
    bar.finish_and_clear();
    let by_type: Vec<String> = summary
        .matched
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    eprintln!(
        "hotspot: {} rows: {} matched ({}), {} not found",
        summary.rows,
        summary.rows - summary.unmatched,
        by_type.join(", "),
        summary.unmatched
    );
    Ok(())
}

fn print_summary_to_stderr(s: &ImportSummary) {
    eprintln!(
        "{}: read {}, rejected {}",
        s.file,
        s.read,
        s.rejected_total()
    );
    for e in s.examples.iter().take(5) {
        eprintln!("  {e}");
    }
}

fn import(place: &Place, files: &[PathBuf], format: Format, service: Option<String>) -> Result<()> {
    let city = open_city(place)?;
    let opts = ImportOptions { format, service };
    let mut failed = 0;
    for file in files {
        let bar = progress_bar(file);
        let mut progress = |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        };
        match import_file(&city.intake(), &city.store, file, &opts, &mut progress) {
            Ok(summary) => {
                bar.finish_and_clear();
                print_summary(&summary);
            }
            Err(e) => {
                bar.abandon();
                eprintln!("hotspot: {}: {}", file.display(), error_chain(&e));
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
        "  read {}, new {}, updated {} (moved {}), unchanged {}, rejected {}",
        s.read,
        s.new,
        s.updated,
        s.moved,
        s.unchanged,
        s.rejected_total()
    );
    if s.geocoded > 0 {
        println!("  geocoded {} rows from their address", s.geocoded);
    }
    for (reason, n) in &s.rejected {
        println!("  rejected {n}: {reason}");
        for e in s.examples.iter().filter(|e| &e.reason == reason) {
            println!("    {e}");
        }
    }
}

/// An error with its sources: `outer: inner: innermost`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
