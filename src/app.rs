//! The assembled application: config, catalog, durable store and the in-memory index that
//! the store keeps current after every commit.

use std::path::Path;
use std::sync::Arc;

use crate::catalog::{Catalog, CatalogError};
use crate::config::Config;
use crate::index::Index;
use crate::store::{Store, StoreError};

/// Errors starting the application.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Everything a command or the server works with.
pub struct App {
    pub config: Config,
    pub catalog: Catalog,
    pub store: Store,
    pub index: Arc<Index>,
}

impl App {
    /// Opens the store in `data_dir` and builds the index from it.
    pub fn open(config: Config, data_dir: &Path) -> Result<App, AppError> {
        let catalog = Catalog::load(&config.catalog)?;
        let index = Arc::new(Index::default());
        let hook_index = Arc::clone(&index);
        let store = Store::open(data_dir, Box::new(move |added| hook_index.apply(added)))?;
        let mut stored = Vec::new();
        store.for_each(|r| stored.push(r))?;
        index.reset(stored);
        Ok(App {
            config,
            catalog,
            store,
            index,
        })
    }
}
