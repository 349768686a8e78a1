//! Hotspot: turns a city's 311 service requests into hot-spot maps.
//!
//! The pipeline is intake → geocode → store → index → analysis → API; see README.md.

pub mod catalog;
pub mod config;
pub mod geocode;
pub mod model;
