//! Hotspot: turns a city's 311 service requests into hot-spot maps.
//!
//! The pipeline is intake → geocode → store → index → analysis → API; see README.md.

pub mod analysis;
pub mod api;
pub mod app;
pub mod boundaries;
pub mod catalog;
pub mod config;
pub mod demo;
pub mod geocode;
pub mod hotspots;
pub mod import;
pub mod index;
pub mod intake;
pub mod layers;
pub mod model;
pub mod projection;
pub mod shared_vec;
pub mod store;
