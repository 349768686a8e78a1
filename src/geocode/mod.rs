//! Geocoding: from the addresses residents and call-takers type to points, and back.
//!
//! * [`normalize`]: address normalization per USPS Publication 28 (street suffixes,
//!   directionals, unit designators, ordinals, house-number ranges, blocks, intersections,
//!   trailing city/state/ZIP). Both request addresses ([`parse_address`]) and reference
//!   street names ([`normalize_street_name`]) go through it, so they meet on
//!   [`StreetName::key`].
//! * [`reference`]: the city's address points (OpenAddresses CSV) and street centerlines
//!   with house-number ranges (GeoJSON, TIGER-style fields).
//! * [`matcher`]: which reference streets a street name may mean (exact, alias, partial,
//!   typos).
//! * [`forward`]: address points, interpolation, blocks and intersections.
//! * [`reverse`]: the nearest address point and street segment to a point.
//! * [`batch`]: a CSV of addresses in, the same rows with points out.
//! * [`Geocoder`]: all of it over one city's reference, built from the config.
//!
//! The tables (Appendix C1 suffixes, C2 unit designators, states) live in a private `usps`
//! module and are built once on first use.

pub mod batch;
pub mod forward;
mod geocoder;
pub mod geometry;
pub mod matcher;
pub mod normalize;
pub mod reference;
pub mod reverse;
mod usps;

pub use forward::{Geocoded, Match, MatchType};
pub use geocoder::{Geocoder, ACCEPT_SCORE};
pub use normalize::{
    normalize_street_name, ordinal, parse_address, Dir, NormalizeError, ParsedAddress,
    StreetAddress, StreetName, Unit, MAX_INPUT_LEN,
};
pub use reference::{Reference, ReferenceError};
pub use reverse::Reverse;
