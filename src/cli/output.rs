//! Writing a hot-spot report where `hotspot hotspots` was asked to: GeoJSON or CSV to
//! standard output or `--output`, a GeoPackage to `--output`.

use std::io::Write;

use anyhow::{Context, Result};
use hotspot::methods;

use crate::{HotspotArgs, OutputFormat};

/// Writes the report in `--format` to `--output` (or standard output).
pub fn write_report(args: &HotspotArgs, report: &hotspot::hotspots::HotspotReport) -> Result<()> {
    use hotspot::hotspots::{self as hs};
    let tz = report.parameters.tz;
    if let (OutputFormat::Gpkg, Some(path)) = (args.format, &args.output) {
        let name = match args.method {
            methods::Method::Repeats => "repeats".to_string(),
            m => format!("hotspots_{}", m.as_str()),
        };
        let fc = report.to_geojson();
        let layer = hotspot::gpkg::Layer {
            name: &name,
            features: &fc.features,
        };
        return hotspot::gpkg::write_file(path, &[layer])
            .with_context(|| format!("writing {}", path.display()));
    }
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    match (args.format, &report.detail) {
        (OutputFormat::Geojson | OutputFormat::Gpkg, _) => {
            serde_json::to_writer(&mut out, &report.to_geojson())?
        }
        (OutputFormat::Csv, hs::ReportDetail::Gistar { result, .. }) => {
            hs::write_gistar_csv(result, &mut out)?
        }
        (OutputFormat::Csv, hs::ReportDetail::Dbscan { result, ids }) => {
            hs::write_dbscan_csv(ids, result, &mut out)?
        }
        (OutputFormat::Csv, hs::ReportDetail::Repeats) => report.write_repeats_csv(&mut out, tz)?,
        (OutputFormat::Csv, hs::ReportDetail::Emerging { result }) => {
            hs::write_emerging_csv(result, &mut out)?
        }
        (OutputFormat::Csv, hs::ReportDetail::NearRepeat { result, .. }) => {
            hs::write_knox_csv(result, &mut out)?
        }
    }
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
