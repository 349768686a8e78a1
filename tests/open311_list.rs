//! Open311 `GET requests.json` lists are chosen from the in-memory index; they must be the
//! very pages the store's SQL query returns, for any mix of filters and paging.

use chrono::{DateTime, Duration, Utc};
use hotspot::city::City;
use hotspot::config::Config;
use hotspot::model::Status;
use hotspot::selection::{list_page, Page, Selection};
use hotspot::store::NewRequest;
use rand::{Rng, SeedableRng};

fn ids(requests: &[hotspot::model::ServiceRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| r.service_request_id.clone())
        .collect()
}

#[test]
fn index_pages_equal_the_store_query() {
    let dir = tempfile::tempdir().unwrap();
    let app = City::open(Config::demo().unwrap(), dir.path()).unwrap();
    app.seed_demo_if_empty().unwrap();
    // Ties: several requests at the same second, and some without a requested time.
    let template = app
        .store
        .list(
            &Selection::default(),
            Page {
                limit: 1,
                offset: 0,
            },
        )
        .unwrap()[0]
        .clone();
    let tied: Vec<NewRequest> = (0..12)
        .map(|i| {
            let mut r = template.clone();
            r.service_request_id = format!("tie-{i}");
            r.lon += f64::from(i) * 1e-4;
            if i % 4 == 3 {
                r.requested_datetime = None;
            }
            NewRequest {
                request: r,
                token: None,
            }
        })
        .collect();
    app.store.writer().upsert_blocking(tied).unwrap();
    let snapshot = app.index.snapshot();
    let extent = app.config.extent.unwrap();
    let newest: DateTime<Utc> =
        DateTime::from_timestamp(snapshot.newest_requested().unwrap(), 0).unwrap();
    let codes: Vec<String> = snapshot.types().map(|(c, _)| c.to_string()).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(311);
    let mut nonempty = 0;
    for case in 0..300 {
        let mut page = Page {
            limit: rng.random_range(1..=200),
            offset: 0,
        };
        if rng.random_bool(0.5) {
            page.offset = rng.random_range(0..400);
        }
        let mut q = Selection::default();
        for _ in 0..rng.random_range(0..3) {
            q.codes
                .push(codes[rng.random_range(0..codes.len())].clone());
        }
        if rng.random_bool(0.1) {
            q.codes.push("no_such_type".into());
        }
        q.codes.sort();
        q.codes.dedup();
        if rng.random_bool(0.4) {
            q.status = Some(if rng.random_bool(0.5) {
                Status::Open
            } else {
                Status::Closed
            });
        }
        let secs = |t: DateTime<Utc>| Some(t.timestamp());
        match rng.random_range(0..4) {
            0 => {}
            1 => q.start = secs(newest - Duration::days(rng.random_range(1..200))),
            2 => q.end = secs(newest - Duration::days(rng.random_range(0..200))),
            _ => {
                let end = newest - Duration::days(rng.random_range(0..200));
                q.start = secs(end - Duration::days(rng.random_range(0..120)));
                q.end = secs(end);
            }
        }
        if rng.random_bool(0.6) {
            let w = rng.random_range(0.002..0.08);
            let h = rng.random_range(0.002..0.06);
            let lon = rng.random_range(extent.min_lon..extent.max_lon - w);
            let lat = rng.random_range(extent.min_lat..extent.max_lat - h);
            q.bbox = Some([lon, lat, lon + w, lat + h]);
        }
        let expected = ids(&app.store.list(&q, page).unwrap());
        let listed = list_page(&snapshot, &q, page);
        let got = ids(&app.store.get_many(&listed).unwrap());
        assert_eq!(got, expected, "case {case}: {q:?}");
        nonempty += usize::from(!expected.is_empty());
    }
    assert!(
        nonempty > 150,
        "only {nonempty} of 300 queries found anything"
    );
    // the tied requests come newest stored first, undated ones last
    let all = Page {
        limit: 100_000,
        offset: 0,
    };
    let page = list_page(&snapshot, &Selection::default(), all);
    assert_eq!(
        ids(&app.store.get_many(&page).unwrap()),
        ids(&app.store.list(&Selection::default(), all).unwrap())
    );
    assert!(
        page.last().unwrap().starts_with("tie-"),
        "undated requests come last"
    );
}
