//! The protobuf encoding of Mapbox Vector Tile 2.1 (`vector_tile.proto`): a tile is a list of
//! layers; a layer has a name, an extent, its features and the tables of property keys and
//! values the features' tags point into; a feature has an id, tags, a geometry type and its
//! geometry as commands (MoveTo, LineTo, ClosePath) over zigzag-encoded deltas.
//!
//! Written by hand: only the few messages of the format are needed, and only writing.

use std::collections::HashMap;

/// A property value (MVT's `Value` message). Nulls have no encoding: leave them out.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Double(f64),
    /// A whole number (written as `uint_value` when non-negative, else `sint_value`).
    Int(i64),
    Bool(bool),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Value {
        i64::try_from(n).map_or(Value::Double(n as f64), Value::Int)
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Double(x)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// The identity of a value in a layer's value table (doubles by their bits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum ValueKey {
    String(String),
    Double(u64),
    Int(i64),
    Bool(bool),
}

impl Value {
    fn key(&self) -> ValueKey {
        match self {
            Value::String(s) => ValueKey::String(s.clone()),
            Value::Double(x) => ValueKey::Double(x.to_bits()),
            Value::Int(n) => ValueKey::Int(*n),
            Value::Bool(b) => ValueKey::Bool(*b),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::String(s) => bytes_field(out, 1, s.as_bytes()),
            Value::Double(x) => {
                tag(out, 3, FIXED64);
                out.extend_from_slice(&x.to_le_bytes());
            }
            Value::Int(n) if *n >= 0 => varint_field(out, 5, *n as u64),
            Value::Int(n) => varint_field(out, 6, zigzag64(*n)),
            Value::Bool(b) => varint_field(out, 7, u64::from(*b)),
        }
    }
}

/// A feature's geometry in tile units (y down), already clipped and rounded.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// One point or several (a multipoint).
    Points(Vec<[i32; 2]>),
    /// Polygon rings, each open (the first point not repeated): every exterior ring
    /// (positive area by the surveyor's formula in tile units, i.e. clockwise on screen)
    /// followed by its holes (negative area). See [`super::clip`].
    Polygon(Vec<Vec<[i32; 2]>>),
}

const POINT: u64 = 1;
const POLYGON: u64 = 3;
const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

impl Geometry {
    /// MVT's geometry type.
    fn kind(&self) -> u64 {
        match self {
            Geometry::Points(_) => POINT,
            Geometry::Polygon(_) => POLYGON,
        }
    }

    /// The command integers (the cursor starts at 0,0 for every feature).
    fn commands(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut cursor = [0i32, 0i32];
        let mut step = |out: &mut Vec<u32>, p: [i32; 2]| {
            out.push(zigzag32(p[0].wrapping_sub(cursor[0])));
            out.push(zigzag32(p[1].wrapping_sub(cursor[1])));
            cursor = p;
        };
        match self {
            Geometry::Points(points) => {
                if points.is_empty() {
                    return out;
                }
                out.push(command(MOVE_TO, points.len()));
                for &p in points {
                    step(&mut out, p);
                }
            }
            Geometry::Polygon(rings) => {
                for ring in rings.iter().filter(|r| r.len() >= 3) {
                    out.push(command(MOVE_TO, 1));
                    step(&mut out, ring[0]);
                    out.push(command(LINE_TO, ring.len() - 1));
                    for &p in &ring[1..] {
                        step(&mut out, p);
                    }
                    out.push(command(CLOSE_PATH, 1));
                }
            }
        }
        out
    }
}

fn command(id: u32, count: usize) -> u32 {
    (id & 0x7) | ((count as u32) << 3)
}

/// One layer of a tile, built feature by feature.
#[derive(Debug)]
pub struct Layer {
    name: String,
    extent: u32,
    keys: Vec<String>,
    key_index: HashMap<String, u32>,
    values: Vec<Value>,
    value_index: HashMap<ValueKey, u32>,
    /// Each feature's encoded message.
    features: Vec<Vec<u8>>,
}

impl Layer {
    /// An empty layer `name` on a grid of `extent` units.
    pub fn new(name: impl Into<String>, extent: u32) -> Layer {
        Layer {
            name: name.into(),
            extent,
            keys: Vec::new(),
            key_index: HashMap::new(),
            values: Vec::new(),
            value_index: HashMap::new(),
            features: Vec::new(),
        }
    }

    /// Features added so far.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Adds a feature: its id (unique in the layer), geometry and properties (each key once).
    /// A geometry with nothing to draw (no point, no ring of three) is not added.
    pub fn add(&mut self, id: Option<u64>, geometry: &Geometry, properties: &[(&str, Value)]) {
        let commands = geometry.commands();
        if commands.is_empty() {
            return;
        }
        let mut tags = Vec::with_capacity(properties.len() * 2);
        for (key, value) in properties {
            tags.push(self.key(key));
            tags.push(self.value(value));
        }
        let mut f = Vec::new();
        if let Some(id) = id {
            varint_field(&mut f, 1, id);
        }
        packed_field(&mut f, 2, &tags);
        varint_field(&mut f, 3, geometry.kind());
        packed_field(&mut f, 4, &commands);
        self.features.push(f);
    }

    fn key(&mut self, key: &str) -> u32 {
        if let Some(&i) = self.key_index.get(key) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.keys.push(key.to_string());
        self.key_index.insert(key.to_string(), i);
        i
    }

    fn value(&mut self, value: &Value) -> u32 {
        let key = value.key();
        if let Some(&i) = self.value_index.get(&key) {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(value.clone());
        self.value_index.insert(key, i);
        i
    }

    /// The `Layer` message.
    fn encode(&self, out: &mut Vec<u8>) {
        varint_field(out, 15, 2); // version
        bytes_field(out, 1, self.name.as_bytes());
        for f in &self.features {
            bytes_field(out, 2, f);
        }
        for k in &self.keys {
            bytes_field(out, 3, k.as_bytes());
        }
        let mut v = Vec::new();
        for value in &self.values {
            v.clear();
            value.encode(&mut v);
            bytes_field(out, 4, &v);
        }
        varint_field(out, 5, u64::from(self.extent));
    }
}

/// A tile of these layers (the `Tile` message), ready to serve as
/// `application/vnd.mapbox-vector-tile`.
pub fn encode(layers: &[Layer]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for layer in layers {
        buf.clear();
        layer.encode(&mut buf);
        bytes_field(&mut out, 3, &buf);
    }
    out
}

// ---- protobuf wire format --------------------------------------------------------------

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn tag(out: &mut Vec<u8>, field: u32, wire: u8) {
    varint(out, (u64::from(field) << 3) | u64::from(wire));
}

fn varint_field(out: &mut Vec<u8>, field: u32, n: u64) {
    tag(out, field, VARINT);
    varint(out, n);
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    tag(out, field, LEN);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn packed_field(out: &mut Vec<u8>, field: u32, items: &[u32]) {
    if items.is_empty() {
        return;
    }
    let mut buf = Vec::with_capacity(items.len() * 2);
    for &i in items {
        varint(&mut buf, u64::from(i));
    }
    bytes_field(out, field, &buf);
}

fn zigzag32(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

fn zigzag64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

#[cfg(test)]
#[path = "mvt_tests.rs"]
mod tests;
