//! Service catalog: the Open311 services a city offers, their SLAs, and the names that
//! source datasets (Philadelphia, NYC, Chicago exports) use for each.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Errors reading a catalog file.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalog {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("catalog {path}: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("catalog: service #{index} ({code:?}): {reason}")]
    Invalid {
        index: usize,
        code: String,
        reason: String,
    },
}

/// One Open311 service with its SLA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// Days the city promises to resolve a request in; `None` when no SLA is set.
    #[serde(default)]
    pub sla_days: Option<f64>,
    #[serde(default)]
    pub agency: Option<String>,
    /// Dataset name (`philly`, `nyc`, `chicago`, ...) → exact source type names.
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Extra questions asked with a request (GeoReport v2 service definition), in `order`.
    #[serde(default, rename = "attribute")]
    pub attributes: Vec<Attribute>,
}

/// The kind of answer an [`Attribute`] takes (GeoReport v2 `datatype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    /// A short line of text.
    String,
    /// A number (integer or decimal).
    Number,
    /// A date and time.
    Datetime,
    /// Free text, possibly several lines.
    Text,
    /// Exactly one key of `values`.
    Singlevaluelist,
    /// One or more keys of `values`.
    Multivaluelist,
}

impl Datatype {
    /// The GeoReport v2 spelling (`singlevaluelist`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Datetime => "datetime",
            Datatype::Text => "text",
            Datatype::Singlevaluelist => "singlevaluelist",
            Datatype::Multivaluelist => "multivaluelist",
        }
    }

    /// Whether answers are keys of a list of values.
    pub fn is_list(self) -> bool {
        matches!(self, Datatype::Singlevaluelist | Datatype::Multivaluelist)
    }
}

/// One choice of a list attribute: the `key` submitted and the `name` shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
}

/// A question of a service definition (GeoReport v2 `attribute`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    /// Submitted as `attribute[code]`; lower-case letters, digits and `_`.
    pub code: String,
    pub datatype: Datatype,
    /// Whether a request must answer it.
    #[serde(default)]
    pub required: bool,
    /// False for an informational attribute that takes no answer.
    #[serde(default = "yes")]
    pub variable: bool,
    /// The question shown to the person reporting.
    pub description: String,
    /// How to answer (format, unit), when the datatype does not say it all.
    #[serde(default)]
    pub datatype_description: Option<String>,
    /// Position in the form, 1-based; the catalog's order when not given.
    #[serde(default)]
    pub order: Option<u32>,
    /// The choices of a list attribute.
    #[serde(default)]
    pub values: Vec<AttributeValue>,
}

fn yes() -> bool {
    true
}

impl Attribute {
    /// The value of `key` in `values`, if it is one.
    pub fn value(&self, key: &str) -> Option<&AttributeValue> {
        self.values.iter().find(|v| v.key == key)
    }

    /// Why this attribute is not a valid definition, if it is not.
    fn problem(&self) -> Option<String> {
        let code = &self.code;
        if code.is_empty() || slug(code) != *code {
            return Some(format!(
                "attribute {code:?}: code must be lower-case letters, digits and _"
            ));
        }
        if self.description.trim().is_empty() {
            return Some(format!("attribute {code:?}: description is empty"));
        }
        if self.datatype.is_list() == self.values.is_empty() {
            return Some(format!(
                "attribute {code:?}: values are given exactly for singlevaluelist and multivaluelist"
            ));
        }
        if !self.variable && self.required {
            return Some(format!(
                "attribute {code:?}: an informational attribute (variable = false) cannot be required"
            ));
        }
        let mut keys = std::collections::HashSet::new();
        for v in &self.values {
            if v.key.trim().is_empty() || v.name.trim().is_empty() {
                return Some(format!(
                    "attribute {code:?}: a value has an empty key or name"
                ));
            }
            if !keys.insert(v.key.as_str()) {
                return Some(format!("attribute {code:?}: value key {:?} twice", v.key));
            }
        }
        None
    }
}

impl Service {
    /// Whether the service has a definition with attributes (`metadata` in GeoReport v2).
    pub fn has_metadata(&self) -> bool {
        !self.attributes.is_empty()
    }

    /// The attribute with this code.
    pub fn attribute(&self, code: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.code == code)
    }
}

#[derive(Debug, Deserialize)]
struct CatalogFile {
    #[serde(default)]
    service: Vec<Service>,
}

/// The service a request was resolved to.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<'a> {
    pub code: String,
    pub name: String,
    /// The catalog entry, `None` for a type kept under its own name.
    pub service: Option<&'a Service>,
}

/// The catalog with lookups by code, name and alias (all case-insensitive).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    services: Vec<Service>,
    by_key: HashMap<String, usize>,
}

impl Catalog {
    /// Reads a catalog TOML file (`[[service]]` tables).
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Catalog::from_toml(&text).map_err(|e| match e {
            CatalogError::Parse { source, .. } => CatalogError::Parse {
                path: path.display().to_string(),
                source,
            },
            other => other,
        })
    }

    /// Parses catalog TOML text.
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        let file: CatalogFile = toml::from_str(text).map_err(|e| CatalogError::Parse {
            path: "<text>".into(),
            source: Box::new(e),
        })?;
        Catalog::new(file.service)
    }

    /// Builds a catalog, checking codes are unique slugs, SLAs are positive and attribute
    /// definitions are sound (unique slug codes, values exactly for list types); attributes
    /// without an `order` are numbered in catalog order and all are sorted by it.
    pub fn new(mut services: Vec<Service>) -> Result<Catalog, CatalogError> {
        let mut by_key = HashMap::new();
        for s in services.iter_mut() {
            for (i, a) in s.attributes.iter_mut().enumerate() {
                a.order.get_or_insert(i as u32 + 1);
            }
            s.attributes.sort_by_key(|a| a.order);
        }
        for (index, s) in services.iter().enumerate() {
            let invalid = |reason: &str| CatalogError::Invalid {
                index: index + 1,
                code: s.code.clone(),
                reason: reason.to_string(),
            };
            if s.code.is_empty() || slug(&s.code) != s.code {
                return Err(invalid("code must be lower-case letters, digits and _"));
            }
            if s.name.trim().is_empty() {
                return Err(invalid("name is empty"));
            }
            if s.sla_days.is_some_and(|d| !(d > 0.0 && d.is_finite())) {
                return Err(invalid("sla_days must be a positive number"));
            }
            if by_key.contains_key(&key(&s.code)) {
                return Err(invalid("duplicate code"));
            }
            if let Some(problem) = s.attributes.iter().find_map(Attribute::problem) {
                return Err(invalid(&problem));
            }
            let mut codes = std::collections::HashSet::new();
            if let Some(a) = s.attributes.iter().find(|a| !codes.insert(&a.code)) {
                return Err(invalid(&format!("attribute {:?} twice", a.code)));
            }
            by_key.insert(key(&s.code), index);
        }
        // Names and aliases never shadow a code.
        for (index, s) in services.iter().enumerate() {
            let names = std::iter::once(&s.name).chain(s.aliases.values().flatten());
            for name in names {
                by_key.entry(key(name)).or_insert(index);
            }
        }
        Ok(Catalog { services, by_key })
    }

    /// All services in catalog order.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The service with this exact code.
    pub fn get(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    /// The SLA days of the service with this code (`None`: unknown code or no SLA).
    pub fn sla_days(&self, code: &str) -> Option<f64> {
        self.get(code).and_then(|s| s.sla_days)
    }

    /// The service a code, name or any source alias names (case-insensitive).
    pub fn lookup(&self, text: &str) -> Option<&Service> {
        self.by_key.get(&key(text)).map(|&i| &self.services[i])
    }

    /// Resolves a source's code and/or type name. A type that matches nothing is kept
    /// under its own name with a slug of it as code; `None` only when both are empty.
    pub fn resolve(&self, code: Option<&str>, name: Option<&str>) -> Option<Resolved<'_>> {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        for text in [code, name].into_iter().flatten() {
            if let Some(s) = self.lookup(text) {
                return Some(Resolved {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    service: Some(s),
                });
            }
        }
        let shown = name.or(code)?;
        let code = code.map(slug).unwrap_or_else(|| slug(shown));
        Some(Resolved {
            code,
            name: shown.to_string(),
            service: None,
        })
    }

    /// The service whose keyword (or code) appears in free text such as a file name,
    /// when exactly one service matches. Used to type files that carry no type column.
    pub fn infer_from_text(&self, text: &str) -> Option<&Service> {
        let hay = format!(" {} ", words(text));
        let mut found: Option<&Service> = None;
        for s in &self.services {
            let hit = std::iter::once(s.code.as_str())
                .chain(s.keywords.iter().map(String::as_str))
                .any(|k| hay.contains(&format!(" {} ", words(k))));
            if hit {
                if found.is_some_and(|f| f.code != s.code) {
                    return None;
                }
                found = Some(s);
            }
        }
        found
    }
}

/// Lookup key: lower case with runs of non-alphanumerics folded to one space.
fn key(text: &str) -> String {
    words(text)
}

fn words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for part in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&part.to_lowercase());
    }
    out
}

/// A service code made from a name: lower case, non-alphanumerics folded to `_`.
pub fn slug(text: &str) -> String {
    words(text).replace(' ', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Catalog {
        Catalog::load(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/catalog.toml"
        )))
        .unwrap()
    }

    #[test]
    fn resolves_codes_names_and_city_aliases() {
        let c = demo();
        for text in [
            "streetlight",
            "Street Light Outage",
            "STREET LIGHTS - ALL OUT",
            "Street Light Condition",
            "Street_Lights_Out",
        ] {
            assert_eq!(
                c.resolve(None, Some(text)).unwrap().code,
                "streetlight",
                "{text}"
            );
        }
        assert_eq!(
            c.resolve(Some("pothole"), Some("whatever")).unwrap().code,
            "pothole"
        );
    }

    #[test]
    fn unknown_types_are_kept_under_their_own_name() {
        let catalog = demo();
        let r = catalog
            .resolve(None, Some("DOF Property - Owner Issue"))
            .unwrap();
        assert_eq!(r.code, "dof_property_owner_issue");
        assert_eq!(r.name, "DOF Property - Owner Issue");
        assert!(r.service.is_none());
        assert!(demo().resolve(None, Some("  ")).is_none());
    }

    #[test]
    fn infers_type_from_file_names() {
        let c = demo();
        let code = |t: &str| c.infer_from_text(t).map(|s| s.code.clone());
        assert_eq!(
            code("chi311_2017_graffiti_points.csv").as_deref(),
            Some("graffiti")
        );
        assert_eq!(
            code("phl311_illegal_dumping_2024_points.csv").as_deref(),
            Some("illegal_dumping")
        );
        assert_eq!(
            code("chi311_2017_abandoned_cars_points").as_deref(),
            Some("abandoned_vehicle")
        );
        assert_eq!(code("requests.csv"), None);
    }

    #[test]
    fn rejects_bad_catalogs() {
        let bad = "[[service]]\ncode = \"Bad Code\"\nname = \"x\"\n";
        assert!(matches!(
            Catalog::from_toml(bad),
            Err(CatalogError::Invalid { .. })
        ));
        let dup =
            "[[service]]\ncode = \"a\"\nname = \"x\"\n[[service]]\ncode = \"a\"\nname = \"y\"\n";
        assert!(Catalog::from_toml(dup).is_err());
        let sla = "[[service]]\ncode = \"a\"\nname = \"x\"\nsla_days = -1\n";
        assert!(Catalog::from_toml(sla).is_err());
        let service = "[[service]]\ncode = \"a\"\nname = \"x\"\n[[service.attribute]]\n";
        for (attribute, why) in [
            ("code = \"Size\"\ndatatype = \"string\"\ndescription = \"d\"", "code"),
            ("code = \"size\"\ndatatype = \"singlevaluelist\"\ndescription = \"d\"", "values"),
            (
                "code = \"size\"\ndatatype = \"string\"\ndescription = \"d\"\nvalues = [{key = \"a\", name = \"A\"}]",
                "values",
            ),
            (
                "code = \"size\"\ndatatype = \"singlevaluelist\"\ndescription = \"d\"\nvalues = [{key = \"a\", name = \"A\"}, {key = \"a\", name = \"B\"}]",
                "twice",
            ),
            ("code = \"size\"\ndatatype = \"colour\"\ndescription = \"d\"", "colour"),
            ("code = \"size\"\ndatatype = \"string\"\ndescription = \"\"", "description"),
        ] {
            let err = Catalog::from_toml(&format!("{service}{attribute}\n"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{attribute}: {err}");
        }
    }

    #[test]
    fn demo_attributes_are_ordered_and_flag_metadata() {
        let c = demo();
        let pothole = c.get("pothole").unwrap();
        assert!(pothole.has_metadata());
        let size = pothole.attribute("size").unwrap();
        assert_eq!(size.datatype, Datatype::Singlevaluelist);
        assert!(size.value("large").is_some());
        let orders: Vec<u32> = pothole
            .attributes
            .iter()
            .map(|a| a.order.unwrap())
            .collect();
        assert!(orders.windows(2).all(|w| w[0] < w[1]), "{orders:?}");
        assert!(
            c.get("heat")
                .unwrap()
                .attribute("affected")
                .unwrap()
                .required
        );
        assert!(!c.get("graffiti").unwrap().has_metadata());
    }
}
