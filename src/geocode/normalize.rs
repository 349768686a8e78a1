//! Address normalization following USPS Publication 28.
//!
//! [`parse_address`] reads what residents and call-takers type ("1234 n broad street apt 2",
//! "2100 BLOCK S BROAD ST", "N 12th and Market", "1200-04 Walnut St, Phila PA 19107") into a
//! [`ParsedAddress`]; [`normalize_street_name`] reads a bare street name from reference data
//! (address points, centerlines) into the same [`StreetName`], so both sides meet on
//! [`StreetName::key`].
//!
//! The rules, in the order they apply:
//! 1. upper-case; keep letters, digits, `-` inside words and ranges, `/` in `1/2`, `#`, `&`,
//!    `@`, `,`, parentheses; drop `.` and apostrophes; everything else separates words
//!    (`½` reads `1/2`); a `( … )` note is dropped (nested, unclosed to the end; when only
//!    a note holds a numbered address, the note is the address);
//! 2. a trailing ZIP (`19107`, `19107-1234`), state (after a ZIP or a comma) and city (the
//!    last comma-separated part, or words after the street suffix) are split off;
//! 3. a numbered address ends before a cross street or alias once a street word follows
//!    its number: `AT`, `@`, `&`, `AND`, `/`, `NEAR`, `BETWEEN`, `AKA`, or a comma before
//!    another numbered address (`5501 N 5TH ST AT TABOR` is `5501 N 5TH ST`);
//!    without a house number, `A & B`, `A AND B`, `A AT B`, `A / B`, `A @ B`,
//!    `CORNER OF A AND B` are intersections; `PLACE @ 810 KELLY DR` is the address after
//!    the `@`;
//! 4. house number forms: `123`, `123A`, `123 1/2`, `1200-04`, `1200-1204`, and blocks
//!    `2100 BLOCK [OF]`, `2100 BLK`, `BLOCK OF 2100`;
//! 5. a unit designator (Appendix C2) with its number (`APT 2`, `# 3B`, `REAR`) is split off;
//! 6. the street suffix is the last Appendix C1 word that has a name word before it; a
//!    directional after it is the post-directional; a leading directional is the
//!    pre-directional unless it is the whole name (`NORTH ST`, `W NORTH AVE`);
//! 7. the name: a leading spelled ordinal or a bare number becomes `5TH`, `21ST`; a leading
//!    `ST`/`MT`/`FT` becomes `SAINT`/`MOUNT`/`FORT`; other words are kept as written.
//!
//! This module holds the two entry points, the cleaning (rule 1), intersections (rule 3) and
//! the assembly of a numbered address; the parts live in submodules, their public items
//! re-exported here:
//! * `address`: the result types and their USPS rendering;
//! * `notes`: parenthesized notes (rule 1) and cross streets after a number (rule 3);
//! * `locality`: the trailing city, state and ZIP code (rule 2);
//! * `house_number`: house numbers and ranges (rule 4);
//! * `unit`: secondary units (rule 5);
//! * `street`: street names, suffixes, directionals and ordinals (rules 6 and 7).

mod address;
mod house_number;
mod locality;
mod notes;
mod street;
mod unit;

use super::usps;
use house_number::{house_number, is_house_number};
use locality::{is_city, strip_locality, Locality};
use street::{append_qualifier, parse_street};
use unit::{find_unit, is_unit_id};

pub use address::{Dir, ParsedAddress, StreetAddress, StreetName, Unit};
pub use street::ordinal;

/// Longest input accepted, in bytes; longer text is not an address.
pub const MAX_INPUT_LEN: usize = 512;

/// Why an address could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NormalizeError {
    /// Nothing but spaces or punctuation.
    #[error("empty address")]
    Empty,
    /// Input longer than [`MAX_INPUT_LEN`].
    #[error("address is {len} bytes long, more than the {max} allowed")]
    TooLong { len: usize, max: usize },
    /// A house number (or one side of an intersection) without a street name.
    #[error("no street name in {0:?}")]
    NoStreetName(String),
    /// A house number that does not fit in 32 bits.
    #[error("house number {0:?} is too large")]
    NumberTooLarge(String),
    /// `BLOCK OF` without a number.
    #[error("block address without a block number: {0:?}")]
    NoBlockNumber(String),
}

/// Parses a free-form address into its normalized parts.
///
/// ```
/// use hotspot::geocode::{parse_address, ParsedAddress};
/// let ParsedAddress::Street(a) = parse_address("1234 n broad street apt 2").unwrap() else {
///     panic!()
/// };
/// assert_eq!((a.number, a.street.full().as_str()), (1234, "N BROAD ST"));
/// assert_eq!(a.unit.unwrap().to_string(), "APT 2");
/// ```
pub fn parse_address(input: &str) -> Result<ParsedAddress, NormalizeError> {
    if input.len() > MAX_INPUT_LEN {
        return Err(NormalizeError::TooLong {
            len: input.len(),
            max: MAX_INPUT_LEN,
        });
    }
    let cleaned = clean(input);
    let mut toks = notes::drop_parenthesized(cleaned.split_ascii_whitespace().collect());
    // connectors, `#` and commas cannot start or end an address
    let Some(first) = toks.iter().position(|t| is_word(t)) else {
        return Err(NormalizeError::Empty);
    };
    toks.drain(..first);
    while toks.last().is_some_and(|t| !is_word(t) && *t != ",") {
        toks.pop();
    }
    let mut locality = strip_locality(&mut toks);
    strip_corner_prefix(&mut toks);
    notes::cut_cross_street(&mut toks, &mut locality);
    toks.retain(|t| *t != ",");
    if let Some(p) = find_connector(&toks) {
        let (left, right) = (&toks[..p], &toks[p + 1..]);
        if matches!(toks[p], "@" | "AT") && is_house_number(right[0]) {
            let mut right = right.to_vec();
            notes::cut_cross_street(&mut right, &mut locality);
            return parse_numbered(right, locality, input);
        }
        if !is_house_number(left[0]) {
            let a = street_name_of(left, input)?;
            // the rendering must not start with a house number ("3B MT & ...")
            if !a.full().split(' ').next().is_some_and(is_house_number) {
                return Ok(ParsedAddress::Intersection(
                    a,
                    street_name_of(right, input)?,
                ));
            }
        }
    }
    parse_numbered(toks, locality, input)
}

/// Normalizes a bare street name from reference data: `N 12TH ST`, `Saint James Place`.
///
/// Words after the suffix (and post-directional) go to [`StreetName::qualifier`]. Empty
/// input gives an empty name.
pub fn normalize_street_name(input: &str) -> StreetName {
    let cleaned = clean(input);
    // parentheses separate words here, as spaces do
    let toks: Vec<&str> = cleaned
        .split_ascii_whitespace()
        .filter(|t| !matches!(*t, "(" | ")"))
        .collect();
    if toks.is_empty() {
        return StreetName::default();
    }
    let (mut street, rest) = parse_street(&toks, false);
    append_qualifier(&mut street, rest);
    street
}

/// Whether a token has a letter or digit (is not `&`, `#`, `/`, `,` ...).
fn is_word(t: &str) -> bool {
    t.chars().any(char::is_alphanumeric)
}

/// Upper-cases and keeps only the characters that carry meaning (see the module doc).
fn clean(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    let mut chars = input.chars();
    while let Some(c) = chars.next() {
        let prev = out.chars().next_back().unwrap_or(' ');
        let mut ahead = chars.clone();
        let (n1, n2) = (ahead.next().unwrap_or(' '), ahead.next().unwrap_or(' '));
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => out.push(c.to_ascii_uppercase()),
            '½' => out.push_str(" 1/2 "),
            '-' if prev.is_alphanumeric() && n1.is_alphanumeric() => out.push('-'),
            '/' if prev.is_ascii_digit() && n1.is_ascii_digit() => out.push('/'),
            '/' | '#' | '&' | '@' | ',' | '(' | ')' => {
                out.push(' ');
                out.push(c);
                out.push(' ');
            }
            '[' | '{' => out.push_str(" ( "),
            ']' | '}' => out.push_str(" ) "),
            // N.BROAD → N BROAD, but N.E. → NE and ST. → ST
            '.' if n1.is_alphabetic() && n2 != '.' => out.push(' '),
            '.' | '\'' | '’' | '`' => {}
            c if c.is_alphanumeric() => out.extend(c.to_uppercase()),
            _ => out.push(' '),
        }
    }
    out
}

/// Drops a leading `CORNER OF` / `INTERSECTION OF`.
fn strip_corner_prefix(toks: &mut Vec<&str>) {
    if toks.len() > 2 && matches!(toks[0], "CORNER" | "CRNR" | "INTERSECTION") {
        let n = if toks[1] == "OF" { 2 } else { 1 };
        toks.drain(..n);
    }
}

/// Index of the first intersection connector with words on both sides.
fn find_connector(toks: &[&str]) -> Option<usize> {
    let end = toks.len().saturating_sub(1);
    (1..end).find(|&i| matches!(toks[i], "&" | "AND" | "AT" | "@" | "/"))
}

/// One side of an intersection.
fn street_name_of(toks: &[&str], input: &str) -> Result<StreetName, NormalizeError> {
    let words: Vec<&str> = toks.iter().copied().filter(|t| is_word(t)).collect();
    if words.is_empty() {
        return Err(NormalizeError::NoStreetName(input.to_string()));
    }
    let (mut street, rest) = parse_street(&words, false);
    append_qualifier(&mut street, rest);
    Ok(street)
}

/// `BLOCK` or `BLK`.
fn is_block_word(t: Option<&&str>) -> bool {
    matches!(t, Some(&"BLOCK" | &"BLK"))
}

/// An address that may start with a house number or a block.
fn parse_numbered(
    mut toks: Vec<&str>,
    loc: Locality,
    input: &str,
) -> Result<ParsedAddress, NormalizeError> {
    let mut i = 0;
    let mut block = false;
    if is_block_word(toks.first()) {
        block = true;
        i = if toks.get(1) == Some(&"OF") { 2 } else { 1 };
    }
    // "S 2100 MCKEAN ST": the directional belongs after the number
    if toks.len() > i + 2 && Dir::parse(toks[i]).is_some() && is_house_number(toks[i + 1]) {
        toks.swap(i, i + 1);
    }
    let Some(number) = toks.get(i).copied().filter(|t| is_house_number(t)) else {
        if block {
            return Err(NormalizeError::NoBlockNumber(input.to_string()));
        }
        let words: Vec<&str> = toks.iter().copied().filter(|t| is_word(t)).collect();
        if words.len() < toks.len() {
            // "N # 3B ST" reads as "N 3B ST" would
            return parse_numbered(words, loc, input);
        }
        return street_name_of(&toks, input).map(ParsedAddress::StreetOnly);
    };
    let mut addr = house_number(number)?;
    // stray connectors after a house number carry nothing; `#` only before a unit number
    let rest: Vec<&str> = (i + 1..toks.len())
        .filter(|&j| {
            is_word(toks[j]) || (toks[j] == "#" && toks.get(j + 1).is_some_and(|t| is_word(t)))
        })
        .map(|j| toks[j])
        .collect();
    let street_toks = after_number(&mut addr, &rest, &mut block);
    if street_toks.first().is_none_or(|t| *t == "#") {
        return Err(NormalizeError::NoStreetName(input.to_string()));
    }
    fill_street(&mut addr, street_toks, loc);
    Ok(if block {
        ParsedAddress::Block(addr)
    } else {
        ParsedAddress::Street(addr)
    })
}

/// Consumes `1/2` and `BLOCK [OF]` after the house number; returns the street words.
fn after_number<'t, 'a>(
    addr: &mut StreetAddress,
    mut toks: &'t [&'a str],
    block: &mut bool,
) -> &'t [&'a str] {
    if let ["1/2", tail @ ..] = toks {
        addr.half = true;
        toks = tail;
    }
    if is_block_word(toks.first()) {
        *block = true;
        toks = match toks {
            [_, "OF", tail @ ..] => tail,
            [_, tail @ ..] => tail,
            [] => toks,
        };
    }
    toks
}

/// Street, unit and any trailing city words of a numbered address.
fn fill_street(addr: &mut StreetAddress, toks: &[&str], loc: Locality) {
    addr.city = loc.city;
    addr.state = loc.state;
    addr.zipcode = loc.zipcode;
    addr.zip4 = loc.zip4;
    let (street_toks, after_unit) = match find_unit(toks) {
        Some((start, unit, end)) => {
            addr.unit = Some(unit);
            (&toks[..start], &toks[end..])
        }
        None => (toks, &toks[toks.len()..]),
    };
    // a `#` that introduced no unit is noise
    let words: Vec<&str> = street_toks.iter().copied().filter(|t| is_word(t)).collect();
    let (street, rest) = parse_street(&words, true);
    addr.street = street;
    absorb_tail(addr, rest, true);
    let after_unit: Vec<&str> = after_unit.iter().copied().filter(|t| is_word(t)).collect();
    absorb_tail(addr, &after_unit, false);
}

/// Words left after the street: a bare unit number (`SPRUCE ST 20`), a state, a city;
/// anything else joins the street's qualifier when `keep_rest` (words right after the
/// suffix) or is dropped (words after a unit).
fn absorb_tail(addr: &mut StreetAddress, mut tail: &[&str], keep_rest: bool) {
    if tail.is_empty() {
        return;
    }
    if addr.unit.is_none() && tail.len() == 1 && is_unit_id(tail[0]) {
        addr.unit = Some(Unit {
            designator: "#".to_string(),
            id: Some(tail[0].to_string()),
        });
        return;
    }
    if let [rest @ .., last] = tail {
        if addr.state.is_none() && !rest.is_empty() && usps::is_state(last) {
            addr.state = Some(last.to_string());
            tail = rest;
        }
    }
    if addr.city.is_none() && is_city(tail) {
        addr.city = Some(tail.join(" "));
    } else if keep_rest {
        append_qualifier(&mut addr.street, tail);
    }
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
