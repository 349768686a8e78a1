//! `hotspot trends`: the selection's trends per time step, as CSV or JSON.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

#[derive(clap::Args)]
pub struct TrendsArgs {
    /// Data directory (default ./data or HOTSPOT_DATA).
    #[arg(long, env = "HOTSPOT_DATA", conflicts_with = "input")]
    pub data: Option<PathBuf>,
    /// A file instead (any importable format).
    #[arg(long)]
    pub input: Option<PathBuf>,
    #[arg(long, env = "HOTSPOT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Request type(s): code, name or alias; comma-separated; default all.
    #[arg(long = "type", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Days per step (1 a day, 7 a week, 30 about a month).
    #[arg(long, default_value_t = 7)]
    pub step_days: u32,
    /// One series for everything (all), per type, or per district of a boundary layer.
    #[arg(long, default_value = "all")]
    pub by: String,
    /// First day of the window (its steps end at --end); default the oldest request.
    #[arg(long)]
    pub start: Option<String>,
    /// Last day; default the newest request.
    #[arg(long)]
    pub end: Option<String>,
    #[arg(long, default_value = "csv")]
    pub format: TrendsFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TrendsFormat {
    Csv,
    Json,
}

/// `hotspot trends`.
pub fn run(args: &TrendsArgs) -> Result<()> {
    let loaded = super::load::load(
        args.input.as_deref(),
        args.data.clone(),
        args.config.clone(),
    )?;
    let tz = loaded.config.timezone;
    let selection = loaded.selection(&args.types, &args.start, &args.end, None)?;
    let groups = hotspot::trends::TrendGroups::parse(&args.by, &loaded.boundaries)
        .map_err(|e| anyhow::anyhow!("--by: {e}"))?;
    let report = hotspot::trends::compute(
        &loaded.snapshot,
        &selection,
        args.step_days,
        &groups,
        &loaded.catalog,
        &loaded.boundaries,
    )
    .map_err(|e| anyhow::anyhow!("--step-days: {e}"))?;
    let mut out = std::io::stdout().lock();
    match args.format {
        TrendsFormat::Csv => report.write_csv(&mut out, tz)?,
        TrendsFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report.to_json(tz))?;
            writeln!(out)?;
        }
    }
    Ok(())
}
