//! The method table: every way the map and the CLI look at requests, described once.
//!
//! Each [`MethodSpec`] gives a method's name and aliases, its label and plain-words
//! description, its parameters with default, minimum and maximum ([`ParamSpec`]), what it
//! ranks, its legend and its CSV columns. The table drives CLI parsing and help, HTTP
//! validation, the `/api/v1/layers` advertisement ([`advertise`]) and, through that, the map's
//! method menu, defaults, legend and limits.
//!
//! Parameter values are read and checked against the table by [`options`].
//!
//! Analysis methods ([`Method`]) produce ranked reports (`hotspot hotspots`,
//! `hotspots.geojson`, `repeats.geojson`); views (`hexbins`, `points`) only draw requests.

mod options;

pub use options::MethodOptions;

use serde_json::{json, Value};

use crate::analysis::defaults::{
    AUTO_RES_MAX, AUTO_RES_MIN, AUTO_RES_MIN_MEDIAN, DEFAULT_EPS_M, DEFAULT_MIN_POINTS,
};
use crate::analysis::repeats::DEFAULT_MIN_REQUESTS;

/// An analysis method (a ranked report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Getis-Ord Gi* on H3 cells with FDR-corrected confidence bins.
    Gistar,
    /// DBSCAN clusters of request points.
    Dbscan,
    /// Places (normalized addresses) with repeated requests.
    Repeats,
    /// Emerging hot spots: Gi* on a space-time cube, trends and categories.
    Emerging,
    /// Near repeats: the Knox table of distance × time bands.
    NearRepeat,
}

impl Method {
    /// The CLI and API spelling: `gistar`, `dbscan`, `repeats`.
    pub fn as_str(self) -> &'static str {
        self.spec().id
    }

    /// The method's row of the table.
    pub fn spec(self) -> &'static MethodSpec {
        METHODS
            .iter()
            .find(|m| m.analysis == Some(self))
            .expect("every analysis method has a row in METHODS")
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Method {
    type Err = ParamError;
    /// An analysis method by id or alias, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let spec = lookup(s)
            .filter(|m| m.analysis.is_some())
            .ok_or_else(|| ParamError {
                name: "method",
                reason: format!(
                    "{s:?} is not an analysis method (expected {})",
                    names(METHODS.iter().filter(|m| m.analysis.is_some()))
                ),
            })?;
        Ok(spec.analysis.expect("filtered"))
    }
}

/// A parameter that does not fit its row of the table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct ParamError {
    /// The parameter, as the API spells it (the CLI option is `--` and dashes).
    pub name: &'static str,
    pub reason: String,
}

/// What values a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A whole number from `min` to `max`.
    Integer,
    /// A finite number from `min` to `max`.
    Number,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`).
    Flag,
    /// Comma-separated numbers from `min` to `max`, strictly ascending (band edges).
    List,
}

/// A parameter's value when none is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamDefault {
    Number(f64),
    Flag(bool),
    /// Chosen from the data by this rule.
    Auto(&'static str),
    /// The city config's `h3_resolution`.
    CityResolution,
    /// A list of numbers.
    List(&'static [f64]),
}

/// One parameter of a method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// The API name (`eps_m`); the CLI option is `--eps-m`.
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub kind: ParamKind,
    pub default: ParamDefault,
    pub min: f64,
    pub max: f64,
}

/// A legend class: a value of the layer's `property` (or none), its words and colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegendClass {
    pub value: Option<i64>,
    pub label: &'static str,
    pub color: &'static str,
}

/// How a method's layer is read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Legend {
    pub title: &'static str,
    /// The feature property the classes or the ramp are of.
    pub property: Option<&'static str>,
    pub classes: &'static [LegendClass],
    /// A sequential colour ramp (low to high) for counts, when the layer is shaded by one.
    pub ramp: &'static [&'static str],
    pub note: Option<&'static str>,
}

/// One row of the method table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MethodSpec {
    /// The CLI and API name.
    pub id: &'static str,
    /// Other accepted spellings.
    pub aliases: &'static [&'static str],
    pub label: &'static str,
    pub description: &'static str,
    /// The analysis it runs; `None` for views.
    pub analysis: Option<Method>,
    /// The layer under `/api/v1/` that shows it, and the fixed query it needs.
    pub layer: &'static str,
    pub layer_query: &'static [(&'static str, &'static str)],
    /// What its ranked list holds (`None`: nothing ranked by priority).
    pub ranks: Option<&'static str>,
    /// Whether `/api/v1/worklist.csv?method=ID` serves its work list.
    pub work_list: bool,
    pub params: &'static [ParamSpec],
    pub legend: Legend,
    /// The columns of `hotspot hotspots --format csv` (analysis methods).
    pub columns: &'static [&'static str],
}

/// The sequential ramp of densities (hex bins, choropleths).
pub const RAMP: &[&str] = &["#fff7ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000"];

const RES_RULE: &str = "the finest of 7-10 at which the median non-empty cell holds 3+ requests";

/// Gi*: the H3 resolution of the cells.
pub const RES: ParamSpec = ParamSpec {
    name: "res",
    label: "H3 resolution",
    help: "H3 resolution of the Gi* cells (5 coarse ... 11 fine); default: chosen from the data",
    kind: ParamKind::Integer,
    default: ParamDefault::Auto(RES_RULE),
    min: 5.0,
    max: 11.0,
};
/// Gi*: the neighbourhood ring.
pub const K: ParamSpec = ParamSpec {
    name: "k",
    label: "Neighbour rings",
    help: "Neighbourhood ring of Gi* in grid steps (1 = a cell and its six neighbours)",
    kind: ParamKind::Integer,
    default: ParamDefault::Number(1.0),
    min: 1.0,
    max: 5.0,
};
/// Gi*: Benjamini-Hochberg FDR.
pub const FDR: ParamSpec = ParamSpec {
    name: "fdr",
    label: "False discovery rate correction",
    help: "Confidence bins with Benjamini-Hochberg FDR correction (false: plain p-values)",
    kind: ParamKind::Flag,
    default: ParamDefault::Flag(true),
    min: 0.0,
    max: 1.0,
};
/// DBSCAN: the radius.
pub const EPS_M: ParamSpec = ParamSpec {
    name: "eps_m",
    label: "Radius (m)",
    help: "DBSCAN neighbourhood radius in metres",
    kind: ParamKind::Number,
    default: ParamDefault::Number(DEFAULT_EPS_M),
    min: 1.0,
    max: 5_000.0,
};
/// DBSCAN: the core-point threshold.
pub const MIN_POINTS: ParamSpec = ParamSpec {
    name: "min_points",
    label: "Requests for a core point",
    help: "DBSCAN neighbours (the request itself included) that make a core point",
    kind: ParamKind::Integer,
    default: ParamDefault::Number(DEFAULT_MIN_POINTS as f64),
    min: 1.0,
    max: 1_000.0,
};
/// Repeats: requests a place needs.
pub const MIN_REQUESTS: ParamSpec = ParamSpec {
    name: "min_requests",
    label: "Requests at a place",
    help: "Requests an address needs to be reported as a repeat address",
    kind: ParamKind::Integer,
    default: ParamDefault::Number(DEFAULT_MIN_REQUESTS as f64),
    min: 2.0,
    max: 1_000.0,
};
/// Emerging hot spots: the length of a time step.
pub const STEP_DAYS: ParamSpec = ParamSpec {
    name: "step_days",
    label: "Days per step",
    help: "Length of a time step of the space-time cube, in days",
    kind: ParamKind::Integer,
    default: ParamDefault::Number(7.0),
    min: 1.0,
    max: 365.0,
};
/// Emerging hot spots: the time lag.
pub const LAG: ParamSpec = ParamSpec {
    name: "lag",
    label: "Time lag (steps)",
    help: "Earlier steps counted as neighbours of a step (0: the step alone)",
    kind: ParamKind::Integer,
    default: ParamDefault::Number(1.0),
    min: 0.0,
    max: 52.0,
};
/// Emerging hot spots: the number of steps.
pub const STEPS: ParamSpec = ParamSpec {
    name: "steps",
    label: "Steps",
    help: "Number of time steps ending at the window's end (at least 10)",
    kind: ParamKind::Integer,
    default: ParamDefault::Auto("as many whole steps as the window holds"),
    min: 10.0,
    max: 1_000.0,
};
/// Near repeats: the distance band edges.
pub const DISTANCE_BANDS: ParamSpec = ParamSpec {
    name: "distance_bands",
    label: "Distance bands (m)",
    help: "Upper edges of the distance bands in metres, comma-separated and ascending",
    kind: ParamKind::List,
    default: ParamDefault::List(&[100.0, 200.0, 300.0, 400.0, 500.0]),
    min: 1.0,
    max: 10_000.0,
};
/// Near repeats: the time band edges.
pub const TIME_BANDS: ParamSpec = ParamSpec {
    name: "time_bands",
    label: "Time bands (days)",
    help: "Upper edges of the time bands in days, comma-separated and ascending",
    kind: ParamKind::List,
    default: ParamDefault::List(&[7.0, 14.0, 21.0, 28.0]),
    min: 0.01,
    max: 3_650.0,
};
/// Near repeats: the permutations of the expectation.
pub const PERMUTATIONS: ParamSpec = ParamSpec {
    name: "permutations",
    label: "Permutations",
    help: "Shuffles of the requests' times for the expected counts and p-values (seeded)",
    kind: ParamKind::Integer,
    default: ParamDefault::Number(99.0),
    min: 1.0,
    max: 9_999.0,
};
/// Hex bins: the H3 resolution.
pub const HEX_RES: ParamSpec = ParamSpec {
    name: "res",
    label: "H3 resolution",
    help: "H3 resolution of the hexagons (4 coarse ... 12 fine); default: the city's h3_resolution",
    kind: ParamKind::Integer,
    default: ParamDefault::CityResolution,
    min: 4.0,
    max: 12.0,
};
/// Points: requests per page.
pub const LIMIT: ParamSpec = ParamSpec {
    name: "limit",
    label: "Requests per page",
    help: "Request points per page of requests.geojson (newest first)",
    kind: ParamKind::Integer,
    default: ParamDefault::Number(2_000.0),
    min: 1.0,
    max: 10_000.0,
};

const GISTAR_CLASSES: &[LegendClass] = &[
    class(3, "Hot spot, 99% confidence", "#d73027"),
    class(2, "Hot spot, 95% confidence", "#fc8d59"),
    class(1, "Hot spot, 90% confidence", "#fee090"),
    class(0, "Not significant", "#f7f7f7"),
    class(-1, "Cold spot, 90% confidence", "#e0f3f8"),
    class(-2, "Cold spot, 95% confidence", "#91bfdb"),
    class(-3, "Cold spot, 99% confidence", "#4575b4"),
];

/// Emerging hot-spot categories, in [`crate::analysis::emerging::Category::ALL`] order (the
/// `category_code` property).
const EMERGING_CLASSES: &[LegendClass] = &[
    class(0, "New hot spot", "#ff0000"),
    class(1, "Consecutive hot spot", "#e34a33"),
    class(2, "Intensifying hot spot", "#b30000"),
    class(3, "Persistent hot spot", "#fc8d59"),
    class(4, "Diminishing hot spot", "#fdbb84"),
    class(5, "Sporadic hot spot", "#fdd49e"),
    class(6, "Oscillating hot spot", "#fee8c8"),
    class(7, "Historical hot spot (over)", "#d9b38c"),
    class(8, "New cold spot", "#0000ff"),
    class(9, "Consecutive cold spot", "#3182bd"),
    class(10, "Intensifying cold spot", "#08519c"),
    class(11, "Persistent cold spot", "#6baed6"),
    class(12, "Diminishing cold spot", "#9ecae1"),
    class(13, "Sporadic cold spot", "#c6dbef"),
    class(14, "Oscillating cold spot", "#deebf7"),
    class(15, "Historical cold spot", "#a6bddb"),
];

const fn class(value: i64, label: &'static str, color: &'static str) -> LegendClass {
    LegendClass {
        value: Some(value),
        label,
        color,
    }
}

const fn plain(label: &'static str, color: &'static str) -> LegendClass {
    LegendClass {
        value: None,
        label,
        color,
    }
}

/// The table.
pub const METHODS: &[MethodSpec] = &[
    MethodSpec {
        id: "gistar",
        aliases: &["gi*", "gi"],
        label: "Gi* hot spots",
        description: "Getis-Ord Gi* on H3 cells: areas with more requests than chance would give, \
                      FDR-corrected; hot-spot regions ranked by SLA priority",
        analysis: Some(Method::Gistar),
        layer: "hotspots.geojson",
        layer_query: &[("method", "gistar")],
        ranks: Some("significant hot spots (95%+)"),
        work_list: true,
        params: &[RES, K, FDR],
        legend: Legend {
            title: "Gi* hot and cold spots (FDR-corrected)",
            property: Some("bin"),
            classes: GISTAR_CLASSES,
            ramp: &[],
            note: None,
        },
        columns: &["h3", "count", "z", "p", "bin"],
    },
    MethodSpec {
        id: "dbscan",
        aliases: &["clusters"],
        label: "Clusters (DBSCAN)",
        description: "DBSCAN density clusters of request points (great-circle distance); \
                      clusters ranked by SLA priority",
        analysis: Some(Method::Dbscan),
        layer: "hotspots.geojson",
        layer_query: &[("method", "dbscan")],
        ranks: Some("clusters"),
        work_list: true,
        params: &[EPS_M, MIN_POINTS],
        legend: Legend {
            title: "Clusters",
            property: None,
            classes: &[plain("DBSCAN cluster (hull of its requests)", "#d73027")],
            ramp: &[],
            note: None,
        },
        columns: &["service_request_id", "cluster"],
    },
    MethodSpec {
        id: "emerging",
        aliases: &["emerging_hotspots", "space_time"],
        label: "Emerging hot spots",
        description: "Gi* on a space-time cube of H3 cells and weekly steps, with a Mann-Kendall \
                      trend per cell: new, intensifying, persistent, diminishing and historical \
                      hot spots; areas hot in the final step ranked, new and \
                      intensifying first, then by SLA priority",
        analysis: Some(Method::Emerging),
        layer: "hotspots.geojson",
        layer_query: &[("method", "emerging")],
        ranks: Some("hot spots in the final step (new and intensifying first)"),
        work_list: true,
        params: &[RES, K, STEP_DAYS, LAG, STEPS],
        legend: Legend {
            title: "Emerging hot spots",
            property: Some("category_code"),
            classes: EMERGING_CLASSES,
            ramp: &[],
            note: Some("Cells with no trend or pattern are not drawn."),
        },
        columns: &[
            "h3",
            "category",
            "trend_tau",
            "trend_p",
            "hot_steps",
            "cold_steps",
            "final_z",
        ],
    },
    MethodSpec {
        id: "nearrepeat",
        aliases: &["near_repeat", "knox"],
        label: "Near repeats (Knox)",
        description: "The Knox test: pairs of requests per distance and time band against what \
                      chance would give (seeded permutations); the pairs of the strongest \
                      significant band are drawn",
        analysis: Some(Method::NearRepeat),
        layer: "hotspots.geojson",
        layer_query: &[("method", "nearrepeat")],
        ranks: None,
        work_list: false,
        params: &[DISTANCE_BANDS, TIME_BANDS, PERMUTATIONS],
        legend: Legend {
            title: "Near repeats",
            property: None,
            classes: &[plain("pair of requests in the strongest band", "#7b3294")],
            ramp: &[],
            note: Some("Lines join pairs close in space and time."),
        },
        columns: &[
            "distance_band",
            "time_band",
            "observed",
            "expected",
            "expected_independent",
            "knox_ratio",
            "p",
        ],
    },
    MethodSpec {
        id: "hexbins",
        aliases: &["hex"],
        label: "Hex density",
        description: "Requests counted per H3 hexagon",
        analysis: None,
        layer: "hexbins.geojson",
        layer_query: &[],
        ranks: Some("hexagons (most overdue, then busiest)"),
        work_list: false,
        params: &[HEX_RES],
        legend: Legend {
            title: "Requests per hexagon",
            property: Some("count"),
            classes: &[],
            ramp: RAMP,
            note: None,
        },
        columns: &[],
    },
    MethodSpec {
        id: "points",
        aliases: &[],
        label: "Points",
        description: "Each request where it was reported, newest first",
        analysis: None,
        layer: "requests.geojson",
        layer_query: &[],
        ranks: Some("overdue requests in view"),
        work_list: false,
        params: &[LIMIT],
        legend: Legend {
            title: "Requests",
            property: None,
            classes: &[
                plain("overdue request", "#b2182b"),
                plain("open request", "#ef8a62"),
                plain("closed request", "#67a9cf"),
            ],
            ramp: &[],
            note: None,
        },
        columns: &[],
    },
    MethodSpec {
        id: "repeats",
        aliases: &["repeat"],
        label: "Repeat addresses",
        description: "Addresses with repeated requests, ranked by how many types recur there",
        analysis: Some(Method::Repeats),
        layer: "repeats.geojson",
        layer_query: &[],
        ranks: Some("repeat addresses"),
        work_list: false,
        params: &[MIN_REQUESTS],
        legend: Legend {
            title: "Repeat addresses",
            property: Some("distinct_types"),
            classes: &[
                class(1, "one type", "#fdae61"),
                class(2, "two types", "#f46d43"),
                class(3, "three or more types", "#a50026"),
            ],
            ramp: &[],
            note: Some("Circle size: number of requests."),
        },
        columns: &[
            "rank",
            "address",
            "lat",
            "lon",
            "requests",
            "distinct_types",
            "types",
            "open",
            "overdue",
            "first",
            "last",
        ],
    },
];

/// A method by id or alias, case-insensitively.
pub fn lookup(name: &str) -> Option<&'static MethodSpec> {
    let name = name.trim().to_ascii_lowercase();
    METHODS
        .iter()
        .find(|m| m.id == name || m.aliases.contains(&name.as_str()))
}

fn names<'a>(specs: impl Iterator<Item = &'a MethodSpec>) -> String {
    specs.map(|m| m.id).collect::<Vec<_>>().join(", ")
}

impl MethodSpec {
    /// The parameter `name` of this method.
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The names of its parameters, as the API spells them.
    pub fn param_names(&self) -> impl Iterator<Item = &'static str> {
        self.params.iter().map(|p| p.name)
    }
}

/// The table as `/api/v1/layers` publishes it (`city_res`: the city's `h3_resolution`).
pub fn advertise(city_res: u8) -> Value {
    Value::Array(METHODS.iter().map(|m| method_json(m, city_res)).collect())
}

fn method_json(m: &MethodSpec, city_res: u8) -> Value {
    let query: serde_json::Map<String, Value> = m
        .layer_query
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({
        "id": m.id,
        "aliases": m.aliases,
        "label": m.label,
        "description": m.description,
        "analysis": m.analysis.is_some(),
        "layer": m.layer,
        "query": query,
        "ranks": m.ranks,
        "work_list": m.work_list,
        "parameters": m.params.iter().map(|p| param_json(p, city_res)).collect::<Vec<_>>(),
        "legend": {
            "title": m.legend.title,
            "property": m.legend.property,
            "classes": m.legend.classes.iter().map(|c| json!({"value": c.value, "label": c.label, "color": c.color})).collect::<Vec<_>>(),
            "ramp": m.legend.ramp,
            "note": m.legend.note,
        },
        "columns": m.columns,
    })
}

fn param_json(p: &ParamSpec, city_res: u8) -> Value {
    // whole numbers as JSON integers
    let number = |x: f64| match p.kind {
        ParamKind::Integer => json!(x as i64),
        _ => json!(x),
    };
    let (default, rule) = match p.default {
        ParamDefault::Number(x) => (number(x), None),
        ParamDefault::Flag(b) => (json!(b), None),
        ParamDefault::Auto(rule) => (Value::Null, Some(rule)),
        ParamDefault::CityResolution => (json!(city_res), None),
        ParamDefault::List(values) => (json!(values), None),
    };
    let kind = match p.kind {
        ParamKind::Integer => "integer",
        ParamKind::Number => "number",
        ParamKind::Flag => "boolean",
        ParamKind::List => "list",
    };
    let mut o = json!({"name": p.name, "label": p.label, "help": p.help, "kind": kind,
                       "default": default, "rule": rule});
    if p.kind != ParamKind::Flag {
        o["min"] = number(p.min);
        o["max"] = number(p.max);
    }
    o
}

/// The auto-resolution rule's constants, kept in step with [`RES_RULE`]'s words.
const _: () = assert!(AUTO_RES_MIN == 7 && AUTO_RES_MAX == 10 && AUTO_RES_MIN_MEDIAN == 3);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_analysis_method_and_alias_parses() {
        for m in METHODS {
            for name in std::iter::once(&m.id).chain(m.aliases) {
                assert_eq!(lookup(name).map(|s| s.id), Some(m.id));
                assert_eq!(name.to_uppercase().parse::<Method>().ok(), m.analysis);
            }
        }
        assert_eq!("Gi*".parse::<Method>(), Ok(Method::Gistar));
        let err = "hexbins".parse::<Method>().unwrap_err();
        assert!(
            err.reason
                .contains("gistar, dbscan, emerging, nearrepeat, repeats"),
            "{err}"
        );
    }

    #[test]
    fn the_advertisement_lists_every_method_with_its_parameters() {
        let ad = advertise(9);
        let ids: Vec<&str> = ad
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "gistar",
                "dbscan",
                "emerging",
                "nearrepeat",
                "hexbins",
                "points",
                "repeats"
            ]
        );
        assert_eq!(ad[0]["parameters"][0]["rule"], RES_RULE);
        assert_eq!(ad[4]["parameters"][0]["default"], 9);
        assert_eq!(ad[5]["parameters"][0]["max"], 10_000);
        assert_eq!(ad[3]["parameters"][0]["kind"], "list");
        assert_eq!(
            ad[3]["parameters"][0]["default"],
            json!([100.0, 200.0, 300.0, 400.0, 500.0])
        );
        assert_eq!(ad[0]["legend"]["classes"].as_array().unwrap().len(), 7);
        assert_eq!(ad[2]["legend"]["classes"].as_array().unwrap().len(), 16);
        assert_eq!(ad[2]["parameters"][2]["name"], "step_days");
    }
}
