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
//!    `@`, `,`; drop `.` and apostrophes; everything else separates words (`½` reads `1/2`);
//! 2. a trailing ZIP (`19107`, `19107-1234`), state (after a ZIP or a comma) and city (the
//!    last comma-separated part, or words after the street suffix) are split off;
//! 3. `A & B`, `A AND B`, `A AT B`, `A / B`, `A @ B`, `CORNER OF A AND B` are intersections;
//!    `PLACE @ 810 KELLY DR` is the address after the `@`;
//! 4. house number forms: `123`, `123A`, `123 1/2`, `1200-04`, `1200-1204`, and blocks
//!    `2100 BLOCK [OF]`, `2100 BLK`, `BLOCK OF 2100`;
//! 5. a unit designator (Appendix C2) with its number (`APT 2`, `# 3B`, `REAR`) is split off;
//! 6. the street suffix is the last Appendix C1 word that has a name word before it; a
//!    directional after it is the post-directional; a leading directional is the
//!    pre-directional unless it is the whole name (`NORTH ST`, `W NORTH AVE`);
//! 7. the name: a leading spelled ordinal or a bare number becomes `5TH`, `21ST`; a leading
//!    `ST`/`MT`/`FT` becomes `SAINT`/`MOUNT`/`FORT`; other words are kept as written.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::usps;

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

/// A street directional, in its USPS one- or two-letter form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dir {
    N,
    S,
    E,
    W,
    NE,
    NW,
    SE,
    SW,
}

impl Dir {
    /// Reads `N`, `NORTH`, `NE`, `NORTHEAST`, `NORTH-EAST`, ... (upper case).
    pub fn parse(word: &str) -> Option<Dir> {
        Some(match word {
            "N" | "NORTH" => Dir::N,
            "S" | "SOUTH" => Dir::S,
            "E" | "EAST" => Dir::E,
            "W" | "WEST" => Dir::W,
            "NE" | "NORTHEAST" | "NORTH-EAST" => Dir::NE,
            "NW" | "NORTHWEST" | "NORTH-WEST" => Dir::NW,
            "SE" | "SOUTHEAST" | "SOUTH-EAST" => Dir::SE,
            "SW" | "SOUTHWEST" | "SOUTH-WEST" => Dir::SW,
            _ => return None,
        })
    }

    /// The standard abbreviation: `N`, `NE`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::N => "N",
            Dir::S => "S",
            Dir::E => "E",
            Dir::W => "W",
            Dir::NE => "NE",
            Dir::NW => "NW",
            Dir::SE => "SE",
            Dir::SW => "SW",
        }
    }
}

impl fmt::Display for Dir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A normalized street name: `N 5TH ST`, `SAINT JAMES PL`, `CENTENNIAL SQ E`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct StreetName {
    /// Pre-directional (`N` in `N 5TH ST`).
    pub pre_dir: Option<Dir>,
    /// The primary name, words separated by one space (`5TH`, `SAINT JAMES`, `MC KEAN`).
    pub name: String,
    /// Standard suffix abbreviation (Appendix C1): `ST`, `AVE`, `BLVD`, ...
    pub suffix: Option<String>,
    /// Post-directional (`E` in `CENTENNIAL SQ E`).
    pub post_dir: Option<Dir>,
    /// What follows the suffix and is not a directional: a ramp or spur id (`RAMP A-DE`),
    /// or, in reference data, any other trailing words.
    pub qualifier: Option<String>,
}

impl StreetName {
    /// The name as USPS writes it: `N 5TH ST`, `CENTENNIAL SQ E`.
    pub fn full(&self) -> String {
        let mut out = String::with_capacity(self.name.len() + 12);
        let parts = [
            self.pre_dir.map(Dir::as_str),
            Some(self.name.as_str()),
            self.suffix.as_deref(),
            self.post_dir.map(Dir::as_str),
            self.qualifier.as_deref(),
        ];
        for part in parts.into_iter().flatten() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(part);
        }
        out
    }

    /// A matching key: `pre|name|suffix|post|qualifier`, the name without spaces so that
    /// `MC KEAN` meets `MCKEAN`.
    pub fn key(&self) -> String {
        let mut out = String::with_capacity(self.name.len() + 12);
        out.push_str(self.pre_dir.map_or("", Dir::as_str));
        out.push('|');
        out.extend(self.name.chars().filter(|c| *c != ' '));
        out.push('|');
        out.push_str(self.suffix.as_deref().unwrap_or(""));
        out.push('|');
        out.push_str(self.post_dir.map_or("", Dir::as_str));
        out.push('|');
        out.push_str(self.qualifier.as_deref().unwrap_or(""));
        out
    }
}

impl fmt::Display for StreetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full())
    }
}

/// A secondary unit (Appendix C2): `APT 2`, `# 3B`, `REAR`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Unit {
    /// Standard designator (`APT`, `STE`, `REAR`, ...) or `#`.
    pub designator: String,
    /// The unit number or letter, if any.
    pub id: Option<String>,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.designator)?;
        match &self.id {
            Some(id) => write!(f, " {id}"),
            None => Ok(()),
        }
    }
}

/// A numbered address: `1200-1204 N BROAD ST APT 2, PHILADELPHIA, PA 19107`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StreetAddress {
    /// House number (for a block, its first number: 2100 in `2100 BLOCK`).
    pub number: u32,
    /// Upper end of a range: 1204 in `1200-04` or `1200-1204`.
    pub number_high: Option<u32>,
    /// Letter after the number: `A` in `123A`.
    pub number_suffix: Option<String>,
    /// `123 1/2`.
    pub half: bool,
    /// The street.
    pub street: StreetName,
    /// Secondary unit.
    pub unit: Option<Unit>,
    /// City, as written (`PHILA`).
    pub city: Option<String>,
    /// Two-letter state.
    pub state: Option<String>,
    /// Five-digit ZIP code.
    pub zipcode: Option<String>,
    /// ZIP+4 add-on, when given.
    pub zip4: Option<String>,
}

impl StreetAddress {
    fn write_number(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number)?;
        if let Some(high) = self.number_high {
            write!(f, "-{high}")?;
        }
        if let Some(letter) = &self.number_suffix {
            f.write_str(letter)?;
        }
        if self.half {
            f.write_str(" 1/2")?;
        }
        Ok(())
    }

    fn write_rest(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, " {}", self.street)?;
        if let Some(unit) = &self.unit {
            write!(f, " {unit}")?;
        }
        if let Some(city) = &self.city {
            write!(f, ", {city}")?;
        }
        if self.state.is_some() || self.zipcode.is_some() {
            f.write_str(",")?;
        }
        if let Some(state) = &self.state {
            write!(f, " {state}")?;
        }
        if let Some(zip) = &self.zipcode {
            write!(f, " {zip}")?;
            if let Some(plus4) = &self.zip4 {
                write!(f, "-{plus4}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for StreetAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_number(f)?;
        self.write_rest(f)
    }
}

/// What an address string names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParsedAddress {
    /// A numbered address: `1234 N BROAD ST APT 2`.
    Street(StreetAddress),
    /// A block: `2100 BLOCK S BROAD ST` (`number` = first number of the block).
    Block(StreetAddress),
    /// Two streets that cross: `N 12TH ST & MARKET ST`.
    Intersection(StreetName, StreetName),
    /// A street without a house number: `MARKET ST`.
    StreetOnly(StreetName),
}

impl fmt::Display for ParsedAddress {
    /// The normalized form; parsing it again gives the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParsedAddress::Street(a) => a.fmt(f),
            ParsedAddress::Block(a) => {
                a.write_number(f)?;
                f.write_str(" BLOCK")?;
                a.write_rest(f)
            }
            ParsedAddress::Intersection(a, b) => write!(f, "{a} & {b}"),
            ParsedAddress::StreetOnly(s) => s.fmt(f),
        }
    }
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
    let mut toks: Vec<&str> = cleaned.split_ascii_whitespace().collect();
    // connectors, `#` and commas cannot start or end an address
    let Some(first) = toks.iter().position(|t| is_word(t)) else {
        return Err(NormalizeError::Empty);
    };
    toks.drain(..first);
    while toks.last().is_some_and(|t| !is_word(t) && *t != ",") {
        toks.pop();
    }
    let locality = strip_locality(&mut toks);
    strip_corner_prefix(&mut toks);
    if let Some(p) = find_connector(&toks) {
        let (left, right) = (&toks[..p], &toks[p + 1..]);
        if matches!(toks[p], "@" | "AT") && is_house_number(right[0]) {
            return parse_numbered(right.to_vec(), locality, input);
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
    let toks: Vec<&str> = cleaned.split_ascii_whitespace().collect();
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
            '/' | '#' | '&' | '@' | ',' => {
                out.push(' ');
                out.push(c);
                out.push(' ');
            }
            // N.BROAD → N BROAD, but N.E. → NE and ST. → ST
            '.' if n1.is_alphabetic() && n2 != '.' => out.push(' '),
            '.' | '\'' | '’' | '`' => {}
            c if c.is_alphanumeric() => out.extend(c.to_uppercase()),
            _ => out.push(' '),
        }
    }
    out
}

/// City, state and ZIP split off the end of an address.
#[derive(Default)]
struct Locality {
    city: Option<String>,
    state: Option<String>,
    zipcode: Option<String>,
    zip4: Option<String>,
}

/// Removes a trailing `[, CITY][,] [STATE] [ZIP[-PLUS4]]` and all commas from `toks`.
fn strip_locality(toks: &mut Vec<&str>) -> Locality {
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
    toks.retain(|t| *t != ",");
    loc
}

fn trim_commas(toks: &mut Vec<&str>) {
    while toks.last() == Some(&",") {
        toks.pop();
    }
}

/// A comma-separated part that reads as a city: words only, not a unit or a directional.
fn is_city(seg: &[&str]) -> bool {
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

/// A unit designator (`APT`, `#`, ...): what comes after it is no ZIP code.
fn is_unit_marker(t: &str) -> bool {
    usps::unit(t).is_some()
}

/// A unit number: has a digit, or is one or two letters (`2`, `3B`, `B`, `B-1`).
fn is_unit_id(t: &str) -> bool {
    let ok_chars = t.chars().all(|c| c.is_alphanumeric() || c == '-');
    ok_chars && (t.bytes().any(|b| b.is_ascii_digit()) || t.chars().count() <= 2)
}

/// Finds a unit designator and its number: (designator index, unit, index after the unit).
fn find_unit(toks: &[&str]) -> Option<(usize, Unit, usize)> {
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

/// A house-number token: digits, optionally `-digits` (range) or one letter (`123A`, `123-A`).
fn is_house_number(t: &str) -> bool {
    split_house_number(t).is_some()
}

/// Splits a house number into (low digits, high digits, letter).
fn split_house_number(t: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let d = t.bytes().take_while(u8::is_ascii_digit).count();
    if d == 0 {
        return None;
    }
    let (low, rest) = t.split_at(d);
    let rest_after_dash = rest.strip_prefix('-');
    let is_letter = |s: &str| s.len() == 1 && s.bytes().all(|b| b.is_ascii_alphabetic());
    match rest_after_dash {
        None if rest.is_empty() => Some((low, None, None)),
        None if is_letter(rest) => Some((low, None, Some(rest))),
        Some(r) if !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()) => {
            Some((low, Some(r), None))
        }
        Some(r) if is_letter(r) => Some((low, None, Some(r))),
        _ => None,
    }
}

/// Reads a house-number token into the number fields of a new address.
fn house_number(t: &str) -> Result<StreetAddress, NormalizeError> {
    let too_large = || NormalizeError::NumberTooLarge(t.to_string());
    let Some((low, high, letter)) = split_house_number(t) else {
        return Err(too_large());
    };
    let number: u32 = low.parse().map_err(|_| too_large())?;
    let number_high = match high {
        // 1200-04: the high number repeats the low number's leading digits
        Some(h) if h.len() < low.len() => {
            let full = format!("{}{h}", &low[..low.len() - h.len()]);
            Some(full.parse::<u32>().map_err(|_| too_large())?)
        }
        Some(h) => Some(h.parse::<u32>().map_err(|_| too_large())?),
        None => None,
    };
    Ok(StreetAddress {
        number,
        number_high: number_high.filter(|h| *h > number),
        number_suffix: letter.map(str::to_string),
        ..StreetAddress::default()
    })
}

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
fn parse_street<'t, 'a>(toks: &'t [&'a str], typed: bool) -> (StreetName, &'t [&'a str]) {
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
fn append_qualifier(street: &mut StreetName, rest: &[&str]) {
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

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
