//! The OpenAPI 3.0 definition of the OGC API (`/ogc/api`): every path, its parameters with
//! their limits, and the responses' media types. Collection ids are listed as the
//! `collectionId` enum.

use serde_json::{json, Map, Value};

use super::collections::Collection;
use super::items::{DEFAULT_LIMIT, MAX_LIMIT};
use super::links::{Base, GEOJSON_TYPE, JSON_TYPE, OPENAPI_TYPE};
use crate::city::City;

/// The definition, with the server at `base`.
pub fn document(city: &City, collections: &[Collection], base: &Base) -> Value {
    let ids: Vec<&str> = collections.iter().map(|c| c.id.as_str()).collect();
    let mut extra: Vec<&str> = Vec::new();
    for c in collections {
        for name in c.kind.params() {
            if !extra.contains(&name) {
                extra.push(name);
            }
        }
    }
    let mut parameters = Map::new();
    for (name, value) in [
        ("f", param("f", "The representation: json (the only one served).", json!({"type": "string", "enum": ["json"]}))),
        ("collectionId", json!({"name": "collectionId", "in": "path", "required": true,
            "description": "A collection's id.", "schema": {"type": "string", "enum": ids}})),
        ("featureId", json!({"name": "featureId", "in": "path", "required": true,
            "description": "A feature's id (its top-level `id`).", "schema": {"type": "string"}})),
        ("limit", param("limit", &format!("Features per page (default {DEFAULT_LIMIT}; a larger value than {MAX_LIMIT} is served as {MAX_LIMIT})."),
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}))),
        ("offset", param("offset", "Features to skip (the `next` links carry it).",
            json!({"type": "integer", "minimum": 0, "default": 0}))),
        ("bbox", json!({"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
            "description": "minLon,minLat,maxLon,maxLat (CRS84): features whose bounds meet the box.",
            "schema": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}})),
        ("datetime", param("datetime", "An instant (a date: that whole day) or an interval START/END, `..` for an open end, on the requests' requested time. Derived layers default to the 90 days up to the newest request's day.", json!({"type": "string"}))),
        ("status", param("status", "Requests open, closed or all.", json!({"type": "string", "enum": ["open", "closed", "all"]}))),
    ] {
        parameters.insert(name.into(), value);
    }
    let describe = |name: &str| match name {
        "type" | "service_code" => "Service codes, names or aliases, comma-separated.".to_string(),
        "district" => "LAYER:ID: requests in this district of a boundary layer.".to_string(),
        "res" => "H3 resolution (hex bins, Gi* cells).".to_string(),
        other => format!("The analysis parameter `{other}` (see /api/v1/layers)."),
    };
    for name in &extra {
        let schema = match *name {
            "type" | "service_code" | "district" => json!({"type": "string"}),
            _ => json!({"type": "number"}),
        };
        parameters.insert((*name).into(), param(name, &describe(name), schema));
    }
    let refs = |names: &[&str]| -> Vec<Value> {
        names
            .iter()
            .map(|n| json!({"$ref": format!("#/components/parameters/{n}")}))
            .collect()
    };
    let mut items_params = vec![
        "collectionId",
        "f",
        "limit",
        "offset",
        "bbox",
        "datetime",
        "status",
    ];
    items_params.extend(extra.iter().copied());
    let mut item_params = vec!["collectionId", "featureId", "f"];
    item_params.extend(
        items_params[2..]
            .iter()
            .filter(|n| !["limit", "offset", "bbox"].contains(n)),
    );
    let json_ok = |what: &str| response(what, JSON_TYPE);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": format!("{}: OGC API – Features", city.config.name),
            "version": env!("CARGO_PKG_VERSION"),
            "description": "311 service requests and their hot spots as OGC API – Features (Part 1: Core, GeoJSON, OpenAPI 3.0).",
        },
        "servers": [{"url": base.url("")}],
        "paths": {
            "/": {"get": op("getLandingPage", "The landing page.", refs(&["f"]), json_ok("The landing page"))},
            "/conformance": {"get": op("getConformanceDeclaration", "The conformance classes.", refs(&["f"]), json_ok("The conformance classes"))},
            "/api": {"get": op("getAPIDefinition", "This document.", refs(&["f"]), response("The API definition", OPENAPI_TYPE))},
            "/collections": {"get": op("getCollections", "The collections.", refs(&["f"]), json_ok("The collections"))},
            "/collections/{collectionId}": {"get": op("describeCollection", "A collection's metadata.", refs(&["collectionId", "f"]), json_ok("The collection"))},
            "/collections/{collectionId}/items": {"get": op("getFeatures", "A page of a collection's features.", refs(&items_params), response("The features (numberMatched, numberReturned, next link)", GEOJSON_TYPE))},
            "/collections/{collectionId}/items/{featureId}": {"get": op("getFeature", "One feature.", refs(&item_params), response("The feature", GEOJSON_TYPE))},
        },
        "components": {
            "parameters": parameters,
            "schemas": {
                "exception": {"type": "object", "required": ["code"], "properties": {
                    "code": {"type": "string"}, "description": {"type": "string"},
                    "parameter": {"type": "string", "nullable": true}}},
            },
        },
    })
}

fn param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description,
           "style": "form", "explode": false, "schema": schema})
}

fn response(description: &str, media_type: &str) -> Value {
    json!({"description": description, "content": {media_type: {"schema": {"type": "object"}}}})
}

fn op(id: &str, summary: &str, parameters: Vec<Value>, ok: Value) -> Value {
    let error = |what: &str| json!({"description": what, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}}});
    json!({
        "operationId": id,
        "summary": summary,
        "parameters": parameters,
        "responses": {"200": ok, "400": error("A bad parameter (named in `parameter`)"),
                      "404": error("No such collection or feature")},
    })
}
