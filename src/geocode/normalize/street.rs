//! Street names: the suffix (USPS Appendix C1), pre- and post-directionals, qualifiers, and
//! the name words with their ordinals (`FIFTH` → `5TH`) and `SAINT`/`MOUNT`/`FORT`.

use std::borrow::Cow;

use super::{Dir, StreetName};
use crate::geocode::usps;

/// Common street types that, in a typed address, end the street even when more words
/// follow: `GERMANTOWN AVE CHESTNUT HILL` is AVE in the CHESTNUT HILL neighborhood.
const PRIMARY_TYPES: &[&str] = &[
    "AVE", "BLVD", "CIR", "CT", "DR", "EXPY", "HWY", "LN", "PKWY", "PL", "RD", "ST", "TER",
];

/// The suffix word of a street: the last suffix word with a name word before it; with
/// `typed`, an earlier common type (ST, AVE, ...) after a name word wins unless a suffix
/// word that ends the street follows it (`23RD STREET DR`, `MARKET ST RAMP` keep the last).
fn find_suffix(toks: &[&str], typed: bool) -> Option<(usize, &'static str)> {
    let n = toks.len();
    let primary = |i: usize| {
        let s = usps::suffix(toks[i]).filter(|s| PRIMARY_TYPES.contains(s))?;
        let named = toks[..i].iter().any(|t| Dir::parse(t).is_none());
        // a suffix word right after that ends the street takes over (23RD STREET DR,
        // MARKET ST RAMP A); one that starts a city does not (MAIN ST FORT WASHINGTON)
        let ends_street = |j: usize| j >= n || Dir::parse(toks[j]).is_some();
        let next_takes_over = toks
            .get(i + 1)
            .and_then(|t| usps::suffix(t))
            .is_some_and(|next| matches!(next, "RAMP" | "SPUR") || ends_street(i + 2));
        (named && !next_takes_over).then_some((i, s))
    };
    if typed {
        if let Some(found) = (1..n).find_map(primary) {
            return Some(found);
        }
    }
    (1..n)
        .rev()
        .find_map(|i| usps::suffix(toks[i]).map(|s| (i, s)))
}

/// Splits street tokens into a [`StreetName`] and the words after it; `typed` for
/// free-form addresses (see [`find_suffix`]).
pub(super) fn parse_street<'t, 'a>(
    toks: &'t [&'a str],
    typed: bool,
) -> (StreetName, &'t [&'a str]) {
    let n = toks.len();
    let found = find_suffix(toks, typed);
    let mut street = StreetName::default();
    let (mut name_end, mut rest_start) = (n, n);
    if let Some((k, sfx)) = found {
        street.suffix = Some(sfx.to_string());
        name_end = k;
        rest_start = k + 1;
        if let Some(d) = toks.get(k + 1).and_then(|t| Dir::parse(t)) {
            street.post_dir = Some(d);
            rest_start += 1;
        } else if matches!(sfx, "RAMP" | "SPUR") && k + 1 < n {
            street.qualifier = Some(toks[k + 1].to_string());
            rest_start += 1;
        }
    }
    let mut start = 0;
    if name_end >= 2 {
        street.pre_dir = Dir::parse(toks[0]);
        start = usize::from(street.pre_dir.is_some());
    }
    if found.is_none() && name_end - start >= 2 {
        street.post_dir = Dir::parse(toks[name_end - 1]);
        name_end -= usize::from(street.post_dir.is_some());
    }
    street.name = build_name(&toks[start..name_end]);
    (street, &toks[rest_start..])
}

/// Joins trailing words into the qualifier.
pub(super) fn append_qualifier(street: &mut StreetName, rest: &[&str]) {
    if rest.is_empty() {
        return;
    }
    let mut q = street.qualifier.take().unwrap_or_default();
    for t in rest {
        if !q.is_empty() {
            q.push(' ');
        }
        q.push_str(t);
    }
    street.qualifier = Some(q);
}

/// Joins name words, normalizing ordinals and SAINT/MOUNT/FORT.
fn build_name(toks: &[&str]) -> String {
    let mut out = String::with_capacity(toks.iter().map(|t| t.len() + 1).sum());
    let mut i = 0;
    while i < toks.len() {
        let (word, used) = name_word(toks, i);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
        i += used;
    }
    out
}

/// The normalized name word at `toks[i]` and how many tokens it took.
fn name_word<'a>(toks: &[&'a str], i: usize) -> (Cow<'a, str>, usize) {
    let t = toks[i];
    // spelled ordinals lead the name (FIFTH ST, TWENTY FIRST ST), but OLD SECOND ST stays
    if i == 0 {
        if let Some(ord) = spelled_ordinal_at(toks) {
            return ord;
        }
    }
    if let Some(n) = numeric_ordinal(t) {
        return (ordinal(n).into(), 1);
    }
    let only_word = toks.len() == 1;
    if only_word && t.len() <= 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = t.parse::<u32>() {
            if n > 0 {
                return (ordinal(n).into(), 1);
            }
        }
    }
    if i == 0 && !only_word {
        match t {
            "ST" => return ("SAINT".into(), 1),
            "MT" => return ("MOUNT".into(), 1),
            "FT" => return ("FORT".into(), 1),
            _ => {}
        }
    }
    (t.into(), 1)
}

/// A spelled ordinal at the start of `toks`: `FIFTH`, `TWENTY-FIRST`, `TWENTY FIRST`.
fn spelled_ordinal_at<'a>(toks: &[&'a str]) -> Option<(Cow<'a, str>, usize)> {
    let t = toks.first()?;
    let unit = toks.get(1).and_then(|u| usps::small_ordinal(u));
    if let (Some(tens), Some(unit)) = (usps::tens_cardinal(t), unit) {
        if unit < 10 {
            return Some((ordinal(tens + unit).into(), 2));
        }
    }
    usps::spelled_ordinal(t).map(|n| (ordinal(n).into(), 1))
}

/// `5TH`, `03RD`, `21TH` → 5, 3, 21 (digits followed by an ordinal ending).
fn numeric_ordinal(t: &str) -> Option<u32> {
    let d = t.bytes().take_while(u8::is_ascii_digit).count();
    if d == 0 || d > 4 || !matches!(&t[d..], "ST" | "ND" | "RD" | "TH") {
        return None;
    }
    t[..d].parse().ok().filter(|n| *n > 0)
}

/// 1 → `1ST`, 12 → `12TH`, 22 → `22ND`.
pub fn ordinal(n: u32) -> String {
    let end = match (n % 10, n % 100) {
        (_, 11..=13) => "TH",
        (1, _) => "ST",
        (2, _) => "ND",
        (3, _) => "RD",
        _ => "TH",
    };
    format!("{n}{end}")
}
