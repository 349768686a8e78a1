//! Links of the OGC API: absolute URLs from the request's `Host` (and `X-Forwarded-Proto`),
//! so clients such as GDAL can follow them, and the query strings of the items' `next` and
//! `prev` pages.

use axum::http::{HeaderMap, Uri};
use serde_json::{json, Value};

use crate::api::params::form_list;
use crate::api::ApiError;

/// OGC's identifier of WGS84 longitude/latitude, the only CRS served.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// JSON documents (landing page, conformance, collections).
pub const JSON_TYPE: &str = "application/json";
/// Features and feature collections.
pub const GEOJSON_TYPE: &str = "application/geo+json";
/// The API definition.
pub const OPENAPI_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// What a feature id escapes in a path segment (RFC 3986: everything but unreserved
/// characters and sub-delimiters).
pub const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// `http(s)://host/ogc` of this request.
#[derive(Debug, Clone)]
pub struct Base(String);

impl Base {
    /// The base of a request with these headers (`Host` is required).
    pub fn of(headers: &HeaderMap, uri: &Uri) -> Result<Base, ApiError> {
        Ok(Base(format!(
            "{}/ogc",
            crate::api::tiles::origin(headers, uri)?
        )))
    }

    /// The absolute URL of `path` (below `/ogc`; empty: the landing page).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

/// A link object.
pub fn link(href: &str, rel: &str, media_type: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": media_type, "title": title})
}

/// `raw`'s parameters in their order without `limit` and `offset`, then these two: the query
/// of another page of the same items.
pub fn page_query(raw: Option<&str>, limit: usize, offset: usize) -> Result<String, ApiError> {
    let mut pairs: Vec<(String, String)> = form_list(raw.unwrap_or(""), "query")?
        .into_iter()
        .filter(|(k, _)| k != "limit" && k != "offset")
        .collect();
    pairs.push(("limit".into(), limit.to_string()));
    pairs.push(("offset".into(), offset.to_string()));
    serde_urlencoded::to_string(pairs).map_err(ApiError::internal("encoding a page link"))
}

/// `raw`'s parameters in name order without the paging and format ones: what a whole
/// derived layer depends on (its cache key).
pub fn filter_key(raw: Option<&str>, drop: &[&str]) -> Result<String, ApiError> {
    let mut pairs: Vec<(String, String)> = form_list(raw.unwrap_or(""), "query")?
        .into_iter()
        .filter(|(k, v)| !drop.contains(&k.as_str()) && !v.trim().is_empty())
        .collect();
    pairs.sort();
    serde_urlencoded::to_string(pairs).map_err(ApiError::internal("encoding a layer key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_queries_keep_the_filters_in_order() {
        assert_eq!(
            page_query(Some("status=open&limit=5&bbox=1,2,3,4&offset=10"), 5, 15).unwrap(),
            "status=open&bbox=1%2C2%2C3%2C4&limit=5&offset=15"
        );
        assert_eq!(page_query(None, 100, 0).unwrap(), "limit=100&offset=0");
        assert_eq!(
            filter_key(
                Some("type=b&offset=3&f=json&status=&res=8"),
                &["offset", "f"]
            )
            .unwrap(),
            "res=8&type=b"
        );
    }
}
