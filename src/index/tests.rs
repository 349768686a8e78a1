//! The index against brute force: boxes, nearest, time order, cells, and updates.

use super::*;

fn request(id: &str, lon: f64, lat: f64) -> ServiceRequest {
    ServiceRequest {
        service_request_id: id.into(),
        service_code: "pothole".into(),
        lon,
        lat,
        ..Default::default()
    }
}

#[test]
fn exact_cells_stay_current_as_requests_arrive() {
    let index = Index::build(vec![
        request("a", -75.16, 39.95),
        request("b", -75.15, 39.96),
    ]);
    let res = Resolution::Nine;
    let before = index.snapshot();
    assert_eq!(before.of_type("pothole").unwrap().cells_at(res).len(), 2);
    index.apply(&[request("c", -75.14, 39.97)]);
    let after = index.snapshot();
    let t = after.of_type("pothole").unwrap();
    let expected: Vec<CellIndex> = [(-75.16, 39.95), (-75.15, 39.96), (-75.14, 39.97)]
        .iter()
        .map(|&(lon, lat)| LatLng::new(lat, lon).unwrap().to_cell(res))
        .collect();
    assert_eq!(t.cells_at(res), expected.as_slice());
    assert_eq!(
        before.of_type("pothole").unwrap().cells_at(res).len(),
        2,
        "old snapshot unchanged"
    );
    assert!(t.generation() > before.of_type("pothole").unwrap().generation());
}

#[test]
fn boxes_nearest_and_time_order_stay_right_across_tree_rebuilds() {
    let point = |i: u64| {
        let x = (i * 7_919 % 1_000) as f64 / 1_000.0;
        let y = (i * 104_729 % 997) as f64 / 997.0;
        (-75.3 + x * 0.2, 39.9 + y * 0.15)
    };
    let dated = |i: u64| {
        let (lon, lat) = point(i);
        let mut r = request(&format!("r{i}"), lon, lat);
        r.requested_datetime =
            chrono::DateTime::from_timestamp(1_700_000_000 + (i % 37) as i64 * 3_600, 0);
        r
    };
    let index = Index::build((0..500).map(dated));
    let first = index.snapshot();
    for i in 500..(500 + TREE_REBUILD_AFTER as u64 + 700) {
        index.apply(&[dated(i)]);
    }
    let snapshot = index.snapshot();
    let t = snapshot.of_type("pothole").unwrap();
    assert_eq!(t.len(), 500 + TREE_REBUILD_AFTER + 700);
    assert_eq!(
        first.of_type("pothole").unwrap().len(),
        500,
        "old snapshot unchanged"
    );
    for (k, bbox) in [
        [-75.25, 39.95, -75.2, 39.99],
        [-75.3, 39.9, -75.1, 40.05],
        [-75.0, 39.0, -74.9, 39.1],
    ]
    .into_iter()
    .enumerate()
    {
        let mut got: Vec<usize> = t.positions_within(bbox).collect();
        got.sort_unstable();
        let expected: Vec<usize> = (0..t.len())
            .filter(|&i| {
                let r = &t.requests()[i];
                r.lon >= bbox[0] && r.lon <= bbox[2] && r.lat >= bbox[1] && r.lat <= bbox[3]
            })
            .collect();
        assert_eq!(got, expected, "box {k}");
    }
    for (lon, lat) in [(-75.21, 39.97), (-75.35, 39.85), (-75.11, 40.04)] {
        let d2 = |r: &IndexedRequest| (r.lon - lon).powi(2) + (r.lat - lat).powi(2);
        let best = t.requests().iter().map(d2).fold(f64::INFINITY, f64::min);
        assert_eq!(d2(t.nearest(lon, lat).unwrap()), best);
    }
    let order: Vec<(Option<i64>, u64)> = t.newest_first(None, None).map(time_key).collect();
    assert!(
        order.windows(2).all(|w| w[0] > w[1]),
        "newest first, ties by seq"
    );
    assert_eq!(order.len(), t.len());
}

fn dated(id: &str, code: &str, lon: f64, lat: f64, day: i64) -> ServiceRequest {
    ServiceRequest {
        service_request_id: id.into(),
        service_code: code.into(),
        lon,
        lat,
        requested_datetime: chrono::DateTime::from_timestamp(1_700_000_000 + day * 86_400, 0),
        ..Default::default()
    }
}

#[test]
fn updates_replace_in_place_move_between_types_and_keep_old_snapshots() {
    let index = Index::build(vec![
        dated("a", "pothole", -75.16, 39.95, 0),
        dated("b", "pothole", -75.15, 39.96, 1),
        dated("c", "pothole", -75.14, 39.97, 2),
        dated("x", "graffiti", -75.13, 39.98, 3),
    ]);
    let before = index.snapshot();
    let seq_of = |s: &IndexSnapshot, code: &str, id: &str| {
        s.of_type(code)
            .and_then(|t| t.requests().iter().find(|r| r.id.as_ref() == id))
            .map(|r| (r.seq, r.status, r.lon))
    };
    let a_seq = seq_of(&before, "pothole", "a").unwrap().0;
    let c_seq = seq_of(&before, "pothole", "c").unwrap().0;
    // a closes in place; c moves to graffiti at another point; d is new; b changes twice
    let mut a = dated("a", "pothole", -75.16, 39.95, 0);
    a.status = Status::Closed;
    let c = dated("c", "graffiti", -75.10, 39.99, 2);
    let d = dated("d", "pothole", -75.12, 39.90, 5);
    let mut b1 = dated("b", "pothole", -75.15, 39.96, 1);
    b1.status = Status::Closed;
    let b2 = dated("b", "pothole", -75.15, 39.96, 1);
    index.apply_updates(&[
        Update::Changed {
            request: &a,
            previous_code: "pothole",
        },
        Update::Changed {
            request: &c,
            previous_code: "pothole",
        },
        Update::Added(&d),
        Update::Changed {
            request: &b1,
            previous_code: "pothole",
        },
        Update::Changed {
            request: &b2,
            previous_code: "pothole",
        },
    ]);
    let after = index.snapshot();
    assert_eq!(
        seq_of(&after, "pothole", "a"),
        Some((a_seq, Status::Closed, -75.16))
    );
    assert_eq!(
        seq_of(&after, "pothole", "b").unwrap().1,
        Status::Open,
        "last change wins"
    );
    assert_eq!(seq_of(&after, "pothole", "c"), None);
    assert_eq!(
        seq_of(&after, "graffiti", "c"),
        Some((c_seq, Status::Open, -75.10))
    );
    assert_eq!(after.len(), 5);
    let new_seq = seq_of(&after, "pothole", "d").unwrap().0;
    assert!(new_seq >= 4, "a new request gets a new seq");
    // boxes, cells and time order agree with the requests after the move
    let graffiti = after.of_type("graffiti").unwrap();
    let mut found: Vec<&str> = graffiti
        .positions_within([-75.11, 39.985, -75.09, 39.995])
        .map(|i| graffiti.requests()[i].id.as_ref())
        .collect();
    found.sort();
    assert_eq!(found, ["c"]);
    let res = Resolution::Nine;
    for t in [after.of_type("pothole").unwrap(), graffiti] {
        let expected: Vec<CellIndex> = t.requests().iter().map(|r| r.exact_cell(res)).collect();
        assert_eq!(t.cells_at(res), expected.as_slice());
        assert_eq!(t.newest_first(None, None).count(), t.len());
    }
    // generations move for caches; the snapshot taken before is unchanged
    assert!(
        after.of_type("pothole").unwrap().generation()
            > before.of_type("pothole").unwrap().generation()
    );
    assert_eq!(seq_of(&before, "pothole", "a").unwrap().1, Status::Open);
    assert!(seq_of(&before, "pothole", "c").is_some());
    // a type left empty disappears
    let mut x = dated("x", "pothole", -75.13, 39.98, 3);
    x.status = Status::Closed;
    let c_back = dated("c", "pothole", -75.10, 39.99, 2);
    index.apply_updates(&[
        Update::Changed {
            request: &x,
            previous_code: "graffiti",
        },
        Update::Changed {
            request: &c_back,
            previous_code: "graffiti",
        },
    ]);
    assert!(index.snapshot().of_type("graffiti").is_none());
    assert_eq!(index.snapshot().len(), 5);
}
