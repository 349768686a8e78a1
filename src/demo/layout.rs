//! The city's block grid: which blocks are land, park, river or outside the city limits,
//! how densely each is built up, and the names of the grid streets.
//!
//! Blocks are the cells everything else is built from: streets run along their edges,
//! address points sit inside them, and boundary layers are unions of them, so every
//! layer follows streets and tiles the city exactly.

use crate::geocode::ordinal;

/// Number of block columns (west → east).
pub const NX: i32 = 40;
/// Number of block rows (south → north).
pub const NY: i32 = 40;
/// Block width (east–west) in metres.
pub const DX: f64 = 200.0;
/// Block height (north–south) in metres.
pub const DY: f64 = 150.0;
/// x of the westernmost grid line.
pub const X0: f64 = -4000.0;
/// y of the southernmost grid line.
pub const Y0: f64 = -3000.0;
/// Index of the east–west grid line that is the house-numbering baseline (MARKET ST).
pub const BASELINE_ROW: i32 = 20;

/// What occupies a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Outside the city limits.
    Outside,
    /// Built-up land with addresses.
    Land,
    /// A park: in the city, no addresses, no interior streets.
    Park,
    /// The river: in the city, no addresses, only bridges cross it.
    Water,
}

/// x of vertical grid line `i` (0..=NX).
pub fn line_x(i: i32) -> f64 {
    X0 + DX * f64::from(i)
}

/// y of horizontal grid line `j` (0..=NY).
pub fn line_y(j: i32) -> f64 {
    Y0 + DY * f64::from(j)
}

/// Centre of block `(i, j)`.
pub fn cell_center(i: i32, j: i32) -> (f64, f64) {
    (line_x(i) + DX / 2.0, line_y(j) + DY / 2.0)
}

/// The block containing local point `(x, y)`, when inside the grid.
pub fn cell_at(x: f64, y: f64) -> Option<(i32, i32)> {
    let i = ((x - X0) / DX).floor() as i32;
    let j = ((y - Y0) / DY).floor() as i32;
    ((0..NX).contains(&i) && (0..NY).contains(&j)).then_some((i, j))
}

/// Centre line of the river: y as a function of x.
pub fn river_y(x: f64) -> f64 {
    -1650.0 + 350.0 * (x / 1100.0 + 0.7).sin()
}

/// What block `(i, j)` is; `Outside` beyond the grid.
pub fn cell_kind(i: i32, j: i32) -> CellKind {
    if !(0..NX).contains(&i) || !(0..NY).contains(&j) || !inside_limits(i, j) {
        return CellKind::Outside;
    }
    let (x, y) = cell_center(i, j);
    if (y - river_y(x)).abs() < 110.0 {
        CellKind::Water
    } else if in_park(i, j) {
        CellKind::Park
    } else {
        CellKind::Land
    }
}

/// True when block `(i, j)` is in the city (land, park or water).
pub fn in_city(i: i32, j: i32) -> bool {
    cell_kind(i, j) != CellKind::Outside
}

/// The city limits: a rounded, wobbly rectangle, decided block by block.
fn inside_limits(i: i32, j: i32) -> bool {
    let (x, y) = cell_center(i, j);
    let (u, v) = (x / 4000.0, y / 3000.0);
    let r = (u.powi(4) + v.powi(4)).powf(0.25);
    let theta = v.atan2(u);
    let edge = 1.0 + 0.05 * (3.0 * theta + 0.4).sin() + 0.035 * (5.0 * theta + 1.3).cos();
    r <= edge
}

/// Two parks: a large one in the north-west and a square near the centre.
fn in_park(i: i32, j: i32) -> bool {
    ((8..12).contains(&i) && (26..29).contains(&j))
        || ((27..29).contains(&i) && (22..24).contains(&j))
}

/// How built-up the block around local point `(x, y)` is, 0 (rural edge) to 1 (downtown).
pub fn density(x: f64, y: f64) -> f64 {
    let bump = |cx: f64, cy: f64, sx: f64, sy: f64| {
        (-((x - cx) / sx).powi(2) / 2.0 - ((y - cy) / sy).powi(2) / 2.0).exp()
    };
    let d = 0.85 * bump(1300.0, 200.0, 2200.0, 1700.0)
        + 0.45 * bump(-2300.0, 1400.0, 1300.0, 1000.0)
        + 0.35 * bump(-600.0, -2300.0, 1600.0, 700.0)
        + 0.12;
    d.min(1.0)
}

/// The numbered street on vertical line `i`: `(name, suffix type)`, e.g. `("5TH", "ST")`.
/// The easternmost line is FRONT ST, numbers grow westward, and 14th is BROAD ST.
pub fn numbered_street(i: i32) -> (String, &'static str) {
    let n = NX + 1 - i;
    match n {
        1 => ("FRONT".into(), "ST"),
        14 => ("BROAD".into(), "ST"),
        _ => (ordinal(n.unsigned_abs()), "ST"),
    }
}

/// Names of the east–west streets, south to north; line `BASELINE_ROW` is MARKET ST.
const EW_NAMES: [(&str, &str); 41] = [
    ("OREGON", "AVE"),
    ("HAZEL", "ST"),
    ("JUNIPER", "ST"),
    ("CYPRESS", "ST"),
    ("MILL", "RD"),
    ("HEMLOCK", "ST"),
    ("BEECH", "ST"),
    ("DOGWOOD", "ST"),
    ("MULBERRY", "ST"),
    ("WASHINGTON", "AVE"),
    ("ALDER", "ST"),
    ("LAUREL", "ST"),
    ("HOLLY", "ST"),
    ("PINE", "ST"),
    ("CEDAR", "ST"),
    ("SOUTH", "ST"),
    ("SPRUCE", "ST"),
    ("LOCUST", "ST"),
    ("WALNUT", "ST"),
    ("CHESTNUT", "ST"),
    ("MARKET", "ST"),
    ("ARCH", "ST"),
    ("CHERRY", "ST"),
    ("RACE", "ST"),
    ("VINE", "ST"),
    ("SPRING GARDEN", "ST"),
    ("MAPLE", "ST"),
    ("FAIRMOUNT", "AVE"),
    ("OAK", "ST"),
    ("ASH", "ST"),
    ("GIRARD", "AVE"),
    ("BIRCH", "ST"),
    ("WILLOW", "ST"),
    ("POPLAR", "ST"),
    ("COLUMBIA", "AVE"),
    ("SYCAMORE", "ST"),
    ("LINDEN", "ST"),
    ("MAGNOLIA", "ST"),
    ("LEHIGH", "AVE"),
    ("HICKORY", "ST"),
    ("SUMMIT", "BLVD"),
];

/// The east–west street on horizontal line `j`: `(name, suffix type)`.
pub fn cross_street(j: i32) -> (&'static str, &'static str) {
    EW_NAMES[j as usize]
}

/// Full name of a street from its parts, e.g. `("N", "5TH", "ST")` → "N 5TH ST".
pub fn full_name(predir: &str, name: &str, suftype: &str) -> String {
    [predir, name, suftype]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_kinds() {
        assert_eq!(numbered_street(NX).0, "FRONT");
        assert_eq!(numbered_street(NX - 1).0, "2ND");
        assert_eq!(numbered_street(NX - 10).0, "11TH");
        assert_eq!(numbered_street(NX - 12).0, "13TH");
        assert_eq!(numbered_street(NX - 13).0, "BROAD");
        assert_eq!(numbered_street(NX - 20).0, "21ST");
        assert_eq!(cross_street(BASELINE_ROW).0, "MARKET");
        assert_eq!(cross_street(30), ("GIRARD", "AVE"));
        assert_eq!(cell_kind(20, 20), CellKind::Land);
        assert_eq!(cell_kind(-1, 20), CellKind::Outside);
        assert_eq!(cell_kind(9, 27), CellKind::Park);
    }
}
