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

    /// Builds a catalog, checking codes are unique slugs and SLAs are positive.
    pub fn new(services: Vec<Service>) -> Result<Catalog, CatalogError> {
        let mut by_key = HashMap::new();
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
    }
}
