//! The property columns of a feature table, inferred from the features' properties: the
//! union of their keys (in order of first appearance;
//! a feature's keys come sorted), each typed by its values.

use geojson::{Feature, JsonObject};
use rusqlite::types::Value as Sql;
use serde_json::Value;

/// A column's SQL type (GeoPackage 1.3 table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Only booleans.
    Boolean,
    /// Only integers that fit in 64 bits.
    Integer,
    /// Numbers, some of them not integers.
    Real,
    /// Only RFC 3339 datetimes, stored in UTC (`YYYY-MM-DDTHH:MM:SS.SSSZ`).
    DateTime,
    /// Anything else: strings, mixed values, objects and arrays as JSON text.
    Text,
}

impl ColumnType {
    /// Its name in `CREATE TABLE`.
    pub fn sql(self) -> &'static str {
        match self {
            ColumnType::Boolean => "BOOLEAN",
            ColumnType::Integer => "INTEGER",
            ColumnType::Real => "REAL",
            ColumnType::DateTime => "DATETIME",
            ColumnType::Text => "TEXT",
        }
    }

    /// The narrowest type holding a value (`None` for null, which fits every type).
    fn of(value: &Value) -> Option<ColumnType> {
        Some(match value {
            Value::Null => return None,
            Value::Bool(_) => ColumnType::Boolean,
            Value::Number(n) if n.is_i64() => ColumnType::Integer,
            Value::Number(_) => ColumnType::Real,
            Value::String(s) if utc(s).is_some() => ColumnType::DateTime,
            _ => ColumnType::Text,
        })
    }

    /// The type holding values of both.
    fn widen(self, other: ColumnType) -> ColumnType {
        use ColumnType::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Integer, Real) | (Real, Integer) => Real,
            _ => Text,
        }
    }

    /// A JSON value as stored in a column of this type.
    pub fn to_sql(self, value: &Value) -> Sql {
        match (self, value) {
            (_, Value::Null) => Sql::Null,
            (ColumnType::Boolean, Value::Bool(b)) => Sql::Integer(i64::from(*b)),
            (ColumnType::Integer, Value::Number(n)) if n.is_i64() => {
                Sql::Integer(n.as_i64().unwrap_or_default())
            }
            (ColumnType::Real, Value::Number(n)) => n.as_f64().map_or(Sql::Null, Sql::Real),
            (ColumnType::DateTime, Value::String(s)) => utc(s).map_or(Sql::Null, Sql::Text),
            (_, Value::String(s)) => Sql::Text(s.clone()),
            (_, other) => Sql::Text(other.to_string()),
        }
    }
}

/// An RFC 3339 datetime in GeoPackage's UTC form.
fn utc(text: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(
        t.with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
    )
}

/// A property column: the property's key, the column's name and type.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub key: String,
    pub name: String,
    pub kind: ColumnType,
}

/// The columns of `features`: every property key once, in order of first appearance, typed
/// by its non-null values (text when it has none). Names are made unique among themselves
/// and the `reserved` ones, ignoring case as SQLite does (`fid` → `fid_2`).
pub fn infer(features: &[Feature], reserved: &[&str]) -> Vec<Column> {
    let mut columns: Vec<(String, Option<ColumnType>)> = Vec::new();
    for properties in features.iter().filter_map(|f| f.properties.as_ref()) {
        for (key, value) in properties {
            let kind = ColumnType::of(value);
            match columns.iter_mut().find(|(k, _)| k == key) {
                Some((_, known)) => {
                    *known = match (*known, kind) {
                        (Some(a), Some(b)) => Some(a.widen(b)),
                        (a, b) => a.or(b),
                    }
                }
                None => columns.push((key.clone(), kind)),
            }
        }
    }
    let mut taken: Vec<String> = reserved.iter().map(|r| r.to_lowercase()).collect();
    columns
        .into_iter()
        .map(|(key, kind)| {
            let name = unique_name(&key, &mut taken);
            Column {
                key,
                name,
                kind: kind.unwrap_or(ColumnType::Text),
            }
        })
        .collect()
}

fn unique_name(key: &str, taken: &mut Vec<String>) -> String {
    let base = if key.is_empty() { "field" } else { key };
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name.to_lowercase()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    taken.push(name.to_lowercase());
    name
}

/// A feature's values for `columns`, in order (null where it lacks the property).
pub fn values(columns: &[Column], properties: Option<&JsonObject>) -> Vec<Sql> {
    columns
        .iter()
        .map(|c| {
            properties
                .and_then(|p| p.get(&c.key))
                .map_or(Sql::Null, |v| c.kind.to_sql(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn features(props: Vec<Value>) -> Vec<Feature> {
        props
            .into_iter()
            .map(|p| Feature {
                properties: p.as_object().cloned(),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn types_follow_the_values() {
        let fs = features(vec![
            json!({"n": 1, "x": 1, "b": true, "t": "2026-10-31T23:59:59-04:00", "s": "a",
                   "nested": {"a": 1}, "none": null, "mixed": 1}),
            json!({"n": 2, "x": 2.5, "b": false, "t": null, "s": "b", "nested": [1],
                   "none": null, "mixed": "one", "late": 7}),
        ]);
        let cols = infer(&fs, &["fid", "geom"]);
        let kinds: Vec<(&str, ColumnType)> =
            cols.iter().map(|c| (c.name.as_str(), c.kind)).collect();
        use ColumnType::*;
        // keys in the order the properties hold them (sorted), then new ones
        assert_eq!(
            kinds,
            vec![
                ("b", Boolean),
                ("mixed", Text),
                ("n", Integer),
                ("nested", Text),
                ("none", Text),
                ("s", Text),
                ("t", DateTime),
                ("x", Real),
                ("late", Integer),
            ]
        );
        let row = values(&cols, fs[0].properties.as_ref());
        assert_eq!(row[0], Sql::Integer(1));
        assert_eq!(row[6], Sql::Text("2026-11-01T03:59:59.000Z".into()));
        assert_eq!(row[3], Sql::Text("{\"a\":1}".into()));
        assert_eq!(row[1], Sql::Text("1".into()));
        assert_eq!(row[8], Sql::Null);
        assert_eq!(values(&cols, fs[1].properties.as_ref())[7], Sql::Real(2.5));
    }

    #[test]
    fn names_avoid_reserved_and_case_duplicates() {
        let fs = features(vec![json!({"FID": 1, "geom": 2, "id": 3, "ID": 4, "": 5})]);
        let names: Vec<String> = infer(&fs, &["fid", "geom"])
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, vec!["field", "FID_2", "ID", "geom_2", "id_2"]);
    }
}
