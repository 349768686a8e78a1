//! `discovery.{json,xml}` (Open311 Service Discovery): how to reach the people running
//! the endpoint, how to get a key, and the GeoReport v2 endpoint with its formats.
//! `changeset` is the last change of the city config or its service catalog (what a client
//! caches: the service list and definitions).

use std::time::SystemTime;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::super::ServerState;
use super::render::{Format, Open311Body};
use super::xml::document;
use super::{format, get_params};

/// The specification token of GeoReport v2.
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

#[derive(Serialize)]
struct Discovery {
    changeset: String,
    contact: String,
    key_service: String,
    endpoints: Vec<Endpoint>,
}

#[derive(Serialize)]
struct Endpoint {
    specification: &'static str,
    url: String,
    changeset: String,
    #[serde(rename = "type")]
    kind: &'static str,
    formats: Vec<&'static str>,
}

impl Open311Body for Discovery {
    fn to_xml(&self) -> String {
        document("discovery", |w| {
            w.text("changeset", &self.changeset);
            w.text("contact", &self.contact);
            w.text("key_service", &self.key_service);
            w.element("endpoints", |w| {
                for e in &self.endpoints {
                    w.element("endpoint", |w| {
                        w.text("specification", e.specification);
                        w.text("url", &e.url);
                        w.text("changeset", &e.changeset);
                        w.text("type", e.kind);
                        w.element("formats", |w| {
                            for f in &e.formats {
                                w.text("format", f);
                            }
                        });
                    });
                }
            });
        })
    }
}

/// The last modification of the config and catalog files, as sortable UTC text.
fn changeset(state: &ServerState) -> String {
    let config = &state.city.config;
    let newest = [&config.path, &config.catalog]
        .into_iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH);
    DateTime::<Utc>::from(newest).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The endpoint's absolute URL from the request's `Host` (and `X-Forwarded-Proto` behind a
/// proxy); the path alone when the request names no host.
fn endpoint_url(headers: &HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST.as_str()).filter(|h| {
        !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    });
    match host {
        Some(host) => {
            let https = text("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https"));
            let scheme = if https { "https" } else { "http" };
            format!("{scheme}://{host}/open311/v2")
        }
        None => "/open311/v2".to_string(),
    }
}

/// `GET discovery.{json,xml}`.
pub(super) async fn discovery<const XML: bool>(
    State(state): State<ServerState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let format = format(XML);
    if let Err(e) = get_params(&state, raw.as_deref()) {
        return format.error(e);
    }
    let config = &state.city.config;
    let changeset = changeset(&state);
    let name = &config.name;
    let body = Discovery {
        changeset: changeset.clone(),
        contact: config.open311.contact.clone().unwrap_or_else(|| {
            format!("Contact the operators of {name}'s 311 service.")
        }),
        key_service: config.open311.key_service.clone().unwrap_or_else(|| {
            format!(
                "Reading needs no key. Write keys (api_key) are issued by the operators of {name}'s 311 service."
            )
        }),
        endpoints: vec![Endpoint {
            specification: SPECIFICATION,
            url: endpoint_url(&headers),
            changeset,
            kind: if config.demo { "test" } else { "production" },
            formats: vec![Format::Json.mime(), Format::Xml.mime()],
        }],
    };
    format.reply(StatusCode::OK, &body)
}
