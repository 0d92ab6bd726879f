//! Identification: matching victims' profiles against families. Joint identification by the dvir
//! method (`dvi`), direct matching among victims (`direct`), all-against-all screening (`screen`), lineage markers (`lineage`); no I/O.

pub mod direct;
pub mod dvi;
pub mod lineage;
pub mod screen;
pub mod snp_screen;
