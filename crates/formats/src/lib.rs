//! Readers and writers for the text files Homeward reads: pedigrees with genotypes (the pedtools
//! "ped" table), allele-frequency databases (long, ladder and Familias list forms), per-marker
//! mutation-model tables, and GeneMapper/GeneMarker allele tables.
//!
//! Architecture invariant: this crate parses `&str` and writes `String`; it never touches the file
//! system. Errors carry a 1-based line number and the field (column or marker) at fault; the caller
//! adds the file path. Checks that need the whole data set (unknown parents, duplicate ids,
//! frequency sums, alleles missing from a database) belong to `kinship` and are not made here.

pub mod freqs;
pub mod genemapper;
pub mod mutation_table;
pub mod ped;
mod text;

pub use freqs::{
    detect_format, read_frequencies, read_frequencies_as, write_ladder, write_list, FreqError, FreqFormat, FrequencyDb,
    MarkerFreqs,
};
pub use genemapper::{read_genemapper, AmelogeninSex, GeneMapperError, GeneMapperProfile};
pub use mutation_table::{read_mutation_table, MutationRow, MutationTableError};
pub use ped::{read_ped, write_ped, PedError, PedFile, PedRow, RawGenotype};
