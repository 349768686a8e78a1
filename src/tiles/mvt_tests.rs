//! The encoder checked by decoding its output with a small protobuf reader written from the
//! specification, plus byte-exact examples from the MVT 2.1 specification.

use super::*;

/// A decoded feature: id, properties, geometry type and the absolute points of each
/// MoveTo/LineTo run, split at ClosePath.
#[derive(Debug, PartialEq)]
struct Decoded {
    id: Option<u64>,
    props: Vec<(String, Value)>,
    kind: u64,
    parts: Vec<Vec<[i32; 2]>>,
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, at: 0 }
    }
    fn done(&self) -> bool {
        self.at >= self.buf.len()
    }
    fn varint(&mut self) -> u64 {
        let mut n = 0u64;
        let mut shift = 0;
        loop {
            let b = self.buf[self.at];
            self.at += 1;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
            shift += 7;
        }
    }
    fn field(&mut self) -> (u32, u8) {
        let t = self.varint();
        ((t >> 3) as u32, (t & 7) as u8)
    }
    fn bytes(&mut self) -> &'a [u8] {
        let n = self.varint() as usize;
        let b = &self.buf[self.at..self.at + n];
        self.at += n;
        b
    }
    fn fixed64(&mut self) -> [u8; 8] {
        let b = self.buf[self.at..self.at + 8].try_into().unwrap();
        self.at += 8;
        b
    }
    fn packed(&mut self) -> Vec<u32> {
        let mut r = Reader::new(self.bytes());
        let mut out = Vec::new();
        while !r.done() {
            out.push(r.varint() as u32);
        }
        out
    }
}

fn unzig(n: u32) -> i32 {
    ((n >> 1) as i32) ^ -((n & 1) as i32)
}

fn decode_value(buf: &[u8]) -> Value {
    let mut r = Reader::new(buf);
    let (field, _) = r.field();
    match field {
        1 => Value::String(String::from_utf8(r.bytes().to_vec()).unwrap()),
        3 => Value::Double(f64::from_le_bytes(r.fixed64())),
        5 => Value::Int(r.varint() as i64),
        6 => {
            let z = r.varint();
            Value::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
        }
        7 => Value::Bool(r.varint() != 0),
        other => panic!("unexpected value field {other}"),
    }
}

/// Decodes a tile into (layer name, version, extent, features).
fn decode(tile: &[u8]) -> Vec<(String, u64, u64, Vec<Decoded>)> {
    let mut layers = Vec::new();
    let mut r = Reader::new(tile);
    while !r.done() {
        let (field, wire) = r.field();
        assert_eq!((field, wire), (3, 2), "a tile holds only layers");
        let mut l = Reader::new(r.bytes());
        let (mut name, mut version, mut extent) = (String::new(), 0, 0);
        let (mut keys, mut values, mut raw) = (Vec::new(), Vec::new(), Vec::new());
        while !l.done() {
            match l.field() {
                (1, 2) => name = String::from_utf8(l.bytes().to_vec()).unwrap(),
                (2, 2) => raw.push(l.bytes()),
                (3, 2) => keys.push(String::from_utf8(l.bytes().to_vec()).unwrap()),
                (4, 2) => values.push(decode_value(l.bytes())),
                (5, 0) => extent = l.varint(),
                (15, 0) => version = l.varint(),
                other => panic!("unexpected layer field {other:?}"),
            }
        }
        let features = raw
            .into_iter()
            .map(|buf| {
                let mut f = Reader::new(buf);
                let mut d = Decoded {
                    id: None,
                    props: Vec::new(),
                    kind: 0,
                    parts: Vec::new(),
                };
                let mut geometry = Vec::new();
                while !f.done() {
                    match f.field() {
                        (1, 0) => d.id = Some(f.varint()),
                        (2, 2) => {
                            for pair in f.packed().chunks(2) {
                                d.props.push((
                                    keys[pair[0] as usize].clone(),
                                    values[pair[1] as usize].clone(),
                                ));
                            }
                        }
                        (3, 0) => d.kind = f.varint(),
                        (4, 2) => geometry = f.packed(),
                        other => panic!("unexpected feature field {other:?}"),
                    }
                }
                let mut cursor = [0, 0];
                let mut i = 0;
                let mut part: Vec<[i32; 2]> = Vec::new();
                while i < geometry.len() {
                    let (id, count) = (geometry[i] & 7, geometry[i] >> 3);
                    i += 1;
                    match id {
                        1 | 2 => {
                            if id == 1 && !part.is_empty() {
                                d.parts.push(std::mem::take(&mut part));
                            }
                            for _ in 0..count {
                                cursor[0] += unzig(geometry[i]);
                                cursor[1] += unzig(geometry[i + 1]);
                                i += 2;
                                part.push(cursor);
                            }
                        }
                        7 => d.parts.push(std::mem::take(&mut part)),
                        other => panic!("unknown command {other}"),
                    }
                }
                if !part.is_empty() {
                    d.parts.push(part);
                }
                d
            })
            .collect();
        layers.push((name, version, extent, features));
    }
    layers
}

#[test]
fn commands_follow_the_specification_examples() {
    // MVT 2.1 §4.3.5.1: a point at (25, 17) is [9, 50, 34].
    assert_eq!(Geometry::Points(vec![[25, 17]]).commands(), [9, 50, 34]);
    // §4.3.5.2: a multipoint (5,7), (3,2) is [17, 10, 14, 3, 9].
    assert_eq!(
        Geometry::Points(vec![[5, 7], [3, 2]]).commands(),
        [17, 10, 14, 3, 9]
    );
    // §4.3.5.6: the polygon (3,6) (8,12) (20,34) is [9, 6, 12, 18, 10, 12, 24, 44, 15].
    assert_eq!(
        Geometry::Polygon(vec![vec![[3, 6], [8, 12], [20, 34]]]).commands(),
        [9, 6, 12, 18, 10, 12, 24, 44, 15]
    );
    assert_eq!(zigzag32(-1), 1);
    assert_eq!(zigzag32(1), 2);
    assert_eq!(zigzag32(i32::MIN), u32::MAX);
    assert_eq!(unzig(zigzag32(-123_456)), -123_456);
}

#[test]
fn layers_round_trip_through_a_decoder() {
    let mut layer = Layer::new("requests", 4096);
    layer.add(
        Some(7),
        &Geometry::Points(vec![[100, 4000]]),
        &[
            ("service_request_id", "RIV-1".into()),
            ("count", Value::Int(3)),
            ("overdue", true.into()),
            ("z", (-2.5).into()),
            ("delta", Value::Int(-40)),
        ],
    );
    // same key and value again: the tables hold them once
    layer.add(
        Some(8),
        &Geometry::Points(vec![[-64, 4160]]),
        &[("count", Value::Int(3)), ("overdue", false.into())],
    );
    // nothing to draw: not added
    layer.add(Some(9), &Geometry::Points(vec![]), &[]);
    layer.add(Some(9), &Geometry::Polygon(vec![vec![[0, 0], [1, 1]]]), &[]);
    assert_eq!(layer.len(), 2);
    let square = vec![[0, 0], [10, 0], [10, 10], [0, 10]];
    let hole = vec![[2, 2], [2, 8], [8, 8], [8, 2]];
    let mut cells = Layer::new("hexbins", 4096);
    cells.add(
        Some(u64::MAX - 1),
        &Geometry::Polygon(vec![
            square.clone(),
            hole.clone(),
            vec![[20, 20], [30, 20], [30, 30]],
        ]),
        &[("h3", "8a2a1072b59ffff".into())],
    );
    let tile = encode(&[layer, cells]);
    let layers = decode(&tile);
    assert_eq!(layers.len(), 2);
    let (name, version, extent, features) = &layers[0];
    assert_eq!((name.as_str(), *version, *extent), ("requests", 2, 4096));
    assert_eq!(features.len(), 2);
    assert_eq!(features[0].id, Some(7));
    assert_eq!(features[0].kind, 1);
    assert_eq!(features[0].parts, vec![vec![[100, 4000]]]);
    assert_eq!(
        features[0].props,
        vec![
            ("service_request_id".to_string(), Value::from("RIV-1")),
            ("count".into(), Value::Int(3)),
            ("overdue".into(), Value::Bool(true)),
            ("z".into(), Value::Double(-2.5)),
            ("delta".into(), Value::Int(-40)),
        ]
    );
    assert_eq!(features[1].parts, vec![vec![[-64, 4160]]]);
    let (name, _, _, features) = &layers[1];
    assert_eq!(name, "hexbins");
    assert_eq!(features[0].id, Some(u64::MAX - 1));
    assert_eq!(features[0].kind, 3);
    assert_eq!(
        features[0].parts,
        vec![square, hole, vec![[20, 20], [30, 20], [30, 30]]]
    );
    // the tables are shared: "count" and 3 are stored once in the first layer
    let count_key = tile.windows(5).filter(|w| w == b"count").count();
    assert_eq!(count_key, 1);
}

#[test]
fn an_empty_layer_is_still_a_layer() {
    let tile = encode(&[Layer::new("hotspots", 4096)]);
    let layers = decode(&tile);
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0].0, "hotspots");
    assert!(layers[0].3.is_empty());
    assert!(encode(&[]).is_empty());
}
