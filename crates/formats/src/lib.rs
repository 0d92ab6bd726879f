//! Readers and writers for the text files Homeward reads: pedigrees with genotypes (the pedtools
//! "ped" table), allele-frequency databases (long, ladder and Familias list forms), per-marker
//! mutation-model tables, GeneMapper/GeneMarker allele tables, Familias `.fam` files, CODIS CMF 3.2 XML
//! files, STRidER XML frequency exports, GEDCOM 7.0 / 5.5.1 family trees, SNP panels, VCF 4.x
//! genotype files, and Y-STR and mtDNA reference databases; and plain documents as PDF (`pdf`).
//!
//! Architecture invariant: this crate parses `&str` and writes `String`; it never touches the file
//! system. Errors carry a 1-based line number and the field (column or marker) at fault; the caller
//! adds the file path. Checks that need the whole data set (unknown parents, duplicate ids,
//! frequency sums, alleles missing from a database) belong to `kinship` and are not made here.

pub mod cmf;
pub mod familias;
pub mod freqs;
pub mod gedcom;
pub mod genemapper;
pub mod lineage;
pub mod min_freq;
pub mod mutation_table;
pub mod pdf;
pub mod ped;
pub mod snp_panel;
pub mod snp_profile;
pub mod strider;
pub mod table;
mod text;
pub mod vcf;
mod xml;

pub use cmf::{
    read_cmf, write_cmf, Allele, CmfError, CmfFile, Locus, Relationship, Specimen, SpecimenCategory, SpecimenRole,
};
pub use familias::{read_fam, write_fam, FamError, FamFile};
pub use freqs::{
    detect_format, read_frequencies, read_frequencies_as, write_ladder, write_list, FreqError, FreqFormat,
    FreqMetadata, FrequencyDb, MarkerFreqs,
};
pub use gedcom::{read_gedcom, write_gedcom, GedcomError, GedcomFile};
pub use genemapper::{read_genemapper, AmelogeninSex, GeneMapperError, GeneMapperProfile};
pub use lineage::{
    read_mt_database, read_y_database, LineageDbError, MtDnaDatabase, MtDnaRecord, YStrDatabase, YStrRecord,
};
pub use min_freq::{MinFreqError, MinFreqRule};
pub use mutation_table::{read_mutation_table, MutationRow, MutationTableError};
pub use ped::{read_ped, write_ped, PedError, PedFile, PedRow, RawGenotype};
pub use snp_panel::{normalise_chrom, read_snp_panel, PanelChromosome, PanelError, PanelSnp, SnpPanel};
pub use snp_profile::{align_vcf, AlignError, ProfileCodecError, SnpCall, SnpProfile};
pub use strider::{looks_like_xml, read_strider, write_strider, StriderError};
pub use table::{Row, Table, TableError, TableSpec};
pub use vcf::{read_vcf, GtCall, SampleCall, VcfError, VcfFile, VcfRecord};
