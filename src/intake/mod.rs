//! Intake: reading source formats into requests and accepting them.

pub mod accept;
