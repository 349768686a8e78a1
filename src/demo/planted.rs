//! The planted hot spots and repeat addresses: the ground truth of the demo city.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One planted cluster of requests (ground truth for the hot-spot engine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlantedHotspot {
    pub service_code: String,
    /// What the cluster stands for, e.g. "street lights out along GIRARD AVE after the ice storm".
    pub label: String,
    /// Centre, WGS84 degrees (6 decimals).
    pub lon: f64,
    pub lat: f64,
    /// Every planted request lies within this distance of the centre.
    pub radius_m: f64,
    /// First instant the cluster is active (local midnight, in UTC).
    pub active_start: DateTime<Utc>,
    /// Last instant it is active (end of its last local day, in UTC).
    pub active_end: DateTime<Utc>,
    /// Number of requests planted.
    pub count: usize,
}

/// A cluster to plant, in local metres and calendar dates.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub code: &'static str,
    pub label: &'static str,
    pub x: f64,
    pub y: f64,
    pub radius_m: f64,
    /// Active dates, inclusive.
    pub from: (i32, u32, u32),
    pub to: (i32, u32, u32),
    pub count: usize,
    /// Only sites on this street (a corridor), e.g. "GIRARD AVE".
    pub along: Option<&'static str>,
}

impl Spec {
    /// First and last active date.
    pub fn dates(&self) -> (NaiveDate, NaiveDate) {
        let d = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        (d(self.from), d(self.to))
    }
}

const YEAR: ((i32, u32, u32), (i32, u32, u32)) = ((2025, 11, 1), (2026, 10, 31));

const fn spec(
    code: &'static str,
    label: &'static str,
    (x, y, radius_m): (f64, f64, f64),
    (from, to): ((i32, u32, u32), (i32, u32, u32)),
    count: usize,
    along: Option<&'static str>,
) -> Spec {
    Spec {
        code,
        label,
        x,
        y,
        radius_m,
        from,
        to,
        count,
        along,
    }
}

/// The clusters planted in the demo year.
pub const SPECS: &[Spec] = &[
    spec(
        "streetlight",
        "street lights out along GIRARD AVE after the January ice storm",
        (0.0, 1500.0, 400.0),
        ((2026, 1, 12), (2026, 3, 15)),
        170,
        Some("GIRARD AVE"),
    ),
    spec(
        "streetlight",
        "failing lighting circuit south of the river",
        (-1200.0, -2250.0, 250.0),
        YEAR,
        90,
        None,
    ),
    spec(
        "pothole",
        "spring potholes along RIDGE AVE",
        (0.0, 900.0, 400.0),
        ((2026, 2, 1), (2026, 4, 30)),
        200,
        Some("RIDGE AVE"),
    ),
    spec(
        "pothole",
        "worn pavement around the bus depot",
        (2400.0, -900.0, 300.0),
        YEAR,
        140,
        None,
    ),
    spec(
        "graffiti",
        "tagging along the COLUMBIA AVE commercial strip",
        (1400.0, 2100.0, 350.0),
        YEAR,
        230,
        Some("COLUMBIA AVE"),
    ),
    spec(
        "graffiti",
        "summer tagging near S BROAD ST",
        (1400.0, -600.0, 200.0),
        ((2026, 6, 1), (2026, 10, 31)),
        110,
        None,
    ),
    spec(
        "illegal_dumping",
        "dumping on the vacant lots of Ironworks",
        (2800.0, 1650.0, 300.0),
        YEAR,
        260,
        None,
    ),
    spec(
        "illegal_dumping",
        "summer dumping by the river",
        (-2800.0, -1350.0, 250.0),
        ((2026, 5, 1), (2026, 9, 30)),
        130,
        None,
    ),
    spec(
        "abandoned_vehicle",
        "abandoned cars near the old rail yard",
        (-1600.0, -900.0, 300.0),
        YEAR,
        120,
        None,
    ),
    spec(
        "dead_animal",
        "dead animals along the edge of the park",
        (-1450.0, 1200.0, 250.0),
        ((2026, 6, 1), (2026, 9, 30)),
        60,
        None,
    ),
    spec(
        "vacant_property",
        "vacant houses of Ironworks",
        (2600.0, 1800.0, 350.0),
        YEAR,
        170,
        None,
    ),
    spec(
        "sanitation_violation",
        "restaurant row dumpsters",
        (2000.0, 150.0, 250.0),
        YEAR,
        150,
        None,
    ),
    spec(
        "rodent",
        "rats around restaurant row",
        (2100.0, 250.0, 250.0),
        ((2026, 5, 1), (2026, 9, 30)),
        190,
        None,
    ),
    spec(
        "missed_trash",
        "collection route missed over the holidays",
        (-2600.0, 2000.0, 400.0),
        ((2025, 12, 20), (2026, 1, 15)),
        300,
        None,
    ),
    spec(
        "tree",
        "trees down after the July thunderstorm",
        (-500.0, 2400.0, 350.0),
        ((2026, 7, 10), (2026, 7, 31)),
        140,
        None,
    ),
    spec(
        "noise",
        "nightlife along SOUTH ST",
        (2200.0, -750.0, 300.0),
        YEAR,
        200,
        Some("SOUTH ST"),
    ),
    spec(
        "illegal_parking",
        "event parking around the stadium",
        (3000.0, -2200.0, 250.0),
        YEAR,
        160,
        None,
    ),
    spec(
        "sidewalk",
        "heaved sidewalks under old street trees",
        (-3000.0, 500.0, 250.0),
        YEAR,
        80,
        None,
    ),
    spec(
        "heat",
        "apartment complex with a failing boiler",
        (600.0, -300.0, 150.0),
        ((2025, 11, 1), (2026, 3, 31)),
        110,
        None,
    ),
];

/// A property with many requests of several types, in local metres (snapped to the
/// nearest address point) with the requests of each type it gets.
#[derive(Debug, Clone, Copy)]
pub struct RepeatSpec {
    pub x: f64,
    pub y: f64,
    pub requests: &'static [(&'static str, usize)],
}

/// The repeat addresses planted in the demo year.
pub const REPEATS: &[RepeatSpec] = &[
    RepeatSpec {
        x: 2800.0,
        y: 1650.0,
        requests: &[
            ("vacant_property", 14),
            ("illegal_dumping", 20),
            ("graffiti", 8),
            ("rodent", 5),
        ],
    },
    RepeatSpec {
        x: 2100.0,
        y: 250.0,
        requests: &[
            ("sanitation_violation", 12),
            ("rodent", 9),
            ("graffiti", 10),
            ("illegal_dumping", 6),
        ],
    },
    RepeatSpec {
        x: -1800.0,
        y: -2500.0,
        requests: &[
            ("vacant_property", 10),
            ("illegal_dumping", 12),
            ("graffiti", 6),
            ("tree", 3),
        ],
    },
];
