//! The formats a feature layer is served in: GeoJSON (`.geojson`, for maps) or a GeoPackage
//! download (`.gpkg`, for GIS clients), chosen by the path's extension. Each layer's handler
//! selects and renders its features once; [`LayerFormat::render`] encodes them.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use geojson::FeatureCollection;

use super::respond::{Rendered, GEOJSON};
use super::ApiError;
use crate::gpkg;

/// A feature layer's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerFormat {
    /// RFC 7946 GeoJSON.
    GeoJson,
    /// A GeoPackage file of one feature table (`application/geopackage+sqlite3`).
    GeoPackage,
}

impl LayerFormat {
    /// The format a file name's extension names, and the name without it.
    pub fn split(file: &str) -> Option<(&str, LayerFormat)> {
        if let Some(stem) = file.strip_suffix(".geojson") {
            Some((stem, LayerFormat::GeoJson))
        } else {
            file.strip_suffix(".gpkg")
                .map(|stem| (stem, LayerFormat::GeoPackage))
        }
    }

    /// The layer cache's name for `route` in this format.
    pub fn cache_route(self, route: &str) -> String {
        match self {
            LayerFormat::GeoJson => route.to_string(),
            LayerFormat::GeoPackage => format!("{route}.gpkg"),
        }
    }

    /// `fc` encoded in this format; `name` is the GeoPackage's table (the layer name GIS
    /// clients show) and download file name.
    pub fn render(self, fc: &FeatureCollection, name: &str) -> Result<Rendered, ApiError> {
        match self {
            LayerFormat::GeoJson => {
                let body =
                    serde_json::to_vec(fc).map_err(ApiError::internal("serializing a layer"))?;
                Ok(Rendered::new(body, GEOJSON))
            }
            LayerFormat::GeoPackage => {
                let layer = gpkg::Layer {
                    name,
                    features: &fc.features,
                };
                let body =
                    gpkg::to_bytes(&[layer]).map_err(ApiError::internal("writing a GeoPackage"))?;
                Ok(Rendered::new(body, gpkg::MEDIA_TYPE).download(format!("{name}.gpkg")))
            }
        }
    }
}

/// The format of a layer route's path (`….gpkg`: GeoPackage; otherwise GeoJSON).
impl<S: Send + Sync> FromRequestParts<S> for LayerFormat {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(LayerFormat::split(parts.uri.path()).map_or(LayerFormat::GeoJson, |(_, f)| f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_name_the_format() {
        assert_eq!(
            LayerFormat::split("wards.gpkg"),
            Some(("wards", LayerFormat::GeoPackage))
        );
        assert_eq!(
            LayerFormat::split("wards.geojson"),
            Some(("wards", LayerFormat::GeoJson))
        );
        assert_eq!(LayerFormat::split("wards.shp"), None);
        assert_eq!(
            LayerFormat::GeoPackage.cache_route("hexbins"),
            "hexbins.gpkg"
        );
    }
}
