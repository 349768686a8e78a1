//! The core's assembled city: config, catalog, boundary layers, geocoder, durable store and
//! the in-memory index that the store keeps current after every commit. What the CLI and the
//! server share; the server adds its own state (caches, limits, metrics) in `api`.

use std::path::Path;
use std::sync::Arc;

use crate::boundaries::{load_study_area, Boundaries, BoundaryError};
use crate::catalog::{Catalog, CatalogError};
use crate::config::Config;
use crate::geocode::{Geocoder, ReferenceError};
use crate::import::Context;
use crate::index::Index;
use crate::intake::accept::Acceptor;
use crate::store::{NewRequest, Store, StoreError};

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
        let study_area = match &config.study_area {
            Some(path) => Some(Arc::new(load_study_area(path)?)),
            None => None,
        };
        let index = Arc::new(Index::default());
        let hook_index = Arc::clone(&index);
        let store = Store::open(data_dir, Box::new(move |added| hook_index.apply(added)))?;
        let mut stored = Vec::new();
        store.for_each(|r| stored.push(r))?;
        index.reset(stored);
        Ok(City {
            config,
            catalog,
            boundaries,
            geocoder,
            study_area,
            store,
            index,
        })
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
            stored += self.store.writer().insert_blocking(batch)?.len();
        }
        Ok(stored)
    }
}
