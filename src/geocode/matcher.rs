//! Finds the reference streets a parsed street name may mean: the exact normalized name, an
//! alias, the same name with a missing or different suffix or directional, or a name a
//! typo or two away (Damerau–Levenshtein).

use super::reference::Reference;
use super::{Dir, StreetName};

/// Score lost for a part the query leaves out (suffix, directional).
const MISSING: f64 = 0.02;
/// Score lost for a part the reference does not have.
const EXTRA: f64 = 0.05;
/// Score lost for a part that contradicts the reference (`AVE` for `ST`, `S` for `N`).
const CONTRADICTS: f64 = 0.15;
/// Score lost per edit of the name.
const PER_EDIT: f64 = 0.12;

/// A reference street a query name may mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreetHit {
    pub street: u32,
    /// Score lost by the differences between query and reference name.
    pub penalty: f64,
    /// The name matched only approximately (a typo, or a contradicting suffix or directional).
    pub fuzzy: bool,
}

/// Edits allowed in a name of `len` characters; names with digits must match exactly.
fn max_edits(name: &str) -> usize {
    if name.bytes().any(|b| b.is_ascii_digit()) {
        return 0;
    }
    match name.len() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Compares one optional part: (penalty, contradicts).
fn part<T: PartialEq>(query: Option<T>, reference: Option<T>) -> (f64, bool) {
    match (query, reference) {
        (Some(q), Some(r)) if q == r => (0.0, false),
        (Some(_), Some(_)) => (CONTRADICTS, true),
        (None, Some(_)) => (MISSING, false),
        (Some(_), None) => (EXTRA, false),
        (None, None) => (0.0, false),
    }
}

/// How far `reference` is from `query` apart from the name itself.
fn parts_penalty(query: &StreetName, reference: &StreetName) -> (f64, bool) {
    // a directional written before the name that the reference puts after it (or back)
    let swap = |a: Option<Dir>, b: Option<Dir>| a.is_some() && a == b;
    let moved = (query.post_dir.is_none()
        && reference.pre_dir.is_none()
        && swap(query.pre_dir, reference.post_dir))
        || (query.pre_dir.is_none()
            && reference.post_dir.is_none()
            && swap(query.post_dir, reference.pre_dir));
    let (pre, post) = if moved {
        ((MISSING, false), (0.0, false))
    } else {
        (
            part(query.pre_dir, reference.pre_dir),
            part(query.post_dir, reference.post_dir),
        )
    };
    let suffix = part(query.suffix.as_deref(), reference.suffix.as_deref());
    let qualifier = match (&query.qualifier, &reference.qualifier) {
        (a, b) if a == b => (0.0, false),
        _ => (EXTRA, false),
    };
    let all = [pre, post, suffix, qualifier];
    (all.iter().map(|p| p.0).sum(), all.iter().any(|p| p.1))
}

/// The streets `name` may mean, most likely first; empty when none is close.
pub fn resolve(reference: &Reference, name: &StreetName) -> Vec<StreetHit> {
    if let Some(street) = reference.street_by_key(&name.key()) {
        return vec![StreetHit {
            street,
            penalty: 0.0,
            fuzzy: false,
        }];
    }
    let aliased: Vec<StreetHit> = reference
        .streets_by_alias(&name.key())
        .iter()
        .map(|&street| StreetHit {
            street,
            penalty: MISSING,
            fuzzy: false,
        })
        .collect();
    if !aliased.is_empty() {
        return aliased;
    }
    let bare: String = name.name.chars().filter(|c| *c != ' ').collect();
    let mut hits = same_name(reference, name, reference.streets_by_bare(&bare), 0);
    if hits.is_empty() {
        hits = typos(reference, name, &bare);
    }
    hits.sort_by(|a, b| a.penalty.total_cmp(&b.penalty));
    hits
}

/// Streets among `streets` (all with the query's name, up to `edits` typos) scored by parts.
fn same_name(
    reference: &Reference,
    name: &StreetName,
    streets: &[u32],
    edits: usize,
) -> Vec<StreetHit> {
    streets
        .iter()
        .map(|&street| {
            let (penalty, contradicts) =
                parts_penalty(name, &reference.streets[street as usize].name);
            StreetHit {
                street,
                penalty: penalty + PER_EDIT * edits as f64,
                fuzzy: contradicts || edits > 0,
            }
        })
        .collect()
}

/// Streets whose name is the fewest edits (within [`max_edits`]) from `bare`.
fn typos(reference: &Reference, name: &StreetName, bare: &str) -> Vec<StreetHit> {
    let allowed = max_edits(bare);
    if allowed == 0 {
        return Vec::new();
    }
    let mut best = allowed + 1;
    let mut found: Vec<&[u32]> = Vec::new();
    for (candidate, streets) in reference.bare_names() {
        if candidate.len().abs_diff(bare.len()) > allowed || max_edits(candidate) == 0 {
            continue;
        }
        let d = strsim::damerau_levenshtein(bare, candidate);
        if d < best {
            best = d;
            found.clear();
        }
        if d == best {
            found.push(streets);
        }
    }
    found
        .into_iter()
        .flat_map(|streets| same_name(reference, name, streets, best))
        .collect()
}

/// Street names most similar to `name` (normalized Damerau–Levenshtein of the names
/// without suffix and directionals, at least 0.5), best first: suggestions for an address
/// that matched nothing.
pub fn similar(reference: &Reference, name: &StreetName, limit: usize) -> Vec<(u32, f64)> {
    let bare: String = name.name.chars().filter(|c| *c != ' ').collect();
    let mut scored: Vec<(u32, f64)> = reference
        .streets
        .iter()
        .enumerate()
        .map(|(k, s)| {
            (
                k as u32,
                strsim::normalized_damerau_levenshtein(&bare, &s.bare),
            )
        })
        .filter(|(_, sim)| *sim >= 0.5)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(limit);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geocode::normalize_street_name;
    use std::path::PathBuf;

    fn reference(streets: &[&str]) -> Reference {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("a.csv");
        let mut text = String::from("LON,LAT,NUMBER,STREET\n");
        for s in streets {
            text.push_str(&format!("-75.1,39.9,1,{s}\n"));
        }
        std::fs::write(&path, text).unwrap();
        Reference::load(&[path], None).unwrap()
    }

    fn names(r: &Reference, query: &str) -> Vec<(String, bool)> {
        resolve(r, &normalize_street_name(query))
            .into_iter()
            .map(|h| (r.streets[h.street as usize].full.clone(), h.fuzzy))
            .collect()
    }

    #[test]
    fn exact_partial_and_fuzzy() {
        let r = reference(&[
            "N 5TH ST",
            "S 5TH ST",
            "MARKET ST",
            "SPRING GARDEN ST",
            "N 6TH ST",
            "CENTENNIAL SQ E",
        ]);
        assert_eq!(names(&r, "Market Street"), [("MARKET ST".into(), false)]);
        // missing suffix, missing directional (both sides of the city)
        assert_eq!(names(&r, "market"), [("MARKET ST".into(), false)]);
        let both = names(&r, "5th st");
        assert_eq!(both.len(), 2, "{both:?}");
        // contradicting suffix is fuzzy, but still found
        assert_eq!(names(&r, "Market Ave"), [("MARKET ST".into(), true)]);
        // one typo, a transposition, a split name
        assert_eq!(names(&r, "Markrt St"), [("MARKET ST".into(), true)]);
        assert_eq!(
            names(&r, "Spring Gradne St"),
            [("SPRING GARDEN ST".into(), true)]
        );
        assert_eq!(
            names(&r, "Springgarden St"),
            [("SPRING GARDEN ST".into(), false)]
        );
        // directional moved to the other end
        assert_eq!(
            names(&r, "E Centennial Sq"),
            [("CENTENNIAL SQ E".into(), false)]
        );
        // ordinals never match by edit distance: 7TH is not 6TH
        assert!(names(&r, "N 7th St").is_empty());
        assert!(names(&r, "Walnut St").is_empty());
        let sim = similar(&r, &normalize_street_name("MARKT"), 3);
        assert_eq!(r.streets[sim[0].0 as usize].full, "MARKET ST");
    }

    #[test]
    fn exact_beats_partial_in_penalty() {
        let r = reference(&["N 5TH ST", "S 5TH ST"]);
        let hits = resolve(&r, &normalize_street_name("N 5TH AVE"));
        let first = &r.streets[hits[0].street as usize].full;
        assert_eq!(first, "N 5TH ST");
        assert!(hits[0].penalty < hits[1].penalty);
    }
}
