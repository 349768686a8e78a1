//! Boundary layers: council districts, ZIP codes, police districts, neighbourhoods and the
//! city limits. Each layer assigns every city block to one feature (a Voronoi partition
//! of seeds in a smoothly warped plane, so edges wander along streets), and each feature
//! is the union of its blocks: the layers tile the city limits exactly.

use geo::orient::Direction;
use geo::{coord, unary_union, MultiPolygon, Orient, Polygon, Rect};
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::frame::to_lon_lat;
use super::layout::{cell_center, in_city, line_x, line_y, NX, NY, X0, Y0};
use crate::geocode::ordinal;

/// One layer: its id, its features' `(id, name)`, and the owner of every block.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Layer id, also the file name: `council_districts`, `zip_codes`, ...
    pub id: &'static str,
    /// `(id, name)` of each feature, in output order.
    pub features: Vec<(String, String)>,
    /// Index into `features` for every block (`i + j * NX`), `None` outside the city.
    owner: Vec<Option<usize>>,
}

impl Layer {
    /// The id of the feature that owns block `cell`.
    pub fn feature_of(&self, cell: (i32, i32)) -> Option<&str> {
        let (i, j) = cell;
        if !(0..NX).contains(&i) || !(0..NY).contains(&j) {
            return None;
        }
        self.owner[(i + j * NX) as usize].map(|k| self.features[k].0.as_str())
    }

    /// The layer as a GeoJSON FeatureCollection (Polygon or MultiPolygon features with
    /// counter-clockwise exteriors and `id`/`name` properties).
    pub fn to_geojson(&self) -> FeatureCollection {
        let features = self.features.iter().enumerate().map(|(k, (id, name))| {
            let cells: Vec<Polygon> = city_cells()
                .filter(|&(i, j)| self.owner[(i + j * NX) as usize] == Some(k))
                .map(|(i, j)| cell_polygon(i, j))
                .collect();
            let mut props = JsonObject::new();
            props.insert("id".into(), json!(id));
            props.insert("name".into(), json!(name));
            Feature {
                bbox: None,
                geometry: Some(Geometry::new(geometry(&unary_union(&cells)))),
                id: None,
                properties: Some(props),
                foreign_members: None,
            }
        });
        FeatureCollection::new(features)
    }
}

fn city_cells() -> impl Iterator<Item = (i32, i32)> {
    (0..NY)
        .flat_map(|j| (0..NX).map(move |i| (i, j)))
        .filter(|&(i, j)| in_city(i, j))
}

fn cell_polygon(i: i32, j: i32) -> Polygon {
    Rect::new(
        coord! { x: line_x(i), y: line_y(j) },
        coord! { x: line_x(i + 1), y: line_y(j + 1) },
    )
    .to_polygon()
}

fn ring(ls: &geo::LineString) -> Vec<Vec<f64>> {
    ls.coords().map(|c| to_lon_lat(c.x, c.y).to_vec()).collect()
}

/// Local-metre (multi)polygon → GeoJSON geometry in degrees, exteriors counter-clockwise.
fn geometry(mp: &MultiPolygon) -> GeometryValue {
    let mp = mp.orient(Direction::Default);
    let polys: Vec<Vec<Vec<Vec<f64>>>> =
        mp.0.iter()
            .map(|p| {
                std::iter::once(ring(p.exterior()))
                    .chain(p.interiors().iter().map(ring))
                    .collect()
            })
            .collect();
    if polys.len() == 1 {
        GeometryValue::new_polygon(polys.into_iter().next().unwrap_or_default())
    } else {
        GeometryValue::new_multi_polygon(polys)
    }
}

/// A smooth, invertible distortion of the plane that makes Voronoi edges wander.
fn warp(x: f64, y: f64, phase: [f64; 4]) -> (f64, f64) {
    (
        x + 260.0 * (y / 800.0 + phase[0]).sin() + 110.0 * (y / 320.0 + phase[1]).sin(),
        y + 200.0 * (x / 900.0 + phase[2]).cos() + 90.0 * (x / 340.0 + phase[3]).sin(),
    )
}

/// Partitions the city blocks among `rows × cols` jittered seeds (north-west first).
fn partition(rows: u32, cols: u32, rng: &mut ChaCha8Rng) -> (Vec<Option<usize>>, usize) {
    let (w, h) = (-2.0 * X0, -2.0 * Y0);
    let mut seeds = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            let jx: f64 = rng.random_range(-0.3..0.3);
            let jy: f64 = rng.random_range(-0.3..0.3);
            let x = X0 + (f64::from(c) + 0.5 + jx) * w / f64::from(cols);
            let y = -Y0 - (f64::from(r) + 0.5 + jy) * h / f64::from(rows);
            seeds.push((x, y));
        }
    }
    let phase = [0; 4].map(|_| rng.random_range(0.0..std::f64::consts::TAU));
    let warped: Vec<(f64, f64)> = seeds.iter().map(|&(x, y)| warp(x, y, phase)).collect();
    let mut owner: Vec<Option<usize>> = vec![None; (NX * NY) as usize];
    for (i, j) in city_cells() {
        let (cx, cy) = cell_center(i, j);
        let (wx, wy) = warp(cx, cy, phase);
        let best = (0..warped.len()).min_by(|&a, &b| {
            let da = (warped[a].0 - wx).hypot(warped[a].1 - wy);
            let db = (warped[b].0 - wx).hypot(warped[b].1 - wy);
            da.total_cmp(&db)
        });
        owner[(i + j * NX) as usize] = best;
    }
    merge_enclaves(&mut owner);
    // Renumber the seeds that own blocks, in seed order.
    let mut used: Vec<usize> = owner.iter().flatten().copied().collect();
    used.sort_unstable();
    used.dedup();
    let owner = owner
        .into_iter()
        .map(|o| o.map(|k| used.binary_search(&k).unwrap_or(0)))
        .collect();
    (owner, used.len())
}

/// The 4-connected blocks reachable from `start` with the same owner.
fn component(owner: &[Option<usize>], start: usize, seen: &mut [bool]) -> Vec<usize> {
    let mut stack = vec![start];
    let mut out = Vec::new();
    seen[start] = true;
    while let Some(c) = stack.pop() {
        out.push(c);
        for n in neighbours(c) {
            if !seen[n] && owner[n] == owner[start] {
                seen[n] = true;
                stack.push(n);
            }
        }
    }
    out
}

fn neighbours(c: usize) -> impl Iterator<Item = usize> {
    let (i, j) = ((c as i32) % NX, (c as i32) / NX);
    [(i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)]
        .into_iter()
        .filter(|&(a, b)| (0..NX).contains(&a) && (0..NY).contains(&b))
        .map(|(a, b)| (a + b * NX) as usize)
}

/// Gives every block cut off from the largest piece of its feature to the neighbour
/// feature it touches most, so that each feature is one polygon.
fn merge_enclaves(owner: &mut [Option<usize>]) {
    for _ in 0..4 {
        let mut seen = vec![false; owner.len()];
        let mut pieces: Vec<Vec<usize>> = Vec::new();
        for c in 0..owner.len() {
            if owner[c].is_some() && !seen[c] {
                pieces.push(component(owner, c, &mut seen));
            }
        }
        let mut largest = std::collections::BTreeMap::new();
        for (k, p) in pieces.iter().enumerate() {
            let f = owner[p[0]];
            let best = largest.entry(f).or_insert(k);
            if pieces[*best].len() < p.len() {
                *best = k;
            }
        }
        let mut changed = false;
        for (k, piece) in pieces.iter().enumerate() {
            let f = owner[piece[0]];
            if largest[&f] == k {
                continue;
            }
            let mut votes = std::collections::BTreeMap::new();
            for n in piece.iter().flat_map(|&c| neighbours(c)) {
                if owner[n].is_some() && owner[n] != f {
                    *votes.entry(owner[n]).or_insert(0) += 1;
                }
            }
            if let Some((&g, _)) = votes
                .iter()
                .max_by_key(|(g, &v)| (v, std::cmp::Reverse(**g)))
            {
                piece.iter().for_each(|&c| owner[c] = g);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

const NEIGHBORHOODS: [&str; 25] = [
    "Summit Hill",
    "Northgate",
    "Orchard Heights",
    "Lehigh Flats",
    "Copper Ridge",
    "Belmont Terrace",
    "Kessler Park",
    "Foundry Hill",
    "Ironworks",
    "Tanner's Row",
    "Ashgrove",
    "Old Towne",
    "Lantern Square",
    "Market East",
    "Harrow Green",
    "Millbrook",
    "Cedar Hollow",
    "Riverbend",
    "Quarry Point",
    "Brandywine Flats",
    "Willow Landing",
    "Fenwick",
    "Marlow Heights",
    "Saint Albans",
    "Mill Creek",
];

fn layer(id: &'static str, rows: u32, cols: u32, rng: &mut ChaCha8Rng) -> Layer {
    let (owner, n) = partition(rows, cols, rng);
    let features = (0..n)
        .map(|k| match id {
            "council_districts" => ((k + 1).to_string(), format!("Council District {}", k + 1)),
            "zip_codes" => {
                let zip = format!("{}", 19401 + k);
                (zip.clone(), zip)
            }
            "police_districts" => {
                let no = 11 + k;
                (
                    no.to_string(),
                    format!("{} Police District", ordinal(no as u32).to_lowercase()),
                )
            }
            _ => {
                let name = NEIGHBORHOODS[k % NEIGHBORHOODS.len()];
                (
                    name.to_lowercase().replace([' ', '\''], "-"),
                    name.to_string(),
                )
            }
        })
        .collect();
    Layer {
        id,
        features,
        owner,
    }
}

/// The city limits: one feature owning every city block.
fn city_limits() -> Layer {
    let owner = (0..NX * NY)
        .map(|k| in_city(k % NX, k / NX).then_some(0))
        .collect();
    Layer {
        id: "city_limits",
        features: vec![("riverton".into(), "City of Riverton".into())],
        owner,
    }
}

/// All layers, deterministic from `seed`: council districts (9), ZIP codes (6), police
/// districts (6), neighbourhoods (20), city limits (1).
pub fn layers(seed: u64) -> Vec<Layer> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    vec![
        layer("council_districts", 3, 3, &mut rng),
        layer("zip_codes", 2, 3, &mut rng),
        layer("police_districts", 3, 2, &mut rng),
        layer("neighborhoods", 4, 5, &mut rng),
        city_limits(),
    ]
}
