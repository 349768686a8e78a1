//! Secondary units (USPS Appendix C2): a designator and its number, `APT 2`, `# 3B`, `REAR`.

use super::{Dir, Unit};
use crate::geocode::usps;

/// A unit designator (`APT`, `#`, ...): what comes after it is no ZIP code.
pub(super) fn is_unit_marker(t: &str) -> bool {
    usps::unit(t).is_some()
}

/// A unit number: has a digit, or is one or two letters (`2`, `3B`, `B`, `B-1`).
pub(super) fn is_unit_id(t: &str) -> bool {
    let ok_chars = t.chars().all(|c| c.is_alphanumeric() || c == '-');
    ok_chars && (t.bytes().any(|b| b.is_ascii_digit()) || t.chars().count() <= 2)
}

/// Finds a unit designator and its number: (designator index, unit, index after the unit).
pub(super) fn find_unit(toks: &[&str]) -> Option<(usize, Unit, usize)> {
    (1..toks.len()).find_map(|i| unit_at(toks, i))
}

/// The unit whose designator is `toks[i]`, if it reads as one there.
fn unit_at(toks: &[&str], i: usize) -> Option<(usize, Unit, usize)> {
    let d = usps::unit(toks[i])?;
    // a name word (not only a directional) must come before the unit
    if toks[..i].iter().all(|t| Dir::parse(t).is_some()) {
        return None;
    }
    let mut j = i + 1;
    if d.abbr != "#" && toks.get(j) == Some(&"#") {
        j += 1;
    }
    // a directional id is written short: UNIT NORTH → UNIT N
    let id = toks.get(j).copied().and_then(|t| match Dir::parse(t) {
        Some(d) => Some(d.as_str()),
        None => Some(t).filter(|t| is_unit_id(t)),
    });
    let unit = |id: Option<&str>| Unit {
        designator: d.abbr.to_string(),
        id: id.map(str::to_string),
    };
    if d.needs_id {
        return id.map(|id| (i, unit(Some(id)), j + 1));
    }
    // REAR, FRNT, ...: only after a complete street (a suffix word), so W SIDE AVE stays
    if !toks[1..i].iter().any(|t| usps::suffix(t).is_some()) {
        return None;
    }
    Some(match id {
        Some(id) => (i, unit(Some(id)), j + 1),
        None => (i, unit(None), i + 1),
    })
}
