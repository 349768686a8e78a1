//! Boundary layers (council districts, ZIP codes, police districts...): one GeoJSON
//! FeatureCollection per layer, point-in-polygon tagging through an R-tree of feature
//! envelopes, and the area of each feature for per-km² statistics.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use geo::{BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Polygon};
use geojson::{FeatureCollection, GeoJson, GeometryValue, JsonObject, JsonValue, Position};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use crate::projection::Projector;

/// Errors loading a boundary layer; each names the file and, where it applies, the feature.
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    #[error("cannot read boundary layer {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("boundary layer {layer}: not GeoJSON: {reason}")]
    Parse { layer: String, reason: String },
    #[error("boundary layer {layer}: must be a FeatureCollection")]
    NotCollection { layer: String },
    #[error("boundary layer {layer}: feature {feature}: {reason}")]
    Feature {
        layer: String,
        feature: usize,
        reason: String,
    },
    #[error("boundary layer {layer}: crs {crs}: {reason}")]
    Crs {
        layer: String,
        crs: String,
        reason: String,
    },
    #[error(
        "boundary layer {layer}: property {property:?} (configured id) is missing or not unique"
    )]
    IdProperty { layer: String, property: String },
}

/// One district of a layer.
#[derive(Debug, Clone)]
pub struct BoundaryFeature {
    /// Unique within the layer (the detected or configured id property).
    pub id: String,
    /// Display name (a `name`-like property, else the id).
    pub name: String,
    /// WGS84 lon/lat.
    pub geometry: MultiPolygon<f64>,
    /// The source properties, passed through to the choropleth.
    pub properties: JsonObject,
    /// Geodesic area in km².
    pub area_km2: f64,
}

type Envelope = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// A layer: its features and an R-tree of their envelopes.
#[derive(Debug, Clone)]
pub struct BoundaryLayer {
    /// File stem, e.g. `council_districts`.
    pub id: String,
    /// The property the feature ids come from (`None`: the GeoJSON feature id or position).
    pub id_property: Option<String>,
    pub features: Vec<BoundaryFeature>,
    tree: RTree<Envelope>,
}

/// Property names tried first as feature ids, in order (case-insensitive).
const ID_PROPERTIES: &[&str] = &[
    "id",
    "district",
    "district_number",
    "dist_num",
    "zip_code",
    "zipcode",
    "zip",
    "postcode",
    "modzcta",
    "boro_cd",
    "ward",
    "geoid",
    "code",
    "number",
    "num",
    "name",
];
/// Property names tried as display names, in order (case-insensitive).
const NAME_PROPERTIES: &[&str] = &[
    "name",
    "label",
    "mapname",
    "listname",
    "community",
    "district_name",
    "title",
];

impl BoundaryLayer {
    /// Parses a layer from GeoJSON text; `id_property` forces the id property.
    pub fn from_geojson(
        id: &str,
        text: &str,
        id_property: Option<&str>,
    ) -> Result<BoundaryLayer, BoundaryError> {
        let geojson: GeoJson = text
            .parse()
            .map_err(|e: geojson::Error| BoundaryError::Parse {
                layer: id.to_string(),
                reason: e.to_string(),
            })?;
        let GeoJson::FeatureCollection(collection) = geojson else {
            return Err(BoundaryError::NotCollection {
                layer: id.to_string(),
            });
        };
        let projector = legacy_crs(id, &collection)?;
        let mut geometries = Vec::with_capacity(collection.features.len());
        for (i, f) in collection.features.iter().enumerate() {
            let fail = |reason: String| BoundaryError::Feature {
                layer: id.to_string(),
                feature: i + 1,
                reason,
            };
            let geometry = f
                .geometry
                .as_ref()
                .ok_or_else(|| fail("has no geometry".into()))?;
            let mp = multipolygon(&geometry.value, projector.as_ref()).map_err(fail)?;
            geometries.push(mp);
        }
        let props: Vec<JsonObject> = collection
            .features
            .iter()
            .map(|f| f.properties.clone().unwrap_or_default())
            .collect();
        let feature_ids: Vec<Option<String>> = collection
            .features
            .iter()
            .map(|f| {
                f.id.as_ref().map(|i| match i {
                    geojson::feature::Id::String(s) => s.clone(),
                    geojson::feature::Id::Number(n) => n.to_string(),
                })
            })
            .collect();
        let id_property = match id_property {
            Some(p) if every_has(&props, p) => Some(p.to_string()),
            Some(p) => {
                return Err(BoundaryError::IdProperty {
                    layer: id.to_string(),
                    property: p.to_string(),
                })
            }
            None => detect_id_property(&props),
        };
        let name_property = detect_name_property(&props);
        // Features sharing an id are parts of one district (e.g. a police district split by
        // an airport): they are merged into one multipolygon, in order of first appearance.
        let mut features: Vec<BoundaryFeature> = Vec::new();
        let mut position: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for (i, (geometry, properties)) in geometries.into_iter().zip(props).enumerate() {
            let fid = id_property
                .as_deref()
                .and_then(|p| text_of(&properties, p))
                .or_else(|| feature_ids[i].clone())
                .unwrap_or_else(|| (i + 1).to_string());
            if let Some(&at) = position.get(&fid) {
                let merged = &mut features[at];
                merged.area_km2 += geodesic_area_km2(&geometry);
                merged.geometry.0.extend(geometry.0);
                continue;
            }
            let name = name_property
                .as_deref()
                .and_then(|p| text_of(&properties, p))
                .unwrap_or_else(|| fid.clone());
            position.insert(fid.clone(), features.len());
            features.push(BoundaryFeature {
                area_km2: geodesic_area_km2(&geometry),
                id: fid,
                name,
                geometry,
                properties,
            });
        }
        Ok(BoundaryLayer::new(id, id_property, features))
    }

    /// Builds a layer from features already in WGS84.
    pub fn new(
        id: &str,
        id_property: Option<String>,
        features: Vec<BoundaryFeature>,
    ) -> BoundaryLayer {
        let envelopes = features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let r = f.geometry.bounding_rect()?;
                Some(Envelope::new(
                    Rectangle::from_corners(r.min().into(), r.max().into()),
                    i,
                ))
            })
            .collect();
        BoundaryLayer {
            id: id.to_string(),
            id_property,
            features,
            tree: RTree::bulk_load(envelopes),
        }
    }

    /// The feature containing the point (the first in layer order, should features overlap).
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&BoundaryFeature> {
        self.locate_all(lon, lat).into_iter().next()
    }

    /// Every feature containing the point, in layer order.
    pub fn locate_all(&self, lon: f64, lat: f64) -> Vec<&BoundaryFeature> {
        let p = Point::new(lon, lat);
        let mut hits: Vec<usize> = self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_point([lon, lat]))
            .map(|e| e.data)
            .filter(|&i| self.features[i].geometry.contains(&p))
            .collect();
        hits.sort_unstable();
        hits.into_iter().map(|i| &self.features[i]).collect()
    }
}

/// All boundary layers of a city.
#[derive(Debug, Clone, Default)]
pub struct Boundaries {
    layers: Vec<BoundaryLayer>,
}

impl Boundaries {
    /// Loads every `*.geojson` / `*.json` file of a folder as a layer (file stem = layer id),
    /// in name order.
    pub fn load_dir(dir: &Path) -> Result<Boundaries, BoundaryError> {
        let read_err = |source| BoundaryError::Read {
            path: dir.display().to_string(),
            source,
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(read_err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("geojson" | "json")
                )
            })
            .collect();
        files.sort();
        let layers = files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).map_err(|source| BoundaryError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                let id = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                BoundaryLayer::from_geojson(&id, &text, None)
            })
            .collect::<Result<_, _>>()?;
        Ok(Boundaries { layers })
    }

    pub fn from_layers(layers: Vec<BoundaryLayer>) -> Boundaries {
        Boundaries { layers }
    }

    pub fn layers(&self) -> &[BoundaryLayer] {
        &self.layers
    }

    pub fn layer(&self, id: &str) -> Option<&BoundaryLayer> {
        self.layers.iter().find(|l| l.id == id)
    }

    /// Layer id → id of the feature the point falls in, for every layer that covers it.
    pub fn tag(&self, lon: f64, lat: f64) -> BTreeMap<String, String> {
        self.layers
            .iter()
            .filter_map(|l| l.locate(lon, lat).map(|f| (l.id.clone(), f.id.clone())))
            .collect()
    }
}

/// A projector for a legacy `crs` member naming a projected CRS; `None` for WGS84/CRS84/NAD83.
fn legacy_crs(
    layer: &str,
    collection: &FeatureCollection,
) -> Result<Option<Projector>, BoundaryError> {
    let Some(name) = collection
        .foreign_members
        .as_ref()
        .and_then(|m| m.get("crs"))
        .and_then(|c| c.pointer("/properties/name"))
        .and_then(JsonValue::as_str)
    else {
        return Ok(None);
    };
    let code = name
        .rsplit([':', '/'])
        .find(|s| !s.is_empty())
        .unwrap_or(name);
    if matches!(code, "CRS84" | "4326" | "4269" | "4979") {
        return Ok(None);
    }
    let epsg = format!("EPSG:{code}");
    Projector::to_wgs84(&epsg)
        .map(Some)
        .map_err(|e| BoundaryError::Crs {
            layer: layer.to_string(),
            crs: name.to_string(),
            reason: e.to_string(),
        })
}

/// Converts a Polygon/MultiPolygon GeoJSON geometry, checking rings and coordinates.
fn multipolygon(
    value: &GeometryValue,
    projector: Option<&Projector>,
) -> Result<MultiPolygon<f64>, String> {
    let polygons = match value {
        GeometryValue::Polygon { coordinates } => vec![coordinates],
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => {
            return Err(format!(
                "geometry type {} is not a Polygon or MultiPolygon",
                other.type_name()
            ))
        }
    };
    let mut out = Vec::with_capacity(polygons.len());
    for (p, rings) in polygons.into_iter().enumerate() {
        let mut converted = Vec::with_capacity(rings.len());
        for (r, ring) in rings.iter().enumerate() {
            let where_ = format!("polygon {}, ring {}", p + 1, r + 1);
            converted
                .push(ring_to_linestring(ring, projector).map_err(|e| format!("{where_}: {e}"))?);
        }
        let mut iter = converted.into_iter();
        let exterior = iter
            .next()
            .ok_or_else(|| format!("polygon {} has no rings", p + 1))?;
        out.push(Polygon::new(exterior, iter.collect()));
    }
    Ok(MultiPolygon(out))
}

fn ring_to_linestring(
    ring: &[Position],
    projector: Option<&Projector>,
) -> Result<LineString<f64>, String> {
    if ring.len() < 4 {
        return Err(format!(
            "has {} positions; a ring needs at least 4",
            ring.len()
        ));
    }
    let mut coords = Vec::with_capacity(ring.len());
    for (i, pos) in ring.iter().enumerate() {
        if pos.len() < 2 || !pos[0].is_finite() || !pos[1].is_finite() {
            return Err(format!(
                "position {} is not a pair of finite numbers",
                i + 1
            ));
        }
        let (x, y) = match projector {
            Some(p) => p
                .project(pos[0], pos[1])
                .map_err(|e| format!("position {}: {e}", i + 1))?,
            None => (pos[0], pos[1]),
        };
        if projector.is_none() && (x.abs() > 180.0 || y.abs() > 90.0) {
            return Err(format!(
                "position {} ({x}, {y}) is not lon/lat; a projected layer needs a crs member",
                i + 1
            ));
        }
        coords.push(Coord { x, y });
    }
    if ring.first().map(|p| p.as_slice()) != ring.last().map(|p| p.as_slice()) {
        return Err("is not closed (first and last positions differ)".into());
    }
    Ok(LineString(coords))
}

fn text_of(props: &JsonObject, key: &str) -> Option<String> {
    match props.get(key)? {
        JsonValue::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        JsonValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether every feature has a value for `key`.
fn every_has(props: &[JsonObject], key: &str) -> bool {
    props.iter().all(|p| text_of(p, key).is_some())
}

/// The values of `key` when every feature has one and all differ.
fn unique_values(props: &[JsonObject], key: &str) -> Option<()> {
    let mut seen = HashSet::new();
    for p in props {
        if !seen.insert(text_of(p, key)?) {
            return None;
        }
    }
    Some(())
}

/// The first preferred property with unique values, else the first preferred property every
/// feature has (repeated values then merge features), else any property with unique values.
fn detect_id_property(props: &[JsonObject]) -> Option<String> {
    let first = props.first()?;
    let keys: Vec<&String> = first.keys().collect();
    let preferred: Vec<&&String> = ID_PROPERTIES
        .iter()
        .flat_map(|want| keys.iter().filter(move |k| k.eq_ignore_ascii_case(want)))
        .collect();
    preferred
        .iter()
        .find(|k| unique_values(props, k).is_some())
        .or_else(|| preferred.iter().find(|k| every_has(props, k)))
        .copied()
        .or_else(|| keys.iter().find(|k| unique_values(props, k).is_some()))
        .map(|k| k.to_string())
}

fn detect_name_property(props: &[JsonObject]) -> Option<String> {
    let first = props.first()?;
    NAME_PROPERTIES
        .iter()
        .find_map(|want| first.keys().find(|k| k.eq_ignore_ascii_case(want)))
        .cloned()
}

/// Area on the WGS84 ellipsoid-ish sphere (geo's chamberlain-duquette), in km².
fn geodesic_area_km2(mp: &MultiPolygon<f64>) -> f64 {
    use geo::ChamberlainDuquetteArea;
    mp.chamberlain_duquette_unsigned_area() / 1e6
}

/// The study-area polygon in a GeoJSON file (all of its features, merged).
pub fn load_study_area(path: &std::path::Path) -> Result<geo::MultiPolygon<f64>, BoundaryError> {
    let text = std::fs::read_to_string(path).map_err(|source| BoundaryError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let layer = BoundaryLayer::from_geojson("study_area", &text, None)?;
    let polygons = layer
        .features
        .into_iter()
        .flat_map(|f| f.geometry.0)
        .collect();
    Ok(geo::MultiPolygon(polygons))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARES: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"district":"1","name":"West"},
       "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0.4,0.4],[0.6,0.4],[0.6,0.6],[0.4,0.6],[0.4,0.4]]]}},
      {"type":"Feature","properties":{"district":"2","name":"East"},
       "geometry":{"type":"MultiPolygon","coordinates":[[[[1,0],[2,0],[2,1],[1,1],[1,0]]],[[[0.45,0.45],[0.55,0.45],[0.55,0.55],[0.45,0.55],[0.45,0.45]]]]}}
    ]}"#;

    #[test]
    fn tags_points_with_holes_and_multipolygons() {
        let layer = BoundaryLayer::from_geojson("council", SQUARES, None).unwrap();
        assert_eq!(layer.id_property.as_deref(), Some("district"));
        let at = |x, y| layer.locate(x, y).map(|f| f.id.clone());
        assert_eq!(at(0.2, 0.2).as_deref(), Some("1"));
        assert_eq!(at(1.5, 0.5).as_deref(), Some("2"));
        assert_eq!(at(0.42, 0.42), None, "inside the hole, outside the island");
        assert_eq!(at(0.5, 0.5).as_deref(), Some("2"), "the island in the hole");
        assert_eq!(at(3.0, 3.0), None);
        assert_eq!(layer.features[0].name, "West");
        let b = Boundaries::from_layers(vec![layer]);
        assert_eq!(
            b.tag(1.5, 0.5).get("council").map(String::as_str),
            Some("2")
        );
    }

    #[test]
    fn features_sharing_an_id_are_one_district() {
        let split = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"District":"31"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
          {"type":"Feature","properties":{"District":"7"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}},
          {"type":"Feature","properties":{"District":"31"},"geometry":{"type":"Polygon","coordinates":[[[5,5],[6,5],[6,6],[5,6],[5,5]]]}}
        ]}"#;
        let layer = BoundaryLayer::from_geojson("police", split, None).unwrap();
        assert_eq!(layer.id_property.as_deref(), Some("District"));
        let ids: Vec<&str> = layer.features.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["31", "7"]);
        assert_eq!(layer.features[0].geometry.0.len(), 2);
        assert_eq!(layer.locate(5.5, 5.5).unwrap().id, "31");
        assert!((layer.features[0].area_km2 / layer.features[1].area_km2 - 2.0).abs() < 0.01);
    }

    #[test]
    fn names_the_feature_and_ring_that_is_wrong() {
        let unclosed = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
          "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0.5]]]}}]}"#;
        let e = BoundaryLayer::from_geojson("x", unclosed, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("feature 1") && e.contains("ring 1") && e.contains("not closed"),
            "{e}"
        );
        let line = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
          "geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}"#;
        let e = BoundaryLayer::from_geojson("x", line, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("LineString"), "{e}");
        let short = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
          "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}]}"#;
        assert!(BoundaryLayer::from_geojson("x", short, None)
            .unwrap_err()
            .to_string()
            .contains("at least 4"));
        assert!(matches!(
            BoundaryLayer::from_geojson("x", r#"{"type":"Point","coordinates":[0,0]}"#, None),
            Err(BoundaryError::NotCollection { .. })
        ));
        assert!(matches!(
            BoundaryLayer::from_geojson("x", "{oops", None),
            Err(BoundaryError::Parse { .. })
        ));
    }

    #[test]
    fn reprojects_a_legacy_state_plane_layer() {
        // A small square in EPSG:2272 (Pennsylvania South, US feet) around Philadelphia City Hall.
        let (x, y) = (2_694_000.0, 236_000.0);
        let d = 1_000.0;
        let text = format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::2272"}}}},
            "features":[{{"type":"Feature","properties":{{"WARD":5}},"geometry":{{"type":"Polygon","coordinates":
            [[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}}}}]}}"#,
            x2 = x + d,
            y2 = y + d
        );
        let layer = BoundaryLayer::from_geojson("wards", &text, None).unwrap();
        let r = layer.features[0].geometry.bounding_rect().unwrap();
        assert!(
            (-75.2..-75.1).contains(&r.min().x) && (39.9..40.0).contains(&r.min().y),
            "{r:?}"
        );
        // 1,000 ft square = 0.0929 km².
        assert!(
            (layer.features[0].area_km2 - 0.0929).abs() < 0.002,
            "{}",
            layer.features[0].area_km2
        );
        assert_eq!(layer.features[0].id, "5");
    }
}
