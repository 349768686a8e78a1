//! `hotspot sync`: passes against a GeoReport v2 server with a progress bar on stderr.

use anyhow::{Context, Result};
use hotspot::city::City;
use indicatif::{ProgressBar, ProgressStyle};

/// `hotspot sync`: one pass, or one every `every` until Ctrl-C.
pub fn run(
    city: &City,
    remote: &hotspot::sync::Remote,
    every: Option<std::time::Duration>,
    since: Option<hotspot::sync::Since>,
) -> Result<()> {
    use hotspot::sync::{sync_once, SyncOptions};
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let mut options = SyncOptions {
        since,
        ..SyncOptions::default()
    };
    runtime.block_on(async {
        loop {
            let bar = sync_bar();
            let mut progress = |p: hotspot::sync::Progress<'_>| {
                let span = (p.span.end - p.span.start).num_seconds().max(1) as u64;
                bar.set_length(span);
                bar.set_position((p.window.end - p.span.start).num_seconds().max(0) as u64);
                bar.set_message(format!(
                    "to {}, page {}: {}",
                    p.window.end.format("%Y-%m-%d %H:%M"),
                    p.page,
                    p.report.counts_line()
                ));
            };
            let result = sync_once(city, remote, &options, &mut progress).await;
            bar.finish_and_clear();
            let clean = match result {
                Ok(report) => {
                    eprintln!("{report}");
                    report.is_clean()
                }
                Err(e) if every.is_some() => {
                    eprintln!("hotspot: {e:#}");
                    false
                }
                Err(e) => return Err(e).context("sync"),
            };
            let Some(every) = every else {
                anyhow::ensure!(clean, "sync incomplete: see the problems above");
                return Ok(());
            };
            // later passes continue from the cursor
            options.since = None;
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    })
}

fn sync_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("sync [{bar:30}] {percent}% {msg}")
            .expect("valid progress template")
            .progress_chars("=> "),
    );
    bar
}
