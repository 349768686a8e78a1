//! City configuration (`hotspot.toml`): name, time zone, extent, CRS of projected source
//! coordinates, H3 resolution, API keys and the paths of the city's reference data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;

/// Errors reading a configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config {path}: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("config {path}: {field}: {reason}")]
    Invalid {
        path: String,
        field: &'static str,
        reason: String,
    },
}

/// A bounding box in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl Extent {
    /// Inclusive containment test.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.min_lon..=self.max_lon).contains(&lon) && (self.min_lat..=self.max_lat).contains(&lat)
    }

    /// Builds an extent from `[minLon, minLat, maxLon, maxLat]`, checking its order and range.
    pub fn from_array(v: [f64; 4]) -> Result<Extent, String> {
        let [min_lon, min_lat, max_lon, max_lat] = v;
        let ok = v.iter().all(|x| x.is_finite())
            && (-180.0..=180.0).contains(&min_lon)
            && (-180.0..=180.0).contains(&max_lon)
            && (-90.0..=90.0).contains(&min_lat)
            && (-90.0..=90.0).contains(&max_lat)
            && min_lon < max_lon
            && min_lat < max_lat;
        if ok {
            Ok(Extent {
                min_lon,
                min_lat,
                max_lon,
                max_lat,
            })
        } else {
            Err(format!(
                "{v:?} is not [minLon, minLat, maxLon, maxLat] in degrees"
            ))
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    name: String,
    #[serde(default = "default_timezone")]
    timezone: String,
    extent: Option<[f64; 4]>,
    #[serde(default)]
    crs: BTreeMap<String, String>,
    #[serde(default = "default_resolution")]
    h3_resolution: u8,
    #[serde(default)]
    api_keys: Vec<String>,
    catalog: Option<PathBuf>,
    boundaries: Option<PathBuf>,
    study_area: Option<PathBuf>,
    #[serde(default)]
    addresses: Vec<PathBuf>,
    streets: Option<PathBuf>,
    basemap: Option<String>,
    #[serde(default)]
    demo: bool,
    #[serde(default = "default_layer_refresh_ms")]
    layer_refresh_ms: u64,
    #[serde(default)]
    open311: Open311Config,
}

/// The `[open311]` table: how the city presents its GeoReport v2 endpoint.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Open311Config {
    /// The `jurisdiction_id` clients may send; others are refused. Default: the city's name
    /// in lower case with `_` for other characters (`riverton`).
    pub jurisdiction_id: Option<String>,
    /// Discovery's `contact`: how to reach the people running the endpoint.
    pub contact: Option<String>,
    /// Discovery's `key_service`: how to get a write key.
    pub key_service: Option<String>,
}

fn default_timezone() -> String {
    "UTC".into()
}

fn default_resolution() -> u8 {
    9
}

fn default_layer_refresh_ms() -> u64 {
    1_000
}

/// Longest `layer_refresh_ms` accepted (10 minutes).
pub const MAX_LAYER_REFRESH_MS: u64 = 600_000;

/// A loaded city configuration; relative paths are resolved against the file's folder.
#[derive(Debug, Clone)]
pub struct Config {
    /// Display name of the city.
    pub name: String,
    /// Time zone that source datetimes without an offset are read in, and output is shown in.
    pub timezone: Tz,
    /// Requests outside it are refused; `None` accepts any valid coordinate.
    pub extent: Option<Extent>,
    /// CRS (e.g. `EPSG:2263`) of projected X/Y columns, per source format (`philly`, `nyc`,
    /// `chicago`, `csv`, ...); a format not named here uses its own default.
    pub crs: BTreeMap<String, String>,
    /// Default H3 resolution of hexbin layers (hot-spot analysis chooses its own unless `res`
    /// is given: `analysis::defaults::auto_resolution`).
    pub h3_resolution: u8,
    /// Keys allowed to write (Open311 POST).
    pub api_keys: Vec<String>,
    /// Service catalog TOML.
    pub catalog: PathBuf,
    /// Folder of boundary layers (one GeoJSON FeatureCollection per layer).
    pub boundaries: Option<PathBuf>,
    /// GeoJSON polygon of the study area for Gi*.
    pub study_area: Option<PathBuf>,
    /// Address point files (OpenAddresses CSV layout).
    pub addresses: Vec<PathBuf>,
    /// Street centerlines (GeoJSON LineStrings with address ranges).
    pub streets: Option<PathBuf>,
    /// Optional basemap style or raster tile URL for the map.
    pub basemap: Option<String>,
    /// True for the bundled demo city: an empty data directory is seeded with its requests.
    pub demo: bool,
    /// How long a rendered map layer may be served after new requests of its types arrived
    /// (at least; longer for layers that take long to compute, see
    /// `api::respond::ResponseCache`). 0 = always re-render before answering.
    pub layer_refresh_ms: u64,
    /// Open311 presentation: jurisdiction id, discovery contact and key service.
    pub open311: Open311Config,
    /// The file this was read from.
    pub path: PathBuf,
}

impl Config {
    /// Reads and checks a `hotspot.toml`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: shown.clone(),
            source: Box::new(e),
        })?;
        let invalid = |field, reason: String| ConfigError::Invalid {
            path: shown.clone(),
            field,
            reason,
        };
        let timezone: Tz = file
            .timezone
            .parse()
            .map_err(|_| invalid("timezone", format!("unknown time zone {:?}", file.timezone)))?;
        let extent = file
            .extent
            .map(Extent::from_array)
            .transpose()
            .map_err(|r| invalid("extent", r))?;
        if !(0..=15).contains(&file.h3_resolution) {
            return Err(invalid("h3_resolution", "must be 0 to 15".into()));
        }
        if file.layer_refresh_ms > MAX_LAYER_REFRESH_MS {
            return Err(invalid(
                "layer_refresh_ms",
                format!("must be 0 to {MAX_LAYER_REFRESH_MS}"),
            ));
        }
        if file.api_keys.iter().any(|k| k.trim().len() < 8) {
            return Err(invalid(
                "api_keys",
                "each key needs at least 8 characters".into(),
            ));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        Ok(Config {
            name: file.name,
            timezone,
            extent,
            crs: file.crs,
            h3_resolution: file.h3_resolution,
            api_keys: file.api_keys,
            catalog: file
                .catalog
                .map(resolve)
                .unwrap_or_else(Config::bundled_catalog),
            boundaries: file.boundaries.map(resolve),
            study_area: file.study_area.map(resolve),
            addresses: file.addresses.into_iter().map(resolve).collect(),
            streets: file.streets.map(resolve),
            basemap: file.basemap,
            demo: file.demo,
            layer_refresh_ms: file.layer_refresh_ms,
            open311: file.open311,
            path: path.to_path_buf(),
        })
    }

    /// A configuration for data of no configured city: UTC, no extent, the bundled catalog.
    pub fn unconfigured() -> Config {
        Config {
            name: "unconfigured".into(),
            timezone: Tz::UTC,
            extent: None,
            crs: BTreeMap::new(),
            h3_resolution: default_resolution(),
            api_keys: Vec::new(),
            catalog: Config::bundled_catalog(),
            boundaries: None,
            study_area: None,
            addresses: Vec::new(),
            streets: None,
            basemap: None,
            demo: false,
            layer_refresh_ms: default_layer_refresh_ms(),
            open311: Open311Config::default(),
            path: PathBuf::new(),
        }
    }

    /// The bundled demo city's configuration (`fixtures/demo/hotspot.toml`).
    pub fn demo() -> Result<Config, ConfigError> {
        Config::load(&bundled("fixtures/demo/hotspot.toml"))
    }

    /// The bundled service catalog (`fixtures/catalog.toml`).
    pub fn bundled_catalog() -> PathBuf {
        bundled("fixtures/catalog.toml")
    }

    /// The city's Open311 `jurisdiction_id`: the config's `open311.jurisdiction_id`, else
    /// its name in lower case with runs of other characters folded to `_` (`riverton`).
    pub fn jurisdiction_id(&self) -> String {
        if let Some(id) = self.open311.jurisdiction_id.as_deref().map(str::trim) {
            if !id.is_empty() {
                return id.to_string();
            }
        }
        let mut id = String::new();
        for part in self
            .name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
        {
            if !id.is_empty() {
                id.push('_');
            }
            id.push_str(&part.to_lowercase());
        }
        id
    }

    /// The CRS of projected X/Y for a source format: the config's, else the format's default.
    pub fn crs_for<'a>(&'a self, format: &str, default: &'a str) -> &'a str {
        self.crs.get(format).map(String::as_str).unwrap_or(default)
    }
}

/// A path inside the project's own files: relative to the working directory when it
/// exists there, else to the source tree the binary was built from.
pub fn bundled(relative: &str) -> PathBuf {
    let here = PathBuf::from(relative);
    if here.exists() {
        std::path::absolute(&here).unwrap_or(here)
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
    }
}

/// The real public 311 and boundary data shared beside the repository (`../shared/data`),
/// used by validation tests and benchmarks; `None` when it is absent.
pub fn shared_data_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        manifest.join("../shared/data"),
        PathBuf::from("/work/shared/data"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hotspot.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn loads_and_resolves_relative_paths() {
        let (dir, path) = write(
            "name = \"X\"\ntimezone = \"America/Chicago\"\nextent = [-88, 41, -87, 42]\n\
             crs.chicago = \"EPSG:26971\"\ncatalog = \"cat.toml\"\n",
        );
        let c = Config::load(&path).unwrap();
        assert_eq!(c.timezone, chrono_tz::America::Chicago);
        assert_eq!(c.catalog, dir.path().join("cat.toml"));
        assert_eq!(c.crs_for("chicago", "EPSG:3435"), "EPSG:26971");
        assert_eq!(c.crs_for("nyc", "EPSG:2263"), "EPSG:2263");
        assert!(c.extent.unwrap().contains(-87.5, 41.5));
    }

    #[test]
    fn names_the_bad_field() {
        for (text, field) in [
            ("name = \"X\"\ntimezone = \"Mars/Base\"\n", "timezone"),
            ("name = \"X\"\nextent = [1, 2, 0, 3]\n", "extent"),
            ("name = \"X\"\nh3_resolution = 16\n", "h3_resolution"),
            (
                "name = \"X\"\nlayer_refresh_ms = 9999999\n",
                "layer_refresh_ms",
            ),
            ("name = \"X\"\napi_keys = [\"short\"]\n", "api_keys"),
        ] {
            let (_d, path) = write(text);
            let err = Config::load(&path).unwrap_err().to_string();
            assert!(err.contains(field), "{err}");
        }
        let (_d, path) = write("name = \"X\"\nunknown_key = 1\n");
        assert!(Config::load(&path)
            .unwrap_err()
            .to_string()
            .contains("unknown_key"));
    }

    #[test]
    fn jurisdiction_id_from_the_config_or_the_name() {
        let (_d, path) = write("name = \"St. Louis Park\"\n");
        assert_eq!(
            Config::load(&path).unwrap().jurisdiction_id(),
            "st_louis_park"
        );
        let (_d, path) = write(
            "name = \"X\"\n[open311]\njurisdiction_id = \"x.gov\"\ncontact = \"311@x.gov\"\n",
        );
        let c = Config::load(&path).unwrap();
        assert_eq!(c.jurisdiction_id(), "x.gov");
        assert_eq!(c.open311.contact.as_deref(), Some("311@x.gov"));
        let (_d, path) = write("name = \"X\"\n[open311]\njurisdiction = \"x\"\n");
        assert!(Config::load(&path)
            .unwrap_err()
            .to_string()
            .contains("jurisdiction"));
    }
}
