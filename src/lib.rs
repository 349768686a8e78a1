//! Hotspot: turns a city's 311 service requests into hot-spot maps.
//!
//! The pipeline is intake → geocode → store → index → analysis → hot spots → API; the
//! library core (everything but [`api`]) never imports the HTTP layer. README.md's
//! architecture section has the module map and its import rules.

pub mod analysis;
pub mod api;
pub mod boundaries;
pub mod catalog;
pub mod city;
pub mod config;
pub mod demo;
pub mod events;
pub mod geocode;
pub mod gpkg;
pub mod hotspots;
pub mod import;
pub mod index;
pub mod intake;
pub mod layers;
pub mod methods;
pub mod model;
pub mod parallel;
pub mod projection;
pub mod selection;
pub mod shared_vec;
pub mod store;
pub mod sync;
pub mod tiles;
pub mod time;
pub mod trends;
