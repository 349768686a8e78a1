//! Trends of a selection: opened, closed, backlog, median days to close and share closed
//! within the SLA per time step, for all selected requests, by type or by the districts of a
//! boundary layer ([`crate::analysis::trends`] does the counting).
//!
//! The window (`start`, `end`) sets the steps; the backlog counts every request of the
//! selected types opened before a step's end, also those opened before the window.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::analysis::trends::{trends, StepStats, Steps, TrendInput};
use crate::boundaries::Boundaries;
use crate::catalog::Catalog;
use crate::index::IndexSnapshot;
use crate::selection::{for_each_position, Selection};
use crate::time::local_time;

/// How requests are grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrendGroups {
    /// One series for the whole selection.
    All,
    /// One series per service type.
    Type,
    /// One series per district of this boundary layer.
    Layer(String),
}

impl TrendGroups {
    /// `all`, `type`, or a boundary layer id of `boundaries`.
    pub fn parse(text: &str, boundaries: &Boundaries) -> Result<TrendGroups, String> {
        match text.trim() {
            "" | "all" => Ok(TrendGroups::All),
            "type" => Ok(TrendGroups::Type),
            layer if boundaries.layer(layer).is_some() => Ok(TrendGroups::Layer(layer.into())),
            other => {
                let layers: Vec<&str> = boundaries.layers().iter().map(|l| l.id.as_str()).collect();
                Err(format!(
                    "{other:?} is not all, type or a boundary layer ({})",
                    layers.join(", ")
                ))
            }
        }
    }
}

/// Trends of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendSeries {
    /// Service code, district id, or `all`.
    pub key: String,
    pub name: String,
    pub steps: Vec<StepStats>,
}

/// Trends of a selection.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendReport {
    pub steps: Steps,
    pub step_days: u32,
    pub series: Vec<TrendSeries>,
}

/// Most steps a trend has.
pub const MAX_STEPS: usize = 5_000;

/// Computes the trends of `selection` (types; window: `start`/`end`, default the oldest and
/// newest request) in steps of `step_days`, grouped by `groups`.
///
/// # Errors
/// A step length outside 1..=366 days or more than [`MAX_STEPS`] steps.
pub fn compute(
    snapshot: &IndexSnapshot,
    selection: &Selection,
    step_days: u32,
    groups: &TrendGroups,
    catalog: &Catalog,
    boundaries: &Boundaries,
) -> Result<TrendReport, String> {
    if !(1..=366).contains(&step_days) {
        return Err(format!("step_days must be 1..=366, got {step_days}"));
    }
    let everything = Selection {
        start: None,
        end: None,
        status: None,
        ..selection.clone()
    };
    let mut keys: BTreeMap<String, u32> = BTreeMap::new();
    let mut input = Vec::new();
    let (mut oldest, mut newest) = (i64::MAX, i64::MIN);
    for_each_position(snapshot, &everything, |code, index, i| {
        let r = &index.requests()[i];
        let key = match groups {
            TrendGroups::All => Some("all"),
            TrendGroups::Type => Some(code),
            TrendGroups::Layer(layer) => r
                .districts
                .iter()
                .find(|(l, _)| l.as_ref() == layer.as_str())
                .map(|(_, id)| id.as_ref()),
        };
        let Some(key) = key else { return };
        let next = keys.len() as u32;
        let group = *keys.entry(key.to_string()).or_insert(next);
        if let Some(t) = r.requested {
            oldest = oldest.min(t);
            newest = newest.max(t);
        }
        input.push(TrendInput {
            group,
            requested: r.requested,
            closed: r.closed,
            expected: r.expected,
        });
    });
    let step = i64::from(step_days) * 86_400;
    let end = selection.end.unwrap_or(newest.max(0));
    let start = selection
        .start
        .unwrap_or(if oldest == i64::MAX { end } else { oldest - 1 });
    let steps = Steps::covering(start, end, step);
    if steps.count > MAX_STEPS {
        return Err(format!(
            "{} steps of {step_days} days are more than {MAX_STEPS}: choose longer steps or a shorter window",
            steps.count
        ));
    }
    let mut stats = trends(&input, keys.len(), &steps);
    let mut series: Vec<TrendSeries> = keys
        .into_iter()
        .map(|(key, g)| TrendSeries {
            name: name_of(&key, groups, catalog, boundaries),
            steps: std::mem::take(&mut stats[g as usize]),
            key,
        })
        .collect();
    series.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(TrendReport {
        steps,
        step_days,
        series,
    })
}

fn name_of(key: &str, groups: &TrendGroups, catalog: &Catalog, boundaries: &Boundaries) -> String {
    match groups {
        TrendGroups::All => "All selected requests".into(),
        TrendGroups::Type => catalog
            .get(key)
            .map_or(key, |s| s.name.as_str())
            .to_string(),
        TrendGroups::Layer(layer) => boundaries
            .layer(layer)
            .and_then(|l| l.features.iter().find(|f| f.id == key))
            .map_or(key, |f| f.name.as_str())
            .to_string(),
    }
}

/// The columns of [`TrendReport::write_csv`].
pub const CSV_COLUMNS: [&str; 9] = [
    "group",
    "name",
    "step_start",
    "step_end",
    "opened",
    "closed",
    "open_at_end",
    "median_days_to_close",
    "share_closed_within_sla",
];

impl TrendReport {
    /// As JSON: the steps (start exclusive, end inclusive, in `tz`) and each group's series.
    pub fn to_json(&self, tz: chrono_tz::Tz) -> Value {
        let steps: Vec<Value> = (0..self.steps.count)
            .map(|i| {
                json!({"start": local_time(Some(self.steps.start_of(i)), tz),
                       "end": local_time(Some(self.steps.end_of(i)), tz)})
            })
            .collect();
        let series: Vec<Value> = self
            .series
            .iter()
            .map(|s| {
                json!({
                    "key": s.key,
                    "name": s.name,
                    "opened": s.steps.iter().map(|x| x.opened).collect::<Vec<_>>(),
                    "closed": s.steps.iter().map(|x| x.closed).collect::<Vec<_>>(),
                    "open_at_end": s.steps.iter().map(|x| x.open_at_end).collect::<Vec<_>>(),
                    "median_days_to_close": s.steps.iter().map(|x| x.median_days_to_close.map(round2)).collect::<Vec<_>>(),
                    "share_closed_within_sla": s.steps.iter().map(|x| x.share_closed_within_sla.map(round3)).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({"step_days": self.step_days, "steps": steps, "series": series})
    }

    /// One row per group and step: [`CSV_COLUMNS`].
    pub fn write_csv(&self, out: &mut dyn std::io::Write, tz: chrono_tz::Tz) -> csv::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(CSV_COLUMNS)?;
        let time = |t: i64| local_time(Some(t), tz).unwrap_or_default();
        for s in &self.series {
            for (i, x) in s.steps.iter().enumerate() {
                w.write_record([
                    s.key.clone(),
                    s.name.clone(),
                    time(self.steps.start_of(i)),
                    time(self.steps.end_of(i)),
                    x.opened.to_string(),
                    x.closed.to_string(),
                    x.open_at_end.to_string(),
                    x.median_days_to_close
                        .map(|d| format!("{d:.2}"))
                        .unwrap_or_default(),
                    x.share_closed_within_sla
                        .map(|d| format!("{d:.3}"))
                        .unwrap_or_default(),
                ])?;
            }
        }
        w.flush()?;
        Ok(())
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
