//! Open311 GeoReport v2 through HTTP (the router called in-process): services, POST/GET
//! round trip, filters, bad input.

mod common;

use axum::http::StatusCode;
use common::{app, valid_post, TestApp, API_KEY};
use serde_json::Value;

async fn post_form(server: &TestApp, path: &str, fields: &[(&str, String)]) -> (StatusCode, Value) {
    let reply = server.post_form(path, fields).await;
    (reply.status, reply.json_or_null())
}

#[tokio::test]
async fn services_list_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let server = app(dir.path());
    let list: Value = server.get("/open311/v2/services.json").await.json();
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service_code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"streetlight") && codes.contains(&"dead_animal"),
        "{codes:?}"
    );
    assert_eq!(list[0]["type"], "realtime");
    // metadata: whether the service defines attributes (streetlight does, graffiti not)
    assert_eq!(list[0]["service_code"], "streetlight");
    assert_eq!(list[0]["metadata"], true);
    let graffiti = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "graffiti");
    assert_eq!(graffiti.unwrap()["metadata"], false);
    let def: Value = server.get("/open311/v2/services/pothole.json").await.json();
    assert_eq!(def["service_code"], "pothole");
    let missing = server.get("/open311/v2/services/nope.json").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let err: Value = missing.json();
    assert_eq!(err[0]["code"], 404);
}

#[tokio::test]
async fn post_then_get_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let server = app(dir.path());
    let (status, body) = post_form(&server, "/open311/v2/requests.json", &valid_post()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body[0]["service_request_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("HS-"), "{id}");
    assert!(
        body[0].get("token").is_none(),
        "stored at once: an id, no token"
    );

    let got: Value = server
        .get(&format!("/open311/v2/requests/{id}.json"))
        .await
        .json();
    let r = &got[0];
    assert_eq!(r["service_request_id"], id.as_str());
    assert_eq!(r["service_code"], "streetlight");
    assert_eq!(r["service_name"], "Street Light Outage");
    assert_eq!(r["status"], "open");
    assert_eq!(r["lat"], 41.8781);
    assert_eq!(r["long"], -87.6298);
    assert_eq!(r["address"], "100 W Madison St");
    assert_eq!(r["agency_responsible"], "Streets Department");
    // Datetimes carry the city's offset (Chicago: -05:00 or -06:00) and the SLA is 7 days.
    let requested =
        chrono::DateTime::parse_from_rfc3339(r["requested_datetime"].as_str().unwrap()).unwrap();
    let expected =
        chrono::DateTime::parse_from_rfc3339(r["expected_datetime"].as_str().unwrap()).unwrap();
    assert!(matches!(
        requested.offset().local_minus_utc(),
        -21600 | -18000
    ));
    assert_eq!((expected - requested).num_days(), 7);

    let listed: Value = server.get("/open311/v2/requests.json").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let json_post = server
        .post_json(
            "/open311/v2/requests.json",
            &serde_json::json!({"api_key": API_KEY, "service_code": "pothole", "lat": 41.9, "long": -87.7}),
        )
        .await;
    assert_eq!(json_post.status, StatusCode::CREATED);
    assert_eq!(server.city.store.count().unwrap(), 2);
}

#[tokio::test]
async fn get_filters_select_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let server = app(dir.path());
    let url = "/open311/v2/requests.json";
    let mut ids = Vec::new();
    for (code, lat) in [
        ("streetlight", "41.80"),
        ("streetlight", "41.90"),
        ("pothole", "41.95"),
    ] {
        let mut f = valid_post();
        f[1].1 = code.into();
        f[2].1 = lat.into();
        let (status, body) = post_form(&server, url, &f).await;
        assert_eq!(status, StatusCode::CREATED);
        ids.push(body[0]["service_request_id"].as_str().unwrap().to_string());
    }
    let get = |q: String| {
        let url = format!("{url}?{q}");
        let server = &server;
        async move {
            let v: Value = server.get(&url).await.json();
            v.as_array()
                .unwrap()
                .iter()
                .map(|r| r["service_request_id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        get("service_code=pothole".into()).await,
        vec![ids[2].clone()]
    );
    assert_eq!(
        get("service_code=pothole,streetlight".into()).await.len(),
        3
    );
    assert_eq!(get("status=closed".into()).await.len(), 0);
    assert_eq!(get("status=open".into()).await.len(), 3);
    assert_eq!(
        get("bbox=-87.8,41.85,-87.5,41.92".into()).await,
        vec![ids[1].clone()]
    );
    assert_eq!(
        get(format!("service_request_id={},{}", ids[0], ids[2]))
            .await
            .len(),
        2
    );
    assert_eq!(get("page_size=2".into()).await.len(), 2);
    assert_eq!(get("page_size=2&page=2".into()).await.len(), 1);
    assert_eq!(
        get("start_date=2000-01-01T00:00:00Z&end_date=2000-12-31".into())
            .await
            .len(),
        0
    );
}

/// A named bad POST, the status it must get and the field its error must name.
type BadCase = (
    &'static str,
    Vec<(&'static str, String)>,
    StatusCode,
    &'static str,
);

/// Every bad input answers 4xx with an Open311 error naming the field, and stores nothing.
#[tokio::test]
async fn bad_posts_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = app(dir.path());
    let url = "/open311/v2/requests.json";
    let with = |field: &'static str, value: &str| {
        let mut f = valid_post();
        f.retain(|(k, _)| *k != field);
        f.push((field, value.to_string()));
        f
    };
    let without = |field: &'static str| {
        let mut f = valid_post();
        f.retain(|(k, _)| *k != field);
        f
    };
    let cases: Vec<BadCase> = vec![
        (
            "no api_key",
            without("api_key"),
            StatusCode::FORBIDDEN,
            "api_key",
        ),
        (
            "wrong api_key",
            with("api_key", "wrong-key-000000"),
            StatusCode::FORBIDDEN,
            "api_key",
        ),
        (
            "no service_code",
            without("service_code"),
            StatusCode::BAD_REQUEST,
            "service_code",
        ),
        (
            "unknown service",
            with("service_code", "ufo"),
            StatusCode::NOT_FOUND,
            "service_code",
        ),
        ("lat 91", with("lat", "91"), StatusCode::BAD_REQUEST, "lat"),
        (
            "lat NaN",
            with("lat", "NaN"),
            StatusCode::BAD_REQUEST,
            "lat",
        ),
        (
            "long 1e999",
            with("long", "1e999"),
            StatusCode::BAD_REQUEST,
            "long",
        ),
        (
            "lat text",
            with("lat", "north"),
            StatusCode::BAD_REQUEST,
            "lat",
        ),
        (
            "lat empty",
            with("lat", ""),
            StatusCode::BAD_REQUEST,
            "long",
        ),
        (
            "lat without long",
            without("long"),
            StatusCode::BAD_REQUEST,
            "long",
        ),
        (
            "address only",
            {
                let mut f = without("lat");
                f.retain(|(k, _)| *k != "long");
                f
            },
            StatusCode::BAD_REQUEST,
            "lat/long",
        ),
        (
            "outside city",
            with("lat", "40.0"),
            StatusCode::BAD_REQUEST,
            "lat/long",
        ),
        (
            "description too long",
            with("description", &"x".repeat(4001)),
            StatusCode::BAD_REQUEST,
            "description",
        ),
        (
            "control chars",
            with("description", "bad\u{0}byte"),
            StatusCode::BAD_REQUEST,
            "description",
        ),
        (
            "media_url scheme",
            with("media_url", "javascript:alert(1)"),
            StatusCode::BAD_REQUEST,
            "media_url",
        ),
        (
            "attribute injection",
            with("attribute[owner]", "x"),
            StatusCode::BAD_REQUEST,
            "attribute[owner]",
        ),
        (
            "duplicate param",
            {
                let mut f = valid_post();
                f.push(("lat", "41.9".into()));
                f
            },
            StatusCode::BAD_REQUEST,
            "lat",
        ),
    ];
    for (name, fields, status, field) in cases {
        let (got, body) = post_form(&server, url, &fields).await;
        assert_eq!(got, status, "{name}: {body}");
        let description = body[0]["description"].as_str().unwrap_or_default();
        assert!(description.contains(field), "{name}: {description}");
        assert_eq!(body[0]["code"], status.as_u16(), "{name}");
    }
    let raw = |ct: &'static str, body: Vec<u8>| {
        let server = &server;
        async move {
            let r = server.post_raw(url, ct, body).await;
            (r.status, r.json_or_null())
        }
    };
    let (s, b) = raw("text/xml", b"<x/>".to_vec()).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{b}");
    let (s, b) = raw(
        "application/x-www-form-urlencoded",
        b"api_key=\xff\xfe&lat=1".to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    assert!(b[0]["description"].as_str().unwrap().contains("body"));
    let (s, _) = raw("application/json", b"{not json".to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, b) = raw("application/json", br#"{"api_key": {"a": 1}}"#.to_vec()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, b) = raw(
        "application/x-www-form-urlencoded",
        vec![b'a'; 10 * 1024 * 1024],
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    assert_eq!(server.city.store.count().unwrap(), 0, "nothing was stored");
}

#[tokio::test]
async fn bad_get_filters_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = app(dir.path());
    for (query, field) in [
        ("start_date=yesterday", "start_date"),
        ("start_date=2026-05-01&end_date=2026-04-01", "end_date"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=-87,41,-88,42", "bbox"),
        ("page_size=1000000000", "page_size"),
        ("page=0", "page"),
        ("status=pending", "status"),
        ("status=open&status=closed", "status"),
    ] {
        let resp = server
            .get(&format!("/open311/v2/requests.json?{query}"))
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{query}");
        let body: Value = resp.json();
        assert!(
            body[0]["description"].as_str().unwrap().contains(field),
            "{query}: {body}"
        );
    }
    for path in [
        "/open311/v2/requests/HS-999.json",
        "/open311/v2/requests/HS-1.xml",
        "/open311/v2/tokens/abc.json",
        "/nowhere",
    ] {
        let resp = server.get(path).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_posts_are_each_stored_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = app(dir.path());
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let server = server.clone();
            tokio::spawn(async move {
                let mut f = valid_post();
                f[3].1 = format!("{:.6}", -87.70 + i as f64 * 1e-4);
                let (status, body) = post_form(&server, "/open311/v2/requests.json", &f).await;
                assert_eq!(status, StatusCode::CREATED, "{body}");
                body[0]["service_request_id"].as_str().unwrap().to_string()
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        assert!(ids.insert(t.await.unwrap()), "ids are unique");
    }
    assert_eq!(ids.len(), 300);
    assert_eq!(server.city.store.count().unwrap(), 300);
    assert_eq!(
        server.city.index.snapshot().len(),
        300,
        "the index saw every commit"
    );
}
