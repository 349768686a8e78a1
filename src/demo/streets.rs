//! The street network: grid streets along block edges plus two diagonal avenues, each
//! block a segment with Philadelphia-style address ranges, and the TIGER-style GeoJSON.

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject};
use serde_json::{json, Value};

use super::frame::to_lon_lat;
use super::layout::{
    cell_kind, cross_street, full_name, in_city, line_x, line_y, numbered_street, CellKind,
    BASELINE_ROW, DX, DY, NX, NY,
};

/// One side of a segment: the block it faces and, when that block has addresses, the
/// house-number range (`from` ≤ `to`, same parity).
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// The block on this side; `None` outside the city.
    pub cell: Option<(i32, i32)>,
    /// House numbers on this side, when the block is built-up land.
    pub range: Option<(u32, u32)>,
}

/// One block-long street segment in local metres, oriented in the direction house
/// numbers grow (left/right are relative to that direction, as in TIGER).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub seg_id: u32,
    pub predir: &'static str,
    pub name: String,
    pub suftype: &'static str,
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub left: Side,
    pub right: Side,
}

impl Segment {
    /// "N 5TH ST", "MARKET ST", ...
    pub fn full_name(&self) -> String {
        full_name(self.predir, &self.name, self.suftype)
    }

    /// Length in metres.
    pub fn length(&self) -> f64 {
        (self.to.0 - self.from.0).hypot(self.to.1 - self.from.1)
    }
}

/// A street corner where a numbered street meets an east–west street.
#[derive(Debug, Clone, PartialEq)]
pub struct Intersection {
    /// "N 5TH ST & MARKET ST".
    pub name: String,
    /// The corner, nudged 5 m into an adjacent built-up block so that it tags cleanly.
    pub x: f64,
    pub y: f64,
}

/// The network: segments and named corners.
#[derive(Debug, Clone)]
pub struct Network {
    pub segments: Vec<Segment>,
    pub intersections: Vec<Intersection>,
}

/// Numbered streets whose blocks cross the river as bridges.
fn is_bridge_line(i: i32) -> bool {
    i % 6 == 3
}

fn side(cell: (i32, i32), hundred: u32, even: bool) -> Side {
    let kind = cell_kind(cell.0, cell.1);
    let from = hundred + u32::from(!even);
    Side {
        cell: (kind != CellKind::Outside).then_some(cell),
        range: (kind == CellKind::Land).then_some((from, from + 98)),
    }
}

fn keep_edge(a: (i32, i32), b: (i32, i32), bridge: bool) -> bool {
    let (ka, kb) = (cell_kind(a.0, a.1), cell_kind(b.0, b.1));
    ka == CellKind::Land
        || kb == CellKind::Land
        || (bridge && in_city(a.0, a.1) && in_city(b.0, b.1))
}

/// Blocks of the numbered (north–south) streets: even numbers on the west side.
fn numbered_segments(out: &mut Vec<Segment>) {
    for i in 0..=NX {
        let (name, suftype) = numbered_street(i);
        for j in 0..NY {
            let (west, east) = ((i - 1, j), (i, j));
            if !keep_edge(west, east, is_bridge_line(i)) {
                continue;
            }
            let x = line_x(i);
            let north = j >= BASELINE_ROW;
            let (predir, from, to, left, right) = if north {
                let h = (100 * (j - BASELINE_ROW + 1)) as u32;
                let (l, r) = (side(west, h, true), side(east, h, false));
                ("N", (x, line_y(j)), (x, line_y(j + 1)), l, r)
            } else {
                let h = (100 * (BASELINE_ROW - j)) as u32;
                let (l, r) = (side(east, h, false), side(west, h, true));
                ("S", (x, line_y(j + 1)), (x, line_y(j)), l, r)
            };
            out.push(Segment {
                seg_id: 0,
                predir,
                name: name.clone(),
                suftype,
                from,
                to,
                left,
                right,
            });
        }
    }
}

/// Blocks of the east–west streets, numbered westward from FRONT ST: even on the south.
fn cross_segments(out: &mut Vec<Segment>) {
    for j in 0..=NY {
        let (name, suftype) = cross_street(j);
        for i in 0..NX {
            let (south, north) = ((i, j - 1), (i, j));
            if !keep_edge(south, north, false) {
                continue;
            }
            let h = (100 * (NX - i)) as u32;
            out.push(Segment {
                seg_id: 0,
                predir: "",
                name: name.to_string(),
                suftype,
                from: (line_x(i + 1), line_y(j)),
                to: (line_x(i), line_y(j)),
                left: side(south, h, true),
                right: side(north, h, false),
            });
        }
    }
}

/// A diagonal avenue from grid corner `start`, stepping one block per segment through
/// block corners; numbered outward, even on the left. Parks are skipped, the river bridged.
fn diagonal(out: &mut Vec<Segment>, name: &str, start: (i32, i32), step: (i32, i32)) {
    let mut k = 0;
    let (mut i, mut j) = start;
    loop {
        let cell = (i.min(i + step.0), j.min(j + step.1));
        let kind = cell_kind(cell.0, cell.1);
        if kind == CellKind::Outside {
            break;
        }
        let h = 100 * (k + 1);
        if kind != CellKind::Park {
            out.push(Segment {
                seg_id: 0,
                predir: "",
                name: name.to_string(),
                suftype: "AVE",
                from: (line_x(i), line_y(j)),
                to: (line_x(i + step.0), line_y(j + step.1)),
                left: side(cell, h, true),
                right: side(cell, h, false),
            });
        }
        k += 1;
        i += step.0;
        j += step.1;
    }
}

/// Corners of the grid where a kept numbered street meets a kept east–west street.
fn intersections(segments: &[Segment]) -> Vec<Intersection> {
    let node = |p: (f64, f64)| {
        (
            ((p.0 - line_x(0)) / DX).round() as i32,
            ((p.1 - line_y(0)) / DY).round() as i32,
        )
    };
    let mut vertical = std::collections::BTreeMap::new();
    let mut horizontal = std::collections::BTreeMap::new();
    for s in segments {
        let is_vertical = s.from.0 == s.to.0;
        let is_horizontal = s.from.1 == s.to.1;
        for p in [s.from, s.to] {
            if is_vertical {
                vertical.entry(node(p)).or_insert_with(|| s.clone());
            } else if is_horizontal {
                horizontal.entry(node(p)).or_insert_with(|| s.clone());
            }
        }
    }
    let mut out = Vec::new();
    for (&(i, j), v) in &vertical {
        let Some(h) = horizontal.get(&(i, j)) else {
            continue;
        };
        let predir = if j >= BASELINE_ROW { "N" } else { "S" };
        let corner = [(i, j), (i - 1, j), (i, j - 1), (i - 1, j - 1)]
            .into_iter()
            .find(|&(ci, cj)| cell_kind(ci, cj) == CellKind::Land);
        let Some((ci, cj)) = corner else { continue };
        let (dx, dy) = (
            if ci == i { 3.5 } else { -3.5 },
            if cj == j { 3.5 } else { -3.5 },
        );
        out.push(Intersection {
            name: format!(
                "{} & {}",
                full_name(predir, &v.name, v.suftype),
                h.full_name()
            ),
            x: line_x(i) + dx,
            y: line_y(j) + dy,
        });
    }
    out
}

/// Builds the whole network.
pub fn network() -> Network {
    let mut segments = Vec::new();
    numbered_segments(&mut segments);
    cross_segments(&mut segments);
    diagonal(&mut segments, "RIDGE", (26, BASELINE_ROW), (-1, 1));
    diagonal(&mut segments, "LANCASTER", (26, BASELINE_ROW), (-1, -1));
    for (k, s) in segments.iter_mut().enumerate() {
        s.seg_id = 100_001 + k as u32;
    }
    let intersections = intersections(&segments);
    Network {
        segments,
        intersections,
    }
}

fn range_props(props: &mut JsonObject, prefix: char, side: &Side) {
    let (from, to) = match side.range {
        Some((f, t)) => (json!(f), json!(t)),
        None => (Value::Null, Value::Null),
    };
    props.insert(format!("{prefix}FROMADD"), from);
    props.insert(format!("{prefix}TOADD"), to);
}

/// The network as a GeoJSON FeatureCollection of LineStrings with TIGER-style properties
/// (`SEG_ID`, `FULLNAME`, `PREDIR`, `NAME`, `SUFTYPE`, `SUFDIR`, `LFROMADD`, `LTOADD`,
/// `RFROMADD`, `RTOADD` — numbers, null on a side without addresses — `ZIPL`, `ZIPR`).
/// `zip_of` gives the ZIP code of a block.
pub fn to_geojson(network: &Network, zip_of: impl Fn((i32, i32)) -> String) -> FeatureCollection {
    let features = network.segments.iter().map(|s| {
        let zip =
            |side: &Side, other: &Side| side.cell.or(other.cell).map(&zip_of).unwrap_or_default();
        let mut props = JsonObject::new();
        props.insert("SEG_ID".into(), json!(s.seg_id));
        props.insert("FULLNAME".into(), json!(s.full_name()));
        props.insert("PREDIR".into(), json!(s.predir));
        props.insert("NAME".into(), json!(s.name));
        props.insert("SUFTYPE".into(), json!(s.suftype));
        props.insert("SUFDIR".into(), json!(""));
        range_props(&mut props, 'L', &s.left);
        range_props(&mut props, 'R', &s.right);
        props.insert("ZIPL".into(), json!(zip(&s.left, &s.right)));
        props.insert("ZIPR".into(), json!(zip(&s.right, &s.left)));
        let coords = [s.from, s.to].map(|(x, y)| to_lon_lat(x, y).to_vec());
        Feature {
            bbox: None,
            geometry: Some(Geometry::new(GeometryValue::new_line_string(coords))),
            id: None,
            properties: Some(props),
            foreign_members: None,
        }
    });
    FeatureCollection::new(features)
}
