//! The OGC API's collections: the request points (all, and one collection per service type),
//! the map's derived layers (hex bins, Gi* regions and cells, DBSCAN clusters, repeat
//! addresses) and every boundary layer with its district statistics. Each collection's
//! metadata document (title, description, extent, CRS, links) is built here.

use serde_json::{json, Value};

use super::links::{link, Base, CRS84, GEOJSON_TYPE, JSON_TYPE};
use crate::api::ApiError;
use crate::boundaries::BoundaryLayer;
use crate::city::City;
use crate::index::IndexSnapshot;
use crate::layers::type_summaries;
use crate::methods::Method;
use crate::selection::DEFAULT_DAYS;
use crate::time::DAY;

/// What a collection's features are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Request points: every type (`None`) or one service code.
    Requests(Option<String>),
    /// H3 hex bins with counts.
    Hexbins,
    /// Gi* hot and cold regions (the ranked hot spots first).
    Regions,
    /// Gi* cells with z, p and confidence bin.
    Cells,
    /// DBSCAN cluster hulls, ranked.
    Clusters,
    /// Addresses with repeated requests, ranked.
    Repeats,
    /// A boundary layer's districts with counts (by layer id).
    Boundary(String),
}

impl Kind {
    /// The analysis a derived collection runs.
    pub fn method(&self) -> Option<Method> {
        match self {
            Kind::Regions | Kind::Cells => Some(Method::Gistar),
            Kind::Clusters => Some(Method::Dbscan),
            Kind::Repeats => Some(Method::Repeats),
            _ => None,
        }
    }

    /// Whether the features are request points (paged from the index, all time by default).
    pub fn is_requests(&self) -> bool {
        matches!(self, Kind::Requests(_))
    }

    /// Parameters of the collection's items besides the common ones: the type filter (not on
    /// a one-type collection), `district` on request points, and the layer's own options
    /// (`res` of the hex bins, the method's parameters).
    pub fn params(&self) -> Vec<&'static str> {
        let mut names = match self {
            Kind::Requests(Some(_)) => vec!["district"],
            Kind::Requests(None) => vec!["type", "service_code", "district"],
            _ => vec!["type", "service_code"],
        };
        if *self == Kind::Hexbins {
            names.push("res");
        }
        if let Some(method) = self.method() {
            names.extend(method.spec().param_names());
        }
        names
    }
}

/// One collection of the table.
#[derive(Debug, Clone)]
pub struct Collection {
    pub id: String,
    pub title: String,
    pub description: String,
    pub kind: Kind,
}

const DERIVED_WINDOW: &str = "Summarizes the requests in `datetime` (default: the 90 days up to \
     the end of the newest request's day, as the map) filtered by `type` and `status`; `bbox` \
     selects features whose bounds meet it.";

/// Every collection of the city, in a stable order.
pub fn all(city: &City, snapshot: &IndexSnapshot) -> Vec<Collection> {
    let mut out = vec![Collection {
        id: "requests".into(),
        title: "Service requests".into(),
        description: "Every 311 service request as a point, newest first: id, type, status, \
             requested and due times, overdue, address and the district of each boundary layer. \
             Filters: `type`/`service_code`, `status`, `district=LAYER:ID`, `datetime`, `bbox`."
            .into(),
        kind: Kind::Requests(None),
    }];
    for code in service_codes(city, snapshot) {
        let name = city.catalog.get(&code).map_or(code.as_str(), |s| &s.name);
        out.push(Collection {
            id: format!("requests-{code}"),
            title: format!("Service requests: {name}"),
            description: format!(
                "The `{code}` requests as points, newest first (as the `requests` collection)."
            ),
            kind: Kind::Requests(Some(code.clone())),
        });
    }
    let derived = [
        ("hexbins", "Hex bins", "H3 hexagons (`res`, default the city's) with the count, open and overdue requests in each.", Kind::Hexbins),
        ("hotspot-regions", "Hot-spot regions (Gi*)", "Hot and cold regions of significant Gi* cells, the hot ones ranked by priority with SLA statistics, types and top addresses.", Kind::Regions),
        ("gistar-cells", "Gi* cells", "The H3 cells of the Gi* analysis with count, z-score, p-value and FDR confidence bin.", Kind::Cells),
        ("clusters", "Clusters (DBSCAN)", "DBSCAN cluster hulls ranked by priority, with SLA statistics, types and top addresses.", Kind::Clusters),
        ("repeats", "Repeat addresses", "Addresses with repeated requests (`min_requests`), ranked, with the type mix.", Kind::Repeats),
    ];
    for (id, title, description, kind) in derived {
        out.push(Collection {
            id: id.into(),
            title: title.into(),
            description: format!("{description} {DERIVED_WINDOW}"),
            kind,
        });
    }
    for layer in city.boundaries.layers() {
        out.push(Collection {
            id: format!("boundaries-{}", layer.id),
            title: format!("Boundaries: {}", crate::api::layers::title(&layer.id)),
            description: format!(
                "The districts of the `{}` boundary layer with count, open, overdue and \
                 requests per km². {DERIVED_WINDOW}",
                layer.id
            ),
            kind: Kind::Boundary(layer.id.clone()),
        });
    }
    out
}

/// The collection `id`, or a 404 naming it.
pub fn find(city: &City, snapshot: &IndexSnapshot, id: &str) -> Result<Collection, ApiError> {
    all(city, snapshot)
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("no collection {id:?} (see /ogc/collections)")))
}

/// Service codes of the catalog and the data, sorted.
fn service_codes(city: &City, snapshot: &IndexSnapshot) -> Vec<String> {
    let mut codes: Vec<String> = city
        .catalog
        .services()
        .iter()
        .map(|s| s.code.clone())
        .chain(snapshot.types().map(|(c, _)| c.to_string()))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// The collection's metadata document.
pub fn document(
    city: &City,
    snapshot: &IndexSnapshot,
    collection: &Collection,
    base: &Base,
) -> Value {
    let href = base.url(&format!("/collections/{}", collection.id));
    json!({
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": extent(city, snapshot, &collection.kind),
        "links": [
            link(&href, "self", JSON_TYPE, "This collection"),
            link(&format!("{href}/items"), "items", GEOJSON_TYPE, "The collection's features"),
        ],
    })
}

/// Spatial extent (the city's, the data's or the boundary layer's) and, for request-based
/// collections, the temporal interval: the data's first and last request for request points,
/// the default window for the derived layers.
fn extent(city: &City, snapshot: &IndexSnapshot, kind: &Kind) -> Value {
    let bbox = match kind {
        Kind::Boundary(id) => city.boundaries.layer(id).and_then(layer_bbox),
        _ => city
            .config
            .extent
            .map(|e| [e.min_lon, e.min_lat, e.max_lon, e.max_lat])
            .or_else(|| data_bbox(snapshot)),
    };
    let mut extent = json!({
        "spatial": {"bbox": [bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0])], "crs": CRS84},
    });
    let anchor = crate::time::day_anchor(snapshot.newest_requested(), city.config.timezone);
    let interval = match kind {
        Kind::Requests(code) => {
            let summaries = type_summaries(snapshot, anchor);
            let of_kind = summaries
                .iter()
                .filter(|s| code.as_ref().is_none_or(|c| *c == s.code));
            let first = of_kind.clone().filter_map(|s| s.first).min();
            let last = of_kind.filter_map(|s| s.last).max();
            Some([first, last])
        }
        Kind::Boundary(_)
        | Kind::Hexbins
        | Kind::Regions
        | Kind::Cells
        | Kind::Clusters
        | Kind::Repeats => Some([Some(anchor - DEFAULT_DAYS * DAY), Some(anchor)]),
    };
    if let Some([first, last]) = interval {
        extent["temporal"] = json!({
            "interval": [[utc(first), utc(last)]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        });
    }
    extent
}

/// RFC 3339 in UTC (`null`: open).
fn utc(t: Option<i64>) -> Value {
    t.and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or(Value::Null, |t| {
            json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        })
}

fn layer_bbox(layer: &BoundaryLayer) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    layer
        .features
        .iter()
        .filter_map(|f| f.geometry.bounding_rect())
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}

fn data_bbox(snapshot: &IndexSnapshot) -> Option<[f64; 4]> {
    snapshot
        .types()
        .flat_map(|(_, t)| t.requests())
        .map(|r| [r.lon, r.lat, r.lon, r.lat])
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}
