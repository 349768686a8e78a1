//! Subcommands of the `hotspot` binary that are more than a call into the library.

pub mod load;
pub mod output;
pub mod sync;
pub mod trends;
