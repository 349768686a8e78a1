//! The parts of a normalized address ([`Dir`], [`StreetName`], [`Unit`], [`StreetAddress`],
//! [`ParsedAddress`]) and how they print in USPS form.

use std::fmt;

use serde::{Deserialize, Serialize};

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
