//! Geocoding: from the addresses residents and call-takers type to points.
//!
//! * [`normalize`]: address normalization per USPS Publication 28 (street suffixes,
//!   directionals, unit designators, ordinals, house-number ranges, blocks, intersections,
//!   trailing city/state/ZIP). Both request addresses ([`parse_address`]) and reference
//!   street names ([`normalize_street_name`]) go through it, so they meet on
//!   [`StreetName::key`].
//!
//! The tables (Appendix C1 suffixes, C2 unit designators, states) live in a private `usps`
//! module and are built once on first use.

pub mod normalize;
mod usps;

pub use normalize::{
    normalize_street_name, ordinal, parse_address, Dir, NormalizeError, ParsedAddress,
    StreetAddress, StreetName, Unit, MAX_INPUT_LEN,
};
