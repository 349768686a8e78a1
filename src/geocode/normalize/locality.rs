//! The trailing city, state and ZIP code of an address (`..., PHILA, PA 19107-1234`).

use super::unit::is_unit_marker;
use super::Dir;
use crate::geocode::usps;

/// City, state and ZIP split off the end of an address.
#[derive(Default)]
pub(super) struct Locality {
    pub(super) city: Option<String>,
    pub(super) state: Option<String>,
    pub(super) zipcode: Option<String>,
    pub(super) zip4: Option<String>,
}

impl Locality {
    /// Takes the parts `self` lacks from `other` (a ZIP with its plus-4).
    pub(super) fn fill_from(&mut self, other: Locality) {
        self.city = self.city.take().or(other.city);
        self.state = self.state.take().or(other.state);
        if self.zipcode.is_none() {
            self.zipcode = other.zipcode;
            self.zip4 = other.zip4;
        }
    }
}

/// Removes a trailing `[, CITY][,] [STATE] [ZIP[-PLUS4]]` from `toks`; commas between
/// the other words stay (a comma may end the address before a note).
pub(super) fn strip_locality(toks: &mut Vec<&str>) -> Locality {
    let mut loc = Locality::default();
    trim_commas(toks);
    if let [.., prev, last] = toks.as_slice() {
        if toks.len() >= 3 && !is_unit_marker(prev) {
            if let Some((zip, plus4)) = split_zip(last) {
                loc.zipcode = Some(zip.to_string());
                loc.zip4 = plus4.map(str::to_string);
                toks.pop();
                trim_commas(toks);
            }
        }
    }
    if let [.., prev, last] = toks.as_slice() {
        let after_comma = *prev == ",";
        let post_dir = *last == "NE" && usps::suffix(prev).is_some();
        if toks.len() >= 3
            && usps::is_state(last)
            && (loc.zipcode.is_some() || after_comma)
            && !post_dir
        {
            loc.state = Some(last.to_string());
            toks.pop();
            trim_commas(toks);
        }
    }
    if let Some(c) = toks.iter().rposition(|t| *t == ",") {
        if is_city(&toks[c + 1..]) {
            loc.city = Some(toks[c + 1..].join(" "));
            toks.truncate(c);
        }
    }
    trim_commas(toks);
    loc
}

fn trim_commas(toks: &mut Vec<&str>) {
    while toks.last() == Some(&",") {
        toks.pop();
    }
}

/// A comma-separated part that reads as a city: words only, not a unit or a directional.
pub(super) fn is_city(seg: &[&str]) -> bool {
    let Some(first) = seg.first() else {
        return false;
    };
    let words = seg
        .iter()
        .all(|t| t.chars().all(char::is_alphabetic) && *t != ",");
    words && usps::unit(first).is_none() && !(seg.len() == 1 && Dir::parse(first).is_some())
}

/// `19107` → ("19107", None); `19107-1234` and `191071234` → ("19107", Some("1234")).
fn split_zip(t: &str) -> Option<(&str, Option<&str>)> {
    // byte offsets below are char boundaries only in ASCII (`1234́5-6789` is no ZIP)
    if !t.is_ascii() {
        return None;
    }
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match t.len() {
        5 if digits(t, 5) => Some((t, None)),
        9 if digits(t, 9) => Some((&t[..5], Some(&t[5..]))),
        10 if digits(&t[..5], 5) && &t[5..6] == "-" && digits(&t[6..], 4) => {
            Some((&t[..5], Some(&t[6..])))
        }
        _ => None,
    }
}
