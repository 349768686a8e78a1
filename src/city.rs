//! The core's assembled city: config, catalog, boundary layers, geocoder, durable store and
//! the in-memory index that the store keeps current after every commit. What the CLI and the
//! server share; the server adds its own state (caches, limits, metrics) in `api`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::boundaries::{load_study_area, Boundaries, BoundaryError};
use crate::catalog::{Catalog, CatalogError};
use crate::config::{Config, ConfigError};
use crate::demo::live::{Action, LiveDemo, OpenCase, Place};
use crate::events::Events;
use crate::geocode::{Geocoder, ReferenceError};
use crate::import::Context;
use crate::index::{Index, Update};
use crate::intake::accept::Acceptor;
use crate::store::{ChangeKind, Commit, NewRequest, StatusChange, Store, StoreError};

/// Errors opening a city.
#[derive(Debug, thiserror::Error)]
pub enum CityError {
    #[error("service catalog")]
    Catalog(#[from] CatalogError),
    #[error("request store")]
    Store(#[from] StoreError),
    #[error("boundary layers")]
    Boundaries(#[from] BoundaryError),
    #[error("geocoder reference data")]
    Geocoder(#[from] ReferenceError),
    #[error("city configuration")]
    Config(#[from] ConfigError),
    #[error(
        "data directory {data} belongs to {remembered} (the config it was first used with); \
         --config {given} names another: use another --data directory, or leave out --config"
    )]
    OtherCity {
        data: String,
        remembered: String,
        given: String,
    },
    #[error("cannot remember the city of data directory {path}")]
    Remember {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The file in a data directory that names the config it was first used with.
pub const CITY_FILE: &str = "city.txt";

/// Which config a data directory uses: a config file, or the bundled demo city.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitySource {
    /// A config file (an absolute path).
    File(PathBuf),
    /// The bundled demo city.
    Demo,
}

impl std::fmt::Display for CitySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CitySource::File(p) => write!(f, "{}", p.display()),
            CitySource::Demo => f.write_str("the demo city"),
        }
    }
}

impl CitySource {
    /// Loads the config.
    pub fn load(&self) -> Result<Config, ConfigError> {
        match self {
            CitySource::File(p) => Config::load(p),
            CitySource::Demo => Config::demo(),
        }
    }
}

/// The config of data directory `data`: a data directory remembers the config it was first
/// used with (in [`CITY_FILE`]), and every later command on it uses that one.
///
/// * `given` (`--config`) on a new directory is remembered; on a directory that remembers
///   another config it is refused ([`CityError::OtherCity`]); the same file is fine.
/// * Without `given`: the remembered config, else `DATA/hotspot.toml`, else the demo city
///   (remembered too, so the demo city is served only on a data directory of its own).
pub fn resolve_config(
    data: &Path,
    given: Option<&Path>,
) -> Result<(CitySource, Config), CityError> {
    let remembered = remembered_city(data);
    let chosen = match given {
        Some(path) => {
            let given = CitySource::File(absolute(path));
            if let Some(known) = remembered.as_ref().filter(|known| **known != given) {
                return Err(CityError::OtherCity {
                    data: data.display().to_string(),
                    remembered: known.to_string(),
                    given: path.display().to_string(),
                });
            }
            given
        }
        None => default_city(data, remembered.clone()),
    };
    let config = chosen.load()?;
    if remembered.is_none() {
        remember_city(data, &chosen)?;
    }
    Ok((chosen, config))
}

/// The config a command that writes nothing would use: `given`, else the one `data`
/// remembers, else `DATA/hotspot.toml`, else the demo city; nothing is remembered.
pub fn peek_config(data: &Path, given: Option<&Path>) -> Result<Config, CityError> {
    let source = match given {
        Some(path) => CitySource::File(absolute(path)),
        None => default_city(data, remembered_city(data)),
    };
    Ok(source.load()?)
}

/// The city of `data` when no `--config` is given: the `remembered` one, else
/// `DATA/hotspot.toml`, else the demo city.
fn default_city(data: &Path, remembered: Option<CitySource>) -> CitySource {
    let in_data = data.join("hotspot.toml");
    match remembered {
        Some(known) => known,
        None if in_data.exists() => CitySource::File(absolute(&in_data)),
        None => CitySource::Demo,
    }
}

/// The config a data directory remembers, if any.
pub fn remembered_city(data: &Path) -> Option<CitySource> {
    let text = std::fs::read_to_string(data.join(CITY_FILE)).ok()?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    Some(match line {
        "demo" => CitySource::Demo,
        path => CitySource::File(PathBuf::from(path)),
    })
}

fn remember_city(data: &Path, city: &CitySource) -> Result<(), CityError> {
    let path = data.join(CITY_FILE);
    let err = |source| CityError::Remember {
        path: data.display().to_string(),
        source,
    };
    std::fs::create_dir_all(data).map_err(err)?;
    let line = match city {
        CitySource::File(p) => p.display().to_string(),
        CitySource::Demo => "demo".to_string(),
    };
    let text = format!(
        "# The city of this data directory: every command on it uses this config.\n{line}\n"
    );
    let tmp = data.join(format!("{CITY_FILE}.tmp"));
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, &path).map_err(err)
}

/// `path` made absolute (canonical when it exists), so a config is recognized from any
/// working directory.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    })
}

/// A city with its data: everything a command or the server works with.
pub struct City {
    pub config: Config,
    pub catalog: Catalog,
    /// The city's boundary layers (empty when the config names none).
    pub boundaries: Boundaries,
    /// Address points and street centerlines of the config (`None` when it names none).
    pub geocoder: Option<Arc<Geocoder>>,
    /// The Gi* study area of the config (`None` when it names none).
    pub study_area: Option<Arc<geo::MultiPolygon<f64>>>,
    pub store: Store,
    pub index: Arc<Index>,
    /// Every committed change, for live listeners.
    pub events: Events,
}

impl City {
    /// Opens the store in `data_dir` and builds the index from it.
    pub fn open(config: Config, data_dir: &Path) -> Result<City, CityError> {
        let catalog = Catalog::load(&config.catalog)?;
        let boundaries = match &config.boundaries {
            Some(dir) => Boundaries::load_dir(dir)?,
            None => Boundaries::default(),
        };
        let geocoder = Geocoder::from_config(&config)?.map(Arc::new);
        let study_area = config
            .study_area
            .as_deref()
            .map(load_study_area)
            .transpose()?
            .map(Arc::new);
        let index = Arc::new(Index::default());
        let events = Events::default();
        let store = Store::open(data_dir, follow(Arc::clone(&index), events.clone()))?;
        let mut stored = Vec::new();
        let rev = store.for_each(|r| stored.push(r))?;
        index.reset(stored);
        store.follow_from(rev)?;
        Ok(City {
            config,
            catalog,
            boundaries,
            geocoder,
            study_area,
            store,
            index,
            events,
        })
    }

    /// Follows commits of other processes on the same data directory (an import or a sync
    /// run beside the server): the index and the event stream see them within about
    /// `interval`.
    pub fn watch_other_processes(&self, interval: std::time::Duration) -> Result<(), CityError> {
        Ok(self.store.watch(interval)?)
    }

    /// What reading a file needs of this city (catalog, config, boundaries, geocoder).
    pub fn intake(&self) -> Context<'_> {
        Context {
            catalog: &self.catalog,
            config: &self.config,
            boundaries: Some(&self.boundaries),
            geocoder: self.geocoder.as_deref(),
        }
    }

    /// An acceptor for rows of `source` with this city's catalog, extent and boundaries.
    pub fn acceptor(&self, source: &str, id_prefix: &str) -> Acceptor<'_> {
        Acceptor::new(&self.catalog, self.config.extent, source, id_prefix)
            .with_boundaries(Some(&self.boundaries))
            .with_geocoder(self.geocoder.as_deref())
    }

    /// On an empty store of the demo city, stores the generated year of demo requests
    /// (tagged with the demo's districts). Returns how many were stored.
    pub fn seed_demo_if_empty(&self) -> Result<usize, CityError> {
        if !self.config.demo || self.store.count()? > 0 {
            return Ok(0);
        }
        let city = crate::demo::generate(&self.catalog);
        let mut stored = 0;
        for chunk in city.requests.chunks(5_000) {
            let batch = chunk
                .iter()
                .cloned()
                .map(|mut request| {
                    request.districts = self.boundaries.tag(request.lon, request.lat);
                    NewRequest {
                        request,
                        token: None,
                    }
                })
                .collect();
            stored += self.store.writer().upsert_blocking(batch)?.len();
        }
        Ok(stored)
    }
}

/// A running live demo ([`City::run_demo_live`]); stops when dropped.
pub struct LiveDemoHandle {
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for LiveDemoHandle {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl City {
    /// Keeps the demo city going ([`crate::demo::live`]): every `tick` of real time its clock
    /// advances by `step`, and new requests and closures go through the store's writer like
    /// any other write, so the index, the layers and the event stream follow.
    pub fn run_demo_live(
        self: &Arc<City>,
        tick: std::time::Duration,
        step: chrono::Duration,
    ) -> LiveDemoHandle {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let city = Arc::clone(self);
        let stopped = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("demo-live".into())
            .spawn(move || {
                let mut demo = city.live_demo();
                while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    if let Err(e) = city.live_step(&mut demo, step) {
                        tracing::warn!(error = %e, "the live demo could not store a step");
                    }
                }
            })
            .expect("spawning the live demo thread");
        LiveDemoHandle { stop }
    }

    /// The simulation, drawing places from the indexed requests, starting at the newest.
    fn live_demo(&self) -> LiveDemo {
        let snapshot = self.index.snapshot();
        let mut places = Vec::with_capacity(snapshot.len());
        let (mut oldest, mut newest) = (i64::MAX, i64::MIN);
        for (code, t) in snapshot.types() {
            for r in t.requests() {
                if let Some(at) = r.requested {
                    (oldest, newest) = (oldest.min(at), newest.max(at));
                }
                places.push(Place {
                    code: code.to_string(),
                    lon: r.lon,
                    lat: r.lat,
                    address: r.address.as_deref().map(str::to_string),
                    zipcode: None,
                });
            }
        }
        let days = if newest > oldest {
            (newest - oldest) as f64 / 86_400.0
        } else {
            1.0
        };
        let start = snapshot
            .newest_requested()
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
            .unwrap_or_else(chrono::Utc::now);
        LiveDemo::new(&self.catalog, places, days, start, 2026)
    }

    /// Runs one step of the simulation and stores what happened.
    fn live_step(&self, demo: &mut LiveDemo, step: chrono::Duration) -> Result<(), StoreError> {
        let snapshot = self.index.snapshot();
        let open: Vec<OpenCase> = snapshot
            .types()
            .flat_map(|(_, t)| t.requests())
            .filter(|r| r.status == crate::model::Status::Open)
            .map(|r| OpenCase {
                id: r.id.to_string(),
                expected: r.expected,
            })
            .collect();
        let mut new = Vec::new();
        for action in demo.step(step, &open) {
            match action {
                Action::Open(request) => {
                    let mut request = *request;
                    request.districts = self.boundaries.tag(request.lon, request.lat);
                    new.push(NewRequest {
                        request,
                        token: None,
                    });
                }
                Action::Close { id, at, notes } => {
                    self.store.writer().set_status_blocking(StatusChange {
                        id,
                        status: crate::model::Status::Closed,
                        status_notes: Some(notes),
                        at,
                        source: "demo-live".into(),
                    })?;
                }
            }
        }
        self.store.writer().upsert_blocking(new)?;
        Ok(())
    }
}

/// The store's commit hook: the index follows every change in the same commit, then the
/// event stream announces it.
fn follow(index: Arc<Index>, events: Events) -> crate::store::CommitHook {
    Box::new(move |commit| match commit {
        Commit::Changes(changes) => {
            let updates: Vec<Update<'_>> = changes
                .iter()
                .map(|c| match (c.kind, &c.previous_code) {
                    (ChangeKind::New, _) | (_, None) => Update::Added(&c.request),
                    (_, Some(code)) => Update::Changed {
                        request: &c.request,
                        previous_code: code,
                    },
                })
                .collect();
            index.apply_updates(&updates);
            events.publish(changes);
        }
        Commit::Reset(everything) => {
            index.reset(everything);
            events.reset();
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_directory_keeps_the_city_it_was_first_used_with() {
        let dir = tempfile::tempdir().unwrap();
        let (data, other) = (dir.path().join("data"), dir.path().join("other"));
        let demo_config = crate::config::bundled("fixtures/demo/hotspot.toml");
        // first use with --config: remembered
        let (source, config) = resolve_config(&data, Some(&demo_config)).unwrap();
        assert_eq!(source, CitySource::File(absolute(&demo_config)));
        assert_eq!(remembered_city(&data), Some(source.clone()));
        // later commands without --config use it; the same --config is fine
        assert_eq!(resolve_config(&data, None).unwrap().0, source);
        assert_eq!(
            resolve_config(&data, Some(&demo_config)).unwrap().1.name,
            config.name
        );
        // another config is refused, naming both
        let cities = crate::config::bundled("fixtures/cities");
        let another = std::fs::read_dir(&cities)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "toml"))
            .expect("an example city config");
        let err = resolve_config(&data, Some(&another)).unwrap_err();
        assert!(matches!(err, CityError::OtherCity { .. }), "{err}");
        assert!(
            err.to_string().contains(&another.display().to_string()),
            "{err}"
        );
        // a new directory without --config is the demo city's, and stays so
        assert_eq!(resolve_config(&other, None).unwrap().0, CitySource::Demo);
        assert_eq!(remembered_city(&other), Some(CitySource::Demo));
        assert!(resolve_config(&other, Some(&another)).is_err());
    }
}
