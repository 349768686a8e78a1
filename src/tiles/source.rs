//! A whole layer of features projected once to Web Mercator, from which any tile is cut:
//! the features whose bounds reach the tile and its buffer, clipped there.

use geojson::{FeatureCollection, GeometryValue};
use serde_json::Value as Json;

use super::mvt::{Geometry, Layer, Value};
use super::{clip, world, TileId, EXTENT};

/// A feature's geometry in world coordinates ([`super::world`]).
#[derive(Debug, Clone, PartialEq)]
pub enum SourceGeometry {
    Point([f64; 2]),
    /// Polygons, each an exterior ring then its holes.
    Polygons(Vec<Vec<Vec<[f64; 2]>>>),
}

/// One feature of a [`FeatureSet`].
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFeature {
    pub id: Option<u64>,
    pub geometry: SourceGeometry,
    /// `[min_x, min_y, max_x, max_y]` in world coordinates.
    pub bounds: [f64; 4],
    pub properties: Vec<(String, Value)>,
}

/// A layer's features, ready to be cut into tiles.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureSet {
    pub features: Vec<SourceFeature>,
}

impl SourceFeature {
    /// A feature from lon/lat geometry (the rings of each polygon: exterior, then holes).
    pub fn new(
        id: Option<u64>,
        geometry: LonLat,
        properties: Vec<(String, Value)>,
    ) -> SourceFeature {
        let project =
            |ring: &[[f64; 2]]| ring.iter().map(|p| world(p[0], p[1])).collect::<Vec<_>>();
        let geometry = match geometry {
            LonLat::Point(p) => SourceGeometry::Point(world(p[0], p[1])),
            LonLat::Polygons(polygons) => SourceGeometry::Polygons(
                polygons
                    .iter()
                    .map(|rings| rings.iter().map(|r| project(r)).collect())
                    .collect(),
            ),
        };
        let mut bounds = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut extend = |p: &[f64; 2]| {
            bounds = [
                bounds[0].min(p[0]),
                bounds[1].min(p[1]),
                bounds[2].max(p[0]),
                bounds[3].max(p[1]),
            ];
        };
        match &geometry {
            SourceGeometry::Point(p) => extend(p),
            SourceGeometry::Polygons(polygons) => polygons
                .iter()
                .filter_map(|rings| rings.first())
                .flatten()
                .for_each(extend),
        }
        SourceFeature {
            id,
            geometry,
            bounds,
            properties,
        }
    }

    /// Its geometry cut to `tile`, or `None` when it does not reach the tile's buffer.
    fn in_tile(&self, tile: TileId, reach: [f64; 4]) -> Option<Geometry> {
        let [x0, y0, x1, y1] = self.bounds;
        if x1 < reach[0] || x0 > reach[2] || y1 < reach[1] || y0 > reach[3] {
            return None;
        }
        match &self.geometry {
            SourceGeometry::Point(p) => {
                let [x, y] = tile.to_tile(*p);
                Some(Geometry::Points(vec![[x.round() as i32, y.round() as i32]]))
            }
            SourceGeometry::Polygons(polygons) => {
                let rings: Vec<Vec<[i32; 2]>> = polygons
                    .iter()
                    .filter_map(|rings| {
                        let local: Vec<Vec<[f64; 2]>> = rings
                            .iter()
                            .map(|r| r.iter().map(|p| tile.to_tile(*p)).collect())
                            .collect();
                        clip::polygon(&local)
                    })
                    .flatten()
                    .collect();
                (!rings.is_empty()).then_some(Geometry::Polygon(rings))
            }
        }
    }
}

/// Lon/lat geometry of a [`SourceFeature::new`].
#[derive(Debug, Clone, PartialEq)]
pub enum LonLat {
    Point([f64; 2]),
    Polygons(Vec<Vec<Vec<[f64; 2]>>>),
}

impl FeatureSet {
    /// The features of a GeoJSON collection (points, polygons and multipolygons; other
    /// geometries are not drawn by the map layers and are left out). `id` gives each
    /// feature's MVT id from the GeoJSON feature and its position. Properties become MVT
    /// values: strings, numbers and booleans as they are, arrays and objects as their JSON
    /// text (as MapLibre hands nested GeoJSON properties to expressions), nulls left out; the
    /// GeoJSON feature's own `id` is added as the property `id` unless one is there.
    pub fn from_geojson(
        fc: &FeatureCollection,
        id: impl Fn(&geojson::Feature, usize) -> Option<u64>,
    ) -> FeatureSet {
        let features = fc
            .features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let geometry = lonlat_geometry(&f.geometry.as_ref()?.value)?;
                let mut properties: Vec<(String, Value)> = f
                    .properties
                    .iter()
                    .flatten()
                    .filter_map(|(k, v)| Some((k.clone(), json_value(v)?)))
                    .collect();
                if let Some(fid) = &f.id {
                    if !properties.iter().any(|(k, _)| k == "id") {
                        let text = match fid {
                            geojson::feature::Id::String(s) => s.clone(),
                            geojson::feature::Id::Number(n) => n.to_string(),
                        };
                        properties.insert(0, ("id".into(), Value::String(text)));
                    }
                }
                Some(SourceFeature::new(id(f, i), geometry, properties))
            })
            .collect();
        FeatureSet { features }
    }

    /// The tile `tile` of this set as the MVT layer `name`: every feature reaching the tile
    /// and its buffer, in set order, clipped.
    pub fn tile(&self, name: &str, tile: TileId) -> Layer {
        let mut layer = Layer::new(name, EXTENT);
        let reach = tile.world_bounds();
        for f in &self.features {
            if let Some(geometry) = f.in_tile(tile, reach) {
                let props: Vec<(&str, Value)> = f
                    .properties
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                layer.add(f.id, &geometry, &props);
            }
        }
        layer
    }
}

/// A GeoJSON property as an MVT value (`None` for null).
pub fn json_value(v: &Json) -> Option<Value> {
    Some(match v {
        Json::Null => return None,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Double(n.as_f64()?),
        },
        Json::String(s) => Value::String(s.clone()),
        other => Value::String(other.to_string()),
    })
}

fn lonlat_geometry(g: &GeometryValue) -> Option<LonLat> {
    let ring = |r: &Vec<geojson::Position>| -> Vec<[f64; 2]> {
        r.iter()
            .filter(|p| p.len() >= 2)
            .map(|p| [p[0], p[1]])
            .collect()
    };
    let polygon = |rings: &Vec<Vec<geojson::Position>>| rings.iter().map(ring).collect::<Vec<_>>();
    match g {
        GeometryValue::Point { coordinates: p } if p.len() >= 2 => {
            Some(LonLat::Point([p[0], p[1]]))
        }
        GeometryValue::Polygon { coordinates } => {
            Some(LonLat::Polygons(vec![polygon(coordinates)]))
        }
        GeometryValue::MultiPolygon { coordinates } => {
            Some(LonLat::Polygons(coordinates.iter().map(polygon).collect()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn collection() -> FeatureCollection {
        serde_json::from_value(json!({
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": "H1",
                 "geometry": {"type": "MultiPolygon", "coordinates": [[[[-75.2, 39.9], [-75.1, 39.9], [-75.1, 40.0], [-75.2, 40.0], [-75.2, 39.9]]]]},
                 "properties": {"kind": "hot_region", "rank": 1, "z": 3.5, "note": null,
                                "types": [{"service_code": "graffiti", "count": 3}]}},
                {"type": "Feature", "id": "far",
                 "geometry": {"type": "Point", "coordinates": [10.0, 50.0]},
                 "properties": {"kind": "repeat"}},
                {"type": "Feature", "id": "line",
                 "geometry": {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]},
                 "properties": {}}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn geojson_features_become_tile_features() {
        let set = FeatureSet::from_geojson(&collection(), |_, i| Some(i as u64 + 1));
        assert_eq!(set.features.len(), 2, "the line is left out");
        let region = &set.features[0];
        assert_eq!(region.id, Some(1));
        let mut props = region.properties.clone();
        props.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            props,
            vec![
                ("id".to_string(), Value::from("H1")),
                ("kind".into(), Value::from("hot_region")),
                ("rank".into(), Value::Int(1)),
                (
                    "types".into(),
                    Value::from(r#"[{"count":3,"service_code":"graffiti"}]"#)
                ),
                ("z".into(), Value::Double(3.5)),
            ]
        );
        // a tile holding the region: the region only; its ring wound as an exterior
        let [x, y] = world(-75.15, 39.95);
        let tile = TileId::new(10, (x * 1024.0) as u32, (y * 1024.0) as u32).unwrap();
        let layer = set.tile("hotspots", tile);
        assert_eq!(layer.len(), 1);
        let far = world(10.0, 50.0);
        let other = TileId::new(10, (far[0] * 1024.0) as u32, (far[1] * 1024.0) as u32).unwrap();
        assert_eq!(set.tile("hotspots", other).len(), 1);
        // the whole world at zoom 0 holds both
        assert_eq!(set.tile("hotspots", TileId::new(0, 0, 0).unwrap()).len(), 2);
    }

    #[test]
    fn a_cut_polygon_has_its_corners_where_the_projection_puts_them() {
        let set = FeatureSet::from_geojson(&collection(), |_, _| None);
        let [x, y] = world(-75.15, 39.95);
        let tile = TileId::new(8, (x * 256.0) as u32, (y * 256.0) as u32).unwrap();
        let Some(Geometry::Polygon(rings)) = set.features[0].in_tile(tile, tile.world_bounds())
        else {
            panic!("a polygon")
        };
        let [x, y] = tile.project(-75.2, 39.9);
        assert!(rings[0].contains(&[x.round() as i32, y.round() as i32]));
        assert!(clip::area2(&rings[0]) > 0);
    }
}
