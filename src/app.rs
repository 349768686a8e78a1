//! The assembled application: config, catalog, durable store and the in-memory index that
//! the store keeps current after every commit.

use std::path::Path;
use std::sync::Arc;

use crate::boundaries::{Boundaries, BoundaryError};
use crate::catalog::{Catalog, CatalogError};
use crate::config::Config;
use crate::geocode::{Geocoder, ReferenceError};
use crate::hotspots::{load_study_area, HotspotCache};
use crate::index::Index;
use crate::intake::accept::Acceptor;
use crate::store::{NewRequest, Store, StoreError};

/// Errors starting the application.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Boundaries(#[from] BoundaryError),
    #[error("geocoder reference data: {0}")]
    Geocoder(#[from] ReferenceError),
}

/// Everything a command or the server works with.
pub struct App {
    pub config: Config,
    pub catalog: Catalog,
    /// The city's boundary layers (empty when the config names none).
    pub boundaries: Boundaries,
    /// Address points and street centerlines of the config (`None` when it names none).
    pub geocoder: Option<Arc<Geocoder>>,
    pub store: Store,
    pub index: Arc<Index>,
    /// Hot-spot reports by query and index generation (with the config's study area).
    pub hotspot_cache: HotspotCache,
}

impl App {
    /// An acceptor for rows of `source` with this city's catalog, extent and boundaries.
    pub fn acceptor(&self, source: &str, id_prefix: &str) -> Acceptor<'_> {
        Acceptor::new(&self.catalog, self.config.extent, source, id_prefix)
            .with_boundaries(Some(&self.boundaries))
            .with_geocoder(self.geocoder.as_deref())
    }

    /// On an empty store of the demo city, stores the generated year of demo requests
    /// (tagged with the demo's districts). Returns how many were stored.
    pub fn seed_demo_if_empty(&self) -> Result<usize, AppError> {
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
            stored += self.store.writer().insert_blocking(batch)?.len();
        }
        Ok(stored)
    }

    /// Opens the store in `data_dir` and builds the index from it.
    pub fn open(config: Config, data_dir: &Path) -> Result<App, AppError> {
        let catalog = Catalog::load(&config.catalog)?;
        let boundaries = match &config.boundaries {
            Some(dir) => Boundaries::load_dir(dir)?,
            None => Boundaries::default(),
        };
        let geocoder = Geocoder::from_config(&config)?.map(Arc::new);
        let index = Arc::new(Index::default());
        let hook_index = Arc::clone(&index);
        let store = Store::open(data_dir, Box::new(move |added| hook_index.apply(added)))?;
        let mut stored = Vec::new();
        store.for_each(|r| stored.push(r))?;
        index.reset(stored);
        let hotspot_cache = HotspotCache::new(load_study_area(&config)?);
        Ok(App {
            config,
            catalog,
            boundaries,
            geocoder,
            store,
            index,
            hotspot_cache,
        })
    }
}
