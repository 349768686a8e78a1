//! GeoReport v2 bodies in both formats: each answer is one type that serializes to the
//! spec's JSON and writes the spec's XML (same fields, same order), so the two never
//! disagree. Content types: `application/json; charset=utf-8`, `application/xml;
//! charset=utf-8`. Errors: `[{"code":N,"description":"..."}]` or
//! `<errors><error><code/><description/></error></errors>`, one entry per bad field.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::super::ApiError;
use super::notes::{notes, Note};
use super::xml::{document, XmlWriter};
use crate::catalog::{Attribute, Service};
use crate::model::ServiceRequest;
use crate::store::HistoryEntry;
use crate::time::format_local;

/// The two formats of GeoReport v2, chosen by the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// The format of an extension (`json`, `xml`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }

    /// `json` or `xml`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }

    /// The media type without parameters (as discovery lists it).
    pub fn mime(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml",
        }
    }

    /// The answer's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "application/xml; charset=utf-8",
        }
    }

    /// Answers `body` with `status` in this format.
    pub fn reply(self, status: StatusCode, body: &impl Open311Body) -> Response {
        let text = match self {
            Format::Json => serde_json::to_string(body).unwrap_or_else(|_| "[]".into()),
            Format::Xml => body.to_xml(),
        };
        let mut response = (status, text).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type()),
        );
        response
    }

    /// Answers `error` in this format, one entry per bad field.
    pub fn error(self, error: ApiError) -> Response {
        let code = error.status().as_u16();
        let descriptions = error.descriptions();
        let body = match self {
            Format::Json => {
                let list: Vec<serde_json::Value> = descriptions
                    .iter()
                    .map(|d| serde_json::json!({"code": code, "description": d}))
                    .collect();
                serde_json::Value::from(list).to_string()
            }
            Format::Xml => document("errors", |w| {
                for d in &descriptions {
                    w.element("error", |w| {
                        w.text("code", &code.to_string());
                        w.text("description", d);
                    });
                }
            }),
        };
        error.respond_with(self.content_type(), body)
    }
}

/// `name.json` or `name.xml` split into the name and the format; other extensions are
/// refused (404, naming both formats).
pub fn split_file(file: &str) -> Result<(&str, Format), ApiError> {
    file.rsplit_once('.')
        .and_then(|(stem, ext)| Some((stem, Format::from_extension(ext)?)))
        .filter(|(stem, _)| !stem.is_empty())
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "{file:?}: ask for NAME.json or NAME.xml (GeoReport v2 formats)"
            ))
        })
}

/// An answer that has both a JSON (serde) and an XML form.
pub trait Open311Body: Serialize {
    /// The XML document.
    fn to_xml(&self) -> String;
}

fn flag(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

// ------------------------------------------------------------------ services

/// A service of `services.{json,xml}`.
#[derive(Serialize)]
pub struct ServiceEntry<'a> {
    service_code: &'a str,
    service_name: &'a str,
    description: &'a str,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'static str,
    keywords: String,
    group: &'a str,
}

impl<'a> ServiceEntry<'a> {
    /// The list entry of `s`; `metadata` is true when it defines attributes.
    pub fn new(s: &'a Service) -> Self {
        ServiceEntry {
            service_code: &s.code,
            service_name: &s.name,
            description: &s.description,
            metadata: s.has_metadata(),
            kind: "realtime",
            keywords: s.keywords.join(", "),
            group: &s.group,
        }
    }
}

/// `services.{json,xml}`: `<services><service>…`.
#[derive(Serialize)]
#[serde(transparent)]
pub struct ServiceList<'a>(pub Vec<ServiceEntry<'a>>);

impl Open311Body for ServiceList<'_> {
    fn to_xml(&self) -> String {
        document("services", |w| {
            for s in &self.0 {
                w.element("service", |w| {
                    w.text("service_code", s.service_code);
                    w.text("service_name", s.service_name);
                    w.text("description", s.description);
                    w.text("metadata", flag(s.metadata));
                    w.text("type", s.kind);
                    w.text("keywords", &s.keywords);
                    w.text("group", s.group);
                });
            }
        })
    }
}

/// `services/{code}.{json,xml}`: the service's attributes in order.
#[derive(Serialize)]
pub struct ServiceDefinition<'a> {
    service_code: &'a str,
    attributes: Vec<AttributeEntry<'a>>,
}

#[derive(Serialize)]
struct AttributeEntry<'a> {
    variable: bool,
    code: &'a str,
    datatype: &'static str,
    required: bool,
    datatype_description: Option<&'a str>,
    order: u32,
    description: &'a str,
    values: Vec<ValueEntry<'a>>,
}

#[derive(Serialize)]
struct ValueEntry<'a> {
    key: &'a str,
    name: &'a str,
}

impl<'a> ServiceDefinition<'a> {
    /// The definition of `s`.
    pub fn new(s: &'a Service) -> Self {
        ServiceDefinition {
            service_code: &s.code,
            attributes: s.attributes.iter().map(AttributeEntry::new).collect(),
        }
    }
}

impl<'a> AttributeEntry<'a> {
    fn new(a: &'a Attribute) -> Self {
        AttributeEntry {
            variable: a.variable,
            code: &a.code,
            datatype: a.datatype.as_str(),
            required: a.required,
            datatype_description: a.datatype_description.as_deref(),
            order: a.order.unwrap_or(0),
            description: &a.description,
            values: a
                .values
                .iter()
                .map(|v| ValueEntry {
                    key: &v.key,
                    name: &v.name,
                })
                .collect(),
        }
    }
}

impl Open311Body for ServiceDefinition<'_> {
    fn to_xml(&self) -> String {
        document("service_definition", |w| {
            w.text("service_code", self.service_code);
            w.element("attributes", |w| {
                for a in &self.attributes {
                    w.element("attribute", |w| {
                        w.text("variable", flag(a.variable));
                        w.text("code", a.code);
                        w.text("datatype", a.datatype);
                        w.text("required", flag(a.required));
                        w.optional("datatype_description", a.datatype_description);
                        w.text("order", &a.order.to_string());
                        w.text("description", a.description);
                        w.element("values", |w| {
                            for v in &a.values {
                                w.element("value", |w| {
                                    w.text("key", v.key);
                                    w.text("name", v.name);
                                });
                            }
                        });
                    });
                }
            });
        })
    }
}

// ------------------------------------------------------------------ requests

/// A request as GeoReport v2 renders it; `attributes` (the answers to the service's
/// attributes, code → values) is Hotspot's extension, left out when there are none.
#[derive(Serialize)]
pub struct Open311Request<'a> {
    service_request_id: &'a str,
    status: &'static str,
    status_notes: Option<&'a str>,
    service_name: &'a str,
    service_code: &'a str,
    description: Option<&'a str>,
    agency_responsible: Option<&'a str>,
    service_notice: Option<String>,
    requested_datetime: Option<String>,
    updated_datetime: Option<String>,
    expected_datetime: Option<String>,
    address: Option<&'a str>,
    address_id: Option<&'a str>,
    zipcode: Option<&'a str>,
    lat: f64,
    long: f64,
    media_url: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    attributes: &'a BTreeMap<String, Vec<String>>,
    /// Extension (`extensions=true`): when the request was closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_datetime: Option<String>,
    /// Extension (`extensions=true`): the status history.
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<Vec<Note>>,
}

impl<'a> Open311Request<'a> {
    /// Renders `r` with datetimes in the city's time zone (with offset).
    pub fn new(r: &'a ServiceRequest, tz: Tz, sla_days: Option<f64>) -> Self {
        let time = |t: Option<DateTime<Utc>>| t.map(|t| format_local(t, tz));
        Open311Request {
            service_request_id: &r.service_request_id,
            status: r.status.as_str(),
            status_notes: r.status_notes.as_deref(),
            service_name: &r.service_name,
            service_code: &r.service_code,
            description: r.description.as_deref(),
            agency_responsible: r.agency_responsible.as_deref(),
            service_notice: sla_days.map(service_notice),
            requested_datetime: time(r.requested_datetime),
            updated_datetime: time(r.updated_datetime),
            expected_datetime: time(r.expected_datetime),
            address: r.address.as_deref(),
            address_id: r.address_id.as_deref(),
            zipcode: r.zipcode.as_deref(),
            lat: round6(r.lat),
            long: round6(r.lon),
            media_url: r.media_url.as_deref(),
            attributes: &r.attributes,
            closed_datetime: None,
            notes: None,
        }
    }

    /// Adds the extensions: the closed time and the status history as notes.
    pub fn with_history(mut self, r: &ServiceRequest, history: &[HistoryEntry], tz: Tz) -> Self {
        self.closed_datetime = r.closed_datetime.map(|t| format_local(t, tz));
        self.notes = Some(notes(history, tz));
        self
    }

    fn write_xml(&self, w: &mut XmlWriter) {
        w.text("service_request_id", self.service_request_id);
        w.text("status", self.status);
        w.optional("status_notes", self.status_notes);
        w.text("service_name", self.service_name);
        w.text("service_code", self.service_code);
        w.optional("description", self.description);
        w.optional("agency_responsible", self.agency_responsible);
        w.optional("service_notice", self.service_notice.as_deref());
        w.optional("requested_datetime", self.requested_datetime.as_deref());
        w.optional("updated_datetime", self.updated_datetime.as_deref());
        w.optional("expected_datetime", self.expected_datetime.as_deref());
        w.optional("address", self.address);
        w.optional("address_id", self.address_id);
        w.optional("zipcode", self.zipcode);
        w.text("lat", &self.lat.to_string());
        w.text("long", &self.long.to_string());
        w.optional("media_url", self.media_url);
        if !self.attributes.is_empty() {
            w.element("attributes", |w| {
                for (code, values) in self.attributes {
                    w.element("attribute", |w| {
                        w.text("code", code);
                        w.element("values", |w| {
                            for v in values {
                                w.text("value", v);
                            }
                        });
                    });
                }
            });
        }
        if let Some(notes) = &self.notes {
            // the extensions, only with extensions=true
            w.optional("closed_datetime", self.closed_datetime.as_deref());
            w.element("notes", |w| {
                for n in notes {
                    w.element("note", |w| n.write_xml(w));
                }
            });
        }
    }
}

/// The notice shown with a request of a service with an SLA.
pub fn service_notice(sla_days: f64) -> String {
    format!("Service level agreement: {sla_days} days")
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// `requests.{json,xml}` and `requests/{id}.{json,xml}`: `<service_requests><request>…`.
#[derive(Serialize)]
#[serde(transparent)]
pub struct RequestList<'a>(pub Vec<Open311Request<'a>>);

impl Open311Body for RequestList<'_> {
    fn to_xml(&self) -> String {
        document("service_requests", |w| {
            for r in &self.0 {
                w.element("request", |w| r.write_xml(w));
            }
        })
    }
}

/// The answer to a POST: the new request's id (never a token: see `post`), its service
/// notice and the `account_id` the client sent.
#[derive(Serialize)]
pub struct PostAnswer {
    pub service_request_id: String,
    pub service_notice: Option<String>,
    pub account_id: Option<String>,
}

/// The answer to `tokens/{token}`: the request id the token stands for.
#[derive(Serialize)]
pub struct TokenAnswer {
    pub service_request_id: String,
    pub token: String,
}

/// A list of one answer, `<service_requests><request>…` in XML.
#[derive(Serialize)]
#[serde(transparent)]
pub struct One<T>(pub [T; 1]);

impl Open311Body for One<PostAnswer> {
    fn to_xml(&self) -> String {
        let a = &self.0[0];
        document("service_requests", |w| {
            w.element("request", |w| {
                w.text("service_request_id", &a.service_request_id);
                w.optional("service_notice", a.service_notice.as_deref());
                w.optional("account_id", a.account_id.as_deref());
            })
        })
    }
}

impl Open311Body for One<TokenAnswer> {
    fn to_xml(&self) -> String {
        let a = &self.0[0];
        document("service_requests", |w| {
            w.element("request", |w| {
                w.text("service_request_id", &a.service_request_id);
                w.text("token", &a.token);
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_need_a_name_and_a_known_format() {
        assert_eq!(split_file("HS-1.xml").unwrap(), ("HS-1", Format::Xml));
        assert_eq!(split_file("a.b.json").unwrap(), ("a.b", Format::Json));
        for bad in ["HS-1", ".json", "HS-1.csv", "HS-1.JSON"] {
            assert!(split_file(bad).is_err(), "{bad}");
        }
    }
}
