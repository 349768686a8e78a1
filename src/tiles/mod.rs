//! Mapbox Vector Tiles (MVT 2.1) from map layers: the Web Mercator tile grid ([`TileId`]),
//! clipping of polygons to a tile and its buffer ([`clip`]), the protobuf encoding of layers
//! ([`mvt`]), cutting tiles from a whole layer of features ([`FeatureSet`]) and the bounded
//! grouping of request points ([`cluster`]).
//!
//! Pure: no HTTP, no index. Coordinates come in as WGS84 lon/lat and leave as integer tile
//! coordinates on an [`EXTENT`]-unit grid with y pointing down; features within [`BUFFER`]
//! units outside the tile are kept (clipped there), so symbols and outlines at tile edges
//! draw without seams.

pub mod clip;
pub mod cluster;
pub mod mvt;
mod source;

pub use source::{FeatureSet, LonLat, SourceFeature, SourceGeometry};

/// Tile units along each side of a tile (MVT's default).
pub const EXTENT: u32 = 4096;
/// Tile units kept around the tile (1/64 of it: 4 pixels of a 256-pixel tile).
pub const BUFFER: u32 = 64;
/// The deepest zoom served (tiles beyond it are refused).
pub const MAX_ZOOM: u8 = 22;
/// Web Mercator's latitude limit (the square world).
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// Why a tile address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("zoom {z} is beyond the deepest zoom served ({MAX_ZOOM})")]
    Zoom { z: u32 },
    #[error("{axis} {value} is outside the {count} tiles of zoom {z} (0 to {last})", last = count - 1)]
    Outside {
        axis: &'static str,
        value: u32,
        z: u8,
        count: u32,
    },
}

/// A tile of the XYZ scheme (OpenStreetMap, MapLibre, TileJSON's default): `x` from the
/// antimeridian eastwards, `y` from the north down, `2^z` tiles along each axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// The tile `z/x/y`, checked against [`MAX_ZOOM`] and the `2^z` tiles of its zoom.
    pub fn new(z: u32, x: u32, y: u32) -> Result<TileId, TileError> {
        if z > u32::from(MAX_ZOOM) {
            return Err(TileError::Zoom { z });
        }
        let z = z as u8;
        let count = 1u32 << z;
        for (axis, value) in [("x", x), ("y", y)] {
            if value >= count {
                return Err(TileError::Outside {
                    axis,
                    value,
                    z,
                    count,
                });
            }
        }
        Ok(TileId { z, x, y })
    }

    /// Tiles along each axis at this zoom.
    fn count(self) -> f64 {
        f64::from(1u32 << self.z)
    }

    /// A world position ([`world`]) in this tile's units (0..[`EXTENT`] inside the tile).
    pub fn to_tile(self, [wx, wy]: [f64; 2]) -> [f64; 2] {
        let n = self.count();
        let e = f64::from(EXTENT);
        [
            (wx * n - f64::from(self.x)) * e,
            (wy * n - f64::from(self.y)) * e,
        ]
    }

    /// A lon/lat position in this tile's units.
    pub fn project(self, lon: f64, lat: f64) -> [f64; 2] {
        self.to_tile(world(lon, lat))
    }

    /// The tile and its buffer in world coordinates: `[min_x, min_y, max_x, max_y]`.
    pub fn world_bounds(self) -> [f64; 4] {
        let n = self.count();
        let pad = f64::from(BUFFER) / f64::from(EXTENT);
        [
            (f64::from(self.x) - pad) / n,
            (f64::from(self.y) - pad) / n,
            (f64::from(self.x) + 1.0 + pad) / n,
            (f64::from(self.y) + 1.0 + pad) / n,
        ]
    }

    /// The tile and its buffer as a lon/lat box `[min_lon, min_lat, max_lon, max_lat]`
    /// (clamped to the world), for selecting what it may show.
    pub fn lonlat_bounds(self) -> [f64; 4] {
        let [x0, y0, x1, y1] = self.world_bounds();
        let [w, n] = lonlat([x0.max(0.0), y0.max(0.0)]);
        let [e, s] = lonlat([x1.min(1.0), y1.min(1.0)]);
        [w, s, e, n]
    }
}

/// Web Mercator world coordinates of a lon/lat position: `x` 0 (180° W) to 1 (180° E), `y`
/// 0 (north, [`MAX_LATITUDE`]) to 1 (south); latitudes beyond the limit are clamped.
pub fn world(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    [x, y]
}

/// The lon/lat position of world coordinates (the inverse of [`world`]).
pub fn lonlat([x, y]: [f64; 2]) -> [f64; 2] {
    let lon = x * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees();
    [lon, lat]
}

/// The deepest zoom (up to `max`) at which the lon/lat box fits a 256-pixel tile about
/// `pixels` wide: for a TileJSON `center`.
pub fn zoom_to_fit([w, s, e, n]: [f64; 4], pixels: f64, max: u8) -> u8 {
    let [x0, y0] = world(w, n);
    let [x1, y1] = world(e, s);
    let span = (x1 - x0).max(y1 - y0).max(1e-12);
    let z = (pixels / 256.0 / span).log2().floor();
    z.clamp(0.0, f64::from(max)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_addresses_are_checked() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert!(TileId::new(22, (1 << 22) - 1, 0).is_ok());
        assert_eq!(TileId::new(23, 0, 0), Err(TileError::Zoom { z: 23 }));
        let e = TileId::new(3, 8, 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x 8 is outside the 8 tiles of zoom 3 (0 to 7)"
        );
        assert!(TileId::new(3, 0, 8).is_err());
    }

    #[test]
    fn projection_matches_known_tiles() {
        // Null Island is the corner of the four tiles of zoom 1.
        let t = TileId::new(1, 1, 1).unwrap();
        assert_eq!(t.project(0.0, 0.0), [0.0, 0.0]);
        // Philadelphia City Hall (-75.1635, 39.9526) is in tile 12/1192/1551 (OSM).
        let [x, y] = world(-75.1635, 39.9526);
        assert_eq!(((x * 4096.0) as u32, (y * 4096.0) as u32), (1192, 1551));
        let back = lonlat([x, y]);
        assert!((back[0] + 75.1635).abs() < 1e-9 && (back[1] - 39.9526).abs() < 1e-9);
        // the north edge of the world
        assert!(world(0.0, 89.0)[1].abs() < 1e-12);
    }

    #[test]
    fn bounds_cover_the_buffer() {
        let t = TileId::new(2, 1, 1).unwrap();
        let [w, s, e, n] = t.lonlat_bounds();
        let inside = |lon, lat| {
            let [x, y] = t.project(lon, lat);
            (-64.0..=4160.0).contains(&x) && (-64.0..=4160.0).contains(&y)
        };
        assert!(inside(w + 1e-9, n - 1e-9) && inside(e - 1e-9, s + 1e-9));
        assert!(w < -90.0 && e > 0.0 && s < 0.0 && n > 66.0);
        assert_eq!(zoom_to_fit([-75.3, 39.9, -75.1, 40.1], 512.0, 18), 11);
    }
}
