//! Hotspot: turns a city's 311 service requests into hot-spot maps.
//!
//! The pipeline is intake → geocode → store → index → analysis → API; see README.md.

pub mod analysis;
pub mod catalog;
pub mod config;
pub mod model;
