//! The answers a POST gives to a service's attributes (`attribute[code]=value`, and
//! `attribute[code][]=value` repeated for a multivaluelist), checked against the service
//! definition of the catalog. Every problem is reported, each naming `attribute[code]`.

use std::collections::BTreeMap;

use chrono_tz::Tz;

use super::super::params::datetime;
use super::super::ApiError;
use crate::catalog::{Attribute, Datatype, Service};
use crate::time::{format_local, Bound};

/// Longest `string` answer, in characters.
const MAX_STRING_CHARS: usize = 256;
/// Longest `text` answer, in characters.
const MAX_TEXT_CHARS: usize = 4_000;

/// The field name of an attribute, as errors name it.
fn field(code: &str) -> String {
    format!("attribute[{code}]")
}

/// The attribute code of a POST field name: `attribute[code]` → (`code`, false),
/// `attribute[code][]` → (`code`, true); `None` for other names.
pub fn attribute_name(name: &str) -> Option<(&str, bool)> {
    let inner = name.strip_prefix("attribute[")?;
    let (code, list) = match inner.strip_suffix("][]") {
        Some(code) => (code, true),
        None => (inner.strip_suffix(']')?, false),
    };
    (!code.is_empty() && !code.contains(['[', ']'])).then_some((code, list))
}

/// Checks `given` (code → values as sent) against `service`'s attributes: unknown codes,
/// informational attributes given a value, required ones missing, several values where one
/// is taken, values not of the datatype or not keys of the list. Blank values are absent.
/// Returns the answers to store (trimmed; list keys in the order given, once each;
/// datetimes as RFC 3339 in the city's zone) or every problem found.
pub fn check(
    service: &Service,
    given: &BTreeMap<String, Vec<String>>,
    tz: Tz,
) -> Result<BTreeMap<String, Vec<String>>, Vec<ApiError>> {
    let mut errors = Vec::new();
    let mut answers = BTreeMap::new();
    for code in given.keys() {
        if service.attribute(code).is_none() {
            let known: Vec<&str> = service.attributes.iter().map(|a| a.code.as_str()).collect();
            let known = if known.is_empty() {
                "it defines none".to_string()
            } else {
                format!("its attributes are {}", known.join(", "))
            };
            errors.push(ApiError::bad(
                field(code),
                format!(
                    "is not an attribute of service {:?} ({known}; see services/{}.json)",
                    service.code, service.code
                ),
            ));
        }
    }
    for attribute in &service.attributes {
        let values: Vec<&str> = given
            .get(&attribute.code)
            .into_iter()
            .flatten()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        match answer(attribute, &values, tz) {
            Ok(Some(stored)) => {
                answers.insert(attribute.code.clone(), stored);
            }
            Ok(None) => {}
            Err(reason) => errors.push(ApiError::bad(field(&attribute.code), reason)),
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

/// The stored answer to one attribute (`None`: not answered), or why `values` is refused.
fn answer(a: &Attribute, values: &[&str], tz: Tz) -> Result<Option<Vec<String>>, String> {
    if values.is_empty() {
        return if a.required {
            Err(format!("is required ({})", a.description))
        } else {
            Ok(None)
        };
    }
    if !a.variable {
        return Err("is informational and takes no value".into());
    }
    if a.datatype != Datatype::Multivaluelist && values.len() > 1 {
        return Err(format!(
            "takes one value ({}), {} were given",
            a.datatype.as_str(),
            values.len()
        ));
    }
    let mut stored: Vec<String> = Vec::with_capacity(values.len());
    for &v in values {
        let value = typed(a, v, tz)?;
        if !stored.contains(&value) {
            stored.push(value);
        }
    }
    Ok(Some(stored))
}

/// One value checked against the attribute's datatype, as it is stored.
fn typed(a: &Attribute, v: &str, tz: Tz) -> Result<String, String> {
    let chars = v.chars().count();
    let control = |allowed: &[char]| v.chars().any(|c| c.is_control() && !allowed.contains(&c));
    match a.datatype {
        Datatype::String | Datatype::Text => {
            let (max, allowed): (usize, &[char]) = if a.datatype == Datatype::String {
                (MAX_STRING_CHARS, &[])
            } else {
                (MAX_TEXT_CHARS, &['\n', '\r', '\t'])
            };
            if chars > max {
                Err(format!(
                    "is {chars} characters long; at most {max} are accepted"
                ))
            } else if control(allowed) {
                Err("contains control characters".into())
            } else {
                Ok(v.to_string())
            }
        }
        Datatype::Number => match v.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(v.to_string()),
            _ => Err(format!("{v:?} is not a number")),
        },
        Datatype::Datetime => datetime("", v, tz, Bound::Start)
            .map(|t| format_local(t, tz))
            .map_err(|e| match e {
                ApiError::BadRequest { reason, .. } => reason,
                other => other.to_string(),
            }),
        Datatype::Singlevaluelist | Datatype::Multivaluelist => match a.value(v) {
            Some(value) => Ok(value.key.clone()),
            None => {
                let keys: Vec<&str> = a.values.iter().map(|x| x.key.as_str()).collect();
                Err(format!("{v:?} is not one of {}", keys.join(", ")))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attribute_field_names() {
        assert_eq!(attribute_name("attribute[size]"), Some(("size", false)));
        assert_eq!(
            attribute_name("attribute[materials][]"),
            Some(("materials", true))
        );
        for other in [
            "attribute[]",
            "attribute[a",
            "attributes[a]",
            "attribute[a][b]",
            "lat",
        ] {
            assert_eq!(attribute_name(other), None, "{other}");
        }
    }
}
