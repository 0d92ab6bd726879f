//! Identification: matching victims' profiles against families. Joint identification by the dvir
//! method (`dvi`), all-against-all screening (`screen`), lineage markers (`lineage`); no I/O.

pub mod dvi;
pub mod lineage;
pub mod screen;
