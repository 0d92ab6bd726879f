//! The `homeward` tool: command implementations and the glue that turns files into the typed
//! values of the compute crates. The binary in `main.rs` only parses arguments and sets the exit
//! code.

pub mod advise;
pub mod backup;
pub mod case;
pub mod config;
pub mod demo;
pub mod dvi;
pub mod error;
pub mod fam;
pub mod import_cmf;
pub mod import_fam;
pub mod import_gedcom;
pub mod import_genemapper;
pub mod imports;
pub mod itinerary;
pub mod lr;
pub mod matching;
pub mod model;
pub mod records;
pub mod relationship;
pub mod screen;
pub mod serve;
pub mod snp;
pub mod text_file;
