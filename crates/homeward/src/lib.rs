//! The `homeward` command line: argument parsing, printing, and the commands that turn files into
//! the compute crates' values and print their results (`lr`, `dvi`, `screen`, `match`, `advise`,
//! `relationship`, `itinerary`). Registry work (imports, exports, backup, the demo registry) is
//! `casework`'s; the binary in `main.rs` only dispatches and sets the exit code.

pub mod accounts;
pub mod advise;
pub mod backup;
pub mod config;
pub mod db;
pub mod demo;
pub mod dvi;
pub mod export;
pub mod fam;
pub mod import;
pub mod itinerary;
pub mod lr;
pub mod matching;
pub mod model;
pub mod relationship;
pub mod screen;
pub mod screen_snp;
pub mod serve;
pub mod snp;
pub mod verify;
