//! Open311 GeoReport v2 to the letter: every endpoint in XML with the spec's element names
//! (parsed, so well-formed), discovery, service definitions with attributes, attribute
//! answers validated and stored, and the spec's refusals (jurisdiction, unknown service,
//! every bad field at once), through the router in-process; a database made before the
//! Open311 columns gains them on opening.

mod common;

use axum::http::{header, StatusCode};
use common::{app, valid_post, Reply, TestApp, API_KEY};
use roxmltree::{Document, Node};
use serde_json::Value;

const REQUESTS_XML: &str = "/open311/v2/requests.xml";
const REQUESTS_JSON: &str = "/open311/v2/requests.json";

/// The reply parsed as XML (panics with the body when it is not well-formed).
fn xml(reply: &Reply) -> Document<'_> {
    let text = std::str::from_utf8(&reply.body).expect("UTF-8 body");
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
        "{text}"
    );
    Document::parse(text).unwrap_or_else(|e| panic!("not well-formed XML ({e}): {text}"))
}

/// The element children of `node`.
fn children<'a, 'i>(node: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    node.children().filter(Node::is_element).collect()
}

/// The one child element `name` of `node`.
fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Node<'a, 'i> {
    let found: Vec<_> = children(node)
        .into_iter()
        .filter(|c| c.has_tag_name(name))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one <{name}> in <{}>",
        node.tag_name().name()
    );
    found[0]
}

/// The text of the child element `name` ("" when empty).
fn text<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    child(node, name).text().unwrap_or("")
}

fn content_type(reply: &Reply) -> &str {
    reply.headers[header::CONTENT_TYPE].to_str().unwrap()
}

fn assert_xml_type(reply: &Reply) {
    assert_eq!(content_type(reply), "application/xml; charset=utf-8");
}

/// A valid POST with `extra` fields added (replacing those of the same name).
fn post_with(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut fields = valid_post();
    fields.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    fields.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    fields
}

/// The descriptions of an Open311 JSON error list.
fn descriptions(reply: &Reply) -> Vec<String> {
    reply
        .json()
        .as_array()
        .unwrap_or_else(|| panic!("an error list: {}", reply.text()))
        .iter()
        .map(|e| {
            assert_eq!(e["code"], reply.status.as_u16());
            e["description"].as_str().unwrap().to_string()
        })
        .collect()
}

async fn post_id(app: &TestApp, fields: &[(&str, String)]) -> String {
    let reply = app.post_form(REQUESTS_JSON, fields).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn services_and_definitions_in_xml() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let reply = app.get("/open311/v2/services.xml").await;
    assert_eq!(reply.status, 200);
    assert_xml_type(&reply);
    let doc = xml(&reply);
    let root = doc.root_element();
    assert!(root.has_tag_name("services"));
    let services = children(root);
    assert_eq!(services.len(), app.city.catalog.services().len());
    for s in &services {
        assert!(s.has_tag_name("service"));
        let names: Vec<&str> = children(*s).iter().map(|c| c.tag_name().name()).collect();
        assert_eq!(
            names,
            [
                "service_code",
                "service_name",
                "description",
                "metadata",
                "type",
                "keywords",
                "group"
            ]
        );
        let service = app.city.catalog.get(text(*s, "service_code")).unwrap();
        assert_eq!(text(*s, "service_name"), service.name);
        let metadata = if service.has_metadata() {
            "true"
        } else {
            "false"
        };
        assert_eq!(text(*s, "metadata"), metadata, "{}", service.code);
        assert_eq!(text(*s, "type"), "realtime");
    }
    let json = app.get("/open311/v2/services.json").await;
    assert_eq!(content_type(&json), "application/json; charset=utf-8");
    let pothole = json
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "pothole")
        .cloned()
        .unwrap();
    assert_eq!(pothole["metadata"], true);

    let reply = app.get("/open311/v2/services/pothole.xml").await;
    assert_eq!(reply.status, 200);
    assert_xml_type(&reply);
    let doc = xml(&reply);
    let root = doc.root_element();
    assert!(root.has_tag_name("service_definition"));
    assert_eq!(text(root, "service_code"), "pothole");
    let attributes = children(child(root, "attributes"));
    let codes: Vec<&str> = attributes.iter().map(|a| text(*a, "code")).collect();
    assert_eq!(codes, ["size", "depth_cm"]);
    let size = attributes[0];
    assert!(size.has_tag_name("attribute"));
    assert_eq!(text(size, "variable"), "true");
    assert_eq!(text(size, "datatype"), "singlevaluelist");
    assert_eq!(text(size, "required"), "false");
    assert_eq!(text(size, "order"), "1");
    assert_eq!(text(size, "description"), "How big is the pothole?");
    let values = children(child(size, "values"));
    assert_eq!(values.len(), 3);
    assert!(values.iter().all(|v| v.has_tag_name("value")));
    assert_eq!(text(values[2], "key"), "large");
    assert_eq!(text(values[2], "name"), "Larger than a car tire");
    let depth = attributes[1];
    assert_eq!(text(depth, "datatype"), "number");
    assert_eq!(text(depth, "datatype_description"), "Centimetres");
    assert!(children(child(depth, "values")).is_empty());

    // the JSON definition says the same
    let def = app.get("/open311/v2/services/pothole.json").await.json();
    assert_eq!(def["service_code"], "pothole");
    assert_eq!(def["attributes"][0]["code"], "size");
    assert_eq!(def["attributes"][0]["values"][2]["key"], "large");
    assert_eq!(def["attributes"][1]["datatype_description"], "Centimetres");
    assert_eq!(def["attributes"][0]["datatype_description"], Value::Null);
    let heat = app.get("/open311/v2/services/heat.json").await.json();
    assert_eq!(heat["attributes"][0]["required"], true);
    // a service without attributes has an empty definition
    let graffiti = app.get("/open311/v2/services/graffiti.xml").await;
    let doc = xml(&graffiti);
    assert!(children(child(doc.root_element(), "attributes")).is_empty());
}

#[tokio::test]
async fn post_and_read_back_in_xml() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let fields = post_with(&[
        ("service_code", "pothole"),
        ("attribute[size]", "large"),
        ("attribute[depth_cm]", "12.5"),
        ("account_id", "acct-42"),
        ("address_id", "ADDR-1001"),
        ("description", "Deep <hole> & \"wide\" 'one'"),
    ]);
    let reply = app.post_form(REQUESTS_XML, &fields).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_xml_type(&reply);
    let doc = xml(&reply);
    let root = doc.root_element();
    assert!(root.has_tag_name("service_requests"));
    let answer = child(root, "request");
    let id = text(answer, "service_request_id").to_string();
    assert!(id.starts_with("HS-"), "{id}");
    assert_eq!(
        text(answer, "service_notice"),
        "Service level agreement: 3 days"
    );
    assert_eq!(text(answer, "account_id"), "acct-42");
    assert!(
        children(answer).iter().all(|c| !c.has_tag_name("token")),
        "an id, never a token as well"
    );
    assert_eq!(
        reply.headers[header::LOCATION],
        format!("/open311/v2/requests/{id}.xml").as_str()
    );

    let reply = app.get(&format!("/open311/v2/requests/{id}.xml")).await;
    assert_eq!(reply.status, 200);
    assert_xml_type(&reply);
    let doc = xml(&reply);
    let requests = children(doc.root_element());
    assert_eq!(requests.len(), 1);
    let r = requests[0];
    assert!(r.has_tag_name("request"));
    assert_eq!(text(r, "service_request_id"), id);
    assert_eq!(text(r, "service_code"), "pothole");
    assert_eq!(text(r, "status"), "open");
    assert_eq!(text(r, "description"), "Deep <hole> & \"wide\" 'one'");
    assert_eq!(text(r, "address_id"), "ADDR-1001");
    assert_eq!(text(r, "lat"), "41.8781");
    assert_eq!(text(r, "long"), "-87.6298");
    assert!(child(r, "status_notes").text().is_none(), "empty element");
    let attributes = children(child(r, "attributes"));
    let answers: Vec<(&str, Vec<&str>)> = attributes
        .iter()
        .map(|a| {
            let values = children(child(*a, "values"))
                .iter()
                .map(|v| v.text().unwrap())
                .collect();
            (text(*a, "code"), values)
        })
        .collect();
    assert_eq!(
        answers,
        [("depth_cm", vec!["12.5"]), ("size", vec!["large"])]
    );

    // the JSON record: the same fields, attributes as an object (Hotspot's extension)
    let json = app
        .get(&format!("/open311/v2/requests/{id}.json"))
        .await
        .json();
    let record = &json[0];
    for name in [
        "service_request_id",
        "status",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "media_url",
    ] {
        let in_json = record[name].as_str().unwrap_or("");
        assert_eq!(text(r, name), in_json, "{name}");
    }
    assert_eq!(
        record["attributes"],
        serde_json::json!({"size": ["large"], "depth_cm": ["12.5"]})
    );

    // the list in XML, with filters
    let reply = app
        .get("/open311/v2/requests.xml?service_code=pothole&status=open")
        .await;
    let doc = xml(&reply);
    let ids: Vec<&str> = children(doc.root_element())
        .iter()
        .map(|r| text(*r, "service_request_id"))
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let empty = app
        .get("/open311/v2/requests.xml?service_code=pothole&status=closed")
        .await;
    assert_eq!(empty.status, 200);
    let doc = xml(&empty);
    assert!(doc.root_element().has_tag_name("service_requests"));
    assert!(children(doc.root_element()).is_empty());
}

#[tokio::test]
async fn tokens_answer_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let id = post_id(&app, &valid_post()).await;
    // Hotspot answers with ids; a token issued by an earlier version is still answered.
    let mut request = app.city.store.get(&id).unwrap().unwrap();
    request.service_request_id = "HS-legacy-1".into();
    let token = "0123456789abcdef0123456789abcdef";
    app.city
        .store
        .writer()
        .upsert(vec![hotspot::store::NewRequest {
            request,
            token: Some(token.into()),
        }])
        .await
        .unwrap();
    let reply = app.get(&format!("/open311/v2/tokens/{token}.xml")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_xml_type(&reply);
    let doc = xml(&reply);
    let r = child(doc.root_element(), "request");
    assert!(doc.root_element().has_tag_name("service_requests"));
    assert_eq!(text(r, "service_request_id"), "HS-legacy-1");
    assert_eq!(text(r, "token"), token);
    let json = app
        .get(&format!("/open311/v2/tokens/{token}.json"))
        .await
        .json();
    assert_eq!(json[0]["service_request_id"], "HS-legacy-1");
    let missing = app.get("/open311/v2/tokens/nope.xml").await;
    assert_eq!(missing.status, 404);
    let doc = xml(&missing);
    let error = child(doc.root_element(), "error");
    assert!(doc.root_element().has_tag_name("errors"));
    assert_eq!(text(error, "code"), "404");
    assert!(text(error, "description").contains("nope"));
}

#[tokio::test]
async fn discovery_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let reply = app
        .get_with(
            "/open311/v2/discovery.json",
            &[(header::HOST, "311.example.org:8311")],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(content_type(&reply), "application/json; charset=utf-8");
    let d = reply.json();
    for key in ["changeset", "contact", "key_service"] {
        assert!(!d[key].as_str().unwrap().is_empty(), "{key}: {d}");
    }
    let e = &d["endpoints"][0];
    assert_eq!(e["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(e["url"], "http://311.example.org:8311/open311/v2");
    assert_eq!(e["type"], "production");
    assert_eq!(e["changeset"], d["changeset"]);
    assert_eq!(
        e["formats"],
        serde_json::json!(["application/json", "application/xml"])
    );
    // changeset: sortable UTC time
    assert!(chrono::DateTime::parse_from_rfc3339(d["changeset"].as_str().unwrap()).is_ok());

    let reply = app
        .get_with(
            "/open311/v2/discovery.xml",
            &[
                (header::HOST, "311.example.org"),
                (
                    header::HeaderName::from_static("x-forwarded-proto"),
                    "https",
                ),
            ],
        )
        .await;
    assert_xml_type(&reply);
    let doc = xml(&reply);
    let root = doc.root_element();
    assert!(root.has_tag_name("discovery"));
    let names: Vec<&str> = children(root).iter().map(|c| c.tag_name().name()).collect();
    assert_eq!(names, ["changeset", "contact", "key_service", "endpoints"]);
    let endpoint = child(child(root, "endpoints"), "endpoint");
    assert_eq!(text(endpoint, "url"), "https://311.example.org/open311/v2");
    assert_eq!(text(endpoint, "type"), "production");
    let formats: Vec<&str> = children(child(endpoint, "formats"))
        .iter()
        .map(|f| {
            assert!(f.has_tag_name("format"));
            f.text().unwrap()
        })
        .collect();
    assert_eq!(formats, ["application/json", "application/xml"]);
    assert_eq!(text(root, "changeset"), d["changeset"].as_str().unwrap());
}

#[tokio::test]
async fn attribute_answers_are_checked_against_the_definition() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    // a multivaluelist, repeated with [], in the order given and once each
    let id = post_id(
        &app,
        &post_with(&[
            ("service_code", "illegal_dumping"),
            ("attribute[materials][]", "tires"),
        ])
        .into_iter()
        .chain([
            ("attribute[materials][]", "furniture".to_string()),
            ("attribute[materials][]", "tires".to_string()),
        ])
        .collect::<Vec<_>>(),
    )
    .await;
    let stored = app.city.store.get(&id).unwrap().unwrap();
    assert_eq!(stored.attributes["materials"], ["tires", "furniture"]);
    // JSON bodies: a list as an array; a datetime is stored in the city's zone
    let reply = app
        .post_json(
            REQUESTS_JSON,
            &serde_json::json!({
                "api_key": API_KEY, "service_code": "abandoned_vehicle",
                "lat": 41.88, "long": -87.63,
                "attribute[license_plate]": "IL ABC 123",
                "attribute[first_seen]": "2026-03-01 08:00",
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let stored = app.city.store.get(&id).unwrap().unwrap();
    assert_eq!(
        stored.attributes["first_seen"],
        ["2026-03-01T08:00:00-06:00"]
    );
    assert_eq!(stored.attributes["license_plate"], ["IL ABC 123"]);
    let reply = app
        .post_json(
            REQUESTS_JSON,
            &serde_json::json!({
                "api_key": API_KEY, "service_code": "illegal_dumping",
                "lat": 41.88, "long": -87.63,
                "attribute[materials][]": ["household", "hazardous"],
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    // a required attribute answered; an informational one never is
    let heat = post_with(&[("service_code", "heat"), ("attribute[affected]", "both")]);
    post_id(&app, &heat).await;

    let before = app.city.store.count().unwrap();
    // (case, form fields, what the refusal says)
    type Case = (&'static str, Vec<(&'static str, String)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "required missing",
            post_with(&[("service_code", "heat")]),
            "attribute[affected]: is required",
        ),
        (
            "required blank",
            post_with(&[("service_code", "heat"), ("attribute[affected]", " ")]),
            "attribute[affected]: is required",
        ),
        (
            "unknown value",
            post_with(&[("service_code", "pothole"), ("attribute[size]", "huge")]),
            "attribute[size]: \"huge\" is not one of small, medium, large",
        ),
        (
            "not a number",
            post_with(&[("service_code", "pothole"), ("attribute[depth_cm]", "deep")]),
            "attribute[depth_cm]: \"deep\" is not a number",
        ),
        (
            "not a datetime",
            post_with(&[
                ("service_code", "abandoned_vehicle"),
                ("attribute[first_seen]", "last week"),
            ]),
            "attribute[first_seen]",
        ),
        (
            "unknown attribute",
            post_with(&[("service_code", "pothole"), ("attribute[colour]", "red")]),
            "attribute[colour]: is not an attribute of service \"pothole\"",
        ),
        (
            "attribute of a service without any",
            post_with(&[("service_code", "graffiti"), ("attribute[size]", "large")]),
            "it defines none",
        ),
        (
            "two values for a singlevaluelist",
            post_with(&[("service_code", "pothole"), ("attribute[size][]", "small")])
                .into_iter()
                .chain([("attribute[size][]", "large".to_string())])
                .collect(),
            "attribute[size]: takes one value",
        ),
        (
            "both forms",
            post_with(&[
                ("service_code", "pothole"),
                ("attribute[size]", "small"),
                ("attribute[size][]", "large"),
            ]),
            "given both as attribute[code] and attribute[code][]",
        ),
        (
            "not an attribute field",
            post_with(&[("attribute[size][x]", "large")]),
            "attribute[size][x]: is not an attribute field",
        ),
        (
            "string too long",
            post_with(&[("attribute[pole_number]", &"9".repeat(300))]),
            "attribute[pole_number]: is 300 characters long",
        ),
    ];
    for (name, fields, expected) in cases {
        let reply = app.post_form(REQUESTS_JSON, &fields).await;
        assert_eq!(reply.status, 400, "{name}: {}", reply.text());
        let all = descriptions(&reply).join(" | ");
        assert!(all.contains(expected), "{name}: {all}");
    }
    assert_eq!(app.city.store.count().unwrap(), before, "nothing stored");
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let fields = post_with(&[
        ("service_code", "pothole"),
        ("lat", "91"),
        ("email", "nobody"),
        ("media_url", "ftp://x"),
        ("attribute[size]", "huge"),
        ("attribute[depth_cm]", "deep"),
    ]);
    let reply = app.post_form(REQUESTS_JSON, &fields).await;
    assert_eq!(reply.status, 400);
    assert_eq!(content_type(&reply), "application/json; charset=utf-8");
    let all = descriptions(&reply);
    let named: Vec<&str> = all.iter().map(|d| d.split(": ").next().unwrap()).collect();
    assert_eq!(
        named,
        [
            "lat",
            "email",
            "media_url",
            "attribute[size]",
            "attribute[depth_cm]"
        ],
        "{all:?}"
    );
    // the same in XML: one <error> per field
    let reply = app.post_form(REQUESTS_XML, &fields).await;
    assert_eq!(reply.status, 400);
    assert_xml_type(&reply);
    let doc = xml(&reply);
    let errors = children(doc.root_element());
    assert!(doc.root_element().has_tag_name("errors"));
    assert_eq!(errors.len(), 5);
    for (e, d) in errors.iter().zip(&all) {
        assert!(e.has_tag_name("error"));
        assert_eq!(text(*e, "code"), "400");
        assert_eq!(text(*e, "description"), d);
    }
}

#[tokio::test]
async fn the_specs_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    // unknown service_code: 404 in the asked format
    let reply = app
        .post_form(REQUESTS_XML, &post_with(&[("service_code", "ufo")]))
        .await;
    assert_eq!(reply.status, 404);
    let doc = xml(&reply);
    let error = child(doc.root_element(), "error");
    assert_eq!(text(error, "code"), "404");
    assert!(text(error, "description").contains("\"ufo\""));
    // jurisdiction_id: this city's (default: its name) is accepted, another one is a 404
    let ours = post_with(&[("jurisdiction_id", "test_city")]);
    post_id(&app, &ours).await;
    let reply = app
        .post_form(
            REQUESTS_JSON,
            &post_with(&[("jurisdiction_id", "chicago.gov")]),
        )
        .await;
    assert_eq!(reply.status, 404);
    assert!(descriptions(&reply)[0].contains("jurisdiction_id \"chicago.gov\" is not served here"));
    for path in [
        "/open311/v2/services.json?jurisdiction_id=elsewhere",
        "/open311/v2/services/pothole.xml?jurisdiction_id=elsewhere",
        "/open311/v2/requests.json?jurisdiction_id=elsewhere",
        "/open311/v2/discovery.xml?jurisdiction_id=elsewhere",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.text().contains("elsewhere"), "{path}");
    }
    for path in [
        "/open311/v2/services.json?jurisdiction_id=test_city",
        "/open311/v2/requests.xml?jurisdiction_id=TEST_CITY",
        "/open311/v2/requests.json?jurisdiction_id=",
    ] {
        assert_eq!(app.get(path).await.status, 200, "{path}");
    }
    // api_key in the query string instead of the body
    let mut no_key = valid_post();
    no_key.retain(|(k, _)| *k != "api_key");
    let reply = app
        .post_form(&format!("{REQUESTS_JSON}?api_key={API_KEY}"), &no_key)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let reply = app
        .post_form(&format!("{REQUESTS_XML}?api_key=wrong-key-0000"), &no_key)
        .await;
    assert_eq!(reply.status, 403);
    assert!(text(child(xml(&reply).root_element(), "error"), "description").contains("api_key"));
    // 201 with Location, the id and no token
    let reply = app.post_form(REQUESTS_JSON, &valid_post()).await;
    assert_eq!(reply.status, 201);
    let body = reply.json();
    let id = body[0]["service_request_id"].as_str().unwrap();
    assert!(body[0].get("token").is_none(), "{body}");
    assert_eq!(
        reply.headers[header::LOCATION],
        format!("/open311/v2/requests/{id}.json").as_str()
    );
    // other extensions than .json and .xml
    for path in [
        "/open311/v2/requests/HS-000001.csv",
        "/open311/v2/services/pothole",
        "/open311/v2/tokens/abc.html",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(
            descriptions(&reply)[0].contains("NAME.json or NAME.xml"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn empty_parameters_are_absent() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    for i in 0..3 {
        let lat = format!("41.8{i}");
        post_id(&app, &post_with(&[("lat", &lat)])).await;
    }
    // POST: blank optional fields are as if not sent
    let blank = post_with(&[
        ("email", ""),
        ("media_url", ""),
        ("address_id", ""),
        ("account_id", ""),
        ("jurisdiction_id", ""),
        ("first_name", ""),
        ("attribute[pole_number]", ""),
        ("attribute[problem]", ""),
    ]);
    let reply = app.post_form(REQUESTS_JSON, &blank).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body[0]["account_id"], Value::Null);
    let id = body[0]["service_request_id"].as_str().unwrap();
    let list = app
        .get(&format!("/open311/v2/requests/{id}.json"))
        .await
        .json();
    let record = &list[0];
    assert_eq!(record["address_id"], Value::Null);
    assert!(record.get("attributes").is_none(), "{record}");
    // GET: every empty filter is as if not given, in both formats
    let all = app.get(REQUESTS_JSON).await.json();
    assert_eq!(all.as_array().unwrap().len(), 4);
    let empty = "start_date=&end_date=&status=&service_code=&service_request_id=&bbox=&page=&page_size=&jurisdiction_id=";
    let reply = app.get(&format!("{REQUESTS_JSON}?{empty}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json(), all);
    let reply = app.get(&format!("{REQUESTS_XML}?{empty}")).await;
    assert_eq!(children(xml(&reply).root_element()).len(), 4);
    for path in [
        "/open311/v2/services.xml?jurisdiction_id=",
        "/open311/v2/services/pothole.json?jurisdiction_id=",
        "/open311/v2/discovery.json?jurisdiction_id=",
    ] {
        assert_eq!(app.get(path).await.status, 200, "{path}");
    }
}

/// A database written before the Open311 columns (`attributes`, `address_id`) existed is
/// opened with them added, its rows read with no answers, and new rows keep theirs.
#[tokio::test]
async fn old_databases_gain_the_open311_columns() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = rusqlite::Connection::open(dir.path().join(hotspot::store::DB_FILE)).unwrap();
        conn.execute_batch(
            "CREATE TABLE requests (
                seq INTEGER PRIMARY KEY,
                service_request_id TEXT NOT NULL UNIQUE,
                service_code TEXT NOT NULL,
                service_name TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                status_notes TEXT,
                requested_at INTEGER, updated_at INTEGER, expected_at INTEGER, closed_at INTEGER,
                address TEXT, zipcode TEXT,
                lat REAL NOT NULL, lon REAL NOT NULL,
                description TEXT, agency_responsible TEXT, media_url TEXT,
                source TEXT NOT NULL,
                districts TEXT NOT NULL DEFAULT '{}'
            );
            INSERT INTO requests (service_request_id, service_code, service_name, status,
                requested_at, lat, lon, source)
            VALUES ('OLD-1', 'pothole', 'Pothole', 'open', 1767225600, 41.88, -87.63, 'open311');",
        )
        .unwrap();
    }
    for _ in 0..2 {
        // opening twice: the migration is idempotent
        let app = app(dir.path());
        let old = app.city.store.get("OLD-1").unwrap().unwrap();
        assert!(old.attributes.is_empty());
        assert_eq!(old.address_id, None);
        let reply = app.get("/open311/v2/requests/OLD-1.json").await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let before = app.city.store.count().unwrap();
        let id = post_id(
            &app,
            &post_with(&[
                ("service_code", "pothole"),
                ("attribute[size]", "small"),
                ("address_id", "A-7"),
            ]),
        )
        .await;
        let new = app.city.store.get(&id).unwrap().unwrap();
        assert_eq!(new.attributes["size"], ["small"]);
        assert_eq!(new.address_id.as_deref(), Some("A-7"));
        assert_eq!(app.city.store.count().unwrap(), before + 1);
    }
}

// ---------------------------------------------------------------- real clients over TCP

/// Drives the `georeport` client (PyPI) in JSON and in XML mode and prints what it parsed:
/// `{"json": {...}, "xml": {...}}`, lists made lists where xmltodict gives one item alone.
const GEOREPORT_SCRIPT: &str = r#"
import json, sys
from georeport import GeoReport
base, jurisdiction, one_id, start, end = sys.argv[1:6]

def listify(x):
    if x is None:
        return []
    return x if isinstance(x, list) else [x]

out = {}
for fmt in ("json", "xml"):
    client = GeoReport(base, jurisdiction=jurisdiction, output_format=fmt)
    definition = client.get_service_definition("pothole")
    if fmt == "xml":
        attributes = listify((definition.get("attributes") or {}).get("attribute"))
        for a in attributes:
            a["values"] = listify((a.get("values") or {}).get("value"))
        definition = {"service_code": definition["service_code"], "attributes": attributes}
    out[fmt] = {
        "services": listify(client.get_service_list()),
        "definition": definition,
        "all": listify(client.get_service_requests()),
        "filtered": listify(client.get_service_requests(
            service_code="pothole,streetlight", status="open", start_date=start, end_date=end)),
        "by_id": listify(client.get_service_requests(service_request_id=one_id)),
        "one": client.get_service_request(one_id),
    }
print(json.dumps(out))
"#;

/// Whether a value the client parsed from XML (text, `None` for an empty element) is the
/// server's JSON value.
fn same_as_xml(json: &Value, xml: &Value) -> bool {
    match (json, xml) {
        (Value::Null, Value::Null) => true,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::String(b)) => a.to_string() == *b,
        (Value::Number(a), Value::String(b)) => b.parse::<f64>().ok() == a.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_as_xml(x, y))
        }
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(k, v)| same_as_xml(v, b.get(k).unwrap_or(&Value::Null))),
        _ => false,
    }
}

/// The server's JSON without Hotspot's `attributes` extension (compared apart).
fn without_extension(list: &Value) -> Value {
    let mut list = list.clone();
    for r in list.as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("attributes");
    }
    list
}

/// POSTs (form and JSON bodies, each format) over a socket with reqwest, then the
/// `georeport` client reads services, a definition, filtered lists and single requests in
/// JSON and in XML: what it parses equals the server's own data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_clients_post_and_read_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::start(dir.path()).await;
    let http = reqwest::Client::new();
    let base = server.url("/open311/v2");

    // POST in JSON: form fields, attributes with a repeated list field
    let mut form: Vec<(&str, String)> = post_with(&[
        ("service_code", "illegal_dumping"),
        ("attribute[materials][]", "tires"),
    ]);
    form.push(("attribute[materials][]", "construction".into()));
    let reply = http
        .post(format!("{base}/requests.json"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    assert_eq!(
        reply.headers()[header::CONTENT_TYPE],
        "application/json; charset=utf-8"
    );
    let location = reply.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = reply.json().await.unwrap();
    let dumping = body[0]["service_request_id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("/open311/v2/requests/{dumping}.json"));
    let followed: Value = http
        .get(server.url(&location))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        followed[0]["attributes"]["materials"],
        serde_json::json!(["tires", "construction"])
    );

    // POST in XML: form fields, and a JSON body
    let mut pothole = String::new();
    for (fields, json_body) in [
        (
            post_with(&[("service_code", "pothole"), ("attribute[size]", "medium")]),
            false,
        ),
        (post_with(&[("attribute[pole_number]", "SL-1 <&>")]), true),
    ] {
        let request = http.post(format!("{base}/requests.xml"));
        let request = if json_body {
            let object: serde_json::Map<String, Value> = fields
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(v.as_str())))
                .collect();
            request.json(&object)
        } else {
            request.form(&fields)
        };
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status(), 201);
        assert_eq!(
            reply.headers()[header::CONTENT_TYPE],
            "application/xml; charset=utf-8"
        );
        let location = reply.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        let text = reply.text().await.unwrap();
        let doc = Document::parse(&text).unwrap();
        let answer = child(doc.root_element(), "request");
        let id = text_of(answer, "service_request_id");
        assert_eq!(location, format!("/open311/v2/requests/{id}.xml"));
        if !json_body {
            pothole = id.clone();
        }
        let stored = http.get(server.url(&location)).send().await.unwrap();
        let stored_text = stored.text().await.unwrap();
        let doc = Document::parse(&stored_text).unwrap();
        assert_eq!(
            text_of(child(doc.root_element(), "request"), "service_request_id"),
            id
        );
    }
    let refused = http
        .post(format!("{base}/requests.xml"))
        .form(&post_with(&[("service_code", "heat")]))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let text = refused.text().await.unwrap();
    let doc = Document::parse(&text).unwrap();
    assert!(
        text_of(child(doc.root_element(), "error"), "description").contains("attribute[affected]")
    );

    if !common::require_python(
        "real_clients_post_and_read_in_both_formats",
        "georeport",
        "georeport",
    ) {
        return;
    }
    let now = chrono::Utc::now();
    let start = (now - chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let end = (now + chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let get = |path: String| {
        let http = http.clone();
        async move {
            let reply = http.get(path).send().await.unwrap();
            assert_eq!(reply.status(), 200);
            reply.json::<Value>().await.unwrap()
        }
    };
    let services = get(format!("{base}/services.json")).await;
    let definition = get(format!("{base}/services/pothole.json")).await;
    let all = get(format!("{base}/requests.json")).await;
    let filtered = get(format!(
        "{base}/requests.json?service_code=pothole,streetlight&status=open&start_date={start}&end_date={end}"
    ))
    .await;
    let one = get(format!("{base}/requests/{pothole}.json")).await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(filtered.as_array().unwrap().len(), 2, "{filtered}");

    let script = tokio::task::spawn_blocking({
        let base = base.clone();
        let pothole = pothole.clone();
        move || {
            std::process::Command::new("python3")
                .args([
                    "-c",
                    GEOREPORT_SCRIPT,
                    base.as_str(),
                    "test_city",
                    pothole.as_str(),
                    start.as_str(),
                    end.as_str(),
                ])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(
        script.status.success(),
        "georeport failed: {}",
        String::from_utf8_lossy(&script.stderr)
    );
    let parsed: Value = serde_json::from_slice(&script.stdout).unwrap();

    // JSON mode: exactly the server's data
    let json = &parsed["json"];
    assert_eq!(json["services"], services);
    assert_eq!(json["definition"], definition);
    assert_eq!(json["all"], all);
    assert_eq!(json["filtered"], filtered);
    assert_eq!(json["by_id"], one);
    assert_eq!(json["one"], one[0]);

    // XML mode: the same values as text
    let xml = &parsed["xml"];
    assert!(
        same_as_xml(&services, &xml["services"]),
        "{}",
        xml["services"]
    );
    assert!(
        same_as_xml(&definition, &xml["definition"]),
        "{}",
        xml["definition"]
    );
    for (name, server_list) in [("all", &all), ("filtered", &filtered), ("by_id", &one)] {
        assert!(
            same_as_xml(&without_extension(server_list), &xml[name]),
            "{name}: {}",
            xml[name]
        );
    }
    assert!(
        same_as_xml(&without_extension(&one)[0], &xml["one"]),
        "{}",
        xml["one"]
    );
    assert_eq!(
        xml["one"]["attributes"]["attribute"],
        serde_json::json!({"code": "size", "values": {"value": "medium"}})
    );
    assert_eq!(xml["one"]["service_request_id"], pothole.as_str());
}

/// The text of the child element `name`, owned.
fn text_of(node: Node<'_, '_>, name: &str) -> String {
    text(node, name).to_string()
}
